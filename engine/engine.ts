// The engine, wired in one screen: source (the universe first: state is sized from it) → sinks →
// pipeline (consolidation, agents) → the replay; stopped in reverse. The summary is summary.ts's.
import type { EngineOptions } from './options.ts';
import { InstrumentRegistry } from '../protocol/registry.ts';
import type { Tape } from '../protocol/tape.ts';
import { loadFixture } from './source/file/fixture_reader.ts';
import { reserveDerivedSlots } from './state/derived_slots.ts';
import { buildPipeline, type PipelineHooks } from './pipeline.ts';
import { DecisionLog } from './sinks/decision_log.ts';
import { DeadLetterLog } from './sinks/dead_letters.ts';
import { TapeReplay } from './step/tape_replay.ts';
import { Progress } from './progress.ts';
import { replaySummary, writeSummary, type Summary } from './summary.ts';
import { EngineSinks } from './observe/engine_sinks.ts';
import { planTopology } from './dispatch/topology.ts';

export type { Summary } from './summary.ts';

export interface RunHooks {
  /** Replay this tape (and registry) instead of loading options.fixture. */
  tape?: { tape: Tape; registry: InstrumentRegistry; lines?: number } | undefined;
  crashAt?: { agent: string; cycle: number } | undefined;
  onThreadError?: (thread: number, err: Error) => void;
  /** Sees each recorded proposal with its decision. */
  onRecord?: PipelineHooks['onRecord'];
  /** One-line notes (where the HTTP endpoints listen). */
  log?: (line: string) => void;
}

export async function runEngine(o: EngineOptions, hooks: RunHooks = {}): Promise<Summary> {
  // The sinks beyond the decision log (event store, metrics and HTTP, bus): up before the load, so
  // the probes answer (not ready) while the fixture loads.
  const sinks = await EngineSinks.open(o, { threads: planTopology(o.agents, o.threads, o.topology).length, append: false, log: hooks.log });
  try {
    return await run(o, hooks, sinks);
  } finally {
    await sinks.stop();
  }
}

async function run(o: EngineOptions, hooks: RunHooks, sinks: EngineSinks): Promise<Summary> {
  // The universe and its events (dead letters go to their log as they are found).
  const deadLetters = new DeadLetterLog(o.deadLetters, (dl) => sinks.deadLetter(dl));
  const t0 = performance.now();
  const { tape, registry, lines } = hooks.tape
    ? { ...hooks.tape, lines: hooks.tape.lines ?? hooks.tape.tape.length }
    : await load(o, deadLetters);
  deadLetters.flush();
  if (!registry.frozen) {
    reserveDerivedSlots(registry); // slots for the events the market analyzer derives
    registry.freeze();
  }
  const loadMs = performance.now() - t0;

  // Sinks, then the pipeline: consolidation and the agents.
  const sink = new DecisionLog(o.decisions);
  await sink.open();
  const onRecord = sinks.recorder(() => pipeline);
  const pipeline = buildPipeline(o, registry, sinks.decisionSink(sink), {
    ...hooks, metrics: sinks.threadMetrics(),
    onRecord: hooks.onRecord === undefined ? onRecord : (p, d) => { onRecord(p, d); hooks.onRecord!(p, d); },
  });
  sinks.attach(pipeline);
  const { dispatcher, stats } = pipeline;
  await dispatcher.start();

  // The source: the tape, replayed through the per-event step.
  const progress = new Progress(o.progress, tape.length, o.mode);
  const replay = new TapeReplay({
    tape, writer: pipeline.writer, trigger: pipeline.trigger, dispatcher, consolidator: pipeline.consolidator,
    readers: pipeline.readers, mode: o.mode, rate: o.rate, speed: o.speed, metrics: sinks.metrics,
    between: async (done, s) => {
      progress.update(done, `cycles ${s.cycles.toLocaleString('en-US')} decisions ${stats.decisions.toLocaleString('en-US')}`);
      sinks.progress(done, s.cycles, s.perAgent);
      await sink.flush();
      await sinks.between();
      if (dispatcher.threads > 0) await dispatcher.supervise();
    },
  });
  try {
    await replay.start();
    await replay.done;
    sinks.markWarm();
  } finally {
    progress.update(tape.length, `cycles done`, true);
    progress.done();
    await dispatcher.stop();
    await sink.close();
  }

  const summary = replaySummary(o, {
    fixture: hooks.tape ? '(in-memory tape)' : o.fixture, lines, loadMs, loop: await replay.stats(), pipeline, deadLetters,
    decisionLogSha256: sink.sha256(),
  });
  // The sinks stop (flushing the audit trail) before the summary is written, so it reports them.
  const sinkSummary = await sinks.stop();
  if (sinkSummary.eventStore !== null || sinkSummary.bus !== null || sinkSummary.http !== null) summary.sinks = sinkSummary;
  writeSummary(o.summary, summary);
  return summary;
}

/** Loads options.fixture into a tape over a fresh registry, with progress. */
async function load(o: EngineOptions, deadLetters: DeadLetterLog): Promise<{ tape: Tape; registry: InstrumentRegistry; lines: number }> {
  const registry = new InstrumentRegistry();
  const progress = new Progress(o.progress, 0, 'loading');
  const loaded = await loadFixture(o.fixture, registry, {
    onDeadLetter: (dl) => deadLetters.add(dl),
    onProgress: (n) => progress.update(n, 'lines'),
    limit: o.limit,
  });
  progress.done();
  return { tape: loaded.tape, registry, lines: loaded.lines };
}
