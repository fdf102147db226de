// A consistent read of one AMM slot: its fields and, for a Uniswap V3 pool whose pool_update
// carried one, its tick map (the initialized ticks near the price, ascending: √P and
// liquidityNet), all under the slot's sequence lock (the single writer updates the columns and
// the slot's record together). Nothing allocates.
import {
  kDepthStride, kFieldCount, kTickMapCount, kTickMapLevels, kTickMapLiquidityNet0, kTickMapSqrtPrice0,
} from '../../engine/state/layout.ts';
import type { MarketView } from '../../engine/state/market_view.ts';

export class PoolReader {
  /** The last slot's fields (engine/state/layout.ts column indices: kReserve0, kSqrtPrice, …). */
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
    const a = this.#view.arrays;
    const seq = a.seq, c = a.columns, d = a.depth, cap = a.capacity;
    const q = this.fields, sp = this.tickSqrtPrices, net = this.liquidityNet;
    const o = slot * kDepthStride;
    for (;;) {
      const s1 = Atomics.load(seq, slot);
      if ((s1 & 1) === 0) {
        for (let f = 0; f < kFieldCount; f++) q[f] = c[f * cap + slot]!;
        let n = d[o + kTickMapCount]! | 0;
        if (n > kTickMapLevels) n = kTickMapLevels;
        for (let i = 0; i < n; i++) {
          sp[i] = d[o + kTickMapSqrtPrice0 + i]!;
          net[i] = d[o + kTickMapLiquidityNet0 + i]!;
        }
        if (Atomics.load(seq, slot) === s1) { this.ticks = n; return; }
      }
      this.#view.retries++;
    }
  }
}
