// The learning loop, wired in one place:
//
//   executed action ──► outcome at its horizon ──► agent-performance-<agentId> (event store)
//        ──► performance tracker ──► retraining job (bus) ──► trainer: fit, validate ──► result
//        ──► shadow version (control plane) ──► scored beside the active one ──► promote / reject
//
// The synchronous side runs in the pipeline: before()/executed() around each fill, and the
// `fusion`, last at every cycle boundary (marks the outcomes that reached their horizon, then
// applies staged parameter changes, which the host installs into the agents' parameter regions
// in shared memory for their next cycle). The asynchronous side runs between chunks of the replay (between()):
// appends to the event store, publishes jobs, takes results, and sends parameter commands through
// the control plane (comlink over a MessageChannel), which the next cycle boundary applies at
// once. In lockstep between() waits for a job's result, so the same fixture gives the same
// outcomes, jobs, fits and promotions byte for byte. Every job, result and parameter change is in
// the `control` stream with the versions involved; wall-clock figures go in event metadata only.
import type { Remote } from 'comlink';
import type { ParamChange, ParamCommand, ParamHost, ParamVersion } from '../../workers/agents/index.ts';
import { kFeatureNames } from '../../workers/agents/index.ts';
import type { AgentMessage } from '../sinks/bus/agent_message.ts';
import { agentPerformanceStream, kAgentPerformanceType, kControlStream, keyedEventId } from '../sinks/event_store/streams.ts';
import type { EventData, EventStore } from '../sinks/event_store/types.ts';
import type { Fusion, Proposal } from '../types.ts';
import type { LearningConfig } from '../learning_config.ts';
import { jobProblem, kResultType, kRollbackType, resultProblem, type RetrainingJob, type RetrainingResult } from './jobs.ts';
import { OutcomeBook, type Outcome } from './outcomes.ts';
import { PerformanceTracker } from './tracker.ts';
import type { JobTransport } from './transport.ts';

export type AgentStatus = 'ACTIVE' | 'RETRAINING' | 'SHADOW';
export const kAgentStatuses: readonly AgentStatus[] = ['ACTIVE', 'RETRAINING', 'SHADOW'];

/** Where the loop reports each agent's accuracy and status (the metrics block, or nothing). */
export interface LearningMetrics {
  accuracy(agent: string, ratio: number): void;
  status(agent: string, status: AgentStatus): void;
}

interface Trial { version: number; n: number; activeErr: number; shadowErr: number; activeOk: number; shadowOk: number; decided: boolean; won: boolean }

interface AgentState {
  status: AgentStatus;
  nextRevision: number;
  jobs: number;
  lastJobTs: number;
  versions: number;
  trial: Trial | null;
  /** The triggering window's figures, and the promoted version's outcomes since. */
  /** The trigger's window; then, at a promotion, the replaced version on the shadow window. */
  trigger: { errorPct: number; success: number } | null;
  before: { errorPct: number; success: number; outcomes: number } | null;
  after: { n: number; err: number; ok: number } | null;
  triggerWallMs: number;
  triggerToPromotionMs: number[];
  promotions: number;
  rejections: number;
  failures: number;
  rollbacks: number;
  suppressed: number;
}

export interface LearningReport {
  agent: string;
  status: AgentStatus;
  outcomes: number;
  jobs: number;
  promotions: number;
  rejections: number;
  failures: number;
  rollbacks: number;
  suppressedJobs: number;
  activeVersion: number;
  /** The window that triggered the last job. */
  trigger: { errorPct: number; success: number } | null;
  /** The version replaced at the last promotion, scored on the shadow window (the same actions as its successor). */
  before: { errorPct: number; success: number; outcomes: number } | null;
  /** The promoted version's own outcomes since its promotion. */
  after: { errorPct: number; success: number; outcomes: number } | null;
  triggerToPromotionMs: number[];
}

export interface LearningDeps {
  config: LearningConfig;
  mode: 'lockstep' | 'realtime';
  store: EventStore;
  /** How a trainer reaches the store (a path or URL), put in each job. */
  storeRef: string;
  host: ParamHost;
  /** The control plane: the host, reached over a MessageChannel. */
  control: Remote<ParamHost>;
  agents: readonly string[];
  /** The agent's own stated return of an action (percent). */
  statedReturnPct: (p: Proposal) => number;
  metrics?: LearningMetrics;
  /** Sees every outcome (tests). */
  onOutcome?: (o: Outcome) => void;
}

export class LearningLoop {
  readonly #d: LearningDeps;
  readonly #c: LearningConfig;
  readonly #tracker: PerformanceTracker;
  readonly #agents = new Map<string, AgentState>();
  #book: OutcomeBook | null = null;
  #transport: JobTransport | null = null;
  #appends: { stream: string; events: EventData[] }[] = [];
  #jobsToSend: RetrainingJob[] = [];
  readonly #inFlight = new Map<string, { job: RetrainingJob; resolve: () => void }>();
  #results: RetrainingResult[] = [];
  #commands: ParamCommand[] = [];
  #nowUs = 0;
  outcomes = 0;
  /** Messages refused on arrival (malformed results or commands), with why. */
  readonly refused: string[] = [];

  /** The cycle-boundary stage (run last in consolidation): due outcomes, then staged parameter changes (installed into the agents' parameter regions). */
  readonly fusion: Fusion;

  constructor(d: LearningDeps) {
    this.#d = d;
    this.#c = d.config;
    this.#tracker = new PerformanceTracker({ window: d.config.window, minOutcomes: d.config.minOutcomes, minSuccess: d.config.minSuccess, maxErrorPct: d.config.maxErrorPct });
    for (const a of d.agents) {
      this.#agents.set(a, {
        status: 'ACTIVE', nextRevision: 0, jobs: 0, lastJobTs: -Infinity, versions: 0, trial: null, trigger: null, before: null, after: null,
        triggerWallMs: NaN, triggerToPromotionMs: [], promotions: 0, rejections: 0, failures: 0, rollbacks: 0, suppressed: 0,
      });
      d.metrics?.status(a, 'ACTIVE');
    }
    this.fusion = { consolidate: (_cycle: number, _epoch: number, nowUs: number): void => this.#atBoundary(nowUs) };
  }

  /** Binds the outcome book (built over the pipeline's state) and the job transport; reads each stream's next revision. */
  async start(book: OutcomeBook, transport: JobTransport): Promise<void> {
    this.#book = book;
    this.#transport = transport;
    for (const [a, s] of this.#agents) {
      const r = await this.#d.store.streamRevision(agentPerformanceStream(a));
      s.nextRevision = r === null ? 0 : r + 1;
    }
    await transport.start();
  }

  // ---- the pipeline side (synchronous) --------------------------------------------------------

  before(p: Proposal): void {
    if (this.#agents.has(p.agent)) this.#book!.before(p);
  }

  executed(p: Proposal): void {
    if (this.#agents.has(p.agent)) this.#book!.executed(p);
  }

  #atBoundary(nowUs: number): void {
    this.#nowUs = nowUs;
    this.#book!.mark(nowUs);
    if (this.#d.host.staged > 0) for (const ch of this.#d.host.applyStaged()) this.#changed(ch);
  }

  /** The outcome book's sink: store, track, score the shadow, maybe ask for retraining. */
  onOutcome(o: Outcome): void {
    const s = this.#agents.get(o.agent)!;
    const stream = agentPerformanceStream(o.agent);
    s.nextRevision++;
    this.#append(stream, { id: keyedEventId(stream, `${o.key}#${o.mark}`), type: kAgentPerformanceType, data: round(o) });
    this.outcomes++;
    this.#d.onOutcome?.(o);
    if (o.mark !== 'horizon' || o.open) return; // an open position has realised nothing yet: recorded, not scored
    const v = this.#tracker.add(o.agent, o.strategy, o.success, o.errorPct);
    this.#d.metrics?.accuracy(o.agent, this.#tracker.agentWindow(o.agent).successRate);
    if (s.after !== null && o.version === this.#d.host.activeVersion(o.agent)) {
      s.after.n++;
      s.after.err += o.errorPct;
      s.after.ok += o.success ? 1 : 0;
    }
    const t = s.trial;
    if (t !== null && !t.decided && o.shadow !== null && o.shadow.version === t.version) {
      t.n++;
      t.activeErr += o.errorPct;
      t.shadowErr += o.shadow.errorPct;
      t.activeOk += o.success ? 1 : 0;
      t.shadowOk += o.shadow.success ? 1 : 0;
      if (t.n >= this.#c.shadowWindow) this.#decideTrial(o.agent, t);
    }
    if (v.retrain && s.status === 'ACTIVE') this.#maybeRequest(o, s, v.reason, v.meanErrorPct, v.successRate);
  }

  #maybeRequest(o: Outcome, s: AgentState, reason: string, errorPct: number, success: number): void {
    if (o.markTs - s.lastJobTs < this.#c.minJobIntervalUs) { s.suppressed++; return; }
    const c = this.#c;
    const last = s.nextRevision - 1;
    const n = Math.min(c.trainingOutcomes, last + 1);
    const from = last + 1 - n;
    const nValid = Math.max(1, Math.round(n * c.validationFraction));
    s.jobs++;
    s.lastJobTs = o.markTs;
    s.status = 'RETRAINING';
    s.trigger = { errorPct, success };
    s.triggerWallMs = performance.now();
    this.#d.metrics?.status(o.agent, 'RETRAINING');
    const job: RetrainingJob = {
      jobId: `${o.agent}.job-${s.jobs}`, agent: o.agent, strategy: o.strategy, reason, requestedTs: o.markTs, replyTo: c.engineId,
      data: {
        store: this.#d.storeRef, stream: agentPerformanceStream(o.agent),
        training: { fromRevision: from, toRevision: last - nValid }, validation: { fromRevision: last - nValid + 1, toRevision: last },
      },
      hyperparameters: {
        method: 'ridge_least_squares', ridge: c.hyperparameters.ridge, features: [...kFeatureNames], seed: c.hyperparameters.seed,
        timeBudgetMs: c.hyperparameters.timeBudgetMs, minSamples: c.hyperparameters.minSamples, successTolerancePct: c.successTolerancePct,
      },
      targets: { ...c.targets },
      baseline: { version: this.#d.host.activeVersion(o.agent), theta: Array.from(this.#d.host.active(o.agent)) },
      version: ++s.versions,
    };
    this.#audit('retraining_job', job.jobId, job);
    this.#jobsToSend.push(job);
  }

  #decideTrial(agent: string, t: Trial): void {
    t.decided = true;
    const a = t.activeErr / t.n, sh = t.shadowErr / t.n;
    const wins = sh < a * (1 - this.#c.minImprovement);
    t.won = wins;
    this.#audit(wins ? 'shadow_won' : 'shadow_lost', `${agent}.trial-${t.version}`, {
      agent, version: t.version, activeVersion: this.#d.host.activeVersion(agent), outcomes: t.n,
      activeMeanErrorPct: r6(a), shadowMeanErrorPct: r6(sh), activeSuccess: r6(t.activeOk / t.n), shadowSuccess: r6(t.shadowOk / t.n),
    });
    this.#commands.push(wins ? { op: 'promote', agent, version: t.version } : { op: 'reject', agent, version: t.version });
  }

  /** A parameter change the host applied at this cycle boundary. */
  #changed(ch: ParamChange): void {
    const s = this.#agents.get(ch.agent)!;
    const d = this.#d.host.describe(ch.agent);
    this.#audit('parameter_change', `${ch.agent}.${ch.op}-${ch.version}@${this.#nowUs}`, { ...ch, ts: this.#nowUs, active: d.active, shadow: d.shadow, previous: d.previous });
    if (!ch.applied) return;
    if (ch.op === 'promote') {
      s.promotions++;
      const t = s.trial;
      if (t !== null && t.n > 0) s.before = { errorPct: t.activeErr / t.n, success: t.activeOk / t.n, outcomes: t.n };
      s.trial = null;
      s.status = 'ACTIVE';
      this.#tracker.reset(ch.agent);
      s.after = { n: 0, err: 0, ok: 0 };
      if (Number.isFinite(s.triggerWallMs)) s.triggerToPromotionMs.push(performance.now() - s.triggerWallMs);
    } else if (ch.op === 'reject') {
      s.rejections++;
      s.trial = null;
      s.status = 'ACTIVE';
    } else if (ch.op === 'rollback' || ch.op === 'expire') {
      s.rollbacks += ch.op === 'rollback' ? 1 : 0;
      this.#tracker.reset(ch.agent);
      s.after = null;
    }
    this.#d.metrics?.status(ch.agent, s.status);
  }

  // ---- messages from the bus (results, operator commands) --------------------------------------

  onMessage(m: AgentMessage): void {
    if (m.type === kResultType) {
      const problem = resultProblem(m.payload);
      if (problem !== null) { this.refused.push(`${m.id}: ${problem}`); return; }
      const r = m.payload as RetrainingResult;
      const f = this.#inFlight.get(r.jobId);
      if (f === undefined) { this.refused.push(`${m.id}: no job ${r.jobId} in flight`); return; }
      this.#inFlight.delete(r.jobId);
      this.#results.push(r);
      f.resolve();
    } else if (m.type === kRollbackType) {
      const p = m.payload as { agent?: unknown };
      if (p === null || typeof p !== 'object' || typeof p.agent !== 'string' || !this.#agents.has(p.agent)) {
        this.refused.push(`${m.id}: ${kRollbackType} must name a learning agent (${[...this.#agents.keys()].join(', ')})`);
        return;
      }
      this.#commands.push({ op: 'rollback', agent: p.agent });
    } else {
      this.refused.push(`${m.id}: unexpected message type ${m.type}`);
    }
  }

  /** The rollback command: the agent's previous version is active again from the next cycle boundary. */
  rollback(agent: string): void {
    if (!this.#agents.has(agent)) throw new TypeError(`rollback: ${JSON.stringify(agent)} is not a learning agent`);
    this.#commands.push({ op: 'rollback', agent });
  }

  // ---- between chunks (asynchronous) ---------------------------------------------------------

  async between(): Promise<void> {
    await this.#flushAppends();
    for (const job of this.#jobsToSend.splice(0)) {
      const settled = new Promise<void>((resolve) => this.#inFlight.set(job.jobId, { job, resolve }));
      const problem = jobProblem(job);
      if (problem !== null) throw new TypeError(`retraining job ${job.jobId}: ${problem}`);
      await this.#transport!.submit(job);
      if (this.#d.mode === 'lockstep') await this.#waitFor(job, settled);
    }
    for (const r of this.#results.splice(0)) await this.#take(r);
    this.#expire();
    for (const cmd of this.#commands.splice(0)) await this.#d.control.stage(cmd);
    await this.#flushAppends();
  }

  async #waitFor(job: RetrainingJob, settled: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), this.#c.resultTimeoutMs); });
    const won = await Promise.race([settled.then(() => 'ok' as const), timeout]);
    clearTimeout(timer);
    if (won === 'timeout' && this.#inFlight.delete(job.jobId)) {
      this.#results.push({
        jobId: job.jobId, agent: job.agent, version: job.version, status: 'failed', reason: `no result within ${this.#c.resultTimeoutMs} ms`,
        theta: null, features: [...kFeatureNames], data: { stream: job.data.stream, fromRevision: job.data.training.fromRevision, toRevision: job.data.validation.toRevision },
        training: null, validation: null, fitMs: 0, latencyMs: 0, trainer: '',
      });
    }
  }

  async #take(r: RetrainingResult): Promise<void> {
    const s = this.#agents.get(r.agent);
    if (s === undefined) { this.refused.push(`result ${r.jobId}: unknown agent ${r.agent}`); return; }
    const { fitMs, latencyMs, trainer, ...audited } = r;
    this.#audit('retraining_result', r.jobId, audited, { fitMs, latencyMs, trainer });
    if (r.status !== 'succeeded' || r.theta === null) {
      s.failures++;
      s.status = 'ACTIVE';
      this.#d.metrics?.status(r.agent, 'ACTIVE');
      return;
    }
    const version: ParamVersion = {
      agent: r.agent, version: r.version, theta: r.theta, source: r.jobId, data: r.data,
      validation: r.validation === null ? null : { ...r.validation }, validatedTs: this.#nowUs,
    };
    s.trial = { version: r.version, n: 0, activeErr: 0, shadowErr: 0, activeOk: 0, shadowOk: 0, decided: false, won: false };
    s.status = 'SHADOW';
    this.#d.metrics?.status(r.agent, 'SHADOW');
    this.#commands.push({ op: 'shadow', version });
  }

  /** Versions past their age without a fresh validation go back to the agent's own model. */
  #expire(): void {
    const age = this.#c.versionMaxAgeUs;
    if (age <= 0) return;
    for (const a of this.#agents.keys()) {
      const d = this.#d.host.describe(a);
      if (d.active.version !== 0 && this.#nowUs - d.active.validatedTs > age && !this.#commands.some((c) => c.op === 'expire' && c.agent === a)) {
        this.#commands.push({ op: 'expire', agent: a });
      }
    }
  }

  /** The end of the run: open positions and what has not reached its horizon are marked; everything is written. */
  async finish(nowUs: number): Promise<void> {
    this.#nowUs = nowUs;
    this.#book?.finish(nowUs);
    for (const cmd of this.#commands.splice(0)) await this.#d.control.stage(cmd);
    await this.#flushAppends();
  }

  async close(): Promise<void> {
    await this.#transport?.close();
  }

  report(): LearningReport[] {
    return [...this.#agents].map(([agent, s]) => ({
      agent, status: s.status, outcomes: s.nextRevision, jobs: s.jobs, promotions: s.promotions, rejections: s.rejections,
      failures: s.failures, rollbacks: s.rollbacks, suppressedJobs: s.suppressed, activeVersion: this.#d.host.activeVersion(agent),
      trigger: s.trigger, before: s.before, after: s.after === null || s.after.n === 0 ? null : { errorPct: s.after.err / s.after.n, success: s.after.ok / s.after.n, outcomes: s.after.n },
      triggerToPromotionMs: s.triggerToPromotionMs,
    }));
  }

  #audit(type: string, key: string, data: unknown, metadata?: Record<string, unknown>): void {
    this.#append(kControlStream, { id: keyedEventId(kControlStream, `${type}:${key}`), type, data, ...(metadata ? { metadata } : {}) });
  }

  #append(stream: string, e: EventData): void {
    const last = this.#appends[this.#appends.length - 1];
    if (last !== undefined && last.stream === stream) last.events.push(e);
    else this.#appends.push({ stream, events: [e] });
  }

  async #flushAppends(): Promise<void> {
    for (const { stream, events } of this.#appends.splice(0)) await this.#d.store.append(stream, events);
  }
}

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const sig = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(10)) : x);

/** An outcome as stored: numbers to 10 significant digits (the same bytes every run). */
function round(o: Outcome): Outcome {
  return {
    ...o, pnlUsd: sig(o.pnlUsd), feesUsd: sig(o.feesUsd), costsUsd: sig(o.costsUsd), statedReturnPct: sig(o.statedReturnPct),
    expectedReturnPct: sig(o.expectedReturnPct), actualReturnPct: sig(o.actualReturnPct), errorPct: sig(o.errorPct),
    features: o.features.map(sig),
    shadow: o.shadow === null ? null : { ...o.shadow, expectedReturnPct: sig(o.shadow.expectedReturnPct), errorPct: sig(o.shadow.errorPct) },
  };
}
