import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matrix, multiply, transpose } from 'mathjs';
import {
  compositeRiskScore, cvarParametric, hhi, hhiNormalized, liquidityRisk, marketRiskFromVolatility, maxPositionSize,
  portfolioVaR, portfolioVariance, stopLossLong, stopLossShort, varParametric,
} from './risk.ts';
import { normalPdf } from './stats.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

test('HHI', () => {
  // shares 0.5, 0.3, 0.2: 0.25 + 0.09 + 0.04 = 0.38
  near(hhi(new Float64Array([50, 30, 20]), 3), 0.38, 1e-15, 'HHI');
  // normalised: (0.38 − 1/3)/(2/3) = 0.07
  near(hhiNormalized(new Float64Array([50, 30, 20]), 3), 0.07, 1e-15, 'normalised HHI');
  // a short counts as exposure: |−50|, 30, 20 → same 0.38
  near(hhi(new Float64Array([-50, 30, 20]), 3), 0.38, 1e-15, 'shorts by absolute value');
  near(hhi(new Float64Array([1, 1, 1, 1]), 4), 0.25, 1e-15, 'equal weights: 1/n');
  near(hhiNormalized(new Float64Array([1, 1, 1, 1]), 4), 0, 1e-15, 'equal → 0');
  near(hhi(new Float64Array([0, 7, 0]), 3), 1, 0, 'one position → 1');
  near(hhiNormalized(new Float64Array([0, 7, 0]), 3), 1, 1e-15, 'one position → normalised 1');
  near(hhiNormalized(new Float64Array([3]), 1), 1, 0, 'n = 1');
  // only the first n entries count: [50, 50] of [50, 50, 900] → 0.5
  near(hhi(new Float64Array([50, 50, 900]), 2), 0.5, 1e-15, 'range');
  assert.ok(Number.isNaN(hhi(new Float64Array([0, 0]), 2)), 'all zero → NaN');
  assert.ok(Number.isNaN(hhi(new Float64Array([1, NaN]), 2)), 'NaN → NaN');
  assert.ok(Number.isNaN(hhi(new Float64Array([1, 2]), 3)), 'n past the end → NaN');
});

test('liquidity risk mapping', () => {
  // 1 − 2^(−ρ/0.05): ρ = 5 % → 0.5; 10 % → 0.75; 1 % → 1 − 2^−0.2 = 0.1294494
  near(liquidityRisk(50_000, 1_000_000), 0.5, 1e-15, '5 % of depth');
  near(liquidityRisk(100_000, 1_000_000), 0.75, 1e-15, '10 % of depth');
  near(liquidityRisk(10_000, 1_000_000), 0.12944943670387588, 1e-15, '1 % of depth');
  near(liquidityRisk(-100_000, 1_000_000), 0.75, 1e-15, 'a short is the same size');
  // custom half-risk share 20 %: 10 % → 1 − 2^−0.5 = 0.2928932
  near(liquidityRisk(100_000, 1_000_000, 0.2), 1 - Math.SQRT1_2, 1e-15, 'custom half share');
  assert.is(liquidityRisk(0, 1_000_000), 0, 'no position');
  assert.is(liquidityRisk(1, 0), 1, 'no depth');
  assert.is(liquidityRisk(0, 0), 0, 'nothing at all');
  assert.ok(Number.isNaN(liquidityRisk(1, -5)), 'negative depth → NaN');
  assert.ok(Number.isNaN(liquidityRisk(NaN, 5)), 'NaN → NaN');
});

test('parametric VaR and CVaR of one position', () => {
  // σ = 2 %, V = 1e6, α = 99 %, h = 1: 2.326347874 · 20 000 = 46 526.96
  near(varParametric(1_000_000, 0.02, 0.99, 1), 46_526.957480816822, 1e-8, 'VaR 99 % 1 day');
  // CVaR = φ(2.326348)/0.01 · 20 000 = 2.665214220 · 20 000 = 53 304.28
  near(cvarParametric(1_000_000, 0.02, 0.99, 1), 53_304.284406916096, 1e-8, 'CVaR 99 % 1 day');
  // 10 days: × √10 → 147 131.16
  near(varParametric(1_000_000, 0.02, 0.99, 10), 147_131.15823719109, 1e-7, 'VaR 99 % 10 days');
  // 95 %: 1.644853627 · 20 000 = 32 897.07; CVaR 2.062712808 · 20 000 = 41 254.26
  near(varParametric(1_000_000, 0.02, 0.95, 1), 32_897.072539029454, 1e-8, 'VaR 95 %');
  near(cvarParametric(1_000_000, 0.02, 0.95, 1), 41_254.256150148520, 1e-8, 'CVaR 95 %');
  near(varParametric(-1_000_000, 0.02, 0.99, 1), 46_526.957480816822, 1e-8, 'short position');
  // the quantile memo follows a change of α and back
  near(cvarParametric(1_000_000, 0.02, 0.95, 1), 41_254.256150148520, 1e-8, 'CVaR 95 % after 99 %');
  near(varParametric(1_000_000, 0.02, 0.99, 1), 46_526.957480816822, 1e-8, 'VaR 99 % after 95 %');
  near(cvarParametric(1_000_000, 0.02, 0.99, 1), 53_304.284406916096, 1e-8, 'CVaR 99 % after 95 %');
  assert.is(varParametric(1_000_000, 0, 0.99, 1), 0, 'no volatility');
  assert.ok(Number.isNaN(varParametric(1e6, 0.02, 1, 1)), 'α = 1 → NaN');
  assert.ok(Number.isNaN(varParametric(1e6, -0.02, 0.99, 1)), 'σ < 0 → NaN');
  assert.ok(Number.isNaN(cvarParametric(1e6, 0.02, 0.99, -1)), 'h < 0 → NaN');
  assert.ok(Number.isNaN(cvarParametric(NaN, 0.02, 0.99, 1)), 'NaN value → NaN');
});

test('CVaR equals the mean loss beyond VaR (numerical integral of the normal tail)', () => {
  for (const alpha of [0.9, 0.95, 0.975, 0.99, 0.999]) {
    const z = varParametric(1, 1, alpha, 1);
    // E[X | X > z] = ∫_z^∞ x φ(x) dx / (1 − α), Simpson's rule on [z, z + 12]
    const steps = 20_000, h = 12 / steps;
    let sum = 0;
    for (let i = 0; i <= steps; i++) {
      const x = z + i * h;
      const w = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
      sum += w * x * normalPdf(x);
    }
    const tailMean = (sum * h) / 3 / (1 - alpha);
    near(cvarParametric(1, 1, alpha, 1), tailMean, 1e-9, `CVaR at α = ${alpha}`);
    assert.ok(cvarParametric(1, 1, alpha, 1) > z, 'CVaR > VaR');
  }
});

test('portfolio variance and VaR', () => {
  // σ = 2 %, 3 %, ρ = 0.5: Σ = [[4e-4, 3e-4], [3e-4, 9e-4]], w = (0.6, 0.4)
  // wᵀΣw = 0.36·4e-4 + 2·0.24·3e-4 + 0.16·9e-4 = 1.44e-4 · 3 = 4.32e-4; σp = 2.0784610 %
  const cov = new Float64Array([4e-4, 3e-4, 3e-4, 9e-4]);
  const w = new Float64Array([0.6, 0.4]);
  near(portfolioVariance(cov, w, 2), 4.32e-4, 1e-18, 'variance');
  // VaR 99 %, 1 day, 1e6: 2.326347874 · 0.020784610 · 1e6 = 48 352.23
  near(portfolioVaR(cov, w, 2, 1_000_000, 0.99, 1), 48_352.232567022956, 1e-8, 'portfolio VaR');
  // diversification: below the sum of the stand-alone VaRs (0.6·46 526.96 + 0.4·69 790.44 = 55 832.35)
  assert.ok(portfolioVaR(cov, w, 2, 1e6, 0.99, 1) <
    varParametric(600_000, 0.02, 0.99, 1) + varParametric(400_000, 0.03, 0.99, 1), 'sub-additive');
  // ρ = 1 makes it additive: Σ = [[4e-4, 6e-4], [6e-4, 9e-4]] → σp = 0.6·2 % + 0.4·3 % = 2.4 %
  near(portfolioVaR(new Float64Array([4e-4, 6e-4, 6e-4, 9e-4]), w, 2, 1e6, 0.99, 1),
    varParametric(600_000, 0.02, 0.99, 1) + varParametric(400_000, 0.03, 0.99, 1), 1e-8, 'perfect correlation');
  assert.ok(Number.isNaN(portfolioVariance(cov, w, 3)), 'n too large → NaN');
  // an indefinite "covariance" gives a negative variance → VaR NaN
  assert.ok(Number.isNaN(portfolioVaR(new Float64Array([1e-4, 5e-4, 5e-4, 1e-4]), new Float64Array([1, -1]), 2, 1, 0.99, 1)),
    'negative variance → NaN');
});

test('portfolio variance matches mathjs on a 4-asset matrix', () => {
  const sd = [0.02, 0.035, 0.01, 0.05];
  const rho = [[1, 0.3, -0.2, 0.6], [0.3, 1, 0.1, 0.4], [-0.2, 0.1, 1, -0.1], [0.6, 0.4, -0.1, 1]];
  const n = 4;
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cov[i * n + j] = rho[i]![j]! * sd[i]! * sd[j]!;
  const w = new Float64Array([0.4, 0.1, 0.3, 0.2]);
  const m = matrix(Array.from({ length: n }, (_, i) => Array.from(cov.subarray(i * n, i * n + n))));
  const wv = matrix(Array.from(w));
  const expected = multiply(transpose(wv), multiply(m, wv)) as unknown as number;
  near(portfolioVariance(cov, w, n), expected, 1e-18, 'wᵀΣw vs mathjs');
});

test('max position size', () => {
  // VaR per dollar at σ = 2 %, 99 %, 1 day = 0.04652696; budget 10 000 → 214 929.16
  // liquidity: 10 % of 1 M depth = 100 000; concentration: 5 % of 5 M capital = 250 000 → 100 000
  const perDollar = varParametric(1, 0.02, 0.99, 1);
  near(maxPositionSize(10_000, perDollar, 1_000_000, 0.1, 5_000_000, 0.05), 100_000, 1e-9, 'liquidity binds');
  near(maxPositionSize(10_000, perDollar, 10_000_000, 0.1, 5_000_000, 0.05), 214_929.16239199660, 1e-6, 'risk binds');
  near(maxPositionSize(10_000, perDollar, 10_000_000, 0.1, 2_000_000, 0.05), 100_000, 1e-9, 'concentration binds');
  near(maxPositionSize(10_000, 0, 10_000_000, 0.1, 5_000_000, 0.05), 250_000, 1e-9, 'riskless asset');
  assert.is(maxPositionSize(0, perDollar, 1e6, 0.1, 5e6, 0.05), 0, 'no risk budget');
  assert.is(maxPositionSize(1e4, perDollar, 0, 0.1, 5e6, 0.05), 0, 'no depth');
  assert.ok(Number.isNaN(maxPositionSize(1e4, NaN, 1e6, 0.1, 5e6, 0.05)), 'NaN → NaN');
  assert.ok(Number.isNaN(maxPositionSize(-1, perDollar, 1e6, 0.1, 5e6, 0.05)), 'negative → NaN');
});

test('stop-loss levels', () => {
  // entry 2000, σ 3 %, k = 2: 1 day → ∓6 % → 1880 / 2120; 4 days → √4·6 % = 12 % → 1760 / 2240
  near(stopLossLong(2000, 0.03, 1, 2), 1880, 1e-12, 'long, 1 day');
  near(stopLossShort(2000, 0.03, 1, 2), 2120, 1e-12, 'short, 1 day');
  near(stopLossLong(2000, 0.03, 4, 2), 1760, 1e-12, 'long, 4 days');
  near(stopLossShort(2000, 0.03, 4, 2), 2240, 1e-12, 'short, 4 days');
  assert.is(stopLossLong(2000, 0.5, 1, 3), 0, 'floored at 0');
  assert.ok(Number.isNaN(stopLossLong(0, 0.03, 1, 2)), 'entry 0 → NaN');
  assert.ok(Number.isNaN(stopLossShort(2000, NaN, 1, 2)), 'NaN σ → NaN');
});

test('market risk and the composite score', () => {
  // 2 % daily · √365 = 38.21 % a year → 0.3821
  near(marketRiskFromVolatility(0.02), 0.382099463490856, 1e-15, '2 % daily');
  near(marketRiskFromVolatility(0.02, 0.5), 0.764198926981712, 1e-15, 'full at 50 %');
  assert.is(marketRiskFromVolatility(0.1), 1, 'capped at 1');
  assert.ok(Number.isNaN(marketRiskFromVolatility(-0.01)), 'negative σ → NaN');
  // 10·(0.3·0.07 + 0.3·0.5 + 0.4·0.382099) = 10·(0.021 + 0.15 + 0.1528398) = 3.238398
  near(compositeRiskScore(0.07, 0.5, 0.382099463490856), 3.238397853963424, 1e-13, 'composite');
  near(compositeRiskScore(1, 1, 1), 10, 1e-15, 'max');
  near(compositeRiskScore(-1, 0, 2), 4, 1e-15, 'inputs clamped: 10·0.4·1');
  assert.ok(Number.isNaN(compositeRiskScore(NaN, 0, 0)), 'NaN → NaN');
});

test.run();
