// A decision's inputs as JSON text (decisionInputsText, built straight into one string) are exactly
// the JSON of the object form (decisionInputsJson): every state kind, unknown instruments, values
// that are not finite, records naming unknown slots and instruments named twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { kFieldCount, kKindNames, kRecordWidth } from '../../protocol/layout.ts';
import { DecisionInputs, decisionInputsJson, decisionInputsText, hasInputsText, inputsOf, numberJson } from './decision_inputs.ts';
import { InputsFormatter } from './inputs_formatter.ts';
import type { MarketArrays } from '../../protocol/market_state.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { Decision, Proposal } from '../types.ts';

const kSlots = 8;
const value = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1e21, 5e-324), fc.integer({ min: -3, max: kSlots + 2 }));

test('decisionInputsText is JSON.stringify(decisionInputsJson) for any captured inputs', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: kKindNames.length + 1 }), { minLength: kSlots, maxLength: kSlots }),
    fc.array(value, { minLength: kSlots * kFieldCount, maxLength: kSlots * kFieldCount }),
    fc.array(value, { minLength: 0, maxLength: 6 * kRecordWidth }),
    fc.array(fc.oneof(fc.integer({ min: 0, max: kSlots - 1 }).map((i) => `venue:"I${i}"\\é`), fc.constant('unknown:X')), { minLength: 1, maxLength: 4 }),
    fc.integer({ min: -1, max: 1_000_000 }),
    (kinds, cells, recs, instruments, cycle) => {
      const capacity = kSlots;
      const columns = new Float64Array(kFieldCount * capacity);
      for (let s = 0; s < kSlots; s++) for (let f = 0; f < kFieldCount; f++) columns[f * capacity + s] = cells[s * kFieldCount + f]!;
      const meta = kinds.map((kind, i) => ({ key: `venue:"I${i}"\\é`, kind }));
      const records = new Float64Array(recs.length - (recs.length % kRecordWidth));
      records.set(recs.slice(0, records.length));
      // every record names slot 0 in slotA or slotB half the time, so capture keeps some
      for (let at = 0; at < records.length; at += kRecordWidth * 2) records[at + 1] = 0;
      const reader = { name: 'agent_a', offset: 0, count: records.length / kRecordWidth, records } as unknown as ResultReader;
      const cap = new DecisionInputs({ arrays: { columns, capacity } as unknown as MarketArrays, snapshot: { meta } as unknown as RegistrySnapshot, readers: [reader] });
      const d = { agent: 'agent_a', instruments: [...instruments, `venue:"I0"\\é`] } as unknown as Decision;
      cap.capture({ cycle, realizesPnl: false } as unknown as Proposal, d);
      assert.ok(inputsOf(d));
      assert.is(decisionInputsText(d), JSON.stringify(decisionInputsJson(d)));
    },
  ), { numRuns: 300 });
});

test('no inputs captured: no metadata', () => {
  const d = { agent: 'a', instruments: ['x'] } as unknown as Decision;
  assert.is(decisionInputsText(d), undefined);
  assert.is(decisionInputsJson(d), undefined);
});

/** n decisions with captured inputs over one small registry. */
function captured(n: number): Decision[] {
  const capacity = 4;
  const columns = new Float64Array(kFieldCount * capacity).map((_, i) => (i % 7 === 3 ? NaN : i * 1.25 - 3));
  const meta = [1, 2, 3, 5].map((kind, i) => ({ key: `v:I${i}`, kind }));
  const records = new Float64Array(3 * kRecordWidth).map((_, i) => (i % kRecordWidth === 1 ? i % 4 : i / 3));
  const reader = { name: 'agent_a', offset: 0, count: 3, records } as unknown as ResultReader;
  const cap = new DecisionInputs({ arrays: { columns, capacity } as unknown as MarketArrays, snapshot: { meta } as unknown as RegistrySnapshot, readers: [reader] });
  return Array.from({ length: n }, (_, i) => {
    const d = { agent: 'agent_a', instruments: [`v:I${i % 4}`, `v:I${(i + 1) % 4}`] } as unknown as Decision;
    cap.capture({ cycle: i, realizesPnl: false } as unknown as Proposal, d);
    return d;
  });
}

test('the inputs worker formats a batch in one message, with the same text as the main thread', async () => {
  const ds = captured(50);
  const expected = ds.map((d) => decisionInputsText(d));
  const f = new InputsFormatter();
  try {
    await f.format(ds);
    assert.is(f.batches, 1);
    assert.is(f.formatted, 50);
    assert.ok(ds.every(hasInputsText));
    assert.equal(ds.map((d) => decisionInputsText(d)), expected);
    await f.format(ds); // already formatted: nothing sent
    assert.is(f.batches, 1);
  } finally {
    await f.close();
  }
});

test('without the worker (closed or gone) format() resolves and the main thread formats: nothing lost', async () => {
  const f = new InputsFormatter();
  await f.close();
  const ds = captured(5);
  await f.format(ds);
  assert.is(f.formatted, 0);
  assert.ok(!ds.some(hasInputsText));
  assert.equal(ds.map((d) => decisionInputsText(d)), ds.map((d) => JSON.stringify(decisionInputsJson(d))));
});


test('numbers in the inputs text are written exactly as JSON.stringify writes them', () => {
  const edges = [0, -0, 1, -1, 9, 10, 99, 100, 1e15, 1e16 - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, 1e21, 1e21 - 65536, -1e21, 1e-7, 1e-6, 1.5e-7, 123456789.125,
    0.1, 0.2 + 0.1, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, 4.35, 0.000001234, 1723075226475737, 123e-20, NaN, Infinity, -Infinity];
  for (const v of edges) assert.is(numberJson(v), JSON.stringify(v), `${v}`);
  assert.is(numberJson(NaN), 'null', 'not finite: null, as in JSON');
  // every bit pattern a double can have (NaNs included), integers of every size, and prices with a few decimals
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  for (let i = 0; i < 200_000; i++) {
    words[0] = (Math.random() * 2 ** 32) >>> 0;
    words[1] = (Math.random() * 2 ** 32) >>> 0;
    const v = bits[0]!;
    if (numberJson(v) !== JSON.stringify(v)) assert.is(numberJson(v), JSON.stringify(v), `bits ${words[1]!.toString(16)}:${words[0]!.toString(16)}`);
    const k = Math.round((Math.random() - 0.5) * 2 ** Math.floor(Math.random() * 60));
    if (numberJson(k) !== JSON.stringify(k)) assert.is(numberJson(k), JSON.stringify(k), `integer ${k}`);
    const p = Math.round(Math.random() * 1e8) / 10 ** Math.floor(Math.random() * 9);
    if (numberJson(p) !== JSON.stringify(p)) assert.is(numberJson(p), JSON.stringify(p), `price ${p}`);
  }
  fc.assert(fc.property(fc.double(), (v) => numberJson(v) === JSON.stringify(v)), { numRuns: 20_000 });
});

test('pieces written before are reused only for the same values, kinds and keys (one registry, many decisions)', () => {
  // a few slots whose columns change now and then (to NaN, -0, Infinity and back), records of the
  // same kind and slots with changing values, a slot that gets its key later and one whose kind changes
  const capacity = 6;
  const columns = new Float64Array(kFieldCount * capacity).map((_, i) => i * 0.5);
  const meta: { key: string; kind: number }[] = [1, 2, 3, 4, 5].map((kind, i) => ({ key: `v:é${i}`, kind }));
  const records = new Float64Array(4 * kRecordWidth);
  const reader = { name: 'agent_a', offset: 0, count: 4, records } as unknown as ResultReader;
  const cap = new DecisionInputs({ arrays: { columns, capacity } as unknown as MarketArrays, snapshot: { meta } as unknown as RegistrySnapshot, readers: [reader] });
  const odd = [NaN, -0, 0, Infinity, -Infinity, 1e21, 5e-324, 0.1, 7];
  let seed = 7;
  const rnd = (k: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % k; };
  for (let i = 0; i < 600; i++) {
    if (rnd(3) === 0) columns[rnd(kFieldCount) * capacity + rnd(capacity)] = rnd(2) === 0 ? odd[rnd(odd.length)]! : rnd(1000) / 8;
    for (let r = 0; r < 4; r++) {
      const at = r * kRecordWidth;
      records[at] = 1 + (r % 2);
      records[at + 1] = r % 2 === 0 ? 0 : 5; // slot 5 has no key until i = 300
      records[at + 2] = r;
      if (rnd(4) === 0) records[at + 3 + rnd(kRecordWidth - 3)] = odd[rnd(odd.length)]!;
    }
    if (i === 300) meta.push({ key: 'v:late', kind: 1 });
    if (i === 400) meta[2]!.kind = 5; // a slot's kind changes: its piece is written afresh
    const d = { agent: 'agent_a', instruments: [`v:é${rnd(5)}`, 'unknown', `v:é${(i % 4) + 1}`].filter((k, j, all) => all.indexOf(k) === j) } as unknown as Decision;
    cap.capture({ cycle: i, realizesPnl: false } as unknown as Proposal, d);
    assert.is(decisionInputsText(d), JSON.stringify(decisionInputsJson(d)), `decision ${i}`);
  }
});

test('a record piece is written afresh when a slot it names gets its key', () => {
  const capacity = 4;
  const columns = new Float64Array(kFieldCount * capacity).fill(1);
  const meta: { key: string; kind: number }[] = [{ key: 'v:a', kind: 1 }, { key: 'v:b', kind: 1 }];
  const records = new Float64Array(kRecordWidth).fill(2);
  records[1] = 0; // slotA: v:a
  records[2] = 3; // slotB: no key yet
  const reader = { name: 'agent_a', offset: 0, count: 1, records } as unknown as ResultReader;
  const cap = new DecisionInputs({ arrays: { columns, capacity } as unknown as MarketArrays, snapshot: { meta } as unknown as RegistrySnapshot, readers: [reader] });
  const texts: string[] = [];
  for (let i = 0; i < 3; i++) {
    if (i === 2) meta.push({ key: 'v:c', kind: 2 }, { key: 'v:d€', kind: 2 });
    const d = { agent: 'agent_a', instruments: ['v:a'] } as unknown as Decision;
    cap.capture({ cycle: 1, realizesPnl: false } as unknown as Proposal, d);
    texts.push(decisionInputsText(d)!);
    assert.is(texts[i], JSON.stringify(decisionInputsJson(d)));
  }
  assert.is(texts[1], texts[0]);
  assert.match(texts[0]!, '"slotBKey":null');
  assert.match(texts[2]!, '"slotBKey":"v:d€"');
});

test.run();
