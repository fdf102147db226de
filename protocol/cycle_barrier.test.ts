// The cycle barrier on real threads, under each wait strategy: every thread sees each requested
// cycle with the epoch it was requested over, waitFor returns once all are done, a failed thread
// makes it return false at once, and a thread that never answers makes it return false at the
// deadline.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { CycleBarrier } from './cycle_barrier.ts';
import { ctlThreadDone, kCtlEpoch, kCtlF64Count, kCtlF64Offset, kCtlInt32Count, kMaxThreads } from './layout.ts';
import { kWaitNames, waitStrategy, type WaitName } from './wait_strategy.ts';

const kThread = new URL('./testing/barrier_thread.ts', import.meta.url);

function control(): { buffer: SharedArrayBuffer; ctl: Int32Array; ctlF64: Float64Array } {
  const buffer = new SharedArrayBuffer(kCtlF64Offset + kCtlF64Count * 8);
  return { buffer, ctl: new Int32Array(buffer, 0, kCtlInt32Count), ctlF64: new Float64Array(buffer, kCtlF64Offset, kCtlF64Count) };
}

async function start(wait: WaitName, threads: number, failAt = -1): Promise<{ barrier: CycleBarrier; ctl: Int32Array; seen: Int32Array[]; workers: Promise<unknown>[] }> {
  const c = control();
  const barrier = new CycleBarrier(c.ctl, c.ctlF64, waitStrategy(wait), threads);
  const seen: Int32Array[] = [];
  const workers: Promise<unknown>[] = [];
  for (let t = 0; t < threads; t++) {
    const buf = new SharedArrayBuffer(64 * 4);
    seen.push(new Int32Array(buf));
    const w = new Worker(kThread, { workerData: { control: c.buffer, seen: buf, thread: t, wait, failAt: t === 0 ? failAt : -1 } });
    workers.push(new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); }));
  }
  while (barrier.arrived() < threads) await new Promise((r) => setTimeout(r, 1));
  return { barrier, ctl: c.ctl, seen, workers };
}

for (const wait of kWaitNames) {
  test(`${wait}: two threads see every cycle with its epoch, and waitFor returns when both are done`, async () => {
    const { barrier, ctl, seen, workers } = await start(wait, 2);
    for (let i = 1; i <= 40; i++) {
      Atomics.store(ctl, kCtlEpoch, 100 + i); // as the state writer publishes ticks
      const c = barrier.request(1.7e15 + i);
      assert.is(c, i);
      assert.ok(barrier.waitFor(c, 5_000), `cycle ${c} done`);
      assert.is(barrier.completed(), c);
      for (const s of seen) assert.is(s[c], 100 + i, `cycle ${c} was requested over epoch ${100 + i}`);
    }
    barrier.stop();
    await Promise.all(workers);
  });
}

test('a thread that fails makes waitFor return false at once, and completed() skips it', async () => {
  const { barrier, workers } = await start('block', 2, 3);
  for (let i = 1; i <= 2; i++) assert.ok(barrier.waitFor(barrier.request(0), 5_000));
  const t0 = performance.now();
  const c = barrier.request(0);
  assert.not.ok(barrier.waitFor(c, 10_000), 'cycle 3: thread 0 failed');
  assert.ok(performance.now() - t0 < 5_000, 'without waiting for the deadline');
  assert.ok(barrier.failed(0));
  assert.not.ok(barrier.failed(1));
  assert.is(barrier.completed(), 3, 'the live thread finished cycle 3');
  barrier.stop();
  await Promise.all(workers);
});

test('a thread that never answers: waitFor returns false at the deadline', () => {
  const c = control();
  const barrier = new CycleBarrier(c.ctl, c.ctlF64, waitStrategy('hybrid'), 1);
  const t0 = performance.now();
  assert.not.ok(barrier.waitFor(barrier.request(0), 30));
  assert.ok(performance.now() - t0 >= 29, 'waited for the deadline');
  assert.is(barrier.completed(), 0);
});


test('restoreCycles: every thread line is set to the restored cycle whatever thread count wrote the block, and a wake-only cycle after it owes nothing of the threads it does not wake', () => {
  // a control block as a 3-thread engine left it (a snapshot's), restored into a 2-thread engine
  const c = control();
  const old = new CycleBarrier(c.ctl, c.ctlF64, waitStrategy('block'), 3);
  old.setWakeThreads([1]);
  for (let i = 0; i < 5; i++) old.request(1e15 + i);
  old.request(2e15, true); // cycle 6: wake-only, thread 1 only
  for (let t = 0; t < 3; t++) Atomics.store(c.ctl, ctlThreadDone(t), t === 1 ? 6 : 5);
  assert.is(old.lastFull, 5);
  const b = new CycleBarrier(c.ctl, c.ctlF64, waitStrategy('block'), 2);
  b.setWakeThreads([0]);
  b.restoreCycles(old.cycle, old.lastFull);
  assert.is(b.cycle, 6);
  assert.is(b.lastFull, 5);
  for (let t = 0; t < kMaxThreads; t++) {
    assert.is(b.requested(t), 6, `thread ${t}'s request word`);
    assert.is(b.fullRequested(t), 5, `thread ${t}'s full request`);
    assert.is(Atomics.load(c.ctl, ctlThreadDone(t)), 6, `thread ${t}'s done counter`);
  }
  b.resetThread(1); // a thread (re)started after the restore starts done with the restored cycle
  assert.is(Atomics.load(c.ctl, ctlThreadDone(1)), 6);
  assert.is(b.completed(), 6);
  const w = b.request(3e15, true); // cycle 7 wakes thread 0 only: thread 1 owes nothing
  assert.is(w, 7);
  assert.is(b.fullRequested(0), 5, 'a wake-only cycle is not a full one');
  Atomics.store(c.ctl, ctlThreadDone(0), 7);
  assert.ok(b.waitFor(7, 0), 'thread 1 (not woken) holds nothing back');
  assert.is(b.completed(), 7);
  b.request(4e15);
  assert.is(b.lastFull, 8);
  assert.is(b.fullRequested(1), 8);
});

test.run();
