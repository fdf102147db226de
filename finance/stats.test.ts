import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ewmaVariance, kWelfordCount, kWelfordMean, kWelfordStateLength, mean, normalCdf, normalInv,
  normalPdf, variance, welfordReset, welfordUpdate, welfordVariance, zScore,
} from './stats.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
function nearRel(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual / expected - 1) <= rel,
    `${what}: got ${actual}, expected ${expected} (relative ${rel})`);
}

test('mean and variance over a range', () => {
  const xs = new Float64Array([100, 2, 4, 4, 4, 5, 5, 7, 9, -100]);
  // xs[1..9) = 2,4,4,4,5,5,7,9: Σ = 40, n = 8 → mean 5
  near(mean(xs, 1, 9), 5, 1e-15, 'mean');
  // squared deviations 9,1,1,1,0,0,4,16 → Σ = 32; population 32/8 = 4, sample 32/7 = 4.5714285714
  near(variance(xs, 1, 9, 0), 4, 1e-15, 'population variance');
  near(variance(xs, 1, 9, 1), 32 / 7, 1e-15, 'sample variance');
  assert.ok(Number.isNaN(mean(xs, 3, 3)), 'empty range → NaN');
  assert.ok(Number.isNaN(mean(xs, 0, 11)), 'range past the end → NaN');
  assert.ok(Number.isNaN(variance(xs, 2, 3, 1)), 'one point, sample variance → NaN');
});

test('variance is stable for a large offset (two-pass)', () => {
  // 1e9 + {4, 7, 13, 16}: deviations from the mean 1e9+10 are −6,−3,3,6 → Σ² = 90, sample 90/3 = 30
  const xs = new Float64Array([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
  near(variance(xs, 0, 4, 1), 30, 1e-6, 'sample variance with offset 1e9');
});

test('Welford matches the two-pass results and skips NaN', () => {
  const state = new Float64Array(kWelfordStateLength);
  welfordReset(state);
  for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) welfordUpdate(state, x);
  assert.is(welfordUpdate(state, NaN), false, 'NaN is refused');
  assert.is(state[kWelfordCount], 8);
  near(state[kWelfordMean]!, 5, 1e-15, 'Welford mean');
  near(welfordVariance(state, 0), 4, 1e-14, 'Welford population variance');
  near(welfordVariance(state, 1), 32 / 7, 1e-14, 'Welford sample variance');
  // offset 1e9 as above: sample variance 30
  welfordReset(state);
  for (const x of [4, 7, 13, 16]) welfordUpdate(state, 1e9 + x);
  near(welfordVariance(state, 1), 30, 1e-6, 'Welford with offset');
  welfordReset(state);
  welfordUpdate(state, 3);
  assert.ok(Number.isNaN(welfordVariance(state, 1)), 'one observation → sample variance NaN');
});

test('EWMA variance, RiskMetrics λ = 0.94', () => {
  // σ²_prev = 1e-4 (1 % daily vol), r = 2 %: 0.94·1e-4 + 0.06·4e-4 = 9.4e-5 + 2.4e-5 = 1.18e-4
  near(ewmaVariance(1e-4, 0.02), 1.18e-4, 1e-18, 'default λ');
  // λ = 0.97: 0.97·1e-4 + 0.03·4e-4 = 1.09e-4
  near(ewmaVariance(1e-4, -0.02, 0.97), 1.09e-4, 1e-18, 'λ = 0.97, sign of r irrelevant');
  assert.ok(Number.isNaN(ewmaVariance(-1e-4, 0.01)), 'negative variance → NaN');
  assert.ok(Number.isNaN(ewmaVariance(1e-4, NaN)), 'NaN return → NaN');
  assert.ok(Number.isNaN(ewmaVariance(1e-4, 0.01, 1)), 'λ = 1 → NaN');
});

test('normal pdf', () => {
  near(normalPdf(0), 0.3989422804014327, 1e-16, 'φ(0) = 1/√(2π)');
  near(normalPdf(1), 0.24197072451914335, 1e-16, 'φ(1)');
  near(normalPdf(-1), normalPdf(1), 0, 'symmetric');
});

test('normal cdf against 17-digit reference values', () => {
  // Reference Φ values (Abramowitz & Stegun table 26.1, extended to 17 digits with a
  // 30-digit evaluation of ½·erfc(−x/√2)).
  near(normalCdf(0), 0.5, 1e-16, 'Φ(0)');
  near(normalCdf(0.5), 0.6914624612740131, 2e-16, 'Φ(0.5)');
  near(normalCdf(1), 0.84134474606854295, 2e-16, 'Φ(1)');
  near(normalCdf(1.96), 0.97500210485177956, 2e-16, 'Φ(1.96)');
  near(normalCdf(-1), 0.15865525393145705, 2e-16, 'Φ(−1)');
  near(normalCdf(3), 0.99865010196836991, 2e-16, 'Φ(3)');
  nearRel(normalCdf(-2.5), 0.0062096653257761352, 1e-14, 'Φ(−2.5)');
  nearRel(normalCdf(-4), 3.1671241833119921e-5, 1e-13, 'Φ(−4)');
  nearRel(normalCdf(-5), 2.8665157187919391e-7, 1e-13, 'Φ(−5)');
  nearRel(normalCdf(-6), 9.8658764503769814e-10, 1e-13, 'Φ(−6)');
  nearRel(normalCdf(-8), 6.2209605742717841e-16, 1e-13, 'Φ(−8)');
  nearRel(normalCdf(-10), 7.6198530241605261e-24, 1e-13, 'Φ(−10)');
  nearRel(normalCdf(-20), 2.7536241186062337e-89, 1e-13, 'Φ(−20)');
  nearRel(normalCdf(-37), 5.7255712225245768e-300, 1e-12, 'Φ(−37)');
  assert.is(normalCdf(-40), 0, 'underflow');
  assert.is(normalCdf(Infinity), 1);
  assert.ok(Number.isNaN(normalCdf(NaN)), 'NaN → NaN');
});

test('normal cdf: symmetry and monotonicity on a grid', () => {
  let prev = -1;
  for (let x = -10; x <= 10; x += 0.01) {
    const c = normalCdf(x);
    assert.ok(c >= prev, `monotone at ${x}`);
    near(c + normalCdf(-x), 1, 3e-16, `Φ(x) + Φ(−x) = 1 at ${x}`);
    prev = c;
  }
});

test('inverse normal cdf: quantiles', () => {
  // Standard quantiles (the z table of any statistics text; 17 digits from a 50-digit
  // evaluation of √2·erf⁻¹(2p − 1)). p near 1 is stored only to ±1.1e-16 absolute, so z can be
  // no closer than about 1.1e-16/φ(z); the tolerance below is 4e-16/φ(z).
  const q = (p: number, z: number, what: string): void => near(normalInv(p), z, 4e-16 / normalPdf(z), what);
  near(normalInv(0.5), 0, 1e-16, 'z(0.5)');
  q(0.9, 1.2815515655446006, 'z(0.9)');
  q(0.95, 1.6448536269514723, 'z(0.95)');
  q(0.975, 1.9599639845400539, 'z(0.975)');
  q(0.99, 2.3263478740408408, 'z(0.99)');
  q(0.999, 3.0902323061678133, 'z(0.999)');
  q(0.999999, 4.7534243088228989, 'z(0.999999)');
  // below ½ p itself carries relative, not absolute, rounding, so z is held to a relative bound
  nearRel(normalInv(0.3), -0.52440051270804078, 1e-15, 'z(0.3)');
  nearRel(normalInv(0.02425), -1.9729610513118849, 1e-15, 'z at the region switch');
  nearRel(normalInv(1e-10), -6.3613409024040562, 1e-15, 'z(1e-10)');
  nearRel(normalInv(1e-20), -9.2623400897984076, 1e-15, 'z(1e-20)');
  assert.is(normalInv(0), -Infinity);
  assert.is(normalInv(1), Infinity);
  assert.ok(Number.isNaN(normalInv(1.5)), 'p > 1 → NaN');
  assert.ok(Number.isNaN(normalInv(-0.1)), 'p < 0 → NaN');
  assert.ok(Number.isNaN(normalInv(NaN)), 'NaN → NaN');
});

test('inverse normal cdf round-trips through the cdf', () => {
  for (let p = 0.0005; p < 1; p += 0.0005) {
    const z = normalInv(p);
    nearRel(normalCdf(z), p, 1e-13, `Φ(Φ⁻¹(${p}))`);
  }
});

test('z-score', () => {
  // (110 − 100)/5 = 2
  near(zScore(110, 100, 5), 2, 0, 'z-score');
  assert.ok(Number.isNaN(zScore(1, 0, 0)), 'sd = 0 → NaN');
  assert.ok(Number.isNaN(zScore(1, 0, -1)), 'sd < 0 → NaN');
  assert.ok(Number.isNaN(zScore(NaN, 0, 1)), 'NaN → NaN');
});

test.run();
