// The engine, wired in one screen: sinks → consolidation → agents → source, stopped in reverse.
import { reserveDerivedSlots } from './state/derived_slots.ts';
import { availableParallelism, cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EngineOptions } from './options.ts';
import { InstrumentRegistry } from '../protocol/registry.ts';
import { loadFixture } from './source/fixture_reader.ts';
import type { Tape } from '../protocol/tape.ts';
import { buildPipeline } from './pipeline.ts';
import { DecisionLog } from './sinks/decision_log.ts';
import { DeadLetterLog } from './sinks/dead_letters.ts';
import { Progress } from './progress.ts';
import { runLoop, type LoopStats } from './replay_loop.ts';
import { kResErrors, kResLapped, kResOverflow, kResQuarantined, kResStale } from '../protocol/layout.ts';
import type { LatencySummary } from './metrics/latency.ts';
import type { OpportunitySummary } from './consolidate/stats.ts';

export interface Summary {
  fixture: string;
  mode: string;
  threads: number;
  topology: string[][];
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
  cyclesPerSec: number;
  missedCycles: number;
  derivedEvents: number;
  decisions: number;
  decisionsByStatus: Record<string, number>;
  decisionsByAgent: Record<string, number>;
  opportunitiesByAgent: Record<string, number>;
  topOpportunities: OpportunitySummary[];
  latencyUs: LatencySummary;
  stagesUs: { ingest: LatencySummary; agents: LatencySummary; consolidate: LatencySummary };
  agentsUs: Record<string, LatencySummary & { errors: number; overflow: number; lapped: number; stale: number; quarantined: number }>;
  portfolio: { cashUsd: number; realizedPnlUsd: number; varUsd: number; hhi: number; positions: number };
  decisionLogSha256: string;
  decisionLog: string | null;
  environment: { node: string; v8: string; cpu: string; cores: number };
}

export interface RunHooks {
  /** Replay this tape (and registry) instead of loading options.fixture. */
  tape?: { tape: Tape; registry: InstrumentRegistry; lines?: number } | undefined;
  crashAt?: { agent: string; cycle: number } | undefined;
  onThreadError?: (thread: number, err: Error) => void;
}

export async function runEngine(o: EngineOptions, hooks: RunHooks = {}): Promise<Summary> {
  // Source first (the universe must be known before state is sized), then sinks.
  const deadLetters = new DeadLetterLog(o.deadLetters);
  const t0 = performance.now();
  let registry: InstrumentRegistry;
  let tape: Tape;
  let lines: number;
  if (hooks.tape) {
    ({ tape, registry } = hooks.tape);
    lines = hooks.tape.lines ?? tape.length;
  } else {
    registry = new InstrumentRegistry();
    const loadProgress = new Progress(o.progress, 0, 'loading');
    const load = await loadFixture(o.fixture, registry, {
      onDeadLetter: (dl) => deadLetters.add(dl),
      onProgress: (n) => loadProgress.update(n, 'lines'),
      limit: o.limit,
    });
    loadProgress.done();
    tape = load.tape;
    lines = load.lines;
  }
  deadLetters.flush();
  if (!registry.frozen) {
    reserveDerivedSlots(registry); // slots for the events the market analyzer derives
    registry.freeze();
  }
  const loadMs = performance.now() - t0;

  // Sinks, then consolidation and agents.
  const sink = new DecisionLog(o.decisions);
  await sink.open();
  const { readers, stats, executor, topology, dispatcher, writer, trigger, consolidator } = buildPipeline(o, registry, sink, hooks);
  await dispatcher.start();

  // Source: replay.
  const progress = new Progress(o.progress, tape.length, o.mode);
  let loop: LoopStats;
  try {
    loop = await runLoop({
      tape, writer, trigger, dispatcher, consolidator, readers,
      mode: o.mode, rate: o.rate, speed: o.speed,
      between: async (done, s) => {
        progress.update(done, `cycles ${s.cycles.toLocaleString('en-US')} decisions ${stats.decisions.toLocaleString('en-US')}`);
        await sink.flush();
        if (dispatcher.threads > 0) await dispatcher.supervise();
      },
    });
  } finally {
    progress.update(tape.length, `cycles done`, true);
    progress.done();
    await dispatcher.stop();
    await sink.close();
  }

  const agentsUs: Summary['agentsUs'] = {};
  for (const r of readers) {
    agentsUs[r.name] = {
      ...loop.perAgent.get(r.name)!.summary(),
      errors: Atomics.load(r.arrays.header, kResErrors),
      overflow: Atomics.load(r.arrays.header, kResOverflow),
      lapped: Atomics.load(r.arrays.header, kResLapped),
      stale: r.arrays.metrics[kResStale]!,
      quarantined: r.arrays.metrics[kResQuarantined]!,
    };
  }
  const cpu = cpus()[0]?.model ?? 'unknown';
  const summary: Summary = {
    fixture: hooks.tape ? '(in-memory tape)' : o.fixture,
    mode: o.mode,
    threads: topology.length,
    topology,
    wait: o.wait,
    rate: o.rate,
    speed: o.speed,
    events: loop.events,
    lines,
    instruments: registry.size,
    deadLetters: deadLetters.count,
    deadLetterSamples: deadLetters.samples.map((d) => ({ source: d.source, reason: d.reason })),
    loadMs: Math.round(loadMs),
    runMs: Math.round(loop.runMs),
    eventsPerSec: Math.round(loop.events / (loop.runMs / 1000)),
    cycles: loop.cycles,
    cyclesPerSec: Math.round(loop.cycles / (loop.runMs / 1000)),
    missedCycles: loop.missedCycles,
    derivedEvents: loop.derivedEvents,
    decisions: stats.decisions,
    decisionsByStatus: stats.decisionsByStatus,
    decisionsByAgent: stats.decisionsByAgent,
    opportunitiesByAgent: Object.fromEntries(o.agents.map((a) => [a, stats.opportunitiesByAgent[a] ?? 0])),
    topOpportunities: stats.top,
    latencyUs: loop.tickToDecision.summary(),
    stagesUs: { ingest: loop.ingest.summary(), agents: loop.agents.summary(), consolidate: loop.consolidate.summary() },
    agentsUs,
    portfolio: {
      cashUsd: Math.round(executor.cashUsd * 100) / 100,
      realizedPnlUsd: Math.round(executor.realizedPnlUsd * 100) / 100,
      varUsd: Math.round(stats.lastPortfolio.varUsd),
      hhi: Math.round(stats.lastPortfolio.hhi * 1e4) / 1e4,
      positions: stats.lastPortfolio.positions,
    },
    decisionLogSha256: sink.sha256(),
    decisionLog: o.decisions,
    environment: { node: process.version, v8: process.versions.v8, cpu, cores: availableParallelism() },
  };
  if (o.summary !== null) {
    mkdirSync(dirname(o.summary), { recursive: true });
    writeFileSync(o.summary, JSON.stringify(summary, null, 2) + '\n');
  }
  return summary;
}
