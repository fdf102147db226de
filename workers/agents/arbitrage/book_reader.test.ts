// Book depth end to end: the codec checks and keeps a price_update's levels in the tape's side
// array, the writer copies them into the slot's depth record under its sequence lock, and the
// reader returns them (or the top of book alone when the venue sent none).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeEvent } from '../../../engine/source/codec.ts';
import { kTapePriceAskLevels, kTapePriceBidLevels, kTapePriceDepthRef, kTapeF0, Tape } from '../../../protocol/tape.ts';
import {
  kDepthAskCount, kDepthAskPrice0, kDepthAskSize0, kDepthBidCount, kDepthBidPrice0, kDepthBidSize0, kDepthLevels,
} from '../../../protocol/layout.ts';
import { InstrumentRegistry } from '../../../protocol/registry.ts';
import { createHarness } from '../../../engine/testing/agent_harness.ts';
import { kT0, price } from '../../../fixtures/events.ts';
import { BookReader, kBookHasDepthAt, kBookTsAt } from './book_reader.ts';
import { depthQuote } from '../../../fixtures/events.ts';

test('levels are decoded into the tape side array and referenced from the row', () => {
  const tape = new Tape(2);
  const reg = new InstrumentRegistry();
  const ev = depthQuote(kT0, 'A', 'ETH', 'USDT', [[1999, 1], [1998, 2]], [[2000, 1.5], [2001, 3], [2002, 4]]);
  assert.is(decodeEvent(ev, reg, tape, 1), null);
  const f = kTapeF0;
  const ref = tape.rows[f + kTapePriceDepthRef]!;
  assert.is(tape.rows[f + kTapePriceBidLevels], 2);
  assert.is(tape.rows[f + kTapePriceAskLevels], 3);
  assert.equal(Array.from(tape.depth.subarray(ref, ref + 10)), [1999, 1, 1998, 2, 2000, 1.5, 2001, 3, 2002, 4]);
  // a quote without levels references none
  assert.is(decodeEvent(price(kT0, 'A', 'BTC', 'USDT', 1, 2), reg, tape, 2), null);
  assert.ok(Number.isNaN(tape.rows[16 + f + kTapePriceDepthRef]!));
});

test('malformed levels are rejected with the field named, and leave nothing behind', () => {
  const reg = new InstrumentRegistry();
  const cases: [object, RegExp][] = [
    [depthQuote(kT0, 'A', 'ETH', 'USDT', [[1999, 1], [1999.5, 2]], [[2000, 1]]), /data\.bids must be falling in price/],
    [depthQuote(kT0, 'A', 'ETH', 'USDT', [[1999, 1]], [[2000, 1], [1999.5, 2]]), /data\.asks must be rising in price/],
    [depthQuote(kT0, 'A', 'ETH', 'USDT', [[1999, 1], [1998, -2]], [[2000, 1]]), /data\.bids\[1\] must be \[price > 0, size ≥ 0\]/],
    [{ ...(depthQuote(kT0, 'A', 'ETH', 'USDT', [[1999, 1]], [[2000, 1]]) as { data: object }), data: { venue: 'A', base: 'ETH', quote: 'USDT', bid: 1999, ask: 2000, bidSize: 1, askSize: 1, bids: [[1999, 1]] } },
      /data\.asks must be a non-empty array/],
    [{ ts: kT0, type: 'price_update', topic: 'market.prices.A', key: 'A:ETH/USDT', data: { venue: 'A', base: 'ETH', quote: 'USDT', bid: 1999, ask: 2000, bidSize: 1, askSize: 1, bids: [[1998, 1]], asks: [[2000, 1]] } },
      /data\.bids\[0\] must be the top of book \[1999, 1\]/],
  ];
  for (const [ev, re] of cases) {
    const tape = new Tape(2);
    const reason = decodeEvent(ev, reg, tape, 1);
    assert.ok(reason !== null && re.test(reason), `${reason} should match ${re}`);
    assert.is(tape.length, 0);
    const at = tape.pushDepth(1);
    assert.is(at, 0, 'the side array was rolled back too');
  }
});

test('the writer keeps at most kDepthLevels levels per side; the reader sees them, or the top alone', () => {
  const many: [number, number][] = Array.from({ length: 12 }, (_, i) => [2000 + i, i + 1]);
  const bids: [number, number][] = Array.from({ length: 12 }, (_, i) => [1999 - i, 1]);
  const a = depthQuote(kT0, 'A', 'ETH', 'USDT', bids, many);
  const b = price(kT0 + 5, 'B', 'ETH', 'USDT', 1998, 2003, 0.7, 0.9);
  const h = createHarness('arbitrage_detector', [a, b]);
  h.feed([a, b]);
  const r = new BookReader(h.view);
  r.read(h.slot('A:ETH/USDT'));
  const k = r.book;
  assert.is(k[kDepthBidCount], kDepthLevels);
  assert.is(k[kDepthAskCount], kDepthLevels);
  assert.is(k[kDepthAskPrice0 + 7], 2007);
  assert.is(k[kDepthAskSize0 + 7], 8);
  assert.is(k[kDepthBidPrice0 + 7], 1992);
  assert.is(k[kBookHasDepthAt], 1);
  assert.is(k[kBookTsAt], kT0);
  r.read(h.slot('B:ETH/USDT'));
  assert.equal([k[kDepthBidCount], k[kDepthBidPrice0], k[kDepthBidSize0], k[kDepthAskCount], k[kDepthAskPrice0], k[kDepthAskSize0]],
    [1, 1998, 0.7, 1, 2003, 0.9], 'no depth sent: the top of book as level 0');
  assert.is(k[kBookHasDepthAt], 0);
  // a later quote without levels forgets the old ones (they belonged to another top)
  h.feed([price(kT0 + 10, 'A', 'ETH', 'USDT', 1999.5, 2000.5, 2, 2)]);
  r.read(h.slot('A:ETH/USDT'));
  assert.equal([k[kDepthBidCount], k[kDepthAskPrice0], k[kBookHasDepthAt]], [1, 2000.5, 0]);
});

test.run();
