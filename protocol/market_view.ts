// The readers' side of the market state, and the one place that reads it under the sequence lock:
// a read waits until the slot's sequence is even, copies, and starts again when the sequence moved
// meanwhile (the single writer was inside the slot). Every consistent read of a slot (all fields,
// two fields, a book with its depth, a pool with its tick map) is a method here. Also the
// changed-slot ring. Used by agent threads and by the main thread's consolidation. Nothing allocates.
import {
  kAsk, kAskSize, kBid, kBidSize, kCtlEpoch, kDepthAskCount, kDepthAskPrice0, kDepthAskSize0, kDepthBidCount,
  kDepthBidPrice0, kDepthBidSize0, kDepthLevels, kDepthStride, kFieldCount, kTickMapCount, kTickMapLevels,
  kTickMapLiquidityNet0, kTickMapSqrtPrice0, kTs, kEventStride, kEventTs, kEventType, kEventV0, kEventV1, kEventCopySlot,
} from './layout.ts';
import { MarketArrays, type MarketStateBuffers } from './market_state.ts';
import { registerBound } from './snapshot.ts';

// Layout of a readBook() snapshot (Float64Array of kBookSnapshotLength): the slot's depth record
// as the writer left it (kDepth* offsets; a count of 0: the venue published no levels; the levels
// past the counts are not copied), then:
/** Event time of the slot's last write (µs). */
export const kBookTsAt = kDepthStride;
/** Top of book (the columns kBid, kAsk, kBidSize, kAskSize). */
export const kBookTopBidAt = kDepthStride + 1;
export const kBookTopAskAt = kDepthStride + 2;
export const kBookTopBidSizeAt = kDepthStride + 3;
export const kBookTopAskSizeAt = kDepthStride + 4;
export const kBookSnapshotLength = kDepthStride + 5;

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

  /** The sequence of `slot` once it is even (no write in progress); each odd sighting is a retry. */
  #begin(slot: number): number {
    const seq = this.arrays.seq;
    for (;;) {
      const s = Atomics.load(seq, slot);
      if ((s & 1) === 0) return s;
      this.retries++;
    }
  }

  /** True when the sequence is still `s` (the copy is consistent); otherwise a retry. */
  #end(slot: number, s: number): boolean {
    if (Atomics.load(this.arrays.seq, slot) === s) return true;
    this.retries++;
    return false;
  }

  /** Copies all fields of `slot` into `out` (length ≥ kFieldCount). */
  read(slot: number, out: Float64Array): void {
    const c = this.arrays.columns, cap = this.capacity;
    for (;;) {
      const s = this.#begin(slot);
      for (let f = 0; f < kFieldCount; f++) out[f] = c[f * cap + slot]!;
      if (this.#end(slot, s)) return;
    }
  }

  /** Reads two fields of `slot` into out[0], out[1]. */
  read2(slot: number, f0: number, f1: number, out: Float64Array): void {
    const c = this.arrays.columns, cap = this.capacity;
    for (;;) {
      const s = this.#begin(slot);
      out[0] = c[f0 * cap + slot]!;
      out[1] = c[f1 * cap + slot]!;
      if (this.#end(slot, s)) return;
    }
  }

  /**
   * A book slot's depth record, event time and top of book into `out` (kBookSnapshotLength): the
   * writer updates the columns and the depth record together, so they belong to one quote. Only
   * the published levels are copied (the counts, then that many prices and sizes per side): `out`
   * beyond them keeps what it held.
   */
  readBook(slot: number, out: Float64Array): void {
    const c = this.arrays.columns, d = this.arrays.depth, cap = this.capacity;
    const o = slot * kDepthStride;
    for (;;) {
      const s = this.#begin(slot);
      const nb = d[o + kDepthBidCount]!, na = d[o + kDepthAskCount]!;
      out[kDepthBidCount] = nb;
      out[kDepthAskCount] = na;
      const mb = nb < kDepthLevels ? nb : kDepthLevels, ma = na < kDepthLevels ? na : kDepthLevels;
      for (let i = 0; i < mb; i++) {
        out[kDepthBidPrice0 + i] = d[o + kDepthBidPrice0 + i]!;
        out[kDepthBidSize0 + i] = d[o + kDepthBidSize0 + i]!;
      }
      for (let i = 0; i < ma; i++) {
        out[kDepthAskPrice0 + i] = d[o + kDepthAskPrice0 + i]!;
        out[kDepthAskSize0 + i] = d[o + kDepthAskSize0 + i]!;
      }
      out[kBookTsAt] = c[kTs * cap + slot]!;
      out[kBookTopBidAt] = c[kBid * cap + slot]!;
      out[kBookTopAskAt] = c[kAsk * cap + slot]!;
      out[kBookTopBidSizeAt] = c[kBidSize * cap + slot]!;
      out[kBookTopAskSizeAt] = c[kAskSize * cap + slot]!;
      if (this.#end(slot, s)) return;
    }
  }

  /**
   * An AMM slot's fields into `fields` (kFieldCount) and, for a Uniswap V3 pool whose update carried
   * one, its tick map: √P of the initialized ticks, ascending, into `sqrtPrices` and their
   * liquidityNet into `liquidityNet` (kTickMapLevels each). Returns the ticks copied (0: none known).
   */
  readPool(slot: number, fields: Float64Array, sqrtPrices: Float64Array, liquidityNet: Float64Array): number {
    const c = this.arrays.columns, d = this.arrays.depth, cap = this.capacity;
    const o = slot * kDepthStride;
    for (;;) {
      const s = this.#begin(slot);
      for (let f = 0; f < kFieldCount; f++) fields[f] = c[f * cap + slot]!;
      let n = d[o + kTickMapCount]! | 0;
      if (n > kTickMapLevels) n = kTickMapLevels;
      for (let i = 0; i < n; i++) {
        sqrtPrices[i] = d[o + kTickMapSqrtPrice0 + i]!;
        liquidityNet[i] = d[o + kTickMapLiquidityNet0 + i]!;
      }
      if (this.#end(slot, s)) return n;
    }
  }

  /**
   * Copies the event applied at `epoch` into `out` (kEventTs … kEventV1, then kEventCopySlot: its
   * slot) when the ring still holds it: its entry's stamp is `epoch` before and after the copy.
   * False when the writer has overwritten the entry (or is rewriting it): the ring lapped this
   * reader, and `out` is not to be used. Exact whatever the timing (realtime); allocates nothing.
   */
  copyEvent(epoch: number, out: Float64Array): boolean {
    const a = this.arrays, i = epoch & a.ringMask, stamps = a.eventSeq;
    if (Atomics.load(stamps, i) !== epoch) return false;
    const ev = a.events, o = i * kEventStride;
    out[kEventTs] = ev[o + kEventTs]!;
    out[kEventType] = ev[o + kEventType]!;
    out[kEventV0] = ev[o + kEventV0]!;
    out[kEventV1] = ev[o + kEventV1]!;
    out[kEventCopySlot] = a.ring[i]!;
    return Atomics.load(stamps, i) === epoch;
  }

  /** Event time (µs) of the event applied at `epoch` (the event ring, unchecked: see copyEvent). */
  eventTs(epoch: number): number { return this.arrays.events[(epoch & this.arrays.ringMask) * kEventStride + kEventTs]!; }
  /** Type code of the event applied at `epoch`. */
  eventType(epoch: number): number { return this.arrays.events[(epoch & this.arrays.ringMask) * kEventStride + kEventType]!; }
  /** Value `i` (0: kEventV0, 1: kEventV1) of the event applied at `epoch`. */
  eventValue(epoch: number, i: number): number { return this.arrays.events[(epoch & this.arrays.ringMask) * kEventStride + kEventV0 + i]!; }

  /** The slot written at `epoch` (valid while epoch > current − ringSize). */
  slotAt(epoch: number): number { return this.arrays.ring[epoch & this.arrays.ringMask]!; }

  /** True when the ring no longer holds every epoch in (from, to]. */
  lapped(from: number, to: number): boolean { return to - from > this.arrays.ringSize; }
}

registerBound(MarketView);
