import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  kProtocolReliability, kProtocolReliabilityInputs, kUnknownProtocolReliability, kYieldFilterDefaults,
  passesYieldFilters, protocolReliabilityScore, reliabilityOf, riskScore0to10, tvlTier, yieldScore,
} from './yield_score.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

test('yield score: the record formula by hand', () => {
  // apy 12 %, TVL 5 M, protocol 0.97, market 0.6, risk 3:
  // 0.3·0.6 + 0.2·0.5 + 0.25·0.97 + 0.15·0.6 + 0.1·0.7 = 0.18 + 0.1 + 0.2425 + 0.09 + 0.07 = 0.6825
  near(yieldScore(12, 5_000_000, 0.97, 0.6, 3), 0.6825, 1e-15, 'mid case');
  // every term saturated: APY 40 % → 1, TVL 50 M → 1, 1, 1, risk 0 → 1: 0.3+0.2+0.25+0.15+0.1 = 1
  near(yieldScore(40, 50_000_000, 1, 1, 0), 1, 1e-15, 'best case');
  // all zero and risk 10: 0
  near(yieldScore(0, 0, 0, 0, 10), 0, 0, 'worst case');
  // out-of-range inputs are clamped: APY −3 % → 0, risk 12 → 0, protocol 1.4 → 1
  // 0 + 0.2·0.1 + 0.25·1 + 0.15·0.5 + 0 = 0.02 + 0.25 + 0.075 = 0.345
  near(yieldScore(-3, 1_000_000, 1.4, 0.5, 12), 0.345, 1e-15, 'clamped');
  assert.ok(Number.isNaN(yieldScore(NaN, 1, 1, 1, 1)), 'NaN APY → NaN');
  assert.ok(Number.isNaN(yieldScore(10, 1, 1, 1, NaN)), 'NaN risk → NaN');
});

test('yield filters: defaults and inclusive bounds', () => {
  assert.equal({ ...kYieldFilterDefaults }, { minApyPct: 5, minTvlUsd: 1_000_000, maxRisk: 7 });
  assert.ok(Object.isFrozen(kYieldFilterDefaults));
  assert.is(passesYieldFilters(5, 1_000_000, 7), true, 'exactly on every bound passes');
  assert.is(passesYieldFilters(4.99, 5_000_000, 3), false, 'APY below 5 %');
  assert.is(passesYieldFilters(8, 999_999, 3), false, 'TVL below 1 M');
  assert.is(passesYieldFilters(8, 5_000_000, 7.01), false, 'risk above 7');
  assert.is(passesYieldFilters(NaN, 5_000_000, 3), false, 'NaN fails');
  assert.is(passesYieldFilters(3, 200_000, 9, 2, 100_000, 9.5), true, 'custom thresholds');
});

test('TVL tiers', () => {
  assert.is(tvlTier(9_999_999), 0);
  assert.is(tvlTier(10_000_000), 1);
  assert.is(tvlTier(250_000_000), 2);
  assert.is(tvlTier(1e9), 3);
  assert.is(tvlTier(7e9), 4);
  assert.is(tvlTier(NaN), 0);
});

test('protocol reliability formula and the derived table', () => {
  // 0.3·min(3,5)/5 + 0.3·min(2,5)/5 + 0.25·2/4 + 0.15/(1+1) = 0.18 + 0.12 + 0.125 + 0.075 = 0.5
  near(protocolReliabilityScore(3, 2, 2, 1), 0.5, 1e-15, 'mid case');
  near(protocolReliabilityScore(9, 10, 4, 0), 1, 1e-15, 'caps reach 1');
  near(kUnknownProtocolReliability, 0.15, 1e-15, 'nothing known: only the no-incident term');
  assert.ok(Number.isNaN(protocolReliabilityScore(1, NaN, 1, 0)), 'NaN → NaN');
  // Table values, by hand from kProtocolReliabilityInputs:
  const expected: Record<string, number> = {
    aave: 0.3 + 0.27 + 0.25 + 0.15, // 5 audits, 4.5 y, tier 4, 0 incidents = 0.97
    compound: 0.3 + 0.3 + 0.1875 + 0.075, // 5, 6 y (capped), tier 3, 1 incident = 0.8625
    yearn: 0.3 + 0.27 + 0.125 + 0.05, // 5, 4.5, tier 2, 2 incidents = 0.745
    convex: 0.12 + 0.18 + 0.1875 + 0.15, // 2, 3, tier 3, 0 = 0.6375
    curve: 0.24 + 0.27 + 0.1875 + 0.075, // 4, 4.5, tier 3, 1 = 0.7725
    uniswap_v3: 0.24 + 0.18 + 0.1875 + 0.15, // 4, 3, tier 3, 0 = 0.7575
    sushiswap: 0.12 + 0.24 + 0.125 + 0.05, // 2, 4, tier 2, 2 = 0.535
    uniswap_v2: 0.12 + 0.24 + 0.1875 + 0.15, // 2, 4, tier 3, 0 = 0.6975
    pancakeswap: 0.24 + 0.21 + 0.1875 + 0.15, // 4, 3.5, tier 3, 0 = 0.7875
    aerodrome: 0.12 + 0.06 + 0.125 + 0.15, // 2, 1, tier 2, 0 = 0.455
    fluid: 0.12 + 0.03 + 0.125 + 0.15, // 2, 0.5, tier 2, 0 = 0.425
  };
  assert.equal(Object.keys(kProtocolReliability).sort(), Object.keys(expected).sort());
  for (const name of Object.keys(expected)) {
    near(reliabilityOf(name), expected[name]!, 1e-15, `reliability of ${name}`);
    const inp = kProtocolReliabilityInputs[name as keyof typeof kProtocolReliabilityInputs];
    assert.ok(inp.note.length > 0, `${name} has a note`);
  }
  assert.is(reliabilityOf('some_new_fork'), kUnknownProtocolReliability);
  assert.is(reliabilityOf('toString'), kUnknownProtocolReliability, 'prototype names are not protocols');
  assert.ok(Object.isFrozen(kProtocolReliability));
});

test('pool risk 0–10 by hand', () => {
  // Volatile pair on Uniswap V3: il 1, multi 1, not stable, reliability 0.7575, TVL 10 M, APY sd 5 pp.
  // tvlRisk = 1 − log10(1e7/1e5)/4 = 1 − 2/4 = 0.5; volRisk = 5/10 = 0.5
  // 10·(0.2 + 0.1 + 0.15 + 0.25·0.2425 + 0.15·0.5 + 0.15·0.5) = 10·0.660625 = 6.60625
  near(riskScore0to10(1, 1, 0, 0.7575, 1e7, 5), 6.60625, 1e-13, 'volatile pair');
  // Single-asset stablecoin lending on Aave: 0, 0, stable, 0.97, TVL 1 B (tvlRisk 0), sd 0.5 pp:
  // 10·(0.25·0.03 + 0.15·0.05) = 10·0.015 = 0.15
  near(riskScore0to10(0, 0, 1, 0.97, 1e9, 0.5), 0.15, 1e-13, 'stable lending');
  // Worst: everything at its maximum, TVL 0 → tvlRisk 1, sd 30 pp → 1: 10·1 = 10
  near(riskScore0to10(1, 1, 0, 0, 0, 30), 10, 1e-13, 'worst');
  near(riskScore0to10(0, 0, 1, 1, 5e9, 0), 0, 1e-13, 'best');
  assert.ok(Number.isNaN(riskScore0to10(0, 0, 1, 1, NaN, 0)), 'NaN TVL → NaN');
});

const kSnapshot = fileURLToPath(new URL('../../shared/data/defillama-yields/pools_snapshot_2025-08-31.json', import.meta.url));

interface SnapshotPool {
  pool: string; protocol_slug: string; tvl_usd: number; apy: number | null; sigma: number | null;
  il_risk: string; exposure: string; stablecoin: boolean;
}

if (!existsSync(kSnapshot)) {
  console.log(`SKIP yield score on the DefiLlama snapshot: ${kSnapshot} is absent`);
  test.skip('yield score on the DefiLlama snapshot', () => {});
} else {
  test('yield score and risk on the DefiLlama snapshot (2025-08-31)', () => {
    const pools = JSON.parse(readFileSync(kSnapshot, 'utf8')) as SnapshotPool[];
    const reliability = (slug: string): number => slug === 'curve-dex' ? reliabilityOf('curve') : kUnknownProtocolReliability;
    let scored = 0;
    for (const p of pools) {
      if (p.apy === null || p.sigma === null) continue;
      const risk = riskScore0to10(p.il_risk === 'yes' ? 1 : 0, p.exposure === 'multi' ? 1 : 0,
        p.stablecoin ? 1 : 0, reliability(p.protocol_slug), p.tvl_usd, p.sigma);
      const score = yieldScore(p.apy, p.tvl_usd, reliability(p.protocol_slug), 0.5, risk);
      assert.ok(risk >= 0 && risk <= 10, `risk in range for ${p.pool}`);
      assert.ok(score >= 0 && score <= 1, `score in range for ${p.pool}`);
      scored++;
    }
    assert.ok(scored > 1000, `scored ${scored} pools`);
    // curve-dex ETH-STETH: ilRisk no, multi, not stable, TVL 208 895 189, apy 2.12 %, sigma 0.69107.
    // tvlRisk = 1 − log10(2088.95189)/4 = 0.17001789; volRisk = 0.069107
    // risk = 10·(0.1 + 0.15 + 0.25·0.2275 + 0.15·0.17001789 + 0.15·0.069107) = 3.42743734
    // score (market 0.5) = 0.3·0.106 + 0.2 + 0.25·0.7725 + 0.075 + 0.1·(1 − 0.342743734) = 0.56565063
    const steth = pools.find((p) => p.pool === '57d30b9c-fc66-4ac2-b666-69ad5f410cce');
    assert.ok(steth, 'the ETH-STETH pool is in the snapshot');
    const risk = riskScore0to10(0, 1, 0, reliabilityOf('curve'), steth.tvl_usd, steth.sigma!);
    near(risk, 3.427437335752021, 1e-12, 'ETH-STETH risk');
    near(yieldScore(steth.apy!, steth.tvl_usd, reliabilityOf('curve'), 0.5, risk), 0.5656506266424798, 1e-12,
      'ETH-STETH score');
    assert.is(passesYieldFilters(steth.apy!, steth.tvl_usd, risk), false, '2.12 % APY is below the 5 % floor');
  });
}

test.run();
