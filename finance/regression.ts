// Least squares for statistical arbitrage: the hedge ratio of a pair fitted with mathjs, and the
// mean reversion of the fitted spread (an AR(1) / Dickey-Fuller regression on the residuals).
//
// These run on a schedule (the agent refits every few seconds of market time), not per tick. The
// pair fit works in module-level typed scratch and hands mathjs only 2 × 2 normal equations (the
// allocation left is mathjs's own). Per tick the agent only evaluates the spread and its z-score
// with the fitted numbers (spreadZ).
import { inv, lusolve } from 'mathjs';

const kNaN = NaN;
const kInfinity = Infinity;

/**
 * Ordinary least squares: β = (XᵀX)⁻¹·Xᵀy. The k × k normal equations are accumulated in plain
 * loops (one pass over the rows) and solved with mathjs (lusolve; inv for the standard errors).
 * X is n × k (rows of regressors, include a column of ones for an intercept), y has n values.
 * Returns the coefficients, the residual variance s² = SSR/(n − k) and the coefficients' standard
 * errors √(s²·diag((XᵀX)⁻¹)). Throws when n ≤ k or XᵀX is singular (mathjs's error).
 */
export function olsFit(X: number[][], y: number[]): { beta: number[]; residualVariance: number; stdErrors: number[]; ssr: number } {
  const n = X.length;
  const k = n > 0 ? X[0]!.length : 0;
  if (!(n > k && k > 0) || y.length !== n) throw new RangeError(`olsFit needs more rows than columns and one y per row (rows ${n}, columns ${k}, y ${y.length})`);
  const XtX: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const Xty = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const row = X[i]!;
    const yi = y[i]!;
    for (let a = 0; a < k; a++) {
      const xa = row[a]!;
      Xty[a]! += xa * yi;
      const r = XtX[a]!;
      for (let b = a; b < k; b++) r[b]! += xa * row[b]!;
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) XtX[a]![b] = XtX[b]![a]!;
  const sol = lusolve(XtX, Xty) as number[][];
  const beta = sol.map((r) => r[0]!);
  let ssr = 0;
  for (let i = 0; i < n; i++) {
    let fit = 0;
    for (let j = 0; j < k; j++) fit += X[i]![j]! * beta[j]!;
    const e = y[i]! - fit;
    ssr += e * e;
  }
  const s2 = ssr / (n - k);
  const XtXinv = inv(XtX) as number[][];
  return { beta, residualVariance: s2, stdErrors: beta.map((_, j) => Math.sqrt(s2 * XtXinv[j]![j]!)), ssr };
}

// Output layout of fitPairSpread (Float64Array of kPairFitLength):
/** Intercept α of y = α + β·x. */
export const kFitAlpha = 0;
/** Hedge ratio β: units of x's log price per unit of y's (the short leg's weight per long leg). */
export const kFitBeta = 1;
/** Standard deviation of the residual spread e = y − α − β·x (sample, n − 2). */
export const kFitSpreadSd = 2;
/** R² of the fit. */
export const kFitR2 = 3;
/** AR(1) coefficient φ of the residuals: e_t = c + φ·e_{t−1} + u_t. */
export const kFitPhi = 4;
/** Dickey-Fuller statistic (φ − 1)/se(φ): strongly negative for a mean-reverting spread. */
export const kFitDfStat = 5;
/** Half-life of a deviation, in samples: −ln 2/ln φ (∞ when φ ≥ 1, NaN when φ ≤ 0). */
export const kFitHalfLife = 6;
/** Samples used. */
export const kFitSamples = 7;
export const kPairFitLength = 8;

// Scratch of fitPairSpread (module-level, grown at the first refit of a longer window): the
// window's x and y, centred, and the residuals. A refit allocates only mathjs's 2 × 2 solves.
let sx = new Float64Array(0), sy = new Float64Array(0), se = new Float64Array(0);
// olsLine's output: intercept, slope, SSR, residual variance s², standard error of the slope
const kLine = new Float64Array(5);

/**
 * OLS of y[yAt + i] = b₀ + b₁·x[xAt + i] (i < n): the 2 × 2 normal equations accumulated in one
 * pass, solved with mathjs (lusolve; inv for the slope's standard error), then the SSR in a second
 * pass. Writes kLine. Throws when the system is singular (mathjs's error), as olsFit does.
 */
function olsLine(x: Float64Array, xAt: number, y: Float64Array, yAt: number, n: number): void {
  let s1 = 0, s2 = 0, t0 = 0, t1 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xAt + i]!, yi = y[yAt + i]!;
    s1 += xi; s2 += xi * xi; t0 += yi; t1 += xi * yi;
  }
  const XtX = [[n, s1], [s1, s2]];
  const sol = lusolve(XtX, [t0, t1]) as number[][];
  const b0 = sol[0]![0]!, b1 = sol[1]![0]!;
  let ssr = 0;
  for (let i = 0; i < n; i++) {
    const e = y[yAt + i]! - b0 - b1 * x[xAt + i]!;
    ssr += e * e;
  }
  const v = ssr / (n - 2);
  const inv11 = (inv(XtX) as number[][])[1]![1]!;
  kLine[0] = b0; kLine[1] = b1; kLine[2] = ssr; kLine[3] = v; kLine[4] = Math.sqrt(v * inv11);
}

/**
 * Fits the pair y = α + β·x + e over xs/ys[start .. start+n) (ring buffers: indices wrap modulo
 * the arrays' length) by OLS, then the residuals' AR(1) e_t = c + φ·e_{t−1} by OLS, each solved
 * with mathjs. Writes kPairFitLength values; returns false (and NaN fields) when n < 8, an input
 * is not finite, or x does not vary. The same numbers as olsFit on the explicit design matrices
 * (regression.test.ts checks it), without building them.
 * Units: whatever x and y are (here log prices); the spread is in y's units.
 */
export function fitPairSpread(out: Float64Array, ys: Float64Array, xs: Float64Array, start: number, n: number): boolean {
  out.fill(kNaN, 0, kPairFitLength);
  out[kFitSamples] = n;
  const len = ys.length;
  if (!(n >= 8 && n <= len && xs.length === len)) return false;
  if (sx.length < n) { sx = new Float64Array(n); sy = new Float64Array(n); se = new Float64Array(n); }
  let xMin = kInfinity, xMax = -kInfinity, xMean = 0, yMean = 0;
  for (let i = 0; i < n; i++) {
    const j = (start + i) % len;
    const xv = xs[j]!, yv = ys[j]!;
    if (!(Number.isFinite(xv) && Number.isFinite(yv))) return false;
    sx[i] = xv; sy[i] = yv;
    if (xv < xMin) xMin = xv;
    if (xv > xMax) xMax = xv;
    xMean += xv; yMean += yv;
  }
  if (!(xMax > xMin)) return false;
  // centred for conditioning (log prices vary by basis points around a level of 10 or so)
  xMean /= n;
  yMean /= n;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    sx[i] = sx[i]! - xMean;
    const yc = sy[i]! - yMean;
    sy[i] = yc;
    sst += yc * yc;
  }
  olsLine(sx, 0, sy, 0, n);
  const beta = kLine[1]!;
  const alpha = yMean + kLine[0]! - beta * xMean;
  const ssr = kLine[2]!;
  out[kFitAlpha] = alpha;
  out[kFitBeta] = beta;
  out[kFitSpreadSd] = Math.sqrt(kLine[3]!);
  out[kFitR2] = sst > 0 ? 1 - ssr / sst : kNaN;
  // AR(1) of the residuals e = y − α − β·x (centred: yc − b₀ − β·xc)
  for (let i = 0; i < n; i++) se[i] = sy[i]! - kLine[0]! - beta * sx[i]!;
  try { olsLine(se, 0, se, 1, n - 1); } catch { return false; }
  const phi = kLine[1]!;
  out[kFitPhi] = phi;
  out[kFitDfStat] = (phi - 1) / kLine[4]!;
  out[kFitHalfLife] = phi >= 1 ? kInfinity : phi > 0 ? -Math.LN2 / Math.log(phi) : kNaN;
  return true;
}

/**
 * The spread of a fitted pair now and its z-score against the fit: e = y − α − β·x,
 * z = e / sd (the OLS residuals have mean 0). Writes [e, z] to out. NaN when sd ≤ 0 or NaN input.
 */
export function spreadZ(out: Float64Array, y: number, x: number, alpha: number, beta: number, sd: number): void {
  const e = y - alpha - beta * x;
  out[0] = e;
  out[1] = sd > 0 ? e / sd : kNaN;
}

/**
 * Expected time (same unit as the half-life) for a deviation to decay from |z| to the exit level
 * |zExit| under AR(1) mean reversion: halfLife · log₂(|z|/zExit). 0 when already inside.
 */
export function timeToRevert(z: number, zExit: number, halfLife: number): number {
  const a = Math.abs(z);
  if (!(zExit > 0) || !(halfLife >= 0)) return kNaN;
  if (a <= zExit) return 0;
  return halfLife * Math.log2(a / zExit);
}
