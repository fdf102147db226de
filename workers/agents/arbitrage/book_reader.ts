// A consistent read of one book slot: the top of book, its event time and the depth levels, all
// under the slot's sequence lock (the single writer updates the columns and the depth record
// together). When the venue sent no levels the top of book is level 0, alone: walking such a book
// trades at most the top size.
import {
  kAsk, kAskSize, kBid, kBidSize, kDepthAskCount, kDepthAskPrice0, kDepthAskSize0, kDepthBidCount, kDepthBidPrice0,
  kDepthBidSize0, kDepthStride, kTs,
} from '../../../engine/state/layout.ts';
import type { MarketView } from '../../../engine/state/market_view.ts';

// Layout of a BookReader's `book` array: the depth record (kDepth* offsets), then these.
/** Event time of the slot's last write (µs). */
export const kBookTsAt = kDepthStride;
/** 1 when the levels came from the venue, 0 when level 0 was made from the top of book. */
export const kBookHasDepthAt = kDepthStride + 1;
export const kBookLength = kDepthStride + 2;

export class BookReader {
  /** The last slot read: counts and levels as in the depth record, then kBookTsAt, kBookHasDepthAt. */
  readonly book = new Float64Array(kBookLength);
  readonly #view: MarketView;

  constructor(view: MarketView) {
    this.#view = view;
  }

  read(slot: number): void {
    const a = this.#view.arrays;
    const seq = a.seq, c = a.columns, d = a.depth, cap = a.capacity;
    const b = this.book;
    const o = slot * kDepthStride;
    for (;;) {
      const s1 = Atomics.load(seq, slot);
      if ((s1 & 1) === 0) {
        const nb = d[o + kDepthBidCount]!, na = d[o + kDepthAskCount]!;
        if (nb > 0 && na > 0) {
          for (let i = 0; i < kDepthStride; i++) b[i] = d[o + i]!;
          b[kBookHasDepthAt] = 1;
        } else {
          b[kDepthBidCount] = 1; b[kDepthAskCount] = 1;
          b[kDepthBidPrice0] = c[kBid * cap + slot]!; b[kDepthBidSize0] = c[kBidSize * cap + slot]!;
          b[kDepthAskPrice0] = c[kAsk * cap + slot]!; b[kDepthAskSize0] = c[kAskSize * cap + slot]!;
          b[kBookHasDepthAt] = 0;
        }
        b[kBookTsAt] = c[kTs * cap + slot]!;
        if (Atomics.load(seq, slot) === s1) return;
      }
      this.#view.retries++;
    }
  }
}
