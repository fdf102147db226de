// The engine, wired in one screen: source (the universe first: state is sized from it) → sinks →
// pipeline (consolidation, agents) → the replay; stopped in reverse. The summary is summary.ts's.
// The output paths are checked before any input is read. An input that ends in an error (a
// truncated gzip) is replayed up to there, and the error is in the summary; an input with no event
// at all is an error. An abort (a signal) ends the replay at the next chunk; the decisions made are
// written and synced, and the summary says why the run stopped.
import type { EngineOptions } from './options.ts';
import { InstrumentRegistry } from '../protocol/registry.ts';
import { kTapeLine, kTapeWidth, type Tape } from '../protocol/tape.ts';
import { LucentError } from '../protocol/errors.ts';
import { checkOutputPaths } from './sinks/output_paths.ts';
import { loadFixture } from './source/file/fixture_reader.ts';
import { loadUniverse } from './source/kafka/universe.ts';
import { reserveDerivedSlots } from './state/derived_slots.ts';
import { buildPipeline, type PipelineHooks } from './pipeline.ts';
import { offeredRate, prepareDispatch } from './warmup.ts';
import { DecisionLog } from './sinks/decision_log.ts';
import { ResumingDecisionLog } from './sinks/resume_log.ts';
import { DeadLetterLog } from './sinks/dead_letters.ts';
import { TapeReplay } from './step/tape_replay.ts';
import { Progress } from './progress.ts';
import { replaySummary, writeSummary, type Summary } from './summary.ts';
import { EngineSinks } from './observe/engine_sinks.ts';
import { openOperator, type Operator } from './control/operator.ts';
import { kTapeTs } from '../protocol/tape.ts';
import { checkSnapshot, checkSnapshotHeader, restoreSnapshot, takeSnapshot } from './snapshot/engine_snapshot.ts';
import { readNewestSnapshot, writeSnapshot } from './snapshot/snapshot_store.ts';
import { eventStoreTarget, openEventStore } from './sinks/event_store/open.ts';
import type { EventStore } from './sinks/event_store/types.ts';
import type { SnapshotReport } from './summary.ts';
import { existsSync } from 'node:fs';
import { startLearning, type LearningRun, type LearningSetupHooks } from './learning/setup.ts';

export type { Summary } from './summary.ts';

export interface RunHooks {
  /** Replay this tape (and registry) instead of loading options.fixture. */
  tape?: { tape: Tape; registry: InstrumentRegistry; lines?: number } | undefined;
  crashAt?: PipelineHooks['crashAt'];
  onThreadError?: (thread: number, err: Error) => void;
  /** Sees each recorded proposal with its decision. */
  onRecord?: PipelineHooks['onRecord'];
  /** One-line notes (where the HTTP endpoints listen). */
  log?: (line: string) => void;
  /** Aborting it stops the run: what was decided is written, with the summary. */
  signal?: AbortSignal | undefined;
  /** Why the run was stopped when `signal` aborts (the summary's `stoppedBy`), e.g. "SIGTERM". */
  stopReason?: () => string;
  /** Sees the operator controls once they are up (tests drive the running engine through them). */
  onOperator?: (op: Operator) => void;
  /** With options.learning: the loop's metrics and an outcome listener; sees the run once it is built. */
  learning?: LearningSetupHooks & { onStart?: (run: LearningRun) => void };
  /** Start from this snapshot (engine/snapshot/) instead of the tape's first event. */
  restoreFrom?: Uint8Array | undefined;
  /** Take a snapshot every `every` source events and hand it to `save` (awaited: the replay waits). */
  snapshot?: { every: number; save: (bytes: Uint8Array, header: { events: number; decisions: number }) => Promise<void> } | undefined;
}

export async function runEngine(o: EngineOptions, hooks: RunHooks = {}): Promise<Summary> {
  checkOutputPaths([
    { flag: '--decisions', path: o.decisions }, { flag: '--summary', path: o.summary }, { flag: '--dead-letters', path: o.deadLetters },
  ], hooks.tape ? [] : [o.fixture]);
  // The sinks beyond the decision log (event store, metrics and HTTP, bus): up before the load, so
  // the probes answer (not ready) while the fixture loads.
  const sinks = await EngineSinks.open(o, { threads: Math.max(o.threads, o.topology?.split(';').length ?? 0), append: false, log: hooks.log });
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
  const { tape, registry, lines, error: inputError } = hooks.tape
    ? { ...hooks.tape, lines: hooks.tape.lines ?? hooks.tape.tape.length, error: null }
    : await load(o, deadLetters, hooks.signal);
  deadLetters.flush();
  if (tape.length === 0 && !hooks.tape && !hooks.signal?.aborted) throw noEvents(o, lines, deadLetters, inputError);
  if (!registry.frozen) {
    registry.limit(Infinity, ''); // the cap is on instruments from the input, not on the engine's own slots
    reserveDerivedSlots(registry); // slots for the events the market analyzer derives
    registry.freeze();
  }
  const loadMs = performance.now() - t0;
  if (hooks.restoreFrom !== undefined) checkSnapshot(hooks.restoreFrom, o.agents, registry.size); // before any output is opened

  // Sinks, then the pipeline: consolidation and the agents.
  // --resume: the log's complete lines are checked against this replay's decisions, the rest appended.
  const sink = o.resume && o.decisions !== null ? await ResumingDecisionLog.open(o.decisions) : new DecisionLog(o.decisions);
  if (sink instanceof DecisionLog) await sink.open();
  // Snapshots (--snapshot-every), and --resume from the newest one the log covers.
  const snapshots = await openSnapshots(o, hooks, sink, registry.size);
  // Operator controls (--http, --token-file): the control plane the pipeline uses.
  const operator = o.operator === null ? null : await openOperator(o.operator, o.config.control, {
    capitalUsd: o.config.agents.capitalUsd, capacity: Math.max(1, registry.size), maxAgentErrors: o.config.limits.maxAgentErrors,
  }, sinks.store);
  const learning = o.learning ? await startLearning(o, hooks.learning, sinks.sharedStore) : null; // off by default: nothing of it runs; the run's store shared
  // Warm-up: placement (and, by default, inline or threaded) from measurements on a slice.
  const prep = await prepareDispatch(o, registry, tape, { automatic: o.autoDispatch, warm: o.warmup && o.mode === 'realtime', signal: hooks.signal, offeredPerSec: offeredRate(o.mode, o.rate, o.speed, tape) });
  const onRecord = sinks.recorder(() => pipeline);
  const pipeline = buildPipeline({ ...o, shares: prep.shares, pool: prep.pool }, registry, sinks.decisionSink(sink), {
    ...hooks, learning: learning?.loop, metrics: sinks.threadMetrics(), control: operator?.control,
    onRecord: hooks.onRecord === undefined ? onRecord : (p, d) => { onRecord(p, d); hooks.onRecord!(p, d); },
  });
  sinks.attach(pipeline);
  const { dispatcher, stats } = pipeline;
  if (learning) { await learning.bind(pipeline); hooks.learning?.onStart?.(learning); }
  await operator?.attach(pipeline, o.agents, sinks.httpHost, learning === null ? undefined : () => learning.loop.report());
  if (operator !== null) hooks.onOperator?.(operator);
  // A snapshot to start from: shared memory and the agents' states now, the main thread's objects
  // once the step exists; the replay then starts at the first event the snapshot does not cover.
  const tRestore = performance.now();
  const restoreFrom = hooks.restoreFrom ?? snapshots.resumeFrom?.bytes;
  const restored = restoreFrom === undefined ? null : restoreSnapshot(restoreFrom, pipeline);
  await dispatcher.start();

  // The source: the tape, replayed through the per-event step.
  const progress = new Progress(o.progress, tape.length, o.mode);
  const replay = new TapeReplay({
    tape, writer: pipeline.writer, trigger: pipeline.trigger, dispatcher, consolidator: pipeline.consolidator,
    readers: pipeline.readers, mode: o.mode, rate: o.rate, speed: o.speed, signal: hooks.signal, maxPauseMs: o.maxPauseMs,
    metrics: sinks.metrics,
    gate: pipeline.gate,
    from: restored?.header.events,
    onStepper: restored === null ? undefined : (stepper) => { restored.restoreMain(stepper); snapshots.report.restoreMs = Math.round(performance.now() - tRestore); },
    snapshotEvery: hooks.snapshot?.every ?? o.snapshotEvery,
    snapshot: hooks.snapshot === undefined && snapshots.store === null ? undefined : async (stepper, events) => {
      const t = performance.now();
      await sink.flush(); // the decisions a snapshot counts are in the log before the snapshot is stored
      const bytes = await takeSnapshot(pipeline, stepper, events, undefined, stats.decisions);
      if (hooks.snapshot) await hooks.snapshot.save(bytes, { events, decisions: stats.decisions });
      if (snapshots.store !== null) await writeSnapshot(snapshots.store, kReplayLane, bytes);
      snapshots.report.taken++;
      snapshots.report.lastBytes = bytes.length;
      snapshots.report.takeMs += Math.round(performance.now() - t);
    },
    onRefused: (rows, row, reason) => {
      deadLetters.add({ source: `${hooks.tape ? '(in-memory tape)' : o.fixture}:${rows[row * kTapeWidth + kTapeLine]}`, reason, raw: pipeline.gate.describe(rows, row) });
    },
    between: async (done, s) => {
      progress.update(done, `cycles ${s.cycles.toLocaleString('en-US')} decisions ${stats.decisions.toLocaleString('en-US')}`);
      sinks.progress(done, s.cycles, s.perAgent);
      await sink.flush();
      await sinks.between();
      if (learning) await learning.loop.between();
      deadLetters.flush();
      if (dispatcher.threads > 0) await dispatcher.supervise();
      await new Promise<void>((resolve) => setImmediate(resolve)); // a signal (or an operator's request) is heard between chunks
    },
  });
  try {
    await replay.start();
    await replay.done;
    sinks.markWarm();
  } finally {
    const replayed = hooks.signal?.aborted ? (await replay.stats().catch(() => null))?.events ?? 0 : tape.length;
    progress.update(replayed, hooks.signal?.aborted ? 'stopped' : 'cycles done', true);
    progress.done();
    await dispatcher.stop();
    if (sink instanceof ResumingDecisionLog) sink.stopped = hooks.signal?.aborted === true;
    await sink.close();
    if (learning) await learning.finish(tape.length > 0 ? tape.rows[(tape.length - 1) * kTapeWidth + kTapeTs]! : 0);
    deadLetters.flush();
    await operator?.close();
    await snapshots.store?.close();
  }

  const summary = replaySummary(o, {
    fixture: hooks.tape ? '(in-memory tape)' : o.fixture, lines, loadMs, loop: await replay.stats(), pipeline, deadLetters,
    decisionLogSha256: sink.sha256(), dispatch: prep.report,
  });
  // The sinks stop (flushing the audit trail) before the summary is written, so it reports them.
  const sinkSummary = await sinks.stop();
  if (sinkSummary.eventStore !== null || sinkSummary.bus !== null || sinkSummary.http !== null) summary.sinks = sinkSummary;
  summary.pacing = replay.pacing;
  summary.inputError = inputError;
  summary.stoppedBy = hooks.signal?.aborted ? (hooks.stopReason?.() ?? 'aborted') : null;
  if (learning) summary.learning = learning.loop.report();
  if (sink instanceof ResumingDecisionLog) summary.resume = sink.report();
  snapshots.report.eventsStepped = (summary.events ?? 0) - (restored?.header.events ?? 0);
  if (snapshots.report.every > 0 || snapshots.report.resumedFrom !== null) summary.snapshots = snapshots.report;
  writeSummary(o.summary, summary);
  return summary;
}

/** The lane name of a file replay's snapshots (stream snapshot-replay). */
const kReplayLane = 'replay';

/**
 * The snapshot store of a run: open when it takes snapshots (--snapshot-every), or resumes
 * (--resume) and the store exists; with --resume, the newest snapshot whose decisions are all in
 * the log (the log is flushed before a snapshot is stored, so only a log cut shorter by hand
 * passes one over), the log then starting after them.
 */
async function openSnapshots(o: EngineOptions, hooks: RunHooks, sink: DecisionLog | ResumingDecisionLog, instruments: number): Promise<{
  store: EventStore | null; resumeFrom: { bytes: Uint8Array } | null; report: SnapshotReport;
}> {
  const every = hooks.snapshot?.every ?? o.snapshotEvery ?? 0;
  const report: SnapshotReport = { every, taken: 0, takeMs: 0, lastBytes: 0, store: o.snapshotStore ?? null, resumedFrom: null, eventsStepped: 0, restoreMs: 0, skipped: [] };
  const url = o.snapshotStore ?? null;
  // (with the learning loop a resume replays from the start: its state is not in a snapshot)
  const wanted = (o.snapshotEvery ?? 0) > 0 || (o.resume === true && hooks.restoreFrom === undefined && !o.learning);
  if (url === null || !wanted) return { store: null, resumeFrom: null, report };
  const target = eventStoreTarget(url);
  if ((o.snapshotEvery ?? 0) === 0 && target.kind === 'embedded' && !existsSync(target.target)) return { store: null, resumeFrom: null, report };
  const store = await openEventStore({ url });
  if (!(o.resume === true && sink instanceof ResumingDecisionLog && hooks.restoreFrom === undefined)) return { store: (o.snapshotEvery ?? 0) > 0 ? store : (await store.close(), null), resumeFrom: null, report };
  const found = await readNewestSnapshot(store, kReplayLane, (e) => {
    if ((e.header.decisions ?? Infinity) > sink.found) return false;
    try { checkSnapshotHeader(e.header, o.agents, instruments); return true; } catch { return false; }
  });
  if ((o.snapshotEvery ?? 0) === 0) await store.close();
  const keep = (o.snapshotEvery ?? 0) > 0 ? store : null;
  if (found === null) return { store: keep, resumeFrom: null, report };
  report.skipped = found.skipped;
  const decisions = found.event.header.decisions ?? 0;
  sink.coveredBySnapshot(decisions);
  report.resumedFrom = { events: found.event.header.events, decisions };
  return { store: keep, resumeFrom: { bytes: found.bytes }, report };
}

/** The error for an input that gave no event: empty, or every line dead-lettered. */
function noEvents(o: EngineOptions, lines: number, deadLetters: DeadLetterLog, inputError: string | null): LucentError {
  if (inputError !== null) return new LucentError('ERR_FIXTURE', `no event could be read: ${inputError}`);
  if (deadLetters.count === 0) return new LucentError('ERR_FIXTURE', `fixture ${o.fixture} holds no events (${lines === 0 ? 'the file is empty' : 'only blank lines'})`);
  const first = deadLetters.samples[0]!;
  return new LucentError('ERR_FIXTURE', `fixture ${o.fixture}: none of its ${deadLetters.count.toLocaleString('en-US')} non-blank lines is a valid event ` +
    `(dead letters${o.deadLetters === null ? '' : ` in ${o.deadLetters}`}; the first, ${first.source}: ${first.reason.slice(0, 200)})`);
}

/** Loads options.fixture into a tape over a fresh registry, with progress. */
async function load(o: EngineOptions, deadLetters: DeadLetterLog, signal: AbortSignal | undefined): Promise<{ tape: Tape; registry: InstrumentRegistry; lines: number; error: string | null }> {
  // A closed universe (frozen: an instrument outside it is a dead letter), else one learned from the fixture, capped.
  const registry = o.universe !== null ? await loadUniverse(o.universe) : new InstrumentRegistry();
  if (o.universe === null) registry.limit(o.config.plausibility.maxInstruments, 'config plausibility.maxInstruments');
  const progress = new Progress(o.progress, 0, 'loading');
  const loaded = await loadFixture(o.fixture, registry, {
    onDeadLetter: (dl, rawLength) => deadLetters.add(dl, rawLength),
    onProgress: (n) => progress.update(n, 'lines'),
    limit: o.limit,
    partial: true,
    signal,
  });
  progress.done();
  return { tape: loaded.tape, registry, lines: loaded.lines, error: loaded.error };
}
