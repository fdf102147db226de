// The yield hunter on pools that carry DefiLlama's fields (apyBase/apyReward, mu/sigma, predictions,
// flags, project slugs), scores worked out by hand, and the quarantine of implausible jumps.
// Score (the record): 0.3·min(apyEff/20,1) + 0.2·min(tvl/10M,1) + 0.25·protocol + 0.15·market + 0.1·(1 − risk/10)
//   apyEff = apy − 0.5·reward (reward = apyReward, else apy − apyBase)
//   risk = 10·(0.20·il + 0.10·multi + 0.15·(1 − stable) + 0.25·(1 − reliability) + 0.15·tvlRisk + 0.15·min(vol/10, 1))
//          + 1.5·clamp((z − 1)/3, 0, 1),   z = (apy − mu)/sd,  sd = sigma·√365·(1 + mu/100)^(364/365)
//          vol = max(EWMA vol of accepted APY changes, sd);  tvlRisk = 1 − log10(tvl/1e5)/4
//   market = min(1, 2·predictedUp) / (1 + stress/20M)
// Reliability: aave 0.97, curve 0.7725, uniswap_v3 (4, 3, 3, 0) = 0.24 + 0.18 + 0.1875 + 0.15 = 0.7575, unknown 0.15.
// √365 = 19.104973175, 1.04^(364/365) = 1.039888254, 1.1^(364/365) = 1.099712801.
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkConfig, kDefaultConfig, type EngineConfig } from '../../engine/options.ts';
import { rowToEvent, snapshotRecordToRow } from '../../engine/source/defillama.ts';
import { kResQuarantined } from '../../protocol/layout.ts';
import { passesYieldFilters, reliabilityOf, riskScore0to10, yieldScore } from '../../finance/yield_score.ts';
import {
  apyZScore, effectiveApyPct, predictionFactor, sigmaToApyStdPct, stabilityRiskPoints,
} from '../../finance/yield_signals.ts';
import { kRecYield } from '../../protocol/records.ts';
import { createHarness, type Harness, type Rec } from '../../engine/testing/agent_harness.ts';
import { cascade, kSecUs, kT0 } from '../../fixtures/events.ts';
import { canonicalProtocol } from './yield_hunter.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

const kMin = 60 * kSecUs;
const kHour = 60 * kMin;

interface Llama {
  apy: number; tvlUsd: number; apyBase?: number; apyReward?: number;
  ilRisk?: 'yes' | 'no'; exposure?: 'single' | 'multi'; stablecoin?: boolean;
  mu?: number; sigma?: number; predictedUp?: number;
}
/** A yield_update as the DefiLlama converter writes it (key `<protocol>:ethereum:<pool>`). */
function llama(ts: number, protocol: string, pool: string, f: Llama): object {
  return {
    ts, type: 'yield_update', topic: `market.yields.${protocol}`, key: `${protocol}:ethereum:${pool}`,
    data: { protocol, chain: 'ethereum', pool, symbol: pool, ...f },
  };
}
function rec(h: Harness, recs: Rec[], key: string): Rec | undefined {
  return recs.find((r) => r.slotA === h.slot(key));
}
const stableSingle = { ilRisk: 'no', exposure: 'single', stablecoin: true } as const;

test('DefiLlama slugs map to the reliability table; unknown projects get 0.15', () => {
  assert.is(canonicalProtocol('aave-v3'), 'aave');
  assert.is(canonicalProtocol('curve-dex'), 'curve');
  assert.is(canonicalProtocol('uniswap-v3'), 'uniswap_v3');
  assert.is(canonicalProtocol('convex-finance'), 'convex');
  assert.is(canonicalProtocol('yearn-finance'), 'yearn');
  assert.is(canonicalProtocol('compound-v3'), 'compound');
  assert.is(canonicalProtocol('uniswap_v3'), 'uniswap_v3');
  assert.is(canonicalProtocol('pancakeswap-amm-v3'), 'pancakeswap');
  assert.is(canonicalProtocol('aerodrome-slipstream'), 'aerodrome');
  assert.is(canonicalProtocol('fluid-dex'), 'fluid');
  assert.is(canonicalProtocol('some-new-dex'), 'some_new_dex');
  near(reliabilityOf(canonicalProtocol('uniswap-v3')), 0.7575, 1e-15, 'uniswap_v3');
  // reliabilityOf maps slugs itself (the risk assessor and the yield arbitrage look names up directly)
  near(reliabilityOf('aave-v3'), reliabilityOf('aave'), 0, 'aave-v3 is aave');
  // aerodrome: 0.30·2/5 + 0.30·1/5 + 0.25·2/4 + 0.15·1 = 0.12 + 0.06 + 0.125 + 0.15 = 0.455
  near(reliabilityOf('aerodrome-slipstream'), 0.455, 1e-15, 'aerodrome');
  near(reliabilityOf('some-new-dex'), 0.15, 1e-15, 'unknown');
});

test('reward APY is discounted: score and record value use apy − 0.5·apyReward', () => {
  // aave-v3 USDC: apy 12 = 4 base + 8 reward, tvl 100 M, no IL, single, stable
  //   apyEff = 12 − 4 = 8; risk = 10·(0.25·0.03 + 0.15·0.25) = 0.45
  //   score = 0.3·0.4 + 0.2 + 0.25·0.97 + 0.15 + 0.1·0.955 = 0.12 + 0.2 + 0.2425 + 0.15 + 0.0955 = 0.808
  // the same pool with haircut 0 counts all 12: 0.3·0.6 + 0.6880 = 0.868
  const ev = llama(kT0, 'aave-v3', 'usdc', { apy: 12, apyBase: 4, apyReward: 8, tvlUsd: 1e8, ...stableSingle });
  let h = createHarness('yield_hunter', [ev]);
  h.feed([ev]);
  let r = h.cycle()[0]!;
  assert.is(r.kind, kRecYield);
  near(r.score, 0.808, 1e-12, 'score');
  assert.is(r.value, 8);
  near(r.risk, 0.45, 1e-12, 'risk');
  near(r.aux, 0.97, 1e-15, 'aave-v3 reads as aave');
  near(r.size, 10_000_000 * 0.05 * 0.808, 1e-6, 'allocation');
  h = createHarness('yield_hunter', [ev], (c) => { c.yield.rewardHaircut = 0; });
  h.feed([ev]);
  r = h.cycle()[0]!;
  near(r.score, 0.868, 1e-12, 'score without haircut');
  assert.is(r.value, 12);
  // min APY applies after the haircut: apy 12 with 9 of reward → 7.5 ≥ 5 passes; 14 of reward → 5 passes; 16 → 4 fails
  const lean = llama(kT0, 'aave-v3', 'usdt', { apy: 20, apyBase: 4, apyReward: 16, tvlUsd: 1e8, ...stableSingle });
  h = createHarness('yield_hunter', [lean]);
  h.feed([lean]);
  assert.equal(h.cycle().map((x) => x.value), [12]);
  h = createHarness('yield_hunter', [lean], (c) => { c.yield.minApy = 12.5; });
  h.feed([lean]);
  assert.equal(h.cycle(), []);
});

test('mu and sigma: an APY far above its history adds risk; sigma counts as APY volatility', () => {
  // curve-dex stable pool, apy 10 (all base), tvl 10 M, no IL, multi, stable
  // P (mu 4, sigma 0.1): sd = 1.986703719, z = 3.020077902 → stability = 1.5·2.020077902/3 = 1.010038951
  //   risk = 10·(0.1·1 + 0.25·0.2275 + 0.15·0.5 + 0.15·0.1986703719) + 1.010038951
  //        = 10·(0.1 + 0.056875 + 0.075 + 0.029800556) + 1.010038951 = 2.616755558 + 1.010038951 = 3.626794509
  //   score = 0.3·0.5 + 0.2·1 + 0.25·0.7725 + 0.15 + 0.1·(1 − 0.3626794509) = 0.693125 + 0.0637320549 = 0.7568570549
  // P' (mu 10, sigma 0.1): sd = 0.1·19.104973175·1.099712801 = 2.100998357, z = 0 → no stability points
  //   risk = 10·(0.1 + 0.056875 + 0.075 + 0.15·0.2100998357) = 10·0.263389975 = 2.633899754
  //   score = 0.693125 + 0.1·(1 − 0.2633899754) = 0.693125 + 0.0736610025 = 0.7667860025
  const p = llama(kT0, 'curve-dex', 'p', { apy: 10, apyBase: 10, apyReward: 0, tvlUsd: 1e7, ilRisk: 'no', exposure: 'multi', stablecoin: true, mu: 4, sigma: 0.1 });
  const p2 = llama(kT0, 'curve-dex', 'p2', { apy: 10, apyBase: 10, apyReward: 0, tvlUsd: 1e7, ilRisk: 'no', exposure: 'multi', stablecoin: true, mu: 10, sigma: 0.1 });
  const h = createHarness('yield_hunter', [p, p2]);
  h.feed([p, p2]);
  const recs = h.cycle();
  assert.equal(recs.map((r) => r.slotA), [h.slot('curve-dex:ethereum:p2'), h.slot('curve-dex:ethereum:p')], 'the steady pool ranks first');
  near(recs[1]!.risk, 3.626794509, 1e-8, 'P risk');
  near(recs[1]!.score, 0.7568570549, 1e-9, 'P score');
  near(recs[0]!.risk, 2.633899754, 1e-8, "P' risk");
  near(recs[0]!.score, 0.7667860025, 1e-9, "P' score");
  near(recs[0]!.aux, 0.7725, 1e-15, 'curve-dex reads as curve');
});

test('a DefiLlama Down prediction cuts the market score; it combines with cascade stress', () => {
  // uniswap-v3 WETH-USDC: apy 20, tvl 50 M, IL yes, multi, not stable
  //   tvlRisk = 1 − log10(500)/4 = 0.325257499; risk = 10·(0.2 + 0.1 + 0.15 + 0.25·0.2425 + 0.15·0.325257499) = 5.594136248
  //   predictedUp 0.3 (Down at 70 %): market = 0.6
  //   score = 0.3 + 0.2 + 0.25·0.7575 + 0.15·0.6 + 0.1·(1 − 0.5594136248) = 0.3 + 0.2 + 0.189375 + 0.09 + 0.0440586375 = 0.8234336375
  //   predictedUp 0.8 (Stable/Up at 80 %): market = 1 → 0.8834336375
  //   a 20 M cascade on uniswap_v3 halves the market: 0.6/2 = 0.3 → 0.8234336375 − 0.045 = 0.7784336375
  const down = llama(kT0, 'uniswap-v3', 'weth-usdc', { apy: 20, apyBase: 20, tvlUsd: 5e7, ilRisk: 'yes', exposure: 'multi', stablecoin: false, predictedUp: 0.3 });
  const up = llama(kT0 + kSecUs, 'uniswap-v3', 'weth-usdc', { apy: 20, apyBase: 20, tvlUsd: 5e7, ilRisk: 'yes', exposure: 'multi', stablecoin: false, predictedUp: 0.8 });
  const stress = cascade(kT0, 'uniswap_v3', 20_000_000);
  const h = createHarness('yield_hunter', [down, stress]);
  h.feed([down]);
  let r = h.cycle()[0]!;
  near(r.risk, 5.594136248, 1e-8, 'risk');
  near(r.score, 0.8234336375, 1e-9, 'Down 70 %');
  h.feed([stress]);
  r = h.cycle(kT0)[0]!;
  near(r.score, 0.7784336375, 1e-9, 'Down 70 % and a 20 M cascade');
  const h2 = createHarness('yield_hunter', [down]);
  h2.feed([up]);
  near(h2.cycle()[0]!.score, 0.8834336375, 1e-9, 'Stable/Up 80 %');
});

test('a project the table does not know is still scanned, at reliability 0.15', () => {
  // a stable pair of a project not in the table (some-new-dex): apy 8, tvl 20 M, no IL, multi, stable
  //   tvlRisk = 1 − log10(200)/4 = 0.424742501; risk = 10·(0.1 + 0.25·0.85 + 0.15·0.424742501) = 3.762113752
  //   score = 0.3·0.4 + 0.2 + 0.25·0.15 + 0.15 + 0.1·(1 − 0.3762113752) = 0.5075 + 0.0623788625 = 0.5698788625
  const ev = llama(kT0, 'some-new-dex', 'usdc-usdt', { apy: 8, tvlUsd: 2e7, ilRisk: 'no', exposure: 'multi', stablecoin: true });
  const h = createHarness('yield_hunter', [ev]);
  h.feed([ev]);
  const r = h.cycle()[0]!;
  near(r.risk, 3.762113752, 1e-8, 'risk');
  near(r.score, 0.5698788625, 1e-9, 'score');
  near(r.aux, 0.15, 1e-15, 'reliability');
});

test('quarantine: a 6× APY jump is held and counted, a 4× one is not, the next consistent update confirms', () => {
  // Q and F: aave-v3, apy 6 (all base), tvl 100 M, no IL, single, stable → risk 0.45,
  //   score = 0.3·0.3 + 0.2 + 0.2425 + 0.15 + 0.0955 = 0.778
  const pool = (ts: number, name: string, apy: number, tvlUsd = 1e8): object => llama(ts, 'aave-v3', name, { apy, apyBase: apy, tvlUsd, ...stableSingle });
  const universe = [pool(kT0, 'q', 6), pool(kT0, 'f', 6)];
  const h = createHarness('yield_hunter', universe);
  const metric = (): number => h.runner.out.arrays.metrics[kResQuarantined]!;
  h.feed(universe);
  let recs = h.cycle();
  near(rec(h, recs, 'aave-v3:ethereum:q')!.score, 0.778, 1e-12, 'Q before');
  assert.is(metric(), 0);
  // 10 min later: Q 6 → 36 (6×) is held; F 6 → 24 (4×) is taken
  h.feed([pool(kT0 + 10 * kMin, 'q', 36), pool(kT0 + 10 * kMin, 'f', 24)]);
  recs = h.cycle();
  const q = rec(h, recs, 'aave-v3:ethereum:q')!;
  assert.is(q.value, 6, 'Q keeps its accepted APY');
  near(q.score, 0.778, 1e-12, 'Q score unchanged');
  near(q.risk, 0.45, 1e-12, 'the held change does not feed the APY volatility');
  const f24 = rec(h, recs, 'aave-v3:ethereum:f')!;
  assert.is(f24.value, 24);
  assert.is(metric(), 1);
  // 20 min: Q at 34 jumps from 6 too and agrees with the held 36: confirmed, taken (no new count)
  //   EWMA variance 0.06·(34 − 6)² = 47.04, vol 6.858571 pp → volRisk 0.6858571 → risk 0.45 + 10·0.15·0.6858571 = 1.4787857
  h.feed([pool(kT0 + 20 * kMin, 'q', 34)]);
  recs = h.cycle();
  const confirmed = rec(h, recs, 'aave-v3:ethereum:q')!;
  assert.is(confirmed.value, 34);
  const risk = 0.45 + 0.15 * Math.sqrt(0.06 * 28 * 28);
  near(risk, 1.4787857, 1e-7, 'risk (number)');
  near(confirmed.risk, risk, 1e-12, 'risk after the confirmed jump');
  near(confirmed.score, 0.3 + 0.2 + 0.2425 + 0.15 + 0.1 * (1 - risk / 10), 1e-12, 'score after the confirmed jump');
  assert.is(metric(), 1);
  // A TVL jump is held as well; an update back near the accepted level drops it (not confirmed)
  h.feed([pool(kT0 + 30 * kMin, 'f', 24, 7e8)]);
  recs = h.cycle();
  const held = rec(h, recs, 'aave-v3:ethereum:f')!;
  assert.is(held.score, f24.score, 'F still scored on TVL 100 M');
  assert.is(held.risk, f24.risk);
  assert.is(metric(), 2);
  h.feed([pool(kT0 + 40 * kMin, 'f', 25, 1.1e8)]);
  recs = h.cycle();
  assert.is(rec(h, recs, 'aave-v3:ethereum:f')!.value, 25);
  assert.is(metric(), 2);
  // More than the window after the last accepted update, a 6× rise is taken at once
  h.feed([pool(kT0 + 40 * kMin + kHour, 'f', 150)]);
  recs = h.cycle();
  assert.is(rec(h, recs, 'aave-v3:ethereum:f')!.value, 150);
  assert.is(metric(), 2);
});

test('quarantine: the announcement repeating a held jump at the same time neither confirms it nor counts again', () => {
  const pool = (ts: number, apy: number, type = 'yield_update'): object => ({ ...llama(ts, 'aave-v3', 'q', { apy, apyBase: apy, tvlUsd: 1e8, ...stableSingle }), type });
  const h = createHarness('yield_hunter', [pool(kT0, 6)]);
  h.feed([pool(kT0, 6)]);
  h.cycle();
  h.feed([pool(kT0 + kMin, 40)]);
  assert.is(h.cycle()[0]!.value, 6);
  h.feed([pool(kT0 + kMin, 40, 'yield_opportunity_detected')]);
  assert.is(h.cycle()[0]!.value, 6, 'still held');
  assert.is(h.runner.out.arrays.metrics[kResQuarantined], 1);
  h.feed([pool(kT0 + 2 * kMin, 38)]);
  assert.is(h.cycle()[0]!.value, 38, 'a later update confirms');
  assert.is(h.runner.out.arrays.metrics[kResQuarantined], 1);
});

test('quarantine follows the config: factor and window', () => {
  const pool = (ts: number, apy: number): object => llama(ts, 'aave-v3', 'q', { apy, apyBase: apy, tvlUsd: 1e8, ...stableSingle });
  let h = createHarness('yield_hunter', [pool(kT0, 6)], (c) => { c.yield.quarantineFactor = 3; });
  h.feed([pool(kT0, 6)]);
  h.cycle();
  h.feed([pool(kT0 + kMin, 24)]); // 4× > 3×: held
  assert.is(h.cycle()[0]!.value, 6);
  assert.is(h.runner.out.arrays.metrics[kResQuarantined], 1);
  h = createHarness('yield_hunter', [pool(kT0, 6)], (c) => { c.yield.quarantineWindowUs = 0; });
  h.feed([pool(kT0, 6)]);
  h.cycle();
  h.feed([pool(kT0 + kMin, 60)]); // window 0: nothing is held
  assert.is(h.cycle()[0]!.value, 60);
  assert.is(h.runner.out.arrays.metrics[kResQuarantined], 0);
});

test('config checks name the key', () => {
  const bad = (patch: (c: EngineConfig) => void): string => {
    const c = structuredClone(kDefaultConfig) as EngineConfig;
    patch(c);
    try { checkConfig(c); } catch (err) { return (err as Error).message; }
    return '';
  };
  assert.match(bad((c) => { c.agents.yield.rewardHaircut = 1.5; }), /^config\.agents\.yield\.rewardHaircut must be a fraction in \[0, 1\], got 1\.5/);
  assert.match(bad((c) => { c.agents.yield.quarantineFactor = 1; }), /^config\.agents\.yield\.quarantineFactor must be a finite number above 1, got 1/);
  assert.match(bad((c) => { c.agents.yield.quarantineWindowUs = -1; }), /^config\.agents\.yield\.quarantineWindowUs must be a non-negative finite number, got -1/);
  assert.is(bad(() => {}), '');
});

// ---- The DefiLlama snapshot through the hunter (skipped without ../shared/data) -------------------
const kSnapshot = new URL('../../../shared/data/defillama-yields/pools_snapshot_2025-08-31.json', import.meta.url).pathname;
if (!existsSync(kSnapshot)) {
  console.log(`SKIP DefiLlama snapshot through the hunter: ${kSnapshot} is absent`);
} else {
  test('the 2025-08-31 snapshot: each published candidate re-computes from its own fields', () => {
    const list = JSON.parse(readFileSync(kSnapshot, 'utf8')) as unknown[];
    const events = list.map((p, i) => snapshotRecordToRow(p, `#${i}`)).filter((r) => 'row' in r).map((r) => rowToEvent((r as { row: Parameters<typeof rowToEvent>[0] }).row));
    assert.is(events.length, 1134);
    // one snapshot: no history yet, so every pool enters as accepted (first sight)
    const h = createHarness('yield_hunter', events, (c) => { c.yield.topK = 64; });
    h.feed(events);
    const recs = h.cycle();
    assert.ok(recs.length > 10, `${recs.length} candidates`);
    const byKey = new Map(events.map((e) => [(e as { key: string }).key, (e as { data: Record<string, unknown> }).data]));
    let withPrediction = 0, withStats = 0;
    for (const r of recs) {
      const d = byKey.get(h.snapshot.meta[r.slotA]!.key)!;
      const num = (k: string): number => (typeof d[k] === 'number' ? d[k] as number : NaN);
      const flag = (k: string, yes: unknown): number => (d[k] === undefined ? NaN : d[k] === yes ? 1 : 0);
      const rel = reliabilityOf(canonicalProtocol(d.protocol as string));
      const apyEff = effectiveApyPct(num('apy'), num('apyBase'), num('apyReward'), 0.5);
      const sd = sigmaToApyStdPct(num('sigma'), num('mu'));
      const il = flag('ilRisk', 'yes'), multi = flag('exposure', 'multi'), stable = flag('stablecoin', true);
      const risk = Math.min(10, riskScore0to10(il === il ? il : 0.5, multi === multi ? multi : 0.5, stable === stable ? stable : 0, rel, num('tvlUsd'), sd === sd ? sd : 0) +
        stabilityRiskPoints(apyZScore(num('apy'), num('mu'), num('sigma'))));
      const score = yieldScore(apyEff, num('tvlUsd'), rel, predictionFactor(num('predictedUp')), risk);
      near(r.value, apyEff, 1e-12, 'apyEff');
      near(r.risk, risk, 1e-12, 'risk');
      near(r.score, score, 1e-12, 'score');
      assert.ok(passesYieldFilters(apyEff, num('tvlUsd'), risk), 'passes the filters');
      if (d.predictedUp !== undefined) withPrediction++;
      if (d.mu !== undefined) withStats++;
    }
    for (let i = 1; i < recs.length; i++) assert.ok(recs[i - 1]!.score >= recs[i]!.score, 'descending score');
    console.log(`  snapshot: ${recs.length} candidates (top 64), ${withStats} with mu/sigma, ${withPrediction} with a prediction; best ${h.snapshot.meta[recs[0]!.slotA]!.key} score ${recs[0]!.score.toFixed(4)} APY ${recs[0]!.value.toFixed(2)} % risk ${recs[0]!.risk.toFixed(2)}`);
  });
}

test.run();
