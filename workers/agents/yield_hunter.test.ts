// The yield hunter's records on pools whose scores are worked out by hand.
// Score (the record): 0.3·min(apy/20,1) + 0.2·min(tvl/10M,1) + 0.25·protocol + 0.15·market + 0.1·(1 − risk/10)
// Risk (riskScore0to10): 10·(0.20·il + 0.10·multi + 0.15·(1 − stable) + 0.25·(1 − reliability)
//                           + 0.15·tvlRisk + 0.15·min(apyVol/10, 1)),
//   tvlRisk = 1 − log10(tvl/1e5)/4 (1e6 → 0.75, 1e7 → 0.5, 1e8 → 0.25, 1e9 → 0);
//   unknown flags: il 0.5, multi 0.5, stable 0 (yield_hunter.ts).
// Reliability = 0.3·min(audits,5)/5 + 0.3·min(years,5)/5 + 0.25·tier/4 + 0.15/(1 + incidents):
//   aave  (5, 4.5, 4, 0): 0.3 + 0.27 + 0.25   + 0.15  = 0.97
//   curve (4, 4.5, 3, 1): 0.24 + 0.27 + 0.1875 + 0.075 = 0.7725
//   yearn (5, 4.5, 2, 2): 0.3 + 0.27 + 0.125  + 0.05  = 0.745
//   compound (5, 6, 3, 1): 0.3 + 0.3 + 0.1875 + 0.075 = 0.8625
//   unknown: 0.15
// Market = 1/(1 + stress/20M), stress = cascade USD on the pool's protocol decayed with τ = 1 h.
// Record: pool slot, -1, score, APY, allocation = capital·maxAllocationFraction·score, risk, reliability.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kRecYield } from '../../protocol/records.ts';
import { createHarness, type Rec } from '../../engine/testing/agent_harness.ts';
import { cascade, kSecUs, kT0, yieldUpdate } from '../../fixtures/events.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

const kHour = 3600 * kSecUs;

// P1 aave USDC: apy 8, tvl 100 M, il no, single, stablecoin
//   risk = 10·(0 + 0 + 0 + 0.25·0.03 + 0.15·0.25 + 0) = 10·0.045 = 0.45
//   score = 0.3·0.4 + 0.2·1 + 0.25·0.97 + 0.15·1 + 0.1·(1 − 0.045) = 0.12 + 0.2 + 0.2425 + 0.15 + 0.0955 = 0.808
const p1 = yieldUpdate(kT0, 'aave', 'usdc', { apy: 8, tvlUsd: 1e8, ilRisk: 'no', exposure: 'single', stablecoin: true });
// P2 curve tricrypto: apy 25, tvl 10 M, il yes, multi, not stable
//   risk = 10·(0.2 + 0.1 + 0.15 + 0.25·0.2275 + 0.15·0.5 + 0) = 10·0.581875 = 5.81875
//   score = 0.3·1 + 0.2·1 + 0.25·0.7725 + 0.15 + 0.1·(1 − 0.581875) = 0.3 + 0.2 + 0.193125 + 0.15 + 0.0418125 = 0.8849375
const p2 = yieldUpdate(kT0, 'curve', 'tricrypto', { apy: 25, tvlUsd: 1e7, ilRisk: 'yes', exposure: 'multi', stablecoin: false });
// P3 compound USDT: apy 4 < minApy 5 → filtered out
const p3 = yieldUpdate(kT0, 'compound', 'usdt', { apy: 4, tvlUsd: 1e9, ilRisk: 'no', exposure: 'single', stablecoin: true });
// P4 convex: tvl 500 k < minTvl 1 M → filtered out
const p4 = yieldUpdate(kT0, 'convex', 'frax', { apy: 30, tvlUsd: 5e5, ilRisk: 'no', exposure: 'single', stablecoin: true });
// P5 unknown protocol: apy 40, tvl 1 M, il yes, multi, not stable
//   risk = 10·(0.2 + 0.1 + 0.15 + 0.25·0.85 + 0.15·0.75) = 10·0.775 = 7.75 > maxRisk 7 → filtered out
const p5 = yieldUpdate(kT0, 'newfarm', 'degen', { apy: 40, tvlUsd: 1e6, ilRisk: 'yes', exposure: 'multi', stablecoin: false });
// P6 yearn DAI: apy 6, tvl 10 M, il no, single, stable
//   risk = 10·(0.25·0.255 + 0.15·0.5) = 10·(0.06375 + 0.075) = 1.3875
//   score = 0.3·0.3 + 0.2·1 + 0.25·0.745 + 0.15 + 0.1·(1 − 0.13875) = 0.09 + 0.2 + 0.18625 + 0.15 + 0.086125 = 0.712375
const p6 = yieldUpdate(kT0, 'yearn', 'dai', { apy: 6, tvlUsd: 1e7, ilRisk: 'no', exposure: 'single', stablecoin: true });
// P7 aave WETH with no flags (il 0.5, multi 0.5, stable 0): apy 10, tvl 1 B
//   risk = 10·(0.2·0.5 + 0.1·0.5 + 0.15·1 + 0.25·0.03 + 0 + 0) = 10·0.3075 = 3.075
//   score = 0.3·0.5 + 0.2 + 0.2425 + 0.15 + 0.1·(1 − 0.3075) = 0.15 + 0.2 + 0.2425 + 0.15 + 0.06925 = 0.81175
const p7 = yieldUpdate(kT0, 'aave', 'weth', { apy: 10, tvlUsd: 1e9 });
const pools = [p1, p2, p3, p4, p5, p6, p7];
const aaveCascade = cascade(kT0 + kSecUs, 'aave', 20_000_000);

const expected = {
  'curve:tricrypto': { score: 0.8849375, risk: 5.81875, apy: 25, rel: 0.7725 },
  'aave:weth': { score: 0.81175, risk: 3.075, apy: 10, rel: 0.97 },
  'aave:usdc': { score: 0.808, risk: 0.45, apy: 8, rel: 0.97 },
  'yearn:dai': { score: 0.712375, risk: 1.3875, apy: 6, rel: 0.745 },
} as const;

function check(h: ReturnType<typeof createHarness>, r: Rec, key: keyof typeof expected, scoreOverride?: number): void {
  const e = expected[key];
  const score = scoreOverride ?? e.score;
  assert.is(r.kind, kRecYield);
  assert.is(r.slotA, h.slot(key), `slot of ${key}`);
  assert.is(r.slotB, -1);
  near(r.score, score, 1e-12, `${key} score`);
  near(r.value, e.apy, 0, `${key} apy`);
  near(r.size, 10_000_000 * 0.05 * score, 1e-6, `${key} allocation = 10 M·0.05·score`);
  near(r.risk, e.risk, 1e-12, `${key} risk`);
  near(r.aux, e.rel, 1e-12, `${key} reliability`);
}

test('scores, filters and ranking of seven pools, every field by hand', () => {
  const h = createHarness('yield_hunter', [...pools, aaveCascade]);
  h.feed(pools);
  const recs = h.cycle();
  // P3 (APY), P4 (TVL), P5 (risk) are filtered; the rest in descending score
  assert.equal(recs.map((r) => h.snapshot.meta[r.slotA]!.key), ['curve:tricrypto', 'aave:weth', 'aave:usdc', 'yearn:dai']);
  check(h, recs[0]!, 'curve:tricrypto');
  check(h, recs[1]!, 'aave:weth');
  check(h, recs[2]!, 'aave:usdc');
  check(h, recs[3]!, 'yearn:dai');
});

test('topK keeps the K best', () => {
  const h = createHarness('yield_hunter', [...pools, aaveCascade], (c) => { c.yield.topK = 2; });
  h.feed(pools);
  assert.equal(h.cycle().map((r) => h.snapshot.meta[r.slotA]!.key), ['curve:tricrypto', 'aave:weth']);
});

test('filters follow the config: min APY, min TVL, max risk (bounds inclusive)', () => {
  // minApy 8 keeps P1 (8 ≥ 8) and drops P6 (6); minTvl 1e8 drops P2 and P6 (1e7); maxRisk 3.075 keeps P7 (3.075 ≤ 3.075)
  let h = createHarness('yield_hunter', [...pools, aaveCascade], (c) => { c.yield.minApy = 8; });
  h.feed(pools);
  assert.equal(h.cycle().map((r) => h.snapshot.meta[r.slotA]!.key), ['curve:tricrypto', 'aave:weth', 'aave:usdc']);
  h = createHarness('yield_hunter', [...pools, aaveCascade], (c) => { c.yield.minTvlUsd = 1e8; });
  h.feed(pools);
  assert.equal(h.cycle().map((r) => h.snapshot.meta[r.slotA]!.key), ['aave:weth', 'aave:usdc']);
  h = createHarness('yield_hunter', [...pools, aaveCascade], (c) => { c.yield.maxRisk = 3.075; });
  h.feed(pools);
  assert.equal(h.cycle().map((r) => h.snapshot.meta[r.slotA]!.key), ['aave:weth', 'aave:usdc', 'yearn:dai']);
  // maxRisk 8 lets P5 in: score = 0.3·1 + 0.2·0.1 + 0.25·0.15 + 0.15 + 0.1·(1 − 0.775) = 0.3 + 0.02 + 0.0375 + 0.15 + 0.0225 = 0.53
  h = createHarness('yield_hunter', [...pools, aaveCascade], (c) => { c.yield.maxRisk = 8; });
  h.feed(pools);
  const recs = h.cycle();
  assert.is(recs.length, 5);
  assert.is(recs[4]!.slotA, h.slot('newfarm:degen'));
  near(recs[4]!.score, 0.53, 1e-12, 'P5 score');
  near(recs[4]!.risk, 7.75, 1e-12, 'P5 risk');
});

test('APY volatility (EWMA of APY changes) raises the risk', () => {
  const h = createHarness('yield_hunter', [...pools, aaveCascade]);
  h.feed(pools);
  h.cycle();
  // P1's APY 8 → 10: var = 0.94·0 + 0.06·2² = 0.24, vol = √0.24 = 0.4898979 pp → volRisk 0.04898979
  //   risk = 0.45 + 10·0.15·0.04898979 = 0.45 + 0.07348469 = 0.52348469
  //   score = 0.3·0.5 + 0.2 + 0.2425 + 0.15 + 0.1·(1 − 0.052348469) = 0.7425 + 0.0947651531 = 0.8372651531
  h.feed([yieldUpdate(kT0 + kSecUs, 'aave', 'usdc', { apy: 10, tvlUsd: 1e8, ilRisk: 'no', exposure: 'single', stablecoin: true })]);
  const recs = h.cycle();
  const r = recs.find((x) => x.slotA === h.slot('aave:usdc'))!;
  const risk = 0.45 + 1.5 * Math.sqrt(0.24) / 10;
  near(r.risk, risk, 1e-12, 'risk with APY vol');
  near(r.score, 0.7425 + 0.1 * (1 - risk / 10), 1e-12, 'score with APY vol');
  near(r.score, 0.8372651531, 1e-9, 'score (number)');
  // it now ranks above aave:weth (0.81175)
  assert.equal(recs.map((x) => h.snapshot.meta[x.slotA]!.key), ['curve:tricrypto', 'aave:usdc', 'aave:weth', 'yearn:dai']);
});

test('a liquidation cascade on the protocol lowers the market score, and the stress decays', () => {
  const h = createHarness('yield_hunter', [...pools, aaveCascade]);
  h.feed(pools);
  h.cycle();
  // 20 M on aave at T0 + 1 s, cycle at that time: market = 1/(1 + 20M/20M) = 0.5 → −0.15·0.5 = −0.075
  //   aave:weth 0.81175 → 0.73675, aave:usdc 0.808 → 0.733; curve and yearn unchanged
  h.feed([aaveCascade]);
  let recs = h.cycle();
  assert.equal(recs.map((x) => h.snapshot.meta[x.slotA]!.key), ['curve:tricrypto', 'aave:weth', 'aave:usdc', 'yearn:dai']);
  check(h, recs[0]!, 'curve:tricrypto');
  check(h, recs[1]!, 'aave:weth', 0.73675);
  check(h, recs[2]!, 'aave:usdc', 0.733);
  check(h, recs[3]!, 'yearn:dai');
  // One hour later (τ = 1 h) a pool update makes the hunter re-rank: stress = 20M·e⁻¹ = 7.357589 M,
  //   market = 1/(1 + e⁻¹) = 0.7310586, aave:usdc = 0.808 − 0.15·(1 − 0.7310586) = 0.808 − 0.0403412 = 0.7676588
  h.feed([yieldUpdate(kT0 + kSecUs + kHour, 'yearn', 'dai', { apy: 6, tvlUsd: 1e7, ilRisk: 'no', exposure: 'single', stablecoin: true })]);
  recs = h.cycle();
  const usdc = recs.find((x) => x.slotA === h.slot('aave:usdc'))!;
  const market = 1 / (1 + Math.exp(-1));
  near(usdc.score, 0.808 - 0.15 * (1 - market), 1e-12, 'decayed stress');
  near(usdc.score, 0.7676588, 1e-7, 'decayed stress (number)');
  // a second cascade of 20 M adds to the decayed stress: 7.357589 M + 20 M → market = 1/(1 + 1.3678794) = 0.4223188
  h.feed([cascade(kT0 + kSecUs + kHour, 'aave', 20_000_000)]);
  recs = h.cycle();
  const again = recs.find((x) => x.slotA === h.slot('aave:usdc'))!;
  near(again.score, 0.808 - 0.15 * (1 - 1 / (1 + Math.exp(-1) + 1)), 1e-12, 'stress accumulates');
});

test('a pool never updated is not ranked; yield_opportunity_detected feeds the same pool', () => {
  const opp = yieldUpdate(kT0, 'curve', 'tricrypto', { apy: 25, tvlUsd: 1e7, ilRisk: 'yes', exposure: 'multi', stablecoin: false }, 'yield_opportunity_detected');
  const h = createHarness('yield_hunter', [p1, p2]);
  h.feed([p1]);
  let recs = h.cycle();
  assert.equal(recs.map((x) => x.slotA), [h.slot('aave:usdc')], 'P2 has no data yet');
  h.feed([opp]);
  recs = h.cycle();
  assert.equal(recs.map((x) => x.slotA), [h.slot('curve:tricrypto'), h.slot('aave:usdc')]);
  near(recs[0]!.score, 0.8849375, 1e-12, 'P2 score from the opportunity event');
});

test.run();
