// The paper executor by hand on a small state: a triangular cycle (fees split from the legs' rates,
// an AMM leg's fee read from the state), a yield carry (collateral at λ from cash, the borrow
// market's position collateral − debt, gas realized), a pair trade opened and closed at the top of
// book, and the guards that keep one-legged actions off hedged positions (trade() never sells into
// a short or a pair's leg, exitPool() never withdraws a carry's supply).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kPfCashUsd, kPfPositions0, kPfRealizedPnlUsd } from '../../protocol/layout.ts';
import { kT0, price } from '../../fixtures/events.ts';
import { lending, v2Pool } from '../../fixtures/events.ts';
import { fusionHarness, type FusionHarness } from '../consolidate/testing/fusion_harness.ts';
import { kPairBuyUnits, kPairCashUsd, kPairPnlUsd, kPairSellUnits } from './paper_executor.ts';
import { type Fill } from '../types.ts';

const kPool = '0x5555555555555555555555555555555555555555';
const universe = [
  price(kT0, 'X', 'ETH', 'USDT', 1_999, 2_001, 10, 10),
  price(kT0, 'X', 'BTC', 'USDT', 59_990, 60_010, 1, 1),
  price(kT0, 'X', 'BTC', 'ETH', 29.99, 30.01, 1, 1),
  price(kT0, 'Y', 'ETH', 'USDT', 1_998, 2_002, 10, 10),
  v2Pool(kT0, 'uniswap_v2', kPool, 'USDC', 'WETH', 2e6, 1_000, 0.003),
  lending(kT0, 'aave', 'p-aave', 'USDC', { apy: 4, tvlUsd: 500e6, apyBorrow: 3, ltv: 0.8 }),
  lending(kT0, 'yearn', 'p-yearn', 'USDC', { apy: 12, tvlUsd: 10e6 }),
];

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
function harness(): FusionHarness {
  const f = fusionHarness(universe, [], undefined, (c) => {
    c.agents.capitalUsd = 10_000_000;
    c.agents.fees.defaultTaker = 0.001;
    c.agents.fees.venues = { Y: 0.002 };
    c.agents.arbitrage.yieldArb.liquidationBuffer = 0.3;
  });
  f.feed(universe);
  return f;
}
const pos = (f: FusionHarness, key: string): number => f.arrays.portfolio[kPfPositions0 + f.slot(key)]!;
const cash = (f: FusionHarness): number => f.arrays.portfolio[kPfCashUsd]!;
const realized = (f: FusionHarness): number => f.arrays.portfolio[kPfRealizedPnlUsd]!;

test('triangular: the net profit is realized at once; qty, price, fees and slippage from the figures', () => {
  const f = harness();
  const legs = Int32Array.from([f.slot('X:ETH/USDT'), f.slot('X:BTC/ETH'), f.slot('X:BTC/USDT'), -1]);
  // 100 000 USD in, 300 net after 20 of gas, 500 of fees + slippage: out = 100 320 before gas,
  // gross = 100 820; three 10 bp legs keep 0.999³ = 0.997002999, so the fees are 100 820 · 0.002997001
  const fill = f.executor.triangular(legs, 3, 100_000, 300, 20, 500);
  const fees = 100_820 * (1 - 0.999 ** 3);
  near(fees, 302.157640, 1e-6, 'fees by hand');
  assert.is(fill.qty, 100_000);
  near(fill.price, 1.0032, 1e-12, 'output / input');
  near(fill.feeUsd, fees + 20, 1e-9, 'fees + gas');
  near(fill.slippageUsd, 500 - fees, 1e-9, 'slippage: the rest of the costs');
  near(fill.qty * (fill.price - 1) - 20, 300, 1e-9, 'qty·(price − 1) − gas = the net profit');
  assert.is(cash(f), 10_000_300);
  assert.is(realized(f), 300);
  for (let k = 0; k < 3; k++) assert.is(f.arrays.portfolio[kPfPositions0 + legs[k]!], 0, 'flat: no position');
});

test('triangular: an AMM leg\'s fee is the pool\'s, read from the state; fees never exceed the costs', () => {
  const f = harness();
  const legs = Int32Array.from([f.slot('X:ETH/USDT'), f.slot(`uniswap_v2:${kPool}`), -1, -1]);
  // keep = 0.999 · 0.997 (the pool's 30 bp, not the default 10 bp taker fee); out = 50 100, gross = 50 400
  const fill = f.executor.triangular(legs, 2, 50_000, 100, 0, 300);
  const fees = 50_400 * (1 - 0.999 * 0.997);
  near(fees, 201.4488, 1e-9, 'fees by hand: 50 400 · 0.003997');
  near(fill.feeUsd, fees, 1e-9, 'the pool fee from the state');
  near(fill.slippageUsd, 300 - fees, 1e-9, 'slippage');
  // costs below the fees of the frictionless flow: all of them are fees
  const g = harness();
  const small = g.executor.triangular(legs, 2, 50_000, 100, 0, 50);
  assert.is(small.feeUsd, 50);
  assert.is(small.slippageUsd, 0);
});

test('yield carry: collateral at λ from cash, supply + size, borrow market collateral − debt, gas realized', () => {
  const f = harness();
  const aave = f.slot('aave:ethereum:p-aave'), yearn = f.slot('yearn:ethereum:p-yearn');
  // λ = 0.8 · (1 − 0.3) = 0.56
  near(f.executor.carryLtv(aave), 0.56, 1e-15, 'λ');
  assert.ok(Number.isNaN(f.executor.carryLtv(yearn)), 'no LTV: no λ');
  near(f.executor.maxCarryUsd(aave, 50), (10_000_000 - 50) * 0.56, 1e-6, 'the largest carry the cash collateralises');
  assert.is(f.executor.maxCarryUsd(yearn, 50), 0);
  // 560 000 borrowed: collateral 1 000 000
  const fill = f.executor.yieldCarry(aave, yearn, 560_000, 50);
  assert.equal(fill, { price: 1, qty: 560_000, feeUsd: 50, slippageUsd: 0 });
  near(pos(f, 'yearn:ethereum:p-yearn'), 560_000, 1e-6, 'supplied');
  near(pos(f, 'aave:ethereum:p-aave'), 1_000_000 - 560_000, 1e-6, 'collateral − debt');
  near(cash(f), 10_000_000 - 1_000_000 - 50, 1e-6, 'cash pays the collateral and the gas, not the principal');
  assert.is(realized(f), -50);
  near(f.executor.hedged(yearn), 560_000, 1e-6, 'the supply is the carry\'s');
  near(f.executor.free(aave), 0, 1e-6, 'nothing of the borrow market is free');
  // no λ: nothing happens
  const empty = f.executor.yieldCarry(yearn, aave, 100_000, 50);
  assert.equal(empty, { price: 1, qty: 0, feeUsd: 0, slippageUsd: 0 });
  near(cash(f), 10_000_000 - 1_000_050, 1e-6, 'unchanged');
});

test('exitPool withdraws the free part only: a carry\'s supply stays', () => {
  const f = harness();
  const aave = f.slot('aave:ethereum:p-aave'), yearn = f.slot('yearn:ethereum:p-yearn');
  f.executor.yieldCarry(aave, yearn, 560_000, 0);
  f.executor.enterPool(yearn, 100_000); // the yield hunter's entry into the same pool
  near(pos(f, 'yearn:ethereum:p-yearn'), 660_000, 1e-6, 'both');
  const before = cash(f);
  const out = f.executor.exitPool(yearn);
  near(out.qty, 100_000, 1e-6, 'the hunter\'s part');
  near(pos(f, 'yearn:ethereum:p-yearn'), 560_000, 1e-6, 'the carry stays');
  near(cash(f) - before, 100_000, 1e-6, 'cash back');
  // a pool held by nobody else: the whole position, as before
  const g = harness();
  g.executor.enterPool(yearn, 70_000);
  assert.is(g.executor.exitPool(yearn).qty, 70_000);
  assert.is(pos(g, 'yearn:ethereum:p-yearn'), 0);
});

test('pair trade: both legs at the top of book, then closed with the round trip realized', () => {
  const f = harness();
  const eth = f.slot('Y:ETH/USDT'), btc = f.slot('X:BTC/USDT');
  // buy 100 100 USD of ETH at Y's ask 2 002 (fee 20 bp), short 119 980 USD of BTC at X's bid 59 990 (10 bp)
  const open = f.executor.pairOpen(eth, btc, 100_100, 119_980, 1, 1);
  const p = f.executor.pair;
  near(p[kPairBuyUnits]!, 50, 1e-12, 'ETH bought');
  near(p[kPairSellUnits]!, 2, 1e-12, 'BTC sold');
  const fees = 100_100 * 0.002 + 119_980 * 0.001; // 200.2 + 119.98
  near(open.feeUsd, 320.18, 1e-9, 'both legs\' fees');
  near(fees, 320.18, 1e-9, 'fees by hand');
  near(open.slippageUsd, 0.5 * (4 * 50 + 20 * 2), 1e-9, 'half-spreads: 0.5·(4·50 + 20·2) = 120');
  assert.is(open.price, 2_002);
  near(open.qty, 50, 1e-12, 'units bought');
  near(p[kPairCashUsd]!, 119_980 - 100_100 - 320.18, 1e-9, 'entry cash flow');
  near(cash(f), 10_000_000 + 19_559.82, 1e-6, 'the short\'s proceeds less the long and the fees');
  near(pos(f, 'Y:ETH/USDT'), 50, 1e-12, 'long');
  near(pos(f, 'X:BTC/USDT'), -2, 1e-12, 'short');
  assert.is(realized(f), 0, 'nothing realized while open');
  // ETH up 100, BTC down 500: close at ETH's bid 2 098 and BTC's ask 59 510
  f.feed([price(kT0 + 1e6, 'Y', 'ETH', 'USDT', 2_098, 2_102, 10, 10), price(kT0 + 1e6, 'X', 'BTC', 'USDT', 59_490, 59_510, 1, 1)]);
  const close = f.executor.pairClose(eth, btc, 50, 2, 1, 1, 19_559.82);
  // proceeds 50·2 098 = 104 900, cost 2·59 510 = 119 020, fees 209.8 + 119.02 = 328.82
  near(close.feeUsd, 328.82, 1e-9, 'exit fees');
  near(close.slippageUsd, 0.5 * (4 * 50 + 20 * 2), 1e-9, 'exit half-spreads');
  assert.is(close.price, 2_098);
  near(close.qty, -50, 1e-12, 'units sold back');
  // PnL: ETH 50·(2 098 − 2 002) = 4 800, BTC 2·(59 990 − 59 510) = 960, fees 320.18 + 328.82 = 649
  const pnl = 4_800 + 960 - 649;
  near(p[kPairPnlUsd]!, pnl, 1e-6, 'round trip');
  near(p[kPairCashUsd]!, 104_900 - 119_020 - 328.82, 1e-9, 'exit cash flow');
  near(realized(f), pnl, 1e-6, 'realized at the close');
  near(cash(f), 10_000_000 + pnl, 1e-6, 'cash = capital + the round trip');
  near(pos(f, 'Y:ETH/USDT'), 0, 1e-12, 'flat');
  near(pos(f, 'X:BTC/USDT'), 0, 1e-12, 'flat');
  near(f.executor.hedged(eth), 0, 1e-12, 'nothing hedged');
});

test('pair trade: a leg quoted in another asset is converted to USD by quoteUsd', () => {
  const f = harness();
  const eth = f.slot('X:ETH/USDT'), btcEth = f.slot('X:BTC/ETH');
  // sell 60 000 USD of BTC on the BTC/ETH book (bid 29.99 ETH) with ETH at 2 000 USD
  f.executor.pairOpen(eth, btcEth, 20_010, 60_000, 1, 2_000);
  near(f.executor.pair[kPairSellUnits]!, 60_000 / (29.99 * 2_000), 1e-12, 'BTC units');
  near(cash(f), 10_000_000 + 60_000 - 20_010 - (20_010 + 60_000) * 0.001, 1e-6, 'cash in USD');
});

test('trade(): a sell never sells into a short, nor a pair trade\'s long leg; buys are unchanged', () => {
  const f = harness();
  const eth = f.slot('X:ETH/USDT'), btc = f.slot('X:BTC/USDT');
  f.executor.pairOpen(eth, btc, 100_050, 119_980, 1, 1); // +50 ETH, −2 BTC (hedged)
  let c0 = cash(f);
  const noShort: Fill = f.executor.trade(btc, -50_000);
  assert.is(noShort.qty, 0, 'nothing sold on the shorted book');
  assert.is(noShort.feeUsd, 0);
  near(pos(f, 'X:BTC/USDT'), -2, 1e-12, 'the short is not extended');
  assert.is(cash(f), c0);
  const noLeg = f.executor.trade(eth, -50_000);
  assert.is(noLeg.qty, 0, 'the pair\'s long leg is not sold');
  near(pos(f, 'X:ETH/USDT'), 50, 1e-12, 'still 50 ETH');
  // the rebalancer buys 10 ETH (at 2 001), then sells everything it may: its 10, at 1 999
  f.executor.trade(eth, 20_010);
  near(pos(f, 'X:ETH/USDT'), 60, 1e-12, 'bought');
  c0 = cash(f);
  const sell = f.executor.trade(eth, -1e9);
  near(sell.qty, -10, 1e-12, 'only the free 10');
  near(pos(f, 'X:ETH/USDT'), 50, 1e-12, 'the pair\'s leg stays');
  near(cash(f) - c0, 10 * 1_999 * (1 - 0.001), 1e-6, 'proceeds less the fee');
  // a short that is nobody's hedge (written straight into the portfolio) is not sold further either
  f.arrays.portfolio[kPfPositions0 + f.slot('Y:ETH/USDT')] = -3;
  const c1 = cash(f);
  const none = f.executor.trade(f.slot('Y:ETH/USDT'), -10_000);
  assert.is(none.qty, 0);
  assert.is(pos(f, 'Y:ETH/USDT'), -3);
  assert.is(cash(f), c1);
});

test('a flat arbitrage takes its legs\' quotes: the same quotes cannot fill again until a venue requotes', () => {
  const f = harness();
  const eth = f.slot('X:ETH/USDT'), btcEth = f.slot('X:BTC/ETH'), btc = f.slot('X:BTC/USDT'), ethY = f.slot('Y:ETH/USDT');
  const legs = Int32Array.from([eth, btcEth, btc, -1]);
  assert.is(f.executor.takenLeg(legs, 3), -1, 'nothing taken yet');
  f.executor.triangular(legs, 3, 100_000, 300, 20, 500);
  assert.is(f.executor.takenLeg(legs, 3), eth, 'the first leg\'s quote is taken');
  const pair = Int32Array.from([ethY, btc]);
  assert.is(f.executor.takenLeg(pair, 2), btc, 'any leg sharing a taken quote');
  // X requotes ETH/USDT and BTC/ETH: only BTC/USDT is still the taken quote
  f.feed([price(kT0 + 1, 'X', 'ETH', 'USDT', 1_999.5, 2_000.5, 10, 10), price(kT0 + 1, 'X', 'BTC', 'ETH', 29.995, 30.005, 1, 1)]);
  assert.is(f.executor.takenLeg(legs, 2), -1, 'new quotes on both');
  assert.is(f.executor.takenLeg(legs, 3), btc);
  // cross-exchange takes both legs too
  f.executor.arbitrage(ethY, eth, 1, 1, 5);
  assert.is(f.executor.takenLeg(Int32Array.from([ethY]), 1), ethY);
  assert.is(f.executor.takenLeg(Int32Array.from([eth]), 1), eth);
});

test.run();
