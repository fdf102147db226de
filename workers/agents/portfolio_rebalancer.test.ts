// The portfolio rebalancer's target weights and trades on three assets with volatilities known by
// construction. Each asset's mid alternates between m and m·(1 + x) once a second, so every log
// return has the same size |r| = ln(1 + x) and the EWMA ratio estimator (volatility.ts) gives
// exactly A = r², B = 1 s: σ_daily = r·√86 400 = r·293.9388.
//   BTC 60 000 ↔ 60 006  (x = 1e-4): σ = ln(1.0001)·293.9388 = 0.0293924
//   ETH  3 000 ↔ 3 000.6 (x = 2e-4): σ = ln(1.0002)·293.9388 = 0.0587818
//   SOL    150 ↔ 150.045 (x = 3e-4): σ = ln(1.0003)·293.9388 = 0.0881684
// Inverse volatility: wᵢ = (1/σᵢ)/Σ(1/σⱼ); 1/σ = 34.0224, 17.0121, 11.3419, Σ = 62.3764
//   → w = 0.545437, 0.272733, 0.181830 (≈ 6/11, 3/11, 2/11).
// Sleeve value V = capital·kSleeveFraction = 10 M·0.3 = 3 M USD.
// Rule (finance/portfolio.ts rebalanceDecision): due iff max|d| > band (0.05) and
//   ½·λ·h·dᵀΣd·V > costBps·1e-4·Σ|d|·V, with λ = 4, h = 30 days, Σ = diag(σ²), d = target − current.
// Record: representative book slot, -1, target weight, current weight, trade USD, σ daily, 1 (due).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentConfig } from './config.ts';
import { kSleeveFraction } from './portfolio_rebalancer.ts';
import { kRecTargetWeight } from './records.ts';
import { createHarness, kSecUs, kT0, price, type Harness, type Rec } from './testing/state_builder.ts';

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

test('from an empty portfolio: inverse-vol targets, trades = target·sleeve', () => {
  const h = harness();
  const recs = run(h, 20); // 20 returns each
  // due: max drift 0.545 > 0.05; benefit = ½·4·30·3·c²·3 M with c = 1/62.3764 = 0.0160317
  //   = 60·7.7105e-4·3 M = 138 789 USD > cost = 10e-4·1·3 M = 3 000 USD
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
  // 6 points moved from BTC to ETH: d = (+0.06, −0.06, 0)
  //   benefit = ½·4·30·0.06²·(σ_BTC² + σ_ETH²)·3 M = 60·0.0036·(8.6392e-4 + 3.45530e-3)·3 M = 2 798.9 USD
  //   cost = 10e-4·0.12·3 M = 360 USD → due; trades +180 000, −180 000, 0
  const cur = [w[0]! - 0.06, w[1]! + 0.06, w[2]!];
  const benefit = 0.5 * 4 * 30 * 0.0036 * (sigma[0]! ** 2 + sigma[1]! ** 2) * V;
  near(benefit, 2798.9, 0.1, 'benefit (number)');
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
  // With costs of 100 bps the same drift costs 0.01·0.12·3 M = 3 600 USD > 2 798.9: not worth it
  h = harness((c) => { c.portfolio.costBps = 100; });
  run(h, 20);
  assets.forEach((a, i) => h.setPosition(h.slot(a.key), (cur[i]! * V) / a.mid));
  assert.equal(h.cycle(kT0 + 21 * kSecUs), []);
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

test.run();
