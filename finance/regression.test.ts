// Least squares with mathjs against the closed forms, and the pair-spread statistics.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  fitPairSpread, kFitAlpha, kFitBeta, kFitDfStat, kFitHalfLife, kFitPhi, kFitR2, kFitSamples, kFitSpreadSd, kPairFitLength,
  olsFit, solve2, spreadZ, timeToRevert,
} from './regression.ts';
import { inv, lusolve } from 'mathjs';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

test('OLS by hand: x = 0..3, y = 1, 3, 2, 5', () => {
  // x̄ = 1.5, ȳ = 2.75, Sxx = 5, Sxy = 5.5 ⇒ β = 1.1, α = 2.75 − 1.65 = 1.1
  // residuals −0.1, 0.8, −1.3, 0.6 ⇒ SSR = 2.7, s² = 2.7/2 = 1.35
  // se(β) = √(s²/Sxx) = √0.27 = 0.519615; se(α) = √(s²·(1/n + x̄²/Sxx)) = √(1.35·0.7) = 0.972111
  const f = olsFit([[1, 0], [1, 1], [1, 2], [1, 3]], [1, 3, 2, 5]);
  near(f.beta[0]!, 1.1, 1e-12, 'α');
  near(f.beta[1]!, 1.1, 1e-12, 'β');
  near(f.ssr, 2.7, 1e-12, 'SSR');
  near(f.residualVariance, 1.35, 1e-12, 's²');
  near(f.stdErrors[1]!, Math.sqrt(0.27), 1e-12, 'se(β)');
  near(f.stdErrors[0]!, Math.sqrt(0.945), 1e-12, 'se(α)');
  // an exact line
  const g = olsFit([[1, 1], [1, 2], [1, 3], [1, 4], [1, 5]], [5, 8, 11, 14, 17]);
  near(g.beta[0]!, 2, 1e-12, 'α of 2 + 3x');
  near(g.beta[1]!, 3, 1e-12, 'β of 2 + 3x');
  assert.throws(() => olsFit([[1, 0], [1, 1]], [1, 2]), /more rows than columns/);
});

/** Closed-form simple regression: [α, β, SSR]. */
function simple(x: number[], y: number[]): [number, number, number, number] {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += (x[i]! - mx) ** 2; sxy += (x[i]! - mx) * (y[i]! - my); }
  const b = sxy / sxx, a = my - b * mx;
  let ssr = 0;
  for (let i = 0; i < n; i++) ssr += (y[i]! - a - b * x[i]!) ** 2;
  return [a, b, ssr, sxx];
}

test('pair fit: hedge ratio, spread σ, AR(1) and Dickey-Fuller statistic match the closed forms', () => {
  const e = [0.3, -0.2, 0.25, -0.1, 0.05, -0.3, 0.2, 0.1, -0.15, 0.05, -0.25, 0.05];
  const n = e.length;
  const x = e.map((_, i) => 4 + 0.01 * i + 0.002 * Math.sin(i));
  const y = x.map((xi, i) => 1 + 2 * xi + 0.01 * e[i]!);
  // as a ring buffer of 16 that starts at index 10 and wraps
  const len = 16, start = 10;
  const xs = new Float64Array(len).fill(NaN), ys = new Float64Array(len).fill(NaN);
  for (let i = 0; i < n; i++) { xs[(start + i) % len] = x[i]!; ys[(start + i) % len] = y[i]!; }
  const out = new Float64Array(kPairFitLength);
  assert.ok(fitPairSpread(out, ys, xs, start, n));
  const [a, b, ssr] = simple(x, y);
  near(out[kFitAlpha]!, a, 1e-9, 'α');
  near(out[kFitBeta]!, b, 1e-9, 'β');
  near(out[kFitSpreadSd]!, Math.sqrt(ssr / (n - 2)), 1e-12, 'spread σ');
  const my = y.reduce((s, v) => s + v, 0) / n;
  near(out[kFitR2]!, 1 - ssr / y.reduce((s, v) => s + (v - my) ** 2, 0), 1e-9, 'R²');
  const res = y.map((yi, i) => yi - a - b * x[i]!);
  const [, phi, ssrAr, sxxAr] = simple(res.slice(0, -1), res.slice(1));
  near(out[kFitPhi]!, phi, 1e-9, 'φ');
  const se = Math.sqrt(ssrAr / (n - 1 - 2) / sxxAr);
  near(out[kFitDfStat]!, (phi - 1) / se, 1e-6, 'Dickey-Fuller t');
  assert.ok(phi < 0, 'this spread flips sign: φ < 0');
  assert.ok(Number.isNaN(out[kFitHalfLife]!), 'no half-life for φ ≤ 0');
  assert.is(out[kFitSamples], n);
});

test('a persistent spread: φ = 0.5 gives a half-life of one sample', () => {
  // residual-like series with exact AR(1) φ = 0.5 around a constant: e_t = 0.5·e_{t−1} + shocks
  const shocks = [1, 0, 0, 0, 1, 0, 0, 0, -1, 0, 0, 0, 1, 0, 0, 0, -1, 0, 0, 0];
  const e: number[] = [];
  let prev = 0;
  for (const s of shocks) { prev = 0.5 * prev + s; e.push(prev); }
  const x = e.map((_, i) => i * 0.1);
  const y = x.map((xi, i) => 0.3 + 0.7 * xi + 0.001 * e[i]!);
  const out = new Float64Array(kPairFitLength);
  assert.ok(fitPairSpread(out, Float64Array.from(y), Float64Array.from(x), 0, y.length));
  const [a, b] = simple(x, y);
  const res = y.map((yi, i) => yi - a - b * x[i]!);
  const [, phi] = simple(res.slice(0, -1), res.slice(1));
  near(out[kFitPhi]!, phi, 1e-9, 'φ');
  near(out[kFitHalfLife]!, -Math.LN2 / Math.log(phi), 1e-9, 'half-life = −ln 2/ln φ');
  assert.ok(phi > 0.3 && phi < 0.7, `φ near 0.5: ${phi}`);
});

test('spread z-score and the time to revert', () => {
  const o = new Float64Array(2);
  // y = 2.1, x = 1, α = 0.5, β = 1.5: e = 2.1 − 0.5 − 1.5 = 0.1; σ 0.04 → z = 2.5
  spreadZ(o, 2.1, 1, 0.5, 1.5, 0.04);
  near(o[0]!, 0.1, 1e-12, 'spread');
  near(o[1]!, 2.5, 1e-9, 'z');
  spreadZ(o, 2.1, 1, 0.5, 1.5, 0);
  assert.ok(Number.isNaN(o[1]!), 'σ 0 → NaN z');
  // from z = 3 to 0.75 is two halvings: 2 half-lives
  near(timeToRevert(3, 0.75, 4), 8, 1e-12, '2 × 4');
  near(timeToRevert(-3, 0.75, 4), 8, 1e-12, 'sign does not matter');
  assert.is(timeToRevert(0.5, 0.75, 4), 0, 'already inside');
});

test('too few samples, NaN, or a constant x: no fit', () => {
  const out = new Float64Array(kPairFitLength);
  assert.not.ok(fitPairSpread(out, new Float64Array(5), new Float64Array(5), 0, 5));
  const xs = Float64Array.from({ length: 10 }, () => 1);
  const ys = Float64Array.from({ length: 10 }, (_, i) => i);
  assert.not.ok(fitPairSpread(out, ys, xs, 0, 10), 'constant x');
  xs[3] = NaN;
  assert.not.ok(fitPairSpread(out, ys, Float64Array.from({ length: 10 }, (_, i) => (i === 3 ? NaN : i)), 0, 10), 'NaN');
  assert.ok(Number.isNaN(out[kFitBeta]!));
});

test('fitPairSpread equals olsFit on the explicit design matrices (pair, then AR(1) of the residuals)', () => {
  let seed = 7;
  const rnd = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296 - 0.5; };
  for (let trial = 0; trial < 20; trial++) {
    const n = 20 + trial * 7, len = n + 5, start = trial % len;
    const xs = new Float64Array(len), ys = new Float64Array(len);
    let u = 0;
    for (let i = 0; i < len; i++) {
      xs[i] = Math.log(100) + 0.01 * rnd() + 0.001 * i;
      u = 0.4 * u + 0.002 * rnd();
      ys[i] = 0.3 + (0.8 + 0.02 * trial) * xs[i]! + u;
    }
    const out = new Float64Array(kPairFitLength);
    assert.ok(fitPairSpread(out, ys, xs, start, n));
    // the reference: explicit rows [1, x] (not centred) and [1, e₋₁]
    const X: number[][] = [], y: number[] = [];
    for (let i = 0; i < n; i++) { const j = (start + i) % len; X.push([1, xs[j]!]); y.push(ys[j]!); }
    const f = olsFit(X, y);
    const e = y.map((v, i) => v - f.beta[0]! - f.beta[1]! * X[i]![1]!);
    const ar = olsFit(e.slice(0, -1).map((v) => [1, v]), e.slice(1));
    const ybar = y.reduce((a, b) => a + b, 0) / n;
    const sst = y.reduce((a, b) => a + (b - ybar) ** 2, 0);
    const rel = (a: number, b: number, tol: number, what: string): void =>
      assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `trial ${trial} ${what}: ${a} vs ${b}`);
    rel(out[kFitBeta]!, f.beta[1]!, 1e-7, 'β');
    rel(out[kFitAlpha]!, f.beta[0]!, 1e-6, 'α');
    rel(out[kFitSpreadSd]!, Math.sqrt(f.residualVariance), 1e-6, 'sd');
    rel(out[kFitR2]!, 1 - f.ssr / sst, 1e-6, 'R²');
    rel(out[kFitPhi]!, ar.beta[1]!, 1e-6, 'φ');
    rel(out[kFitDfStat]!, (ar.beta[1]! - 1) / ar.stdErrors[1]!, 1e-5, 'DF');
  }
});

test('solve2 gives mathjs lusolve\'s result to the last bit (and its error when singular), on the normal equations and on hostile systems', () => {
  let seed = 7;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const systems: number[][] = [
    [8, 0, 0, 3, 1, 2], // centred x: s1 = 0
    [8, 1e-16, 1e-16, 3e-9, 1e-12, 2e-18], // L entry and right-hand values nearly 0 (left as they are)
    [1, 5, 5, 1, 2, 3], // the pivot swaps rows
    [1, 1 + 1e-13, 1 + 1e-13, 3, 2, 1], // a pivot larger only within mathjs's tolerance: no swap
    [0, 1, 1, 0, 4, 5], // zero first pivot
    [-0, 2, 3, -0, -0, 7],
    [2, 4, 1, 2, 3, 1.5], // singular
    [0, 0, 0, 0, 1, 1], // singular
    [1e-300, 1, 1, 1e300, 1, 1],
  ];
  for (let i = 0; i < 400; i++) {
    const n = 8 + Math.floor(rnd() * 500);
    const s1 = (rnd() - 0.5) * (i % 3 === 0 ? 1e-13 : 1e2), s2 = s1 * s1 / n + rnd() * 1e-6 + (i % 5 === 0 ? 0 : rnd());
    systems.push([n, s1, s1, s2, (rnd() - 0.5) * 1e-3, (rnd() - 0.5) * (i % 7 === 0 ? 1e-16 : 1e-5)]);
    systems.push([(rnd() - 0.5) * 10, (rnd() - 0.5) * 10, (rnd() - 0.5) * 10, (rnd() - 0.5) * 10, (rnd() - 0.5) * 10, (rnd() - 0.5) * 10]);
  }
  let solved = 0, singular = 0;
  for (const [a, b, c, d, e, f] of systems as [number, number, number, number, number, number][]) {
    let want: number[] | string;
    try { want = (lusolve([[a, b], [c, d]], [e, f]) as number[][]).map((r) => r[0]!); } catch (err) { want = (err as Error).message; }
    let got: number[] | string;
    try { got = [...solve2(a, b, c, d, e, f)]; } catch (err) { got = (err as Error).message; }
    if (typeof want === 'string') { assert.is(got, want, `[[${a}, ${b}], [${c}, ${d}]]·x = [${e}, ${f}]`); singular++; continue; }
    assert.ok(typeof got !== 'string', `solve2 threw ${String(got)} where mathjs solved [[${a}, ${b}], [${c}, ${d}]]`);
    for (let k = 0; k < 2; k++) assert.ok(Object.is(got[k], want[k]), `[[${a}, ${b}], [${c}, ${d}]]·x = [${e}, ${f}]: x${k} ${got[k]} vs mathjs ${want[k]}`);
    // the slope's standard error uses inv's [1][1] as mathjs computes it for 2 × 2
    if (a * d - c * b !== 0) assert.ok(Object.is((inv([[a, b], [c, d]]) as number[][])[1]![1], a / (a * d - c * b)));
    solved++;
  }
  assert.ok(solved > 700 && singular >= 2, `solved ${solved}, singular ${singular}`);
});

test.run();
