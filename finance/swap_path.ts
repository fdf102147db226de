// A path of swaps (the legs of an arbitrage cycle) and the input that maximises its profit.
//
// Each leg turns an amount of one asset into another: a book sell (base → quote, down the bids), a
// book buy (quote → base, up the asks), a constant-product pool, or a Uniswap V3 pool, across the
// initialized ticks it knows (each crossing changes the active liquidity by the tick's
// liquidityNet) up to a last √P. Every leg's output is a concave, increasing function of its input, so
// the whole path's output f(q) is concave and its profit f(q) − q is maximised where the marginal
// rate f′(q) = Π legᵢ′(amountᵢ) falls to 1. optimalPathInput finds that q by bisection on the
// marginal rate: the max trade size where marginal profit falls to zero. Past a book's last level
// or a V3 leg's last √P the marginal rate is 0 (nothing more is known to trade). A V3 swap's
// marginal rate depends on the price reached only: (1 − fee)·√P² for token0 in, (1 − fee)/√P² for
// token1 in (raw units), whatever liquidity got it there.
//
// Amounts are human token units (decimal-adjusted); a V3 leg converts to and from the pool's raw
// units with the token scales it is given (gas_units.ts tokenUnitScale: never an assumed 18).
// Legs live in a caller-owned Float64Array, kLegStride values each. Nothing allocates.
// The walks are written once, here, in legAt: the walk of a book's levels, the constant-product
// swap, and the walk of a V3 pool across its initialized ticks. walkLeg runs one leg on its own
// and reports what it did (the execution optimizer's book and V3 quotes, slippage.ts
// v3SwapAcrossTicks); the path sizing runs them in its bisection without a call per leg beyond legAt.
import {
  kV3AmountInUsed, kV3AmountOut, kV3FeePaid, kV3ReachedLimit, kV3SqrtPriceAfter, kV3SwapOutLength, v3SwapWithinRange,
} from './amm.ts';

const kNaN = NaN;

export const kLegBookSell = 1;
export const kLegBookBuy = 2;
export const kLegConstantProduct = 3;
export const kLegV3 = 4;

/** Book levels a leg keeps (a depth record's kDepthLevels). */
// (setBookLeg compares a double with it: a module-private constant, as an exported binding read in
// optimized code turns the comparison's result into a heap number)
const kMaxLevels = 8;
export const kLegMaxLevels = kMaxLevels;
// Leg layout (offsets inside one leg)
export const kLegType = 0;
export const kLegFee = 1; // taker / pool fee, fraction
// book legs
export const kLegLevels = 2;
export const kLegPrice0 = 3; // kLegMaxLevels prices, best first (quote per base)
export const kLegSize0 = kLegPrice0 + kLegMaxLevels; // base units
// constant product
export const kLegReserveIn = 2;
export const kLegReserveOut = 3;
// V3, raw units: L, √P = sqrtPriceX96/2^96, the √P limit of the range, direction, token scales
export const kLegLiquidity = 2;
export const kLegSqrtPrice = 3;
export const kLegSqrtLimit = 4;
export const kLegZeroForOne = 5; // 1: token0 in, token1 out; 0: token1 in
export const kLegInRawPerUnit = 6; // raw units per human unit of the input token (10^decimalsIn)
export const kLegOutUnitPerRaw = 7; // human units per raw unit of the output token (10^−decimalsOut)
export const kLegCrossings = 8; // initialized ticks the swap may cross before the last √P
export const kLegCrossSqrt0 = 9; // √P of each, in the swap's direction (falling for zeroForOne)
/** Initialized ticks a V3 leg keeps (a tick map's kTickMapLevels). */
export const kLegMaxCrossings = 16;
export const kLegCrossLiquidity0 = kLegCrossSqrt0 + kLegMaxCrossings; // the active L after crossing each
export const kLegStride = kLegCrossLiquidity0 + kLegMaxCrossings; // 41

// In/out of walkLeg (Float64Array of kLegWalkLength), in the leg's units (a V3 leg's human units
// through its token scales; √P and L raw). The caller sets kLegWalkIn.
export const kLegWalkIn = 0;
/** Output received, net of the fee. */
export const kLegWalkOut = 1;
/** Marginal rate of the next unit of input (output per input, fee included); 0 once the leg is used up. */
export const kLegWalkMarginal = 2;
/** Input used (less than kLegWalkIn when the book runs out or the V3 leg reaches its last √P). */
export const kLegWalkInUsed = 3;
/** V3: fee paid (input units). */
export const kLegWalkFeePaid = 4;
/** V3: √P where the swap stopped (raw). */
export const kLegWalkSqrtAfter = 5;
/** V3: initialized ticks crossed. */
export const kLegWalkCrossed = 6;
/** V3: active liquidity where the swap stopped (raw). */
export const kLegWalkLiquidityAfter = 7;
export const kLegWalkLength = 8;

const kV3Scratch = new Float64Array(kV3SwapOutLength);
// [amountOut, marginal, amountIn, input used, then a V3 leg's fee paid, √P after, ticks crossed,
// L after]. Doubles travel through this array, not as arguments: a double passed to a function V8
// does not inline is boxed into a fresh heap number on every call.
const kLegScratch = new Float64Array(8);
const kLegIn = 2;
const kLegUsed = 3;
const kLegFeePaid = 4;
const kLegSqrtAfter = 5;
const kLegCrossed = 6;
const kLegLiquidityAfter = 7;

/** A book leg: sell = true walks bids (base in), false walks asks (quote in). Copies ≤ kLegMaxLevels levels. */
export function setBookLeg(
  path: Float64Array, k: number, sell: boolean, fee: number, lv: Float64Array, priceAt: number, sizeAt: number, n: number,
): void {
  const o = k * kLegStride;
  const m = n < kMaxLevels ? n : kMaxLevels;
  path[o + kLegType] = sell ? kLegBookSell : kLegBookBuy;
  path[o + kLegFee] = fee;
  path[o + kLegLevels] = m;
  for (let i = 0; i < m; i++) {
    path[o + kLegPrice0 + i] = lv[priceAt + i]!;
    path[o + kLegSize0 + i] = lv[sizeAt + i]!;
  }
}

/** A constant-product leg: reserves of the input and output tokens (human units), pool fee. */
export function setCpLeg(path: Float64Array, k: number, reserveIn: number, reserveOut: number, fee: number): void {
  const o = k * kLegStride;
  path[o + kLegType] = kLegConstantProduct;
  path[o + kLegFee] = fee;
  path[o + kLegReserveIn] = reserveIn;
  path[o + kLegReserveOut] = reserveOut;
}

/**
 * A V3 leg at constant liquidity: L and √P in raw units, the √P where the leg ends in the swap's
 * direction (below √P for zeroForOne), the pool fee, and the token scales.
 */
export function setV3Leg(
  path: Float64Array, k: number, zeroForOne: boolean, liquidity: number, sqrtPrice: number, sqrtLimit: number,
  fee: number, inRawPerUnit: number, outUnitPerRaw: number,
): void {
  const o = k * kLegStride;
  path[o + kLegType] = kLegV3;
  path[o + kLegFee] = fee;
  path[o + kLegLiquidity] = liquidity;
  path[o + kLegSqrtPrice] = sqrtPrice;
  path[o + kLegSqrtLimit] = sqrtLimit;
  path[o + kLegZeroForOne] = zeroForOne ? 1 : 0;
  path[o + kLegInRawPerUnit] = inRawPerUnit;
  path[o + kLegOutUnitPerRaw] = outUnitPerRaw;
  path[o + kLegCrossings] = 0;
}

/**
 * A V3 leg across initialized ticks: the pool's tick map (tickSqrtPrices[0..n) ascending, their
 * liquidityNet, as a pool_update's `ticks`) from the active liquidity L at √P. The swap may cross
 * every listed tick in its direction (zeroForOne: those at or below √P, subtracting liquidityNet;
 * else those above, adding it) and ends at the last one: past the outermost known tick nothing is
 * assumed to trade. Returns false when no tick lies in the swap's direction (the leg would be
 * empty); a liquidity that would go negative is taken as 0.
 */
export function setV3TickLeg(
  path: Float64Array, k: number, zeroForOne: boolean, liquidity: number, sqrtPrice: number,
  tickSqrtPrices: Float64Array, liquidityNet: Float64Array, n: number,
  fee: number, inRawPerUnit: number, outUnitPerRaw: number,
): boolean {
  setV3Leg(path, k, zeroForOne, liquidity, sqrtPrice, sqrtPrice, fee, inRawPerUnit, outUnitPerRaw); // limit set below
  const o = k * kLegStride;
  const m = writeCrossings(path, o, zeroForOne, liquidity, sqrtPrice, tickSqrtPrices, liquidityNet, n);
  if (m === 0) return false; // limit = √P: an empty leg
  // the last tick is where the leg ends: crossing it is not needed (what lies beyond is unknown)
  path[o + kLegSqrtLimit] = path[o + kLegCrossSqrt0 + m - 1]!;
  path[o + kLegCrossings] = m - 1;
  return true;
}

/**
 * A V3 leg across initialized ticks that goes on past the outermost one at the liquidity it has
 * there (as a pool without a tick map is taken at constant liquidity): every listed tick in the
 * swap's direction is a crossing, and the last range has no end.
 */
export function setV3OpenLeg(
  path: Float64Array, k: number, zeroForOne: boolean, liquidity: number, sqrtPrice: number,
  tickSqrtPrices: Float64Array, liquidityNet: Float64Array, n: number,
  fee: number, inRawPerUnit: number, outUnitPerRaw: number,
): void {
  const open = zeroForOne ? Number.MIN_VALUE : Number.MAX_VALUE;
  setV3Leg(path, k, zeroForOne, liquidity, sqrtPrice, open, fee, inRawPerUnit, outUnitPerRaw);
  const o = k * kLegStride;
  path[o + kLegCrossings] = writeCrossings(path, o, zeroForOne, liquidity, sqrtPrice, tickSqrtPrices, liquidityNet, n);
}

/** The leg's crossings from a tick map, in the swap's direction, with the active L after each; returns their count. */
function writeCrossings(
  path: Float64Array, o: number, zeroForOne: boolean, liquidity: number, sqrtPrice: number,
  tickSqrtPrices: Float64Array, liquidityNet: Float64Array, n: number,
): number {
  let m = 0, L = liquidity;
  if (zeroForOne) {
    let i = n - 1;
    while (i >= 0 && tickSqrtPrices[i]! > sqrtPrice) i--;
    for (; i >= 0 && m < kLegMaxCrossings; i--, m++) {
      L -= liquidityNet[i]!;
      path[o + kLegCrossSqrt0 + m] = tickSqrtPrices[i]!;
      path[o + kLegCrossLiquidity0 + m] = L > 0 ? L : 0;
    }
  } else {
    let i = 0;
    while (i < n && tickSqrtPrices[i]! <= sqrtPrice) i++;
    for (; i < n && m < kLegMaxCrossings; i++, m++) {
      L += liquidityNet[i]!;
      path[o + kLegCrossSqrt0 + m] = tickSqrtPrices[i]!;
      path[o + kLegCrossLiquidity0 + m] = L > 0 ? L : 0;
    }
  }
  return m;
}

/**
 * Writes leg k's output and marginal rate (d out / d in) at kLegScratch[kLegIn] into kLegScratch,
 * with the input it used (and a V3 leg's fee, √P, crossings and L where it stopped).
 * A book leg walks its levels, best first, each absorbing its size (a sell: base in) or its
 * price × size (a buy: quote in) at the rate price·(1 − fee) or (1 − fee)/price. A V3 leg swaps
 * one liquidity range at a time (v3SwapWithinRange): up to the next initialized tick, where the
 * active liquidity becomes the tick's, and the last range up to the leg's limit; its marginal rate
 * depends on the price reached only: (1 − fee)·√P² for token0 in, (1 − fee)/√P² for token1 in.
 */
function legAt(path: Float64Array, k: number): void {
  const amountIn = kLegScratch[kLegIn]!;
  const o = k * kLegStride;
  const type = path[o + kLegType]!;
  const fee = path[o + kLegFee]!;
  const g = 1 - fee;
  const s = kLegScratch;
  if (type === kLegBookSell || type === kLegBookBuy) {
    const buy = type === kLegBookBuy;
    const n = path[o + kLegLevels]!;
    let left = amountIn > 0 ? amountIn : 0, got = 0, marginal = 0;
    for (let i = 0; i < n; i++) {
      const p = path[o + kLegPrice0 + i]!, size = path[o + kLegSize0 + i]!;
      if (!(p > 0 && size > 0)) continue;
      const capacity = buy ? size * p : size; // input this level absorbs
      const rate = buy ? g / p : p * g;
      if (left < capacity) { got += left * rate; marginal = rate; left = 0; break; }
      got += capacity * rate;
      left -= capacity;
    }
    s[0] = got;
    s[1] = left > 0 ? 0 : marginal;
    s[kLegUsed] = (amountIn > 0 ? amountIn : 0) - left;
  } else if (type === kLegConstantProduct) {
    const x = path[o + kLegReserveIn]!, y = path[o + kLegReserveOut]!;
    const a = (amountIn > 0 ? amountIn : 0) * g;
    const d = x + a;
    s[0] = (a * y) / d;
    s[1] = (g * x * y) / (d * d);
    s[kLegUsed] = amountIn > 0 ? amountIn : 0;
  } else if (type === kLegV3) {
    const lim = path[o + kLegSqrtLimit]!;
    const zeroForOne = path[o + kLegZeroForOne]! === 1;
    const inScale = path[o + kLegInRawPerUnit]!, outScale = path[o + kLegOutUnitPerRaw]!;
    const crossings = path[o + kLegCrossings]!;
    let L = path[o + kLegLiquidity]!, sp = path[o + kLegSqrtPrice]!;
    const rawIn = (amountIn > 0 ? amountIn : 0) * inScale;
    let left = rawIn, got = 0, paid = 0, m = 0, crossed = 0;
    // one range per step: up to the next initialized tick (then its liquidity), the last up to lim
    for (let j = 0; j <= crossings; j++) {
      const end = j < crossings ? path[o + kLegCrossSqrt0 + j]! : lim;
      if (!v3SwapWithinRange(kV3Scratch, left, zeroForOne, L, sp, end, fee)) { s.fill(kNaN, 0, 2); s.fill(kNaN, kLegUsed); return; }
      got += kV3Scratch[kV3AmountOut]!;
      left -= kV3Scratch[kV3AmountInUsed]!;
      paid += kV3Scratch[kV3FeePaid]!;
      const after = kV3Scratch[kV3SqrtPriceAfter]!;
      if (kV3Scratch[kV3ReachedLimit]! === 0) { // the input ran out inside this range
        sp = after;
        m = zeroForOne ? g * after * after : g / (after * after);
        break;
      }
      sp = end;
      if (j < crossings) { L = path[o + kLegCrossLiquidity0 + j]!; crossed++; }
      // m stays 0 when the last range is used up: nothing more is known to trade
    }
    s[0] = got * outScale;
    s[1] = m * inScale * outScale;
    s[kLegUsed] = (rawIn - left) / inScale;
    s[kLegFeePaid] = paid / inScale;
    s[kLegSqrtAfter] = sp;
    s[kLegCrossed] = crossed;
    s[kLegLiquidityAfter] = L;
  } else {
    s[0] = kNaN;
    s[1] = kNaN;
  }
}

/**
 * Runs `io[kLegWalkIn]` through leg k of `path` alone and writes what it did (kLegWalk* fields):
 * the walk of a book's levels, a constant-product swap, or a V3 swap across its ticks.
 */
export function walkLeg(io: Float64Array, path: Float64Array, k: number): void {
  const s = kLegScratch;
  s[kLegIn] = io[kLegWalkIn]!;
  legAt(path, k);
  io[kLegWalkOut] = s[0]!;
  io[kLegWalkMarginal] = s[1]!;
  io[kLegWalkInUsed] = s[kLegUsed]!;
  io[kLegWalkFeePaid] = s[kLegFeePaid]!;
  io[kLegWalkSqrtAfter] = s[kLegSqrtAfter]!;
  io[kLegWalkCrossed] = s[kLegCrossed]!;
  io[kLegWalkLiquidityAfter] = s[kLegLiquidityAfter]!;
}

/** The rate of leg k's first unit before its fee (output per input). */
function legTopRate(path: Float64Array, k: number): number {
  const o = k * kLegStride;
  const type = path[o + kLegType]!;
  if (type === kLegBookSell) return path[o + kLegPrice0]!;
  if (type === kLegBookBuy) return 1 / path[o + kLegPrice0]!;
  if (type === kLegConstantProduct) return path[o + kLegReserveOut]! / path[o + kLegReserveIn]!;
  if (type === kLegV3) {
    const sp = path[o + kLegSqrtPrice]!;
    const raw = path[o + kLegZeroForOne]! === 1 ? sp * sp : 1 / (sp * sp);
    return raw * path[o + kLegInRawPerUnit]! * path[o + kLegOutUnitPerRaw]!;
  }
  return kNaN;
}

// Output of pathAt (Float64Array of kPathAtLength)
export const kPathAtOut = 0; // amount out of the last leg
export const kPathAtMarginal = 1; // Π of the legs' marginal rates at their inputs
export const kPathAtLength = 2;

/** Runs `amountIn` through legs 0..n−1; writes the final amount and the path's marginal rate. */
export function pathAt(out: Float64Array, path: Float64Array, n: number, amountIn: number): void {
  kLegScratch[kLegIn] = amountIn;
  pathAtScratch(out, path, n);
}

/** pathAt with the input taken from kLegScratch[kLegIn] (no double argument to box). */
function pathAtScratch(out: Float64Array, path: Float64Array, n: number): void {
  let amount = kLegScratch[kLegIn]!, marginal = 1;
  const s = kLegScratch;
  for (let k = 0; k < n; k++) {
    s[kLegIn] = amount;
    legAt(path, k);
    amount = s[0]!;
    marginal *= s[1]!;
  }
  out[kPathAtOut] = amount;
  out[kPathAtMarginal] = marginal;
}

// Output of optimalPathInput (Float64Array of kPathOutLength)
/** The profit-maximising input (start asset units): where the marginal rate falls to 1. */
export const kPathSize = 0;
/** Output at that input (start asset units). */
export const kPathAmountOut = 1;
/** Profit = output − input (start asset units), fees and slippage included. */
export const kPathProfit = 2;
/** Marginal rate of the first unit (Π of the legs' top rates net of fees): > 1 means a negative cycle. */
export const kPathMarginalAtZero = 3;
/** Fees and slippage at that size: size·Π(top rates before fees) − output (start asset units). */
export const kPathTradingCost = 4;
/** 1 when the size stopped at maxIn (capital) rather than where the marginal rate reached 1. */
export const kPathCapped = 5;
export const kPathOutLength = 6;

const kAt = new Float64Array(kPathAtLength);
const kBracket = new Float64Array(3); // [lo, hi, mid] of optimalPathInput's bisection
const kBisections = 80; // a cap; the loop stops once the bracket is within 1e-10 of the size

/**
 * The input in [0, maxIn] that maximises pathOut(q) − q, by bisection on the marginal rate (which
 * falls with q because every leg is concave). Writes kPathOutLength values; returns true when the
 * profit is positive. maxIn ≤ 0, NaN legs or a marginal rate ≤ 1 at zero give size 0, profit 0.
 */
export function optimalPathInput(out: Float64Array, path: Float64Array, n: number, maxIn: number): boolean {
  kLegScratch[kLegIn] = 0;
  pathAtScratch(kAt, path, n);
  const m0 = kAt[kPathAtMarginal]!;
  out[kPathMarginalAtZero] = m0;
  out[kPathCapped] = 0;
  if (!(m0 > 1) || !(maxIn > 0)) {
    out[kPathSize] = 0; out[kPathAmountOut] = 0; out[kPathProfit] = 0; out[kPathTradingCost] = 0;
    return false;
  }
  let q: number;
  kLegScratch[kLegIn] = maxIn;
  pathAtScratch(kAt, path, n);
  if (kAt[kPathAtMarginal]! > 1) {
    q = maxIn;
    out[kPathCapped] = 1;
  } else {
    // the bracket lives in a typed array: double locals kept across the call to pathAtScratch
    // were boxed on every iteration (241 B per sizing, measured), an array slot is not
    const b = kBracket; // [lo, hi, mid]
    b[0] = 0; b[1] = maxIn;
    for (let it = 0; it < kBisections && b[1]! - b[0]! > 1e-10 * b[1]!; it++) {
      b[2] = 0.5 * (b[0]! + b[1]!);
      kLegScratch[kLegIn] = b[2];
      pathAtScratch(kAt, path, n);
      if (kAt[kPathAtMarginal]! > 1) b[0] = b[2]; else b[1] = b[2];
    }
    q = b[0]!;
  }
  kLegScratch[kLegIn] = q;
  pathAtScratch(kAt, path, n);
  const got = kAt[kPathAtOut]!;
  let top = 1;
  for (let k = 0; k < n; k++) top *= legTopRate(path, k);
  out[kPathSize] = q;
  out[kPathAmountOut] = got;
  out[kPathProfit] = got - q;
  out[kPathTradingCost] = q * top - got;
  return got - q > 0;
}

/** Output of the path for `amountIn` (a convenience for tests and reports). */
export function pathOut(path: Float64Array, n: number, amountIn: number): number {
  pathAt(kAt, path, n, amountIn);
  return kAt[kPathAtOut]!;
}
