// One book slot as the arbitrage strategies walk it: the view's consistent snapshot (depth record,
// event time, top of book: protocol/market_view.ts readBook), with the top of book standing in as
// level 0, alone, when the venue sent no levels on either side: walking such a book trades at most
// the top size.
import {
  kDepthAskCount, kDepthAskPrice0, kDepthAskSize0, kDepthBidCount, kDepthBidPrice0, kDepthBidSize0,
} from '../../../protocol/layout.ts';
import {
  kBookSnapshotLength, kBookTopAskAt, kBookTopAskSizeAt, kBookTopBidAt, kBookTopBidSizeAt, kBookTsAt, type MarketView,
} from '../../../protocol/market_view.ts';
import type { Fields } from '../../../protocol/snapshot.ts';

export { kBookTsAt };
/** 1 when the levels came from the venue, 0 when level 0 was made from the top of book. */
export const kBookHasDepthAt = kBookSnapshotLength;
/** Layout of a BookReader's `book` array: the view's book snapshot, then kBookHasDepthAt. */
export const kBookLength = kBookSnapshotLength + 1;

export class BookReader {
  /** The last slot read: counts and levels as in the depth record, kBookTsAt, the top, kBookHasDepthAt. */
  readonly book = new Float64Array(kBookLength);
  readonly #view: MarketView;

  constructor(view: MarketView) {
    this.#view = view;
  }

  read(slot: number): void {
    const b = this.book;
    this.#view.readBook(slot, b);
    if (b[kDepthBidCount]! > 0 && b[kDepthAskCount]! > 0) {
      b[kBookHasDepthAt] = 1;
      return;
    }
    b[kDepthBidCount] = 1; b[kDepthAskCount] = 1;
    b[kDepthBidPrice0] = b[kBookTopBidAt]!; b[kDepthBidSize0] = b[kBookTopBidSizeAt]!;
    b[kDepthAskPrice0] = b[kBookTopAskAt]!; b[kDepthAskSize0] = b[kBookTopAskSizeAt]!;
    b[kBookHasDepthAt] = 0;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('book', this.book);
    v.r('view', this.#view);
  }
}
