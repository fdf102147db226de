// One AMM slot as the agents price it: its fields and, for a Uniswap V3 pool whose pool_update
// carried one, its tick map (the initialized ticks near the price, ascending: √P and
// liquidityNet), read consistently by the view (protocol/market_view.ts readPool). Nothing allocates.
import { kFieldCount, kTickMapLevels } from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class PoolReader {
  /** The last slot's fields (protocol/layout.ts column indices: kReserve0, kSqrtPrice, …). */
  readonly fields = new Float64Array(kFieldCount);
  /** √P (sqrtPriceX96 / 2^96 scale) of the last slot's initialized ticks, ascending; `ticks` of them. */
  readonly tickSqrtPrices = new Float64Array(kTickMapLevels);
  /** liquidityNet (raw units) of the same ticks. */
  readonly liquidityNet = new Float64Array(kTickMapLevels);
  /** Ticks in the tick map of the last slot read (0: none known). */
  ticks = 0;
  readonly #view: MarketView;

  constructor(view: MarketView) {
    this.#view = view;
  }

  read(slot: number): void {
    this.ticks = this.#view.readPool(slot, this.fields, this.tickSqrtPrices, this.liquidityNet);
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('fields', this.fields);
    v.r('tickSqrtPrices', this.tickSqrtPrices);
    v.r('liquidityNet', this.liquidityNet);
    this.ticks = v.f('ticks', this.ticks);
    v.r('view', this.#view);
  }
}
