// The metrics block: layout offsets, single-writer recording, refusals counted, totals summed
// over regions, and layout errors that name what is wrong.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OptionError } from '../../../protocol/errors.ts';
import { allocateBlock, BlockLayout, kSlotRejected, type BlockSpec } from '../../../protocol/metrics/block_layout.ts';
import { BlockReader } from './block_reader.ts';
import { MetricsWriter, openWriter } from '../../../protocol/metrics/block_writer.ts';

const spec: BlockSpec = {
  writers: 3,
  families: [
    { name: 'c_total', help: 'a counter', kind: 'counter', labelNames: ['k'], series: [['a'], ['b']] },
    { name: 'g', help: 'a gauge', kind: 'gauge', labelNames: [], series: [[]] },
    { name: 'h_seconds', help: 'a histogram', kind: 'histogram', labelNames: ['k'], series: [['a'], ['b']], buckets: [0.001, 0.01, 0.1] },
  ],
};

test('layout: reserved slot, strides, regions padded to lines plus a guard line', () => {
  const l = new BlockLayout(spec);
  assert.is(l.counter('c_total', ['a']), 1);
  assert.is(l.counter('c_total', { k: 'b' }), 2);
  assert.is(l.gauge('g'), 3);
  const ha = l.histogram('h_seconds', ['a']);
  const hb = l.histogram('h_seconds', ['b']);
  assert.is(ha.at, 4);
  assert.is(hb.at, 4 + 5, 'three bounds + the +Inf count + the sum');
  assert.equal([...ha.bounds], [0.001, 0.01, 0.1]);
  // 14 slots used → 16 (two lines) + a guard line = 24 slots = 192 bytes per region
  assert.is(l.regionSlots, 24);
  assert.is(l.byteLength, 24 * 8 * 3);
  assert.is(allocateBlock(l).byteLength, l.byteLength);
});

test('writer: exact bucket placement at, below and above the bounds; the sum; refusals counted', () => {
  const l = new BlockLayout(spec);
  const buf = allocateBlock(l);
  const w = new MetricsWriter(l, buf, 1);
  const h = l.histogram('h_seconds', ['a']);
  for (const v of [0, 0.001, 0.0010001, 0.01, 0.05, 0.1, 0.1000001, 7, -1]) w.observe(h, v);
  w.observe(h, NaN);
  w.observe(h, Infinity);
  const f = new Float64Array(buf, l.regionSlots * 8 * 1, l.regionSlots);
  // le 0.001: 0, 0.001, -1 · le 0.01: 0.0010001, 0.01 · le 0.1: 0.05, 0.1 · +Inf: 0.1000001, 7
  assert.equal([...f.subarray(h.at, h.at + 4)], [3, 2, 2, 2]);
  assert.ok(Math.abs(f[h.at + 4] - (0 + 0.001 + 0.0010001 + 0.01 + 0.05 + 0.1 + 0.1000001 + 7 - 1)) < 1e-12);
  w.add(l.counter('c_total', ['b']), 2.5);
  w.add(l.counter('c_total', ['b']), -1);
  w.add(l.counter('c_total', ['b']), NaN);
  w.inc(l.counter('c_total', ['a']));
  w.set(l.gauge('g'), -4);
  w.set(l.gauge('g'), Infinity);
  assert.is(f[l.counter('c_total', ['b'])], 2.5);
  assert.is(f[l.counter('c_total', ['a'])], 1);
  assert.is(f[l.gauge('g')], -4, 'a refused set leaves the last value');
  assert.is(f[kSlotRejected], 5, 'NaN and Infinity observations, a negative and a NaN increment, an infinite gauge');
  const region0 = new Float64Array(buf, 0, l.regionSlots);
  assert.ok(region0.every((x) => x === 0), 'region 1 wrote nothing outside its region');
});

test('reader: totals are the sum over regions; histogram counts are cumulative, count = +Inf', () => {
  const l = new BlockLayout(spec);
  const buf = allocateBlock(l);
  const ws = [0, 1, 2].map((r) => openWriter({ spec, buffer: buf, region: r }));
  const h = l.histogram('h_seconds', ['b']);
  ws[0].observe(h, 0.0005);
  ws[1].observe(h, 0.005);
  ws[2].observe(h, 0.5);
  ws[2].observe(h, 0.005);
  ws.forEach((w, r) => w.add(l.counter('c_total', ['a']), r + 1));
  ws[1].set(l.gauge('g'), 7);
  ws[0].reject();
  const rd = new BlockReader(l, buf);
  assert.is(rd.value(l.family('c_total'), 0), 6);
  assert.is(rd.value(l.family('g'), 0), 7);
  const t = rd.histogram(l.family('h_seconds'), 1);
  assert.equal([...t.cumulative], [1, 3, 3, 4]);
  assert.is(t.count, 4);
  assert.ok(Math.abs(t.sum - 0.5105) < 1e-12);
  const empty = rd.histogram(l.family('h_seconds'), 0);
  assert.equal([...empty.cumulative], [0, 0, 0, 0]);
  assert.is(rd.rejected(), 1);
});

test('layout and writer errors name what is wrong', () => {
  const bad = (s: unknown, re: RegExp): void => {
    assert.throws(() => new BlockLayout(s as BlockSpec), (e: Error) => e instanceof OptionError && re.test(e.message), String(re));
  };
  bad({ writers: 0, families: [] }, /metrics\.writers must be an integer in 1\.\.256, got 0/);
  bad({ writers: 1, families: [{ ...spec.families[0], name: 'bad-name' }] }, /family name "bad-name" is not a valid metric name/);
  bad({ writers: 1, families: [spec.families[0], spec.families[0]] }, /family c_total is declared twice/);
  bad({ writers: 1, families: [{ ...spec.families[0], series: [['a'], ['a']] }] }, /c_total lists the series \{k="a"\} twice/);
  bad({ writers: 1, families: [{ ...spec.families[0], series: [['a', 'b']] }] }, /c_total series \["a","b"\] must give a non-empty value for each of k/);
  bad({ writers: 1, families: [{ ...spec.families[2], labelNames: ['le'], series: [['x']] }] }, /h_seconds label name "le" is not allowed/);
  bad({ writers: 1, families: [{ ...spec.families[2], buckets: [0.1, 0.01] }] }, /h_seconds\.buckets must be strictly increasing/);
  bad({ writers: 1, families: [{ ...spec.families[0], buckets: [1] }] }, /c_total is a counter; only histograms take buckets/);
  const l = new BlockLayout(spec);
  assert.throws(() => l.counter('c_total', ['z']), /c_total has no series \{k="z"\}/);
  assert.throws(() => l.counter('g'), /g is a gauge, not a counter/);
  assert.throws(() => l.counter('c_total', { k: 'a', j: 'b' }), /c_total has no label j/);
  assert.throws(() => l.counter('nope'), /no family named nope/);
  assert.throws(() => new MetricsWriter(l, allocateBlock(l), 3), /metrics region must be an integer in 0\.\.2, got 3/);
  assert.throws(() => new MetricsWriter(l, new SharedArrayBuffer(8), 0), /metrics buffer is 8 bytes, the layout needs 576/);
});

test.run();
