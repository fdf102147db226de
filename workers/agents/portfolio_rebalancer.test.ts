// The portfolio rebalancer's target weights and trades on three assets whose covariance is known by
// construction. Each asset's mid alternates between m and m·(1 + x) once a second, so every log
// return on the 1 s covariance clock has the same size |r| = ln(1 + x) and the EWMA ratio
// estimator (finance/covariance.ts) gives exactly σ_daily = r·√86 400 = r·293.9388:
//   BTC 60 000 ↔ 60 006  (x = 1e-4): σ = ln(1.0001)·293.9388 = 0.0293924
//   ETH  3 000 ↔ 3 000.6 (x = 2e-4): σ = ln(1.0002)·293.9388 = 0.0587818
//   SOL    150 ↔ 150.045 (x = 3e-4): σ = ln(1.0003)·293.9388 = 0.0881684
// All three move in phase, so their correlations are 1: Σ = σσᵀ. Risk parity on that Σ
// (wᵢ·(Σw)ᵢ = wᵢσᵢ·(σᵀw) equal for all i) is wᵢ ∝ 1/σᵢ: 1/σ = 34.0224, 17.0121, 11.3419, Σ = 62.3764
//   → w = 0.545437, 0.272733, 0.181830 (≈ 6/11, 3/11, 2/11).
// A last test breaks the correlations: BTC and ETH move together, SOL at other times (zero
// cross-products), where risk parity is no longer inverse volatility.
// Sleeve value V = capital·kSleeveFraction = 10 M·0.3 = 3 M USD.
// Rule (finance/portfolio.ts rebalanceDecision): due iff max|d| > band (0.05) and
//   ½·λ·h·dᵀΣd·V > costBps·1e-4·Σ|d|·V, with λ = 4, h = 30 days, the full Σ, d = target − current.
// Record: representative book slot, -1, target weight, current weight, trade USD, σ daily, 1 (due).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pfHedged } from '../../protocol/layout.ts';
import { ParamRegionWriter } from '../../protocol/param_region.ts';
import type { AgentConfig } from './config.ts';
import { kSleeveFraction, PortfolioRebalancer } from './portfolio_rebalancer.ts';
import { kRecTargetWeight } from '../../protocol/records.ts';
import { createHarness, type Harness, type Rec } from '../../engine/testing/agent_harness.ts';
import { kSecUs, kT0, price } from '../../fixtures/events.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

const assets = [
  { key: 'X:BTC/USDT', base: 'BTC', mid: 60_000, x: 1e-4 },
  { key: 'X:ETH/USDT', base: 'ETH', mid: 3_000, x: 2e-4 },
  { key: 'X:SOL/USDT', base: 'SOL', mid: 150, x: 3e-4 },
] as const;

const sigma = assets.map((a) => Math.log(1 + a.x) * Math.sqrt(86_400));
const invSum = sigma.reduce((s, v) => s + 1 / v, 0);
const w = sigma.map((v) => 1 / v / invSum);
const V = 10_000_000 * 0.3;

function tick(k: number): object[] {
  // round k at T0 + k s; odd rounds are up by x
  return assets.map((a) => {
    const m = k % 2 === 0 ? a.mid : a.mid * (1 + a.x);
    return price(kT0 + k * kSecUs, 'X', a.base, 'USDT', m - 0.5, m + 0.5, 10, 10);
  });
}

/** Rounds 0..last, one cycle per round (the runner feeds each changed slot once per cycle). */
function run(h: Harness, last: number): Rec[] {
  let recs: Rec[] = [];
  for (let k = 0; k <= last; k++) {
    h.feed(tick(k));
    recs = h.cycle();
  }
  return recs;
}

function harness(patch?: (c: AgentConfig) => void): Harness {
  return createHarness('portfolio_rebalancer', tick(0), patch);
}

test('hand values of the construction', () => {
  near(kSleeveFraction, 0.3, 0, 'sleeve fraction');
  near(sigma[0]!, 0.0293924, 1e-7, 'σ BTC');
  near(sigma[1]!, 0.0587818, 1e-7, 'σ ETH');
  near(sigma[2]!, 0.0881684, 1e-7, 'σ SOL');
  near(w[0]!, 0.545437, 1e-6, 'w BTC');
  near(w[1]!, 0.272733, 1e-6, 'w ETH');
  near(w[2]!, 0.181830, 1e-6, 'w SOL');
});

test('nothing before every asset has 20 returns', () => {
  const h = harness();
  assert.equal(run(h, 19), [], '19 returns each');
});

test('from an empty portfolio: risk-parity targets (inverse volatility when ρ = 1), trades = target·sleeve', () => {
  const h = harness();
  const recs = run(h, 20); // 20 returns each
  // due: max drift 0.545 > 0.05; dᵀΣd = (σᵀw)² = (3/62.3764)² = 2.3131e-3 → benefit = 60·2.3131e-3·3 M
  //   = 416 368 USD > cost = 10e-4·1·3 M = 3 000 USD
  assert.is(recs.length, 3);
  recs.forEach((r, i) => {
    const a = assets[i]!;
    assert.is(r.kind, kRecTargetWeight);
    assert.is(r.slotA, h.slot(a.key), `${a.base} slot`);
    assert.is(r.slotB, -1);
    near(r.score, w[i]!, 1e-9, `${a.base} target weight`);
    near(r.value, 0, 0, `${a.base} current weight`);
    near(r.size, w[i]! * V, 1e-3, `${a.base} trade USD`);
    near(r.risk, sigma[i]!, 1e-9, `${a.base} σ`);
    near(r.aux, 1, 0, 'due');
  });
  near(recs[0]!.size, 1_636_311, 1, 'BTC trade (number)');
  near(recs.reduce((s, r) => s + r.score, 0), 1, 1e-12, 'weights sum to 1');
});

test('with the portfolio at target nothing is published', () => {
  const h = harness();
  run(h, 20);
  // round 20 is even: mids 60 000, 3 000, 150 → units = w·3 M/mid
  assets.forEach((a, i) => h.setPosition(h.slot(a.key), (w[i]! * V) / a.mid));
  assert.equal(h.cycle(kT0 + 21 * kSecUs), []);
});

test('a drift inside the band is left alone', () => {
  const h = harness();
  run(h, 20);
  // 4 points moved from BTC to ETH: max |d| = 0.04 ≤ 0.05
  const cur = [w[0]! - 0.04, w[1]! + 0.04, w[2]!];
  assets.forEach((a, i) => h.setPosition(h.slot(a.key), (cur[i]! * V) / a.mid));
  assert.equal(h.cycle(kT0 + 21 * kSecUs), []);
});

test('a drift past the band is rebalanced when the risk it removes is worth the cost', () => {
  // 6 points moved from BTC to ETH: d = (+0.06, −0.06, 0); with ρ = 1, dᵀΣd = 0.06²·(σ_BTC − σ_ETH)²
  //   benefit = ½·4·30·0.0036·(0.0293924 − 0.0587818)²·3 M = 60·0.0036·8.6374e-4·3 M = 559.7 USD
  //   (uncorrelated it would be 2 798.9 USD: the two legs' risks would add instead of offsetting)
  //   cost = 10e-4·0.12·3 M = 360 USD → due; trades +180 000, −180 000, 0
  const cur = [w[0]! - 0.06, w[1]! + 0.06, w[2]!];
  const benefit = 0.5 * 4 * 30 * 0.0036 * (sigma[0]! - sigma[1]!) ** 2 * V;
  near(benefit, 559.7, 0.1, 'benefit (number)');
  let h = harness();
  run(h, 20);
  assets.forEach((a, i) => h.setPosition(h.slot(a.key), (cur[i]! * V) / a.mid));
  const recs = h.cycle(kT0 + 21 * kSecUs);
  assert.is(recs.length, 3);
  near(recs[0]!.value, cur[0]!, 1e-12, 'BTC current weight');
  near(recs[1]!.value, cur[1]!, 1e-12, 'ETH current weight');
  near(recs[0]!.size, 180_000, 1e-4, 'BTC buy');
  near(recs[1]!.size, -180_000, 1e-4, 'ETH sell');
  near(recs[2]!.size, 0, 1e-4, 'SOL unchanged');
  // With costs of 100 bps the same drift costs 0.01·0.12·3 M = 3 600 USD > 559.7: not worth it
  // (and at 15 bps, 540 USD < 559.7: still worth it; at 20 bps, 720 USD: not)
  h = harness((c) => { c.portfolio.costBps = 100; });
  run(h, 20);
  assets.forEach((a, i) => h.setPosition(h.slot(a.key), (cur[i]! * V) / a.mid));
  assert.equal(h.cycle(kT0 + 21 * kSecUs), []);
});

test('the hedged part of a position (a pair trade\'s leg) is not the sleeve\'s: only the free part counts', () => {
  // the same 6-point drift as above, plus 2 BTC long held by a pair trade (hedged): the records'
  // current weights are unchanged, so the same trades come out
  const cur = [w[0]! - 0.06, w[1]! + 0.06, w[2]!];
  const h = harness();
  run(h, 20);
  assets.forEach((a, i) => h.setPosition(h.slot(a.key), (cur[i]! * V) / a.mid));
  const btc = h.slot(assets[0]!.key);
  h.setPosition(btc, (cur[0]! * V) / assets[0]!.mid + 2);
  h.arrays.portfolio[pfHedged(h.arrays.capacity, btc)] = 2;
  const recs = h.cycle(kT0 + 21 * kSecUs);
  assert.is(recs.length, 3);
  near(recs[0]!.value, cur[0]!, 1e-12, 'BTC current weight without the hedged 2 BTC');
  near(recs[0]!.size, 180_000, 1e-4, 'BTC buy');
  // not hedged, the same 2 BTC would count: 2·60 000 / 3 M = 4 points more
  h.arrays.portfolio[pfHedged(h.arrays.capacity, btc)] = 0;
  const again = h.cycle(kT0 + 22 * kSecUs);
  near(again[0]!.value, cur[0]! + (2 * 60_000) / V, 1e-12, 'counted when free');
});

test('checks run at most once a second of market time', () => {
  const h = harness();
  run(h, 19);
  // round 20 at T0 + 20 s would publish; a cycle at T0 + 19.5 s first moves the check clock
  h.feed(tick(20).map((e) => ({ ...e, ts: kT0 + 19.5 * kSecUs })));
  assert.equal(h.cycle(), [], '20 returns, but the last check (19 s) was only 0.5 s ago');
  assert.is(h.cycle(kT0 + 20.5 * kSecUs).length, 3, 'checked again 1 s after the previous check');
});

test('fewer assets than portfolio.minAssets: nothing', () => {
  const h = harness((c) => { c.portfolio.minAssets = 4; });
  assert.equal(run(h, 20), []);
});

test('risk parity on the full covariance: BTC and ETH correlated, SOL independent', () => {
  // Period of four seconds: BTC and ETH up at t ≡ 1 and back at t ≡ 2 (mod 4), SOL up at t ≡ 3 and
  // back at t ≡ 0; the others are flat meanwhile, so BTC–SOL and ETH–SOL cross-products are all 0
  // (ρ = 0) and BTC–ETH move together (ρ = 1). After 20 returns (λ = 0.97), with the weights λʲ of
  // the returns j seconds ago: SOL moved at j ≡ 0, 1 and the pair at j ≡ 2, 3 (mod 4), so
  //   σ²_SOL = r²·Σ_{j≡0,1}λʲ / Σλʲ = r²/(1 + λ²),   σ²_pair = r²·λ²/(1 + λ²)   (per second).
  // Risk parity: w_BTC·σ_BTC = w_ETH·σ_ETH = u and (w_SOL·σ_SOL)² = 2u² (the pair's contributions
  // are u·(u + u) each), so w ∝ (1/σ_BTC, 1/σ_ETH, √2/σ_SOL) — not inverse volatility.
  const lambda = 0.97;
  const sd = (x: number, share: number): number => Math.log(1 + x) * Math.sqrt(share * 86_400);
  const sB = sd(1e-4, lambda ** 2 / (1 + lambda ** 2)), sE = sd(2e-4, lambda ** 2 / (1 + lambda ** 2)), sS = sd(3e-4, 1 / (1 + lambda ** 2));
  const raw = [1 / sB, 1 / sE, Math.SQRT2 / sS];
  const total = raw.reduce((a, b) => a + b, 0);
  const target = raw.map((v) => v / total);
  const h = harness();
  let recs: Rec[] = [];
  for (let k = 0; k <= 20; k++) {
    const pair = k % 4 === 1, sol = k % 4 === 3;
    h.feed(assets.map((a) => {
      const up = a.base === 'SOL' ? sol : pair;
      const m = up ? a.mid * (1 + a.x) : a.mid;
      return price(kT0 + k * kSecUs, 'X', a.base, 'USDT', m - 0.5, m + 0.5, 10, 10);
    }));
    recs = h.cycle();
  }
  assert.is(recs.length, 3);
  near(recs[0]!.risk, sB, 1e-12, 'σ BTC');
  near(recs[2]!.risk, sS, 1e-12, 'σ SOL');
  recs.forEach((r, i) => near(r.score, target[i]!, 1e-9, `${assets[i]!.base} risk-parity weight`));
  // inverse volatility would give SOL (1/σ_SOL)/Σ(1/σ): less than risk parity gives it
  const inv = [1 / sB, 1 / sE, 1 / sS];
  const invS = inv[2]! / inv.reduce((a, b) => a + b, 0);
  assert.ok(recs[2]!.score > invS + 0.05, `SOL ${recs[2]!.score} > inverse-vol ${invS}`);
  // 1/σ ∝ 1/λ, 1/(2λ), √2/3 (common factors cancel): 1.03093, 0.51546, 0.47140 → SOL 0.23364 (inverse vol: 0.17734)
  near(target[2]!, 0.23364, 1e-5, 'SOL weight (number)');
  near(invS, 0.17734, 1e-5, 'inverse-vol SOL weight (number)');
});

test('a fitted cost model installed in its parameter region: the rule weighs the predicted loss and sizes the rebalance', () => {
  // The 6-point drift above (turnover 0.12; its benefit B as the agent measures it at each check).
  // Books quote ±0.5 around the mid, so the half spread is 50/mid percent: BTC 0.000833 %, ETH
  // 0.016667 % (equal |d| on the two trades).
  const cur = [w[0]! - 0.06, w[1]! + 0.06, w[2]!];
  const h = harness();
  const agent = h.runner.agent as PortfolioRebalancer;
  const region = new ParamRegionWriter(h.pipeline.regions.get('portfolio_rebalancer')!.params);
  run(h, 20);
  assets.forEach((a, i) => h.setPosition(h.slot(a.key), (cur[i]! * V) / a.mid));
  const at = (k: number): Rec[] => h.cycle(kT0 + k * kSecUs);
  // θ = [−0.02, 1, 0]: each trade predicted to return −0.12 % → 12 bps, C = 12e-4·0.12·3 M = 432 USD < B:
  // due, and sized to α = 1 − C/(2B) of the way
  region.write(1, [-0.02, 1, 0]);
  let recs = at(21);
  near(agent.lastCostBps, 12, 1e-9, 'fitted cost, bps');
  near(agent.lastCostUsd, 432, 1e-6, 'fitted cost, USD');
  const B = agent.lastBenefitUsd;
  assert.ok(B > 432 && B < 560, `benefit ${B}`);
  assert.is(recs.length, 3);
  const a1 = 1 - 432 / (2 * B);
  near(agent.lastFraction, a1, 1e-9, 'α');
  near(recs[0]!.size, 180_000 * a1, 1e-3, 'BTC buy, sized down');
  near(recs[1]!.size, -180_000 * a1, 1e-3, 'ETH sell, sized down');
  near(recs[0]!.score, w[0]!, 1e-9, 'the target is unchanged');
  // θ = [0, 1, −1]: −0.1 % less the half spread; turnover-weighted (0.000833 + 0.016667)/2 = 0.00875 %
  //   → 10.875 bps, C = 10.875e-4·0.12·3 M = 391.5 USD
  region.write(2, [0, 1, -1]);
  recs = at(22);
  near(agent.lastCostBps, 10.875, 1e-9, 'fitted cost with the spread term, bps');
  near(recs[0]!.size, 180_000 * (1 - 391.5 / (2 * agent.lastBenefitUsd)), 1e-2, 'BTC buy with the spread term');
  // θ = [−0.1, 1, 0]: −0.2 % → C = 720 USD > B: the rebalance is skipped
  region.write(3, [-0.1, 1, 0]);
  assert.equal(at(23), []);
  near(agent.lastCostUsd, 720, 1e-6, 'fitted cost, USD');
  // back to version 0 (a rollback): the configured rule (10 bps), all the way to the target
  region.write(0, [0, 1, 0]);
  recs = at(24);
  near(agent.lastCostBps, 10, 0, 'configured cost');
  near(recs[0]!.size, 180_000, 1e-4, 'BTC buy, full');
});

test.run();
