// What a run reports: the summary the CLI prints and writes as JSON (events, cycles, decisions,
// latency per stage and agent, dead letters, the portfolio, the decision log's SHA-256, the
// environment), built from the loop's figures and the pipeline when the run ends.
import type { SinksSummary } from './observe/engine_sinks.ts';
import type { LearningReport } from './learning/loop.ts';
import { availableParallelism, cpus } from 'node:os';
import {
  kResArbCrossBelowMin, kResArbCrossNotEvaluated, kResArbCrossSeen, kResArbCrossStale, kResArbTriBelowMin,
  kResArbTriNotEvaluated, kResArbTriSeen, kResArbTriStale, kResErrors, kResEventsLost, kResLapped, kResOverflow, kResQuarantined, kResStale,
} from '../protocol/layout.ts';
import type { ResultReader } from '../protocol/result_reader.ts';
import type { ConsolidationStats } from './consolidate/stats.ts';
import type { EngineOptions } from './options.ts';
import type { LatencySummary } from './metrics/latency.ts';
import type { OpportunitySummary } from './consolidate/stats.ts';
import type { Pipeline } from './pipeline.ts';
import type { DispatchReport } from './warmup.ts';
import type { DeadLetterLog } from './sinks/dead_letters.ts';
import { writeFileAtomic } from './sinks/output_paths.ts';
import type { LoopStats } from './step/event_stepper.ts';
import type { PlausibilityCounts } from './plausibility/gate.ts';
import type { ResumeReport } from './sinks/resume_log.ts';

export interface SnapshotReport {
  every: number;
  taken: number;
  /** Time spent taking and storing them (ms, all together): the replay waits meanwhile. */
  takeMs: number;
  lastBytes: number;
  store: string | null;
  /** The snapshot the run started from (null: the first event), and how long its restore took. */
  resumedFrom: { events: number; decisions: number } | null;
  /** Events this run stepped (the input's events less those the snapshot covers). */
  eventsStepped: number;
  restoreMs: number;
  /** Newer snapshots passed over, with why (the log did not cover them, damaged). */
  skipped: string[];
}
import type { PacingStats } from './step/tape_replay.ts';

export interface Summary {
  fixture: string;
  mode: string;
  threads: number;
  topology: string[][];
  /** Agents the main thread ran itself in each cycle beside the threads. */
  mainShare: string[];
  /** How the dispatch was chosen in the warm-up (engine/warmup.ts); null without one. */
  dispatch: DispatchReport | null;
  wait: string;
  rate: number;
  speed: number;
  events: number;
  lines: number;
  instruments: number;
  deadLetters: number;
  deadLetterSamples: { source: string; reason: string }[];
  loadMs: number;
  runMs: number;
  eventsPerSec: number;
  cycles: number;
  /** Of the cycles, those that only woke the arbitrage detector (a leg's change under the price threshold completing a paying route). */
  wakeCycles: number;
  cyclesPerSec: number;
  missedCycles: number;
  derivedEvents: number;
  decisions: number;
  decisionsByStatus: Record<string, number>;
  decisionsByAgent: Record<string, number>;
  opportunitiesByAgent: Record<string, number>;
  /** Per arbitrage kind: candidates seen, decided, and dropped by reason (file replay; see opportunityFunnel). */
  opportunitiesByKind?: Record<string, OpportunityFunnel>;
  topOpportunities: OpportunitySummary[];
  latencyUs: LatencySummary;
  stagesUs: { ingest: LatencySummary; agents: LatencySummary; consolidate: LatencySummary };
  agentsUs: Record<string, LatencySummary & { errors: number; overflow: number; lapped: number; eventsLost: number; stale: number; quarantined: number }>;
  portfolio: { cashUsd: number; realizedPnlUsd: number; varUsd: number; hhi: number; positions: number };
  /**
   * Agent threads that died and were replaced; cycles consolidated without some agent's result,
   * and per agent the cycles it missed (its errors, a death included, are in agentsUs).
   */
  crashes: { threadRestarts: number; cyclesWithoutAgents: number; missedByAgent: Record<string, number> };
  decisionLogSha256: string;
  decisionLog: string | null;
  /** The event store, bus and HTTP endpoints of the run (engine/observe/), when any was on. */
  sinks?: SinksSummary;
  /** What the plausibility gate refused (by check), held, and the pre-trade rejections. */
  plausibility?: PlausibilityCounts;
  /** A resumed file replay (--resume): the decisions the log held, checked, appended; a torn tail cut. */
  resume?: ResumeReport;
  /** State snapshots (--snapshot-every, and --resume from one): taken, and the one the run started from. */
  snapshots?: SnapshotReport;
  environment: { node: string; v8: string; cpu: string; cores: number };
  /** A `speed`-paced replay's pauses cut to the longest allowed (file replay). */
  pacing?: PacingStats;
  /** Why the input could not be read to its end (the events before it were replayed), or null. */
  inputError?: string | null;
  /** The signal (or other reason) that stopped the run early, or null when it ran to its end. */
  stoppedBy?: string | null;
  /** With --learning: each agent's outcomes, jobs, promotions and return error before and after. */
  learning?: LearningReport[];
}

/** What a replay's summary is made of, beyond the options. */
export interface ReplayFigures {
  fixture: string;
  lines: number;
  loadMs: number;
  loop: LoopStats;
  pipeline: Pipeline;
  deadLetters: DeadLetterLog;
  decisionLogSha256: string;
  dispatch?: DispatchReport | null;
}

/**
 * What became of one kind of arbitrage opportunity (cumulative over the run). `seen`: candidates
 * the detector found (a crossing before fees; a negative cycle); `published`: records of open
 * opportunities it handed to consolidation (each cycle one stays open); `decided`: decisions
 * (first sightings and material changes), of which `approved` (or held for approval). `dropped`:
 * belowMinProfit (net edge or profit under the minimum), stale (an input older than its max age),
 * notEvaluated (no USD value or leg yet, no room in the bank), quoteTaken (earlier fills had taken
 * a leg's quote), risk (a risk gate or the validator), unchanged (still open and unchanged since
 * it was decided: de-duplicated).
 */
export interface OpportunityFunnel {
  seen: number;
  published: number;
  decided: number;
  approved: number;
  dropped: { belowMinProfit: number; stale: number; notEvaluated: number; quoteTaken: number; risk: number; unchanged: number };
}

/** The funnel per arbitrage kind, from the detector's counters and consolidation's. */
export function opportunityFunnel(readers: readonly ResultReader[], stats: ConsolidationStats): Record<string, OpportunityFunnel> {
  const det = readers.find((r) => r.name === 'arbitrage_detector');
  const m = det ? det.arrays.metrics : new Float64Array(kResArbTriNotEvaluated + 1);
  const kinds: [string, number, number, number, number][] = [
    ['arbitrage_cross_exchange', kResArbCrossSeen, kResArbCrossBelowMin, kResArbCrossStale, kResArbCrossNotEvaluated],
    ['arbitrage_triangular', kResArbTriSeen, kResArbTriBelowMin, kResArbTriStale, kResArbTriNotEvaluated],
  ];
  const out: Record<string, OpportunityFunnel> = {};
  for (const [kind, seen, below, stale, notEv] of kinds) {
    const c = stats.arbitrage[kind]!;
    out[kind] = {
      seen: m[seen]!, published: c.published, decided: c.decided, approved: c.approved,
      dropped: { belowMinProfit: m[below]!, stale: m[stale]!, notEvaluated: m[notEv]!, quoteTaken: c.quoteTaken, risk: c.risk, unchanged: c.unchanged },
    };
  }
  return out;
}

/** The summary of a replay through one pipeline. */
export function replaySummary(o: EngineOptions, f: ReplayFigures): Summary {
  const { loop, pipeline: p } = f;
  const stats = p.stats;
  const agentsUs: Summary['agentsUs'] = {};
  for (const r of p.readers) {
    agentsUs[r.name] = {
      ...loop.perAgent.get(r.name)!.summary(),
      errors: Atomics.load(r.arrays.header, kResErrors),
      overflow: Atomics.load(r.arrays.header, kResOverflow),
      lapped: Atomics.load(r.arrays.header, kResLapped),
      eventsLost: Atomics.load(r.arrays.header, kResEventsLost),
      stale: r.arrays.metrics[kResStale]!,
      quarantined: r.arrays.metrics[kResQuarantined]!,
    };
  }
  return {
    fixture: f.fixture,
    mode: o.mode,
    threads: p.topology.length,
    topology: p.topology,
    mainShare: p.mainShare,
    dispatch: f.dispatch ?? null,
    wait: o.wait,
    rate: o.rate,
    speed: o.speed,
    events: loop.events,
    lines: f.lines,
    instruments: p.snapshot.size,
    deadLetters: f.deadLetters.count,
    deadLetterSamples: f.deadLetters.samples.map((d) => ({ source: d.source, reason: d.reason })),
    loadMs: Math.round(f.loadMs),
    runMs: Math.round(loop.runMs),
    eventsPerSec: Math.round(loop.events / (loop.runMs / 1000)),
    cycles: loop.cycles,
    wakeCycles: loop.wakeCycles,
    cyclesPerSec: Math.round(loop.cycles / (loop.runMs / 1000)),
    missedCycles: loop.missedCycles,
    derivedEvents: loop.derivedEvents,
    decisions: stats.decisions,
    decisionsByStatus: stats.decisionsByStatus,
    decisionsByAgent: stats.decisionsByAgent,
    opportunitiesByAgent: Object.fromEntries(o.agents.map((a) => [a, stats.opportunitiesByAgent[a] ?? 0])),
    opportunitiesByKind: opportunityFunnel(p.readers, stats),
    topOpportunities: stats.top,
    latencyUs: loop.tickToDecision.summary(),
    stagesUs: { ingest: loop.ingest.summary(), agents: loop.agents.summary(), consolidate: loop.consolidate.summary() },
    agentsUs,
    portfolio: {
      cashUsd: Math.round(p.executor.cashUsd * 100) / 100,
      realizedPnlUsd: Math.round(p.executor.realizedPnlUsd * 100) / 100,
      varUsd: Math.round(stats.lastPortfolio.varUsd),
      hhi: Math.round(stats.lastPortfolio.hhi * 1e4) / 1e4,
      positions: stats.lastPortfolio.positions,
    },
    crashes: { threadRestarts: p.dispatcher.restarts, cyclesWithoutAgents: stats.cyclesMissingAgents, missedByAgent: { ...stats.missedByAgent } },
    decisionLogSha256: f.decisionLogSha256,
    decisionLog: o.decisions,
    plausibility: p.gate.summary(),
    environment: environment(),
  };
}

/** The machine a run ran on. */
export function environment(): Summary['environment'] {
  return { node: process.version, v8: process.versions.v8, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism() };
}

/** Writes the summary as JSON (nothing when `path` is null): a temporary file, then renamed. */
export function writeSummary(path: string | null, summary: object): void {
  if (path === null) return;
  writeFileAtomic(path, JSON.stringify(summary, null, 2) + '\n', 'the summary');
}
