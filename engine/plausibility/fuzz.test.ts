// Property-based fuzz of the door (fast-check): envelopes built from generated values, near-valid
// ones with one field made hostile, and arbitrary JSON, through the codec (decodeLine) and then the
// plausibility gate and the state writer, as the per-event step runs them. Properties: nothing
// throws; every rejection has a reason (a non-empty line naming a field or a bound); the state
// never holds a non-finite price, size, APY or TVL, nor a book price outside the band around its
// reference.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { Tape, kTapeSlot } from '../../protocol/tape.ts';
import { kApy, kAsk, kAskSize, kBid, kBidSize, kKindBook, kKindYield, kTvl, kYieldHeld } from '../../protocol/layout.ts';
import { decodeLine } from '../source/codec.ts';
import { stateForUniverse } from '../state/state_for_universe.ts';
import { PlausibilityGate } from './gate.ts';
import { kDefaultPlausibility } from './config.ts';
import { kDefaultAgentConfig } from '../../workers/agents/index.ts';

const kTs0 = 1723075200000000;
const venues = ['binance', 'coinbase', 'kraken'];
const bases = ['BTC', 'ETH'];
const mids: Record<string, number> = { BTC: 60000, ETH: 2600 };

/** A universe of books and pools, registered up front (a closed universe), with a few good quotes. */
function universe(): { registry: InstrumentRegistry; seed: string[] } {
  const registry = new InstrumentRegistry();
  const tape = new Tape(4);
  const seed: string[] = [];
  for (const v of venues) for (const b of bases) {
    const m = mids[b]!;
    seed.push(JSON.stringify({ ts: kTs0, type: 'price_update', topic: `market.prices.${v}`, key: `${v}:${b}/USDT`, data: { venue: v, base: b, quote: 'USDT', bid: m - 1, ask: m + 1, bidSize: 1, askSize: 1 } }));
  }
  for (const p of ['p1', 'p2']) {
    seed.push(JSON.stringify({ ts: kTs0, type: 'yield_update', topic: 'market.yields.aave', key: `aave:ethereum:${p}`, data: { protocol: 'aave', chain: 'ethereum', pool: p, apy: 5, tvlUsd: 1e8 } }));
  }
  for (const s of seed) { assert.is(decodeLine(s, registry, tape, 0), null, s); tape.reset(); }
  registry.freeze();
  return { registry, seed };
}

const hostileNumber = fc.oneof(
  fc.double(), fc.constantFrom(0, -1, 1e-9, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 1e15),
  fc.constantFrom('1e309', 'NaN', 'Infinity', '-Infinity', '"60000"', 'null', 'true', '[]', '{}'),
);
const num = (v: unknown): string => (typeof v === 'number' ? JSON.stringify(v) ?? 'null' : String(v));

const priceLine = fc.record({
  v: fc.constantFrom(...venues, 'evilx'), b: fc.constantFrom(...bases, 'DOGE'), keyV: fc.constantFrom(...venues),
  bid: hostileNumber, ask: hostileNumber, bidSize: hostileNumber, askSize: hostileNumber, dt: fc.integer({ min: -4_000_000_000, max: 4_000_000_000 }),
  nearMid: fc.double({ min: 0.5, max: 1.5, noNaN: true }), good: fc.boolean(),
}).map((r) => {
  const m = mids[r.b] ?? 1;
  const bid = r.good ? num(m * r.nearMid) : num(r.bid);
  const ask = r.good ? num(m * r.nearMid * 1.0001) : num(r.ask);
  return `{"ts":${kTs0 + 1_000_000 + r.dt},"type":"price_update","topic":"market.prices.${r.v}","key":"${r.good ? r.v : r.keyV}:${r.b}/USDT",` +
    `"data":{"venue":"${r.v}","base":"${r.b}","quote":"USDT","bid":${bid},"ask":${ask},"bidSize":${num(r.bidSize)},"askSize":${num(r.askSize)}}}`;
});

const yieldLine = fc.record({ p: fc.constantFrom('p1', 'p2', 'p3'), apy: hostileNumber, tvl: hostileNumber, dt: fc.integer({ min: -2_000_000, max: 100_000_000 }) })
  .map((r) => `{"ts":${kTs0 + 1_000_000 + r.dt},"type":"yield_update","topic":"market.yields.aave","key":"aave:ethereum:${r.p}","data":{"protocol":"aave","chain":"ethereum","pool":"${r.p}","apy":${num(r.apy)},"tvlUsd":${num(r.tvl)}}}`);

const otherLine = fc.oneof(
  fc.record({ c: hostileNumber, t: fc.constantFrom('liquidation', 'liquidation_cascade') })
    .map((r) => `{"ts":${kTs0 + 2_000_000},"type":"${r.t}","topic":"market.liquidations.aave","key":"aave:ethereum","data":{"protocol":"aave","chain":"ethereum","collateralUsd":${num(r.c)},"totalUsd":${num(r.c)},"count":${num(r.c)}}}`),
  fc.record({ pct: hostileNumber, px: hostileNumber, b: fc.constantFrom(...bases) })
    .map((r) => `{"ts":${kTs0 + 2_000_000},"type":"major_price_movement","topic":"market.prices.kraken","key":"kraken:${r.b}/USDT","data":{"venue":"kraken","base":"${r.b}","quote":"USDT","changePct":${num(r.pct)},"price":${num(r.px)}}}`),
  fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify({ ts: kTs0, type: 'price_update', topic: 'market.prices.binance', key: 'binance:BTC/USDT', data: v })),
);

const anyLine = fc.oneof({ weight: 4, arbitrary: priceLine }, { weight: 2, arbitrary: yieldLine }, { weight: 2, arbitrary: otherLine });

test('codec → gate → writer: nothing throws, every rejection has a reason, the state holds only finite, in-band values', () => {
  fc.assert(fc.property(fc.array(anyLine, { minLength: 1, maxLength: 40 }), (lines) => {
    const { registry, seed } = universe();
    const st = stateForUniverse(registry);
    const gate = new PlausibilityGate(kDefaultPlausibility, kDefaultAgentConfig.yield, st.snapshot);
    const tape = new Tape(64);
    const step = (line: string): string | null => {
      tape.reset();
      const why = decodeLine(line, registry, tape, 1);
      if (why !== null) return why;
      const reason = gate.admit(tape.rows, 0, tape.depth);
      if (reason !== null) return reason;
      st.writer.apply(tape.rows, 0, tape.depth, gate.held);
      gate.accepted(tape.rows, 0);
      return null;
    };
    for (const s of seed) assert.is(step(s), null);
    for (const line of lines) {
      const why = step(line);
      if (why !== null) {
        assert.type(why, 'string');
        assert.ok(why.length > 10, `a reason: ${why}`);
        assert.ok(/data|key|topic|ts|type|JSON|instrument|event|plausibility\.|spread|crossed|derived/.test(why), `the reason names a field or bound: ${why}`);
      }
    }
    // the state: finite values, books in band around the median of the venues
    const cap = st.capacity, c = st.arrays.columns;
    const at = (f: number, s: number): number => c[f * cap + s]!;
    const bookMids = new Map<string, number[]>();
    for (let s = 0; s < registry.size; s++) {
      const m = registry.meta(s);
      if (m.kind === kKindBook) {
        for (const f of [kBid, kAsk, kBidSize, kAskSize]) assert.ok(Number.isFinite(at(f, s)), `${m.key} field ${f} finite: ${at(f, s)}`);
        assert.ok(at(kBid, s) > 0 && at(kBid, s) <= at(kAsk, s), `${m.key} bid ${at(kBid, s)} ≤ ask ${at(kAsk, s)}`);
        (bookMids.get(m.base) ?? bookMids.set(m.base, []).get(m.base)!).push((at(kBid, s) + at(kAsk, s)) / 2);
      } else if (m.kind === kKindYield) {
        const apy = at(kApy, s), tvl = at(kTvl, s);
        assert.ok(apy >= kDefaultPlausibility.minApyPct && apy <= kDefaultPlausibility.maxApyPct, `${m.key} APY ${apy} within the caps`);
        assert.ok(tvl !== tvl || (tvl >= 0 && tvl <= kDefaultPlausibility.maxTvlUsd), `${m.key} TVL ${tvl} within the cap`);
        assert.ok(at(kYieldHeld, s) === 0 || at(kYieldHeld, s) === 1, 'held flag set');
      }
    }
    for (const [base, list] of bookMids) {
      // every venue within the band of the seed market, which holds the median: no single source can move it
      for (const mid of list) assert.ok(Math.abs(mid / mids[base]! - 1) <= 2 * kDefaultPlausibility.bandFraction + 1e-9, `${base} mid ${mid} near ${mids[base]}`);
    }
  }), { numRuns: 400, seed: 20261207 });
});

test('the property can fail: the codec alone lets a hostile price into the state; the gate with a market refuses it', () => {
  const { registry, seed } = universe();
  const st = stateForUniverse(registry);
  const gate = new PlausibilityGate(kDefaultPlausibility, kDefaultAgentConfig.yield, st.snapshot);
  const tape = new Tape(4);
  for (const s of seed) {
    tape.reset();
    assert.is(decodeLine(s, registry, tape, 0), null);
    assert.is(gate.admit(tape.rows, 0, tape.depth), null);
    st.writer.apply(tape.rows, 0, tape.depth, gate.held);
    gate.accepted(tape.rows, 0);
  }
  tape.reset();
  const line = JSON.stringify({ ts: kTs0 + 5, type: 'price_update', topic: 'market.prices.binance', key: 'binance:BTC/USDT', data: { venue: 'binance', base: 'BTC', quote: 'USDT', bid: 1e-9, ask: 1.0001e-9, bidSize: 1, askSize: 1 } });
  assert.is(decodeLine(line, registry, tape, 1), null, 'the codec alone takes it: the types are right');
  assert.match(gate.admit(tape.rows, 0, tape.depth) ?? '', /^plausibility: mid of data\.bid\/data\.ask 1\.00005e-9 is 100 % from the reference 60000 \(median of other venues, 2 sources\), more than 10 % \(bound plausibility\.bandFraction\)$/);
  const s = tape.rows[kTapeSlot]!;
  assert.is(st.arrays.columns[kBid * st.capacity + s], 59999, 'the gate kept the good quote');
  st.writer.apply(tape.rows, 0, tape.depth);
  assert.is(st.arrays.columns[kBid * st.capacity + s], 1e-9, 'without the gate the state would hold it');
});

test.run();
