// The market analyzer's consolidation: its events become derived market events, decoded by the
// codec into a tape the loop replays as triggers (and applied here to check what they write).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kCascadeCount, kCascadeUsd, kChangePct, kKindSignal, kSignalPrice } from '../../protocol/layout.ts';
import { kTapeF0, kTapeSlot, kTapeTs, kTapeType, kTapeWidth } from '../../protocol/tape.ts';
import { isHighImpact, kTypeLiquidationCascade, kTypeMajorPriceMove } from '../../protocol/events.ts';
import {
  kMarketEventCascade, kMarketEventMajorMove, kRecMarketEvent, kRecMarketRegime, kRecMarketRiskFactors,
} from '../../protocol/records.ts';
import { kT0, liquidation, price } from '../../fixtures/events.ts';
import { MarketFusion } from './market_fusion.ts';
import { derivedSignalKey, reserveDerivedSlots } from '../state/derived_slots.ts';
import { fusionHarness } from './testing/fusion_harness.ts';

const universe = [price(kT0, 'X', 'BTC', 'USDT', 59_999.5, 60_000.5), price(kT0, 'X', 'ETH', 'USDT', 2999.95, 3000.05), liquidation(kT0, 'aave', 1)];

test('reserveDerivedSlots adds one signal slot per book, before the registry freezes', () => {
  const f = fusionHarness(universe, [], (r) => assert.is(reserveDerivedSlots(r), 2));
  const s = f.slot(derivedSignalKey('X:BTC/USDT'));
  assert.is(derivedSignalKey('X:BTC/USDT'), 'signal:derived:X:BTC/USDT');
  assert.is(f.snapshot.meta[s]!.kind, kKindSignal);
  assert.is(f.snapshot.meta[s]!.base, 'BTC');
  assert.is(f.snapshot.meta[s]!.venue, 'X');
});

test('a major price movement becomes a derived major_price_movement on the reserved signal slot', () => {
  const f = fusionHarness(universe, ['market_analyzer'], (r) => { reserveDerivedSlots(r); });
  const fusion = new MarketFusion(f.ctx);
  const book = f.slot('X:BTC/USDT');
  const now = kT0 + 5_000_123;
  f.records('market_analyzer', 7, [[kRecMarketEvent, book, -1, -1.2345678, 59_259.26, 60_000, 1.2345678, kMarketEventMajorMove]]);
  fusion.consolidate(7, 42, now);
  // the decision
  assert.is(f.drafts.length, 1);
  const d = f.drafts[0]!;
  assert.is(d.kind, 'market_event');
  assert.is(d.action, 'trigger_major_price_movement');
  assert.is(d.key, 'market:X:BTC/USDT:1@42');
  assert.equal(d.instruments, ['X:BTC/USDT']);
  assert.is(d.verdict.status, 'approved');
  assert.is(d.verdict.reason, 'BTC -1.23% (X:BTC/USDT: 60000 → 59259.26)');
  assert.is(d.score, 1.23);
  // the derived event: one tape row, high-impact, on signal:derived:X:BTC/USDT
  const t = fusion.takeDerived();
  assert.is(t.length, 1);
  const o = 0 * kTapeWidth;
  assert.is(t.rows[o + kTapeTs], now);
  assert.is(t.rows[o + kTapeType], kTypeMajorPriceMove);
  assert.ok(isHighImpact(kTypeMajorPriceMove), 'it always triggers');
  const sig = f.slot(derivedSignalKey('X:BTC/USDT'));
  assert.is(t.rows[o + kTapeSlot], sig);
  assert.is(t.rows[o + kTapeF0], -1.2346, 'changePct, 4 decimals');
  assert.is(t.rows[o + kTapeF0 + 1], 59_259.26, 'price');
  // replayed into the state, as the loop will
  f.writer.apply(t.rows, 0, t.depth);
  const c = f.arrays.columns, cap = f.arrays.capacity;
  assert.is(c[kChangePct * cap + sig], -1.2346);
  assert.is(c[kSignalPrice * cap + sig], 59_259.26);
  assert.is(fusion.derived, 1);
  assert.is(fusion.rejected, 0);
});

test('a liquidation cascade becomes a derived liquidation_cascade on the protocol slot', () => {
  const f = fusionHarness(universe, ['market_analyzer'], (r) => { reserveDerivedSlots(r); });
  const fusion = new MarketFusion(f.ctx);
  const proto = f.slot('protocol:aave');
  f.records('market_analyzer', 3, [[kRecMarketEvent, proto, -1, 0, 7, 1_800_000.456, 7.25, kMarketEventCascade]]);
  fusion.consolidate(3, 99, kT0 + 1_000_000);
  assert.is(f.drafts[0]!.action, 'trigger_liquidation_cascade');
  assert.is(f.drafts[0]!.verdict.reason, '7 liquidations on aave totalling $1,800,000');
  const t = fusion.takeDerived();
  assert.is(t.length, 1);
  assert.is(t.rows[kTapeType], kTypeLiquidationCascade);
  assert.is(t.rows[kTapeSlot], proto);
  f.writer.apply(t.rows, 0, t.depth);
  const c = f.arrays.columns, cap = f.arrays.capacity;
  assert.is(c[kCascadeUsd * cap + proto], 1_800_000.46, 'totalUsd (cents)');
  assert.is(c[kCascadeCount * cap + proto], 7);
});

test('takeDerived is double-buffered: a taken tape stays valid until the next call', () => {
  const f = fusionHarness(universe, ['market_analyzer'], (r) => { reserveDerivedSlots(r); });
  const fusion = new MarketFusion(f.ctx);
  const proto = f.slot('protocol:aave');
  const ev = [kRecMarketEvent, proto, -1, 0, 5, 1_000_000, 6.25, kMarketEventCascade];
  f.records('market_analyzer', 1, [ev, ev]);
  fusion.consolidate(1, 10, kT0);
  const first = fusion.takeDerived();
  assert.is(first.length, 2);
  f.records('market_analyzer', 2, [ev]); // made while the loop replays `first`
  fusion.consolidate(2, 11, kT0 + 1);
  assert.is(first.length, 2, 'the taken tape is untouched');
  const second = fusion.takeDerived();
  assert.ok(second !== first);
  assert.is(second.length, 1);
  assert.is(fusion.takeDerived().length, 0, 'nothing new');
});

test('without reserved signal slots a derived price move is rejected and counted, not thrown', () => {
  const f = fusionHarness(universe, ['market_analyzer']);
  const fusion = new MarketFusion(f.ctx);
  f.records('market_analyzer', 1, [[kRecMarketEvent, f.slot('X:ETH/USDT'), -1, 2.5, 3075, 3000, 2.5, kMarketEventMajorMove]]);
  fusion.consolidate(1, 5, kT0);
  assert.is(fusion.rejected, 1);
  assert.match(fusion.lastRejection, /unknown instrument "signal:derived:X:ETH\/USDT"/);
  assert.is(f.drafts[0]!.verdict.status, 'rejected');
  assert.match(f.drafts[0]!.verdict.reason, /not replayed/);
  assert.is(fusion.takeDerived().length, 0);
});

test('regimes and the risk assessor\'s market-risk factors are kept', () => {
  const f = fusionHarness(universe, ['market_analyzer', 'risk_assessor']);
  const fusion = new MarketFusion(f.ctx);
  f.records('market_analyzer', 1, [
    [kRecMarketRegime, f.slot('X:BTC/USDT'), -1, 0.4, 0.03, -0.3, -3.1, -1],
    [kRecMarketRegime, f.slot('X:ETH/USDT'), -1, 1.4, 0.04, 0.3, 2.5, 1],
  ]);
  f.records('risk_assessor', 1, [[kRecMarketRiskFactors, -1, -1, 0.8, 0.6, 12_345, 1.3, 5]]);
  fusion.consolidate(1, 5, kT0);
  assert.is(fusion.regimes.get('X:BTC/USDT'), 'mean-reverting');
  assert.is(fusion.regimes.get('X:ETH/USDT'), 'trending');
  assert.equal(fusion.riskFactors, { absorptionRatio: 0.8, meanCorrelation: 0.6, portfolioSigmaUsd: 12_345, diversificationRatio: 1.3, assets: 5 });
  assert.is(f.drafts.length, 0, 'no decisions for regimes');
});

test.run();
