// Impermanent loss: the value of a liquidity position against simply holding the tokens it was
// opened with, for a full-range constant-product pool and for a concentrated range [pa, pb].
// Fees earned are not included (add them separately). Prices are of token X in token Y.

// NaN and Infinity as module constants: V8 keeps a computed double unboxed where it meets one
// of these on a return path, but boxes it (allocates) where it meets the global NaN or Infinity.
const kNaN = NaN;
const kInfinity = Infinity;

/**
 * Constant-product impermanent loss for a price ratio r = P1/P0 (dimensionless, fraction):
 *   IL(r) = 2·√r/(1 + r) − 1   (≤ 0; 0 at r = 1).
 * From V_LP ∝ √P (x = √(k/P), y = √(k·P), V = x·P + y = 2·√(k·P)) against
 * V_HODL = x0·P1 + y0 = √(k/P0)·(P1 + P0).
 * r = 4 gives −0.2, r = 2 gives −0.0571910. r = 0 and r = ∞ give −1. Negative r or NaN → NaN.
 */
export function ilConstantProduct(r: number): number {
  if (!(r >= 0)) return kNaN;
  if (r === kInfinity) return -1;
  return (2 * Math.sqrt(r)) / (1 + r) - 1;
}

// Output layout of clAmounts (Float64Array of kClAmountsLength):
/** Token X held by the position. */
export const kClAmountX = 0;
/** Token Y held by the position. */
export const kClAmountY = 1;
export const kClAmountsLength = 2;

/**
 * Token amounts of a concentrated position with liquidity L on [pa, pb] at price p (Y per X):
 *   p ≤ pa:       x = L·(1/√pa − 1/√pb),  y = 0           (all X below the range)
 *   pa < p < pb:  x = L·(1/√p − 1/√pb),   y = L·(√p − √pa)
 *   p ≥ pb:       x = 0,                  y = L·(√pb − √pa) (all Y above the range)
 * pa = 0 and pb = Infinity give the full range (x = L/√p, y = L·√p).
 * Units: L in √(X·Y); x in X, y in Y. Returns the position value x·p + y in Y.
 * Invalid input (L < 0, p ≤ 0, not 0 ≤ pa < pb, NaN) writes NaN and returns NaN.
 */
export function clAmounts(out: Float64Array, liquidity: number, price: number, pa: number, pb: number): number {
  if (!(liquidity >= 0 && price > 0 && price < kInfinity && pa >= 0 && pb > pa)) {
    out[kClAmountX] = kNaN;
    out[kClAmountY] = kNaN;
    return kNaN;
  }
  const sa = Math.sqrt(pa), sb = Math.sqrt(pb);
  // (1/sa with sa = 0 is Infinity, but it is only used when p ≤ pa, impossible for pa = 0)
  const s = price <= pa ? sa : price >= pb ? sb : Math.sqrt(price);
  const x = liquidity * (1 / s - 1 / sb);
  const y = liquidity * (s - sa);
  out[kClAmountX] = x;
  out[kClAmountY] = y;
  return x * price + y;
}

/**
 * Concentrated-liquidity impermanent loss (fraction, ≤ 0) for a position opened at price p0 on the
 * range [pa, pb] when the price moves to p1:
 *   IL = V_LP(p1) / V_HODL(p1) − 1,   V_LP(p1) = x1·p1 + y1,   V_HODL(p1) = x0·p1 + y0,
 * with (x0, y0) and (x1, y1) the position's amounts at p0 and p1 (clAmounts; L cancels).
 * The price may start or end outside the range: a position opened below pa holds only X, above pb
 * only Y; while the price stays on that side, IL = 0. Leaving the range on either side freezes
 * the position in one token, so IL is constant beyond the range.
 * pa = 0, pb = Infinity reproduces ilConstantProduct(p1/p0).
 * Invalid input (p0 or p1 ≤ 0, not 0 ≤ pa < pb, NaN) → NaN.
 */
export function ilConcentrated(p0: number, p1: number, pa: number, pb: number): number {
  const x = kIlScratch;
  x[kIlP0] = p0; x[kIlP1] = p1; x[kIlPa] = pa; x[kIlPb] = pb;
  ilConcentratedPacked(x);
  return x[kIlOut]!;
}

/** The inputs of ilConcentratedPacked, by index (the arguments of ilConcentrated, in order), and where it writes the loss. */
export const kIlP0 = 0, kIlP1 = 1, kIlPa = 2, kIlPb = 3, kIlOut = 4;
export const kIlSlots = 5;
const kIlScratch = new Float64Array(kIlSlots);

/**
 * ilConcentrated with its inputs in a Float64Array (indices kIl…) and the loss written to
 * x[kIlOut]: for a hot path that must not box doubles into the arguments or the return value of a
 * call V8 does not inline.
 */
export function ilConcentratedPacked(x: Float64Array): void {
  const p0 = x[kIlP0]!, p1 = x[kIlP1]!, pa = x[kIlPa]!, pb = x[kIlPb]!;
  if (!(p0 > 0 && p0 < kInfinity && p1 > 0 && p1 < kInfinity && pa >= 0 && pb > pa)) { x[kIlOut] = kNaN; return; }
  const sa = Math.sqrt(pa), sb = Math.sqrt(pb);
  const s0 = p0 <= pa ? sa : p0 >= pb ? sb : Math.sqrt(p0);
  const s1 = p1 <= pa ? sa : p1 >= pb ? sb : Math.sqrt(p1);
  // amounts per unit of liquidity
  const x0 = 1 / s0 - 1 / sb, y0 = s0 - sa;
  const x1 = 1 / s1 - 1 / sb, y1 = s1 - sa;
  x[kIlOut] = (x1 * p1 + y1) / (x0 * p1 + y0) - 1;
}
