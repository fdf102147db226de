// The risk assessor's per-slot table and records on cases worked out by hand.
// Variance rate (per µs) of a book's mid, the EWMA ratio estimator of workers/agents/volatility.ts:
//   first return: A = r², B = Δt; then A ← λ·A + (1 − λ)·r², B ← λ·B + (1 − λ)·Δt  (λ = 0.94);
//   σ_daily = √(A/B · 86 400·10⁶)
// VaR per dollar = z₀.₉₉·σ·√h (z₀.₉₉ = 2.3263478740), CVaR factor φ(z)/(1 − α) = 2.6652142203.
// Max position = min(riskBudget/VaR per dollar, depthShare·depth, concentrationCap·capital).
// Stop-loss (long) = mid·(1 − k·σ·√h). Table score = 10·(0.3·concentration + 0.3·liquidity + 0.4·market),
//   liquidity = 1 − 2^(−(position/depth)/0.05), market = min(1, σ·√365).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  kAlertLiquidationCascade, kAlertLiquidations, kAlertMajorMove, kRecPortfolioRisk, kRecRiskAlert,
  kRiskTableMaxPositionUsd, kRiskTableScore, kRiskTableSigmaDaily, kRiskTableStopLoss,
} from './records.ts';
import { cascade, createHarness, kSecUs, kT0, liquidation, price, yieldUpdate } from './testing/state_builder.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
function rel(actual: number, expected: number, tol: number, what: string): void {
  near(actual, expected, Math.abs(expected) * tol, what);
}

const kZ99 = 2.3263478740408408; // Φ⁻¹(0.99), from tables
const kCvar99 = 2.665214220345808; // φ(z₀.₉₉)/0.01

// Three ticks of A:ETH/USDT: mid 2000 → 2000.2 (1 s later) → 2000 (2 s later).
function ticks(bidSize: number, askSize: number): object[] {
  return [
    price(kT0, 'A', 'ETH', 'USDT', 1999.9, 2000.1, bidSize, askSize),
    price(kT0 + kSecUs, 'A', 'ETH', 'USDT', 2000.1, 2000.3, bidSize, askSize),
    price(kT0 + 3 * kSecUs, 'A', 'ETH', 'USDT', 1999.9, 2000.1, bidSize, askSize),
  ];
}
// r = ln(2000.2/2000) = ln(1.0001) = 9.99950003e-5 (the return back is −r)
const r = Math.log(1.0001);
// after tick 2: A = r², B = 1 s → σ = r·√86 400 = r·293.9388 = 0.02939241
const sigma1 = r * Math.sqrt(86_400);
// after tick 3: A = 0.94·r² + 0.06·r² = r², B = 0.94·1 s + 0.06·2 s = 1.06 s
//   → σ = r·√(86 400/1.06) = r·285.4986 = 0.02854843
const sigma2 = r * Math.sqrt(86_400 / 1.06);

const aave = yieldUpdate(kT0, 'aave', 'usdc', { apy: 8, tvlUsd: 1e8, ilRisk: 'no', exposure: 'single', stablecoin: true });
const universe = [...ticks(500, 500), aave, cascade(kT0, 'aave', 1)];

test('EWMA σ from three ticks, max position bound by the VaR budget, stop-loss, table score', () => {
  const h = createHarness('risk_assessor', universe);
  const [t0, t1, t2] = ticks(500, 500);
  const eth = h.slot('A:ETH/USDT');
  h.feed([t0!]);
  h.cycle();
  assert.ok(Number.isNaN(h.table(kRiskTableSigmaDaily, eth)), 'no σ from one tick');
  h.feed([t1!]);
  h.cycle();
  rel(h.table(kRiskTableSigmaDaily, eth), sigma1, 1e-9, 'σ after the first return');
  near(sigma1, 0.02939241, 1e-8, 'σ₁ (number)');
  h.feed([t2!]);
  h.cycle();
  rel(h.table(kRiskTableSigmaDaily, eth), sigma2, 1e-9, 'σ after the second return');
  near(sigma2, 0.02854843, 1e-8, 'σ₂ (number)');
  // VaR per dollar = 2.3263479·0.02854843 = 0.0664136; budget 100 000 → 1 505 716 USD
  // depth = 500·1999.9 + 500·2000.1 = 2 000 000 (share 1 for a book); concentration 0.25·10 M = 2.5 M
  const byRisk = 100_000 / (kZ99 * sigma2);
  near(byRisk, 1_505_716, 1, 'VaR-budget bound (number)');
  rel(h.table(kRiskTableMaxPositionUsd, eth), byRisk, 1e-9, 'max position = VaR budget bound');
  // stop = 2000·(1 − 2·0.02854843) = 1885.8063
  rel(h.table(kRiskTableStopLoss, eth), 2000 * (1 - 2 * sigma2), 1e-9, 'stop-loss');
  near(h.table(kRiskTableStopLoss, eth), 1885.8063, 1e-3, 'stop-loss (number)');
  // liquidity = 1 − 2^(−(1 505 716/2 000 000)/0.05) = 1 − 2^(−15.057) = 0.99997; market = σ·√365 = 0.5454170
  // score = 10·(0 + 0.3·0.99997 + 0.4·0.5454170) = 5.18158
  const liq = 1 - 2 ** (-(byRisk / 2_000_000) / 0.05);
  rel(h.table(kRiskTableScore, eth), 10 * (0.3 * liq + 0.4 * sigma2 * Math.sqrt(365)), 1e-9, 'table score');
  near(h.table(kRiskTableScore, eth), 5.18158, 1e-5, 'table score (number)');
});

test('max position bound by depth, then by the concentration cap', () => {
  // sizes 100/100: depth = 100·1999.9 + 100·2000.1 = 400 000 < 1 505 716 → 400 000
  let h = createHarness('risk_assessor', universe);
  for (const t of ticks(100, 100)) { h.feed([t]); h.cycle(); }
  const eth = h.slot('A:ETH/USDT');
  near(h.table(kRiskTableMaxPositionUsd, eth), 400_000, 1e-6, 'depth bound');
  // budget 10 M → 150.6 M by VaR; sizes 2000/2000 → depth 8 M; concentration 0.25·10 M = 2.5 M binds
  h = createHarness('risk_assessor', universe, (c) => { c.risk.riskBudgetUsd = 10_000_000; });
  for (const t of ticks(2000, 2000)) { h.feed([t]); h.cycle(); }
  near(h.table(kRiskTableMaxPositionUsd, eth), 2_500_000, 1e-6, 'concentration bound');
});

test('a yield pool: σ by stablecoin flag, TVL share, blended pool risk', () => {
  const h = createHarness('risk_assessor', universe);
  const pool = h.slot('aave:usdc');
  h.setPosition(pool, 1_000_000); // 1 M USD supplied
  h.feed([aave]);
  h.cycle();
  // stablecoin → σ 0.001; max = min(1e5/(2.3263·0.001) = 42.99 M, 0.02·1e8 = 2 M, 2.5 M) = 2 M
  near(h.table(kRiskTableSigmaDaily, pool), 0.001, 0, 'σ of a stablecoin pool');
  near(h.table(kRiskTableMaxPositionUsd, pool), 2_000_000, 1e-6, 'TVL share bound');
  assert.ok(Number.isNaN(h.table(kRiskTableStopLoss, pool)), 'no stop-loss for a pool');
  // concentration 1 M/10 M = 0.1; liquidity = 1 − 2^(−0.01/0.05) = 1 − 2^−0.2 = 0.1294494;
  // market = 0.001·√365 = 0.0191050 → composite = 10·(0.03 + 0.0388348 + 0.0076420) = 0.7647682
  // pool risk (riskScore0to10: no IL, single, stable, aave 0.97, TVL 1e8) = 10·(0.25·0.03 + 0.15·0.25) = 0.45
  // table score = (0.7647682 + 0.45)/2 = 0.6073841
  const composite = 10 * (0.3 * 0.1 + 0.3 * (1 - 2 ** -0.2) + 0.4 * 0.001 * Math.sqrt(365));
  rel(h.table(kRiskTableScore, pool), 0.5 * (composite + 0.45), 1e-12, 'blended pool score');
  near(h.table(kRiskTableScore, pool), 0.6073841, 1e-7, 'blended pool score (number)');
});

test('a liquidation cascade above the threshold raises an alert with severity 5 + 5·volume/(4·threshold)', () => {
  const h = createHarness('risk_assessor', [...universe, cascade(kT0, 'aave', 10_000_000)]);
  const proto = h.slot('protocol:aave');
  // 10 M with the 5 M threshold: severity = 5 + 5·10/(4·5) = 7.5
  h.feed([cascade(kT0, 'aave', 10_000_000)]);
  let recs = h.cycle();
  assert.equal(recs, [{ kind: kRecRiskAlert, slotA: proto, slotB: -1, score: 7.5, value: 10_000_000, size: 0, risk: 0, aux: kAlertLiquidationCascade }]);
  // the alert is raised once, not again in the next cycle
  assert.equal(h.cycle(kT0 + kSecUs), []);
  // 40 M more: 5 + 5·40/20 = 15 → capped at 10; the volume is this cascade's, not the cumulative
  h.feed([cascade(kT0 + 2 * kSecUs, 'aave', 40_000_000)]);
  recs = h.cycle();
  assert.is(recs.length, 1);
  assert.is(recs[0]!.score, 10);
  assert.is(recs[0]!.value, 40_000_000);
});

test('a liquidation cascade below cascadeAlertUsd raises no alert (config: "volume that raises an alert")', () => {
  const h = createHarness('risk_assessor', universe);
  h.feed([cascade(kT0, 'aave', 1_000_000)]); // 1 M < 5 M
  assert.equal(h.cycle(), []);
});

test('large liquidations: an alert when the volume since the last cycle reaches the threshold', () => {
  const h = createHarness('risk_assessor', [...universe, liquidation(kT0, 'aave', 1)]);
  const proto = h.slot('protocol:aave');
  // 3 M + 3 M in one cycle = 6 M ≥ 5 M: severity = min(10, 3·6/5) = 3.6
  h.feed([liquidation(kT0, 'aave', 3_000_000), liquidation(kT0 + 1, 'aave', 3_000_000)]);
  const recs = h.cycle();
  assert.is(recs.length, 1);
  const a = recs[0]!;
  assert.is(a.kind, kRecRiskAlert);
  assert.is(a.slotA, proto);
  assert.is(a.aux, kAlertLiquidations);
  near(a.score, 3.6, 1e-12, 'severity');
  near(a.value, 6_000_000, 0, 'volume');
  // 1 M more is below the threshold
  h.feed([liquidation(kT0 + kSecUs, 'aave', 1_000_000)]);
  assert.equal(h.cycle(), []);
});

test('a major price movement of 2 % or more raises an alert with severity |change|', () => {
  const move = (ts: number, changePct: number): object => ({
    ts, type: 'major_price_movement', topic: 'market.prices.A', key: 'A:ETH/USDT',
    data: { venue: 'A', base: 'ETH', quote: 'USDT', changePct, price: 1930 },
  });
  const h = createHarness('risk_assessor', [...universe, move(kT0, -3.5)]);
  h.feed([move(kT0, -3.5)]);
  const recs = h.cycle();
  assert.is(recs.length, 1);
  assert.is(recs[0]!.slotA, h.slot('signal:A:ETH/USDT'));
  assert.is(recs[0]!.aux, kAlertMajorMove);
  near(recs[0]!.score, 3.5, 1e-12, 'severity');
  h.feed([move(kT0 + 1, 1.5)]); // below 2 %
  assert.equal(h.cycle(), []);
});

test('portfolio risk: HHI, VaR, CVaR and composite of what is held', () => {
  const h = createHarness('risk_assessor', universe);
  const eth = h.slot('A:ETH/USDT');
  const pool = h.slot('aave:usdc');
  for (const t of ticks(500, 500)) { h.feed([t]); h.cycle(); }
  assert.equal(h.cycle(kT0 + 4 * kSecUs), [], 'no positions: no portfolio record');
  h.setPosition(eth, 10); // 10 ETH at mid 2000 = 20 000 USD
  h.setPosition(pool, 1_000_000); // 1 M USD in a stablecoin pool (σ 0.001)
  h.feed([aave]);
  const recs = h.cycle();
  assert.is(recs.length, 1);
  const p = recs[0]!;
  assert.is(p.kind, kRecPortfolioRisk);
  assert.is(p.slotA, -1);
  assert.is(p.slotB, -1);
  // weights 20 000/1 020 000 = 1/51 and 50/51 → HHI = (1 + 2500)/2601 = 0.9615532
  near(p.score, 2501 / 2601, 1e-12, 'HHI');
  // σ_USD = √((20 000·0.02854843)² + (1 000 000·0.001)²) = √(570.969² + 1000²) = 1151.523
  const sigmaUsd = Math.sqrt((20_000 * sigma2) ** 2 + 1000 ** 2);
  near(sigmaUsd, 1151.523, 1e-3, 'σ USD (number)');
  // VaR = 2.3263479·1151.523 = 2678.84; CVaR = 2.6652142·1151.523 = 3069.06
  rel(p.value, kZ99 * sigmaUsd, 1e-9, 'VaR');
  rel(p.size, kCvar99 * sigmaUsd, 1e-9, 'CVaR');
  near(p.value, 2678.84, 0.01, 'VaR (number)');
  near(p.size, 3069.06, 0.01, 'CVaR (number)');
  // composite = 10·(0.3·0.9615532 + 0 + 0.4·min(1, 2678.84/(100 000·10))) = 2.884660 + 0.010715 = 2.895375
  rel(p.risk, 10 * (0.3 * 2501 / 2601 + 0.4 * (kZ99 * sigmaUsd) / 1_000_000), 1e-9, 'composite');
  near(p.risk, 2.895375, 1e-6, 'composite (number)');
  near(p.aux, 2, 0, 'positions held');
});

test.run();
