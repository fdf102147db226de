// Triangular arbitrage inside a venue, on books and on AMM pools, checked against hand values and
// against the path math with each token's decimals and gas in USD.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kResStale } from '../../../protocol/layout.ts';
import {
  kLegStride, kPathOutLength, kPathProfit, kPathSize, optimalPathInput, setCpLeg, setV3Leg, setV3TickLeg,
} from '../../../finance/swap_path.ts';
import { tickToSqrtPrice } from '../../../finance/amm.ts';
import type { AgentConfig } from '../config.ts';
import { kRecArbDetail, kRecArbTriangular } from '../../../protocol/records.ts';
import { createHarness, type Rec } from '../../../engine/testing/agent_harness.ts';
import { kSecUs, kT0, price } from '../../../fixtures/events.ts';
import { v2Pool, v3Pool } from '../../../fixtures/events.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
const cfg = (c: AgentConfig): void => {
  c.fees.defaultTaker = 0.001;
  c.arbitrage.maxQuoteAgeUs = 2 * kSecUs;
  c.arbitrage.triangular.minProfitUsd = 5;
  c.arbitrage.gas.priceGwei = 20;
};
const tri = (recs: Rec[]): Rec[] => recs.filter((r) => r.kind === kRecArbTriangular || r.kind === kRecArbDetail);

// One venue X: BTC/USDT 59 990/60 000, ETH/USDT 2 999.5/3 000 (10 ETH at the ask), ETH/BTC 0.0505/0.05051.
const btc = price(kT0, 'X', 'BTC', 'USDT', 59_990, 60_000, 1, 1);
const eth = price(kT0, 'X', 'ETH', 'USDT', 2_999.5, 3_000, 10, 10);
const ethBtc = price(kT0, 'X', 'ETH', 'BTC', 0.0505, 0.05051, 20, 20);

test('a dislocated cross rate: USDT → ETH → BTC → USDT, sized on the top of book', () => {
  const h = createHarness('arbitrage_detector', [btc, eth, ethBtc], cfg);
  h.feed([btc, eth, ethBtc]);
  const recs = tri(h.cycle());
  assert.is(recs.length, 2, 'one cycle and its detail');
  const [r, d] = recs as [Rec, Rec];
  assert.is(r.kind, kRecArbTriangular);
  // rate = (0.999/3 000)·(0.0505·0.999)·(59 990·0.999) = 0.999³·3 029.495/3 000 = 1.0068052…
  const rate = 0.999 ** 3 * (0.0505 * 59_990) / 3_000;
  near(rate, 1.0068052, 1e-7, 'hand rate');
  // the ask holds 10 ETH = 30 000 USDT; the other legs have room (10·0.999·0.0505·0.999 = 0.504 BTC ≤ 1):
  // size 30 000 USD, profit 30 000·(rate − 1) = 204.16 USD
  near(r.size, 30_000, 1e-3, 'max size USD');
  near(r.value, 30_000 * (rate - 1), 1e-3, 'profit USD');
  near(r.score, (rate - 1) * 1e4, 1e-4, 'net bps');
  assert.is(r.slotA, h.slot('X:ETH/USDT'), 'leg 1: buy ETH with USDT');
  assert.is(r.slotB, h.slot('X:ETH/BTC'), 'leg 2: sell ETH for BTC');
  assert.is(d.slotA, h.slot('X:BTC/USDT'), 'leg 3: sell BTC for USDT');
  assert.is(d.slotB, -1);
  assert.is(r.aux, 3 + 10 * 0b110, '3 legs; legs 2 and 3 sell the base');
  assert.is(r.risk, 0, 'fresh quotes');
  // no gas on books; fees: 30 000·(3 029.495/3 000) − 30 204.156 = 90.79
  assert.is(d.value, 0);
  near(d.risk, 30_000 * (0.0505 * 59_990 / 3_000) - 30_000 * rate, 1e-3, 'fees (no slippage inside the top)');
});

test('a consistent venue has no cycle; one that closes drops out; a stale leg is never used', () => {
  const fair = price(kT0, 'X', 'ETH', 'BTC', 0.04999, 0.05001, 20, 20);
  let h = createHarness('arbitrage_detector', [btc, eth, fair], cfg);
  h.feed([btc, eth, fair]);
  assert.equal(tri(h.cycle()), []);
  h = createHarness('arbitrage_detector', [btc, eth, ethBtc], cfg);
  h.feed([btc, eth, ethBtc]);
  assert.is(tri(h.cycle()).length, 2);
  assert.is(tri(h.cycle(kT0 + kSecUs)).length, 2, 'still open a second later');
  h.feed([price(kT0 + 1.5 * kSecUs, 'X', 'ETH', 'BTC', 0.04999, 0.05001, 20, 20)]);
  assert.equal(tri(h.cycle()), [], 'the cross rate came back');
  // the dislocated quote arrives 3 s after the others: BTC and ETH are stale, nothing is reported
  h = createHarness('arbitrage_detector', [btc, eth, ethBtc], cfg);
  h.feed([btc, eth, price(kT0 + 3 * kSecUs, 'X', 'ETH', 'BTC', 0.0505, 0.05051, 20, 20)]);
  assert.equal(tri(h.cycle()), []);
  assert.is(h.reader.arrays.metrics[kResStale], 0, 'stale quotes never enter the graph, so no cycle needs dropping');
});

test('an AMM cycle: net of every pool fee, slippage along the curves, and gas in USD at the book ETH price', () => {
  // uniswap_v2: WBTC/WETH at 20.3 WETH per WBTC (1.5 % over 50 000/2 500), WBTC/USDC at 50 000,
  // USDC/WETH at 2 500; the V3 pool is another dex. Books give ETH 2 500 for gas.
  const ethBook = price(kT0, 'X', 'ETH', 'USDT', 2_499.9, 2_500.1, 10, 10);
  const usdcWeth3 = v3Pool(kT0, '0x01', 'USDC', 'WETH', 6, 18, 1 / 2_500, 10n ** 18n, 0.0005);
  const wbtcWeth = v2Pool(kT0, 'uniswap_v2', '0x02', 'WBTC', 'WETH', 1_000, 20_300, 0.003);
  const wbtcUsdc = v2Pool(kT0, 'uniswap_v2', '0x03', 'WBTC', 'USDC', 1_000, 50_000_000, 0.003);
  const usdcWeth = v2Pool(kT0, 'uniswap_v2', '0x04', 'USDC', 'WETH', 50_000_000, 20_000, 0.003);
  const universe = [ethBook, usdcWeth3, wbtcWeth, wbtcUsdc, usdcWeth];
  const h = createHarness('arbitrage_detector', universe, cfg);
  h.feed(universe);
  const recs = tri(h.cycle());
  assert.is(recs.length, 2, `one cycle: ${JSON.stringify(recs)}`);
  const [r, d] = recs as [Rec, Rec];
  // USDC → WBTC (0x03, token1 in), WBTC → WETH (0x02, token0 in), WETH → USDC (0x04, token1 in)
  assert.equal([r.slotA, r.slotB, d.slotA], [h.slot('uniswap_v2:0x03'), h.slot('uniswap_v2:0x02'), h.slot('uniswap_v2:0x04')]);
  assert.is(r.aux, 3 + 10 * 0b010, 'only the second leg swaps token0 for token1');
  // the same path by hand on the reserves
  const path = new Float64Array(3 * kLegStride);
  setCpLeg(path, 0, 50_000_000, 1_000, 0.003);
  setCpLeg(path, 1, 1_000, 20_300, 0.003);
  setCpLeg(path, 2, 20_000, 50_000_000, 0.003);
  const po = new Float64Array(kPathOutLength);
  assert.ok(optimalPathInput(po, path, 3, 10_000_000));
  const gas = (21_000 + 3 * 120_000) * 20e-9 * 2_500; // 381 000 units at 20 gwei and 2 500 USD/ETH = 19.05 USD
  near(d.value, gas, 1e-9, 'gas');
  near(r.size, po[kPathSize]!, 1e-3, 'size (USDC = 1 USD)');
  near(r.value, po[kPathProfit]! - gas, 1e-3, 'profit after gas');
  assert.ok(r.value > 100, `worth it after gas: ${r.value}`);
  // at a tenth of the liquidity the same dislocation earns less than the gas: nothing is reported
  const small = [ethBook, usdcWeth3, v2Pool(kT0, 'uniswap_v2', '0x02', 'WBTC', 'WETH', 100, 2_030, 0.003),
    v2Pool(kT0, 'uniswap_v2', '0x03', 'WBTC', 'USDC', 100, 5_000_000, 0.003), v2Pool(kT0, 'uniswap_v2', '0x04', 'USDC', 'WETH', 5_000_000, 2_000, 0.003)];
  const h2 = createHarness('arbitrage_detector', small, cfg);
  h2.feed(small);
  assert.equal(tri(h2.cycle()), [], 'about 14 USD of profit does not pay 19.05 USD of gas');
});

test('a V3 leg is sized in raw units with each token\'s decimals and stops at the range end', () => {
  // one dex (uniswap_v3), two USDC/WETH pools 1 % apart: buy WETH in the cheap one, sell in the rich one
  const ethBook = price(kT0, 'X', 'ETH', 'USDT', 2_499.9, 2_500.1, 10, 10);
  const cheap = v3Pool(kT0, '0x11', 'USDC', 'WETH', 6, 18, 1 / 2_500, 10n ** 17n, 0.0005);
  const rich = v3Pool(kT0, '0x12', 'USDC', 'WETH', 6, 18, 1 / 2_475, 10n ** 17n, 0.0005);
  const h = createHarness('arbitrage_detector', [ethBook, cheap, rich], (c) => { cfg(c); c.arbitrage.triangular.v3RangeTicks = 50; });
  h.feed([ethBook, cheap, rich]);
  const recs = tri(h.cycle());
  assert.is(recs.length, 2, 'a two-pool cycle');
  const [r, d] = recs as [Rec, Rec];
  const q = h.snapshot;
  assert.is(q.meta[r.slotA]!.decimals0, 6);
  // by hand with the pools' own numbers: leg 1 USDC → WETH in the pool quoting 1/2 475 WETH per USDC
  // (token0 in: zeroForOne), leg 2 WETH → USDC in the other; raw scales 1e6 (USDC) and 1e18 (WETH)
  const sp = (p: number): number => Number(BigInt(Math.round(Math.sqrt(p * 1e12) * 2 ** 96))) / 2 ** 96;
  const s1 = sp(1 / 2_475), s2 = sp(1 / 2_500);
  const t1 = Math.floor(Math.log(s1 * s1) / Math.log(1.0001)), t2 = Math.floor(Math.log(s2 * s2) / Math.log(1.0001));
  const path = new Float64Array(2 * kLegStride);
  setV3Leg(path, 0, true, 1e17, s1, tickToSqrtPrice(t1 - 50), 0.0005, 1e6, 1e-18);
  setV3Leg(path, 1, false, 1e17, s2, tickToSqrtPrice(t2 + 50), 0.0005, 1e18, 1e-6);
  const po = new Float64Array(kPathOutLength);
  assert.ok(optimalPathInput(po, path, 2, 10_000_000));
  const gas = (21_000 + 2 * 120_000) * 20e-9 * 2_500;
  near(r.size, po[kPathSize]!, 1e-6 * po[kPathSize]!, 'size');
  near(r.value, po[kPathProfit]! - gas, 1e-6 * po[kPathProfit]!, 'profit after gas');
  near(d.value, gas, 1e-9, 'gas of two swaps');
  // with decimals taken as 18 for USDC the same pools would quote a price 1e12 off: nothing sane
  assert.ok(r.size > 1_000 && r.size < 1e7, `size ${r.size} USD is plausible`);
});

test('a V3 leg with a tick map is sized across its initialized ticks', () => {
  // The same two pools, but the cheap one (bought from: WETH → USDC is token1 in, price of token0
  // rises) has twice the liquidity past a tick 30 above its price, and its map ends 400 ticks up; the
  // rich one (sold into, token0 in) has ticks 20 and 60 below, the second one ending its map.
  const ethBook = price(kT0, 'X', 'ETH', 'USDT', 2_499.9, 2_500.1, 10, 10);
  const sp = (p: number): number => Number(BigInt(Math.round(Math.sqrt(p * 1e12) * 2 ** 96))) / 2 ** 96;
  const s1 = sp(1 / 2_475), s2 = sp(1 / 2_500);
  const t1 = Math.floor(Math.log(s1 * s1) / Math.log(1.0001)), t2 = Math.floor(Math.log(s2 * s2) / Math.log(1.0001));
  const L = 10n ** 17n;
  const richTicks: [number, string][] = [[t1 - 60, (L / 2n).toString()], [t1 - 20, (-L).toString()]]; // crossing down: L → 2L → 1.5L
  const cheapTicks: [number, string][] = [[t2 + 30, L.toString()], [t2 + 400, (-2n * L).toString()]]; // crossing up: L → 2L
  const cheap = v3Pool(kT0, '0x11', 'USDC', 'WETH', 6, 18, 1 / 2_500, L, 0.0005, cheapTicks);
  const rich = v3Pool(kT0, '0x12', 'USDC', 'WETH', 6, 18, 1 / 2_475, L, 0.0005, richTicks);
  const h = createHarness('arbitrage_detector', [ethBook, cheap, rich], (c) => { cfg(c); c.arbitrage.triangular.v3RangeTicks = 50; });
  h.feed([ethBook, cheap, rich]);
  const recs = tri(h.cycle());
  assert.is(recs.length, 2, 'a two-pool cycle');
  const [r] = recs as [Rec, Rec];
  // by hand: leg 1 token0 in on the rich pool down through t1 − 20 (L → 2L) to t1 − 60 (the end);
  // leg 2 token1 in on the cheap pool up through t2 + 30 (L → 2L) to t2 + 400 (the end)
  const path = new Float64Array(2 * kLegStride);
  const sq = (ts: number[]): Float64Array => Float64Array.from(ts, (t) => tickToSqrtPrice(t));
  assert.ok(setV3TickLeg(path, 0, true, 1e17, s1, sq([t1 - 60, t1 - 20]), Float64Array.from([5e16, -1e17]), 2, 0.0005, 1e6, 1e-18));
  assert.ok(setV3TickLeg(path, 1, false, 1e17, s2, sq([t2 + 30, t2 + 400]), Float64Array.from([1e17, -2e17]), 2, 0.0005, 1e18, 1e-6));
  const po = new Float64Array(kPathOutLength);
  assert.ok(optimalPathInput(po, path, 2, 10_000_000));
  const gas = (21_000 + 2 * 120_000) * 20e-9 * 2_500;
  near(r.size, po[kPathSize]!, 1e-6 * po[kPathSize]!, 'size across ticks');
  near(r.value, po[kPathProfit]! - gas, 1e-6 * po[kPathProfit]!, 'profit after gas');
  // the constant-liquidity sizing (±50 ticks at L) gives a different, smaller trade
  const flat = new Float64Array(2 * kLegStride);
  setV3Leg(flat, 0, true, 1e17, s1, tickToSqrtPrice(t1 - 50), 0.0005, 1e6, 1e-18);
  setV3Leg(flat, 1, false, 1e17, s2, tickToSqrtPrice(t2 + 50), 0.0005, 1e18, 1e-6);
  const pf = new Float64Array(kPathOutLength);
  optimalPathInput(pf, flat, 2, 10_000_000);
  console.log(`  size across ticks ${r.size.toFixed(0)} USD, at constant L ${pf[kPathSize]!.toFixed(0)} USD`);
  assert.ok(r.size > 1.2 * pf[kPathSize]!, `across ticks ${r.size} vs constant L ${pf[kPathSize]}`);
});

test.run();
