import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  inverseVolatilityWeights, kRebalInfoBenefitUsd, kRebalInfoCostUsd, kRebalInfoLength, kRebalInfoMaxDrift,
  kRebalInfoTrackingError, kRebalInfoTurnover, kRebalParamBand, kRebalParamCostBps, kRebalParamFixedCostUsd,
  kRebalParamHorizonDays, kRebalParamRiskAversion, kRebalParamsLength, rebalanceDecision, rebalanceTrades,
  riskBudgetWeights, riskContributions,
} from './portfolio.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

/** Covariance from volatilities and a correlation matrix, flat row-major. */
function covariance(sd: number[], rho: number[][]): Float64Array {
  const n = sd.length;
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cov[i * n + j] = rho[i]![j]! * sd[i]! * sd[j]!;
  return cov;
}

test('inverse-volatility weights', () => {
  const out = new Float64Array(3);
  // 1/0.01 = 100, 1/0.02 = 50, 1/0.04 = 25; total 175 → 4/7, 2/7, 1/7
  assert.ok(inverseVolatilityWeights(new Float64Array([0.01, 0.02, 0.04]), 3, out));
  near(out[0]!, 4 / 7, 1e-15, 'w0');
  near(out[1]!, 2 / 7, 1e-15, 'w1');
  near(out[2]!, 1 / 7, 1e-15, 'w2');
  assert.is(inverseVolatilityWeights(new Float64Array([0.01, 0, 0.04]), 3, out), false, 'σ = 0 refused');
  assert.ok(Number.isNaN(out[0]!), 'NaN written');
  assert.is(inverseVolatilityWeights(new Float64Array([0.01, NaN]), 2, out), false, 'NaN refused');
});

test('risk contributions by hand', () => {
  // Σ = [[4e-4, 3e-4], [3e-4, 9e-4]], w = (0.6, 0.4): Σw = (3.6e-4, 5.4e-4)
  // RC = (0.6·3.6e-4, 0.4·5.4e-4) = (2.16e-4, 2.16e-4) / 4.32e-4 = (0.5, 0.5)
  const out = new Float64Array(2);
  const v = riskContributions(new Float64Array([4e-4, 3e-4, 3e-4, 9e-4]), new Float64Array([0.6, 0.4]), 2, out);
  near(v, 4.32e-4, 1e-18, 'variance');
  near(out[0]!, 0.5, 1e-15, 'RC0');
  near(out[1]!, 0.5, 1e-15, 'RC1');
  assert.ok(Number.isNaN(riskContributions(new Float64Array(4), new Float64Array([1, 0]), 2, out)), 'zero variance');
});

test('risk parity: two assets have w ∝ 1/σ whatever the correlation', () => {
  const out = new Float64Array(2), scratch = new Float64Array(2);
  for (const rho of [-0.8, 0, 0.5, 0.95]) {
    // σ = 2 %, 3 %: w = (1/0.02, 1/0.03)/(50 + 33.33) = (0.6, 0.4)
    const sweeps = riskBudgetWeights(covariance([0.02, 0.03], [[1, rho], [rho, 1]]), 2, null, out, scratch);
    assert.ok(sweeps >= 1, `converged for ρ = ${rho}`);
    near(out[0]!, 0.6, 1e-9, `w0 for ρ = ${rho}`);
    near(out[1]!, 0.4, 1e-9, `w1 for ρ = ${rho}`);
  }
});

test('risk parity: uncorrelated assets give inverse-volatility weights', () => {
  const sd = [0.01, 0.02, 0.05, 0.03];
  const n = sd.length;
  const rho = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  const out = new Float64Array(n), scratch = new Float64Array(n), iv = new Float64Array(n);
  assert.ok(riskBudgetWeights(covariance(sd, rho), n, null, out, scratch) >= 1);
  inverseVolatilityWeights(new Float64Array(sd), n, iv);
  for (let i = 0; i < n; i++) near(out[i]!, iv[i]!, 1e-10, `w${i}`);
});

test('risk parity: equal risk contributions to 1e-8 on correlated matrices', () => {
  // a 4-asset book (ETH, BTC, a stablecoin LP, an alt) and a 12-asset matrix Σ = AAᵀ + 1e-5·I from a
  // fixed-seed generator (positive definite by construction)
  const cases: Float64Array[] = [covariance([0.02, 0.035, 0.01, 0.05],
    [[1, 0.3, -0.2, 0.6], [0.3, 1, 0.1, 0.4], [-0.2, 0.1, 1, -0.1], [0.6, 0.4, -0.1, 1]])];
  const n12 = 12;
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  const a = Array.from({ length: n12 * n12 }, () => rand() * 0.02);
  const big = new Float64Array(n12 * n12);
  for (let i = 0; i < n12; i++) {
    for (let j = 0; j < n12; j++) {
      let s = i === j ? 1e-5 : 0;
      for (let k = 0; k < n12; k++) s += a[i * n12 + k]! * a[j * n12 + k]!;
      big[i * n12 + j] = s;
    }
  }
  cases.push(big);
  for (const cov of cases) {
    const n = Math.round(Math.sqrt(cov.length));
    const w = new Float64Array(n), scratch = new Float64Array(n), rc = new Float64Array(n);
    const sweeps = riskBudgetWeights(cov, n, null, w, scratch);
    assert.ok(sweeps >= 1 && sweeps < 10_000, `converged in ${sweeps} sweeps (n = ${n})`);
    let total = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(w[i]! > 0, 'long only');
      total += w[i]!;
    }
    near(total, 1, 1e-14, 'fully invested');
    riskContributions(cov, w, n, rc);
    for (let i = 0; i < n; i++) near(rc[i]!, 1 / n, 1e-8, `RC${i} of ${n}`);
  }
});

test('risk budgeting with unequal budgets', () => {
  // diagonal Σ, σ = (0.1, 0.2, 0.2), budgets (2, 1, 1) → (0.5, 0.25, 0.25): RCᵢ ∝ wᵢ²σᵢ² = bᵢ
  // ⇒ wᵢ ∝ √bᵢ/σᵢ = (7.0710678, 2.5, 2.5)/12.0710678 = (0.5857864, 0.2071068, 0.2071068)
  const cov = new Float64Array([0.01, 0, 0, 0, 0.04, 0, 0, 0, 0.04]);
  const w = new Float64Array(3), scratch = new Float64Array(3), rc = new Float64Array(3);
  assert.ok(riskBudgetWeights(cov, 3, new Float64Array([2, 1, 1]), w, scratch) >= 1);
  near(w[0]!, 0.5857864376269049, 1e-10, 'w0');
  near(w[1]!, 0.20710678118654757, 1e-10, 'w1');
  riskContributions(cov, w, 3, rc);
  near(rc[0]!, 0.5, 1e-9, 'RC0 = 0.5');
  near(rc[2]!, 0.25, 1e-9, 'RC2 = 0.25');
});

test('risk parity: invalid input and non-convergence', () => {
  const w = new Float64Array(2), scratch = new Float64Array(2);
  assert.is(riskBudgetWeights(new Float64Array([0, 0, 0, 1e-4]), 2, null, w, scratch), -1, 'zero variance');
  assert.ok(Number.isNaN(w[0]!), 'NaN written');
  assert.is(riskBudgetWeights(new Float64Array([1e-4, 0, 0, 1e-4]), 2, new Float64Array([1, 0]), w, scratch), -1,
    'zero budget');
  assert.is(riskBudgetWeights(new Float64Array([1e-4, 0, 0, NaN]), 2, null, w, scratch), -1, 'NaN');
  assert.is(riskBudgetWeights(new Float64Array([1e-4, 0, 0]), 2, null, w, scratch), -1, 'matrix too short');
  // "correlation" −2: no positive x solves x₁(x₁ − 2x₂) = x₂(x₂ − 2x₁) = ½
  assert.is(riskBudgetWeights(new Float64Array([1, -2, -2, 1]), 2, null, w, scratch, 1e-10, 500), -1,
    'not positive definite');
});

test('rebalancing trades', () => {
  const out = new Float64Array(3);
  // (0.5, 0.3, 0.2) → (0.4, 0.4, 0.2) on 1 M: −100 000, +100 000, 0; turnover 0.2
  const turnover = rebalanceTrades(new Float64Array([0.5, 0.3, 0.2]), new Float64Array([0.4, 0.4, 0.2]), 3, 1e6, out);
  near(turnover, 0.2, 1e-15, 'turnover');
  near(out[0]!, -100_000, 1e-9, 'sell');
  near(out[1]!, 100_000, 1e-9, 'buy');
  near(out[2]!, 0, 0, 'hold');
});

test('rebalance decision: band and cost against the tracking-error benefit', () => {
  // ETH (σ 2 %/day) and a stablecoin (σ 0.1 %/day), uncorrelated; target 50/50, current 60/40, V = 1 M.
  // d = (−0.1, 0.1); dᵀΣd = 0.01·4e-4 + 0.01·1e-6 = 4.01e-6; h = 30 → TE² = 1.203e-4, TE = 1.0968 %
  // λ = 4: benefit = ½·4·1.203e-4·1e6 = 240.6 USD
  // cost at 10 bps: 1e-3·0.2·1e6 = 200, plus 2 assets · 10 USD = 220 USD → rebalance
  const cov = new Float64Array([4e-4, 0, 0, 1e-6]);
  const current = new Float64Array([0.6, 0.4]), target = new Float64Array([0.5, 0.5]);
  const params = new Float64Array(kRebalParamsLength);
  params[kRebalParamBand] = 0.05;
  params[kRebalParamRiskAversion] = 4;
  params[kRebalParamHorizonDays] = 30;
  params[kRebalParamCostBps] = 10;
  params[kRebalParamFixedCostUsd] = 10;
  const trades = new Float64Array(2), info = new Float64Array(kRebalInfoLength);
  assert.is(rebalanceDecision(current, target, cov, 2, 1e6, params, trades, info), true, 'worth it');
  near(info[kRebalInfoMaxDrift]!, 0.1, 1e-15, 'max drift');
  near(info[kRebalInfoTrackingError]!, 0.01096813566655701, 1e-15, 'tracking error');
  near(info[kRebalInfoBenefitUsd]!, 240.6, 1e-9, 'benefit');
  near(info[kRebalInfoCostUsd]!, 220, 1e-9, 'cost');
  near(info[kRebalInfoTurnover]!, 0.2, 1e-15, 'turnover');
  near(trades[0]!, -100_000, 1e-9, 'sell ETH');
  near(trades[1]!, 100_000, 1e-9, 'buy the stablecoin');
  // 12 bps: cost 240 + 20 = 260 > 240.6 → hold, trades zero
  params[kRebalParamCostBps] = 12;
  assert.is(rebalanceDecision(current, target, cov, 2, 1e6, params, trades, info), false, 'too costly');
  near(info[kRebalInfoCostUsd]!, 260, 1e-9, 'cost at 12 bps');
  assert.is(trades[0], 0);
  assert.is(trades[1], 0);
  // back to 10 bps but the band is 0.15 > drift 0.1 → hold even though the benefit exceeds the cost
  params[kRebalParamCostBps] = 10;
  params[kRebalParamBand] = 0.15;
  assert.is(rebalanceDecision(current, target, cov, 2, 1e6, params, trades, info), false, 'inside the band');
  assert.ok(info[kRebalInfoBenefitUsd]! > info[kRebalInfoCostUsd]!, 'benefit alone would have traded');
  // no drift at all: nothing to do, no fixed cost counted
  params[kRebalParamBand] = 0;
  assert.is(rebalanceDecision(target, target, cov, 2, 1e6, params, trades, info), false, 'on target');
  assert.is(info[kRebalInfoCostUsd], 0);
  // invalid
  assert.is(rebalanceDecision(new Float64Array([NaN, 0.4]), target, cov, 2, 1e6, params, trades, info), false);
  assert.ok(Number.isNaN(trades[0]!) && Number.isNaN(info[kRebalInfoBenefitUsd]!), 'NaN written for NaN weights');
  assert.is(rebalanceDecision(current, target, cov, 2, -1, params, trades, info), false, 'negative value');
});

test('rebalance benefit equals the utility loss of the drift (mean-variance check)', () => {
  // Target = the mean-variance optimum over fully invested portfolios for μ, Σ, λ; the utility of
  // the drifted portfolio must be lower by exactly ½·λ·dᵀΣd (h = 1, V = 1).
  const n = 3;
  const cov = covariance([0.02, 0.03, 0.01], [[1, 0.4, 0.1], [0.4, 1, 0.2], [0.1, 0.2, 1]]);
  const lambda = 5;
  // unconstrained-in-sign optimum with Σw = 1: w* = Σ⁻¹(μ − ν·1)/λ; pick w* and derive μ = λΣw* + ν·1
  const wStar = [0.5, 0.2, 0.3], nu = 0.0003;
  const mu = [0, 0, 0].map((_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += cov[i * n + j]! * wStar[j]!;
    return lambda * s + nu;
  });
  const utility = (w: number[]): number => {
    let m = 0, v = 0;
    for (let i = 0; i < n; i++) {
      m += mu[i]! * w[i]!;
      for (let j = 0; j < n; j++) v += w[i]! * cov[i * n + j]! * w[j]!;
    }
    return m - 0.5 * lambda * v;
  };
  const current = [0.58, 0.15, 0.27]; // sums to 1
  const params = new Float64Array(kRebalParamsLength);
  params[kRebalParamRiskAversion] = lambda;
  params[kRebalParamHorizonDays] = 1;
  const trades = new Float64Array(n), info = new Float64Array(kRebalInfoLength);
  rebalanceDecision(new Float64Array(current), new Float64Array(wStar), cov, n, 1, params, trades, info);
  near(info[kRebalInfoBenefitUsd]!, utility(wStar) - utility(current), 1e-15, 'benefit = utility gain');
});

test.run();
