// The reorder buffer: a k-way merge of partitions by the producer's sequence numbers, released only
// when no partition can still deliver an earlier event; bounded per partition; commit offsets that
// never pass an event still buffered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReleasedBatch, ReorderBuffer } from './merge.ts';
import {
  kTapeF0, kTapeLine, kTapePoolTickCount, kTapePoolTickRef, kTapePriceAskLevels, kTapePriceBidLevels, kTapePriceDepthRef,
  kTapeTs, kTapeType, kTapeWidth, Tape,
} from '../../../protocol/tape.ts';
import { kTickMapLevels } from '../../../protocol/layout.ts';
import { kTypePool, kTypePrice, kTypeYield } from '../../../protocol/events.ts';

const staging = new Tape(1);
function push(b: ReorderBuffer, p: number, offset: number, seq: number, ts = seq * 10): void {
  staging.reset();
  const r = staging.push();
  staging.rows[r * kTapeWidth + kTapeTs] = ts;
  staging.rows[r * kTapeWidth + kTapeType] = kTypeYield;
  b.push(p, staging.rows, r, staging.depth, offset, seq, 0, NaN);
}
function released(b: ReorderBuffer, cap = 64): { seq: number[]; ts: number[]; part: string[]; off: number[] } {
  const out = new ReleasedBatch(cap);
  const n = b.release(out);
  const r = { seq: [] as number[], ts: [] as number[], part: [] as string[], off: [] as number[] };
  for (let i = 0; i < n; i++) {
    r.seq.push(out.tape.rows[i * kTapeWidth + kTapeLine]!);
    r.ts.push(out.tape.rows[i * kTapeWidth + kTapeTs]!);
    r.part.push(b.name(out.partition[i]!));
    r.off.push(out.offset[i]!);
  }
  return r;
}

test('interleaved partitions leave in sequence order, and only when no partition can deliver an earlier event', () => {
  const b = new ReorderBuffer({ ordered: true, capacityPerPartition: 16 });
  const a = b.add('t/0', 0), c = b.add('t/1', 0), d = b.add('u/0', 0);
  push(b, a, 0, 1); push(b, a, 1, 4); push(b, c, 0, 2);
  assert.equal(released(b).seq, [], 'u/0 is empty and not ended: it may still hold seq 1');
  push(b, d, 0, 3);
  assert.equal(released(b).seq, [1, 2], 't/1 is now empty: seq 3 waits for it');
  push(b, c, 1, 5);
  assert.equal(released(b).seq, [3], 'u/0 is empty again: it may still hold seq 4');
  b.end(d);
  const r = released(b);
  assert.equal(r.seq, [4], 'u/0 ended; seq 5 waits: t/0 is empty and not ended');
  assert.equal(r.part, ['t/0']);
  b.end(a);
  assert.equal(released(b).seq, [5], 't/1 is not ended, but its own event is the next');
  assert.is(b.buffered, 0);
  assert.is(b.late, 0);
});

test('a watermark lets the merge go past a quiet partition up to the watermark', () => {
  const b = new ReorderBuffer({ ordered: true, capacityPerPartition: 16 });
  const a = b.add('t/0', 0), q = b.add('t/1', 0);
  push(b, a, 0, 10); push(b, a, 1, 11); push(b, a, 2, 20);
  assert.equal(released(b).seq, []);
  b.watermark(q, 11);
  assert.equal(released(b).seq, [10, 11], 'every event ≤ 11 of t/1 has been received (none)');
  b.watermark(q, 30);
  assert.equal(released(b).seq, [20]);
});

test('an idle partition stops holding back the merge; an event it delivers later is released late and counted', () => {
  const b = new ReorderBuffer({ ordered: true, capacityPerPartition: 16 });
  const a = b.add('t/0', 0), q = b.add('t/1', 0);
  push(b, a, 0, 5); push(b, a, 1, 7);
  b.setIdle(q, true);
  assert.equal(released(b).seq, [5, 7]);
  push(b, q, 0, 6); // arrives after 7 left: idle is cleared by the push
  b.end(a);
  assert.equal(released(b).seq, [6]);
  assert.is(b.late, 1);
});

test('an event without a sequence header follows the event before it in its partition; equal sequences go by partition name', () => {
  const b = new ReorderBuffer({ ordered: true, capacityPerPartition: 16 });
  const z = b.add('z/0', 0), a = b.add('a/0', 0);
  push(b, z, 0, 3); push(b, z, 1, NaN, 999); push(b, a, 0, 3, 111); push(b, a, 1, 8);
  b.end(z); b.end(a);
  const r = released(b);
  assert.equal(r.seq, [3, 3, 3, 8], 'the headerless event takes sequence 3 (its key epoch too)');
  assert.equal(r.part, ['a/0', 'z/0', 'z/0', 'a/0'], 'ties: a/0 sorts before z/0 although added later');
  assert.equal(r.ts, [111, 30, 999, 80]);
});

test('committable offsets never pass a buffered event; dead letters and control records move them on', () => {
  const b = new ReorderBuffer({ ordered: true, capacityPerPartition: 16 });
  const a = b.add('t/0', 100), q = b.add('t/1', 0);
  assert.is(b.committable(a), 100, 'nothing read yet: where reading starts');
  push(b, a, 100, 1); b.skip(a, 101); push(b, a, 102, 2); b.skip(a, 103);
  assert.is(b.committable(a), 100, 'the event at 100 is still buffered');
  b.end(q);
  const r = released(b, 1);
  assert.equal(r.off, [100]);
  assert.is(b.committable(a), 102, 'the dead letter at 101 is behind it; the event at 102 is not out yet');
  released(b);
  assert.is(b.committable(a), 104, 'all out, including the control record at 103');
});

test('the buffer is bounded per partition: space() says when to pause, push past it throws', () => {
  const b = new ReorderBuffer({ ordered: true, capacityPerPartition: 3 });
  assert.is(b.capacityPerPartition, 4, 'rounded up to a power of two');
  const a = b.add('t/0', 0);
  for (let i = 0; i < 4; i++) push(b, a, i, i + 1);
  assert.is(b.space(a), 0);
  assert.throws(() => push(b, a, 4, 5), /full/);
  b.end(a);
  assert.is(released(b, 3).seq.length, 3, 'the output batch bounds a release too');
  assert.is(b.space(a), 3);
});

test('a price update keeps its book levels through the buffer', () => {
  const b = new ReorderBuffer({ ordered: true, capacityPerPartition: 4 });
  const a = b.add('t/0', 0);
  const t = new Tape(1);
  for (let k = 0; k < 2; k++) {
    t.reset();
    const r = t.push();
    const o = r * kTapeWidth, f = o + kTapeF0;
    t.rows[o + kTapeType] = kTypePrice;
    const at = t.pushDepth(6 + 2 * k);
    for (let i = 0; i < 6 + 2 * k; i++) t.depth[at + i] = 100 * (k + 1) + i;
    t.rows[f + kTapePriceDepthRef] = at;
    t.rows[f + kTapePriceBidLevels] = 2;
    t.rows[f + kTapePriceAskLevels] = 1 + k;
    b.push(a, t.rows, r, t.depth, k, k + 1, 0, NaN);
  }
  b.end(a);
  const out = new ReleasedBatch(4);
  assert.is(b.release(out), 2);
  for (let k = 0; k < 2; k++) {
    const f = k * kTapeWidth + kTapeF0;
    const ref = out.tape.rows[f + kTapePriceDepthRef]!;
    const n = 2 * (out.tape.rows[f + kTapePriceBidLevels]! + out.tape.rows[f + kTapePriceAskLevels]!);
    assert.equal(Array.from(out.tape.depth.subarray(ref, ref + n)), Array.from({ length: 6 + 2 * k }, (_, i) => 100 * (k + 1) + i));
  }
});

test('a pool update keeps its tick map through the buffer, a full 16-tick map included', () => {
  const b = new ReorderBuffer({ ordered: true, capacityPerPartition: 4 });
  const a = b.add('t/0', 0);
  const t = new Tape(1);
  const sizes = [3, kTickMapLevels];
  for (let k = 0; k < 2; k++) {
    t.reset();
    const r = t.push();
    const o = r * kTapeWidth, f = o + kTapeF0;
    t.rows[o + kTapeType] = kTypePool;
    const at = t.pushDepth(2 * sizes[k]!);
    for (let i = 0; i < 2 * sizes[k]!; i++) t.depth[at + i] = 1000 * (k + 1) + i;
    t.rows[f + kTapePoolTickRef] = at;
    t.rows[f + kTapePoolTickCount] = sizes[k]!;
    b.push(a, t.rows, r, t.depth, k, k + 1, 0, NaN);
  }
  b.end(a);
  const out = new ReleasedBatch(4);
  assert.is(b.release(out), 2);
  for (let k = 0; k < 2; k++) {
    const f = k * kTapeWidth + kTapeF0;
    const ref = out.tape.rows[f + kTapePoolTickRef]!;
    assert.is(out.tape.rows[f + kTapePoolTickCount], sizes[k]);
    assert.equal(Array.from(out.tape.depth.subarray(ref, ref + 2 * sizes[k]!)), Array.from({ length: 2 * sizes[k]! }, (_, i) => 1000 * (k + 1) + i));
  }
});

test('unordered (realtime) releases what arrived without waiting for other partitions', () => {
  const b = new ReorderBuffer({ ordered: false, capacityPerPartition: 8 });
  const a = b.add('t/0', 0);
  b.add('t/1', 0);
  push(b, a, 0, 9); push(b, a, 1, 2);
  assert.equal(released(b).seq, [9, 2]);
});

test.run();
