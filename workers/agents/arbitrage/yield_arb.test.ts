// Yield arbitrage by hand: borrow on aave, supply on yearn; the haircut, the size where the diluted
// supply APY meets the borrow cost, gas in and out, staleness.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kResStale } from '../../../protocol/layout.ts';
import { kProtocolReliability } from '../../../finance/yield_score.ts';
import type { AgentConfig } from '../config.ts';
import { kRecArbDetail, kRecArbYield } from '../../../protocol/records.ts';
import { createHarness, type Rec } from '../../../engine/testing/agent_harness.ts';
import { kSecUs, kT0, price } from '../../../fixtures/events.ts';
import { lending } from '../../../fixtures/events.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
const cfg = (c: AgentConfig): void => {
  c.capitalUsd = 10_000_000;
  c.arbitrage.maxYieldAgeUs = 120 * kSecUs;
  const y = c.arbitrage.yieldArb;
  y.minNetSpreadPct = 1; y.horizonDays = 7; y.liquidationBuffer = 0.3; y.lossAtZeroPct = 10; y.maxBorrowShare = 0.05;
  c.arbitrage.gas.priceGwei = 20; c.arbitrage.gas.unitsYieldEntry = 600_000; c.arbitrage.gas.unitsYieldExit = 450_000;
};
const yieldRecs = (recs: Rec[]): Rec[] => recs.filter((r) => r.kind === kRecArbYield || r.kind === kRecArbDetail);

const eth = price(kT0, 'X', 'ETH', 'USDT', 2_499.9, 2_500.1, 10, 10); // gas is paid in ETH at 2 500 USD
const aave = lending(kT0, 'aave', 'p-aave', 'USDC', { apy: 4, tvlUsd: 500e6, apyBorrow: 3, ltv: 0.8 });
const yearn = lending(kT0, 'yearn', 'p-yearn', 'USDC', { apy: 12, tvlUsd: 10e6 });
const otherChain = lending(kT0, 'yearn', 'p-arb', 'USDC', { apy: 30, tvlUsd: 10e6, chain: 'arbitrum' });

test('borrow at 3 % on aave, supply at 12 % on yearn: the haircut, the size and the profit by hand', () => {
  const h = createHarness('arbitrage_detector', [eth, aave, yearn, otherChain], cfg);
  h.feed([eth, aave, yearn, otherChain]);
  const recs = yieldRecs(h.cycle());
  assert.is(recs.length, 2, 'one opportunity (the arbitrum pool is another chain) and its detail');
  const [r, d] = recs as [Rec, Rec];
  assert.is(r.slotA, h.slot('aave:ethereum:p-aave'));
  assert.is(r.slotB, h.slot('yearn:ethereum:p-yearn'));
  // reliabilities 0.97 (aave) and 0.745 (yearn); λ = 0.8·0.7 = 0.56;
  // haircut = 0.255·10 + 0.03·10·(1/0.56 − 1) = 2.55 + 0.235714 = 2.785714 points
  near(kProtocolReliability.aave, 0.97, 1e-12, 'aave reliability');
  near(kProtocolReliability.yearn, 0.745, 1e-12, 'yearn reliability');
  const haircut = 2.55 + 0.3 * (1 / 0.56 - 1);
  near(r.aux, haircut, 1e-9, 'haircut');
  // c = 3 + 2.785714 = 5.785714; A* = 10 M·(√(12/5.785714) − 1) = 10 M·0.4401646 = 4 401 646 USD (caps: 5 % of 500 M = 25 M, 0.56·10 M = 5.6 M)
  const c = 3 + haircut;
  const size = 10e6 * (Math.sqrt(12 / c) - 1);
  near(size, 4_401_646, 1, 'A* by hand');
  near(r.size, size, 1e-6, 'size');
  // diluted APY 12·10/14.401646 = 8.332381; net = 8.332381 − 5.785714 = 2.546667 points
  const net = (12 * 10e6) / (10e6 + size) - c;
  near(r.score, net, 1e-9, 'net spread');
  near(net, 2.546667, 1e-6, 'net spread (number)');
  // profit over 7 days: 4 401 646·2.546667 % · 7/365 = 2 149.8 USD, less gas 1 050 000·20 gwei·2 500 = 52.5 USD
  const gas = 1_050_000 * 20e-9 * 2_500;
  near(r.value, size * net / 100 * (7 / 365) - gas, 1e-6, 'expected profit');
  near(r.risk, haircut / 9, 1e-12, 'risk = haircut / gross spread (12 − 3)');
  near(d.value, gas, 1e-9, 'gas in and out');
  near(d.score, 7 * 86_400, 1e-9, 'duration: the holding horizon');
  near(d.risk, size * (12 - (12 * 10e6) / (10e6 + size)) / 100 * (7 / 365), 1e-6, 'dilution over the horizon');
});

test('no carry when the spread does not beat the haircut; stale rates are dropped and counted', () => {
  const thin = lending(kT0, 'yearn', 'p-yearn', 'USDC', { apy: 6, tvlUsd: 10e6 });
  let h = createHarness('arbitrage_detector', [eth, aave, thin], cfg);
  h.feed([eth, aave, thin]);
  assert.equal(yieldRecs(h.cycle()), [], '6 − 3 = 3 points gross, less 2.79 haircut and dilution: below 1 point');
  h = createHarness('arbitrage_detector', [eth, aave, yearn], cfg);
  h.feed([eth, aave, yearn]);
  assert.is(yieldRecs(h.cycle()).length, 2);
  // 200 s later neither rate has been refreshed (max age 120 s): dropped and counted
  h.feed([price(kT0 + 200 * kSecUs, 'X', 'ETH', 'USDT', 2_499.9, 2_500.1, 10, 10)]);
  assert.equal(yieldRecs(h.cycle()), []);
  assert.is(h.reader.arrays.metrics[kResStale], 1);
});

test('without an ETH price (and no fallback) gas cannot be priced and nothing is reported', () => {
  const h = createHarness('arbitrage_detector', [aave, yearn], cfg);
  h.feed([aave, yearn]);
  assert.equal(yieldRecs(h.cycle()), []);
  const h2 = createHarness('arbitrage_detector', [aave, yearn], (c) => { cfg(c); c.arbitrage.gas.ethUsdFallback = 2_500; });
  h2.feed([aave, yearn]);
  assert.is(yieldRecs(h2.cycle()).length, 2, 'the configured fallback prices it');
});

test.run();
