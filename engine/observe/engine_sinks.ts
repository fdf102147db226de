// The engine's sinks beyond the decision log, wired in one place for the file engine and the
// Kafka engine: the audit trail (event store), the metrics block with its HTTP endpoints, and the
// bus that approved actions are published on. None of them is on the hot path:
//
//   per decision   onRecord (pipeline hook): the decision's inputs are copied (a few Float64s),
//                  realised PnL and accuracy go into the metrics block; onDecision (the decision
//                  sink, once a decision is kept): a reference is queued for the audit trail and,
//                  with the trail on the main thread, for the bus. No serialisation, no I/O, no await.
//   per tick       the stepper observes the stage latencies into the metrics block (plain stores).
//   per cycle      each agent thread observes its agents' evaluation times into its own region.
//   every 5 ms     with the audit thread (--audit-thread on, the default): the queued decisions go
//                  to it in one message (event_store/remote/audit_thread.ts); it builds, hashes,
//                  writes and syncs their events, and publishes the approved actions on the bus.
//   between chunks between(): the audit queues are relieved (a wait only when one is backlogged,
//                  counted), approved actions queued on the main thread are published (the bus
//                  buffers and confirms in the background), and every 5 s each agent's
//                  performance record is appended to agent-performance-<agentId>.
//   at stop        stop(): final performance records, every audit stream flushed, the store
//                  closed, the bus flushed (what it leaves unconfirmed is reported), HTTP closed.
import { randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { kEventTypeNames, type DeadLetter } from '../../protocol/events.ts';
import { kCtlEpoch } from '../../protocol/layout.ts';
import type { EngineMetricsSchema } from '../../protocol/metrics/catalogue.ts';
import type { EngineMetrics, EngineMetricsHandoff } from '../../protocol/metrics/engine_metrics.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import type { EngineOptions } from '../options.ts';
import { sinkOptionsOf, type SinkOptions } from './sink_options.ts';
import type { Pipeline } from '../pipeline.ts';
import { AuditTrail, type Audit, type AuditTrailStats, type Trail } from '../sinks/audit_trail.ts';
import { openStoreThread, RemoteEventStore, ThreadTrail } from '../sinks/event_store/remote/audit_thread.ts';
import { DecisionInputs } from '../sinks/decision_inputs.ts';
import { openEventStore } from '../sinks/event_store/open.ts';
import { EventStoreError } from '../sinks/event_store/errors.ts';
import type { EventStore } from '../sinks/event_store/types.ts';
import type { Registry } from 'prom-client';
import type { Router } from '../http/router.ts';
import { keyedEventId } from '../sinks/event_store/streams.ts';
import type { AgentMessage } from '../sinks/bus/agent_message.ts';
import { decisionLine } from '../sinks/decision_log.ts';
import { JsonText } from '../sinks/json_text.ts';
import { startObservability, type Observability } from '../http/observability.ts';
import type { HttpHandle } from '../http/server.ts';
import type { Decision, DecisionSink, Proposal } from '../types.ts';
import type { LatencyRecorder } from '../metrics/latency.ts';

/** The strategy label values of each agent's profit and loss (its decision kinds); "other" catches the rest. */
const kStrategies: Readonly<Record<string, readonly string[]>> = {
  arbitrage_detector: ['arbitrage_cross_exchange', 'arbitrage_triangular', 'arbitrage_yield', 'arbitrage_statistical', 'arbitrage_statistical_exit'],
  yield_hunter: ['yield_entry', 'yield_exit'],
  portfolio_rebalancer: ['rebalance'],
  liquidity_optimizer: ['liquidity_provision', 'liquidity_withdrawal'],
  market_analyzer: ['market_event'],
};
export const kDeadLetterReasons = ['malformed', 'invalid_field', 'unknown_reference', 'implausible'] as const;
export const kQueues = ['audit', 'actions'] as const;
export const kRings = ['changed_slots'] as const;
export const kSinkNames = ['event_store', 'bus'] as const;
const kPerformanceEveryMs = 5000;
/** The state is warm once this many ticks are in it (or the input ended). */
const kWarmEvents = 1000;

/** A dead letter's reason text → its metric label (a fixed list, "other" for the rest). */
export function deadLetterReason(reason: string): number {
  if (/JSON|undecodable|must be an object|not an ISO/i.test(reason)) return 0;
  if (/is missing|must be|has char|is not \d+ b/i.test(reason)) return 1;
  if (/unknown|before the pool|configured/i.test(reason)) return 2;
  if (/negative|exceeds|is 0|zero|empty|implausible|out of range|away from/i.test(reason)) return 3;
  return kDeadLetterReasons.length; // other
}

export interface SinksContext {
  /** Agent threads (0: inline), for the metrics regions. */
  threads: number;
  /** The Kafka engine appends to an existing log; a file replay starts a fresh one (the old one is kept). */
  append: boolean;
  log?: (line: string) => void;
}

export interface SinksSummary {
  eventStore: (AuditTrailStats & { target: string }) | null;
  bus: { published: number; confirmed: number; overflow: number; unconfirmedAtStop: number } | null;
  http: string | null;
}

interface AgentTally { decisions: number; approved: number; rejected: number; pending: number; roundTrips: number; wins: number; pnlUsd: number }

export class EngineSinks {
  readonly o: EngineOptions;
  readonly options: SinkOptions;
  readonly audit: Trail | null;
  readonly obs: Observability | null;
  readonly metrics: EngineMetrics | null;
  readonly #agentIndex = new Map<string, number>();
  readonly #tally: AgentTally[];
  readonly #dispatchers: Dispatcher[] = [];
  readonly #pipelines: Pipeline[] = [];
  readonly #actions: Decision[] = [];
  #perfAgentUs: Map<string, LatencyRecorder> | null = null;
  #cycles = 0;
  #events = 0;
  #warm = false;
  #lastPerf = performance.now();
  #elu = performance.eventLoopUtilization();
  #published = 0;
  #stopped = false;
  #handedThreads = false;
  #stopping: Promise<SinksSummary> | null = null;

  private constructor(o: EngineOptions, options: SinkOptions, audit: Trail | null, obs: Observability | null) {
    this.o = o;
    this.options = options;
    this.audit = audit;
    this.obs = obs;
    this.metrics = obs?.metrics.main ?? null;
    o.agents.forEach((a, i) => this.#agentIndex.set(a, i));
    this.#tally = o.agents.map(() => ({ decisions: 0, approved: 0, rejected: 0, pending: 0, roundTrips: 0, wins: 0, pnlUsd: 0 }));
  }

  /** Opens what the options turn on: the event store and its trail, the metrics block, HTTP, the bus. */
  static async open(o: EngineOptions, ctx: SinksContext): Promise<EngineSinks> {
    const s = sinkOptionsOf(o); // every sink option checked here, before anything is read
    let audit: Trail | null = null;
    if (s.eventStore !== null) {
      if (s.eventStoreKind === 'embedded' && !ctx.append) await keepOldLog(s.eventStore);
      // --audit-thread on (the default): the store and its trail on the audit thread
      const open = (url: string): Promise<EventStore> => (s.auditThread ? openStoreThread({ url }) : openEventStore({ url }));
      let store: EventStore;
      try {
        store = await open(s.eventStore);
      } catch (err) {
        // Several Kafka engine processes on one box share a decision-log folder; one process
        // appends to an embedded log at a time, so a default log in use by another process is
        // left to it and this one keeps its own beside it (a shared trail: PostgreSQL).
        if (!(ctx.append && s.eventStoreDefault && err instanceof EventStoreError && /in use by process/.test(err.message))) throw err;
        const own = s.eventStore.replace(/\.log$/, `.${process.pid}.log`);
        ctx.log?.(`${err.message}: this process appends to ${own}`);
        store = await open(own);
        s.eventStore = own;
      }
      // Decisions' inputs are formatted by the inputs worker only where it has a core of its own (as
      // spinning is only tried where the threads fit the cores): on a machine with no spare core
      // it would take CPU from the agent threads the main thread waits for, and the drain formats them.
      audit = s.auditThread
        ? await (store as RemoteEventStore).trail({ whenFull: s.auditWhenFull, bus: s.bus === null ? null : busOf(s) })
        : new AuditTrail(store, { whenFull: s.auditWhenFull, inputsWorker: availableParallelism() > ctx.threads + 1 });
    }
    let obs: Observability | null = null;
    let sinks: EngineSinks | null = null;
    if (s.metrics || s.http !== null || s.bus !== null) {
      try {
        obs = await startObservability({
          metrics: metricsSchema(o, ctx.threads),
          http: s.http,
          // with the trail on the audit thread, approved actions are published from there (its own connection)
          bus: s.bus === null || audit instanceof ThreadTrail ? null : busOf(s),
          ready: () => sinks!.ready(),
          refresh: () => sinks?.refresh(),
        });
      } catch (err) {
        await audit?.close();
        throw err;
      }
    }
    sinks = new EngineSinks(o, s, audit, obs);
    if (s.http !== null) ctx.log?.(`serving ${describeHttp(obs!.http!)}`);
    return sinks;
  }

  /** The interface other parts of the engine append through (null: no audit trail). */
  get auditApi(): Audit | null { return this.audit; }

  /** The run's event store (null: none), for the operator's control stream and the learning loop (one opener per embedded log). */
  get store(): EventStore | null { return this.audit?.store ?? null; }

  /** The run's store with how a trainer reaches it (the log's absolute path, or the URL), for the learning loop; null: none. */
  get sharedStore(): { store: EventStore; ref: string } | null {
    const store = this.store;
    if (store === null) return null;
    const ref = this.options.eventStore!;
    return { store, ref: this.options.eventStoreKind === 'embedded' ? resolve(ref) : ref };
  }

  /** The run's HTTP router and metrics registry (null: no --http), for the operator's endpoints. */
  get httpHost(): { routes: Router; registry: Registry } | null {
    return this.obs?.http == null ? null : { routes: this.obs.http.routes, registry: this.obs.metrics.registry };
  }

  /** The handoff a dispatcher gives its threads: thread t records into region t + 1. */
  threadMetrics(): { handoff(region: number): EngineMetricsHandoff | null; main: EngineMetrics; agentIndex: ReadonlyMap<string, number> } | undefined {
    if (this.obs === null) return undefined;
    const m = this.obs.metrics;
    return { handoff: (r) => (r < m.layout.writers ? m.handoff(r) : null), main: m.main, agentIndex: this.#agentIndex };
  }

  /** threadMetrics() for the first caller only (Kafka: the first lane's threads own the agent-thread regions). */
  threadMetricsOnce(): ReturnType<EngineSinks['threadMetrics']> {
    if (this.#handedThreads) return undefined;
    this.#handedThreads = true;
    return this.threadMetrics();
  }

  /** The pipeline hook: captures the decision's inputs (when audited) and records realised PnL. */
  recorder(pipeline: () => Pipeline): (p: Proposal, d: Decision) => void {
    let inputs: DecisionInputs | null = null;
    const audited = this.audit !== null;
    return (p, d) => {
      if (audited) (inputs ??= new DecisionInputs(pipeline())).capture(p, d);
      const a = this.#agentIndex.get(d.agent);
      if (a === undefined) return;
      const t = this.#tally[a]!;
      t.decisions++;
      if (d.status === 'approved') t.approved++;
      else if (d.status === 'rejected') t.rejected++;
      else t.pending++;
      if (p.realizesPnl && d.fill !== null) {
        t.roundTrips++;
        t.pnlUsd += d.expectedProfitUsd;
        if (d.expectedProfitUsd > 0) t.wins++;
        const m = this.metrics;
        if (m !== null) {
          const strategies = kStrategies[d.agent] ?? [];
          const st = strategies.indexOf(d.kind);
          m.pnl(a, st < 0 ? strategies.length : st, d.expectedProfitUsd);
          m.accuracy(a, t.wins / t.roundTrips);
        }
      }
    };
  }

  /** A decision that is kept (written to the decision log): queued for the audit trail and the bus. */
  onDecision(d: Decision): void {
    this.audit?.decision(d);
    if (this.obs?.bus != null && d.status === 'approved') this.#actions.push(d);
  }

  /** Wraps the file engine's decision log so every decision written also reaches onDecision. */
  decisionSink(inner: DecisionSink): DecisionSink {
    if (this.audit === null && this.obs?.bus == null) return inner;
    return {
      write: (d) => { inner.write(d); this.onDecision(d); },
      flush: () => inner.flush(),
      close: () => inner.close(),
    };
  }

  deadLetter(dl: DeadLetter): void {
    this.metrics?.deadLetter(deadLetterReason(dl.reason));
  }

  /** A started pipeline, for readiness, gauges and performance records. */
  attach(p: Pipeline, perAgentUs?: Map<string, LatencyRecorder>): void {
    this.#pipelines.push(p);
    this.#dispatchers.push(p.dispatcher);
    if (perAgentUs !== undefined) this.#perfAgentUs = perAgentUs;
  }

  /** Progress from the source (events stepped, cycles), for readiness and performance records. */
  progress(events: number, cycles: number, perAgentUs?: Map<string, LatencyRecorder>): void {
    if (perAgentUs !== undefined) this.#perfAgentUs = perAgentUs;
    this.#events = events;
    this.#cycles = cycles;
    if (events >= kWarmEvents) this.#warm = true;
  }

  /** The replay ended: the state is as warm as it gets. */
  markWarm(): void { this.#warm = true; }

  ready(): { warm: boolean; agentThreads: { running: number; expected: number } } {
    let running = 0, expected = 0;
    for (const d of this.#dispatchers) { running += d.running?.() ?? d.threads; expected += d.threads; }
    if (!this.#warm) for (const p of this.#pipelines) if (Atomics.load(p.arrays.ctl, kCtlEpoch) >= kWarmEvents) this.#warm = true;
    return { warm: this.#warm && !this.#stopped, agentThreads: { running: this.#stopped ? 0 : running, expected } };
  }

  /** Between chunks of ticks (the flush boundary). */
  async between(): Promise<void> {
    if (this.#actions.length > 0) this.#publishActions();
    if (this.audit !== null) {
      if (performance.now() - this.#lastPerf >= kPerformanceEveryMs) this.#performance();
      await this.audit.relieve();
    }
  }

  /** Resolves when the audit trail holds every decision kept so far (Kafka commits after it). */
  async flushAudit(): Promise<void> {
    await this.audit?.flush();
  }

  /** Copies gauges into the metrics block (before each scrape, and between chunks). */
  refresh(): void {
    const m = this.metrics;
    if (m === null) return;
    const depth = this.audit?.stats().depth ?? 0;
    m.queueDepth(0, depth);
    m.queueDepth(1, this.#actions.length);
    m.sinkBacklog(0, depth);
    let behind = 0;
    for (const p of this.#pipelines) {
      const epoch = Atomics.load(p.arrays.ctl, kCtlEpoch);
      for (const r of p.readers) if (epoch - r.epoch > behind) behind = epoch - r.epoch;
    }
    m.ringDepth(0, behind);
    if (this.audit instanceof ThreadTrail && this.options.bus !== null) {
      const bus = kSinkNames.indexOf('bus');
      m.sinkBacklog(bus, this.audit.store.busBacklog);
      m.sinkOverflowTotal(bus, this.audit.store.busOverflow);
    }
    const elu = performance.eventLoopUtilization(this.#elu);
    this.#elu = performance.eventLoopUtilization();
    m.busy(elu.active / 1000);
  }

  #publishActions(): void {
    const bus = this.obs!.bus!;
    const now = Date.now(); // one clock read per batch of actions
    for (const d of this.#actions) {
      const msg: AgentMessage<JsonText> = {
        id: keyedEventId('actions', d.key), from: d.agent, to: 'executor', type: `action.${d.kind}`, priority: 5,
        payload: new JsonText(decisionLine(d)), timestamp: now, ttl: 60_000, // the payload: the decision log's line, reused
      };
      if (bus.publishAction(d.kind, msg)) this.#published++;
    }
    this.#actions.length = 0;
  }

  /**
   * Each agent's performance record; its cycle latency percentiles (a walk over a histogram each)
   * only in the final one. With --learning the loop owns agent-performance-<agentId> (its outcome
   * records, which a retraining job names by revision), so these are not written then.
   */
  #performance(final = false): void {
    this.#lastPerf = performance.now();
    if (this.o.learning) return;
    const at = new Date().toISOString();
    this.o.agents.forEach((agent, i) => {
      const t = this.#tally[i]!;
      const lat = final ? this.#perfAgentUs?.get(agent)?.summary() : undefined;
      this.audit!.performance(agent, {
        agentId: agent, agentType: agent, at, events: this.#events, cycles: this.#cycles,
        decisions: t.decisions, approved: t.approved, rejected: t.rejected, pendingApproval: t.pending,
        roundTrips: t.roundTrips, wins: t.wins, accuracy: t.roundTrips === 0 ? null : t.wins / t.roundTrips,
        realizedPnlUsd: Math.round(t.pnlUsd * 100) / 100,
        cycleUs: lat === undefined ? null : { count: lat.count, p50: lat.p50, p99: lat.p99, max: lat.max },
      });
    });
  }

  /** Final performance records, every audit stream flushed and the store closed, then the bus and HTTP. */
  stop(): Promise<SinksSummary> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<SinksSummary> {
    if (this.#actions.length > 0) this.#publishActions();
    let trail: AuditTrailStats | null = null;
    try {
      if (this.audit !== null) {
        this.#performance(true);
        await this.audit.close();
        trail = this.audit.stats();
      }
    } finally {
      this.#stopped = true;
    }
    const busStats = this.obs?.bus?.stats() ?? null;
    const left = this.obs === null ? { busUnconfirmed: 0 } : await this.obs.stop();
    const threadBus = this.audit instanceof ThreadTrail ? this.audit.busStats() ?? null : null;
    return {
      eventStore: trail === null ? null : { ...trail, target: this.options.eventStore! },
      bus: threadBus !== null
        ? { published: threadBus.published, confirmed: threadBus.confirmed, overflow: threadBus.overflow, unconfirmedAtStop: threadBus.unconfirmedAtStop }
        : busStats === null ? null : { published: this.#published, confirmed: this.obs!.bus!.stats().confirmed, overflow: busStats.overflow, unconfirmedAtStop: left.busUnconfirmed },
      http: this.obs?.http == null ? null : describeHttp(this.obs.http),
    };
  }
}

/** The bus options of a run (the same for the main thread's publisher and the audit thread's). */
function busOf(s: SinkOptions): { url: string; prefix: string; lingerMs?: number } {
  return { url: s.bus!, prefix: s.busPrefix, ...(s.busLingerMs === undefined ? {} : { lingerMs: s.busLingerMs }) };
}

/** A file replay starts a fresh embedded log: an existing one is kept beside it as events-<time>.log. */
async function keepOldLog(path: string): Promise<void> {
  if (!existsSync(path) || statSync(path).size === 0) return;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const to = path.replace(/(\.log)?$/, `-${stamp}-${randomUUID().slice(0, 8)}.log`);
  await rename(path, to);
}

/** The metrics schema of a run: its threads, agents and their strategies, event types, reasons, queues. */
export function metricsSchema(o: EngineOptions, threads: number): EngineMetricsSchema {
  return {
    threads: ['main', ...Array.from({ length: threads }, (_, t) => `agent-${t}`)],
    agents: o.agents.map((a) => ({ id: a, type: a, strategies: [...(kStrategies[a] ?? []), 'other'] })),
    eventTypes: [...kEventTypeNames],
    deadLetterReasons: [...kDeadLetterReasons],
    queues: [...kQueues],
    rings: [...kRings],
    sinks: [...kSinkNames],
  };
}

/** Where the endpoints listen, e.g. "health and ready on 127.0.0.1:8080, metrics on 127.0.0.1:9090". */
export function describeHttp(h: HttpHandle): string {
  const at = (a: { address: string; port: number }): string => `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
  return h.health === h.metrics || (h.health.port === h.metrics.port && h.health.address === h.metrics.address)
    ? `health, ready and metrics on ${at(h.health)}` : `health and ready on ${at(h.health)}, metrics on ${at(h.metrics)}`;
}
