// Arbitrage consolidation fills by hand: a triangular cycle capped by the risk view fills at the
// capped size; a yield carry capped by the cash its collateral needs, and one carry per borrow
// market; a pair trade sized per leg, opened, refused while open, closed on the detector's exit
// signal (the last record of the bank, with no detail after it) and on a crossing to the other side.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kPfCashUsd, kPfPositions0, kPfRealizedPnlUsd } from '../../../protocol/layout.ts';
import {
  kRecArbDetail, kRecArbStatExit, kRecArbStatistical, kRecArbTriangular, kRecArbYield, kRiskTableMaxPositionUsd,
  kStatExitExpired, kStatExitReverted,
} from '../../../protocol/records.ts';
import { kT0, price } from '../../../fixtures/events.ts';
import { lending } from '../../../fixtures/events.ts';
import { ArbitrageFusion } from './arbitrage_fusion.ts';
import { fusionHarness, type FusionHarness } from '../testing/fusion_harness.ts';

const kArb = 'arbitrage_detector';
const universe = [
  price(kT0, 'X', 'ETH', 'USDT', 1_999, 2_001, 10, 10),
  price(kT0, 'X', 'BTC', 'USDT', 59_990, 60_010, 1, 1),
  price(kT0, 'X', 'BTC', 'ETH', 29.99, 30.01, 1, 1),
  price(kT0, 'X', 'AAA', 'USDT', 99.99, 100.01, 1_000, 1_000),
  price(kT0, 'Y', 'BBB', 'USDT', 49.99, 50.01, 1_000, 1_000),
  lending(kT0, 'aave', 'p-aave', 'USDC', { apy: 4, tvlUsd: 500e6, apyBorrow: 3, ltv: 0.8 }),
  lending(kT0, 'yearn', 'p-yearn', 'USDC', { apy: 12, tvlUsd: 10e6 }),
  lending(kT0, 'compound', 'p-comp', 'USDC', { apy: 11, tvlUsd: 10e6 }),
];

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
function harness(): { f: FusionHarness; arb: ArbitrageFusion } {
  const f = fusionHarness(universe, [kArb, 'risk_assessor'], undefined, (c) => {
    c.agents.capitalUsd = 10_000_000;
    c.agents.fees.defaultTaker = 0.001;
    c.agents.fees.venues = { Y: 0.002 };
    c.agents.arbitrage.yieldArb.liquidationBuffer = 0.3;
    c.agents.arbitrage.statArb.exitZ = 0.5;
    c.limits.maxPositionUsd = 1_000_000;
    c.limits.approvalThresholdUsd = 500_000;
  });
  f.feed(universe);
  for (let s = 0; s < f.snapshot.size; s++) f.table('risk_assessor', kRiskTableMaxPositionUsd, s, 1_000_000);
  return { f, arb: new ArbitrageFusion(f.ctx) };
}
const pos = (f: FusionHarness, key: string): number => f.arrays.portfolio[kPfPositions0 + f.slot(key)]!;
const cash = (f: FusionHarness): number => f.arrays.portfolio[kPfCashUsd]!;
const realized = (f: FusionHarness): number => f.arrays.portfolio[kPfRealizedPnlUsd]!;

test('triangular: capped by a leg\'s max position, filled at the capped size', () => {
  const { f, arb } = harness();
  const ethUsdt = f.slot('X:ETH/USDT'), btcEth = f.slot('X:BTC/ETH'), btcUsdt = f.slot('X:BTC/USDT');
  f.table('risk_assessor', kRiskTableMaxPositionUsd, btcEth, 50_000);
  // buy ETH with USDT, buy BTC with ETH, sell BTC for USDT: 3 legs, direction bits 0b100
  f.records(kArb, 1, [
    [kRecArbTriangular, ethUsdt, btcEth, 48, 480, 100_000, 0.1, 3 + 10 * 0b100],
    [kRecArbDetail, btcUsdt, -1, 0.5, 20, 100_000, 400, 0.1],
  ]);
  arb.consolidate(1, 1, kT0);
  assert.is(f.drafts.length, 1);
  const d = f.drafts[0]!;
  assert.is(d.verdict.status, 'approved');
  // size 50 000 (scale 0.5): profit (480 + 20)·0.5 − 20 = 230; costs 400·0.5 = 200
  assert.is(d.sizeUsd, 50_000);
  assert.is(d.expectedProfitUsd, 230);
  const fill = d.fill!;
  assert.is(fill.qty, 50_000);
  near(fill.price, (50_000 + 230 + 20) / 50_000, 1e-12, 'output / input = 1.005');
  const fees = (50_250 + 200) * (1 - 0.999 ** 3);
  near(fill.feeUsd, fees + 20, 1e-9, 'fees + gas');
  near(fill.slippageUsd, 200 - fees, 1e-9, 'slippage');
  assert.is(cash(f), 10_000_230);
  assert.is(realized(f), 230);
  assert.is(f.validator.exposureUsd, 0, 'flat at once: no exposure');
});

test('yield carry: capped by the cash its collateral needs; one open carry per borrow market', () => {
  const { f, arb } = harness();
  const aave = f.slot('aave:ethereum:p-aave'), yearn = f.slot('yearn:ethereum:p-yearn'), comp = f.slot('compound:ethereum:p-comp');
  f.arrays.portfolio[kPfCashUsd] = 500_050;
  // 4 M proposed, capped at 1 M by the limits, then by the cash: (500 050 − 50 gas)·λ 0.56 = 280 000
  f.records(kArb, 1, [
    [kRecArbYield, aave, yearn, 2.5, 2_000, 4_000_000, 0.5, 2.8],
    [kRecArbDetail, -1, -1, 7 * 86_400, 50, 4_000_000, 100, 1],
  ]);
  arb.consolidate(1, 1, kT0);
  const d = f.drafts[0]!;
  assert.is(d.verdict.status, 'approved');
  near(d.sizeUsd, 280_000, 1e-6, 'size');
  near(d.expectedProfitUsd, 2_050 * 0.07 - 50, 1e-9, 'profit scaled (gas not scaled)');
  assert.equal(d.fill, { price: 1, qty: d.sizeUsd, feeUsd: 50, slippageUsd: 0 });
  near(pos(f, 'yearn:ethereum:p-yearn'), 280_000, 1e-6, 'supplied');
  near(pos(f, 'aave:ethereum:p-aave'), 500_000 - 280_000, 1e-6, 'collateral 500 000 − debt 280 000');
  near(cash(f), 0, 1e-6, 'the collateral and the gas');
  assert.is(realized(f), -50);
  near(f.validator.exposureUsd, 280_000, 1e-6, 'a position: exposure added');
  // the same borrow market with another supply pool: a new opportunity, refused while the carry is open
  f.records(kArb, 2, [
    [kRecArbYield, aave, comp, 2, 1_000, 1_000_000, 0.5, 2.8],
    [kRecArbDetail, -1, -1, 7 * 86_400, 50, 1_000_000, 100, 1],
  ]);
  f.arrays.portfolio[kPfCashUsd] = 1_000_000;
  arb.consolidate(2, 2, kT0);
  assert.is(f.drafts[1]!.verdict.status, 'rejected');
  assert.is(f.drafts[1]!.verdict.reason, 'a carry borrowing USDC on aave (ethereum) is already open');
  assert.is(f.drafts[1]!.fill, null);
  near(pos(f, 'compound:ethereum:p-comp'), 0, 0, 'nothing supplied');
});

/** A pair-trade record: buy book, sell book, z, profit, y notional, β (detail: 5 s, costs 300). */
function pair(buy: number, sell: number, z: number, profit: number, notionalY: number, beta: number): number[][] {
  return [
    [kRecArbStatistical, buy, sell, z, profit, notionalY, 0.2, beta],
    [kRecArbDetail, -1, -1, 5, 0, notionalY * (1 + beta), 300, 0.1],
  ];
}

test('pair trade: sized per leg, opened at the top of book, closed on the exit signal with its PnL realized', () => {
  const { f, arb } = harness();
  const aaa = f.slot('X:AAA/USDT'), bbb = f.slot('Y:BBB/USDT');
  f.table('risk_assessor', kRiskTableMaxPositionUsd, bbb, 150_000);
  // z < 0: y (AAA) cheap is bought, 1 y dollar; x (BBB) sold, β = 1.5 dollars per y dollar. BBB's
  // leg may hold 150 000: y notional ≤ 150 000 / 1.5 = 100 000 (of the 200 000 proposed)
  f.records(kArb, 1, pair(aaa, bbb, -4, 100, 200_000, 1.5));
  arb.consolidate(1, 1, kT0);
  const d = f.drafts[0]!;
  assert.is(d.verdict.status, 'approved');
  near(d.sizeUsd, 100_000, 1e-9, 'size per leg');
  near(d.expectedProfitUsd, 50, 1e-9, 'profit scaled with the size');
  // AAA: 100 000 / 100.01 units at the ask; BBB: 150 000 / 49.99 units at the bid
  const uA = 100_000 / 100.01, uB = 150_000 / 49.99;
  const fill = d.fill!;
  assert.is(fill.price, 100.01);
  near(fill.qty, uA, 1e-9, 'AAA bought');
  near(fill.feeUsd, 100_000 * 0.001 + 150_000 * 0.002, 1e-9, 'fees: 100 + 300');
  near(fill.slippageUsd, 0.5 * (0.02 * uA + 0.02 * uB), 1e-9, 'half-spreads');
  near(pos(f, 'X:AAA/USDT'), uA, 1e-9, 'long AAA');
  near(pos(f, 'Y:BBB/USDT'), -uB, 1e-9, 'short BBB');
  const entryCash = 150_000 - 100_000 - 400;
  near(cash(f), 10_000_000 + entryCash, 1e-6, 'cash after the entry');
  assert.is(realized(f), 0);
  near(f.validator.exposureUsd, 100_000, 1e-9, 'exposure added');
  assert.is(arb.openPairs, 1);
  // an exit for another pair of assets closes nothing
  f.records(kArb, 2, [[kRecArbStatExit, f.slot('X:ETH/USDT'), bbb, 0.1, 0, 0, 0, kStatExitReverted]]);
  arb.consolidate(2, 2, kT0 + 1e6);
  assert.is(f.drafts.length, 1);
  // AAA up 1, BBB down 0.5; the detector's exit (alone in its bank: no detail follows it)
  f.feed([price(kT0 + 2e6, 'X', 'AAA', 'USDT', 100.99, 101.01, 1_000, 1_000), price(kT0 + 2e6, 'Y', 'BBB', 'USDT', 49.49, 49.51, 1_000, 1_000)]);
  f.records(kArb, 3, [[kRecArbStatExit, aaa, bbb, 0.3, 0, 0, 0, kStatExitReverted]]);
  arb.consolidate(3, 3, kT0 + 2e6);
  assert.is(f.drafts.length, 2);
  const x = f.drafts[1]!;
  assert.is(x.kind, 'arbitrage_statistical_exit');
  assert.is(x.action, 'close_pair');
  assert.equal(x.instruments, ['X:AAA/USDT', 'Y:BBB/USDT']);
  assert.is(x.verdict.status, 'approved');
  const proceeds = uA * 100.99, cost = uB * 49.51;
  const exitCash = proceeds - cost - (proceeds * 0.001 + cost * 0.002);
  // by hand: AAA +0.98 a unit, BBB +0.48 a unit short, fees 400 in and the exit's
  const pnl = uA * (100.99 - 100.01) + uB * (49.99 - 49.51) - 400 - (proceeds * 0.001 + cost * 0.002);
  near(entryCash + exitCash, pnl, 1e-6, 'cash flows = PnL');
  near(x.expectedProfitUsd, pnl, 1e-6, 'the exit carries the realized PnL');
  assert.is(x.verdict.reason, `spread reverted: z 0.30 within ±0.5: sell AAA on X, buy back BBB on Y; round trip $${Math.round(pnl).toLocaleString('en-US')} after fees in and out`);
  assert.is(x.fill!.price, 100.99);
  near(x.fill!.qty, -uA, 1e-9, 'AAA sold back');
  near(realized(f), pnl, 1e-6, 'realized');
  near(cash(f), 10_000_000 + pnl, 1e-6, 'cash = capital + PnL');
  near(pos(f, 'X:AAA/USDT'), 0, 1e-9, 'flat');
  near(pos(f, 'Y:BBB/USDT'), 0, 1e-9, 'flat');
  near(f.validator.exposureUsd, 0, 1e-9, 'exposure taken off');
  assert.is(arb.openPairs, 0);
  // a repeated exit: nothing open, nothing decided
  f.records(kArb, 4, [[kRecArbStatExit, aaa, bbb, 0.2, 0, 0, 0, kStatExitReverted]]);
  arb.consolidate(4, 4, kT0 + 3e6);
  assert.is(f.drafts.length, 2);
});

test('pair trade: refused while one is open on the same side; the other side closes it first', () => {
  const { f, arb } = harness();
  const aaa = f.slot('X:AAA/USDT'), bbb = f.slot('Y:BBB/USDT');
  f.records(kArb, 1, pair(aaa, bbb, -4, 100, 100_000, 1));
  arb.consolidate(1, 1, kT0);
  assert.is(f.drafts[0]!.verdict.status, 'approved');
  f.records(kArb, 2, []); // the opportunity closes (|z| below entryZ, not yet reverted) ...
  arb.consolidate(2, 2, kT0);
  f.records(kArb, 3, pair(aaa, bbb, -3.5, 80, 100_000, 1)); // ... and opens again: the trade is on
  arb.consolidate(3, 3, kT0);
  assert.is(f.drafts.length, 2);
  assert.is(f.drafts[1]!.verdict.status, 'rejected');
  assert.is(f.drafts[1]!.verdict.reason, 'a pair trade on AAA and BBB is already open');
  assert.is(f.drafts[1]!.fill, null);
  const units = 100_000 / 100.01;
  near(pos(f, 'X:AAA/USDT'), units, 1e-9, 'one trade');
  // the spread jumps to the other side: the open trade is closed, then the new one opened
  f.records(kArb, 4, pair(bbb, aaa, 4, 100, 50_000, 1));
  arb.consolidate(4, 4, kT0);
  assert.is(f.drafts.length, 4);
  const [x, n] = [f.drafts[2]!, f.drafts[3]!];
  assert.is(x.kind, 'arbitrage_statistical_exit');
  assert.is(x.verdict.reason.startsWith('the spread crossed to the other side (z 4.00): sell AAA on X, buy back BBB on Y'), true, x.verdict.reason);
  assert.is(n.kind, 'arbitrage_statistical');
  assert.is(n.verdict.status, 'approved');
  assert.equal(n.instruments, ['Y:BBB/USDT', 'X:AAA/USDT']);
  near(pos(f, 'X:AAA/USDT'), -50_000 / 99.99, 1e-9, 'AAA now short');
  near(pos(f, 'Y:BBB/USDT'), 50_000 / 50.01, 1e-9, 'BBB now long');
  near(f.validator.exposureUsd, 50_000, 1e-9, 'the new trade\'s exposure only');
  assert.is(arb.openPairs, 1);
  // an expiry closes it too
  f.records(kArb, 5, [[kRecArbStatExit, bbb, aaa, 2.5, 0, 0, 0, kStatExitExpired]]);
  arb.consolidate(5, 5, kT0);
  assert.is(f.drafts[4]!.verdict.reason.startsWith('the spread did not revert within the holding limit: sell BBB on Y'), true, f.drafts[4]!.verdict.reason);
  assert.is(arb.openPairs, 0);
});

test('a refused close keeps the trade open and is said once per epoch', () => {
  const { f, arb } = harness();
  const aaa = f.slot('X:AAA/USDT'), bbb = f.slot('Y:BBB/USDT');
  f.records(kArb, 1, pair(aaa, bbb, -4, 100, 100_000, 1));
  arb.consolidate(1, 1, kT0);
  f.validator.setKillSwitch(true);
  const exit = [kRecArbStatExit, aaa, bbb, 0.3, 0, 0, 0, kStatExitReverted];
  f.records(kArb, 2, [exit]);
  arb.consolidate(2, 7, kT0);
  f.records(kArb, 3, [exit]);
  arb.consolidate(3, 7, kT0); // a derived cycle at the same epoch
  assert.is(f.drafts.length, 2);
  assert.is(f.drafts[1]!.verdict.status, 'rejected');
  assert.is(f.drafts[1]!.verdict.reason, 'kill switch engaged');
  assert.is(f.drafts[1]!.fill, null);
  assert.is(arb.openPairs, 1);
  f.validator.setKillSwitch(false);
  f.records(kArb, 4, [exit]);
  arb.consolidate(4, 8, kT0);
  assert.is(f.drafts[2]!.verdict.status, 'approved');
  assert.is(arb.openPairs, 0);
});

test.run();
