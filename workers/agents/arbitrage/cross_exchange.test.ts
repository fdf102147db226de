// Cross-exchange with book depth: both books are walked until the marginal profit is zero; the
// detail record; an opportunity resting on a stale quote is dropped and counted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kResStale } from '../../../protocol/layout.ts';
import type { AgentConfig } from '../config.ts';
import { kRecArbCross, kRecArbDetail } from '../../../protocol/records.ts';
import { createHarness } from '../../../engine/testing/agent_harness.ts';
import { kSecUs, kT0, price } from '../../../fixtures/events.ts';
import { depthQuote } from '../../../fixtures/events.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
const cfg = (c: AgentConfig): void => {
  c.fees.defaultTaker = 0.001;
  c.arbitrage.fixedCostUsd = 2;
  c.arbitrage.minNetEdgeBps = 1;
  c.arbitrage.maxQuoteAgeUs = 2 * kSecUs;
};

// A asks 2000 × 1, 2001 × 2; B bids 2010 × 0.5, 2006 × 1, 2002 × 3 (ETH/USDT, 10 bps taker fees)
const a = depthQuote(kT0, 'A', 'ETH', 'USDT', [[1999, 1], [1998, 2]], [[2000, 1], [2001, 2]]);
const b = depthQuote(kT0, 'B', 'ETH', 'USDT', [[2010, 0.5], [2006, 1], [2002, 3]], [[2011, 1], [2012, 1]]);

test('both venues publish depth: the books are walked until the marginal profit reaches zero', () => {
  const h = createHarness('arbitrage_detector', [a, b], cfg);
  h.feed([a, b]);
  const recs = h.cycle();
  assert.equal(recs.map((r) => r.kind), [kRecArbCross, kRecArbDetail], 'a record and its detail');
  const [r, d] = recs as [typeof recs[0], typeof recs[0]];
  assert.is(r.slotA, h.slot('A:ETH/USDT'));
  assert.is(r.slotB, h.slot('B:ETH/USDT'));
  // A₀ = 2000·1.001 = 2002, B₀ = 2010·0.999 = 2007.99 → 5.99 on 0.5 (B's first level)
  // B₁ = 2006·0.999 = 2003.994 → 1.994 on 0.5 (A's first level runs out)
  // A₁ = 2001·1.001 = 2003.001 → 0.993 on 0.5 (B's second level runs out)
  // B₂ = 2002·0.999 = 1999.998 < 2003.001: stop. Size 1.5, walk profit 2.995 + 0.997 + 0.4965 = 4.4885
  near(r.size, 1.5, 1e-12, 'size');
  near(r.value, 4.4885 - 2, 1e-9, 'profit less the fixed cost (USD: USDT = 1)');
  near(r.score, (2007.99 / 2002 - 1) * 1e4, 1e-9, 'net edge at the top');
  near(r.aux, (2010 / 2000 - 1) * 1e4, 1e-9, 'gross edge');
  // detail: no gas on centralised venues; size 1.5 × 2000; fees 0.001·(3000.5 + 3011) = 6.0115 and
  // slippage 5.99·1.5 − 4.4885 = 4.4965; both quotes seen once (gap unknown, 1 s each) → 0.5 s
  assert.is(d.slotA, -1);
  assert.is(d.value, 0, 'gas');
  near(d.size, 3000, 1e-9, 'max size USD');
  near(d.risk, 6.0115 + 4.4965, 1e-9, 'fees + slippage USD');
  near(d.score, 0.5, 1e-12, 'duration s');
  near(d.aux, 0, 1e-12, 'age of the oldest input s');
});

test('only one venue publishes depth: the top-of-book impact model is used', () => {
  const bTop = price(kT0, 'B', 'ETH', 'USDT', 2010, 2011, 0.5, 1);
  const h = createHarness('arbitrage_detector', [a, bTop], cfg);
  h.feed([a, bTop]);
  const [r] = h.cycle();
  // Q0 = min(0.5, 1) = 0.5, slope = 5e-4·(2002 + 2007.99) = 2.004995, q* = 0.5·(1 + 5.99/2.004995)
  near(r!.size, 0.5 * (1 + 5.99 / 2.004995), 1e-9, 'size from the impact model');
});

test('durations follow how often the two books update', () => {
  const h = createHarness('arbitrage_detector', [a, b], cfg);
  h.feed([a, b]);
  h.cycle();
  // A re-quotes every 0.2 s, B every 0.4 s: 1/(1/0.2 + 1/0.4) = 0.1333 s
  h.feed([depthQuote(kT0 + 0.2 * kSecUs, 'A', 'ETH', 'USDT', [[1999, 1], [1998, 2]], [[2000, 1], [2001, 2]])]);
  h.cycle();
  h.feed([depthQuote(kT0 + 0.4 * kSecUs, 'B', 'ETH', 'USDT', [[2010, 0.5], [2006, 1], [2002, 3]], [[2011, 1], [2012, 1]])]);
  h.feed([depthQuote(kT0 + 0.4 * kSecUs, 'A', 'ETH', 'USDT', [[1999, 1], [1998, 2]], [[2000, 1], [2001, 2]])]);
  const recs = h.cycle();
  near(recs[1]!.score, 1 / (1 / 0.2 + 1 / 0.4), 1e-9, 'expected time to the first re-quote');
});

test('a crossing on a stale quote is dropped and counted in kResStale', () => {
  const late = depthQuote(kT0 + 3 * kSecUs, 'B', 'ETH', 'USDT', [[2010, 0.5], [2006, 1]], [[2011, 1], [2012, 1]]);
  const h = createHarness('arbitrage_detector', [a, late], cfg);
  h.feed([a, late]); // A is 3 s old when B crosses it
  assert.equal(h.cycle(), []);
  assert.is(h.reader.arrays.metrics[kResStale], 1, 'one stale drop');
  // an open opportunity whose quotes age out is dropped (and counted) too
  const h2 = createHarness('arbitrage_detector', [a, b], cfg);
  h2.feed([a, b]);
  assert.is(h2.cycle().length, 2);
  assert.equal(h2.cycle(kT0 + 3 * kSecUs), []);
  assert.is(h2.reader.arrays.metrics[kResStale], 1);
});

test('every venue pair with a positive net edge is published, not only the best', () => {
  // C bids 2020: buying on A (2000) and on D (2005) both pay; selling on B (2010) from A pays too
  const qa = price(kT0, 'A', 'ETH', 'USDT', 1999, 2000, 1, 1);
  const qb = price(kT0, 'B', 'ETH', 'USDT', 2010, 2011, 1, 1);
  const qc = price(kT0, 'C', 'ETH', 'USDT', 2020, 2021, 1, 1);
  const qd = price(kT0, 'D', 'ETH', 'USDT', 2004, 2005, 1, 1);
  const h = createHarness('arbitrage_detector', [qa, qb, qc, qd], cfg);
  h.feed([qa, qb, qc, qd]);
  const routes = h.cycle().filter((r) => r.kind === kRecArbCross).map((r) => `${r.slotA}>${r.slotB}`).sort();
  const s = (k: string): number => h.slot(`${k}:ETH/USDT`);
  // net of 10 bps a leg: A→C 2020·0.999 − 2000·1.001 = 15.98; D→C 10.975; A→B 5.99; D→B 0.985 (< 1 bp: no);
  // B→C 2018.0 − 2013.0 = 4.969 (ask 2011)
  assert.equal(routes, [`${s('A')}>${s('B')}`, `${s('A')}>${s('C')}`, `${s('B')}>${s('C')}`, `${s('D')}>${s('C')}`].sort());
  // C falls to 2000/2001: the routes selling on C close, A→B stays, and buying on C now pays (C→B 4.99)
  h.feed([price(kT0 + 1, 'C', 'ETH', 'USDT', 2000, 2001, 1, 1)]);
  assert.equal(h.cycle().filter((r) => r.kind === kRecArbCross).map((r) => `${r.slotA}>${r.slotB}`).sort(),
    [`${s('A')}>${s('B')}`, `${s('C')}>${s('B')}`].sort());
});

test.run();
