// Slippage of a trade at its size: walking an order book's levels, a constant-product pool, and a
// Uniswap V3 pool across initialized ticks (the liquidity changes by each tick's liquidityNet as
// the price crosses it). Slippage is measured against the venue's price for the first unit,
// fees excluded, as a fraction (1e-4 = 1 bp). Caller-owned outputs; nothing allocates.

import { cpAmountOut, kV3AmountInUsed, kV3AmountOut, kV3FeePaid, kV3SqrtPriceAfter, kV3SwapOutLength, v3SwapWithinRange } from './amm.ts';

const kNaN = NaN;

// Output layout of walkBook (Float64Array of kBookOutLength):
/** Quantity filled (≤ the quantity asked when the book runs out). */
export const kBookFilled = 0;
/** Cost of the fill in the price unit (Σ price·size over the levels taken). */
export const kBookCost = 1;
/** Average price of the fill. */
export const kBookAvgPrice = 2;
/** Slippage against the first level's price: |avg/first − 1| (fraction). */
export const kBookSlippage = 3;
/** Price of the last level touched. */
export const kBookLastPrice = 4;
export const kBookOutLength = 5;

/**
 * Fills qty against levels[0..n) of one side of a book (prices[i], sizes[i]; best first: asks
 * ascending to buy, bids descending to sell). Writes kBookOutLength values; returns the filled
 * quantity. Example: asks 100 × 1, 101 × 2, qty 2 → cost 201, average 100.5, slippage 0.5 %.
 * qty ≤ 0 or an empty book writes zeros (average NaN).
 */
export function walkBook(out: Float64Array, prices: Float64Array, sizes: Float64Array, n: number, qty: number): number {
  let left = qty > 0 ? qty : 0, cost = 0, last = kNaN;
  for (let i = 0; i < n && left > 0; i++) {
    const p = prices[i]!, s = sizes[i]!;
    if (!(p > 0 && s > 0)) continue;
    const take = s < left ? s : left;
    cost += take * p;
    left -= take;
    last = p;
  }
  const filled = (qty > 0 ? qty : 0) - left;
  const avg = filled > 0 ? cost / filled : kNaN;
  out[kBookFilled] = filled;
  out[kBookCost] = cost;
  out[kBookAvgPrice] = avg;
  out[kBookSlippage] = filled > 0 && prices[0]! > 0 ? Math.abs(avg / prices[0]! - 1) : 0;
  out[kBookLastPrice] = last;
  return filled;
}

/**
 * Spends `notional` (in the price unit, e.g. USD) on levels[0..n) (asks, best first) and writes the
 * same kBookOutLength values as walkBook (kBookFilled in base units, kBookCost = the notional
 * spent). Asks 100 × 1, 101 × 2 and 201 to spend: 1 at 100, then 101/101 = 1 at 101: avg 100.5.
 */
export function walkBookNotional(out: Float64Array, prices: Float64Array, sizes: Float64Array, n: number, notional: number): number {
  let left = notional > 0 ? notional : 0, qty = 0, last = kNaN;
  for (let i = 0; i < n && left > 0; i++) {
    const p = prices[i]!, s = sizes[i]!;
    if (!(p > 0 && s > 0)) continue;
    const levelCost = p * s;
    if (levelCost < left) { qty += s; left -= levelCost; }
    else { qty += left / p; left = 0; }
    last = p;
  }
  const spent = (notional > 0 ? notional : 0) - left;
  const avg = qty > 0 ? spent / qty : kNaN;
  out[kBookFilled] = qty;
  out[kBookCost] = spent;
  out[kBookAvgPrice] = avg;
  out[kBookSlippage] = qty > 0 && prices[0]! > 0 ? Math.abs(avg / prices[0]! - 1) : 0;
  out[kBookLastPrice] = last;
  return qty;
}

/**
 * The largest quantity whose average price stays within `tolerance` (fraction) of the first
 * level's: walks the levels and, in the level where the average would pass the bound, solves
 * (cost + p·x)/(filled + x) = p₀·(1 + tol) for x. Returns the quantity in base units (the whole
 * book when it never passes the bound).
 */
export function maxQtyWithinSlippage(prices: Float64Array, sizes: Float64Array, n: number, tolerance: number): number {
  const p0 = prices[0]!;
  if (!(p0 > 0 && tolerance >= 0)) return 0;
  const bound = p0 * (1 + tolerance);
  let cost = 0, filled = 0;
  for (let i = 0; i < n; i++) {
    const p = prices[i]!, s = sizes[i]!;
    if (!(p > 0 && s > 0)) continue;
    if (p <= bound || (cost + p * s) / (filled + s) <= bound) { cost += p * s; filled += s; continue; }
    // (cost + p·x) = bound·(filled + x) ⇒ x = (bound·filled − cost)/(p − bound)
    const x = (bound * filled - cost) / (p - bound);
    return filled + (x > 0 ? x : 0);
  }
  return filled;
}

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
 * tick bitmap and ticks() give them. zeroForOne: token0 in, price falls. Each segment between two
 * initialized ticks is a swap within one range (v3SwapWithinRange); the swap stops when the input
 * is used, the last initialized tick is passed, or liquidity runs out. `seg` is scratch
 * (kV3SwapOutLength). Writes kV3xOutLength values; returns true, or false (NaN written) on
 * invalid input.
 * Slippage: 1 − out / (used·(1 − fee)·P₀) for zeroForOne (P₀ = √P₀², token1 per token0), and
 * 1 − out·P₀ / (used·(1 − fee)) for oneForZero.
 */
export function v3SwapAcrossTicks(
  out: Float64Array, seg: Float64Array, amountIn: number, zeroForOne: boolean, sqrtPrice: number, liquidity: number,
  tickSqrtPrices: Float64Array, liquidityNet: Float64Array, n: number, fee: number,
): boolean {
  if (!(amountIn >= 0 && sqrtPrice > 0 && liquidity >= 0 && fee >= 0 && fee < 1)) {
    out.fill(kNaN, 0, kV3xOutLength);
    return false;
  }
  let left = amountIn, got = 0, paid = 0, crossed = 0;
  let sp = sqrtPrice, L = liquidity;
  // first initialized tick in the direction of the swap
  let i: number;
  if (zeroForOne) { i = n - 1; while (i >= 0 && tickSqrtPrices[i]! > sp) i--; }
  else { i = 0; while (i < n && tickSqrtPrices[i]! <= sp) i++; }
  for (;;) {
    const hasNext = zeroForOne ? i >= 0 : i < n;
    const limit = hasNext ? tickSqrtPrices[i]! : zeroForOne ? Number.MIN_VALUE : Number.MAX_VALUE;
    if (!v3SwapWithinRange(seg, left, zeroForOne, L, sp, limit, fee)) {
      out.fill(kNaN, 0, kV3xOutLength);
      return false;
    }
    const used = seg[kV3AmountInUsed]!;
    got += seg[kV3AmountOut]!;
    paid += seg[kV3FeePaid]!;
    left -= used;
    sp = seg[kV3SqrtPriceAfter]!;
    if (!hasNext || left <= amountIn * 1e-15 || sp !== limit) break;
    // cross the tick
    L = zeroForOne ? L - liquidityNet[i]! : L + liquidityNet[i]!;
    if (L < 0) L = 0;
    crossed++;
    i = zeroForOne ? i - 1 : i + 1;
  }
  const usedTotal = amountIn - (left > 0 ? left : 0);
  const p0 = sqrtPrice * sqrtPrice;
  out[kV3xAmountOut] = got;
  out[kV3xAmountInUsed] = usedTotal;
  out[kV3xFeePaid] = paid;
  out[kV3xSqrtPriceAfter] = sp;
  out[kV3xTicksCrossed] = crossed;
  out[kV3xLiquidityAfter] = L;
  const ideal = zeroForOne ? usedTotal * (1 - fee) * p0 : (usedTotal * (1 - fee)) / p0;
  out[kV3xSlippage] = ideal > 0 ? 1 - got / ideal : 0;
  return true;
}

/** Scratch length v3SwapAcrossTicks needs for `seg`. */
export const kV3xScratchLength = kV3SwapOutLength;
