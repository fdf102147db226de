import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SlotSet } from './slot_set.ts';

test('keeps members sorted and unique, against a Set on a random sequence', () => {
  const s = new SlotSet(64);
  const ref = new Set<number>();
  let x = 7;
  for (let i = 0; i < 5000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const slot = x % 64;
    if ((x >> 8) & 1) { s.add(slot); ref.add(slot); } else { s.delete(slot); ref.delete(slot); }
    assert.is(s.size, ref.size);
    assert.is(s.has(slot), ref.has(slot));
  }
  const n = s.snapshot();
  const got = Array.from({ length: n }, (_, i) => s.snapshotAt(i));
  assert.equal(got, [...ref].sort((a, b) => a - b));
});

test('the snapshot is stable while members are removed', () => {
  const s = new SlotSet(8);
  for (const v of [5, 1, 3]) s.add(v);
  const n = s.snapshot();
  const seen: number[] = [];
  for (let i = 0; i < n; i++) { const v = s.snapshotAt(i); seen.push(v); s.delete(v); }
  assert.equal(seen, [1, 3, 5]);
  assert.is(s.size, 0);
});

test.run();
