// Statistics for the agents' hot paths: range moments, online (Welford) moments, the RiskMetrics
// EWMA variance, and the standard normal distribution (pdf, cdf, inverse cdf, z-score).
// Every function takes scalars or a Float64Array range and returns a scalar; nothing allocates.

// NaN and Infinity as module constants: V8 keeps a computed double unboxed where it meets one
// of these on a return path, but boxes it (allocates) where it meets the global NaN or Infinity.
const kNaN = NaN;
const kInfinity = Infinity;

// Read by this module's hot functions from module-private constants: an optimized function that
// reads an exported binding holding a non-integer number allocates a heap number per read.
const kInvSqrt2PiLocal = 0.3989422804014327;
const kSqrt2PiLocal = 2.5066282746310002;
/** 1/√(2π). */
export const kInvSqrt2Pi = kInvSqrt2PiLocal;
/** √(2π). */
export const kSqrt2Pi = kSqrt2PiLocal;
// Defaults of hot functions are module-local constants: V8 boxes a default read from an exported
// binding (allocation per call), not one read from a local const.
const kDefaultLambda = 0.94;
/** RiskMetrics (J.P. Morgan/Reuters, 1996) decay factor for daily data. */
export const kRiskMetricsLambda = kDefaultLambda;

/**
 * Arithmetic mean of xs[start..end) (half-open range): (1/n)·Σ xs[i], n = end − start.
 * Units: those of xs. Returns NaN for an empty or out-of-bounds range.
 */
export function mean(xs: Float64Array, start: number, end: number): number {
  if (!(start >= 0 && end <= xs.length && end > start)) return kNaN;
  let sum = 0;
  for (let i = start; i < end; i++) sum += xs[i]!;
  return sum / (end - start);
}

/**
 * Variance of xs[start..end) by two passes (mean first, then the sum of squared deviations, which
 * avoids the cancellation of Σx² − n·x̄²): Σ (xs[i] − x̄)² / (n − ddof).
 * ddof = 1 gives the unbiased sample variance, ddof = 0 the population variance.
 * Units: those of xs, squared. Returns NaN when n − ddof ≤ 0 or the range is invalid.
 */
export function variance(xs: Float64Array, start: number, end: number, ddof: number): number {
  const n = end - start;
  if (!(start >= 0 && end <= xs.length && n > 0 && n - ddof > 0 && ddof >= 0)) return kNaN;
  const m = mean(xs, start, end);
  let ss = 0;
  for (let i = start; i < end; i++) {
    const d = xs[i]! - m;
    ss += d * d;
  }
  return ss / (n - ddof);
}

// Welford online moments. State layout (a Float64Array of kWelfordStateLength, caller-owned):
/** Number of observations seen. */
export const kWelfordCount = 0;
/** Running mean. */
export const kWelfordMean = 1;
/** Running sum of squared deviations from the mean, M2 = Σ (x − x̄)². */
export const kWelfordM2 = 2;
export const kWelfordStateLength = 3;

/** Resets a Welford state to "no observations". */
export function welfordReset(state: Float64Array): void {
  state[kWelfordCount] = 0;
  state[kWelfordMean] = 0;
  state[kWelfordM2] = 0;
}

/**
 * Adds one observation x to a Welford state (Welford 1962; Knuth TAOCP vol. 2, 4.2.2):
 * n ← n + 1; δ = x − x̄; x̄ ← x̄ + δ/n; M2 ← M2 + δ·(x − x̄_new).
 * A NaN or infinite x is ignored (returns false) so one bad tick does not poison the state.
 */
export function welfordUpdate(state: Float64Array, x: number): boolean {
  if (!Number.isFinite(x)) return false;
  const n = state[kWelfordCount]! + 1;
  const m = state[kWelfordMean]!;
  const delta = x - m;
  const mNew = m + delta / n;
  state[kWelfordCount] = n;
  state[kWelfordMean] = mNew;
  state[kWelfordM2] = state[kWelfordM2]! + delta * (x - mNew);
  return true;
}

/**
 * Variance from a Welford state: M2 / (n − ddof) (ddof = 1: sample, 0: population).
 * Returns NaN when n − ddof ≤ 0.
 */
export function welfordVariance(state: Float64Array, ddof: number): number {
  const d = state[kWelfordCount]! - ddof;
  return d > 0 ? state[kWelfordM2]! / d : kNaN;
}

/**
 * One step of the exponentially weighted variance (RiskMetrics 1996, zero-mean returns):
 * σ²_t = λ·σ²_{t−1} + (1 − λ)·r²_t.
 * prevVar in return units squared (e.g. daily log return²), ret a return (e.g. 0.01 for 1 %),
 * λ in [0, 1) (default 0.94 for daily data). Seed with the first squared return or a sample
 * variance. Returns NaN for NaN inputs, a negative prevVar, or λ outside [0, 1).
 */
export function ewmaVariance(prevVar: number, ret: number, lambda: number = kDefaultLambda): number {
  if (!(prevVar >= 0) || !(lambda >= 0 && lambda < 1) || Number.isNaN(ret)) return kNaN;
  return lambda * prevVar + (1 - lambda) * ret * ret;
}

/** Standard normal density φ(x) = exp(−x²/2)/√(2π). Dimensionless. */
export function normalPdf(x: number): number {
  return kInvSqrt2PiLocal * Math.exp(-0.5 * x * x);
}

// Continued-fraction term count for the tail, |x| ≥ kCdfTailStart. Checked against a 40-digit
// reference: relative error ≤ 2e-15 for 4 ≤ |x| ≤ 37.
const kCdfTailStart = 4;
const kCdfTailTerms = 40;

/**
 * Standard normal cdf Φ(x) = P(Z ≤ x).
 * |x| < 4: Hart's rational approximation (J. F. Hart et al., "Computer Approximations", Wiley 1968,
 * algorithm 5666), as given in G. West, "Better approximations to cumulative normal functions",
 * Wilmott Magazine (2005): Φ(−|x|) = exp(−x²/2)·P(|x|)/Q(|x|), P of degree 6 and Q of degree 7.
 * |x| ≥ 4: Laplace's continued fraction (Abramowitz & Stegun 26.2.14 in its Φ form)
 * Φ(−x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))), evaluated bottom-up with 40 terms.
 * Accuracy (against a 40-digit reference): absolute error ≤ 3e-16 everywhere; relative error of the
 * smaller tail ≤ 3e-13 for |x| < 4 and ≤ 2e-15 beyond. Φ(x) = 0 for x < −37.5 (underflow), 1 above
 * 8.3 (rounding). NaN → NaN.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return kNaN;
  const xa = Math.abs(x);
  let tail: number; // Φ(−|x|)
  if (xa > 37.5) {
    tail = 0;
  } else if (xa < kCdfTailStart) {
    const e = Math.exp(-0.5 * xa * xa);
    let p = 0.0352624965998911 * xa + 0.700383064443688;
    p = p * xa + 6.37396220353165;
    p = p * xa + 33.912866078383;
    p = p * xa + 112.079291497871;
    p = p * xa + 221.213596169931;
    p = p * xa + 220.206867912376;
    let q = 0.0883883476483184 * xa + 1.75566716318264;
    q = q * xa + 16.064177579207;
    q = q * xa + 86.7807322029461;
    q = q * xa + 296.564248779674;
    q = q * xa + 637.333633378831;
    q = q * xa + 793.826512519948;
    q = q * xa + 440.413735824752;
    tail = (e * p) / q;
  } else {
    let b = xa;
    for (let k = kCdfTailTerms; k >= 1; k--) b = xa + k / b;
    tail = normalPdf(xa) / b;
  }
  return x > 0 ? 1 - tail : tail;
}

// Acklam's rational approximation coefficients (P. J. Acklam, "An algorithm for computing the
// inverse normal cumulative distribution function", 2003; relative error ≤ 1.15e-9 before the
// refinement step below).
const kA0 = -3.969683028665376e1, kA1 = 2.209460984245205e2, kA2 = -2.759285104469687e2;
const kA3 = 1.38357751867269e2, kA4 = -3.066479806614716e1, kA5 = 2.506628277459239;
const kB0 = -5.447609879822406e1, kB1 = 1.615858368580409e2, kB2 = -1.556989798598866e2;
const kB3 = 6.680131188771972e1, kB4 = -1.328068155288572e1;
const kC0 = -7.784894002430293e-3, kC1 = -3.223964580411365e-1, kC2 = -2.400758277161838;
const kC3 = -2.549732539343734, kC4 = 4.374664141464968, kC5 = 2.938163982698783;
const kD0 = 7.784695709041462e-3, kD1 = 3.224671290700398e-1, kD2 = 2.445134137142996;
const kD3 = 3.754408661907416;
const kAcklamLow = 0.02425;

/**
 * Inverse standard normal cdf z = Φ⁻¹(p), p in (0, 1).
 * Acklam's algorithm (rational function in p − ½ for the central region, in √(−2·ln p) for the
 * tails, p < 0.02425 or p > 0.97575), then one Halley step against normalCdf:
 * e = Φ(z) − p, u = e·√(2π)·exp(z²/2), z ← z − u/(1 + z·u/2),
 * which takes the 1.15e-9 relative error to about machine precision (≤ 1e-15 relative in the
 * tests). Returns −∞ for p = 0, +∞ for p = 1, NaN outside [0, 1] or for NaN.
 */
export function normalInv(p: number): number {
  const io = kInvHandOver;
  io[0] = p;
  normalInvThrough(io);
  return io[1]!;
}

// Per-thread hand-over for normalInv: the algorithm below is too large for V8 to inline, and V8
// boxes (allocates) a computed double passed to or returned from a call it does not inline. The
// small wrapper above is inlined and passes p in io[0] and z back in io[1].
const kInvHandOver = new Float64Array(2);

/** The algorithm of normalInv: reads p from io[0], writes z to io[1]. */
function normalInvThrough(io: Float64Array): void {
  const p = io[0]!;
  let z: number;
  if (!(p >= 0 && p <= 1)) {
    z = kNaN;
  } else if (p === 0) {
    z = -kInfinity;
  } else if (p === 1) {
    z = kInfinity;
  } else {
    if (p < kAcklamLow) {
      const q = Math.sqrt(-2 * Math.log(p));
      z = (((((kC0 * q + kC1) * q + kC2) * q + kC3) * q + kC4) * q + kC5) /
        ((((kD0 * q + kD1) * q + kD2) * q + kD3) * q + 1);
    } else if (p <= 1 - kAcklamLow) {
      const q = p - 0.5;
      const r = q * q;
      z = ((((((kA0 * r + kA1) * r + kA2) * r + kA3) * r + kA4) * r + kA5) * q) /
        (((((kB0 * r + kB1) * r + kB2) * r + kB3) * r + kB4) * r + 1);
    } else {
      const q = Math.sqrt(-2 * Math.log1p(-p));
      z = -(((((kC0 * q + kC1) * q + kC2) * q + kC3) * q + kC4) * q + kC5) /
        ((((kD0 * q + kD1) * q + kD2) * q + kD3) * q + 1);
    }
    // Halley refinement; skipped where exp(z²/2) would overflow (|z| > 37.6, p below ~1e-309).
    const u = (normalCdf(z) - p) * kSqrt2PiLocal * Math.exp(0.5 * z * z);
    if (Number.isFinite(u)) z = z - u / (1 + 0.5 * z * u);
  }
  io[1] = z;
}

/**
 * z-score (x − mean)/sd, dimensionless. Returns NaN when sd ≤ 0 or any input is NaN.
 */
export function zScore(x: number, mu: number, sd: number): number {
  if (!(sd > 0)) return kNaN;
  return (x - mu) / sd;
}
