// How much of each quote the fills of flat arbitrage (cross-exchange, triangular) have used. A paper
// fill does not move the market, so the quote it traded against would still be there for the next
// decision; but a fill takes only the size it uses: the rest of the quote stays available to
// later opportunities until the venue replaces the quote (the slot's epoch, kEpoch, moves).
// Per book slot and side (0: bid, the side a sell takes; 1: ask, the side a buy takes) the quote
// offers the USD value of its published levels (the top when it published no depth), valued at the
// quote asset's USD mark; a quote no fill touched yet is not capped here (the detector sized the
// opportunity against its levels). An AMM pool's state is used whole by one fill (a swap moves the pool).
// Nothing allocates per call.
import {
  kDepthAskCount, kDepthAskPrice0, kDepthAskSize0, kDepthBidCount, kDepthBidPrice0,
  kDepthBidSize0, kDepthLevels, kEpoch, kKindAmm,
} from '../../../protocol/layout.ts';
import { kBookSnapshotLength, kBookTopAskAt, kBookTopAskSizeAt, kBookTopBidAt, kBookTopBidSizeAt } from '../../../protocol/market_view.ts';
import type { MarketView } from '../../../protocol/market_view.ts';
import type { Fields } from '../../../protocol/snapshot.ts';

// Module constants: a double returned or compared beside one stays unboxed (the global Infinity,
// or an imported binding, makes V8 box it).
const kInfinity = Infinity;
const kLevels = kDepthLevels;

export class QuoteUse {
  readonly #view: MarketView;
  readonly #kinds: Int32Array;
  readonly #epoch: Float64Array; // slot × 2 + side → the epoch of the quote `#used` counts against
  readonly #used: Float64Array; // USD used of that quote
  readonly #book = new Float64Array(kBookSnapshotLength);
  readonly #e2 = new Float64Array(2);

  constructor(view: MarketView, capacity: number) {
    this.#view = view;
    this.#kinds = view.arrays.kinds;
    this.#epoch = new Float64Array(2 * capacity).fill(NaN);
    this.#used = new Float64Array(2 * capacity);
  }

  /** USD still available on a side of the slot's current quote (`quoteUsd`: USD per unit of its quote asset). */
  remainingUsd(slot: number, side: number, quoteUsd: number): number {
    const i = 2 * slot + side;
    const used = this.#epoch[i] === this.#epochOf(slot) ? this.#used[i]! : 0;
    if (used === 0) return kInfinity; // untouched: the detector sized the opportunity against it
    if (this.#kinds[slot] === kKindAmm) return 0;
    this.#offered(slot, side); // into #e2[1], in units of the quote asset: no double crosses the call
    let v = this.#e2[1]! * quoteUsd;
    v = v > 0 ? v : 0;
    return Math.max(0, v - used);
  }

  /** A fill used `usd` of a side of the slot's current quote. */
  use(slot: number, side: number, usd: number): void {
    const i = 2 * slot + side;
    const e = this.#epochOf(slot);
    if (this.#epoch[i] !== e) { this.#epoch[i] = e; this.#used[i] = 0; }
    this.#used[i] = this.#used[i]! + (this.#kinds[slot] === kKindAmm ? kInfinity : usd);
  }

  #epochOf(slot: number): number {
    this.#view.read2(slot, kEpoch, kEpoch, this.#e2);
    return this.#e2[0]!;
  }

  /** What a side of a book offers, in its quote asset (its published levels, or its top), into #e2[1]. */
  #offered(slot: number, side: number): void {
    const b = this.#book;
    this.#view.readBook(slot, b);
    let n = side === 0 ? b[kDepthBidCount]! : b[kDepthAskCount]!;
    if (n > kLevels) n = kLevels;
    let v = 0;
    if (n > 0) {
      const p0 = side === 0 ? kDepthBidPrice0 : kDepthAskPrice0, s0 = side === 0 ? kDepthBidSize0 : kDepthAskSize0;
      for (let k = 0; k < n; k++) v += b[p0 + k]! * b[s0 + k]!;
    } else {
      v = side === 0 ? b[kBookTopBidAt]! * b[kBookTopBidSizeAt]! : b[kBookTopAskAt]! * b[kBookTopAskSizeAt]!;
    }
    this.#e2[1] = v;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('view', this.#view);
    v.b('kinds');
    v.r('epoch', this.#epoch);
    v.r('used', this.#used);
    v.r('book', this.#book);
    v.r('e2', this.#e2);
  }
}

