// An agent's records through ResultWriter: pushNext() (the numbers taken from `next`) writes the
// same record as push() with the numbers as arguments, counts overflow the same way, and
// allocates nothing per record (V8's total_allocated_bytes, not timed; push() from a call site
// V8 does not inline boxes each double argument, 16 B apiece).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeapStatistics } from 'node:v8';
import { kRecAux, kRecordWidth, kRecRisk, kRecScore, kRecSize, kRecValue } from './layout.ts';
import { allocateResultRegion, ResultWriter } from './result_region.ts';

const allocated = (): number => getHeapStatistics().total_allocated_bytes;

test('pushNext writes what push writes, and overflows the same', () => {
  const a = new ResultWriter(allocateResultRegion({ maxRecords: 3, tableWidth: 1, capacity: 4 }));
  const b = new ResultWriter(allocateResultRegion({ maxRecords: 3, tableWidth: 1, capacity: 4 }));
  for (const cycle of [1, 2]) {
    a.begin(cycle); b.begin(cycle);
    for (let i = 0; i < 4; i++) {
      const nums = [0.1 * i + cycle, -1.5e12, NaN, Infinity, 2 ** -1074 * (i + 1)] as const;
      const pa = a.push(7 + i, i, -1, ...nums);
      const n = b.next;
      n[kRecScore] = nums[0]; n[kRecValue] = nums[1]; n[kRecSize] = nums[2]; n[kRecRisk] = nums[3]; n[kRecAux] = nums[4];
      const pb = b.pushNext(7 + i, i, -1);
      assert.is(pb, pa, `record ${i} of cycle ${cycle}: accepted alike`);
    }
    assert.is(b.count, a.count);
  }
  assert.is(b.overflow, 2, 'one record over the bank each cycle');
  assert.is(b.overflow, a.overflow);
  const ra = a.arrays.records, rb = b.arrays.records;
  for (let i = 0; i < ra.length; i++) assert.ok(Object.is(ra[i], rb[i]), `record cell ${i}: ${rb[i]} against ${ra[i]}`);
});

test('pushNext allocates nothing per record (1,000,000 records a round, the least of 6 rounds)', () => {
  const w = new ResultWriter(allocateResultRegion({ maxRecords: 1024, tableWidth: 1, capacity: 4 }));
  const round = (n: number): void => {
    const x = w.next;
    for (let i = 0; i < n; i++) {
      if ((i & 1023) === 0) w.begin(i >> 10);
      x[kRecScore] = i * 0.25 + 0.1; x[kRecValue] = i * 1e-3; x[kRecSize] = 1e6 / (i + 1); x[kRecRisk] = 0.5; x[kRecAux] = -i * 0.75;
      w.pushNext(3, i & 3, -1);
    }
  };
  round(100_000);
  let least = Infinity;
  for (let r = 0; r < 6; r++) {
    const a0 = allocated();
    round(1_000_000);
    least = Math.min(least, (allocated() - a0) / 1_000_000);
  }
  console.log(`  pushNext: ${least.toFixed(3)} B per record`);
  assert.ok(least < 1, `${least} B per record`);
  assert.is(w.arrays.records.length % kRecordWidth, 0);
});

test.run();
