// The engine fed from Kafka: the universe from a file, then the Kafka source, whose every lane
// drives one pipeline (lane_pipeline.ts: sinks → consolidation → agents); run until the input ends
// (--until-end), the caller aborts (a signal), or the source fails; stopped in reverse. The
// summary has the shape of a file replay's, plus what only Kafka has.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { EngineOptions } from '../options.ts';
import type { LatencySummary } from '../metrics/latency.ts';
import { planTopology } from '../dispatch/topology.ts';
import { DeadLetterLog } from '../sinks/dead_letters.ts';
import { EngineSinks } from '../observe/engine_sinks.ts';
import type { PlausibilityCounts } from '../plausibility/gate.ts';
import { checkOutputPaths } from '../sinks/output_paths.ts';
import { KafkaSource, type KafkaSourceReport } from '../source/kafka/kafka_source.ts';
import type { LaneReport } from '../source/kafka/lane.ts';
import type { KafkaOptions } from '../source/kafka/options.ts';
import { loadUniverse } from '../source/kafka/universe.ts';
import { environment, writeSummary, type Summary } from '../summary.ts';
import { LanePipeline, type LaneDecisions } from './lane_pipeline.ts';
import { LaneAudit, laneStream } from './lane_audit.ts';
import { openEventStore } from '../sinks/event_store/open.ts';
import type { EventStore } from '../sinks/event_store/types.ts';
import type { PipelineHooks } from '../pipeline.ts';
import { openOperator, type Operator } from '../control/operator.ts';
import { LaneControls } from './lane_controls.ts';
import { LucentError } from '../../protocol/errors.ts';

/** A lane of the summary: what it read and what it decided. */
export type LaneSummary = Omit<LaneReport<LanePipeline>, 'target'> & LaneDecisions;

export interface KafkaSummary extends Summary {
  kafka: Omit<KafkaSourceReport<LanePipeline>, 'lanes'> & {
    lanes: LaneSummary[];
    brokers: string[];
    /** From the producer's send time (header) to the decision, for the events that triggered one. */
    produceToDecisionUs: LatencySummary;
    /**
     * Every event with a send time, split at the broker's append (the record timestamp: meaningful
     * on LogAppendTime topics, ±1 ms): send → append, and append → receive by the consumer.
     */
    produceToAppendUs: LatencySummary;
    appendToReceiveUs: LatencySummary;
    /** Each event's wait in its lane's reorder buffer, receive → release (lane.ts Transit). */
    receiveToReleaseUs: LatencySummary;
    rebuiltEvents: number;
    decisionsSuppressed: number;
    late: number;
  };
}

export interface KafkaRunHooks {
  /** Aborting stops the run: read input is decided on, committed, and the group left. */
  signal?: AbortSignal | undefined;
  /** Progress and lane lines (default: stderr when options.progress). */
  log?: (line: string) => void;
  /** Called once the consumer runs (tests wait for it). */
  onStarted?: (source: KafkaSource<LanePipeline>) => void;
  /**
   * The audit trail: an event store (a log path or a postgres:// / kurrentdb:// URL) each lane
   * appends its decisions to, each key once, in `decisions` (global scope) or
   * `decisions-shard-<p>`, claiming the stream (lane_audit.ts: fencing). Shard scope across
   * processes needs a shared server store (the embedded log admits one process).
   */
  eventStore?: string | undefined;
  /** A test hook: an agent thread of the first lane dies mid-cycle (dispatcher.ts). */
  crashAt?: PipelineHooks['crashAt'];
  /** Sees the operator controls once they are up (with --http or --token-file). */
  onOperator?: (op: Operator) => void;
  /** Why the run was stopped when `signal` aborts (the summary's `stoppedBy`), e.g. "SIGTERM". */
  stopReason?: () => string;
}

/** The lane name of a lane's snapshots (stream `snapshot-<name>`): `lane-<shard>`, or `lane-all` in global scope. */
export function laneSnapshotName(shard: number): string {
  return shard >= 0 ? `lane-${shard}` : 'lane-all';
}

/** A shard's decision log: `<name>.shard-<p>.jsonl` beside the one named. */
export function shardDecisionPath(decisions: string, shard: number): string {
  const base = decisions.endsWith('.jsonl') ? decisions.slice(0, -'.jsonl'.length) : decisions;
  return `${base}.shard-${shard}.jsonl`;
}

export async function runKafkaEngine(o: EngineOptions, k: KafkaOptions, hooks: KafkaRunHooks = {}): Promise<KafkaSummary> {
  const log = hooks.log ?? (o.progress ? (line: string) => process.stderr.write(`lucent-engine: ${line}\n`) : () => undefined);
  checkOutputPaths([
    { flag: '--decisions', path: o.decisions }, { flag: '--summary', path: o.summary }, { flag: '--dead-letters', path: o.deadLetters },
  ], [k.universe]);
  const t0 = performance.now();
  const universe = await loadUniverse(k.universe);
  const loadMs = performance.now() - t0;
  // The sinks beyond the decision logs (event store, metrics and HTTP, bus): every lane's decisions
  // reach the audit trail before its offsets are committed (lane_sink.ts). A fenced lane audit
  // (hooks.eventStore, lane_audit.ts) owns the store when given: the sinks' trail is then off.
  const sinks = await EngineSinks.open(hooks.eventStore === undefined ? o : { ...o, sinks: { ...o.sinks, eventStore: 'off' } },
    { threads: Math.max(o.threads, o.topology?.split(';').length ?? 0), append: true, log });
  const deadLetters = new DeadLetterLog(o.deadLetters, (dl) => sinks.deadLetter(dl));
  try {
    return await consume(o, k, hooks, log, universe, loadMs, deadLetters, sinks);
  } finally {
    await sinks.stop();
  }
}

async function consume(
  o: EngineOptions, k: KafkaOptions, hooks: KafkaRunHooks, log: (line: string) => void, universe: Awaited<ReturnType<typeof loadUniverse>>,
  loadMs: number, deadLetters: DeadLetterLog, sinks: EngineSinks,
): Promise<KafkaSummary> {
  const every = o.snapshotEvery ?? 0;
  if (every > 0 && hooks.eventStore === undefined) {
    throw new LucentError('ERR_OPTION', '--snapshot-every with --source kafka needs --event-store (the lanes\' snapshots are kept there, stream snapshot-lane-<shard>)');
  }
  const store: EventStore | null = hooks.eventStore === undefined ? null : await openEventStore(hooks.eventStore);
  const owner = `${hostname()}/${process.pid}`;
  let crashAt = hooks.crashAt;
  // Operator controls (--http, --token-file): the operator's plane on the run's HTTP server and
  // SIGUSR2, its control stream in the run's event store; each lane decides with a plane of its
  // own that follows the operator's (lane_controls.ts).
  const operator = o.operator === null ? null : await openOperator(o.operator, o.config.control, {
    capitalUsd: o.config.agents.capitalUsd, capacity: Math.max(1, universe.size), maxAgentErrors: o.config.limits.maxAgentErrors,
  }, store ?? sinks.store);
  const controls = operator === null ? null : new LaneControls(operator.control, o);
  const source = new KafkaSource<LanePipeline>({
    brokers: k.brokers, groupId: k.group, clientId: k.clientId, topicPrefix: k.topicPrefix, scope: k.scope, universe,
    agents: o.agents, mode: o.mode, bufferPerPartition: k.bufferPerPartition, mergeIdleMs: k.mergeIdleMs,
    sessionTimeoutMs: k.sessionTimeoutMs, heartbeatIntervalMs: k.heartbeatIntervalMs, topicRefreshMs: k.topicRefreshMs,
    untilEnd: k.untilEnd, rate: o.rate, commitIntervalMs: k.commitIntervalMs, fetch: k.fetch, snapshotEvery: every, waitForTopicsMs: k.waitForTopicsMs, localDeadLetters: deadLetters, log,
    // one pipeline per lane; in shard scope each shard writes its own decision log
    openLane: async (lane) => {
      const hook = { crashAt }; // the crash hook goes to the first lane only
      crashAt = undefined;
      const control = controls?.open(lane.registry.size);
      const p = await LanePipeline.open(
        o, lane.registry, o.decisions === null ? null : lane.shard >= 0 ? shardDecisionPath(o.decisions, lane.shard) : o.decisions,
        k.durable, lane.stats, lane.originToDecision, store === null ? null : await LaneAudit.open(store, laneStream(lane.shard), owner),
        { ...hook, control }, sinks, control === undefined ? undefined : () => controls!.close(control),
        store === null || every === 0 ? null : { store, lane: laneSnapshotName(lane.shard), every, resume: lane.resume, log },
      );
      return p;
    },
  });
  if (operator !== null) {
    await operator.attach(null, o.agents, sinks.httpHost);
    hooks.onOperator?.(operator);
  }
  const start = performance.now();
  let failure: unknown = null;
  const aborted = new Promise<void>((resolve) => {
    if (hooks.signal?.aborted) resolve();
    hooks.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  const ticker = setInterval(() => { const s = source.stats; sinks.progress(s.events, s.cycles, s.perAgent); }, 250);
  const progress = o.progress ? setInterval(() => {
    const s = source.stats;
    log(`${source.lanes.length} lane(s) · events ${s.events.toLocaleString('en-US')} · cycles ${s.cycles.toLocaleString('en-US')} · dead letters ${deadLetters.count}`);
  }, 2000) : null;
  try {
    await source.start();
    hooks.onStarted?.(source);
    await Promise.race([source.done, aborted]);
  } catch (err) {
    failure = err;
  } finally {
    if (progress) clearInterval(progress);
    clearInterval(ticker);
    await source.stop();
    await operator?.close();
    await store?.close();
  }
  if (failure !== null) throw failure;
  const runMs = performance.now() - start;
  deadLetters.flush();
  const summary = kafkaSummary(o, k, source, universe.size, deadLetters, loadMs, runMs);
  const sinkSummary = await sinks.stop();
  if (sinkSummary.eventStore !== null || sinkSummary.bus !== null || sinkSummary.http !== null) summary.sinks = sinkSummary;
  summary.stoppedBy = hooks.signal?.aborted ? (hooks.stopReason?.() ?? 'aborted') : null;
  writeSummary(o.summary, summary);
  return summary;
}

/** The summary of a Kafka run: a file replay's shape, the lanes' figures added up. */
function kafkaSummary(
  o: EngineOptions, k: KafkaOptions, source: KafkaSource<LanePipeline>, instruments: number, deadLetters: DeadLetterLog,
  loadMs: number, runMs: number,
): KafkaSummary {
  const report = source.report();
  const lanes: LaneSummary[] = report.lanes.map(laneSummary);
  const events = lanes.reduce((a, l) => a + l.events, 0);
  // The ingest window: from the first message received to the last event into the state.
  const first = Math.min(source.firstReceiveMs, ...lanes.map((l) => (l.firstStepMs === l.firstStepMs ? l.firstStepMs : Infinity)));
  const last = Math.max(...lanes.map((l) => (l.lastStepMs === l.lastStepMs ? l.lastStepMs : -Infinity)));
  const activeMs = Number.isFinite(first) && Number.isFinite(last) && last > first ? last - first : runMs;
  const sum = (f: (l: LaneSummary) => Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const l of lanes) for (const [key, v] of Object.entries(f(l))) out[key] = (out[key] ?? 0) + v;
    return out;
  };
  const stats = source.stats;
  const sha = lanes.length === 1 ? lanes[0]!.decisionLogSha256
    : createHash('sha256').update(lanes.map((l) => `${l.id} ${l.decisionLogSha256}\n`).sort().join('')).digest('hex');
  const decisionsByStatus = { approved: 0, rejected: 0, pending_approval: 0, ...sum((l) => l.decisionsByStatus) };
  const opportunities = sum((l) => l.opportunitiesByAgent);
  const agentsUs: Summary['agentsUs'] = {};
  for (const [name, r] of stats.perAgent) agentsUs[name] = { ...r.summary(), errors: 0, overflow: 0, lapped: 0, eventsLost: 0, stale: 0, quarantined: 0 };
  const topology = planTopology(o.agents, o.threads, o.topology);
  return {
    fixture: `kafka ${k.brokers.join(',')} group ${k.group} (${k.scope} scope; universe ${k.universe})`,
    mode: o.mode,
    threads: topology.length,
    topology,
    mainShare: [],
    dispatch: null,
    wait: o.wait,
    rate: o.rate,
    speed: 0,
    events,
    lines: events + deadLetters.count,
    instruments,
    deadLetters: deadLetters.count,
    deadLetterSamples: deadLetters.samples.map((d) => ({ source: d.source, reason: d.reason })),
    loadMs: Math.round(loadMs),
    runMs: Math.round(activeMs),
    eventsPerSec: Math.round(events / (activeMs / 1000)),
    cycles: stats.cycles,
    wakeCycles: stats.wakeCycles,
    cyclesPerSec: Math.round(stats.cycles / (activeMs / 1000)),
    missedCycles: stats.missedCycles,
    derivedEvents: stats.derivedEvents,
    decisions: lanes.reduce((a, l) => a + l.decisions, 0),
    decisionsByStatus,
    decisionsByAgent: sum((l) => l.decisionsByAgent),
    opportunitiesByAgent: Object.fromEntries(o.agents.map((a) => [a, opportunities[a] ?? 0])),
    topOpportunities: lanes.flatMap((l) => l.topOpportunities)
      .sort((a, b) => b.expectedProfitUsd - a.expectedProfitUsd || (a.key < b.key ? -1 : 1)).slice(0, 10),
    latencyUs: stats.tickToDecision.summary(),
    stagesUs: { ingest: stats.ingest.summary(), agents: stats.agents.summary(), consolidate: stats.consolidate.summary() },
    agentsUs,
    portfolio: {
      cashUsd: Math.round(lanes.reduce((a, l) => a + l.cashUsd, 0) * 100) / 100,
      realizedPnlUsd: Math.round(lanes.reduce((a, l) => a + l.realizedPnlUsd, 0) * 100) / 100,
      varUsd: 0, hhi: 0, positions: 0,
    },
    crashes: {
      threadRestarts: lanes.reduce((a, l) => a + l.threadRestarts, 0), cyclesWithoutAgents: lanes.reduce((a, l) => a + l.cyclesWithoutAgents, 0),
      missedByAgent: {},
    },
    decisionLogSha256: sha,
    decisionLog: o.decisions,
    plausibility: sumPlausibility(report.lanes.flatMap((l) => (l.target ? [l.target.pipeline.gate.summary()] : []))),
    environment: environment(),
    kafka: {
      ...report,
      lanes,
      brokers: k.brokers,
      produceToDecisionUs: source.originToDecision.summary(),
      produceToAppendUs: source.transit.produceToAppend.summary(),
      appendToReceiveUs: source.transit.appendToReceive.summary(),
      receiveToReleaseUs: source.transit.receiveToRelease.summary(),
      rebuiltEvents: lanes.reduce((a, l) => a + l.rebuiltEvents, 0),
      decisionsSuppressed: lanes.reduce((a, l) => a + l.decisionsSuppressed, 0),
      late: lanes.reduce((a, l) => a + l.late, 0),
    },
  };
}

/** The lanes' plausibility counts added up. */
function sumPlausibility(list: PlausibilityCounts[]): PlausibilityCounts {
  const out: PlausibilityCounts = { checked: 0, refused: 0, refusedByCheck: {}, held: 0, confirmed: 0, clockJumps: 0, doubtRejections: 0, preTradeRejections: 0, staleSources: 0 };
  for (const c of list) {
    out.checked += c.checked; out.refused += c.refused; out.held += c.held; out.confirmed += c.confirmed; out.clockJumps += c.clockJumps;
    out.doubtRejections += c.doubtRejections; out.preTradeRejections += c.preTradeRejections; out.staleSources += c.staleSources;
    for (const [k, v] of Object.entries(c.refusedByCheck)) out.refusedByCheck[k] = (out.refusedByCheck[k] ?? 0) + v;
  }
  return out;
}

/** A lane's report with what its pipeline decided, in the summary's order of fields. */
function laneSummary(r: LaneReport<LanePipeline>): LaneSummary {
  const d: LaneDecisions = r.target ? r.target.decisions() : {
    decisions: 0, decisionsWritten: 0, decisionsSuppressed: 0, decisionsByStatus: {}, decisionsByAgent: {}, opportunitiesByAgent: {},
    topOpportunities: [], cashUsd: 0, realizedPnlUsd: 0, decisionLog: null, decisionLogSha256: '', threadRestarts: 0, cyclesWithoutAgents: 0, audit: null,
    snapshots: null,
  };
  return {
    id: r.id, instruments: r.instruments, partitions: r.partitions, events: r.events, rebuiltEvents: r.rebuiltEvents, cycles: r.cycles,
    decisions: d.decisions, decisionsWritten: d.decisionsWritten, decisionsSuppressed: d.decisionsSuppressed,
    decisionsByStatus: d.decisionsByStatus, decisionsByAgent: d.decisionsByAgent, opportunitiesByAgent: d.opportunitiesByAgent,
    topOpportunities: d.topOpportunities, cashUsd: d.cashUsd, realizedPnlUsd: d.realizedPnlUsd, late: r.late,
    firstStepMs: r.firstStepMs, lastStepMs: r.lastStepMs, decisionLog: d.decisionLog, decisionLogSha256: d.decisionLogSha256,
    threadRestarts: d.threadRestarts, cyclesWithoutAgents: d.cyclesWithoutAgents, audit: d.audit, snapshots: d.snapshots,
  };
}
