// The file replay: a whole tape through the per-event step (event_stepper.ts), in chunks, with
// pacing: `rate` (events/s, open loop) or `speed` (multiple of recorded timing); latency is then
// measured from each event's intended time, so a stall is not hidden. `between` runs between
// chunks (progress, flushing sinks, supervision). Nothing allocates per tick.
// A paced replay (`speed`) never waits longer than `maxPauseMs` for one event: a longer recorded
// gap is cut to it and counted (an event far ahead of the ones around it, e.g. a far-future
// timestamp, is cut alone; a real gap moves the replay's clock on). An abort signal ends the replay
// at the next chunk boundary, or at once during a pacing pause.
import { kTapeLine, kTapeTs, kTapeWidth, type Tape } from '../../protocol/tape.ts';
import type { Source } from '../types.ts';
import { EventStepper, kClockOrigin, kClockT0, type LoopStats, type StepperDeps } from './event_stepper.ts';

export interface LoopDeps extends StepperDeps {
  tape: Tape;
  rate: number;
  speed: number;
  /** Called between chunks (progress, flushing sinks, supervision). */
  between: (done: number, stats: LoopStats) => Promise<void>;
  /** Asked between chunks: true ends the replay there (the figures cover what was replayed). */
  stopped?: () => boolean;
  /** Called for an event the plausibility gate refused (its tape row and the reason). */
  onRefused?: (rows: Float64Array, row: number, reason: string) => void;
  /** Aborted: the replay ends at the next chunk boundary, or at once during a pacing pause. */
  signal?: AbortSignal | undefined;
  /** Longest pause before one event of a `speed`-paced replay, in ms (default: no bound). */
  maxPauseMs?: number | undefined;
  /** Where pauses cut to maxPauseMs are counted. */
  pacing?: PacingStats | undefined;
  /** The first tape row to step (a resume from a snapshot that covers the rows before it). Default 0. */
  from?: number | undefined;
  /** Sees the step before the first event (a restore writes a snapshot's state into it). */
  onStepper?: ((stepper: EventStepper) => void) | undefined;
  /** Calls `snapshot` after every this many source events (0: never). */
  snapshotEvery?: number | undefined;
  /** Takes a snapshot covering the first `events` rows (between two events: every cycle consolidated). */
  snapshot?: ((stepper: EventStepper, events: number) => Promise<void>) | undefined;
}

/** Pauses of a `speed`-paced replay that were cut to maxPauseMs. */
export interface PacingStats {
  pausesCut: number;
  /** The longest recorded gap that was cut (ms of replay time), and the input line of its event. */
  longestCutMs: number;
  longestCutLine: number;
}

export function newPacingStats(): PacingStats {
  return { pausesCut: 0, longestCutMs: 0, longestCutLine: 0 };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(); return; }
    const done = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, Math.min(ms, 0x7fffffff)); // a timer takes at most 2^31 − 1 ms; the loop sleeps again
    signal?.addEventListener('abort', done, { once: true });
  });
}

const kChunk = 4096;
const kMaxSpinAheadMs = 6; // pacing: sleep instead of spinning when further ahead than this
const kWakeMarginMs = 4; // a timer may fire this late: wake early and spin the rest
const kYieldEveryMs = 20; // pacing: a replay that spins (rate above ~170 events/s) still lets the event loop turn this often (HTTP probes, scrapes)

/** Replays a whole tape through the step (file replay). */
export async function runLoop(d: LoopDeps): Promise<LoopStats> {
  const stepper = new EventStepper(d);
  d.onStepper?.(stepper);
  const stats = stepper.stats;
  const from = d.from ?? 0;
  const every = d.snapshot === undefined ? 0 : d.snapshotEvery ?? 0;
  const clock = stepper.clock;
  clock[kClockOrigin] = NaN;
  const rows = d.tape.rows;
  const depth = d.tape.depth;
  const n = d.tape.length;
  const paced = d.rate > 0 || d.speed > 0;
  const msPerEvent = d.rate > 0 ? 1000 / d.rate : 0;
  const ts0 = n > from ? rows[from * kTapeWidth + kTapeTs]! : 0;
  const start = performance.now();
  const maxPauseMs = d.maxPauseMs ?? Infinity;
  const pacing = d.pacing ?? newPacingStats();
  let shiftMs = 0; // replay time skipped: recorded gaps cut to maxPauseMs
  let lastIntended = start; // the latest intended time of an event stepped
  let row = from;
  let lastBetween = from;
  let lastYield = start;
  let missed = stats.missedCycles;
  const dispatcher = d.dispatcher;

  while (row < n && !d.signal?.aborted) {
    const end = Math.min(n, row + kChunk);
    let sleepMs = 0;
    let yieldNow = false;
    let lost = false;
    let snap = false;
    for (; row < end; row++) {
      if (paced) {
        let intended: number;
        let cutMs = 0;
        if (msPerEvent > 0) {
          intended = start + (row - from) * msPerEvent;
        } else {
          const ts = rows[row * kTapeWidth + kTapeTs]!;
          intended = start + (ts - ts0) / 1000 / d.speed - shiftMs;
          if (intended - lastIntended > maxPauseMs) {
            cutMs = intended - lastIntended - maxPauseMs;
            intended -= cutMs;
          }
        }
        let now = performance.now();
        if (intended - now > kMaxSpinAheadMs) { sleepMs = intended - now - kWakeMarginMs; break; }
        if (now - lastYield > kYieldEveryMs && intended > now) { yieldNow = true; break; } // ahead of schedule: a turn of the loop costs no lateness
        while (now < intended) now = performance.now();
        if (cutMs > 0) {
          // a real gap (the next event is not earlier) moves the clock on; an outlier is cut alone
          const ts = rows[row * kTapeWidth + kTapeTs]!;
          if (row + 1 >= n || rows[(row + 1) * kTapeWidth + kTapeTs]! >= ts) shiftMs += cutMs;
          pacing.pausesCut++;
          if (cutMs > pacing.longestCutMs) { pacing.longestCutMs = cutMs; pacing.longestCutLine = rows[row * kTapeWidth + kTapeLine]!; }
        }
        if (intended > lastIntended) lastIntended = intended;
        clock[kClockT0] = intended;
      } else {
        clock[kClockT0] = performance.now();
      }
      stepper.stepRow(rows, row, depth);
      if (stepper.refused !== null) d.onRefused?.(rows, row, stepper.refused);
      // A thread that died is replaced at once, not at the chunk's end: lockstep sees it as a
      // missed cycle; realtime (where nothing waits) looks every 64 events.
      if (stats.missedCycles !== missed || (row & 63) === 0) {
        missed = stats.missedCycles;
        if (dispatcher.lost()) { row++; lost = true; break; }
      }
      if (every > 0 && (row + 1) % every === 0 && row + 1 < n) { row++; snap = true; break; }
    }
    if (lost) await dispatcher.supervise();
    if (snap) { await stepper.drain(); await d.snapshot!(stepper, row); }
    stats.events = row;
    // Between chunks only: a pacing pause is not a reason to flush sinks (an awaited write can
    // take longer than the pause and would make the next events late).
    if (row >= lastBetween + kChunk || row >= n) {
      lastBetween = row;
      await d.between(row, stats);
    }
    if (d.stopped?.() || d.signal?.aborted) break;
    if (sleepMs > 0) await pause(sleepMs, d.signal);
    else if (yieldNow) await new Promise((r) => setImmediate(r));
    if (sleepMs > 0 || yieldNow) lastYield = performance.now();
    if (d.signal?.aborted) break;
  }

  await stepper.drain();
  stats.missedCycles += d.mode === 'realtime' ? stepper.unconsolidatedCycles : 0;
  stats.events = row;
  stats.runMs = performance.now() - start;
  return stats;
}

/** The file replay as a Source: start() begins replaying the tape, `done` settles once it is replayed. */
export class TapeReplay implements Source {
  readonly #d: LoopDeps;
  readonly pacing: PacingStats = newPacingStats();
  #run: Promise<LoopStats> | null = null;
  #stop = false;
  readonly done: Promise<void>;
  #settle!: (run: Promise<LoopStats>) => void;

  constructor(d: LoopDeps) {
    this.#d = d;
    this.done = new Promise<LoopStats>((resolve) => { this.#settle = resolve; }).then(() => undefined);
  }

  async start(): Promise<void> {
    this.#run = runLoop({ ...this.#d, pacing: this.pacing, stopped: () => this.#stop });
    this.#settle(this.#run);
  }

  /** The loop's figures, once `done` settled. */
  async stats(): Promise<LoopStats> {
    if (this.#run === null) throw new Error('the replay has not started');
    return this.#run;
  }

  /** Ends the replay at the next chunk boundary. */
  async stop(): Promise<void> {
    this.#stop = true;
    await this.#run?.catch(() => undefined);
  }
}
