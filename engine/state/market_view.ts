// The readers' side of the market state: consistent per-slot reads under the sequence lock,
// and the changed-slot ring. Used by agent threads and by the main thread's consolidation.
import { kCtlEpoch, kFieldCount } from './layout.ts';
import { MarketArrays, type MarketStateBuffers } from './market_state.ts';

export class MarketView {
  readonly arrays: MarketArrays;
  readonly capacity: number;
  /** Reads that had to retry because the writer was inside the slot (a measure of contention). */
  retries = 0;

  constructor(buffers: MarketStateBuffers) {
    this.arrays = new MarketArrays(buffers);
    this.capacity = this.arrays.capacity;
  }

  epoch(): number { return Atomics.load(this.arrays.ctl, kCtlEpoch); }

  kind(slot: number): number { return this.arrays.kinds[slot]!; }

  /**
   * Copies all fields of `slot` into `out` (length ≥ kFieldCount), consistent under the
   * sequence lock: retries while the sequence is odd or changed during the copy.
   */
  read(slot: number, out: Float64Array): void {
    const seq = this.arrays.seq;
    const c = this.arrays.columns;
    const cap = this.capacity;
    for (;;) {
      const s1 = Atomics.load(seq, slot);
      if ((s1 & 1) === 0) {
        for (let f = 0; f < kFieldCount; f++) out[f] = c[f * cap + slot]!;
        if (Atomics.load(seq, slot) === s1) return;
      }
      this.retries++;
    }
  }

  /** Reads two fields of `slot` consistently into out[0], out[1]. */
  read2(slot: number, f0: number, f1: number, out: Float64Array): void {
    const seq = this.arrays.seq;
    const c = this.arrays.columns;
    const cap = this.capacity;
    for (;;) {
      const s1 = Atomics.load(seq, slot);
      if ((s1 & 1) === 0) {
        out[0] = c[f0 * cap + slot]!;
        out[1] = c[f1 * cap + slot]!;
        if (Atomics.load(seq, slot) === s1) return;
      }
      this.retries++;
    }
  }

  /** The slot written at `epoch` (valid while epoch > current − ringSize). */
  slotAt(epoch: number): number { return this.arrays.ring[epoch & this.arrays.ringMask]!; }

  /** True when the ring no longer holds every epoch in (from, to]. */
  lapped(from: number, to: number): boolean { return to - from > this.arrays.ringSize; }
}
