// AMM math: constant-product pools (Uniswap V2 style), arbitrage of such a pool against an
// external price, and Uniswap V3 prices, ticks and the swap inside one liquidity range.
// Amounts are in token units as the caller keeps them (whole tokens or base units, consistently);
// fees are fractions (0.003 for a 0.30 % pool; V3's pips 3000 are 0.003 here).
// Hot functions take scalars and write several results into a caller-owned Float64Array.
// The bigint price conversions are for decoding (pool_update events), not for the per-tick loop.

// NaN and Infinity as module constants: V8 keeps a computed double unboxed where it meets one
// of these on a return path, but boxes it (allocates) where it meets the global NaN or Infinity.
const kNaN = NaN;
const kInfinity = Infinity;

// ---------------------------------------------------------------------------------------------
// Constant product

/**
 * Constant-product output for an exact input (fee taken from the input, V2 style):
 *   amountOut = amountIn·(1 − fee)·reserveOut / (reserveIn + amountIn·(1 − fee)).
 * Units: amountOut in the output token, amountIn and reserveIn in the input token.
 * Returns 0 for amountIn ≤ 0 or an empty pool (a reserve ≤ 0); NaN for NaN or fee outside [0, 1).
 */
export function cpAmountOut(amountIn: number, reserveIn: number, reserveOut: number, fee: number): number {
  if (Number.isNaN(amountIn) || Number.isNaN(reserveIn) || Number.isNaN(reserveOut) || !(fee >= 0 && fee < 1)) {
    return kNaN;
  }
  if (!(amountIn > 0 && reserveIn > 0 && reserveOut > 0)) return 0;
  const inWithFee = amountIn * (1 - fee);
  return (inWithFee * reserveOut) / (reserveIn + inWithFee);
}

/**
 * Input needed for an exact output (the inverse of cpAmountOut):
 *   amountIn = reserveIn·amountOut / ((reserveOut − amountOut)·(1 − fee)).
 * Returns 0 for amountOut ≤ 0, +Infinity when amountOut ≥ reserveOut or the pool is empty, NaN for
 * NaN or fee outside [0, 1).
 */
export function cpAmountIn(amountOut: number, reserveIn: number, reserveOut: number, fee: number): number {
  if (Number.isNaN(amountOut) || Number.isNaN(reserveIn) || Number.isNaN(reserveOut) || !(fee >= 0 && fee < 1)) {
    return kNaN;
  }
  if (!(amountOut > 0)) return 0;
  if (!(reserveIn > 0 && reserveOut > amountOut)) return kInfinity;
  return (reserveIn * amountOut) / ((reserveOut - amountOut) * (1 - fee));
}

/**
 * Mid (marginal, fee-free) price of the input token in output-token units: reserveOut/reserveIn.
 * NaN when a reserve is ≤ 0 or NaN.
 */
export function cpMidPrice(reserveIn: number, reserveOut: number): number {
  if (!(reserveIn > 0 && reserveOut > 0)) return kNaN;
  return reserveOut / reserveIn;
}

/**
 * Execution (average) price of a swap, output units per input unit: amountOut/amountIn, fee
 * included. NaN for amountIn ≤ 0 or an empty pool.
 */
export function cpExecutionPrice(amountIn: number, reserveIn: number, reserveOut: number, fee: number): number {
  if (!(amountIn > 0 && reserveIn > 0 && reserveOut > 0)) return kNaN;
  return cpAmountOut(amountIn, reserveIn, reserveOut, fee) / amountIn;
}

/**
 * Price impact of a swap, fee excluded, as a fraction:
 *   impact = 1 − amountOut/(amountIn·(1 − fee)·mid) = a/(reserveIn + a),  a = amountIn·(1 − fee).
 * The fee is a separate cost (total shortfall against mid: 1 − (1 − fee)·(1 − impact)).
 * Returns 0 for amountIn ≤ 0, NaN for an empty pool, NaN input or fee outside [0, 1).
 */
export function cpPriceImpact(amountIn: number, reserveIn: number, reserveOut: number, fee: number): number {
  if (!(reserveIn > 0 && reserveOut > 0 && fee >= 0 && fee < 1) || Number.isNaN(amountIn)) return kNaN;
  if (!(amountIn > 0)) return 0;
  const a = amountIn * (1 - fee);
  return a / (reserveIn + a);
}

// Output layout of cpArbAgainstExternal (Float64Array of kCpArbOutLength):
/** +1: pay token Y into the pool, take X out (pool X is cheap); −1: pay X in, take Y out; 0: none. */
export const kCpArbDirection = 0;
/** Amount paid into the pool (Y for +1, X for −1). */
export const kCpArbAmountIn = 1;
/** Amount taken out of the pool (X for +1, Y for −1). */
export const kCpArbAmountOut = 2;
/** Profit in Y, the X leg valued at the external price P (fees of the external leg not counted). */
export const kCpArbProfit = 3;
/** Pool reserve price y/x after the trade (the fee stays in the pool, V2 style). */
export const kCpArbPoolPriceAfter = 4;
export const kCpArbOutLength = 5;

/**
 * Optimal arbitrage between a constant-product pool (reserves x of token X, y of token Y, fee f,
 * γ = 1 − f, k = x·y) and an external market where X trades at price P (Y per X), frictionless.
 *
 * Pool X cheap (P·γ > y/x): pay Δy in, receive Δx = γΔy·x/(y + γΔy), sell Δx at P.
 *   profit(Δy) = P·γΔy·x/(y + γΔy) − Δy;  profit′ = P·γ·x·y/(y + γΔy)² − 1 = 0
 *   ⇒ (y + γΔy)² = P·γ·k ⇒ Δy* = (√(P·γ·k) − y)/γ.
 * Pool X dear (P < γ·y/x): pay Δx in, receive Δy = γΔx·y/(x + γΔx), buy Δx back at P.
 *   profit(Δx) = γΔx·y/(x + γΔx) − P·Δx;  profit′ = γ·x·y/(x + γΔx)² − P = 0
 *   ⇒ Δx* = (√(γ·k/P) − x)/γ.
 * Inside the no-arbitrage band γ·y/x ≤ P ≤ y/(γ·x) nothing pays.
 * Writes kCpArbOutLength values to out and returns the direction (+1, −1, or 0 for none), a small
 * integer so that a call V8 does not inline returns no boxed double.
 * Units: reserves in token units; P in Y per X. Invalid input (reserve ≤ 0, P ≤ 0, NaN, fee
 * outside [0, 1)) writes NaN everywhere and returns 0.
 */
export function cpArbAgainstExternal(
  out: Float64Array, reserveX: number, reserveY: number, fee: number, externalPrice: number,
): number {
  if (!(reserveX > 0 && reserveY > 0 && externalPrice > 0 && fee >= 0 && fee < 1 &&
    reserveX < kInfinity && reserveY < kInfinity && externalPrice < kInfinity)) {
    out.fill(kNaN, 0, kCpArbOutLength);
    return 0;
  }
  const gamma = 1 - fee;
  const k = reserveX * reserveY;
  let direction = 0, amountIn = 0, amountOut = 0, profit = 0;
  let xAfter = reserveX, yAfter = reserveY;
  if (externalPrice * gamma * reserveX > reserveY) {
    amountIn = (Math.sqrt(externalPrice * gamma * k) - reserveY) / gamma; // Δy*
    amountOut = cpAmountOut(amountIn, reserveY, reserveX, fee); // Δx
    profit = externalPrice * amountOut - amountIn;
    direction = 1;
    xAfter = reserveX - amountOut;
    yAfter = reserveY + amountIn;
  } else if (externalPrice * reserveX < gamma * reserveY) {
    amountIn = (Math.sqrt((gamma * k) / externalPrice) - reserveX) / gamma; // Δx*
    amountOut = cpAmountOut(amountIn, reserveX, reserveY, fee); // Δy
    profit = amountOut - externalPrice * amountIn;
    direction = -1;
    xAfter = reserveX + amountIn;
    yAfter = reserveY - amountOut;
  }
  if (!(profit > 0)) { // rounding right at the band's edge
    direction = 0; amountIn = 0; amountOut = 0; profit = 0;
    xAfter = reserveX; yAfter = reserveY;
  }
  out[kCpArbDirection] = direction;
  out[kCpArbAmountIn] = amountIn;
  out[kCpArbAmountOut] = amountOut;
  out[kCpArbProfit] = profit;
  out[kCpArbPoolPriceAfter] = yAfter / xAfter;
  return direction;
}

// ---------------------------------------------------------------------------------------------
// Uniswap V3 prices and ticks
//
// Direction: a V3 pool stores sqrtPriceX96 = √(P)·2^96 with P = reserve-of-token1 per token0 in
// BASE units (wei per smallest unit of token0). The human price of token0 in token1 is
// P·10^(decimals0 − decimals1). For the USDC(6)/WETH(18) pool, token0 = USDC and token1 = WETH,
// so the pool's own price is WETH per USDC (about 0.00044); the usual quote, USDC per WETH
// (about 2270), is the inverse.

/** Smallest and largest V3 ticks. */
export const kMinTick = -887272;
export const kMaxTick = 887272;
// ln(1.0001) to full precision (the double nearest 1.0001 is off by 1.1e-17, which a power of
// 887 272 would magnify to 1e-11; exp(tick·ln 1.0001) keeps the error near 1e-14).
const kLnTickBase = Math.log1p(1e-4);
const kTwoPowMinus96 = 2 ** -96;

/**
 * Price of token0 in token1 (token1 per token0, whole tokens) from sqrtPriceX96, computed exactly
 * in bigint and rounded once to a double (within 1 ulp):
 *   price = sqrtPriceX96² / 2^192 · 10^(decimals0 − decimals1).
 * Returns NaN for a negative sqrtPriceX96 or non-integer/negative decimals. Allocates (bigint).
 */
export function sqrtPriceX96ToPrice(sqrtPriceX96: bigint, decimals0: number, decimals1: number): number {
  if (sqrtPriceX96 < 0n || !validDecimals(decimals0) || !validDecimals(decimals1)) return kNaN;
  const d = decimals0 - decimals1;
  let num = sqrtPriceX96 * sqrtPriceX96;
  let den = 1n << 192n;
  if (d >= 0) num *= 10n ** BigInt(d); else den *= 10n ** BigInt(-d);
  return bigRatioToNumber(num, den);
}

/**
 * Price of token1 in token0 (token0 per token1, whole tokens), the inverse of sqrtPriceX96ToPrice,
 * exact in bigint: 2^192 / sqrtPriceX96² · 10^(decimals1 − decimals0).
 * For sqrtPriceX96 = 0x51fdf2fd9b2526872a9b723450f2 with USDC (6) as token0 and WETH (18) as
 * token1 this is 2269.7458… USDC per WETH. Returns Infinity for 0, NaN as sqrtPriceX96ToPrice.
 */
export function sqrtPriceX96ToInversePrice(sqrtPriceX96: bigint, decimals0: number, decimals1: number): number {
  if (sqrtPriceX96 < 0n || !validDecimals(decimals0) || !validDecimals(decimals1)) return kNaN;
  if (sqrtPriceX96 === 0n) return kInfinity;
  const d = decimals1 - decimals0;
  let num = 1n << 192n;
  let den = sqrtPriceX96 * sqrtPriceX96;
  if (d >= 0) num *= 10n ** BigInt(d); else den *= 10n ** BigInt(-d);
  return bigRatioToNumber(num, den);
}

/**
 * Hot-path variant on a double (sqrtPriceX96 already converted with Number(), relative error
 * ≤ 2^-53, so the price is within ~3 ulp): (s·2^-96)²·10^(decimals0 − decimals1), token1 per
 * token0. NaN for s < 0 or NaN.
 */
export function sqrtPriceX96NumberToPrice(sqrtPriceX96: number, decimals0: number, decimals1: number): number {
  if (!(sqrtPriceX96 >= 0)) return kNaN;
  const r = sqrtPriceX96 * kTwoPowMinus96;
  return r * r * Math.pow(10, decimals0 - decimals1);
}

/**
 * Price of token0 in token1 (whole tokens) at a tick: 1.0001^tick · 10^(decimals0 − decimals1),
 * evaluated as exp(tick·ln 1.0001) (relative error ≤ ~2e-14 over the whole tick range).
 * NaN for a tick outside [kMinTick, kMaxTick] or not an integer.
 */
export function tickToPrice(tick: number, decimals0: number, decimals1: number): number {
  if (!(Number.isInteger(tick) && tick >= kMinTick && tick <= kMaxTick)) return kNaN;
  return Math.exp(tick * kLnTickBase) * Math.pow(10, decimals0 - decimals1);
}

/**
 * √(raw price) at a tick: 1.0001^(tick/2), the V3 sqrtPrice without the 2^96 scaling (token1 base
 * units per token0 base unit, square-rooted). NaN outside the tick range.
 */
export function tickToSqrtPrice(tick: number): number {
  if (!(Number.isInteger(tick) && tick >= kMinTick && tick <= kMaxTick)) return kNaN;
  return Math.exp(0.5 * tick * kLnTickBase);
}

/**
 * The tick at or below a price: the largest integer t with 1.0001^t ≤ price·10^(decimals1 −
 * decimals0)·(1 + 1e-12) (price is token1 per token0 in whole tokens; the 1e-12 relative slack
 * makes tickToPrice → priceToTick return the same tick despite rounding). Clamped to
 * [kMinTick, kMaxTick]. NaN for price ≤ 0 or NaN.
 */
export function priceToTick(price: number, decimals0: number, decimals1: number): number {
  if (!(price > 0)) return kNaN;
  const raw = price * Math.pow(10, decimals1 - decimals0) * (1 + 1e-12);
  let t = Math.floor(Math.log(raw) / kLnTickBase);
  if (Math.exp((t + 1) * kLnTickBase) <= raw) t += 1;
  else if (Math.exp(t * kLnTickBase) > raw) t -= 1;
  return t < kMinTick ? kMinTick : t > kMaxTick ? kMaxTick : t;
}

// ---------------------------------------------------------------------------------------------
// Uniswap V3: swap inside one liquidity range

// Output layout of v3SwapWithinRange (Float64Array of kV3SwapOutLength):
/** Amount of the output token received. */
export const kV3AmountOut = 0;
/** Input consumed, fee included (≤ amountIn; less when the range boundary is reached). */
export const kV3AmountInUsed = 1;
/** Fee paid out of the input. */
export const kV3FeePaid = 2;
/** √P after the swap (same scaling as the sqrtPrice argument). */
export const kV3SqrtPriceAfter = 3;
/** 1 when the swap stopped at the range boundary (sqrtPriceLimit), else 0. */
export const kV3ReachedLimit = 4;
export const kV3SwapOutLength = 5;

/**
 * Swap inside one V3 liquidity range (no tick crossing). Units: amounts in token base units,
 * sqrtPrice = √(token1 per token0, base units) = sqrtPriceX96/2^96, liquidity L in the pool's units
 * (√(token0·token1) base units). The fee is taken from the input first: a = amountIn·(1 − fee).
 *
 * zeroForOne = true (token0 in, price falls, sqrtPriceLimit < sqrtPrice is the range's lower end):
 *   Δ(1/√P) = Δx/L ⇒ √P′ = L·√P/(L + a·√P);   out (token1) = L·(√P − √P′) = L·a·P/(L + a·√P)
 *   (the second form avoids the cancellation of √P − √P′).
 * zeroForOne = false (token1 in, price rises, sqrtPriceLimit > sqrtPrice is the range's upper end):
 *   Δ√P = Δy/L ⇒ √P′ = √P + a/L;              out (token0) = L·(1/√P − 1/√P′) = a/(√P·√P′).
 * When a would carry √P past the limit, the swap stops there: the input used is then the amount
 * that reaches the limit, grossed up for the fee (Δx = L·(1/√Pl − 1/√P) or Δy = L·(√Pl − √P),
 * divided by 1 − fee), and the rest is left for the next range.
 * Inside a range the pool behaves as a constant-product pool with virtual reserves x = L/√P,
 * y = L·√P; the tests check this against cpAmountOut.
 * L = 0: nothing is swapped and √P moves to the limit (reached = 1), as the pool does when it
 * steps over an empty range. Writes kV3SwapOutLength values and returns true (a boolean, not the
 * amount, so that a call V8 does not inline returns no boxed double).
 * Invalid input (NaN, amountIn < 0, sqrtPrice ≤ 0, a limit on the wrong side, fee outside [0, 1),
 * L < 0) writes NaN everywhere and returns false.
 */
export function v3SwapWithinRange(
  out: Float64Array, amountIn: number, zeroForOne: boolean, liquidity: number, sqrtPrice: number,
  sqrtPriceLimit: number, fee: number,
): boolean {
  const ok = amountIn >= 0 && liquidity >= 0 && sqrtPrice > 0 && sqrtPrice < kInfinity && fee >= 0 && fee < 1 &&
    (zeroForOne ? sqrtPriceLimit > 0 && sqrtPriceLimit <= sqrtPrice : sqrtPriceLimit >= sqrtPrice);
  if (!ok) {
    out.fill(kNaN, 0, kV3SwapOutLength);
    return false;
  }
  const gamma = 1 - fee;
  const a = amountIn * gamma;
  const L = liquidity;
  let amountOut: number, used: number, sqrtAfter: number, reached: number;
  if (L === 0) {
    amountOut = 0; used = 0; sqrtAfter = sqrtPriceLimit; reached = 1;
  } else if (zeroForOne) {
    const maxIn = L * (1 / sqrtPriceLimit - 1 / sqrtPrice); // token0 (net of fee) to reach the limit
    if (a >= maxIn) {
      sqrtAfter = sqrtPriceLimit;
      amountOut = L * (sqrtPrice - sqrtPriceLimit);
      used = maxIn / gamma;
      reached = 1;
    } else {
      const denom = L + a * sqrtPrice;
      sqrtAfter = (L * sqrtPrice) / denom;
      amountOut = (L * a * sqrtPrice * sqrtPrice) / denom;
      used = amountIn;
      reached = 0;
    }
  } else {
    const maxIn = L * (sqrtPriceLimit - sqrtPrice); // token1 (net of fee) to reach the limit
    if (a >= maxIn) {
      sqrtAfter = sqrtPriceLimit;
      amountOut = maxIn / (sqrtPrice * sqrtPriceLimit);
      used = maxIn / gamma;
      reached = 1;
    } else {
      sqrtAfter = sqrtPrice + a / L;
      amountOut = a / (sqrtPrice * sqrtAfter);
      used = amountIn;
      reached = 0;
    }
  }
  if (used > amountIn) used = amountIn; // a ≥ maxIn by rounding only
  out[kV3AmountOut] = amountOut;
  out[kV3AmountInUsed] = used;
  out[kV3FeePaid] = used * fee;
  out[kV3SqrtPriceAfter] = sqrtAfter;
  out[kV3ReachedLimit] = reached;
  return true;
}

// ---------------------------------------------------------------------------------------------

function validDecimals(d: number): boolean {
  return Number.isInteger(d) && d >= 0 && d <= 255;
}

/** Bit length of a positive bigint. */
function bitLength(v: bigint): number {
  const hex = v.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

/**
 * num/den (both ≥ 0, den > 0) as a double within 1 ulp: the quotient is taken with 64 significant
 * bits in bigint, converted (Number() rounds to nearest) and scaled by a power of two.
 */
function bigRatioToNumber(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const shift = 64 - (bitLength(num) - bitLength(den)); // quotient gets 64–65 bits
  const q = shift >= 0 ? (num << BigInt(shift)) / den : num / (den << BigInt(-shift));
  // scale by 2^-shift in two steps so that neither factor under- or overflows on its own
  const half = Math.trunc(shift / 2);
  return Number(q) * Math.pow(2, -half) * Math.pow(2, half - shift);
}
