import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kV3AmountOut, kV3SqrtPriceAfter, kV3SwapOutLength, v3SwapWithinRange } from './amm.ts';
import {
  cpSlippage, kV3xAmountInUsed, kV3xAmountOut, kV3xLiquidityAfter, kV3xOutLength, kV3xSlippage, kV3xSqrtPriceAfter,
  kV3xTicksCrossed, v3SwapAcrossTicks,
} from './slippage.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);

test('constant-product slippage: γa/(R_in + γa)', () => {
  // 10 in a 1 000 / 1 000 pool at 0.3 %: 9.97/1009.97 = 0.98716 %
  near(cpSlippage(10, 1000, 1000, 0.003), 9.97 / 1009.97, 1e-15, 'slippage');
  near(cpSlippage(0, 1000, 1000, 0.003), 0, 0, 'nothing traded');
  assert.ok(Number.isNaN(cpSlippage(1, 0, 1000, 0.003)));
});

test('V3 across ticks: with no initialized tick it is the swap within one range', () => {
  const out = new Float64Array(kV3xOutLength), one = new Float64Array(kV3SwapOutLength);
  const L = 1e6, sp = 2, none = new Float64Array(0);
  v3SwapAcrossTicks(out, 1000, true, sp, L, none, none, 0, 0.003);
  v3SwapWithinRange(one, 1000, true, L, sp, Number.MIN_VALUE, 0.003);
  near(out[kV3xAmountOut]!, one[kV3AmountOut]!, 1e-12 * one[kV3AmountOut]!, 'same output');
  near(out[kV3xSqrtPriceAfter]!, one[kV3SqrtPriceAfter]!, 1e-15, 'same √P');
  assert.is(out[kV3xTicksCrossed], 0);
  // slippage (fee excluded) = 1 − out/(γ·a·P₀), P₀ = 4
  near(out[kV3xSlippage]!, 1 - one[kV3AmountOut]! / (1000 * 0.997 * 4), 1e-12, 'slippage');
});

test('V3 across ticks by hand: crossing one tick changes the liquidity', () => {
  // price rises (token1 in, no fee); √P = 1, L = 100; an initialized tick at √P = 1.1 adds 100 (L → 200)
  // segment 1: to √P 1.1 needs Δy = 100·0.1 = 10, gives Δx = 100·(1 − 1/1.1) = 9.090909
  // segment 2: 5 more with L = 200: √P = 1.1 + 5/200 = 1.125, Δx = 200·(1/1.1 − 1/1.125) = 4.040404
  const out = new Float64Array(kV3xOutLength);
  assert.ok(v3SwapAcrossTicks(out, 15, false, 1, 100, f64([0.9, 1.1]), f64([50, 100]), 2, 0));
  near(out[kV3xAmountOut]!, 100 * (1 - 1 / 1.1) + 200 * (1 / 1.1 - 1 / 1.125), 1e-12, 'output');
  near(out[kV3xAmountOut]!, 13.131313, 1e-6, 'output (number)');
  near(out[kV3xSqrtPriceAfter]!, 1.125, 1e-15, '√P after');
  near(out[kV3xLiquidityAfter]!, 200, 0, 'L after');
  assert.is(out[kV3xTicksCrossed], 1);
  near(out[kV3xAmountInUsed]!, 15, 1e-12, 'input used');
  // the other way: token0 in from √P 1, the tick at 0.9 removes 50 (L 100 → 50)
  // segment 1: to √P 0.9 needs Δx = 100·(1/0.9 − 1) = 11.1111, gives Δy = 100·0.1 = 10
  // segment 2: 5 more with L = 50: √P′ = 50·0.9/(50 + 5·0.9) = 0.825688, Δy = 50·(0.9 − 0.825688) = 3.715596
  v3SwapAcrossTicks(out, 100 / 0.9 - 100 + 5, true, 1, 100, f64([0.9, 1.1]), f64([50, 100]), 2, 0);
  near(out[kV3xAmountOut]!, 10 + 50 * (0.9 - (50 * 0.9) / (50 + 5 * 0.9)), 1e-12, 'output down');
  near(out[kV3xLiquidityAfter]!, 50, 0, 'L after down');
});

const kData = fileURLToPath(new URL('../../shared/data/onchain-logs-2024-01/', import.meta.url));
const kSwaps = `${kData}ethereum-0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640-2024-01-05.pool.tick.csv`;

if (!existsSync(kSwaps)) {
  console.log(`SKIP real Uniswap V3 swaps: ${kSwaps} is absent`);
} else {
  test('real Uniswap V3 swaps (USDC/WETH 0.05 %, 2024-01-05): output and √P after, from the √P and L before', () => {
    const rows = readFileSync(kSwaps, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const out = new Float64Array(kV3xOutLength), none = new Float64Array(0);
    let checked = 0, worstOut = 0, worstSqrt = 0;
    for (let i = 1; i < rows.length; i++) {
      const prev = rows[i - 1]!, r = rows[i]!;
      // consecutive swaps with the same active liquidity and tick: no initialized tick crossed
      if (r[2] !== 'SWAP' || prev[2] !== 'SWAP' || prev[10] !== r[10] || prev[13] !== r[13]) continue;
      const a0 = BigInt(r[8]!), a1 = BigInt(r[9]!);
      const zeroForOne = a0 > 0n;
      const amountIn = zeroForOne ? a0 : a1;
      // skip small swaps, where the contract's integer rounding of the fee (one raw unit: 1e-6 USDC)
      // dominates the comparison (under 1 000 USDC or 1 WETH)
      if (amountIn < (zeroForOne ? 1_000_000_000n : 1_000_000_000_000_000_000n)) continue;
      const sp = Number(BigInt(prev[12]!)) / 2 ** 96;
      v3SwapAcrossTicks(out, Number(amountIn), zeroForOne, sp, Number(r[10]), none, none, 0, 0.0005);
      const expectedOut = Number(zeroForOne ? -a1 : -a0);
      worstOut = Math.max(worstOut, Math.abs(out[kV3xAmountOut]! / expectedOut - 1));
      worstSqrt = Math.max(worstSqrt, Math.abs(out[kV3xSqrtPriceAfter]! / (Number(BigInt(r[12]!)) / 2 ** 96) - 1));
      checked++;
    }
    console.log(`  ${checked} real swaps: worst relative error ${worstOut.toExponential(2)} (output), ${worstSqrt.toExponential(2)} (√P)`);
    assert.ok(checked > 500, `checked ${checked}`);
    assert.ok(worstOut < 2e-9, `output error ${worstOut}`);
    assert.ok(worstSqrt < 1e-12, `√P error ${worstSqrt}`);
  });

  test('real Uniswap V3 swaps that cross an initialized tick: one tick on the spacing grid reproduces output and √P', () => {
    // Consecutive swaps (no Mint/Burn between them) whose active liquidity changed crossed
    // initialized ticks. Where one tick was crossed, its liquidityNet is the change (L after − L
    // before going up, L before − L after going down) and it lies on the pool's tick spacing (10)
    // between the ticks before and after: exactly one of those candidates must reproduce the
    // swap's output and √P after with the across-ticks walk. Swaps that crossed two or more
    // initialized ticks match no single candidate; they are counted, not checked.
    const rows = readFileSync(kSwaps, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const out = new Float64Array(kV3xOutLength);
    const sq = new Float64Array(1), net = new Float64Array(1);
    let crossing = 0, matched = 0, worstOut = 0, worstSqrt = 0;
    for (let i = 1; i < rows.length; i++) {
      const prev = rows[i - 1]!, r = rows[i]!;
      if (r[2] !== 'SWAP' || prev[2] !== 'SWAP' || prev[10] === r[10]) continue;
      const a0 = BigInt(r[8]!), a1 = BigInt(r[9]!);
      const zeroForOne = a0 > 0n;
      const amountIn = zeroForOne ? a0 : a1;
      if (amountIn < (zeroForOne ? 1_000_000_000n : 1_000_000_000_000_000_000n)) continue; // as above: fee rounding
      crossing++;
      const L0 = Number(prev[10]), L1 = Number(r[10]);
      const t0 = Number(prev[13]), t1 = Number(r[13]);
      const sp = Number(BigInt(prev[12]!)) / 2 ** 96, spAfter = Number(BigInt(r[12]!)) / 2 ** 96;
      const expectedOut = Number(zeroForOne ? -a1 : -a0);
      net[0] = zeroForOne ? L0 - L1 : L1 - L0;
      const lo = zeroForOne ? t1 + 1 : t0 + 1, hi = zeroForOne ? t0 : t1; // candidate ticks c: lo ≤ c ≤ hi
      let best = Infinity, bestSqrt = Infinity;
      for (let c = Math.ceil(lo / 10) * 10; c <= hi; c += 10) {
        sq[0] = Math.exp(0.5 * c * Math.log1p(1e-4));
        v3SwapAcrossTicks(out, Number(amountIn), zeroForOne, sp, L0, sq, net, 1, 0.0005);
        const e = Math.abs(out[kV3xAmountOut]! / expectedOut - 1);
        if (e < best && out[kV3xTicksCrossed] === 1) { best = e; bestSqrt = Math.abs(out[kV3xSqrtPriceAfter]! / spAfter - 1); }
      }
      if (best < 2e-9 && bestSqrt < 1e-11) {
        matched++;
        worstOut = Math.max(worstOut, best);
        worstSqrt = Math.max(worstSqrt, bestSqrt);
      }
    }
    console.log(`  ${crossing} real swaps changed the active liquidity; ${matched} are reproduced by one initialized tick ` +
      `(worst relative error ${worstOut.toExponential(2)} output, ${worstSqrt.toExponential(2)} √P); the other ${crossing - matched} crossed several`);
    assert.ok(crossing > 50, `crossing swaps ${crossing}`);
    assert.ok(matched >= 0.8 * crossing, `matched ${matched} of ${crossing}`);
  });
}

test.run();
