// Least squares for statistical arbitrage: the hedge ratio of a pair fitted with mathjs, and the
// mean reversion of the fitted spread (an AR(1) / Dickey-Fuller regression on the residuals).
//
// These run on a schedule (the agent refits every few seconds of market time), not per tick:
// mathjs builds matrices and allocates. Per tick the agent only evaluates the spread and its
// z-score with the fitted numbers (spreadZ).
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

/**
 * Fits the pair y = α + β·x + e over xs/ys[start .. start+n) (ring buffers: indices wrap modulo
 * the arrays' length) by OLS, then the residuals' AR(1) e_t = c + φ·e_{t−1} by OLS, each with
 * mathjs. Writes kPairFitLength values; returns false (and NaN fields) when n < 8, an input is not
 * finite, or x does not vary.
 * Units: whatever x and y are (here log prices); the spread is in y's units.
 */
export function fitPairSpread(out: Float64Array, ys: Float64Array, xs: Float64Array, start: number, n: number): boolean {
  out.fill(kNaN, 0, kPairFitLength);
  out[kFitSamples] = n;
  const len = ys.length;
  if (!(n >= 8 && n <= len && xs.length === len)) return false;
  const X: number[][] = new Array(n);
  const y: number[] = new Array(n);
  let xMin = kInfinity, xMax = -kInfinity;
  for (let i = 0; i < n; i++) {
    const j = (start + i) % len;
    const xv = xs[j]!, yv = ys[j]!;
    if (!(Number.isFinite(xv) && Number.isFinite(yv))) return false;
    X[i] = [1, xv];
    y[i] = yv;
    if (xv < xMin) xMin = xv;
    if (xv > xMax) xMax = xv;
  }
  if (!(xMax > xMin)) return false;
  // centred for conditioning (log prices vary by basis points around a level of 10 or so)
  let xMean = 0, yMean = 0;
  for (let i = 0; i < n; i++) { xMean += X[i]![1]!; yMean += y[i]!; }
  xMean /= n;
  yMean /= n;
  const Xc: number[][] = new Array(n);
  const yc: number[] = new Array(n);
  for (let i = 0; i < n; i++) { Xc[i] = [1, X[i]![1]! - xMean]; yc[i] = y[i]! - yMean; }
  const fit = olsFit(Xc, yc);
  const beta = fit.beta[1]!;
  const alpha = yMean + fit.beta[0]! - beta * xMean;
  let sst = 0;
  const e = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    sst += yc[i]! * yc[i]!;
    e[i] = y[i]! - alpha - beta * X[i]![1]!;
  }
  out[kFitAlpha] = alpha;
  out[kFitBeta] = beta;
  out[kFitSpreadSd] = Math.sqrt(fit.residualVariance);
  out[kFitR2] = sst > 0 ? 1 - fit.ssr / sst : kNaN;
  // AR(1) of the residuals
  const Xa: number[][] = new Array(n - 1);
  const ya: number[] = new Array(n - 1);
  for (let i = 1; i < n; i++) { Xa[i - 1] = [1, e[i - 1]!]; ya[i - 1] = e[i]!; }
  let ar: ReturnType<typeof olsFit>;
  try { ar = olsFit(Xa, ya); } catch { return false; }
  const phi = ar.beta[1]!;
  out[kFitPhi] = phi;
  out[kFitDfStat] = (phi - 1) / ar.stdErrors[1]!;
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
