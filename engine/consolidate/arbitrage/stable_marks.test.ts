// One mark per stablecoin: the median of the mids of its USD books across venues ($1 while none
// quotes), used alike by the agents (AssetPrices: the stablecoin, and assets quoted in it) and by
// consolidation (ArbitrageCommon.quoteUsd: a decision's size and its order).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kRecArbCross, kRecArbDetail, kRiskTableMaxPositionUsd } from '../../../protocol/records.ts';
import { kT0, price } from '../../../fixtures/events.ts';
import { fusionHarness } from '../testing/fusion_harness.ts';
import { ArbitrageFusion } from './arbitrage_fusion.ts';
import { AssetPrices } from '../../../workers/agents/index.ts';
import { StableMarks } from '../../../finance/stable_marks.ts';

const universe = [
  price(kT0, 'A', 'USDC', 'USD', 0.869, 0.871, 1e6, 1e6),
  price(kT0, 'B', 'USDC', 'USD', 0.899, 0.901, 1e6, 1e6),
  price(kT0, 'C', 'USDC', 'USD', 0.949, 0.951, 1e6, 1e6),
  price(kT0, 'A', 'USDC', 'USDT', 0.99, 0.991, 1e6, 1e6), // a stablecoin in another: sets no mark
  price(kT0, 'X', 'BTC', 'USDC', 66_990, 67_010, 1, 1),
  price(kT0, 'Y', 'BTC', 'USDC', 67_290, 67_310, 1, 1),
];

function setup(events: object[]) {
  const f = fusionHarness(universe, ['arbitrage_detector', 'risk_assessor'], undefined, (c) => { c.limits.maxPositionUsd = 1e6; });
  f.feed(events);
  for (let s = 0; s < f.snapshot.size; s++) f.table('risk_assessor', kRiskTableMaxPositionUsd, s, 1e6);
  return f;
}

test('the median across venues; $1 while no venue quotes it against USD; an even count takes the middle two', () => {
  const f = setup(universe.slice(3));
  const m = new StableMarks(f.view, f.snapshot);
  const usdc = m.indexOf('USDC');
  assert.ok(usdc >= 0 && m.indexOf('USDT') >= 0 && m.indexOf('USD') === -1);
  assert.is(m.compute(usdc), 1, 'no USDC/USD quote yet');
  f.feed(universe.slice(0, 2));
  assert.ok(Math.abs(m.compute(usdc) - 0.885) < 1e-12, 'two venues: (0.87 + 0.90) / 2');
  f.feed(universe.slice(2, 3));
  assert.ok(Math.abs(m.compute(usdc) - 0.9) < 1e-12, 'three venues: the median, whichever updated last');
  assert.is(m.compute(m.indexOf('USDT')), 1, 'USDT has no USD book');
});

test('agents and consolidation value USDC at the same mark: the asset prices, a decision\'s size and its order', () => {
  const f = setup(universe);
  const prices = new AssetPrices(f.view, f.snapshot);
  for (let s = 0; s < f.snapshot.size; s++) prices.onBook(s);
  assert.ok(Math.abs(prices.usd[prices.indexOf('USDC')]! - 0.9) < 1e-12);
  assert.ok(Math.abs(prices.usd[prices.indexOf('BTC')]! - 67_300 * 0.9) < 1e-6, 'the last BTC/USDC mid × the USDC mark');
  const arb = new ArbitrageFusion(f.ctx);
  const x = f.slot('X:BTC/USDC'), y = f.slot('Y:BTC/USDC');
  f.records('arbitrage_detector', 1, [[kRecArbCross, x, y, 20, 100, 0.5, 0.1, 44], [kRecArbDetail, -1, -1, 2, 0, 0, 10, 0.1]]);
  arb.consolidate(1, 1, kT0 + 1);
  const p = f.drafts[0]!;
  assert.ok(Math.abs(p.sizeUsd - 0.5 * 67_010 * 0.9) < 1e-6, `size at the mark: ${p.sizeUsd}`);
  assert.ok(p.order?.op === 'arbitrage' && Math.abs(p.order.quoteUsd - 0.9) < 1e-12, 'the order carries the same mark');
});

test.run();
