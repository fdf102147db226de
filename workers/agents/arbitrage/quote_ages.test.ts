// Staleness per venue, or from each instrument's observed update interval: a one-minute feed is not
// stale between its own updates when quoteAgeIntervals is set; a venue named in
// maxQuoteAgeUsByVenue gets its own limit; without either the fixed maxQuoteAgeUs drops it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kResStale } from '../../../protocol/layout.ts';
import { kRecArbCross } from '../../../protocol/records.ts';
import type { AgentConfig } from '../config.ts';
import { createHarness } from '../../../engine/testing/agent_harness.ts';
import { kSecUs, kT0, price } from '../../../fixtures/events.ts';

const kMinUs = 60 * kSecUs;
/** Minute bars on two venues for three minutes, then B crosses A at 2:00 and the cycle runs at 2:50. */
function run(patch: (c: AgentConfig) => void): { crosses: number; stale: number } {
  const bar = (m: number, v: string, bid: number): object => price(kT0 + m * kMinUs, v, 'BTC', 'USD', bid, bid + 10, 1, 1);
  const events = [bar(0, 'A', 60_000), bar(0, 'B', 60_000), bar(1, 'A', 60_000), bar(1, 'B', 60_000), bar(2, 'A', 60_000), bar(2, 'B', 60_400)];
  const h = createHarness('arbitrage_detector', events.slice(0, 2), (c) => {
    c.fees.defaultTaker = 0.001;
    c.arbitrage.maxQuoteAgeUs = 2 * kSecUs;
    patch(c);
  });
  for (const e of events) { h.feed([e]); h.cycle(); }
  const recs = h.cycle(kT0 + 2 * kMinUs + 50 * kSecUs);
  return { crosses: recs.filter((r) => r.kind === kRecArbCross).length, stale: h.reader.arrays.metrics[kResStale]! };
}

test('a fixed 2 s limit drops a one-minute feed\'s crossing 50 s after its bar', () => {
  const r = run(() => {});
  assert.is(r.crosses, 0);
  assert.ok(r.stale >= 1, `counted stale: ${r.stale}`);
});

test('quoteAgeIntervals = 1.5: fresh for 1.5 of its own 60 s intervals', () => {
  assert.is(run((c) => { c.arbitrage.quoteAgeIntervals = 1.5; }).crosses, 1);
  assert.is(run((c) => { c.arbitrage.quoteAgeIntervals = 0.5; }).crosses, 0, '30 s < 50 s');
});

test('maxQuoteAgeUsByVenue: each venue its own limit; the older leg decides', () => {
  assert.is(run((c) => { c.arbitrage.maxQuoteAgeUsByVenue = { A: 90 * kSecUs, B: 90 * kSecUs }; }).crosses, 1);
  assert.is(run((c) => { c.arbitrage.maxQuoteAgeUsByVenue = { A: 90 * kSecUs }; }).crosses, 0, 'B keeps 2 s');
});

test.run();
