// Liquidity provision: expected fee income against expected impermanent loss, for a full-range
// (constant-product, v2) position and for a concentrated (v3) range, and the range width and the
// size that maximise fee − loss.
//
// Model. The pool price p (token1 per token0) follows a driftless geometric Brownian motion with
// daily volatility σ: ln p_T ~ N(ln p₀ − s²/2, s²), s = σ·√T (T in days), so E[p_T] = p₀ (no view on
// direction). A range is symmetric in log price: [p₀·e^{−h}, p₀·e^{h}], h > 0 its log half-width.
//  - Expected loss: E[V_LP(p_T)]/V₀ − 1 where V_LP is the position's value (fees excluded); since
//    E[V_HODL(p_T)] = V₀, this is the expected impermanent loss in value, per unit of capital.
//    Closed form with truncated lognormal moments (below).  Full range: e^{−s²/8} − 1 ≈ −σ²T/8.
//  - Expected fees: a position earns the pool's fees in proportion to its share of the active
//    liquidity, while the price is inside its range. Per unit of capital its liquidity is
//    E(h) = 1/(1 − e^{−h/2}) times that of a full-range position (capital efficiency), so
//      fees/day per $ = G/TVL_full · E(h) · φ(h),
//    G the pool's fee income per day (volume × fee tier), TVL_full the full-range-equivalent value
//    of its active liquidity (for v3: the virtual reserves' value), φ(h) the expected fraction of
//    time in range over the horizon.
// Units: σ per √day, T in days, money in USD, rates per day unless "apr" says per year.

import { kInvSqrt2Pi as kInvSqrt2PiExported, normalCdf } from './stats.ts';

const kNaN = NaN;
// A module-private copy: an optimized function that reads an imported binding holding a
// non-integer number allocates a heap number per read.
const kInvSqrt2Pi = kInvSqrt2PiExported;

// The range search calls these functions several hundred times per pool; V8 inlines only some of
// those calls, and a call it does not inline passes and returns its numbers as heap objects (16 B
// each). So the functions below hand their numbers to one another through this module's scratch
// array (each function its own indices), and the exported ones are thin wrappers around them.
const kW = new Float64Array(16);
const kTmM = 0, kTmS = 1, kTmLnA = 2, kTmLnB = 3, kTmOut = 4; // truncatedMomentW
const kIlS = 5, kIlH = 6, kIlOut = 7; // expectedIlRangeW
const kIrS = 8, kIrH = 9, kIrOut = 10; // inRangeFractionW
const kEvFee = 11, kEvSigma = 12, kEvT = 13, kEvH = 14; // evaluateRangeW

/** Capital efficiency of a range of log half-width h against full range: 1/(1 − e^{−h/2}). */
export function capitalEfficiency(h: number): number {
  if (!(h > 0)) return kNaN;
  if (h === Infinity) return 1;
  return 1 / -Math.expm1(-h / 2);
}

/**
 * E[p^k · 1{a < p < b}] for ln p ~ N(m, s²): e^{km + k²s²/2}·[Φ((ln b − m − ks²)/s) − Φ((ln a − m − ks²)/s)].
 * a = 0 and b = Infinity give the full moment. s > 0.
 */
function truncatedMomentW(k: number): void {
  const m = kW[kTmM]!, s = kW[kTmS]!, lnA = kW[kTmLnA]!, lnB = kW[kTmLnB]!;
  const shift = m + k * s * s;
  const hi = lnB === Infinity ? 1 : cdf((lnB - shift) / s);
  const lo = lnA === -Infinity ? 0 : cdf((lnA - shift) / s);
  kW[kTmOut] = Math.exp(k * m + 0.5 * k * k * s * s) * (hi - lo);
}


/** Φ(x), with the far tails (where Φ rounds to 0 or 1 in double precision) answered at once. */
function cdf(x: number): number {
  if (x > 8.3) return 1;
  if (x < -37.5) return 0;
  return normalCdf(x);
}

/**
 * Expected impermanent loss (≤ 0, fraction of the capital) of a position on [p₀e^{−h}, p₀e^{h}]
 * opened at p₀ when the price is lognormal with total volatility s = σ√T after T days. With
 * p₀ = 1 (the result does not depend on p₀), a = e^{−h}, b = e^{h}, liquidity L = 1:
 *   V_LP(p) = x_max·p                  for p ≤ a,   x_max = 1/√a − 1/√b
 *           = 2√p − √a − p/√b          for a < p < b
 *           = y_max                    for p ≥ b,   y_max = √b − √a
 *   E[V_LP] = x_max·E[p; p ≤ a] + 2E[√p; a<p<b] − √a·P(a<p<b) − E[p; a<p<b]/√b + y_max·P(p ≥ b)
 *   V₀ = 2 − √a − 1/√b,  loss = E[V_LP]/V₀ − 1.
 * h = Infinity is the full range: e^{−s²/8} − 1. s = 0 gives 0. NaN for h ≤ 0 or s < 0.
 */
export function expectedIlRange(s: number, h: number): number {
  kW[kIlS] = s; kW[kIlH] = h;
  expectedIlRangeW();
  return kW[kIlOut]!;
}

/** expectedIlRange of kW[kIlS], kW[kIlH], written to kW[kIlOut]. */
function expectedIlRangeW(): void {
  const s = kW[kIlS]!, h = kW[kIlH]!;
  if (!(s >= 0 && h > 0)) { kW[kIlOut] = kNaN; return; }
  if (s === 0) { kW[kIlOut] = 0; return; }
  if (h === Infinity) { kW[kIlOut] = Math.expm1(-s * s / 8); return; }
  const m = -0.5 * s * s;
  const sa = Math.exp(-h / 2), sb = Math.exp(h / 2); // √a, √b
  const lnA = -h, lnB = h;
  const xMax = 1 / sa - 1 / sb, yMax = sb - sa;
  kW[kTmM] = m; kW[kTmS] = s;
  kW[kTmLnA] = -Infinity; kW[kTmLnB] = lnA; truncatedMomentW(1);
  const below = xMax * kW[kTmOut]!;
  kW[kTmLnA] = lnA; kW[kTmLnB] = lnB;
  truncatedMomentW(0.5);
  const half = kW[kTmOut]!;
  truncatedMomentW(0);
  const zero = kW[kTmOut]!;
  truncatedMomentW(1);
  const one = kW[kTmOut]!;
  const inside = 2 * half - sa * zero - one / sb;
  kW[kTmLnA] = lnB; kW[kTmLnB] = Infinity; truncatedMomentW(0);
  const above = yMax * kW[kTmOut]!;
  const v0 = 2 - sa - 1 / sb;
  kW[kIlOut] = (below + inside + above) / v0 - 1;
}

/**
 * Expected fraction of [0, T] that the log price spends inside [p₀e^{−h}, p₀e^{h}], for a driftless
 * log price with daily volatility σ (sT = σ√T):
 *   φ = (1/T)∫₀ᵀ [2Φ(h/(σ√t)) − 1] dt = 2·[Φ(b) + b·φ(b) − b²·(1 − Φ(b))] − 1,   b = h/(σ√T)
 * (integration by parts of ∫Φ(a/√t)dt, then ∫_b^∞ φ(s)/s² ds = φ(b)/b − (1 − Φ(b))). The
 * martingale drift −σ²t/2 of the log price is left out here: it moves the centre of the
 * distribution by σ²T/2, 0.6 % of price over a week at 4 % daily σ, against ranges of several %.
 * 1 for h = Infinity or sT = 0; NaN for h ≤ 0 or sT < 0.
 */
export function inRangeFraction(sT: number, h: number): number {
  kW[kIrS] = sT; kW[kIrH] = h;
  inRangeFractionW();
  return kW[kIrOut]!;
}

/** inRangeFraction of kW[kIrS], kW[kIrH], written to kW[kIrOut]. */
function inRangeFractionW(): void {
  const sT = kW[kIrS]!, h = kW[kIrH]!;
  if (!(sT >= 0 && h > 0)) { kW[kIrOut] = kNaN; return; }
  if (h === Infinity || sT === 0) { kW[kIrOut] = 1; return; }
  const b = h / sT;
  if (b > 40) { kW[kIrOut] = 1; return; } // φ(b)·b and b²(1 − Φ(b)) underflow: always in range
  const c = normalCdf(b);
  const f = 2 * (c + b * kInvSqrt2Pi * Math.exp(-0.5 * b * b) - b * b * (1 - c)) - 1;
  kW[kIrOut] = f < 0 ? 0 : f > 1 ? 1 : f;
}

// Output layout of optimiseRange (Float64Array of kLpOutLength):
/** Log half-width h of the best range (Infinity: full range is best or the pool is v2). */
export const kLpHalfWidth = 0;
/** Expected fee income per $ over the horizon at that range (fraction). */
export const kLpFeeReturn = 1;
/** Expected impermanent loss per $ over the horizon (≥ 0, fraction). */
export const kLpIlCost = 2;
/** Net expected return per $ over the horizon: fee − loss (fraction, small positions). */
export const kLpNetReturn = 3;
/** Capital efficiency E(h) of the range. */
export const kLpEfficiency = 4;
/** Expected time in range φ(h). */
export const kLpInRange = 5;
export const kLpOutLength = 6;

/** Log half-widths tried by optimiseRange before refining: 0.1 % to e^3, log-spaced. */
const kGridPoints = 16;
const kGoldenSteps = 18;
const kInvPhi = 0.6180339887498949;

/**
 * Net expected return per $ of a range of log half-width h over T days (small position):
 *   fee = feeRatePerDay · E(h) · φ(h) · T,  loss = −expectedIlRange(σ√T, h),  net = fee − loss.
 * feeRatePerDay = G/TVL_full (fees the pool pays per day per $ of full-range liquidity).
 * Writes kLpOutLength values to out; returns the net.
 */
export function evaluateRange(out: Float64Array, feeRatePerDay: number, sigmaDaily: number, horizonDays: number, h: number): number {
  kW[kEvFee] = feeRatePerDay; kW[kEvSigma] = sigmaDaily; kW[kEvT] = horizonDays; kW[kEvH] = h;
  evaluateRangeW(out);
  return out[kLpNetReturn]!;
}

/** evaluateRange of kW[kEvFee], kW[kEvSigma], kW[kEvT], kW[kEvH] into `out` (the net at kLpNetReturn). */
function evaluateRangeW(out: Float64Array): void {
  const feeRatePerDay = kW[kEvFee]!, sigmaDaily = kW[kEvSigma]!, horizonDays = kW[kEvT]!, h = kW[kEvH]!;
  const sT = sigmaDaily * Math.sqrt(horizonDays);
  const eff = h > 0 ? (h === Infinity ? 1 : 1 / -Math.expm1(-h / 2)) : kNaN; // capitalEfficiency(h)
  kW[kIrS] = sT; kW[kIrH] = h; inRangeFractionW();
  const phi = kW[kIrOut]!;
  const fee = feeRatePerDay * eff * phi * horizonDays;
  kW[kIlS] = sT; kW[kIlH] = h; expectedIlRangeW();
  const loss = -kW[kIlOut]!;
  out[kLpHalfWidth] = h;
  out[kLpFeeReturn] = fee;
  out[kLpIlCost] = loss;
  out[kLpNetReturn] = fee - loss;
  out[kLpEfficiency] = eff;
  out[kLpInRange] = phi;
}

/**
 * The range that maximises fee − loss over T days for a concentrated-liquidity pool: a log-spaced
 * grid of half-widths from max(hMin, 0.001) to 3 (the price ×/÷ 20), refined by golden-section
 * search around the best grid point, then compared with the full range. hMin is the narrowest
 * range the pool allows (one tick spacing: tickSpacing·ln 1.0001). Writes the best range's
 * kLpOutLength values to out (full range: h = Infinity). scratch must hold kLpOutLength numbers.
 * NaN inputs or σ ≤ 0 write NaN and return NaN.
 */
export function optimiseRange(
  out: Float64Array, scratch: Float64Array, feeRatePerDay: number, sigmaDaily: number, horizonDays: number, hMin: number,
): number {
  if (!(feeRatePerDay >= 0 && sigmaDaily > 0 && horizonDays > 0 && hMin >= 0)) {
    out.fill(kNaN, 0, kLpOutLength);
    return kNaN;
  }
  const lo = Math.log(Math.max(hMin, 1e-3)), hi = Math.log(3);
  // every evaluation below is evaluateRange(·, feeRatePerDay, sigmaDaily, horizonDays, kW[kEvH])
  kW[kEvFee] = feeRatePerDay; kW[kEvSigma] = sigmaDaily; kW[kEvT] = horizonDays;
  let bestI = 0, best = -Infinity;
  for (let i = 0; i < kGridPoints; i++) {
    kW[kEvH] = Math.exp(lo + ((hi - lo) * i) / (kGridPoints - 1));
    evaluateRangeW(scratch);
    const v = scratch[kLpNetReturn]!;
    if (v > best) { best = v; bestI = i; }
  }
  // golden section on log h between the grid neighbours of the best point
  let a = lo + ((hi - lo) * Math.max(0, bestI - 1)) / (kGridPoints - 1);
  let b = lo + ((hi - lo) * Math.min(kGridPoints - 1, bestI + 1)) / (kGridPoints - 1);
  let c = b - kInvPhi * (b - a), d = a + kInvPhi * (b - a);
  kW[kEvH] = Math.exp(c); evaluateRangeW(scratch);
  let fc = scratch[kLpNetReturn]!;
  kW[kEvH] = Math.exp(d); evaluateRangeW(scratch);
  let fd = scratch[kLpNetReturn]!;
  for (let k = 0; k < kGoldenSteps; k++) {
    if (fc > fd) { b = d; d = c; fd = fc; c = b - kInvPhi * (b - a); kW[kEvH] = Math.exp(c); evaluateRangeW(scratch); fc = scratch[kLpNetReturn]!; }
    else { a = c; c = d; fc = fd; d = a + kInvPhi * (b - a); kW[kEvH] = Math.exp(d); evaluateRangeW(scratch); fd = scratch[kLpNetReturn]!; }
  }
  kW[kEvH] = Math.exp(0.5 * (a + b)); evaluateRangeW(out);
  let netBest = out[kLpNetReturn]!;
  const gridH = Math.exp(lo + ((hi - lo) * bestI) / (kGridPoints - 1));
  if (best > netBest) { kW[kEvH] = gridH; evaluateRangeW(out); netBest = out[kLpNetReturn]!; }
  kW[kEvH] = Infinity; evaluateRangeW(scratch);
  const full = scratch[kLpNetReturn]!;
  if (full > netBest) {
    for (let i = 0; i < kLpOutLength; i++) out[i] = scratch[i]!;
    return full;
  }
  return netBest;
}

/**
 * The position size (USD) that maximises net income when our liquidity dilutes the pool's:
 * with x in USD at capital efficiency E, our share of the fees is x·E/(TVL_full + x·E), so
 *   net(x) = G·φ·x·E/(TVL_full + x·E) − c·x,   c = loss + hurdle per $ over the horizon,
 *   net′(x) = 0 ⇒ x* = (√(G·φ·E·TVL_full/c) − TVL_full)/E   (0 when negative).
 * G: the pool's fee income over the horizon (USD), φ: time in range, c: per-$ cost over the same
 * horizon (fraction). Example: G = 10 000, φ = 1, E = 1, TVL = 1e6, c = 0.001: x* = 2.16 M.
 */
export function optimalLpSize(feesOverHorizonUsd: number, inRange: number, efficiency: number, tvlFullUsd: number, costPerDollar: number): number {
  if (!(feesOverHorizonUsd >= 0 && inRange >= 0 && efficiency > 0 && tvlFullUsd > 0 && costPerDollar > 0)) return 0;
  const x = (Math.sqrt((feesOverHorizonUsd * inRange * efficiency * tvlFullUsd) / costPerDollar) - tvlFullUsd) / efficiency;
  return x > 0 ? x : 0;
}
