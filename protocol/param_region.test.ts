// The parameter region: a reader sees a whole version or the one before, never half of one, while
// another thread writes; an unchanged region costs one load; bad writes are refused with why.
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kParamValuesF64 } from './layout.ts';
import { allocateParamRegion, ParamRegionReader, ParamRegionWriter } from './param_region.ts';

test('a write is seen whole at the next refresh, and nothing before it', () => {
  const buf = allocateParamRegion();
  const w = new ParamRegionWriter(buf);
  const r = new ParamRegionReader(buf);
  assert.is(r.refresh(), 0);
  assert.equal(Array.from(r.values), new Array(kParamValuesF64).fill(0));
  w.write(3, [0.5, -1, 2]);
  assert.is(r.version, 0, 'the reader keeps its copy until it refreshes');
  assert.is(r.refresh(), 3);
  assert.equal(Array.from(r.values).slice(0, 4), [0.5, -1, 2, 0]);
  w.write(0, [0, 1, 0]);
  assert.is(r.refresh(), 0);
  assert.equal(Array.from(r.values).slice(0, 3), [0, 1, 0]);
});

test('bad writes are refused, naming what was wrong', () => {
  const w = new ParamRegionWriter(allocateParamRegion());
  assert.throws(() => w.write(-1, [1]), /parameter version must be a non-negative integer, got -1/);
  assert.throws(() => w.write(1.5, [1]), /non-negative integer, got 1.5/);
  assert.throws(() => w.write(1, new Array(kParamValuesF64 + 1).fill(0)), new RegExp(`at most ${kParamValuesF64} parameters`));
});

test('while another thread writes, every refresh gives one whole version, never decreasing', async () => {
  const buf = allocateParamRegion();
  const r = new ParamRegionReader(buf);
  const n = 200_000;
  const worker = new Worker(new URL('./testing/param_writer_thread.ts', import.meta.url), { workerData: { buffer: buf, n } });
  let done = false;
  const finished = new Promise<void>((resolve, reject) => {
    worker.on('message', () => { done = true; resolve(); });
    worker.on('error', reject);
  });
  let reads = 0, changes = 0, last = 0;
  const check = (): void => {
    const v = r.refresh();
    reads++;
    assert.ok(v >= last, `version went back from ${last} to ${v}`);
    if (v !== last) changes++;
    last = v;
    for (let k = 0; k < kParamValuesF64; k++) if (r.values[k] !== v) assert.unreachable(`version ${v} read with parameter ${k} = ${r.values[k]} (a torn read)`);
  };
  while (!done) {
    for (let i = 0; i < 10_000; i++) check();
    await new Promise((res) => setImmediate(res));
  }
  await finished;
  check();
  assert.is(last, n, 'the last version is seen');
  assert.ok(changes > 1, `the reader saw the versions change while they were written (${changes} changes in ${reads} reads)`);
  await worker.terminate();
});

test.run();
