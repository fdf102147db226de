import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clAmounts, ilConstantProduct, kClAmountsLength } from './impermanent_loss.ts';
import {
  capitalEfficiency, evaluateRange, expectedIlRange, inRangeFraction, kLpEfficiency, kLpFeeReturn, kLpHalfWidth, kLpIlCost,
  kLpInRange, kLpNetReturn, kLpOutLength, optimalLpSize, optimiseRange,
} from './lp_range.ts';
import { normalCdf } from './stats.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

/** E[f(Z)], Z ~ N(0, 1), by the trapezoid rule on [−12, 12] with 40 001 points (splits make kinks harmless). */
function gaussianExpectation(f: (z: number) => number): number {
  const n = 40_000, a = -12, h = 24 / n;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const z = a + i * h;
    const w = i === 0 || i === n ? 0.5 : 1;
    s += w * f(z) * Math.exp(-0.5 * z * z);
  }
  return (s * h) / Math.sqrt(2 * Math.PI);
}

test('capital efficiency of a range: 1/(1 − e^{−h/2})', () => {
  // h = 2·ln 2: e^{−ln 2} = 1/2 → E = 2 (the range [p/4, 4p] doubles the liquidity per $)
  near(capitalEfficiency(2 * Math.LN2), 2, 1e-14, 'E of [p/4, 4p]');
  // ±10 % in price: h = ln 1.1 → 1/(1 − 1.1^{−1/2}) = 1/(1 − 0.9534626) = 21.4880
  near(capitalEfficiency(Math.log(1.1)), 21.48808848, 1e-7, 'E of [p/1.1, 1.1p]');
  near(capitalEfficiency(Infinity), 1, 0, 'full range');
  // cross-check with the position's value per unit L: full range 2√p against 2√p − √pa − p/√pb
  const out = new Float64Array(kClAmountsLength);
  const h = 0.3, p = 4;
  const vRange = clAmounts(out, 1, p, p * Math.exp(-h), p * Math.exp(h));
  near(capitalEfficiency(h), (2 * Math.sqrt(p)) / vRange, 1e-12, 'E = V_full/V_range at equal L');
});

test('expected IL, full range: e^{−s²/8} − 1 against numerical integration of the exact IL', () => {
  for (const s of [0.05, 0.2, 0.8]) {
    // p_T/p₀ = exp(s·Z − s²/2); V_LP/V₀ = √r, and E[V_HODL/V₀] = E[(r + 1)/2] = 1
    const num = gaussianExpectation((z) => Math.sqrt(Math.exp(s * z - 0.5 * s * s))) - 1;
    near(expectedIlRange(s, Infinity), num, 1e-10, `s = ${s}`);
  }
  // σ = 5 % a day over 7 days: s² = 0.0175 → −0.0021852
  near(expectedIlRange(0.05 * Math.sqrt(7), Infinity), Math.expm1(-0.0175 / 8), 1e-15, 'σ 5 %, 7 days');
  near(expectedIlRange(0.05 * Math.sqrt(7), Infinity), -0.00218511, 1e-8, 'σ 5 %, 7 days (number)');
  // the small-s expansion −σ²T/8
  near(expectedIlRange(0.01, Infinity), -1e-4 / 8, 1e-9, '≈ −s²/8');
  near(expectedIlRange(0, 0.1), 0, 0, 'no volatility');
  assert.ok(Number.isNaN(expectedIlRange(0.1, 0)), 'h = 0');
});

test('expected IL of a concentrated range: closed form against integrating the exact position value', () => {
  const out = new Float64Array(kClAmountsLength);
  for (const [s, h] of [[0.1, 0.05], [0.1, 0.3], [0.3, 0.2], [0.05, 1.5]] as const) {
    const pa = Math.exp(-h), pb = Math.exp(h);
    const v0 = clAmounts(out, 1, 1, pa, pb);
    const x0 = out[0]!, y0 = out[1]!;
    // E[V_LP(p_T) − V_HODL(p_T)]/V₀ with p_T = exp(sZ − s²/2)
    const num = gaussianExpectation((z) => {
      const p = Math.exp(s * z - 0.5 * s * s);
      return (clAmounts(out, 1, p, pa, pb) - (x0 * p + y0)) / v0;
    });
    near(expectedIlRange(s, h), num, 2e-9, `s = ${s}, h = ${h}`);
    assert.ok(expectedIlRange(s, h) < expectedIlRange(s, Infinity), 'a range loses more than the full range');
  }
  // wide ranges converge to the full range
  near(expectedIlRange(0.2, 30), expectedIlRange(0.2, Infinity), 1e-6, 'h = 30');
  // against the deterministic IL: a 2× move on the full range is ilConstantProduct(2) (sanity of the units)
  near(ilConstantProduct(2), -0.0571909584, 1e-10, 'IL(2)');
});

test('time in range: closed form against Simpson integration of the driftless probability', () => {
  for (const [sT, h] of [[0.1, 0.05], [0.1, 0.2], [0.5, 0.3], [0.02, 0.1]] as const) {
    // (1/T)∫₀ᵀ (2Φ(h/(σ√t)) − 1) dt with t = u²T: 2∫₀¹ u·(2Φ(h/(sT·u)) − 1) du
    const n = 20_000;
    let acc = 0;
    for (let i = 0; i <= n; i++) {
      const u = i / n;
      const f = u === 0 ? 0 : 2 * u * (2 * normalCdf(h / (sT * u)) - 1);
      acc += f * (i === 0 || i === n ? 1 : i % 2 ? 4 : 2);
    }
    near(inRangeFraction(sT, h), acc / (3 * n), 1e-7, `sT = ${sT}, h = ${h}`);
  }
  near(inRangeFraction(0.1, Infinity), 1, 0, 'full range');
  near(inRangeFraction(0, 0.1), 1, 0, 'no volatility');
  // b = h/sT = 1: 2·(Φ(1) + φ(1) − (1 − Φ(1))) − 1 = 2·(0.84134475 + 0.24197072 − 0.15865525) − 1 = 0.84932043
  near(inRangeFraction(0.1, 0.1), 0.84932043, 1e-8, 'b = 1 (number)');
});

test('evaluateRange: fee × efficiency × time in range × T, minus the expected loss', () => {
  const out = new Float64Array(kLpOutLength);
  // fees 0.1 % of TVL a day, σ 3 % a day, 7 days, full range: fee 0.7 %, loss 1 − e^{−0.0063/8}
  const net = evaluateRange(out, 0.001, 0.03, 7, Infinity);
  near(out[kLpFeeReturn]!, 0.007, 1e-15, 'fee');
  near(out[kLpIlCost]!, -Math.expm1(-0.0063 / 8), 1e-15, 'loss');
  near(net, 0.007 + Math.expm1(-0.0063 / 8), 1e-15, 'net');
  evaluateRange(out, 0.001, 0.03, 7, 0.2);
  const sT = 0.03 * Math.sqrt(7);
  near(out[kLpFeeReturn]!, 0.001 * capitalEfficiency(0.2) * inRangeFraction(sT, 0.2) * 7, 1e-15, 'range fee');
  near(out[kLpEfficiency]!, capitalEfficiency(0.2), 0, 'E');
  near(out[kLpInRange]!, inRangeFraction(sT, 0.2), 0, 'φ');
});

test('optimiseRange finds the brute-force best half-width (and the full range when fees are thin)', () => {
  const out = new Float64Array(kLpOutLength), scratch = new Float64Array(kLpOutLength), tmp = new Float64Array(kLpOutLength);
  for (const [fee, sigma] of [[0.002, 0.03], [0.0005, 0.05], [0.01, 0.02]] as const) {
    const best = optimiseRange(out, scratch, fee, sigma, 7, 0.001);
    let bruteH = NaN, brute = -Infinity;
    for (let i = 0; i <= 6000; i++) {
      const h = Math.exp(Math.log(0.001) + (i / 6000) * (Math.log(3) - Math.log(0.001)));
      const v = evaluateRange(tmp, fee, sigma, 7, h);
      if (v > brute) { brute = v; bruteH = h; }
    }
    const full = evaluateRange(tmp, fee, sigma, 7, Infinity);
    if (full > brute) { brute = full; bruteH = Infinity; }
    assert.ok(best >= brute - 1e-9 * Math.abs(brute), `fee ${fee}, σ ${sigma}: ${best} vs brute ${brute}`);
    near(out[kLpNetReturn]!, best, 0, 'net written');
    if (bruteH !== Infinity) near(Math.log(out[kLpHalfWidth]!), Math.log(bruteH), 0.01, `h for fee ${fee}, σ ${sigma}`);
  }
  // no fee income: every range loses, the full range loses least
  optimiseRange(out, scratch, 0, 0.05, 7, 0.001);
  assert.is(out[kLpHalfWidth], Infinity, 'full range without fees');
  assert.ok(Number.isNaN(optimiseRange(out, scratch, 0.001, 0, 7, 0.001)), 'σ = 0 → NaN');
});

test('optimal size under dilution: hand value and first-order condition', () => {
  // G = 10 000 over the horizon, φ = 1, E = 1, TVL = 1 M, c = 0.001: √(1e4·1e6/1e-3) − 1e6 = 2.1623 M
  const x = optimalLpSize(10_000, 1, 1, 1_000_000, 0.001);
  near(x, Math.sqrt(1e13) - 1e6, 1e-6, 'x*');
  near(x, 2_162_277.66, 0.01, 'x* (number)');
  const net = (v: number): number => (10_000 * v) / (1_000_000 + v) - 0.001 * v;
  assert.ok(net(x) > net(x * 0.99) && net(x) > net(x * 1.01), 'a maximum');
  // E = 10 on a range: x* = (√(1e4·10·1e6/1e-3) − 1e6)/10
  near(optimalLpSize(10_000, 1, 10, 1_000_000, 0.001), (Math.sqrt(1e14) - 1e6) / 10, 1e-6, 'x* with E = 10');
  near(optimalLpSize(100, 1, 1, 1_000_000, 0.001), 0, 0, 'fees below cost at the margin: 0');
});

test.run();
