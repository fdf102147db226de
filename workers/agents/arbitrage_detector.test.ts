// The arbitrage detector's records on tiny universes whose numbers are worked out by hand.
// Model (finance/arbitrage.ts, crossVenueArb): B = bid·(1 − fS), A = ask·(1 + fB),
// e = B − A, Q0 = min(bidSize, askSize), κ = impactBps·1e-4, slope = κ·(A + B),
// q* = Q0·(1 + e/slope) (capped by capital), π(q) = e·q − slope/(2·Q0)·((q − Q0)⁺)² − C.
// Record (protocol/records.ts): buy slot, sell slot, net edge bps, profit USD, size (base),
// execution risk (age of the older quote / maxQuoteAgeUs), gross edge bps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentConfig } from './config.ts';
import { kRecArbCross, kRecArbDetail } from '../../protocol/records.ts';
import { createHarness, type Rec } from '../../engine/testing/agent_harness.ts';
import { kSecUs, kT0, price } from '../../fixtures/events.ts';

/** The opportunity records, without the kRecArbDetail record that follows each (tested below). */
function arbOnly(recs: Rec[]): Rec[] {
  return recs.filter((r) => r.kind !== kRecArbDetail);
}

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

// Defaults that matter here: fees.defaultTaker 0.001, impactBpsPerTopSize 5, fixedCostUsd 2,
// minNetEdgeBps 1, maxQuoteAgeUs 2 s, capital 10 M USD. Set explicitly so the test says what it uses.
const cfg = (c: AgentConfig): void => {
  c.fees.defaultTaker = 0.001;
  c.arbitrage.impactBpsPerTopSize = 5;
  c.arbitrage.fixedCostUsd = 2;
  c.arbitrage.minNetEdgeBps = 1;
  c.arbitrage.maxQuoteAgeUs = 2 * kSecUs;
  c.capitalUsd = 10_000_000;
};

// The two-venue ETH/USDT universe: A asks 2000 (size 1), B bids 2010 (size 1).
const aQuote = price(kT0, 'A', 'ETH', 'USDT', 1999, 2000, 1, 1);
const bQuote = price(kT0 + kSecUs / 2, 'B', 'ETH', 'USDT', 2010, 2011, 1, 1);

test('two venues: every record field by hand', () => {
  const h = createHarness('arbitrage_detector', [aQuote, bQuote], cfg);
  h.feed([aQuote, bQuote]);
  const recs = arbOnly(h.cycle()); // at B's time, T0 + 0.5 s
  assert.is(recs.length, 1);
  const r = recs[0]!;
  assert.is(r.kind, kRecArbCross);
  assert.is(r.slotA, h.slot('A:ETH/USDT'), 'buy on A');
  assert.is(r.slotB, h.slot('B:ETH/USDT'), 'sell on B');
  // A = 2000·1.001 = 2002, B = 2010·0.999 = 2007.99, e = 5.99
  // net bps = (2007.99/2002 − 1)·1e4 = 5.99/2002·1e4 = 29.92007992…
  near(r.score, (2010 * 0.999 / (2000 * 1.001) - 1) * 1e4, 1e-9, 'net bps (formula)');
  near(r.score, 29.920079920, 1e-8, 'net bps (number)');
  // slope = 5e-4·(2002 + 2007.99) = 5e-4·4009.99 = 2.004995
  // q* = 1·(1 + 5.99/2.004995) = 3.98753862… (capital 10 M buys ~2 900 ETH: not binding)
  near(r.size, 1 + 5.99 / 2.004995, 1e-9, 'size');
  near(r.size, 3.987538622, 1e-8, 'size (number)');
  // π(q*) = e·Q0 + e²·Q0/(2·slope) − C = 5.99 + 35.8801/4.00999 − 2 = 5.99 + 8.94767… − 2 = 12.93767… USDT = USD
  near(r.value, 5.99 + (5.99 * 5.99) / (2 * 2.004995) - 2, 1e-9, 'profit USD');
  near(r.value, 12.937678174, 1e-8, 'profit USD (number)');
  // older quote: A at T0, now T0 + 0.5 s → 0.5 s / 2 s = 0.25
  near(r.risk, 0.25, 1e-12, 'execution risk');
  // gross = (2010/2000 − 1)·1e4 = 50 bps
  near(r.aux, 50, 1e-9, 'gross bps');
});

test('an open opportunity is published again in the next cycle, unchanged', () => {
  const h = createHarness('arbitrage_detector', [aQuote, bQuote], cfg);
  h.feed([aQuote, bQuote]);
  const first = arbOnly(h.cycle());
  const again = arbOnly(h.cycle(kT0 + kSecUs)); // nothing changed and both quotes are still fresh (≤ 2 s)
  assert.is(again.length, 1);
  assert.is(again[0]!.slotA, first[0]!.slotA);
  assert.is(again[0]!.slotB, first[0]!.slotB);
  near(again[0]!.value, first[0]!.value, 0, 'same profit');
});

test('the capital cap binds: size from the capital root, profit from π(q)', () => {
  const h = createHarness('arbitrage_detector', [aQuote, bQuote], (c) => { cfg(c); c.capitalUsd = 5_000; });
  h.feed([aQuote, bQuote]);
  const [r] = arbOnly(h.cycle());
  assert.ok(r, 'one record');
  // c = 5000/2002 = 2.497502… ETH > Q0 = 1; excess = 1.497502…
  // d = 2·excess/(1 + √(1 + 2·κ·excess/Q0)) = 2.995005/(1 + √1.0014975) = 2.995005/2.000748… = 1.496942…
  // qCap = 2.496942… < q_u = 3.98754 → size = qCap
  const excess = 5000 / 2002 - 1;
  const q = 1 + (2 * excess) / (1 + Math.sqrt(1 + 2 * 5e-4 * excess));
  near(q, 2.49694, 1e-5, 'hand value of the cap');
  near(r!.size, q, 1e-9, 'size = capital cap');
  // π(q) = 5.99·q − 2.004995/2·(q − 1)² − 2 = 14.95667 − 2.24335… − 2 = 10.7133…
  near(r!.value, 5.99 * q - (2.004995 / 2) * (q - 1) ** 2 - 2, 1e-9, 'profit at the cap');
});

test('no record when the crossing does not pay the fees, or nets less than minNetEdgeBps', () => {
  // B bids 2003: gross 15 bps, but 2003·0.999 = 2000.997 < 2002 → negative after fees
  const under = price(kT0, 'B', 'ETH', 'USDT', 2003, 2004, 1, 1);
  let h = createHarness('arbitrage_detector', [aQuote, under], cfg);
  h.feed([aQuote, under]);
  assert.equal(arbOnly(h.cycle()), []);
  // B bids 2004.1: 2004.1·0.999 = 2002.0959 → (2002.0959/2002 − 1)·1e4 = 0.479 bps < 1 bps
  const thin = price(kT0, 'B', 'ETH', 'USDT', 2004.1, 2005, 1, 1);
  h = createHarness('arbitrage_detector', [aQuote, thin], cfg);
  h.feed([aQuote, thin]);
  assert.equal(arbOnly(h.cycle()), []);
  // the same crossing with fees 0: (2004.1/2000 − 1)·1e4 = 20.5 bps → reported
  h = createHarness('arbitrage_detector', [aQuote, thin], (c) => { cfg(c); c.fees.defaultTaker = 0; });
  h.feed([aQuote, thin]);
  const recs = arbOnly(h.cycle());
  assert.is(recs.length, 1);
  near(recs[0]!.score, (2004.1 / 2000 - 1) * 1e4, 1e-9, 'net = gross without fees');
});

test('per-venue fees override the default (fees.venues)', () => {
  // B's taker fee 0.0005: B = 2010·0.9995 = 2008.995, A = 2002 → e = 6.995
  const h = createHarness('arbitrage_detector', [aQuote, bQuote], (c) => { cfg(c); c.fees.venues = { B: 0.0005 }; });
  h.feed([aQuote, bQuote]);
  const [r] = arbOnly(h.cycle());
  near(r!.score, (2010 * 0.9995 / 2002 - 1) * 1e4, 1e-9, 'net bps with B at 5 bps');
  near(r!.score, 6.995 / 2002 * 1e4, 1e-9, 'net bps (e/A)');
});

test('a quote older than maxQuoteAgeUs at the cycle time is ignored', () => {
  // B's quote arrives 2.5 s after A's; the cycle runs at B's time: A is 2.5 s old > 2 s
  const lateB = price(kT0 + 2.5 * kSecUs, 'B', 'ETH', 'USDT', 2010, 2011, 1, 1);
  const h = createHarness('arbitrage_detector', [aQuote, lateB], cfg);
  h.feed([aQuote, lateB]);
  assert.equal(arbOnly(h.cycle()), []);
  // A refreshes (same prices) at T0 + 2.6 s: both fresh, opportunity back, risk = 0.1 s/2 s = 0.05
  h.feed([price(kT0 + 2.6 * kSecUs, 'A', 'ETH', 'USDT', 1999, 2000, 1, 1)]);
  const recs = arbOnly(h.cycle());
  assert.is(recs.length, 1);
  near(recs[0]!.risk, 0.05, 1e-12, 'execution risk from the older quote (B, 0.1 s)');
});

test('an open opportunity whose quotes go stale without changing is dropped', () => {
  const h = createHarness('arbitrage_detector', [aQuote, bQuote], cfg);
  h.feed([aQuote, bQuote]);
  assert.is(arbOnly(h.cycle()).length, 1);
  // No tick at all; the next cycle runs at T0 + 3 s: A is 3 s old, B 2.5 s old, both > 2 s.
  const stale = arbOnly(h.cycle(kT0 + 3 * kSecUs));
  assert.equal(stale, [], 'a stale opportunity must not be published');
  // and it stays gone
  assert.equal(arbOnly(h.cycle(kT0 + 4 * kSecUs)), []);
});

test('two open pairs: when the first-opened goes stale only the fresh one is published', () => {
  const btcA = price(kT0, 'A', 'BTC', 'USDT', 59_000, 60_000, 1, 1);
  const btcB = price(kT0, 'B', 'BTC', 'USDT', 60_300, 60_400, 1, 1);
  const h = createHarness('arbitrage_detector', [aQuote, bQuote, btcA, btcB], cfg);
  h.feed([aQuote, bQuote]);
  assert.is(arbOnly(h.cycle()).length, 1, 'ETH opens first');
  h.feed([btcA, btcB]);
  assert.is(arbOnly(h.cycle(kT0 + kSecUs)).length, 2, 'then BTC');
  // At T0 + 3 s the ETH quotes are stale; BTC is refreshed (same prices).
  h.feed([price(kT0 + 3 * kSecUs, 'A', 'BTC', 'USDT', 59_000, 60_000, 1, 1), price(kT0 + 3 * kSecUs, 'B', 'BTC', 'USDT', 60_300, 60_400, 1, 1)]);
  const recs = arbOnly(h.cycle(kT0 + 3 * kSecUs));
  assert.is(recs.length, 1);
  assert.is(recs[0]!.slotA, h.slot('A:BTC/USDT'));
  // BTC: A = 60 000·1.001 = 60 060, B = 60 300·0.999 = 60 239.7, e = 179.7 → 179.7/60 060·1e4 = 29.92 bps
  near(recs[0]!.score, 179.7 / 60_060 * 1e4, 1e-8, 'BTC net bps');
});

test('three venues: every paying venue pair is published (consolidation chooses among them)', () => {
  // A 1995/2000, B 2010/2012, C 2020/2025, all sizes 1.
  // buy A sell B: e = 2007.99 − 2002 = 5.99
  // buy A sell C: e = 2020·0.999 − 2002 = 2017.98 − 2002 = 15.98   ← best
  // buy B sell C: e = 2017.98 − 2012·1.001 = 2017.98 − 2014.012 = 3.968
  const a = price(kT0, 'A', 'ETH', 'USDT', 1995, 2000, 1, 1);
  const b = price(kT0, 'B', 'ETH', 'USDT', 2010, 2012, 1, 1);
  const c = price(kT0, 'C', 'ETH', 'USDT', 2020, 2025, 1, 1);
  const h = createHarness('arbitrage_detector', [a, b, c], cfg);
  h.feed([a, b, c]);
  const recs = arbOnly(h.cycle());
  assert.equal(recs.map((x) => `${x.slotA}>${x.slotB}`).sort(), [
    `${h.slot('A:ETH/USDT')}>${h.slot('B:ETH/USDT')}`, `${h.slot('A:ETH/USDT')}>${h.slot('C:ETH/USDT')}`,
    `${h.slot('B:ETH/USDT')}>${h.slot('C:ETH/USDT')}`,
  ].sort(), 'one record per paying venue pair');
  const r = recs.find((x) => x.slotA === h.slot('A:ETH/USDT') && x.slotB === h.slot('C:ETH/USDT'))!;
  // net bps = 15.98/2002·1e4 = 79.82018 bps; slope = 5e-4·(2002 + 2017.98) = 2.00999
  near(r.score, 15.98 / 2002 * 1e4, 1e-9, 'net bps');
  near(r.size, 1 + 15.98 / 2.00999, 1e-9, 'size');
  // π = 15.98 + 15.98²/(2·2.00999) − 2 = 15.98 + 63.5227… − 2 = 77.5028…
  near(r.value, 15.98 + (15.98 * 15.98) / (2 * 2.00999) - 2, 1e-9, 'profit');
  near(r.risk, 0, 1e-12, 'fresh quotes');
  near(r.aux, (2020 / 2000 - 1) * 1e4, 1e-9, 'gross 100 bps');
});

test('a BTC-quoted pair converts the profit to USD through the BTC/USDT book', () => {
  // ETH/BTC: A asks 0.0330, B bids 0.0332, 10 ETH each; BTC/USDT on A: 59 990/60 010, mid 60 000.
  const btc = price(kT0, 'A', 'BTC', 'USDT', 59_990, 60_010, 5, 5);
  const a = price(kT0, 'A', 'ETH', 'BTC', 0.0329, 0.0330, 10, 10);
  const b = price(kT0, 'B', 'ETH', 'BTC', 0.0332, 0.0333, 10, 10);
  const h = createHarness('arbitrage_detector', [btc, a, b], cfg);
  h.feed([btc, a, b]);
  const recs = arbOnly(h.cycle());
  assert.is(recs.length, 1);
  const r = recs[0]!;
  assert.is(r.slotA, h.slot('A:ETH/BTC'));
  assert.is(r.slotB, h.slot('B:ETH/BTC'));
  // B = 0.0332·0.999 = 0.0331668, A = 0.0330·1.001 = 0.033033, e = 0.0001338 BTC per ETH
  // net = 0.0001338/0.033033·1e4 = 40.50495 bps; gross = (0.0332/0.033 − 1)·1e4 = 60.6061 bps
  near(r.score, 0.0001338 / 0.033033 * 1e4, 1e-6, 'net bps');
  near(r.aux, (0.0332 / 0.033 - 1) * 1e4, 1e-9, 'gross bps');
  // slope = 5e-4·(0.033033 + 0.0331668) = 3.30999e-5; q* = 10·(1 + 0.0001338/3.30999e-5) = 50.4231 ETH
  near(r.size, 10 * (1 + 0.0001338 / 3.30999e-5), 1e-6, 'size');
  // C = 2 USD = 2/60 000 BTC; π = 0.001338 + 0.0001338²·10/(2·3.30999e-5) − 2/60 000
  //   = 0.001338 + 0.00270430 − 0.0000333 = 0.00400897 BTC → ×60 000 = 240.538 USD
  const profitBtc = 0.0001338 * 10 + (0.0001338 ** 2 * 10) / (2 * 3.30999e-5) - 2 / 60_000;
  near(r.value, profitBtc * 60_000, 1e-6, 'profit in USD');
  near(r.value, 240.538, 1e-3, 'profit in USD (number)');
});

test('without a USD price for the quote asset no opportunity can be valued', () => {
  const a = price(kT0, 'A', 'ETH', 'BTC', 0.0329, 0.0330, 10, 10);
  const b = price(kT0, 'B', 'ETH', 'BTC', 0.0332, 0.0333, 10, 10);
  const h = createHarness('arbitrage_detector', [a, b], cfg);
  h.feed([a, b]);
  assert.equal(arbOnly(h.cycle()), []);
});

test('the opportunity disappears when the book normalises', () => {
  const h = createHarness('arbitrage_detector', [aQuote, bQuote], cfg);
  h.feed([aQuote, bQuote]);
  assert.is(arbOnly(h.cycle()).length, 1);
  h.feed([price(kT0 + kSecUs, 'B', 'ETH', 'USDT', 1999.5, 2000.5, 1, 1)]); // B back below A's ask
  assert.equal(arbOnly(h.cycle()), []);
  // and returns when it crosses again, with the new numbers: B bids 2008 → e = 2008·0.999 − 2002 = 3.992
  h.feed([price(kT0 + 1.2 * kSecUs, 'B', 'ETH', 'USDT', 2008, 2009, 1, 1)]);
  const recs: Rec[] = arbOnly(h.cycle());
  assert.is(recs.length, 1);
  near(recs[0]!.score, 3.992 / 2002 * 1e4, 1e-9, 'net bps of the new crossing');
});

test.run();
