// The file replay: a whole tape through the per-event step (event_stepper.ts), in chunks, with
// pacing: `rate` (events/s, open loop) or `speed` (multiple of recorded timing); latency is then
// measured from each event's intended time, so a stall is not hidden. `between` runs between
// chunks (progress, flushing sinks, supervision). Nothing allocates per tick.
import { kTapeTs, kTapeWidth, type Tape } from '../../protocol/tape.ts';
import type { Source } from '../types.ts';
import { EventStepper, type LoopStats, type StepperDeps } from './event_stepper.ts';

export interface LoopDeps extends StepperDeps {
  tape: Tape;
  rate: number;
  speed: number;
  /** Called between chunks (progress, flushing sinks, supervision). */
  between: (done: number, stats: LoopStats) => Promise<void>;
  /** Asked between chunks: true ends the replay there (the figures cover what was replayed). */
  stopped?: () => boolean;
}

const kChunk = 4096;
const kMaxSpinAheadMs = 6; // pacing: sleep instead of spinning when further ahead than this
const kWakeMarginMs = 4; // a timer may fire this late: wake early and spin the rest
const kYieldEveryMs = 20; // pacing: a replay that spins (rate above ~170 events/s) still lets the event loop turn this often (HTTP probes, scrapes)

/** Replays a whole tape through the step (file replay). */
export async function runLoop(d: LoopDeps): Promise<LoopStats> {
  const stepper = new EventStepper(d);
  const stats = stepper.stats;
  const rows = d.tape.rows;
  const depth = d.tape.depth;
  const n = d.tape.length;
  const paced = d.rate > 0 || d.speed > 0;
  const msPerEvent = d.rate > 0 ? 1000 / d.rate : 0;
  const ts0 = n > 0 ? rows[kTapeTs]! : 0;
  const start = performance.now();
  let row = 0;
  let lastBetween = 0;
  let lastYield = start;

  while (row < n) {
    const end = Math.min(n, row + kChunk);
    let sleepMs = 0;
    let yieldNow = false;
    for (; row < end; row++) {
      let t0: number;
      if (paced) {
        const intended = start + (msPerEvent > 0 ? row * msPerEvent : (rows[row * kTapeWidth + kTapeTs]! - ts0) / 1000 / d.speed);
        let now = performance.now();
        if (intended - now > kMaxSpinAheadMs) { sleepMs = intended - now - kWakeMarginMs; break; }
        if (now - lastYield > kYieldEveryMs && intended > now) { yieldNow = true; break; } // ahead of schedule: a turn of the loop costs no lateness
        while (now < intended) now = performance.now();
        t0 = intended;
      } else {
        t0 = performance.now();
      }
      stepper.step(rows, row, t0, NaN, depth);
    }
    stats.events = row;
    // Between chunks only: a pacing pause is not a reason to flush sinks (an awaited write can
    // take longer than the pause and would make the next events late).
    if (row >= lastBetween + kChunk || row >= n) {
      lastBetween = row;
      await d.between(row, stats);
    }
    if (d.stopped?.()) break;
    if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
    else if (yieldNow) await new Promise((r) => setImmediate(r));
    if (sleepMs > 0 || yieldNow) lastYield = performance.now();
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
  #run: Promise<LoopStats> | null = null;
  #stop = false;
  readonly done: Promise<void>;
  #settle!: (run: Promise<LoopStats>) => void;

  constructor(d: LoopDeps) {
    this.#d = d;
    this.done = new Promise<LoopStats>((resolve) => { this.#settle = resolve; }).then(() => undefined);
  }

  async start(): Promise<void> {
    this.#run = runLoop({ ...this.#d, stopped: () => this.#stop });
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
