// Slippage of a trade at its size on an AMM: a constant-product pool, and a Uniswap V3 pool across
// initialized ticks (the liquidity changes by each tick's liquidityNet as the price crosses it).
// Slippage is measured against the pool's price for the first unit, fees excluded, as a fraction
// (1e-4 = 1 bp). A book's is its walk's (book_walk.ts). Caller-owned outputs; nothing allocates.

import { cpAmountOut } from './amm.ts';
import {
  kLegStride, kLegWalkCrossed, kLegWalkFeePaid, kLegWalkIn, kLegWalkInUsed, kLegWalkLength, kLegWalkLiquidityAfter,
  kLegWalkOut, kLegWalkSqrtAfter, setV3OpenLeg, walkLeg,
} from './swap_path.ts';

const kNaN = NaN;

/**
 * Slippage of a constant-product swap, fee excluded: 1 − out/(γ·a·R_out/R_in) = γa/(R_in + γa).
 * 0 for a ≤ 0; NaN for an empty pool.
 */
export function cpSlippage(amountIn: number, reserveIn: number, reserveOut: number, fee: number): number {
  if (!(reserveIn > 0 && reserveOut > 0)) return kNaN;
  if (!(amountIn > 0)) return 0;
  const out = cpAmountOut(amountIn, reserveIn, reserveOut, fee);
  return 1 - out / (amountIn * (1 - fee) * (reserveOut / reserveIn));
}

// Output layout of v3SwapAcrossTicks (Float64Array of kV3xOutLength):
/** Output received. */
export const kV3xAmountOut = 0;
/** Input used, fee included. */
export const kV3xAmountInUsed = 1;
/** Fees paid. */
export const kV3xFeePaid = 2;
/** √P after the swap (sqrtPriceX96/2^96 scale). */
export const kV3xSqrtPriceAfter = 3;
/** Initialized ticks crossed. */
export const kV3xTicksCrossed = 4;
/** Active liquidity after the swap. */
export const kV3xLiquidityAfter = 5;
/** Slippage against the starting price, fee excluded (fraction). */
export const kV3xSlippage = 6;
export const kV3xOutLength = 7;

/**
 * A V3 swap that may cross initialized ticks. tickSqrtPrices[0..n) are the √P (same scale as
 * sqrtPrice) of the initialized ticks in ascending order and liquidityNet[0..n) their net
 * liquidity (added when the price crosses the tick upwards, removed when downwards), as the pool's
 * tick bitmap and ticks() give them. zeroForOne: token0 in, price falls. The swap is the V3 tick
 * walk of swap_path.ts (walkLeg) on a leg that crosses every listed tick in its direction and
 * goes on past the last one at the liquidity it has there; it stops when the input is used.
 * A liquidity that would go negative is taken as 0. Writes kV3xOutLength values; returns true, or
 * false (NaN written) on invalid input.
 * Slippage: 1 − out / (used·(1 − fee)·P₀) for zeroForOne (P₀ = √P₀², token1 per token0), and
 * 1 − out·P₀ / (used·(1 − fee)) for oneForZero.
 */
export function v3SwapAcrossTicks(
  out: Float64Array, amountIn: number, zeroForOne: boolean, sqrtPrice: number, liquidity: number,
  tickSqrtPrices: Float64Array, liquidityNet: Float64Array, n: number, fee: number,
): boolean {
  if (!(amountIn >= 0 && sqrtPrice > 0 && liquidity >= 0 && fee >= 0 && fee < 1)) {
    out.fill(kNaN, 0, kV3xOutLength);
    return false;
  }
  setV3OpenLeg(kLeg, 0, zeroForOne, liquidity, sqrtPrice, tickSqrtPrices, liquidityNet, n, fee, 1, 1);
  const w = kWalk;
  w[kLegWalkIn] = amountIn;
  walkLeg(w, kLeg, 0);
  const got = w[kLegWalkOut]!, used = w[kLegWalkInUsed]!;
  if (got !== got) { // a range's swap was invalid
    out.fill(kNaN, 0, kV3xOutLength);
    return false;
  }
  const p0 = sqrtPrice * sqrtPrice;
  out[kV3xAmountOut] = got;
  out[kV3xAmountInUsed] = used;
  out[kV3xFeePaid] = w[kLegWalkFeePaid]!;
  out[kV3xSqrtPriceAfter] = w[kLegWalkSqrtAfter]!;
  out[kV3xTicksCrossed] = w[kLegWalkCrossed]!;
  out[kV3xLiquidityAfter] = w[kLegWalkLiquidityAfter]!;
  const ideal = zeroForOne ? used * (1 - fee) * p0 : (used * (1 - fee)) / p0;
  out[kV3xSlippage] = ideal > 0 ? 1 - got / ideal : 0;
  return true;
}

const kLeg = new Float64Array(kLegStride);
const kWalk = new Float64Array(kLegWalkLength);
