// The liquidity optimizer on constructed pools.
//  - Volume: a swap moves the two reserves in opposite directions; the side that grew is the input.
//    USD volume per update and the update interval go into an EWMA ratio (λ = 0.94, seeded with the
//    first): USD per day = A/B·86 400 s.
//  - σ of a USDC/WETH pool: WETH's σ from the ETH book on the 1 s clock (USDC carries none); the ETH
//    mid alternates 2 000 ↔ 2 000·(1 + x), so σ = ln(1 + x)·√86 400 exactly.
//  - Recommendation: finance/lp_range.ts with fee rate = volume·fee/TVL (per day), horizon 7 days,
//    full range for v2, the optimised range for v3 (narrowest: one tick spacing, 10 ticks at 5 bps).
//  - Split: the closed form of finance/routing.ts over the pools of one pair.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LiquidityOptimizer, tickSpacingOf } from './liquidity_optimizer.ts';
import {
  kLiqTableFeeAprFullRange, kLiqTableSigmaDaily, kLiqTableTvlUsd, kLiqTableVolumeUsdDay, kRecLpRange, kRecTradeSplit,
} from '../../protocol/records.ts';
import { createHarness, type Harness } from '../../engine/testing/agent_harness.ts';
import { kSecUs, kT0, price } from '../../fixtures/events.ts';
import { cpAmountOut } from '../../finance/amm.ts';
import {
  evaluateRange, kLpEfficiency, kLpFeeReturn, kLpHalfWidth, kLpIlCost, kLpInRange, kLpNetReturn, kLpOutLength,
  optimalLpSize, optimiseRange,
} from '../../finance/lp_range.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
function rel(actual: number, expected: number, tol: number, what: string): void {
  near(actual, expected, Math.abs(expected) * tol, what);
}

const kV2 = '0x1111111111111111111111111111111111111111';
const kV2b = '0x2222222222222222222222222222222222222222';
const kV2c = '0x3333333333333333333333333333333333333333';
const kV3 = '0x4444444444444444444444444444444444444444';

/** A pool_update; v3 pools get sqrtPriceX96 and L from their (virtual) reserves and decimals. */
function pool(ts: number, dex: string, addr: string, t0: string, t1: string, r0: number, r1: number, fee: number, dec?: [number, number]): object {
  const data: Record<string, unknown> = { dex, pool: addr, token0: t0, token1: t1, reserve0: r0, reserve1: r1, fee };
  if (dec) {
    const x = r0 * 10 ** dec[0], y = r1 * 10 ** dec[1];
    data.sqrtPriceX96 = BigInt(Math.round(Math.sqrt(y / x) * 2 ** 96)).toString();
    data.liquidity = BigInt(Math.round(Math.sqrt(x * y))).toString();
    data.tick = Math.floor(Math.log(y / x) / Math.log(1.0001));
    data.decimals0 = dec[0];
    data.decimals1 = dec[1];
  }
  return { ts, type: 'pool_update', topic: `market.prices.${dex}`, key: `${dex}:${addr}`, data };
}
const ethBook = (ts: number, mid: number): object => price(ts, 'X', 'ETH', 'USDT', mid - 0.1, mid + 0.1, 10, 10);

/** minHistoryUs 0: these pools are watched for seconds, not the default two minutes. */
function harness(extra: object[] = [], minHistoryUs = 0): Harness {
  return createHarness('liquidity_optimizer', [ethBook(kT0, 2000), pool(kT0, 'uniswap_v2', kV2, 'USDC', 'WETH', 2e6, 1000, 0.003), ...extra],
    (c) => { c.liquidity.minHistoryUs = minHistoryUs; });
}
const kTau = 3_600_000_000; // liquidity.volumeTauUs default: one hour
const decay = (dtUs: number): number => Math.exp(-dtUs / kTau);

test('v3 volume from the price move at the active liquidity; a mint moves no price and adds none', () => {
  // USDC/WETH 5 bps, virtual reserves 2 000 000 USDC / 1 000 WETH: L = √(2e9), √P = √(1/2 000)
  const r0 = 2e6, r1 = 1_000, L = Math.sqrt(r0 * r1), s0 = Math.sqrt(r1 / r0);
  const v3 = (ts: number, l: number, s: number): object => pool(ts, 'uniswap_v3', kV3, 'USDC', 'WETH', l / s, l * s, 0.0005, [6, 18]);
  const h = harness([v3(kT0, L, s0)]);
  const agent = h.runner.agent as LiquidityOptimizer;
  h.feed([ethBook(kT0, 2000), v3(kT0, L, s0)]);
  h.cycle();
  // USDC in, 1 s later: √P falls 0.1 %; input net of fee L·(1/s1 − 1/s0), plus the fee, 1 USD each
  const s1 = s0 * 0.999;
  h.feed([v3(kT0 + kSecUs, L, s1)]);
  h.cycle();
  const first = (L * (1 / s1 - 1 / s0)) / 0.9995;
  rel(agent.volumeUsdPerDay(1), first * 86_400, 1e-6, 'USDC in');
  // a mint doubles L at the same price: both virtual reserves double, no volume (the constant-
  // product rule would see no opposite moves either, but a crossing would look like one)
  h.feed([v3(kT0 + 2 * kSecUs, 2 * L, s1)]);
  h.cycle();
  const d1 = decay(kSecUs);
  rel(agent.volumeUsdPerDay(1), ((first * d1) / (d1 + 1)) * 86_400, 1e-6, 'a mint adds no volume');
  // WETH in across a tick (L 2L → 3L) 1 s later: mean L 2.5L times Δ√P, plus the fee, at 2 000 USD
  const s2 = s1 * 1.002;
  h.feed([v3(kT0 + 3 * kSecUs, 3 * L, s2)]);
  h.cycle();
  const third = (2.5 * L * (s2 - s1) / 0.9995) * 2000;
  const A = first * d1 * d1 + third, B = (d1 + 1) * d1 + 1;
  rel(agent.volumeUsdPerDay(1), (A / B) * 86_400, 1e-6, 'WETH in across a tick');
});

test('tick spacing by fee tier', () => {
  assert.is(tickSpacingOf(0.0001), 1);
  assert.is(tickSpacingOf(0.0005), 10);
  assert.is(tickSpacingOf(0.003), 60);
  assert.is(tickSpacingOf(0.01), 200);
});

test('volume from reserve changes: the input side, in USD, as a time-weighted rate per day', () => {
  const h = harness();
  const agent = h.runner.agent as LiquidityOptimizer;
  h.feed([ethBook(kT0, 2000), pool(kT0, 'uniswap_v2', kV2, 'USDC', 'WETH', 2e6, 1000, 0.003)]);
  h.cycle();
  assert.ok(Number.isNaN(agent.volumeUsdPerDay(0)), 'no volume from one update');
  // 10 000 USDC in, WETH out, 1 s later: 10 000 USD over 1 s
  h.feed([pool(kT0 + kSecUs, 'uniswap_v2', kV2, 'USDC', 'WETH', 2_010_000, 995.05, 0.003)]);
  h.cycle();
  near(agent.volumeUsdPerDay(0), 10_000 * 86_400, 1e-6, 'first swap: 864 M USD a day');
  // 5 WETH in (at 2 000 USD), 2 s later: volume and time decay by e^(−2 s/τ), then add
  // A = 10 000·d₂ + 10 000 USD, B = 1 s·d₂ + 2 s
  h.feed([pool(kT0 + 3 * kSecUs, 'uniswap_v2', kV2, 'USDC', 'WETH', 2_000_100, 1000.05, 0.003)]);
  h.cycle();
  const d2 = decay(2 * kSecUs), A2 = 10_000 * d2 + 10_000, B2 = 1 * d2 + 2;
  rel(agent.volumeUsdPerDay(0), (A2 / B2) * 86_400, 1e-12, 'second swap: about 20 000 USD over 3 s');
  // a deposit (both reserves up) is not volume, but its second counts as time: A = A₂·d₁, B = B₂·d₁ + 1 s
  h.feed([pool(kT0 + 4 * kSecUs, 'uniswap_v2', kV2, 'USDC', 'WETH', 2_100_000, 1050, 0.003)]);
  h.cycle();
  const d1 = decay(kSecUs);
  rel(agent.volumeUsdPerDay(0), ((A2 * d1) / (B2 * d1 + 1)) * 86_400, 1e-12, 'a deposit adds no volume');
});

test('no volume, and so no LP recommendation, before a pool has been watched for minHistoryUs', () => {
  const h = harness([], 10 * kSecUs);
  const agent = h.runner.agent as LiquidityOptimizer;
  for (let k = 0; k <= 12; k++) {
    h.feed([pool(kT0 + k * kSecUs, 'uniswap_v2', kV2, 'USDC', 'WETH', k % 2 === 0 ? 2e6 : 2_010_000, k % 2 === 0 ? 1000 : 995.05, 0.003)]);
    h.cycle();
    // the threshold is what 10 s of watching decays to, τ·(1 − e^(−10 s/τ)); ten 1 s steps reach it
    if (k < 10) assert.ok(Number.isNaN(agent.volumeUsdPerDay(0)), `no rate after ${k} s`);
    else assert.ok(agent.volumeUsdPerDay(0) > 0, `a rate after ${k} s`);
  }
});

/** 25 s of ETH alternating 2 000 ↔ 2 000·(1 + x) and the pool swapping back and forth each second. */
function warm(h: Harness, x: number, pools: (k: number) => object[]): void {
  for (let k = 0; k <= 25; k++) {
    const mid = k % 2 === 0 ? 2000 : 2000 * (1 + x);
    h.feed([ethBook(kT0 + k * kSecUs, mid), ...pools(k)]);
    h.cycle();
  }
}

test('a v2 pool: fee income against the expected IL of the full range, and the size under dilution', () => {
  const h = harness();
  const x = 2e-4;
  const agent = h.runner.agent as LiquidityOptimizer;
  // the pool alternates between two states: 10 000 USDC in, then back out (WETH in)
  warm(h, x, (k) => [pool(kT0 + k * kSecUs, 'uniswap_v2', kV2, 'USDC', 'WETH', k % 2 === 0 ? 2e6 : 2_010_000, k % 2 === 0 ? 1000 : 995.05, 0.003)]);
  const slot = h.slot(`uniswap_v2:${kV2}`);
  const recs = h.cycle(kT0 + 25 * kSecUs + 1).filter((r) => r.kind === kRecLpRange);
  assert.is(recs.length, 1);
  const r = recs[0]!;
  assert.is(r.slotA, slot);
  const sigma = Math.log(1 + x) * Math.sqrt(86_400);
  near(h.table(kLiqTableSigmaDaily, slot), sigma, 1e-12, 'σ of the pool price = σ of ETH');
  // TVL at the last update (k = 25, odd): 2 010 000 + 995.05·u, u = the WETH price the pool implies
  // (USDC is 1 USD; WETH priced through the ETH book's mid at that time, 2 000·(1 + x))
  rel(h.table(kLiqTableTvlUsd, slot), 2_010_000 + 995.05 * 2000 * (1 + x), 1e-12, 'TVL');
  const volume = agent.volumeUsdPerDay(0);
  near(h.table(kLiqTableVolumeUsdDay, slot), volume, 0, 'volume in the table');
  const tvl = h.table(kLiqTableTvlUsd, slot);
  const feeRate = (volume * 0.003) / tvl;
  rel(h.table(kLiqTableFeeAprFullRange, slot), feeRate * 365, 1e-12, 'fee APR');
  const lp = new Float64Array(kLpOutLength);
  const sigmaT = h.table(kLiqTableSigmaDaily, slot); // the estimator's σ (equal to σ above to 1e-12)
  evaluateRange(lp, feeRate, sigmaT, 7, Infinity);
  rel(r.score, (lp[kLpNetReturn]! * 365) / 7, 1e-12, 'net APR');
  rel(r.value, (lp[kLpFeeReturn]! * 365) / 7, 1e-12, 'fee APR of the position');
  rel(r.risk, (lp[kLpIlCost]! * 365) / 7, 1e-12, 'IL APR');
  // IL of the full range over 7 days: 1 − e^{−σ²·7/8}
  rel(lp[kLpIlCost]!, -Math.expm1((-sigma * sigma * 7) / 8), 1e-9, 'IL by hand');
  assert.is(r.aux, -1, 'v2: full range');
  const size = Math.min(optimalLpSize(volume * 0.003 * 7, 1, 1, tvl, lp[kLpIlCost]! + (0.05 * 7) / 365), 10_000_000 * 0.05);
  rel(r.size, size, 1e-12, 'size');
});

test('a v3 pool: the range that maximises fee − loss, down to one tick spacing', () => {
  const h = harness([pool(kT0, 'uniswap_v3', kV3, 'USDC', 'WETH', 2e7, 10_000, 0.0005, [6, 18])]);
  const x = 2e-4;
  warm(h, x, (k) => [pool(kT0 + k * kSecUs, 'uniswap_v3', kV3, 'USDC', 'WETH', k % 2 === 0 ? 2e7 : 2.001e7, k % 2 === 0 ? 10_000 : 9_995.0025, 0.0005, [6, 18])]);
  const slot = h.slot(`uniswap_v3:${kV3}`);
  const agent = h.runner.agent as LiquidityOptimizer;
  const r = h.cycle(kT0 + 25 * kSecUs + 1).find((q) => q.kind === kRecLpRange && q.slotA === slot)!;
  assert.ok(r, 'a recommendation for the v3 pool');
  const sigma = h.table(kLiqTableSigmaDaily, slot);
  near(sigma, Math.log(1 + x) * Math.sqrt(86_400), 1e-12, 'σ');
  const feeRate = (agent.volumeUsdPerDay(1) * 0.0005) / h.table(kLiqTableTvlUsd, slot);
  const lp = new Float64Array(kLpOutLength), scratch = new Float64Array(kLpOutLength);
  optimiseRange(lp, scratch, feeRate, sigma, 7, 10 * Math.log1p(1e-4));
  rel(r.aux, lp[kLpHalfWidth]!, 1e-12, 'half-width');
  assert.ok(r.aux > 0 && r.aux < 3, `a concentrated range: h = ${r.aux}`);
  rel(r.score, (lp[kLpNetReturn]! * 365) / 7, 1e-12, 'net APR');
  const tvl = h.table(kLiqTableTvlUsd, slot);
  const size = Math.min(optimalLpSize(agent.volumeUsdPerDay(1) * 0.0005 * 7, lp[kLpInRange]!, lp[kLpEfficiency]!, tvl, lp[kLpIlCost]! + (0.05 * 7) / 365), 500_000);
  rel(r.size, size, 1e-12, 'size');
});

test('a trade split across the pools of one pair, whatever their token order', () => {
  const h = harness([
    pool(kT0, 'sushiswap', kV2b, 'USDC', 'WETH', 2e6, 1000, 0.003),
    pool(kT0, 'uniswap_v2', kV2c, 'WETH', 'USDC', 500, 1e6, 0.003), // reversed: token0 is WETH
  ]);
  h.feed([
    ethBook(kT0, 2000), pool(kT0, 'uniswap_v2', kV2, 'USDC', 'WETH', 2e6, 1000, 0.003),
    pool(kT0, 'sushiswap', kV2b, 'USDC', 'WETH', 2e6, 1000, 0.003), pool(kT0, 'uniswap_v2', kV2c, 'WETH', 'USDC', 500, 1e6, 0.003),
  ]);
  const splits = h.cycle().filter((r) => r.kind === kRecTradeSplit);
  // 1 M USDC over pools of 2 M, 2 M and 1 M USDC at the same price: shares 2/5, 2/5, 1/5 (the closed
  // form puts aᵢ ∝ R_inᵢ when prices and fees are equal)
  assert.is(splits.length, 3);
  const by = new Map(splits.map((r) => [r.slotA, r]));
  const a = by.get(h.slot(`uniswap_v2:${kV2}`))!, b = by.get(h.slot(`sushiswap:${kV2b}`))!, c = by.get(h.slot(`uniswap_v2:${kV2c}`))!;
  near(a.score, 0.4, 1e-12, 'share of pool 1');
  near(b.score, 0.4, 1e-12, 'share of pool 2');
  near(c.score, 0.2, 1e-12, 'share of the reversed pool');
  near(a.value, 400_000, 1e-6, 'USD to pool 1');
  assert.is(a.slotB, h.slot(`uniswap_v2:${kV2}`), 'group: its first pool');
  assert.is(a.aux, 3, 'pools in the group');
  const split = 2 * cpAmountOut(400_000, 2e6, 1000, 0.003) + cpAmountOut(200_000, 1e6, 500, 0.003);
  const single = cpAmountOut(1e6, 2e6, 1000, 0.003);
  rel(a.size, (split / single - 1) * 1e4, 1e-9, 'saving against the best single pool (bps)');
  assert.ok(a.size > 1000, `a large saving: ${a.size} bps`);
});

test.run();
