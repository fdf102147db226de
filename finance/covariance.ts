import type { Fields } from '../protocol/snapshot.ts';
// Co-movement of asset returns: an EWMA covariance matrix sampled on a clock, the correlation
// matrix it implies, and the eigenvalues of a small symmetric matrix (Jacobi) for the absorption
// ratio (how much of the total variance one common factor explains). Matrices are n×n row-major
// in flat Float64Arrays (m[i·n + j]); everything is preallocated by the caller or the constructor.
//
// Sampling. Assets tick at different times, so returns are taken on a common clock: at each
// sample every asset's log return since the previous sample, from its last known price (previous
// tick). With irregular sample intervals Δt the matrix is a ratio estimator, as TickVolatility is
// for one series:
//   Aᵢⱼ ← λ·Aᵢⱼ + (1 − λ)·rᵢ·rⱼ,    Bᵢ ← λ·Bᵢ + (1 − λ)·Δt   (Bᵢ only once asset i has a price)
//   Σᵢⱼ (per µs) = Aᵢⱼ / √(Bᵢ·Bⱼ)
// A and B start at zero, so the weights of A and Bᵢ match from an asset's first return (no seed
// bias). Σ = D·A·D with D = diag(1/√Bᵢ) is a congruence of the positive semi-definite A, so Σ is
// positive semi-definite too, also while assets join late. With evenly spaced samples this is the
// RiskMetrics (1996) EWMA covariance, zero-mean returns.

const kNaN = NaN;

// (a module-private copy for the hot path: an optimized function that reads an exported binding
// holding a non-integer number allocates a heap number per read)
const kUsPerDayLocal = 86_400_000_000;
/** µs per day (covariances are reported per day). */
export const kUsPerDay = kUsPerDayLocal;

export class EwmaCovariance {
  readonly n: number;
  readonly lambda: number;
  /** EWMA of rᵢ·rⱼ (n×n). */
  readonly a: Float64Array;
  /** EWMA of the sample interval (µs) per asset, from its first return. */
  readonly b: Float64Array;
  /** Returns seen per asset. */
  readonly count: Int32Array;
  /** The last sample's returns (0 for an asset without two prices yet). */
  readonly lastReturn: Float64Array;
  readonly #lastLogPrice: Float64Array;
  #lastTs = kNaN;
  /** Samples taken (the first one only sets the reference prices). */
  samples = 0;

  constructor(n: number, lambda: number) {
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`EwmaCovariance: n must be a positive integer, got ${n}`);
    if (!(lambda > 0 && lambda < 1)) throw new Error(`EwmaCovariance: lambda must be in (0, 1), got ${lambda}`);
    this.n = n;
    this.lambda = lambda;
    this.a = new Float64Array(n * n);
    this.b = new Float64Array(n);
    this.count = new Int32Array(n);
    this.lastReturn = new Float64Array(n);
    this.#lastLogPrice = new Float64Array(n).fill(kNaN);
  }

  /**
   * Takes one sample at tsUs of prices[0..n) (any positive unit per asset; NaN or ≤ 0 = unknown).
   * Returns false (and changes nothing) when tsUs is not after the previous sample.
   */
  sample(prices: Float64Array, tsUs: number): boolean {
    const n = this.n;
    const dt = tsUs - this.#lastTs;
    const first = this.#lastTs !== this.#lastTs;
    if (!first && !(dt > 0)) return false;
    const r = this.lastReturn;
    const lp = this.#lastLogPrice;
    for (let i = 0; i < n; i++) {
      const p = prices[i]!;
      const prev = lp[i]!;
      if (p > 0) {
        const l = Math.log(p);
        r[i] = !first && prev === prev ? l - prev : 0;
        if (!first && prev === prev) {
          this.b[i] = this.lambda * this.b[i]! + (1 - this.lambda) * dt;
          this.count[i] = this.count[i]! + 1;
        }
        lp[i] = l;
      } else {
        r[i] = 0;
      }
    }
    this.#lastTs = tsUs;
    this.samples++;
    if (first) return true;
    const lam = this.lambda, w = 1 - lam;
    const a = this.a;
    for (let i = 0; i < n; i++) {
      const ri = r[i]!;
      const row = i * n;
      for (let j = i; j < n; j++) {
        const v = lam * a[row + j]! + w * ri * r[j]!;
        a[row + j] = v;
        a[j * n + i] = v;
      }
    }
    return true;
  }

  /** Daily covariance of assets i and j (NaN until both have a return). */
  covarianceDaily(i: number, j: number): number {
    const bi = this.b[i]!, bj = this.b[j]!;
    if (!(bi > 0 && bj > 0)) return kNaN;
    return (this.a[i * this.n + j]! / Math.sqrt(bi * bj)) * kUsPerDayLocal;
  }

  /** Daily σ of asset i's log returns (NaN until it has a return). */
  sigmaDaily(i: number): number {
    const v = this.covarianceDaily(i, i);
    return v >= 0 ? Math.sqrt(v) : kNaN;
  }

  /**
   * The daily covariance of the assets idx[0..m) into out (m×m row-major). Returns false (out
   * untouched past what was written) when one of them has no return yet.
   */
  dailyCovariance(idx: Int32Array, m: number, out: Float64Array): boolean {
    const n = this.n;
    for (let x = 0; x < m; x++) {
      const i = idx[x]!;
      const bi = this.b[i]!;
      if (!(bi > 0)) return false;
      for (let y = x; y < m; y++) {
        const j = idx[y]!;
        const bj = this.b[j]!;
        if (!(bj > 0)) return false;
        const v = (this.a[i * n + j]! / Math.sqrt(bi * bj)) * kUsPerDayLocal;
        out[x * m + y] = v;
        out[y * m + x] = v;
      }
    }
    return true;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('n', this.n);
    v.r('lambda', this.lambda);
    v.r('a', this.a);
    v.r('b', this.b);
    v.r('count', this.count);
    v.r('lastReturn', this.lastReturn);
    v.r('lastLogPrice', this.#lastLogPrice);
    this.#lastTs = v.f('lastTs', this.#lastTs);
    this.samples = v.f('samples', this.samples);
  }
}

/**
 * Correlation matrix from a covariance matrix (n×n): ρᵢⱼ = Σᵢⱼ/√(Σᵢᵢ·Σⱼⱼ), 1 on the diagonal,
 * NaN where a variance is not positive. out may not alias cov.
 */
export function correlationFromCovariance(cov: Float64Array, n: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const vi = cov[i * n + i]!;
    for (let j = 0; j < n; j++) {
      const vj = cov[j * n + j]!;
      out[i * n + j] = i === j ? (vi > 0 ? 1 : kNaN) : vi > 0 && vj > 0 ? cov[i * n + j]! / Math.sqrt(vi * vj) : kNaN;
    }
  }
}

/** Sweeps before jacobiEigenvalues gives up (convergence is quadratic; n ≤ 64 needs far fewer). */
const kJacobiMaxSweeps = 64;

/**
 * Eigenvalues of a symmetric n×n matrix by cyclic Jacobi rotations (Jacobi 1846; Golub & Van
 * Loan, "Matrix Computations", §8.5): each rotation zeroes one off-diagonal pair, and sweeps repeat
 * until the off-diagonal mass is below 1e-22 of the total. `work` (n·n) is overwritten with the
 * iterate; the eigenvalues go to values[0..n) in descending order. Returns the sweeps used, or −1
 * when it did not converge or the input holds NaN. O(n³) per sweep: for the periodic refresh, not
 * the per-cycle path.
 */
export function jacobiEigenvalues(matrix: Float64Array, n: number, work: Float64Array, values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < n * n; i++) {
    const v = matrix[i]!;
    work[i] = v;
    total += v * v;
  }
  if (total !== total) return -1;
  const a = work;
  let sweeps = 0;
  for (; sweeps < kJacobiMaxSweeps; sweeps++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    if (off <= 1e-22 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!, aqq = a[q * n + q]!;
        // rotation angle: t = tan θ solves t² + 2τt − 1 = 0, τ = (aqq − app)/(2apq); smaller root
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  if (sweeps >= kJacobiMaxSweeps) return -1;
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  // insertion sort, descending (n is small)
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! < v) { values[j + 1] = values[j]!; j--; }
    values[j + 1] = v;
  }
  return sweeps + 1;
}

/**
 * Absorption ratio (M. Kritzman, Y. Li, S. Page, R. Rigobon, "Principal Components as a Measure of
 * Systemic Risk", 2011): the share of total variance explained by the k largest eigenvalues,
 * Σ_{i<k} λᵢ / Σᵢ λᵢ, from eigenvalues sorted descending. Near 1: markets move as one (fragile);
 * near k/n: diversified. NaN when the trace is not positive.
 */
export function absorptionRatio(sortedEigenvalues: Float64Array, n: number, k: number): number {
  let top = 0, total = 0;
  for (let i = 0; i < n; i++) {
    const v = sortedEigenvalues[i]!;
    const pos = v > 0 ? v : 0; // rounding can leave −1e-20 on a singular matrix
    total += pos;
    if (i < k) top += pos;
  }
  return total > 0 ? top / total : kNaN;
}

/**
 * The largest eigenvalue of a symmetric positive semi-definite n×n matrix by power iteration:
 * v ← Mv/‖Mv‖ from v = (1, …, 1)/√n until the Rayleigh quotient vᵀMv changes by less than
 * tol (relative) or maxIter is reached. Fast when the top eigenvalue stands apart (a common
 * market factor in a correlation matrix). v and w (n each) are scratch. O(n²) per iteration.
 * Returns NaN when the matrix holds NaN or maps v to 0.
 */
export function largestEigenvalue(
  matrix: Float64Array, n: number, v: Float64Array, w: Float64Array, maxIter: number, tol: number,
): number {
  const s = 1 / Math.sqrt(n);
  for (let i = 0; i < n; i++) v[i] = s;
  let lambda = 0;
  for (let it = 0; it < maxIter; it++) {
    let norm = 0, rq = 0;
    for (let i = 0; i < n; i++) {
      let x = 0;
      for (let j = 0; j < n; j++) x += matrix[i * n + j]! * v[j]!;
      w[i] = x;
      norm += x * x;
      rq += v[i]! * x;
    }
    if (!(norm > 0)) return kNaN;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] = w[i]! / norm;
    if (Math.abs(rq - lambda) <= tol * Math.abs(rq)) return rq;
    lambda = rq;
  }
  return lambda;
}
