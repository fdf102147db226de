// Where a lockstep cycle's time goes, measured per cycle into preallocated columns (no allocation
// per cycle): the main thread's side from its own clock reads (dispatch.timing), the agent
// threads' side from the timing line each thread writes before publishing done
// (protocol/layout.ts ctlThreadTiming, already in the main thread's time base).
//
//   gap          previous cycle's end → this request: ingest and everything else between cycles
//   wake         request → the slowest thread saw the cycle (the hand-off to the threads)
//   main agents  the main thread's own share of the agents (all of them inline)
//   thread agents the slowest thread's agents (seen → done)
//   read         the last thread's done → the main thread saw it (publish of results and read)
//   idle         the main thread waiting for threads after its own share
//   consolidate  reading the result regions, fusions, validation, execution, recording
//   cycle        request → decided
import { ctlThreadTiming, kThrCycle, kThrDoneMs, kThrWakeMs } from '../../protocol/layout.ts';

/** The dispatcher's clock reads of its newest cycle (ms, performance.now()). */
export const kTimRequest = 0;
export const kTimShareEnd = 1; // the main thread's share done
export const kTimWaitEnd = 2; // every thread seen done
export const kTimConsolidateStart = 3; // written by the step (a double passed as an argument would be boxed: 16 B per call)
export const kTimEnd = 4; // decided

export const kBreakdownColumns = ['gap', 'wake', 'mainAgents', 'threadAgents', 'read', 'idle', 'consolidate', 'cycle'] as const;
export type BreakdownColumn = (typeof kBreakdownColumns)[number];
export const kBreakdownLabels: Record<BreakdownColumn, string> = {
  gap: 'gap: ingest and the rest between cycles', wake: 'wake-up: request → slowest thread saw it', mainAgents: 'agents on the main thread',
  threadAgents: 'agents on the slowest thread', read: 'publish → read: last thread done → main saw it', idle: 'main idle: waiting for threads after its share',
  consolidate: 'consolidate: read results, fuse, validate, execute, record', cycle: 'cycle: request → decided',
};
const kCols = kBreakdownColumns.length;

export interface BreakdownStat { mean: number; p50: number; p99: number }
export type BreakdownSummary = { cycles: number } & Record<BreakdownColumn, BreakdownStat>;

export class CycleBreakdown {
  readonly capacity: number;
  readonly #samples: Float64Array; // row-major: kCols µs values per cycle, a ring
  readonly #timing: Float64Array;
  readonly #ctlF64: Float64Array;
  readonly #threads: number;
  #n = 0;
  #lastEnd = NaN;

  /** Over a dispatcher's clock reads (Dispatcher.timing) and the control block's thread timing lines. */
  constructor(timing: Float64Array, ctlF64: Float64Array, threads: number, capacity = 1 << 16) {
    this.capacity = capacity;
    this.#samples = new Float64Array(capacity * kCols);
    this.#timing = timing;
    this.#ctlF64 = ctlF64;
    this.#threads = threads;
  }

  get cycles(): number { return this.#n; }

  reset(): void { this.#n = 0; this.#lastEnd = NaN; }

  /**
   * One finished lockstep cycle, from the clock reads in `timing` (the dispatcher's, and the step's
   * kTimConsolidateStart and kTimEnd). Only a small integer crosses the call: nothing is boxed.
   */
  record(cycle: number): void {
    const timing = this.#timing, ctlF64 = this.#ctlF64, threads = this.#threads;
    const req = timing[kTimRequest]!, shareEnd = timing[kTimShareEnd]!, waitEnd = timing[kTimWaitEnd]!;
    const consolidateStart = timing[kTimConsolidateStart]!, end = timing[kTimEnd]!;
    let wake = 0, thr = 0, lastDone = -Infinity;
    for (let t = 0; t < threads; t++) {
      const o = ctlThreadTiming(t);
      if (ctlF64[o + kThrCycle] !== cycle) continue;
      const w = ctlF64[o + kThrWakeMs]!, d = ctlF64[o + kThrDoneMs]!;
      if (w - req > wake) wake = w - req;
      if (d - w > thr) thr = d - w;
      if (d > lastDone) lastDone = d;
    }
    const i = (this.#n % this.capacity) * kCols;
    const s = this.#samples;
    s[i] = this.#lastEnd === this.#lastEnd ? (req - this.#lastEnd) * 1000 : 0;
    s[i + 1] = wake * 1000;
    s[i + 2] = (shareEnd - req) * 1000;
    s[i + 3] = thr * 1000;
    s[i + 4] = threads > 0 && lastDone > -Infinity ? Math.max(0, waitEnd - lastDone) * 1000 : 0;
    s[i + 5] = Math.max(0, waitEnd - shareEnd) * 1000;
    s[i + 6] = (end - consolidateStart) * 1000;
    s[i + 7] = (end - req) * 1000;
    this.#n++;
    this.#lastEnd = end;
  }

  /** Mean, p50 and p99 of each column over the recorded cycles (µs); allocates (call after a run). */
  summary(): BreakdownSummary {
    const n = Math.min(this.#n, this.capacity);
    const out = { cycles: this.#n } as BreakdownSummary;
    const col = new Float64Array(n);
    for (let c = 0; c < kCols; c++) {
      let sum = 0;
      for (let r = 0; r < n; r++) { const x = this.#samples[r * kCols + c]!; col[r] = x; sum += x; }
      col.sort();
      out[kBreakdownColumns[c]!] = {
        mean: n ? sum / n : NaN,
        p50: n ? col[Math.min(n - 1, Math.floor(n * 0.5))]! : NaN,
        p99: n ? col[Math.min(n - 1, Math.floor(n * 0.99))]! : NaN,
      };
    }
    return out;
  }
}
