// The execution optimizer: buying 100 000 USD of ETH on two books, a Uniswap V2 pool and a V3 pool.
//  - Books without published depth: the top (10 ETH at the ask) and four more levels of 10 ETH,
//    each 5 bps further (arbitrage.impactBpsPerTopSize); taker fee 10 bps.
//  - All-in cost against the reference mid (the first USD book, mid 2 000): avg·(1 + fee)/2 000 − 1
//    for a book; 100 000/(out·2 000) − 1 + gas/100 000 for a pool.
//  - Gas at 20 gwei with ETH at 2 000 USD: V2 110 000 units = 4.40 USD, V3 125 000 units = 5.00 USD.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentConfig } from './config.ts';
import {
  kExecTableCostBps, kExecTableGasUsd, kExecTableMaxSizeUsd, kExecTableSlippageBps, kRecExecutionPlan,
} from '../../protocol/records.ts';
import { createHarness, decodeAll, type Harness } from '../../engine/testing/agent_harness.ts';
import { kT0, price } from '../../fixtures/events.ts';
import { cpAmountOut, kV3AmountOut, kV3SwapOutLength, v3SwapWithinRange } from '../../finance/amm.ts';
import { kVenueLevel, kVenuePool, splitByMarginalRate } from '../../finance/routing.ts';
import { maxQtyWithinSlippage } from '../../finance/book_walk.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

const kV2 = '0x1111111111111111111111111111111111111111';
const kV3 = '0x4444444444444444444444444444444444444444';

function pool(dex: string, addr: string, t0: string, t1: string, r0: number, r1: number, fee: number, dec?: [number, number]): object {
  const data: Record<string, unknown> = { dex, pool: addr, token0: t0, token1: t1, reserve0: r0, reserve1: r1, fee };
  if (dec) {
    const x = r0 * 10 ** dec[0], y = r1 * 10 ** dec[1];
    data.sqrtPriceX96 = BigInt(Math.round(Math.sqrt(y / x) * 2 ** 96)).toString();
    data.liquidity = BigInt(Math.round(Math.sqrt(x * y))).toString();
    data.tick = Math.floor(Math.log(y / x) / Math.log(1.0001));
    data.decimals0 = dec[0];
    data.decimals1 = dec[1];
  }
  return { ts: kT0, type: 'pool_update', topic: `market.prices.${dex}`, key: `${dex}:${addr}`, data };
}

const books = [
  price(kT0, 'X', 'ETH', 'USDT', 1999.9, 2000.1, 10, 10),
  price(kT0, 'Y', 'ETH', 'USDT', 1999.8, 2000.2, 10, 10),
];
const v2 = pool('uniswap_v2', kV2, 'WETH', 'USDT', 1000, 2_000_000, 0.003);
const v3 = pool('uniswap_v3', kV3, 'USDC', 'WETH', 2e7, 10_000, 0.0005, [6, 18]);

function harness(patch?: (c: AgentConfig) => void): Harness {
  const h = createHarness('execution_optimizer', [...books, v2, v3], patch);
  h.feed([...books, v2, v3]);
  return h;
}

/** The five modelled levels of a book: ask·(1 + i·5 bps), 10 ETH each. */
function levels(ask: number): { px: number[]; sz: number[] } {
  const px = [0, 1, 2, 3, 4].map((i) => ask * (1 + i * 5e-4));
  return { px, sz: px.map(() => 10) };
}

/** Average price of spending `usd` on levels, by hand. */
function avgFill(px: number[], sz: number[], usd: number): number {
  let left = usd, qty = 0;
  for (let i = 0; i < px.length && left > 0; i++) {
    const c = Math.min(left, px[i]! * sz[i]!);
    qty += c / px[i]!;
    left -= c;
  }
  return usd / qty;
}

test('per-venue cost of buying 100 000 USD of ETH: books, V2 and V3, gas included', () => {
  const h = harness();
  h.cycle();
  const x = h.slot('X:ETH/USDT'), y = h.slot('Y:ETH/USDT'), p2 = h.slot(`uniswap_v2:${kV2}`), p3 = h.slot(`uniswap_v3:${kV3}`);
  // book X: 20 001 + 20 011.0005 + 20 021.001 + 20 031.0015 = 80 064.003 for 40 ETH, then 19 935.997 at 2 004.1002
  const lx = levels(2000.1);
  const avgX = avgFill(lx.px, lx.sz, 100_000);
  near(avgX, 100_000 / (40 + 19_935.997 / 2004.1002), 1e-6, 'average on X (by hand)');
  near(h.table(kExecTableCostBps, x), ((avgX * 1.001) / 2000 - 1) * 1e4, 1e-9, 'cost on X');
  near(h.table(kExecTableSlippageBps, x), (avgX / 2000.1 - 1) * 1e4, 1e-9, 'slippage on X');
  near(h.table(kExecTableGasUsd, x), 0, 0, 'no gas on a book');
  near(h.table(kExecTableMaxSizeUsd, x), maxQtyWithinSlippage(Float64Array.from([...lx.px, ...lx.sz]), 0, lx.px.length, 5, 0.005) * 2000.1, 1e-6, 'size within 50 bps');
  const ly = levels(2000.2);
  near(h.table(kExecTableCostBps, y), ((avgFill(ly.px, ly.sz, 100_000) * 1.001) / 2000 - 1) * 1e4, 1e-9, 'cost on Y');
  // V2 (token1 is USDT): 100 000 in, out = 99 700·1 000/2 099 700 = 47.4829 WETH; gas 4.40 USD
  const out2 = cpAmountOut(100_000, 2_000_000, 1000, 0.003);
  near(out2, (99_700 * 1000) / 2_099_700, 1e-12, 'V2 output (by hand)');
  near(h.table(kExecTableGasUsd, p2), 4.4, 1e-12, 'V2 gas');
  near(h.table(kExecTableCostBps, p2), (100_000 / (out2 * 2000) - 1 + 4.4 / 100_000) * 1e4, 1e-9, 'V2 cost');
  // V2 size within 50 bps of slippage: 0.005·2 M/(0.997·0.995) = 10 080.6 USD
  near(h.table(kExecTableMaxSizeUsd, p2), (0.005 * 2e6) / (0.997 * 0.995), 1e-9, 'V2 size within 50 bps');
  // V3 in raw units: 1e11 USDC units in, zeroForOne, √P = √(1e22/2e13), L = √(2e13·1e22); gas 5 USD
  const swap = new Float64Array(kV3SwapOutLength);
  const sp = Math.sqrt(1e22 / 2e13), L = Math.sqrt(2e13 * 1e22);
  v3SwapWithinRange(swap, 1e11, true, L, sp, Number.MIN_VALUE, 0.0005);
  const out3 = swap[kV3AmountOut]! / 1e18;
  near(out3, cpAmountOut(100_000, 2e7, 10_000, 0.0005), 1e-9, 'V3 within its range = constant product on virtual reserves');
  near(h.table(kExecTableGasUsd, p3), 5, 1e-12, 'V3 gas');
  near(h.table(kExecTableCostBps, p3), (100_000 / (out3 * 2000) - 1 + 5 / 100_000) * 1e4, 1e-6, 'V3 cost');
});

test('the plan: the cheapest of the best venue, the split over all venues and the split over the books', () => {
  const h = harness();
  const recs = h.cycle().filter((r) => r.kind === kRecExecutionPlan);
  assert.is(recs.length, 1, 'one asset');
  const plan = recs[0]!;
  // the split, rebuilt: five levels per book, the two pools (v3 by its virtual reserves)
  const lx = levels(2000.1), ly = levels(2000.2);
  const kind: number[] = [], p1: number[] = [], p2: number[] = [], fee: number[] = [];
  for (const l of [lx, ly]) for (let i = 0; i < 5; i++) { kind.push(kVenueLevel); p1.push(1 / l.px[i]!); p2.push(l.px[i]! * 10); fee.push(0.001); }
  kind.push(kVenuePool, kVenuePool); p1.push(2_000_000, 2e7); p2.push(1000, 10_000); fee.push(0.003, 0.0005);
  const n = kind.length, amounts = new Float64Array(n), order = new Int32Array(n);
  const got = splitByMarginalRate(Int32Array.from(kind), Float64Array.from(p1), Float64Array.from(p2), Float64Array.from(fee), n, 100_000, amounts, order);
  const gas = (amounts[10]! > 0 ? 4.4 : 0) + (amounts[11]! > 0 ? 5 : 0);
  const splitCost = 100_000 / (got * 2000) - 1 + gas / 100_000;
  const singles = [h.table(kExecTableCostBps, h.slot('X:ETH/USDT')), h.table(kExecTableCostBps, h.slot('Y:ETH/USDT')),
    h.table(kExecTableCostBps, h.slot(`uniswap_v2:${kV2}`)), h.table(kExecTableCostBps, h.slot(`uniswap_v3:${kV3}`))];
  assert.ok(splitCost * 1e4 < Math.min(...singles), `the split (${splitCost * 1e4} bps) beats every venue (${singles.join(', ')})`);
  near(plan.score, splitCost * 1e4, 1e-6, 'plan cost (bps)');
  near(plan.value, splitCost * 100_000, 1e-4, 'plan cost (USD)');
  near(plan.size, 100_000, 0, 'notional');
  near(plan.risk, gas, 1e-12, 'gas of the legs used');
  // the split: X's first three levels (44 473 USD), Y's first two (40 014), the V3 pool 15 513 (its
  // marginal rate falls to the third level's 0.999/2 002.1); the V2 pool's first unit (0.997·1 000/2 M)
  // is worse than every rate used, so it stays out
  near(amounts[0]! + amounts[1]! + amounts[2]!, 44_473, 1, 'X');
  near(amounts[5]! + amounts[6]!, 40_014, 1, 'Y');
  near(amounts[11]!, 15_513, 1, 'V3');
  near(amounts[10]!, 0, 0, 'V2 left out');
  assert.is(plan.slotA, h.slot('X:ETH/USDT'), 'the largest leg');
  assert.is(plan.slotB, h.slot('Y:ETH/USDT'), 'the second leg');
  assert.is(plan.aux, 3, 'legs: X, Y, V3');
});

test('a book that publishes its depth is walked level by level', () => {
  const h = harness();
  const ev = {
    ts: kT0 + 1, type: 'price_update', topic: 'market.prices.X', key: 'X:ETH/USDT',
    data: { venue: 'X', base: 'ETH', quote: 'USDT', bid: 1999.9, ask: 2000.1, bidSize: 10, askSize: 10,
      bids: [[1999.9, 10], [1999, 100]], asks: [[2000.1, 10], [2001, 20], [2010, 100]] },
  };
  const tape = decodeAll([ev], h.registry);
  h.writer.apply(tape.rows, 0, tape.depth);
  h.cycle(kT0 + 1);
  // 100 000 USD: 20 001 at 2 000.1, 40 020 at 2 001, then 39 979 at 2 010
  const qty = 10 + 20 + 39_979 / 2010;
  const avg = 100_000 / qty;
  near(h.table(kExecTableSlippageBps, h.slot('X:ETH/USDT')), (avg / 2000.1 - 1) * 1e4, 1e-9, 'slippage on the published levels');
  near(h.table(kExecTableCostBps, h.slot('X:ETH/USDT')), ((avg * 1.001) / 2000 - 1) * 1e4, 1e-9, 'cost on the published levels');
});

test('gas price and reference size come from the config', () => {
  const h = harness((c) => { c.execution.gasPriceGwei = 100; c.execution.referenceTradeUsd = 10_000; });
  h.cycle();
  const p2 = h.slot(`uniswap_v2:${kV2}`);
  near(h.table(kExecTableGasUsd, p2), 110_000 * 100e-9 * 2000, 1e-12, 'V2 gas at 100 gwei: 22 USD');
  const out = cpAmountOut(10_000, 2_000_000, 1000, 0.003);
  near(h.table(kExecTableCostBps, p2), (10_000 / (out * 2000) - 1 + 22 / 10_000) * 1e4, 1e-9, 'V2 cost at 10 000 USD');
});

test.run();
