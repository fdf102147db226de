import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  autocorrelation, correlation, kRegimeMeanReverting, kRegimeRandomWalk, kRegimeTrending, kVrOutLength, kVrRatio, kVrZ,
  kVrZRobust, regimeOf, ReturnWindow, varianceRatio,
} from './regime.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

test('variance ratio by hand: r = 1, 2, 3, 4, q = 2', () => {
  const out = new Float64Array(kVrOutLength);
  assert.ok(varianceRatio(Float64Array.from([1, 2, 3, 4]), 0, 4, 2, out));
  // μ = 2.5; σ²_a = (2.25 + 0.25 + 0.25 + 2.25)/3 = 5/3
  // two-period sums 3, 5, 7 minus 2μ = −2, 0, 2 → Σ = 8; m = 2·3·(1 − 2/4) = 3 → σ²_c = 8/3
  near(out[kVrRatio]!, 1.6, 1e-15, 'VR');
  // z = 0.6/√(2·3·1/(3·2·4)) = 0.6/0.5
  near(out[kVrZ]!, 1.2, 1e-14, 'z');
  // δ₁ = 4·(0.25·2.25 + 0.25·0.25 + 2.25·0.25)/5² = 4·1.1875/25 = 0.19; θ = 1²·0.19; z* = √4·0.6/√0.19
  near(out[kVrZRobust]!, (2 * 0.6) / Math.sqrt(0.19), 1e-14, 'z*');
  near(out[kVrZRobust]!, 2.7529888, 1e-7, 'z* (number)');
  // a range inside a longer array
  assert.ok(varianceRatio(Float64Array.from([9, 1, 2, 3, 4, 9]), 1, 5, 2, out));
  near(out[kVrRatio]!, 1.6, 1e-15, 'VR of a sub-range');
});

test('variance ratio: invalid input writes NaN', () => {
  const out = new Float64Array(kVrOutLength);
  assert.not.ok(varianceRatio(Float64Array.from([1, 2, 3]), 0, 3, 1, out), 'q < 2');
  assert.ok(Number.isNaN(out[kVrRatio]!));
  assert.not.ok(varianceRatio(Float64Array.from([1, 2]), 0, 2, 2, out), 'T ≤ q');
  assert.not.ok(varianceRatio(Float64Array.from([1, 1, 1, 1]), 0, 4, 2, out), 'no variance');
});

/** AR(1) returns rₜ = φ·r_{t−1} + εₜ with a fixed seed. */
function ar1(phi: number, n: number, seed: number): Float64Array {
  const r = new Float64Array(n);
  let s = seed, prev = 0;
  const gauss = (): number => { // Box–Muller on a small LCG
    s = (s * 1103515245 + 12345) % 2147483648; const u = (s + 1) / 2147483649;
    s = (s * 1103515245 + 12345) % 2147483648; const v = (s + 1) / 2147483649;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  for (let t = 0; t < n; t++) { prev = phi * prev + gauss() * 0.01; r[t] = prev; }
  return r;
}

test('regimes of AR(1) returns: momentum trends, negative autocorrelation mean-reverts, white noise is a random walk', () => {
  const out = new Float64Array(kVrOutLength);
  const trending = ar1(0.5, 2000, 11), reverting = ar1(-0.5, 2000, 12), walk = ar1(0, 2000, 13);
  varianceRatio(trending, 0, 2000, 2, out);
  // VR(2) → 1 + ρ₁ = 1.5
  near(out[kVrRatio]!, 1.5, 0.08, 'VR(2) of φ = 0.5');
  assert.is(regimeOf(out[kVrZRobust]!, 1.96), kRegimeTrending);
  varianceRatio(reverting, 0, 2000, 2, out);
  near(out[kVrRatio]!, 0.5, 0.08, 'VR(2) of φ = −0.5');
  assert.is(regimeOf(out[kVrZRobust]!, 1.96), kRegimeMeanReverting);
  varianceRatio(walk, 0, 2000, 4, out);
  near(out[kVrRatio]!, 1, 0.12, 'VR(4) of white noise');
  assert.is(regimeOf(out[kVrZRobust]!, 1.96), kRegimeRandomWalk, `z* = ${out[kVrZRobust]}`);
  near(autocorrelation(trending, 0, 2000, 1), 0.5, 0.06, 'ρ₁ of φ = 0.5');
  assert.is(regimeOf(NaN, 1.96), kRegimeRandomWalk, 'NaN → random walk');
});

test('autocorrelation and correlation by hand', () => {
  // deviations −1.5, −0.5, 0.5, 1.5: lag-1 products 0.75, −0.25, 0.75 → 1.25/5
  near(autocorrelation(Float64Array.from([1, 2, 3, 4]), 0, 4, 1), 0.25, 1e-15, 'ρ₁');
  assert.ok(Number.isNaN(autocorrelation(Float64Array.from([1, 2]), 0, 2, 2)), 'lag ≥ T');
  // x = 1, 2, 3; y = 2, 4, 7: deviations (−1, 0, 1), (−7/3, −1/3, 8/3): Σxy = 5, Σxx = 2, Σyy = 114/9
  near(correlation(Float64Array.from([1, 2, 3]), 0, Float64Array.from([0, 2, 4, 7]), 1, 3), 5 / Math.sqrt(2 * 114 / 9), 1e-15, 'ρ');
  near(correlation(Float64Array.from([1, 2, 3]), 0, Float64Array.from([3, 2, 1]), 0, 3), -1, 1e-15, 'ρ = −1');
});

test('return window: ring order, consecutive valid samples', () => {
  const w = new ReturnWindow(2, 4);
  const r = new Float64Array(2), ok = new Int32Array(2);
  for (let k = 1; k <= 6; k++) {
    r[0] = k; r[1] = -k; ok[0] = 1; ok[1] = k === 5 ? 0 : 1;
    w.push(r, ok);
  }
  assert.is(w.samples, 6);
  assert.is(w.unroll(0, 4), 4);
  assert.equal(Array.from(w.linear), [3, 4, 5, 6], 'oldest first');
  assert.is(w.unroll(1, 4), 1, 'series 1 has been valid only since its gap');
  assert.is(w.linear[0], -6);
  const into = new Float64Array(4);
  assert.is(w.unroll(0, 2, into), 2);
  assert.equal(Array.from(into.subarray(0, 2)), [5, 6]);
});

test.run();
