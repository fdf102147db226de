// The record's trigger rules, one event at a time: price moves against minPriceChangeThreshold
// (percent, measured from the value when the slot last triggered), APY moves against
// minAPYChangeThreshold (percentage points), large liquidations, governance, and the high-impact
// kinds that always trigger.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeEvent } from './source/codec.ts';
import { Tape } from '../protocol/tape.ts';
import { InstrumentRegistry } from '../protocol/registry.ts';
import { Trigger } from './trigger.ts';
import type { TriggerConfig } from './options.ts';

const kTs = 1_723_075_200_000_000;
const cfg: TriggerConfig = { minPriceChangeThreshold: 0.05, minAPYChangeThreshold: 0.25, minLiquidationUsd: 100_000 };

/** Feeds events one by one (decoded through the codec) and returns whether each fired. */
function fires(events: object[], c: TriggerConfig = cfg): boolean[] {
  const registry = new InstrumentRegistry();
  const tape = new Tape(events.length);
  events.forEach((ev, i) => {
    const reason = decodeEvent(ev, registry, tape, i + 1);
    if (reason !== null) throw new Error(`test event ${i}: ${reason}`);
  });
  const trigger = new Trigger(Math.max(1, registry.size), c);
  return events.map((_, i) => trigger.fires(tape.rows, i));
}

function book(bid: number, ask: number, key = 'x:ETH/USDT'): object {
  const venue = key.slice(0, key.indexOf(':')); // the key agrees with the data
  return { ts: kTs, type: 'price_update', topic: `market.prices.${venue}`, key, data: { venue, base: 'ETH', quote: 'USDT', bid, ask, bidSize: 1, askSize: 1 } };
}
function pool(apy: number, type = 'yield_update'): object {
  return { ts: kTs, type, topic: 'market.yields.aave', key: 'aave:usdc', data: { protocol: 'aave', chain: 'ethereum', pool: 'usdc', apy, tvlUsd: 1e8 } };
}
function amm(reserve0: number, reserve1: number): object {
  return { ts: kTs, type: 'pool_update', topic: 'market.prices.uniswap_v2', key: 'uniswap_v2:p', data: { dex: 'uniswap_v2', pool: 'p', token0: 'USDC', token1: 'WETH', reserve0, reserve1, fee: 0.003 } };
}

test('price updates: the first fires; then only moves of at least 0.05 % of the mid that last fired', () => {
  // mids: 2000 (first: fires), 2000.8 (+0.04 %: no), 2001.2 (+0.06 % from 2000: fires, new reference),
  //       2000.4 (−0.03998 % from 2001.2: no), 2000.1 (−0.05497 %: fires), 2000.1 (0: no)
  assert.equal(fires([
    book(1999.5, 2000.5), book(2000.3, 2001.3), book(2000.7, 2001.7), book(1999.9, 2000.9), book(1999.6, 2000.6), book(1999.6, 2000.6),
  ]), [true, false, true, false, true, false]);
});

test('a small drift that adds up fires once it passes the threshold from the last trigger', () => {
  // +0.02 % per tick from 2000: 2000.4, 2000.8 stay below 0.05 %; 2001.2 is +0.06 %
  assert.equal(fires([book(1999.5, 2000.5), book(1999.9, 2000.9), book(2000.3, 2001.3), book(2000.7, 2001.7)]), [true, false, false, true]);
});

test('each slot keeps its own reference', () => {
  // x: 2000 then 2001.5 (+0.075 %: fires); y: 3000 then 3000.1 (+0.0033 %: no)
  assert.equal(fires([
    book(1999.5, 2000.5, 'x:ETH/USDT'), book(2999.5, 3000.5, 'y:ETH/USDT'), book(2001, 2002, 'x:ETH/USDT'), book(2999.6, 3000.6, 'y:ETH/USDT'),
  ]), [true, true, true, false]);
});

test('the threshold follows the config (0 = every change fires)', () => {
  const ticks = [book(1999.5, 2000.5), book(1999.6, 2000.6), book(1999.6, 2000.6)];
  assert.equal(fires(ticks, { ...cfg, minPriceChangeThreshold: 0 }), [true, true, true]);
  assert.equal(fires(ticks, { ...cfg, minPriceChangeThreshold: 1 }), [true, false, false]);
});

test('AMM pool updates move on the pool price (reserve1/reserve0) the same way', () => {
  // prices 0.0004, 0.00040016 (+0.04 %: no), 0.00040024 (+0.06 %: fires)
  assert.equal(fires([amm(1_000_000, 400), amm(1_000_000, 400.16), amm(1_000_000, 400.24)]), [true, false, true]);
});

test('yield updates fire on APY moves of at least 0.25 percentage points', () => {
  // 5.00 (first), 5.20 (0.20: no), 5.30 (0.30 from 5.00: fires), 5.10 (0.20: no), 5.00 (0.30: fires), 5.00 (no)
  assert.equal(fires([pool(5), pool(5.2), pool(5.3), pool(5.1), pool(5), pool(5)]), [true, false, true, false, true, false]);
});

test('liquidations fire from minLiquidationUsd; governance always', () => {
  const liq = (usd: number): object => ({ ts: kTs, type: 'liquidation', topic: 'market.liquidations.aave', key: 'aave:l', data: { protocol: 'aave', collateralUsd: usd } });
  const gov = { ts: kTs, type: 'governance', topic: 'market.governance.aave', key: 'aave:1', data: { protocol: 'aave', proposalId: '1' } };
  assert.equal(fires([liq(50_000), liq(99_999.99), liq(100_000), liq(2_000_000), gov, gov]), [false, false, true, true, true, true]);
});

test('the high-impact kinds always fire, however small and however often', () => {
  const events = [
    pool(5), pool(5, 'yield_opportunity_detected'), pool(5, 'yield_opportunity_detected'),
    { ts: kTs, type: 'major_price_movement', topic: 'market.prices.x', key: 'x:ETH/USDT', data: { venue: 'x', base: 'ETH', quote: 'USDT', changePct: 0.01, price: 2000 } },
    { ts: kTs, type: 'liquidation_cascade', topic: 'market.liquidations.aave', key: 'aave:c', data: { protocol: 'aave', totalUsd: 1, count: 1 } },
    { ts: kTs, type: 'governance_proposal_passed', topic: 'market.governance.aave', key: 'aave:7', data: { protocol: 'aave', proposalId: '7' } },
    { ts: kTs, type: 'governance_proposal_passed', topic: 'market.governance.aave', key: 'aave:7', data: { protocol: 'aave', proposalId: '7' } },
  ];
  assert.equal(fires(events, { ...cfg, minAPYChangeThreshold: 100, minLiquidationUsd: 1e12 }), [true, true, true, true, true, true, true]);
});

test.run();
