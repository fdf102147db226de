import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eigs } from 'mathjs';
import {
  absorptionRatio, correlationFromCovariance, EwmaCovariance, jacobiEigenvalues, kUsPerDay, largestEigenvalue,
} from './covariance.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
function rel(actual: number, expected: number, tol: number, what: string): void {
  near(actual, expected, Math.abs(expected) * tol, what);
}

const kSec = 1_000_000;

test('EWMA covariance by hand: two assets, three samples one second apart, λ = 0.9', () => {
  const c = new EwmaCovariance(2, 0.9);
  const p = new Float64Array(2);
  // prices: A 100 → 110 → 99, B 50 → 50 → 55
  p[0] = 100; p[1] = 50; c.sample(p, 0);
  p[0] = 110; p[1] = 50; c.sample(p, kSec);
  p[0] = 99; p[1] = 55; c.sample(p, 2 * kSec);
  const rA1 = Math.log(1.1), rA2 = Math.log(0.9), rB1 = 0, rB2 = Math.log(1.1);
  // A = 0.9·(0.1·r₁r₁ᵀ) + 0.1·r₂r₂ᵀ (from zero), B = 0.9·0.1·1 s + 0.1·1 s = 0.19 s for both
  const aAA = 0.09 * rA1 * rA1 + 0.1 * rA2 * rA2;
  const aAB = 0.09 * rA1 * rB1 + 0.1 * rA2 * rB2;
  const aBB = 0.09 * rB1 * rB1 + 0.1 * rB2 * rB2;
  const b = 0.19 * kSec;
  rel(c.covarianceDaily(0, 0), (aAA / b) * kUsPerDay, 1e-12, 'var A');
  rel(c.covarianceDaily(0, 1), (aAB / b) * kUsPerDay, 1e-12, 'cov AB');
  rel(c.covarianceDaily(1, 1), (aBB / b) * kUsPerDay, 1e-12, 'var B');
  // numbers: rA1 = 0.0953102, rA2 = −0.1053605, rB2 = 0.0953102
  near(aAA, 0.09 * 0.0953102 ** 2 + 0.1 * 0.1053605 ** 2, 1e-8, 'A_AA (number)');
  near(aAB, 0.1 * -0.1053605 * 0.0953102, 1e-8, 'A_AB (number)');
  rel(c.sigmaDaily(0), Math.sqrt((aAA / b) * kUsPerDay), 1e-12, 'σ A');
  assert.is(c.count[0], 2);
  assert.is(c.samples, 3);
  const idx = Int32Array.from([1, 0]);
  const out = new Float64Array(4);
  assert.ok(c.dailyCovariance(idx, 2, out));
  rel(out[0]!, c.covarianceDaily(1, 1), 1e-15, 'reordered [0,0] = var B');
  rel(out[1]!, c.covarianceDaily(1, 0), 1e-15, 'reordered [0,1] = cov');
  assert.not.ok(c.sample(p, 2 * kSec), 'a sample at the same time is refused');
});

test('irregular intervals: the ratio estimator weights each return with its own interval', () => {
  const c = new EwmaCovariance(1, 0.5);
  const p = new Float64Array(1);
  p[0] = 1; c.sample(p, 0);
  p[0] = Math.exp(0.01); c.sample(p, kSec); // r = 0.01 over 1 s
  p[0] = Math.exp(0.01 + 0.03); c.sample(p, 4 * kSec); // r = 0.03 over 3 s
  // A = 0.5·0.5·1e-4 + 0.5·9e-4 = 4.75e-4 ; B = 0.5·0.5·1 s + 0.5·3 s = 1.75 s
  rel(c.covarianceDaily(0, 0), (4.75e-4 / (1.75 * kSec)) * kUsPerDay, 1e-12, 'variance rate');
  near(c.covarianceDaily(0, 0), 23.4514286, 1e-6, 'variance rate per day (number)');
});

test('an asset that joins late: weights start with its first return, Σ stays positive semi-definite', () => {
  const c = new EwmaCovariance(3, 0.94);
  const p = new Float64Array(3);
  let seed = 7;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5; };
  for (let k = 0; k < 200; k++) {
    p[0] = Math.exp(0.01 * k * rnd() + 4);
    p[1] = Math.exp(0.02 * rnd() + 3);
    p[2] = k < 150 ? NaN : Math.exp(0.05 * rnd()); // joins at sample 150
    c.sample(p, k * kSec);
  }
  assert.is(c.count[2], 49);
  const idx = Int32Array.from([0, 1, 2]);
  const cov = new Float64Array(9);
  assert.ok(c.dailyCovariance(idx, 3, cov));
  const rows = [[cov[0]!, cov[1]!, cov[2]!], [cov[3]!, cov[4]!, cov[5]!], [cov[6]!, cov[7]!, cov[8]!]];
  const values = (eigs(rows).values as number[]).map(Number);
  for (const v of values) assert.ok(v >= -1e-15 * Math.max(...values), `eigenvalue ${v} ≥ 0`);
  // the late asset's variance uses only its own 49 intervals: no bias from the time before it
  const only = new EwmaCovariance(1, 0.94);
  seed = 7;
  const q = new Float64Array(1);
  for (let k = 0; k < 200; k++) { rnd(); rnd(); q[0] = k < 150 ? NaN : Math.exp(0.05 * rnd()); only.sample(q, k * kSec); }
  rel(c.covarianceDaily(2, 2), only.covarianceDaily(0, 0), 1e-12, 'late variance = its own series');
});

test('correlation from covariance', () => {
  const cov = Float64Array.from([4, 2, 0, 2, 9, -3, 0, -3, 1]);
  const out = new Float64Array(9);
  correlationFromCovariance(cov, 3, out);
  near(out[0]!, 1, 0, 'diag');
  near(out[1]!, 2 / 6, 1e-15, 'ρ01 = 2/(2·3)');
  near(out[5]!, -3 / 3, 1e-15, 'ρ12 = −3/(3·1)');
  near(out[2]!, 0, 0, 'ρ02');
});

test('Jacobi eigenvalues agree with mathjs eigs; power iteration finds the largest', () => {
  // a 6×6 covariance built as BᵀB + diag: symmetric positive definite
  const n = 6;
  const B: number[][] = [];
  let seed = 3;
  const rnd = (): number => { seed = (seed * 69069 + 1) % 4294967296; return seed / 4294967296 - 0.5; };
  for (let i = 0; i < n; i++) B.push(Array.from({ length: n }, () => rnd()));
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? 0.1 : 0;
    for (let k = 0; k < n; k++) s += B[k]![i]! * B[k]![j]!;
    M[i * n + j] = s;
  }
  const rows = Array.from({ length: n }, (_, i) => Array.from(M.subarray(i * n, i * n + n)));
  const ref = (eigs(rows).values as number[]).map(Number).sort((a, b) => b - a);
  const work = new Float64Array(n * n), values = new Float64Array(n);
  const sweeps = jacobiEigenvalues(M, n, work, values);
  assert.ok(sweeps > 0 && sweeps < 20, `sweeps ${sweeps}`);
  for (let i = 0; i < n; i++) rel(values[i]!, ref[i]!, 1e-10, `λ${i}`);
  const v = new Float64Array(n), w = new Float64Array(n);
  rel(largestEigenvalue(M, n, v, w, 1000, 1e-14), ref[0]!, 1e-8, 'power iteration λ₁');
});

test('absorption ratio: one common factor', () => {
  // correlation matrix with all ρ = 0.5 (n = 4): eigenvalues 1 + 3·0.5 = 2.5 and 0.5 (×3)
  const n = 4;
  const C = new Float64Array(n * n).fill(0.5);
  for (let i = 0; i < n; i++) C[i * n + i] = 1;
  const values = new Float64Array(n);
  jacobiEigenvalues(C, n, new Float64Array(n * n), values);
  near(values[0]!, 2.5, 1e-12, 'λ₁');
  near(values[3]!, 0.5, 1e-12, 'λ₄');
  near(absorptionRatio(values, n, 1), 2.5 / 4, 1e-12, 'AR(1) = 0.625');
  near(absorptionRatio(values, n, 2), 3 / 4, 1e-12, 'AR(2) = 0.75');
  near(largestEigenvalue(C, n, new Float64Array(n), new Float64Array(n), 100, 1e-14), 2.5, 1e-12, 'power iteration');
});

test.run();
