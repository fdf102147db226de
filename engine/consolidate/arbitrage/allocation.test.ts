// Within a cycle flat arbitrage is allocated by expected profit, best first, and a fill takes only
// the size it uses of each quote: the rest stays available to the next opportunity until the venue
// replaces the quote. (The de-peg case: a $411 loop listed first and a $1,377 loop on the same
// stablecoin quote; before, the first filled and took the whole quote.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kRecArbDetail, kRecArbTriangular, kRiskTableMaxPositionUsd } from '../../../protocol/records.ts';
import { kT0, price } from '../../../fixtures/events.ts';
import { ArbitrageFusion } from './arbitrage_fusion.ts';
import { fusionHarness } from '../testing/fusion_harness.ts';

const kArb = 'arbitrage_detector';
const universe = [
  price(kT0, 'K', 'USDC', 'USD', 0.87, 0.8701, 1e7, 256_000), // the ask offers 256 000 × 0.8701 = $222 746
  price(kT0, 'K', 'USDC', 'USDT', 0.88, 0.8801, 1e7, 1e7),
  price(kT0, 'K', 'USDT', 'USD', 0.9999, 1, 1e7, 1e7),
  price(kT0, 'K', 'USDC', 'DAI', 0.88, 0.8801, 1e7, 1e7),
  price(kT0, 'K', 'DAI', 'USD', 0.9999, 1, 1e7, 1e7),
];

function setup(): { f: ReturnType<typeof fusionHarness>; arb: ArbitrageFusion; s: (k: string) => number } {
  const f = fusionHarness(universe, [kArb, 'risk_assessor'], undefined, (c) => {
    c.limits.maxPositionUsd = 1_000_000;
    c.limits.approvalThresholdUsd = 10_000_000;
  });
  f.feed(universe);
  for (let s = 0; s < f.snapshot.size; s++) f.table('risk_assessor', kRiskTableMaxPositionUsd, s, 1_000_000);
  return { f, arb: new ArbitrageFusion(f.ctx), s: (k: string) => f.slot(k) };
}
/** A 3-leg loop from USD: buy USDC/USD, sell USDC/<via>, sell <via>/USD (direction bits 0b110). */
function loop(s: (k: string) => number, via: string, bps: number, profitUsd: number, sizeUsd: number): number[][] {
  return [
    [kRecArbTriangular, s('K:USDC/USD'), s(`K:USDC/${via}`), bps, profitUsd, sizeUsd, 0.1, 3 + 10 * 0b110],
    [kRecArbDetail, s(`K:${via}/USD`), -1, 30, 0, sizeUsd, 100, 0.1],
  ];
}

test('best first: the $1,377 loop is decided before the $411 one listed first; both fill, on one quote', () => {
  const { f, arb, s } = setup();
  f.records(kArb, 1, [...loop(s, 'USDT', 97, 411, 42_000), ...loop(s, 'DAI', 125.9, 1_377, 109_000)]);
  arb.consolidate(1, 1, kT0 + 1);
  assert.equal(f.drafts.map((p) => [p.expectedProfitUsd, p.sizeUsd, p.verdict.status]), [
    [1_377, 109_000, 'approved'],
    [411, 42_000, 'approved'], // 222 746 − 109 000 left of the USDC/USD ask: enough
  ]);
});

test('a fill takes only what it uses: the next loop gets the rest of the quote, then nothing until it is replaced', () => {
  const { f, arb, s } = setup();
  f.records(kArb, 1, [...loop(s, 'USDT', 100, 1_500, 150_000), ...loop(s, 'DAI', 120, 1_200, 100_000)]);
  arb.consolidate(1, 1, kT0 + 1);
  const [a, b] = f.drafts;
  assert.is(a!.sizeUsd, 150_000);
  assert.is(b!.verdict.status, 'approved');
  const left = 0.8701 * 256_000 - 150_000;
  assert.ok(Math.abs(b!.sizeUsd - left) < 1e-6, `the rest of the quote: ${b!.sizeUsd} vs ${left}`);
  assert.ok(Math.abs(b!.expectedProfitUsd - 1_200 * left / 100_000) < 1e-6, 'profit scales with the size');
  assert.match(b!.verdict.reason, /sized to the 73 % of its quotes earlier fills left/);
  // the quote is used up: the loops, seen again after a cycle without them, are rejected until K replaces it
  f.records(kArb, 2, []);
  arb.consolidate(2, 2, kT0 + 2);
  f.records(kArb, 3, loop(s, 'USDT', 90, 300, 30_000));
  arb.consolidate(3, 3, kT0 + 3);
  assert.match(f.drafts[2]!.verdict.reason, /K:USDC\/USD: its quote was already taken by earlier fills/);
  f.feed([price(kT0 + 4, 'K', 'USDC', 'USD', 0.87, 0.8701, 1e7, 256_000)]);
  f.records(kArb, 4, loop(s, 'USDT', 90, 300, 30_000));
  arb.consolidate(4, 4, kT0 + 4);
  assert.is(f.drafts.length, 4, 'the renewed quote is a material change');
  assert.is(f.drafts[f.drafts.length - 1]!.verdict.status, 'approved');
});

test.run();
