// Paths of swaps and their profit-maximising input, against hand-derived values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpAmountOut, kV3AmountOut, kV3SwapOutLength, v3SwapWithinRange } from './amm.ts';
import { kV3xAmountOut, kV3xOutLength, v3SwapAcrossTicks } from './slippage.ts';
import {
  kLegStride, kPathAmountOut, kPathAtLength, kPathAtMarginal, kPathAtOut, kPathCapped, kPathMarginalAtZero,
  kPathOutLength, kPathProfit, kPathSize, kPathTradingCost, optimalPathInput, pathAt, pathOut, setBookLeg, setCpLeg,
  setV3Leg, setV3TickLeg,
} from './swap_path.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
function f64(xs: number[]): Float64Array { return Float64Array.from(xs); }
function side(levels: [number, number][]): Float64Array {
  const n = levels.length;
  const a = new Float64Array(2 * n);
  levels.forEach(([p, s], i) => { a[i] = p; a[n + i] = s; });
  return a;
}

test('a book triangle is sized where its deepest level runs out', () => {
  // USDT → BTC (asks 60 000 × 0.5, 60 010 × 1), BTC → ETH (ETH/BTC asks 0.049 × 10, 0.0491 × 20),
  // ETH → USDT (bids 3 000 × 5, 2 999 × 10); no fees.
  const path = new Float64Array(3 * kLegStride);
  setBookLeg(path, 0, false, 0, side([[60_000, 0.5], [60_010, 1]]), 0, 2, 2);
  setBookLeg(path, 1, false, 0, side([[0.049, 10], [0.0491, 20]]), 0, 2, 2);
  setBookLeg(path, 2, true, 0, side([[3_000, 5], [2_999, 10]]), 0, 2, 2);
  const out = new Float64Array(kPathOutLength);
  assert.ok(optimalPathInput(out, path, 3, 1e9));
  // first unit: 3 000/(60 000·0.049) = 1.0204…; every later combination still > 1
  // (2 999/(60 010·0.0491) = 1.01782), so the size is where the bids (15 ETH) run out:
  // 15 ETH = 10 @ 0.049 + 5 @ 0.0491 = 0.49 + 0.2455 = 0.7355 BTC
  //        = 0.5 @ 60 000 + 0.2355 @ 60 010 = 30 000 + 14 132.355 USDT
  near(out[kPathMarginalAtZero]!, 3_000 / (60_000 * 0.049), 1e-12, 'marginal at 0');
  near(out[kPathSize]!, 44_132.355, 1e-4, 'size (bisection to 1e-10 of the size)');
  near(out[kPathAmountOut]!, 5 * 3_000 + 10 * 2_999, 1e-4, 'out');
  near(out[kPathProfit]!, 44_990 - 44_132.355, 1e-4, 'profit');
  // trading cost: size at the top rates (× 1.0204…) minus what came out
  near(out[kPathTradingCost]!, 44_132.355 * (3_000 / (60_000 * 0.049)) - 44_990, 1e-4, 'slippage');
  assert.is(out[kPathCapped], 0);
  // capital cap
  assert.ok(optimalPathInput(out, path, 3, 10_000));
  assert.is(out[kPathSize], 10_000);
  assert.is(out[kPathCapped], 1);
  near(out[kPathProfit]!, 10_000 * (3_000 / (60_000 * 0.049) - 1), 1e-6, 'profit at the cap');
});

test('two constant-product pools: the bisection meets the closed form', () => {
  // Pay Y into pool A (1 000 X, 2 000 000 Y), take X out, sell X into pool B (1 000 X, 2 100 000 Y).
  // out(q) = γ²·xA·yB·q / (yA·xB + γ·q·(xB + γ·xA)) = A·q/(B + C·q);  max of out − q at
  // A·B/(B + C·q)² = 1 ⇒ q* = (√(A·B) − B)/C.
  const g = 0.997, xA = 1_000, yA = 2_000_000, xB = 1_000, yB = 2_100_000;
  const path = new Float64Array(2 * kLegStride);
  setCpLeg(path, 0, yA, xA, 0.003);
  setCpLeg(path, 1, xB, yB, 0.003);
  const A = g * g * xA * yB, B = yA * xB, C = g * (xB + g * xA);
  const qStar = (Math.sqrt(A * B) - B) / C;
  const out = new Float64Array(kPathOutLength);
  assert.ok(optimalPathInput(out, path, 2, 1e12));
  near(out[kPathSize]!, qStar, 1e-9 * qStar, 'q*');
  near(out[kPathAmountOut]!, (A * qStar) / (B + C * qStar), 1e-6, 'out');
  near(out[kPathProfit]!, (A * qStar) / (B + C * qStar) - qStar, 1e-6, 'profit');
  // the path output equals the two swaps composed
  near(pathOut(path, 2, 5_000), cpAmountOut(cpAmountOut(5_000, yA, xA, 0.003), xB, yB, 0.003), 1e-9, 'composition');
  // reversed pools: the first unit already loses, nothing to do
  const rev = new Float64Array(2 * kLegStride);
  setCpLeg(rev, 0, yB, xB, 0.003);
  setCpLeg(rev, 1, xA, yA, 0.003);
  assert.not.ok(optimalPathInput(out, rev, 2, 1e12));
  assert.is(out[kPathSize], 0);
});

test('a V3 leg converts with each token\'s decimals and stops at the range boundary', () => {
  // USDC (6) / WETH (18) at 2 500 USDC per WETH: raw price (WETH wei per USDC unit) = 1e18/2500/1e6 = 4e8,
  // √P = 20 000. L = 1e18 raw. Swap 1 000 USDC (token0 → token1, zeroForOne), fee 0.0005.
  const L = 1e18, sp = 20_000, lim = sp * 0.99;
  const path = new Float64Array(kLegStride);
  setV3Leg(path, 0, true, L, sp, lim, 0.0005, 1e6, 1e-18);
  // out raw = L·a·P/(L + a·√P), a = 1e9·0.9995
  const a = 1e9 * 0.9995;
  const expected = (L * a * sp * sp) / (L + a * sp) * 1e-18;
  near(pathOut(path, 1, 1_000), expected, 1e-15, 'WETH out');
  near(expected, 0.39979200, 1e-8, 'about 0.4 WETH less fee and impact');
  const v3 = new Float64Array(kV3SwapOutLength);
  v3SwapWithinRange(v3, 1e9, true, L, sp, lim, 0.0005);
  near(pathOut(path, 1, 1_000), v3[kV3AmountOut]! * 1e-18, 1e-15, 'same as v3SwapWithinRange');
  // first-unit marginal: γ·P_raw·1e6·1e-18 = 0.9995/2500
  const out = new Float64Array(kPathOutLength);
  optimalPathInput(out, path, 1, 1);
  near(out[kPathMarginalAtZero]!, 0.9995 / 2_500, 1e-15, 'marginal at 0');
  // far past the range: the output stops at L·(√P − √Pl) raw
  near(pathOut(path, 1, 1e12), L * (sp - lim) * 1e-18, 1e-9, 'capped at the range end');
});

test('a V3 leg across initialized ticks: by hand, and the same as v3SwapAcrossTicks', () => {
  // √P = 1, L = 100, no fee, unit scales. Ticks (ascending): √P 0.8 (net 30), 0.9 (net 50),
  // 1.1 (net +100), 1.2 (net −150).
  const sq = f64([0.8, 0.9, 1.1, 1.2]), net = f64([30, 50, 100, -150]);
  const up = new Float64Array(kLegStride);
  assert.ok(setV3TickLeg(up, 0, false, 100, 1, sq, net, 4, 0, 1, 1));
  // token1 in, 15: to √P 1.1 takes 100·0.1 = 10 and gives 100·(1 − 1/1.1); 5 more with L = 200:
  // √P = 1.1 + 5/200 = 1.125, gives 200·(1/1.1 − 1/1.125). Marginal there: 1/1.125².
  const at = new Float64Array(kPathAtLength);
  pathAt(at, up, 1, 15);
  near(at[kPathAtOut]!, 100 * (1 - 1 / 1.1) + 200 * (1 / 1.1 - 1 / 1.125), 1e-12, 'out across one tick');
  near(at[kPathAtMarginal]!, 1 / (1.125 * 1.125), 1e-12, 'marginal after the crossing');
  // the leg ends at the last known tick (√P 1.2): 10 + 200·(1.2 − 1.1) = 30 of token1 at most
  pathAt(at, up, 1, 1_000);
  near(at[kPathAtOut]!, 100 * (1 - 1 / 1.1) + 200 * (1 / 1.1 - 1 / 1.2), 1e-12, 'capped at the last tick');
  assert.is(at[kPathAtMarginal], 0, 'nothing more to trade past the last known tick');
  // token0 in: crossing 0.9 subtracts 50 (L 50), crossing 0.8 would subtract 30 (the leg ends there)
  const down = new Float64Array(kLegStride);
  assert.ok(setV3TickLeg(down, 0, true, 100, 1, sq, net, 4, 0, 1, 1));
  const x = 100 * (1 / 0.9 - 1) + 5; // to 0.9, then 5 with L = 50: √P′ = 50·0.9/(50 + 5·0.9)
  const spAfter = (50 * 0.9) / (50 + 5 * 0.9);
  pathAt(at, down, 1, x);
  near(at[kPathAtOut]!, 100 * 0.1 + 50 * (0.9 - spAfter), 1e-12, 'out down');
  near(at[kPathAtMarginal]!, spAfter * spAfter, 1e-12, 'marginal down');
  // with a fee and raw-unit scales, against the independent walk of slippage.ts for many sizes
  const leg = new Float64Array(kLegStride);
  assert.ok(setV3TickLeg(leg, 0, false, 100, 1, sq, net, 4, 0.003, 1e3, 1e-3));
  const ref = new Float64Array(kV3xOutLength);
  for (const q of [0.001, 0.005, 0.01, 0.0101, 0.02, 0.0299]) { // human units; ×1e3 raw
    v3SwapAcrossTicks(ref, q * 1e3, false, 1, 100, sq, net, 4, 0.003);
    near(pathOut(leg, 1, q), ref[kV3xAmountOut]! * 1e-3, 1e-15, `out at ${q}`);
  }
  // no initialized tick in the swap's direction: nothing is known to trade
  assert.not.ok(setV3TickLeg(leg, 0, false, 100, 1, f64([0.9]), f64([50]), 1, 0, 1, 1));
  near(pathOut(leg, 1, 5), 0, 0, 'empty leg');
});

test('an arbitrage through a V3 pool is sized past its first tick, where the marginal rate is 1', () => {
  // Buy token0 from the V3 pool with token1 (√P 1 → up, ticks as above), sell it into a constant-
  // product pool that pays 1.3 token1 per token0 (reserves 1 000 / 1 300), fees 0.3 % each.
  const sq = f64([0.8, 0.9, 1.1, 1.2]), net = f64([30, 50, 100, -150]);
  const path = new Float64Array(2 * kLegStride);
  setV3TickLeg(path, 0, false, 100, 1, sq, net, 4, 0.003, 1, 1);
  setCpLeg(path, 1, 1_000, 1_300, 0.003);
  const out = new Float64Array(kPathOutLength);
  assert.ok(optimalPathInput(out, path, 2, 1e6));
  const q = out[kPathSize]!;
  // the size is past the first crossing (√P 1.1 needs 10 token1 net of the fee) and before the end
  assert.ok(q > 10 / 0.997 && q < 30 / 0.997, `size ${q}`);
  // marginal profit is zero there: d out/d q = 1 by central differences of the composed swaps
  const h = 1e-6 * q;
  near((pathOut(path, 2, q + h) - pathOut(path, 2, q - h)) / (2 * h), 1, 1e-6, 'marginal rate at the size');
  near(out[kPathProfit]!, pathOut(path, 2, q) - q, 1e-12, 'profit');
  // sized at constant liquidity instead (L = 100 up to √P 1.2), the same trade is smaller
  const flat = new Float64Array(2 * kLegStride);
  setV3Leg(flat, 0, false, 100, 1, 1.2, 0.003, 1, 1);
  setCpLeg(flat, 1, 1_000, 1_300, 0.003);
  const o2 = new Float64Array(kPathOutLength);
  optimalPathInput(o2, flat, 2, 1e6);
  assert.ok(o2[kPathSize]! < q, `constant-L size ${o2[kPathSize]} vs across ticks ${q}`);
});

test.run();
