// The risk assessor's per-slot table and records on cases worked out by hand.
// Variance rate (per µs) of a book's mid, the EWMA ratio estimator of workers/agents/volatility.ts:
//   first return: A = r², B = Δt; then A ← λ·A + (1 − λ)·r², B ← λ·B + (1 − λ)·Δt  (λ = 0.94);
//   σ_daily = √(A/B · 86 400·10⁶)
// VaR per dollar = z₀.₉₉·σ·√h (z₀.₉₉ = 2.3263478740), CVaR factor φ(z)/(1 − α) = 2.6652142203.
// Max position = min(riskBudget/VaR per dollar, depthShare·depth, concentrationCap·capital).
// Stop-loss (long) = mid·(1 − k·σ·√h). Table score = 10·(0.3·concentration + 0.3·liquidity + 0.4·market),
//   liquidity = 1 − 2^(−(position/depth)/0.05), market = min(1, σ·√365).
// Portfolio VaR before an asset has covariance.minSamples (20) returns on the 1 s clock: its own σ,
// uncorrelated (the first tests); after: z·√(eᵀΣe) with the full EWMA covariance (the last tests).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  kAlertLiquidationCascade, kAlertLiquidations, kAlertMajorMove, kRecMarketRiskFactors, kRecPortfolioRisk, kRecRiskAlert,
  kRiskTableContractRisk, kRiskTableIl, kRiskTableIlAtRisk, kRiskTableLiquidityRisk, kRiskTableMaxPositionUsd,
  kRiskTableScore, kRiskTableSigmaDaily, kRiskTableStopLoss,
} from '../../protocol/records.ts';
import { createHarness, type Harness } from '../../engine/testing/agent_harness.ts';
import { cascade, kSecUs, kT0, liquidation, price, yieldUpdate } from '../../fixtures/events.ts';
import { ilConcentrated, ilConstantProduct } from '../../finance/impermanent_loss.ts';
import { reliabilityOf } from '../../finance/yield_score.ts';

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

// ---- smart-contract risk, impermanent loss, covariance VaR ---------------------------------------

const kPoolV2 = '0x1111111111111111111111111111111111111111';
const kPoolV3 = '0x2222222222222222222222222222222222222222';
function pool(ts: number, dex: string, addr: string, r0: number, r1: number, v3: boolean): object {
  const data: Record<string, unknown> = { dex, pool: addr, token0: 'USDC', token1: 'WETH', reserve0: r0, reserve1: r1, fee: 0.003 };
  if (v3) {
    const x = r0 * 1e6, y = r1 * 1e18;
    data.sqrtPriceX96 = BigInt(Math.round(Math.sqrt(y / x) * 2 ** 96)).toString();
    data.liquidity = BigInt(Math.round(Math.sqrt(x * y))).toString();
    data.tick = 0;
    data.decimals0 = 6;
    data.decimals1 = 18;
  }
  return { ts, type: 'pool_update', topic: `market.prices.${dex}`, key: `${dex}:${addr}`, data };
}

test('smart-contract risk: 1 − the protocol reliability of yield pools and DEX pools; none for books', () => {
  const h = createHarness('risk_assessor', [...universe, pool(kT0, 'uniswap_v2', kPoolV2, 2e6, 1000, false)]);
  h.cycle(kT0);
  near(h.table(kRiskTableContractRisk, h.slot('aave:usdc')), 1 - reliabilityOf('aave'), 1e-15, 'aave');
  near(h.table(kRiskTableContractRisk, h.slot('aave:usdc')), 1 - 0.97, 1e-12, 'aave (number: 5 audits, 4.5 years, tier 4, no incident)');
  near(h.table(kRiskTableContractRisk, h.slot(`uniswap_v2:${kPoolV2}`)), 1 - reliabilityOf('uniswap_v2'), 1e-15, 'uniswap_v2');
  assert.ok(Number.isNaN(h.table(kRiskTableContractRisk, h.slot('A:ETH/USDT'))), 'a book has no contract');
});

test('impermanent loss of AMM pools: since the first price, and at the VaR-quantile move', () => {
  const h = createHarness('risk_assessor', [pool(kT0, 'uniswap_v2', kPoolV2, 2e6, 1000, false), pool(kT0, 'uniswap_v3', kPoolV3, 2e6, 1000, true)]);
  const p2 = h.slot(`uniswap_v2:${kPoolV2}`), p3 = h.slot(`uniswap_v3:${kPoolV3}`);
  h.feed([pool(kT0, 'uniswap_v2', kPoolV2, 2e6, 1000, false), pool(kT0, 'uniswap_v3', kPoolV3, 2e6, 1000, true)]);
  h.cycle();
  near(h.table(kRiskTableIl, p2), 0, 0, 'no move yet');
  // the price (WETH per USDC) rises 25 %: reserves 2e6/√1.25 and 1000·√1.25 keep k
  const up = Math.sqrt(1.25);
  h.feed([pool(kT0 + kSecUs, 'uniswap_v2', kPoolV2, 2e6 / up, 1000 * up, false), pool(kT0 + kSecUs, 'uniswap_v3', kPoolV3, 2e6 / up, 1000 * up, true)]);
  h.cycle();
  // v2: 2·√1.25/2.25 − 1 = 2.2360680/2.25 − 1 = −0.0061920
  near(h.table(kRiskTableIl, p2), ilConstantProduct(1.25), 1e-12, 'v2 IL');
  near(h.table(kRiskTableIl, p2), -0.00619201, 1e-8, 'v2 IL (number)');
  // v3 on the ±10 % reference range around the first price: out of range above, frozen in WETH
  const p0 = 1000 / 2e6;
  near(h.table(kRiskTableIl, p3), ilConcentrated(p0, p0 * 1.25, p0 / 1.1, p0 * 1.1), 1e-9, 'v3 IL on the reference range');
  assert.ok(h.table(kRiskTableIl, p3) < h.table(kRiskTableIl, p2), 'the concentrated range loses more');
  // IL at risk: the pool's σ from its ticks (no book prices WETH here): one return ln 1.25 over 1 s
  const sigma = Math.log(1.25) * Math.sqrt(86_400);
  near(h.table(kRiskTableSigmaDaily, p2), sigma, 1e-9, 'σ of the pool price');
  const move = kZ99 * sigma; // h = 1 day
  near(h.table(kRiskTableIlAtRisk, p2), ilConstantProduct(Math.exp(move)), 1e-9, 'v2 IL at risk');
  const p1 = p0 * 1.25;
  near(h.table(kRiskTableIlAtRisk, p3), Math.min(
    ilConcentrated(p1, p1 * Math.exp(move), p1 / 1.1, p1 * 1.1), ilConcentrated(p1, p1 / Math.exp(move), p1 / 1.1, p1 * 1.1)), 1e-9, 'v3 IL at risk');
  // liquidity risk of the largest position allowed: with σ this large the VaR budget binds,
  // 1e5/(z·σ) = 655 USD, against a TVL of 2·2e6/√1.25 (WETH has no USD price here: valued as the USDC side)
  const tvl = (2 * 2e6) / up;
  const maxPos = Math.min(100_000 / (kZ99 * sigma), 0.02 * tvl, 2_500_000);
  near(h.table(kRiskTableMaxPositionUsd, p2), maxPos, 1e-6, 'max position: the VaR budget');
  near(h.table(kRiskTableLiquidityRisk, p2), 1 - 2 ** (-(maxPos / tvl) / 0.05), 1e-12, 'liquidity risk at the max position');
});

// Two assets on the 1 s clock: BTC 60 000 ↔ 60 006 and ETH 3 000 ↔ 3 000.6, in phase (ρ = +1) or
// in opposite phase (ρ = −1); each σ = ln(1 + x)·√86 400.
const xb = 1e-4, xe = 2e-4;
const sb = Math.log(1 + xb) * Math.sqrt(86_400), se = Math.log(1 + xe) * Math.sqrt(86_400);
function twoAssets(k: number, opposite: boolean): object[] {
  const up = k % 2 === 1;
  const b = up ? 60_000 * (1 + xb) : 60_000;
  const e = (up !== opposite) ? 3_000 * (1 + xe) : 3_000;
  return [price(kT0 + k * kSecUs, 'X', 'BTC', 'USDT', b - 0.5, b + 0.5, 100, 100), price(kT0 + k * kSecUs, 'X', 'ETH', 'USDT', e - 0.05, e + 0.05, 100, 100)];
}
function runTwo(opposite: boolean, last: number, positions: (h: Harness) => void): { h: Harness; recs: ReturnType<Harness['cycle']>[] } {
  const h = createHarness('risk_assessor', twoAssets(0, opposite));
  const recs: ReturnType<Harness['cycle']>[] = [];
  for (let k = 0; k <= last; k++) {
    if (k === last) positions(h);
    h.feed(twoAssets(k, opposite));
    recs.push(h.cycle());
  }
  return { h, recs };
}

test('portfolio VaR from the full covariance: correlated exposures add, opposed ones hedge', () => {
  const hold = (h: Harness): void => { h.setPosition(h.slot('X:BTC/USDT'), 1); h.setPosition(h.slot('X:ETH/USDT'), 5); };
  // round 20 (even): BTC 60 000, ETH 3 000 (in phase) → e = (60 000, 15 000)
  let { recs } = runTwo(false, 20, hold);
  let p = recs[20]!.find((r) => r.kind === kRecPortfolioRisk)!;
  const inPhase = 60_000 * sb + 15_000 * se; // ρ = +1: σ_p = e_b·σ_b + e_e·σ_e
  near(p.value, kZ99 * inPhase, 1e-6 * kZ99 * inPhase, 'VaR, ρ = +1');
  near(p.size, kCvar99 * inPhase, 1e-6 * kCvar99 * inPhase, 'CVaR, ρ = +1');
  // opposite phase: at round 20 ETH is up, 3 000.6 → e_e = 15 003; ρ = −1: σ_p = |e_b·σ_b − e_e·σ_e|
  ({ recs } = runTwo(true, 20, hold));
  p = recs[20]!.find((r) => r.kind === kRecPortfolioRisk)!;
  const hedged = Math.abs(60_000 * sb - 15_003 * se);
  near(p.value, kZ99 * hedged, 1e-5 * kZ99 * inPhase, 'VaR, ρ = −1');
  // 60 000·0.029392 = 1 763.5 against 15 003·0.058781 = 881.9: the ETH leg hedges two thirds of the risk
  assert.ok(p.value < 0.34 * kZ99 * inPhase && p.value > 0.32 * kZ99 * inPhase, `hedged VaR ${p.value}`);
  // at round 19 the assets have 19 returns (< 20): their own σ, no correlation: √((e_b·σ_b)² + (e_e·σ_e)²)
  const early = runTwo(false, 19, hold).recs[19]!.find((r) => r.kind === kRecPortfolioRisk)!;
  const b19 = 60_000 * (1 + xb), e19 = 3_000 * (1 + xe);
  // (each book's own tick EWMA: a return of ±r every second gives σ = r·√86 400 as well)
  near(early.value, kZ99 * Math.sqrt((b19 * sb) ** 2 + (5 * e19 * se) ** 2), 1e-6 * early.value, 'VaR without the covariance');
});

test('market risk factors: absorption ratio, mean correlation, diversification ratio', () => {
  const hold = (h: Harness): void => { h.setPosition(h.slot('X:BTC/USDT'), 1); h.setPosition(h.slot('X:ETH/USDT'), 5); };
  // factors every 10 samples; the 30th (round 29) has both assets in the matrix
  const { recs } = runTwo(false, 29, hold);
  const f = recs[29]!.find((r) => r.kind === kRecMarketRiskFactors)!;
  assert.ok(f, 'a factors record at the 30th sample');
  // ρ = 1: the correlation matrix is all ones, λ₁ = 2 = its trace → absorption ratio 1
  near(f.score, 1, 1e-9, 'absorption ratio');
  near(f.value, 1, 1e-9, 'mean correlation');
  // round 29 (odd): e = (60 006, 5·3 000.6); σ_p = Σ|eᵢ|σᵢ → diversification ratio 1
  const sigmaP = 60_006 * sb + 15_003 * se;
  near(f.size, sigmaP, 1e-6 * sigmaP, 'portfolio σ (USD)');
  near(f.risk, 1, 1e-6, 'diversification ratio');
  near(f.aux, 2, 0, 'assets in the matrix');
  assert.is(recs.slice(0, 29).flat().filter((r) => r.kind === kRecMarketRiskFactors).length, 0, 'none before both assets are ready');
});

test.run();
