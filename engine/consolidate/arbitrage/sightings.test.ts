// An open opportunity is decided again when it changes materially — a leg's quote replaced while
// its ruling would pass, the cause of its rejection cleared, its profit grown past
// agents.arbitrage.redecideStepPct — and not while it is unchanged; every decision says which
// sighting it is. Through the arbitrage fusion, the validator and the paper executor.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kRecArbCross, kRecArbDetail, kRiskTableMaxPositionUsd } from '../../../protocol/records.ts';
import { kT0, price } from '../../../fixtures/events.ts';
import { ArbitrageFusion } from './arbitrage_fusion.ts';
import { fusionHarness } from '../testing/fusion_harness.ts';

const kArb = 'arbitrage_detector';
const universe = [
  price(kT0, 'X', 'BTC', 'USDT', 59_990, 60_010, 1, 1),
  price(kT0, 'Y', 'BTC', 'USDT', 60_290, 60_310, 1, 1),
];

test('rejected on a stale leg, re-decided when fresh; unchanged is quiet; a renewed quote and a grown profit are new sightings', () => {
  const f = fusionHarness(universe, [kArb, 'risk_assessor'], undefined, (c) => {
    c.agents.arbitrage.redecideStepPct = 25;
    c.limits.maxPositionUsd = 1_000_000;
  });
  f.feed(universe);
  for (let s = 0; s < f.snapshot.size; s++) f.table('risk_assessor', kRiskTableMaxPositionUsd, s, 1_000_000);
  const arb = new ArbitrageFusion(f.ctx);
  const x = f.slot('X:BTC/USDT'), y = f.slot('Y:BTC/USDT');
  let cycle = 0;
  const round = (profitUsd: number, risk: number): void => {
    cycle++;
    f.records(kArb, cycle, [
      [kRecArbCross, x, y, 30, profitUsd, 1, risk, 45],
      [kRecArbDetail, -1, -1, 2, 0, 60_010, 120, 0.5],
    ]);
    arb.consolidate(cycle, cycle, kT0 + cycle);
  };
  const seen = (): string[] => f.drafts.map((p) => `${p.sighting}:${p.verdict.status}`);
  round(180, 0.95); // execution risk 0.95 > 0.8: rejected, sighting 1
  round(180, 0.95); // unchanged: nothing
  assert.equal(seen(), ['1:rejected']);
  assert.match(f.drafts[0]!.verdict.reason, /execution risk/);
  round(180, 0.1); // the stale leg was refreshed (risk 0.1): the cause cleared, sighting 2 approved
  assert.equal(seen(), ['1:rejected', '2:approved']);
  round(180, 0.1); // unchanged (and its quotes taken by the fill): nothing
  round(200, 0.1); // +11 %: under the step
  assert.is(f.drafts.length, 2);
  f.feed([price(kT0 + 10, 'X', 'BTC', 'USDT', 59_991, 60_011, 1, 1)]); // X's quote replaced; Y's is still taken
  round(200, 0.1);
  assert.is(f.drafts.length, 2, 'held by the same cause (a taken quote): not decided again');
  f.feed([price(kT0 + 11, 'Y', 'BTC', 'USDT', 60_289, 60_309, 1, 1)]); // Y's too
  round(200, 0.1);
  assert.equal(seen(), ['1:rejected', '2:approved', '3:approved']);
  round(300, 0.1); // +50 % profit: decided again although its quotes are taken now
  assert.equal(seen(), ['1:rejected', '2:approved', '3:approved', '4:rejected']);
  assert.match(f.drafts[3]!.verdict.reason, /already taken/);
  // a gap closes the opening: the next sighting is 1 again
  cycle++;
  f.records(kArb, cycle, []);
  arb.consolidate(cycle, cycle, kT0 + cycle);
  f.feed([price(kT0 + 20, 'X', 'BTC', 'USDT', 59_992, 60_012, 1, 1), price(kT0 + 20, 'Y', 'BTC', 'USDT', 60_291, 60_311, 1, 1)]);
  round(180, 0.1);
  assert.is(f.drafts[4]!.sighting, 1);
});

test.run();
