// Book walking, by hand: one side (the swap path's book leg, walkLeg), and the cross-venue walk,
// which stops where the marginal profit reaches zero.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  bookCapacity, crossBookWalk, kCbwAvgBuy, kCbwAvgSell, kCbwFees, kCbwLevels, kCbwOutLength, kCbwProfit, kCbwSize,
  kCbwSlippage, kCbwTopEdge, maxQtyWithinSlippage,
} from './book_walk.ts';
import {
  kLegStride, kLegWalkIn, kLegWalkInUsed, kLegWalkLength, kLegWalkMarginal, kLegWalkOut, setBookLeg, walkLeg,
} from './swap_path.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

/** Levels as one array: prices at 0.., sizes at n.. (the depth record's layout, one side). */
function side(levels: [number, number][]): Float64Array {
  const n = levels.length;
  const a = new Float64Array(2 * n);
  levels.forEach(([p, s], i) => { a[i] = p; a[n + i] = s; });
  return a;
}

test('cross walk without fees: takes units while bid − ask > 0', () => {
  const out = new Float64Array(kCbwOutLength);
  const asks = side([[100, 1], [101, 1]]);
  const bids = side([[103, 1.5], [100.5, 2]]);
  // 1 @ 103 − 100 = 3, then 0.5 @ 103 − 101 = 2 (bid level 0 exhausted), then 100.5 − 101 < 0: stop
  assert.ok(crossBookWalk(out, bids, 0, 2, 2, asks, 0, 2, 2, 0, 0, Infinity));
  near(out[kCbwSize]!, 1.5, 1e-12, 'size');
  near(out[kCbwProfit]!, 4, 1e-12, 'profit');
  near(out[kCbwTopEdge]!, 3, 1e-12, 'top edge');
  near(out[kCbwSlippage]!, 3 * 1.5 - 4, 1e-12, 'slippage = top edge × size − profit');
  near(out[kCbwAvgBuy]!, (100 + 101 * 0.5) / 1.5, 1e-12, 'average ask');
  near(out[kCbwAvgSell]!, 103, 1e-12, 'average bid');
  assert.is(out[kCbwFees], 0);
  assert.is(out[kCbwLevels], 4, 'both levels of each side reached');
});

test('cross walk with 10 bps fees on each leg', () => {
  const out = new Float64Array(kCbwOutLength);
  const asks = side([[100, 1], [101, 1]]);
  const bids = side([[103, 1.5], [100.5, 2]]);
  crossBookWalk(out, bids, 0, 2, 2, asks, 0, 2, 2, 0.001, 0.001, Infinity);
  // top: 103·0.999 − 100·1.001 = 102.897 − 100.1 = 2.797 per unit for 1 unit
  // next: 102.897 − 101·1.001 = 102.897 − 101.101 = 1.796 per unit for 0.5 unit
  // next: 100.5·0.999 − 101.101 = 100.3995 − 101.101 < 0: stop
  near(out[kCbwTopEdge]!, 2.797, 1e-12, 'top edge');
  near(out[kCbwSize]!, 1.5, 1e-12, 'size');
  near(out[kCbwProfit]!, 2.797 + 0.898, 1e-12, 'profit');
  // fees: asks 100 + 50.5 = 150.5, bids 103·1.5 = 154.5 → 0.001·305 = 0.305 = 4 − 3.695
  near(out[kCbwFees]!, 0.305, 1e-12, 'fees');
  near(out[kCbwSlippage]!, 2.797 * 1.5 - 3.695, 1e-12, 'slippage');
});

test('cross walk: the capital spent on the buy leg (fees included) caps the size', () => {
  const out = new Float64Array(kCbwOutLength);
  const asks = side([[100, 1], [101, 1]]);
  const bids = side([[103, 1.5], [100.5, 2]]);
  // 50 quote buys 50/(100·1.001) = 0.4995005 units
  crossBookWalk(out, bids, 0, 2, 2, asks, 0, 2, 2, 0.001, 0.001, 50);
  near(out[kCbwSize]!, 50 / 100.1, 1e-12, 'size');
  near(out[kCbwProfit]!, (50 / 100.1) * 2.797, 1e-12, 'profit');
});

test('cross walk: no crossing, empty book, invalid fee', () => {
  const out = new Float64Array(kCbwOutLength);
  const asks = side([[100, 1]]);
  const bids = side([[99.9, 1]]);
  assert.not.ok(crossBookWalk(out, bids, 0, 1, 1, asks, 0, 1, 1, 0, 0, Infinity));
  assert.is(out[kCbwSize], 0);
  assert.is(out[kCbwProfit], 0);
  near(out[kCbwTopEdge]!, -0.1, 1e-12, 'negative top edge');
  assert.not.ok(crossBookWalk(out, bids, 0, 1, 0, asks, 0, 1, 1, 0, 0, Infinity), 'no bids');
  assert.is(out[kCbwSize], 0);
  assert.not.ok(crossBookWalk(out, bids, 0, 1, 1, asks, 0, 1, 1, 1, 0, Infinity), 'fee 1');
  for (let i = 0; i < kCbwOutLength; i++) assert.ok(Number.isNaN(out[i]!), `field ${i} NaN`);
});

/** One side's walk: `amount` in with `fee`; the io array after. */
function walk(lv: Float64Array, n: number, amount: number, fee: number, buy: boolean): Float64Array {
  const leg = new Float64Array(kLegStride);
  setBookLeg(leg, 0, !buy, fee, lv, 0, n, n);
  const io = new Float64Array(kLegWalkLength);
  io[kLegWalkIn] = amount;
  walkLeg(io, leg, 0);
  return io;
}

test('one side: sell into bids, buy from asks, with the marginal rate of the next unit', () => {
  const bids = side([[100, 1], [99, 2]]);
  let out = walk(bids, 2, 2, 0.001, false);
  near(out[kLegWalkOut]!, (100 + 99) * 0.999, 1e-12, 'proceeds of 2');
  near(out[kLegWalkMarginal]!, 99 * 0.999, 1e-12, 'next unit at 99');
  assert.is(out[kLegWalkInUsed], 2);
  out = walk(bids, 2, 1, 0, false);
  near(out[kLegWalkMarginal]!, 99, 1e-12, 'exactly at a level boundary: the next level');
  out = walk(bids, 2, 5, 0.001, false);
  near(out[kLegWalkOut]!, (100 + 198) * 0.999, 1e-12, 'the whole book');
  assert.is(out[kLegWalkInUsed], 3, 'only 3 units were there');
  assert.is(out[kLegWalkMarginal], 0, 'nothing past the last level');
  const asks = side([[100, 1], [101, 2]]);
  out = walk(asks, 2, 201, 0, true);
  near(out[kLegWalkOut]!, 2, 1e-12, '100 buys 1, 101 buys 1');
  near(out[kLegWalkMarginal]!, 1 / 101, 1e-15, 'marginal 1/101');
  out = walk(asks, 2, 1000, 0.002, true);
  near(out[kLegWalkOut]!, 3 * 0.998, 1e-12, 'all 3 units, fee from the base received');
  near(out[kLegWalkInUsed]!, 302, 1e-12, '100 + 2·101 spent');
  assert.is(bookCapacity(asks, 0, 2, 2, true), 302);
  assert.is(bookCapacity(bids, 0, 2, 2, false), 3);
});

test('by quantity and by notional: cost, average price and slippage against the first level', () => {
  // selling 2 into bids 103 × 1, 101 × 2, 100 × 5: 103 + 101 = 204, average 102, 0.97 % below 103
  const bids = side([[103, 1], [101, 2], [100, 5]]);
  let out = walk(bids, 3, 2, 0, false);
  near(out[kLegWalkOut]!, 204, 1e-12, 'proceeds');
  near(out[kLegWalkOut]! / out[kLegWalkInUsed]!, 102, 1e-12, 'average');
  near(1 - out[kLegWalkOut]! / out[kLegWalkInUsed]! / 103, 1 / 103, 1e-15, 'slippage');
  assert.is(walk(bids, 3, 100, 0, false)[kLegWalkInUsed], 8, 'the book runs out at 8');
  // spending 201 on asks 100 × 1, 101 × 2, 103 × 5 buys 2 at an average of 100.5
  const asks = side([[100, 1], [101, 2], [103, 5]]);
  out = walk(asks, 3, 201, 0, true);
  near(out[kLegWalkOut]!, 2, 1e-12, 'notional 201 buys 2');
  near(out[kLegWalkInUsed]! / out[kLegWalkOut]!, 100.5, 1e-12, 'average');
  out = walk(asks, 3, 50, 0, true);
  near(out[kLegWalkOut]!, 0.5, 1e-15, 'inside the first level');
  near(out[kLegWalkInUsed]! / out[kLegWalkOut]! / 100 - 1, 0, 0, 'no slippage inside the first level');
});

test('largest quantity within a slippage bound', () => {
  const asks = side([[100, 1], [101, 2], [103, 5]]);
  // bound 100.5: 1 @ 100 + x @ 101 with (100 + 101x)/(1 + x) = 100.5 → x = 1 → 2 units
  near(maxQtyWithinSlippage(asks, 0, 3, 3, 0.005), 2, 1e-12, '50 bps');
  // bound 101 (1 %): levels 1 and 2 whole average 100.67; then (302 + 103x)/(3 + x) = 101 → x = 0.5
  near(maxQtyWithinSlippage(asks, 0, 3, 3, 0.01), 3.5, 1e-12, '1 %');
  near(maxQtyWithinSlippage(asks, 0, 3, 3, 0.5), 8, 0, 'the whole book');
});

test.run();
