import type { Fields } from '../protocol/snapshot.ts';
// Trend or mean reversion: the variance-ratio test of Lo and MacKinlay (1988), the lag-1
// autocorrelation, and Pearson correlation of two return series over a window. Series are
// Float64Array ranges [start, end); results go into caller-owned arrays; nothing allocates.
//
// The variance ratio compares the variance of q-period returns with q times the variance of
// one-period returns. Under a random walk VR(q) = 1; VR > 1 when returns are positively
// autocorrelated (momentum, a trend), VR < 1 when they are negatively autocorrelated (mean
// reversion). VR(q) ≈ 1 + 2·Σ_{k<q} (1 − k/q)·ρₖ.

const kNaN = NaN;

// Output layout of varianceRatio (Float64Array of kVrOutLength):
/** VR(q), bias-corrected, overlapping q-period returns. */
export const kVrRatio = 0;
/** z under homoskedastic increments: (VR − 1)/√(2(2q − 1)(q − 1)/(3qT)). */
export const kVrZ = 1;
/** Heteroskedasticity-robust z*: √T·(VR − 1)/√θ(q) (Lo–MacKinlay's Z*(q)). */
export const kVrZRobust = 2;
export const kVrOutLength = 3;

/**
 * The Lo–MacKinlay variance ratio of the one-period returns r[start..end), T = end − start:
 *   μ = mean r,  σ²_a = Σ(rₜ − μ)²/(T − 1)
 *   σ²_c = Σ_{t=q..T} (rₜ + … + r_{t−q+1} − qμ)² / m,  m = q(T − q + 1)(1 − q/T)
 *   VR = σ²_c / σ²_a
 *   z = √T·(VR − 1)/√(2(2q − 1)(q − 1)/(3q))                       (homoskedastic increments)
 *   z* = √T·(VR − 1)/√θ(q),  θ(q) = Σ_{j=1}^{q−1} [2(q − j)/q]²·δⱼ,
 *   δⱼ = T·Σ_{t>j}(rₜ − μ)²(r_{t−j} − μ)² / [Σ(rₜ − μ)²]²              (heteroskedasticity-robust)
 * Example: r = 1, 2, 3, 4 and q = 2 give σ²_a = 5/3, σ²_c = 8/3, VR = 1.6, z = 1.2,
 * δ₁ = 0.19, z* = 2·0.6/√0.19 = 2.75299.
 * Writes kVrOutLength values; returns false (NaN written) when q < 2, T ≤ q, or the returns have
 * no variance.
 */
export function varianceRatio(r: Float64Array, start: number, end: number, q: number, out: Float64Array): boolean {
  const T = end - start;
  if (!(Number.isInteger(q) && q >= 2 && T > q && start >= 0 && end <= r.length)) return failVr(out);
  let mu = 0;
  for (let t = start; t < end; t++) mu += r[t]!;
  mu /= T;
  let ss = 0;
  for (let t = start; t < end; t++) { const d = r[t]! - mu; ss += d * d; }
  if (!(ss > 0)) return failVr(out);
  const varA = ss / (T - 1);
  // overlapping q-sums by a running window
  let sum = 0;
  for (let t = start; t < start + q; t++) sum += r[t]!;
  let ssc = 0;
  for (let t = start + q - 1; ; ) {
    const d = sum - q * mu;
    ssc += d * d;
    t++;
    if (t >= end) break;
    sum += r[t]! - r[t - q]!;
  }
  const m = q * (T - q + 1) * (1 - q / T);
  const vr = ssc / m / varA;
  const z = (vr - 1) / Math.sqrt((2 * (2 * q - 1) * (q - 1)) / (3 * q * T));
  let theta = 0;
  for (let j = 1; j < q; j++) {
    let num = 0;
    for (let t = start + j; t < end; t++) {
      const a = r[t]! - mu, b = r[t - j]! - mu;
      num += a * a * b * b;
    }
    const delta = (T * num) / (ss * ss);
    const wgt = (2 * (q - j)) / q;
    theta += wgt * wgt * delta;
  }
  out[kVrRatio] = vr;
  out[kVrZ] = z;
  out[kVrZRobust] = theta > 0 ? (Math.sqrt(T) * (vr - 1)) / Math.sqrt(theta) : kNaN;
  return true;
}

function failVr(out: Float64Array): boolean {
  out[kVrRatio] = kNaN;
  out[kVrZ] = kNaN;
  out[kVrZRobust] = kNaN;
  return false;
}

/** Trend / mean-reversion regime codes. */
export const kRegimeMeanReverting = -1;
export const kRegimeRandomWalk = 0;
export const kRegimeTrending = 1;

/**
 * The regime a variance-ratio statistic indicates at two-sided critical value zCrit (1.96 for
 * 5 %): trending when z > zCrit, mean-reverting when z < −zCrit, a random walk otherwise or when
 * z is NaN.
 */
export function regimeOf(z: number, zCrit: number): number {
  return z > zCrit ? kRegimeTrending : z < -zCrit ? kRegimeMeanReverting : kRegimeRandomWalk;
}

/**
 * Lag-k sample autocorrelation of r[start..end): Σ_{t≥k}(rₜ − μ)(r_{t−k} − μ) / Σ(rₜ − μ)².
 * r = 1, 2, 3, 4, k = 1: 1.25/5 = 0.25. NaN without variance or for k outside [1, T).
 */
export function autocorrelation(r: Float64Array, start: number, end: number, k: number): number {
  const T = end - start;
  if (!(k >= 1 && k < T && start >= 0 && end <= r.length)) return kNaN;
  let mu = 0;
  for (let t = start; t < end; t++) mu += r[t]!;
  mu /= T;
  let num = 0, den = 0;
  for (let t = start; t < end; t++) {
    const d = r[t]! - mu;
    den += d * d;
    if (t - start >= k) num += d * (r[t - k]! - mu);
  }
  return den > 0 ? num / den : kNaN;
}

/**
 * Pearson correlation of x[xs..xs+len) and y[ys..ys+len) (two windows of equal length).
 * NaN for len < 2 or a series without variance.
 */
export function correlation(x: Float64Array, xs: number, y: Float64Array, ys: number, len: number): number {
  if (!(len >= 2)) return kNaN;
  let mx = 0, my = 0;
  for (let i = 0; i < len; i++) { mx += x[xs + i]!; my += y[ys + i]!; }
  mx /= len; my /= len;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < len; i++) {
    const a = x[xs + i]! - mx, b = y[ys + i]! - my;
    sxy += a * b; sxx += a * a; syy += b * b;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : kNaN;
}

/**
 * The last W returns of n series in one ring (n × W), written together at each sample, with a
 * linear copy for the window functions above. Preallocated; nothing grows.
 */
export class ReturnWindow {
  readonly n: number;
  readonly capacity: number;
  readonly #ring: Float64Array;
  /** Linear scratch: unroll(i) writes series i's window here, oldest first. */
  readonly linear: Float64Array;
  #head = 0; // samples written
  readonly valid: Int32Array; // consecutive valid samples per series (capped at capacity)

  constructor(n: number, capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 4)) throw new Error(`ReturnWindow: capacity must be an integer ≥ 4, got ${capacity}`);
    this.n = n;
    this.capacity = capacity;
    this.#ring = new Float64Array(n * capacity);
    this.linear = new Float64Array(capacity);
    this.valid = new Int32Array(n);
  }

  get samples(): number { return this.#head; }

  /** Appends one sample: returns[i] for series i, ok[i] = 0 where series i had no return. */
  push(returns: Float64Array, ok: Int32Array): void {
    const c = this.capacity;
    const col = this.#head % c;
    for (let i = 0; i < this.n; i++) {
      this.#ring[i * c + col] = returns[i]!;
      this.valid[i] = ok[i] === 0 ? 0 : Math.min(c, this.valid[i]! + 1);
    }
    this.#head++;
  }

  /** Copies the last `len` returns of series i into linear[0..len) (oldest first); returns len. */
  unroll(i: number, len: number, into: Float64Array = this.linear): number {
    const c = this.capacity;
    const n = Math.min(len, this.valid[i]!, this.#head);
    const base = i * c;
    for (let k = 0; k < n; k++) {
      const s = this.#head - n + k;
      into[k] = this.#ring[base + (s % c)]!;
    }
    return n;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('n', this.n);
    v.r('capacity', this.capacity);
    v.r('ring', this.#ring);
    v.r('linear', this.linear);
    this.#head = v.f('head', this.#head);
    v.r('valid', this.valid);
  }
}
