// Least squares for statistical arbitrage: the hedge ratio of a pair fitted with mathjs, and the
// mean reversion of the fitted spread (an AR(1) / Dickey-Fuller regression on the residuals).
//
// These run on a schedule (the agent refits every few seconds of market time), not per tick. The
// pair fit works in module-level typed scratch and solves its 2 × 2 normal equations with solve2,
// the operations of mathjs's lusolve written out for 2 × 2 (the same bits, no allocation). olsFit,
// the general k-column fit, keeps mathjs. Per tick the agent only evaluates the spread and its
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

// Scratch of fitPairSpread (module-level, grown at the first refit of a longer window): the
// window's x and y, centred, and the residuals. A refit allocates nothing.
let sx = new Float64Array(0), sy = new Float64Array(0), se = new Float64Array(0);
// olsLine's output: intercept, slope, SSR, residual variance s², standard error of the slope
const kLine = new Float64Array(5);
// solve2's output: the solution of the 2 × 2 system
const kSol = new Float64Array(2);

// mathjs's default tolerances (config relTol, absTol), with which its scalar comparisons decide.
const kRelTol = 1e-12;
const kAbsTol = 1e-15;

/** mathjs's nearlyEqual(a, b, relTol, absTol) for numbers. */
function nearlyEqual(a: number, b: number): boolean {
  if (a !== a || b !== b) return false;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  if (a === b) return true;
  return Math.abs(a - b) <= Math.max(kRelTol * Math.max(Math.abs(a), Math.abs(b)), kAbsTol);
}

/** mathjs's larger(x, y) for numbers. */
const larger = (x: number, y: number): boolean => x > y && !nearlyEqual(x, y);

const kSingular = 'Linear system cannot be solved since matrix is singular';

/**
 * Solves [[a, b], [c, d]]·x = [e, f] into kSol with the very operations, in the same order, of
 * mathjs's lusolve on this system — LU with partial pivoting (lup: a pivot is larger only beyond
 * mathjs's tolerances; an entry below L's diagonal nearly 0 is left undivided), the row
 * permutation of the right-hand side, forward substitution through L, backward through U (a right-
 * hand value nearly 0 gives 0) — so the result is the same to the last bit (regression.test.ts
 * compares them), without the matrices mathjs allocates. Throws mathjs's error when singular.
 */
export function solve2(a: number, b: number, c: number, d: number, e: number, f: number): Float64Array {
  // lup, column 0: the pivot, then L's entry below it
  let u00 = a, u01 = b, l10 = c, u11 = d, r0 = e, r1 = f;
  let pabsv = 0, vjj = 0, swap = false;
  if (larger(Math.abs(u00), pabsv)) { pabsv = Math.abs(u00); vjj = u00; }
  if (larger(Math.abs(l10), pabsv)) { vjj = l10; swap = true; }
  if (swap) { u00 = c; u01 = d; l10 = a; u11 = b; r0 = f; r1 = e; }
  if (!nearlyEqual(l10, 0)) l10 = l10 / vjj;
  // column 1
  u01 = u01 - 0;
  u11 = u11 - (0 + l10 * u01);
  // L·y = P·rhs (L has a unit diagonal)
  let y0 = r0 || 0, y1 = r1 || 0;
  if (!nearlyEqual(y0, 0)) { y0 = y0 / 1; y1 = y1 - y0 * l10; } else y0 = 0;
  y1 = y1 || 0;
  y1 = nearlyEqual(y1, 0) ? 0 : y1 / 1;
  // U·x = y
  let x1 = 0, x0 = 0;
  if (!nearlyEqual(y1, 0)) {
    if (nearlyEqual(u11, 0)) throw new Error(kSingular);
    x1 = y1 / u11;
    y0 = (y0 || 0) - x1 * u01;
  }
  y0 = y0 || 0;
  if (!nearlyEqual(y0, 0)) {
    if (nearlyEqual(u00, 0)) throw new Error(kSingular);
    x0 = y0 / u00;
  }
  kSol[0] = x0; kSol[1] = x1;
  return kSol;
}

/**
 * OLS of y[yAt + i] = b₀ + b₁·x[xAt + i] (i < n): the 2 × 2 normal equations accumulated in one
 * pass and solved as mathjs's lusolve solves them (solve2; the slope's standard error from the
 * inverse's [1][1] entry as mathjs's inv computes a 2 × 2 inverse: [0][0] / det), then the SSR in
 * a second pass. Writes kLine; allocates nothing. Throws when the system is singular (mathjs's
 * errors), as olsFit does.
 */
function olsLine(x: Float64Array, xAt: number, y: Float64Array, yAt: number, n: number): void {
  let s1 = 0, s2 = 0, t0 = 0, t1 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xAt + i]!, yi = y[yAt + i]!;
    s1 += xi; s2 += xi * xi; t0 += yi; t1 += xi * yi;
  }
  const sol = solve2(n, s1, s1, s2, t0, t1);
  const b0 = sol[0]!, b1 = sol[1]!;
  let ssr = 0;
  for (let i = 0; i < n; i++) {
    const e = y[yAt + i]! - b0 - b1 * x[xAt + i]!;
    ssr += e * e;
  }
  const v = ssr / (n - 2);
  const det = n * s2 - s1 * s1; // mathjs's det of a 2 × 2: a·d − c·b
  if (det === 0) throw new Error('Cannot calculate inverse, determinant is zero');
  const inv11 = n / det;
  kLine[0] = b0; kLine[1] = b1; kLine[2] = ssr; kLine[3] = v; kLine[4] = Math.sqrt(v * inv11);
}

/**
 * Fits the pair y = α + β·x + e over xs/ys[start .. start+n) (ring buffers: indices wrap modulo
 * the arrays' length) by OLS, then the residuals' AR(1) e_t = c + φ·e_{t−1} by OLS, each solved
 * as mathjs solves it (solve2). Writes kPairFitLength values; returns false (and NaN fields) when n < 8, an input
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
