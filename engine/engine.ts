// The engine, wired in one screen: source (the universe first: state is sized from it) → sinks →
// pipeline (consolidation, agents) → the replay; stopped in reverse. The summary is summary.ts's.
import type { EngineOptions } from './options.ts';
import { InstrumentRegistry } from '../protocol/registry.ts';
import type { Tape } from '../protocol/tape.ts';
import { loadFixture } from './source/file/fixture_reader.ts';
import { reserveDerivedSlots } from './state/derived_slots.ts';
import { buildPipeline } from './pipeline.ts';
import { DecisionLog } from './sinks/decision_log.ts';
import { DeadLetterLog } from './sinks/dead_letters.ts';
import { TapeReplay } from './step/tape_replay.ts';
import { Progress } from './progress.ts';
import { replaySummary, writeSummary, type Summary } from './summary.ts';
import { openOperator, type Operator } from './control/operator.ts';

export type { Summary } from './summary.ts';

export interface RunHooks {
  /** Replay this tape (and registry) instead of loading options.fixture. */
  tape?: { tape: Tape; registry: InstrumentRegistry; lines?: number } | undefined;
  crashAt?: { agent: string; cycle: number } | undefined;
  onThreadError?: (thread: number, err: Error) => void;
  /** Sees the operator controls once they are up (tests drive the running engine through them). */
  onOperator?: (op: Operator) => void;
}

export async function runEngine(o: EngineOptions, hooks: RunHooks = {}): Promise<Summary> {
  // The universe and its events (dead letters go to their log as they are found).
  const deadLetters = new DeadLetterLog(o.deadLetters);
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
  // Operator controls (--http, --event-store, --token-file): the control plane the pipeline uses.
  const operator = o.operator === null ? null : await openOperator(o.operator, o.config.control, {
    capitalUsd: o.config.agents.capitalUsd, capacity: Math.max(1, registry.size), maxAgentErrors: o.config.limits.maxAgentErrors,
  });
  const pipeline = buildPipeline(o, registry, sink, { ...hooks, control: operator?.control });
  const { dispatcher, stats } = pipeline;
  await operator?.attach(pipeline, o.agents);
  if (operator !== null) hooks.onOperator?.(operator);
  await dispatcher.start();

  // The source: the tape, replayed through the per-event step.
  const progress = new Progress(o.progress, tape.length, o.mode);
  const replay = new TapeReplay({
    tape, writer: pipeline.writer, trigger: pipeline.trigger, dispatcher, consolidator: pipeline.consolidator,
    readers: pipeline.readers, mode: o.mode, rate: o.rate, speed: o.speed,
    between: async (done, s) => {
      progress.update(done, `cycles ${s.cycles.toLocaleString('en-US')} decisions ${stats.decisions.toLocaleString('en-US')}`);
      await sink.flush();
      if (dispatcher.threads > 0) await dispatcher.supervise();
      await operator?.turn();
    },
  });
  try {
    await replay.start();
    await replay.done;
  } finally {
    progress.update(tape.length, `cycles done`, true);
    progress.done();
    await dispatcher.stop();
    await sink.close();
    await operator?.close();
  }

  const summary = replaySummary(o, {
    fixture: hooks.tape ? '(in-memory tape)' : o.fixture, lines, loadMs, loop: await replay.stats(), pipeline, deadLetters,
    decisionLogSha256: sink.sha256(),
  });
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
