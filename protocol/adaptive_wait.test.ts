// The adaptive wait strategy's decisions, driven by a fake clock (performance.now replaced for the
// test) that also plays the other thread: it moves the counter after a given number of reads.
// Real threads waiting with it are covered by cycle_barrier.test.ts (every wait strategy).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdaptiveWait, kAdaptiveMaxSpinMs, kDescheduledGapMs } from './wait_strategy.ts';

const realNow = performance.now.bind(performance);

/**
 * A clock that advances `stepMs` per read and stores `value` into ctl[0] at read number `flipAt`;
 * from read `jumpAt` on it advances `jumpMs` per read (a thread that lost its core).
 */
function fakeClock(ctl: Int32Array, stepMs: number, flipAt: number, value = 1, jumpAt = -1, jumpMs = 0): () => void {
  let t = 1000, reads = 0;
  performance.now = (): number => {
    reads++;
    if (reads === flipAt) Atomics.store(ctl, 0, value);
    t += jumpAt > 0 && reads >= jumpAt ? jumpMs : stepMs;
    return t;
  };
  return () => { performance.now = realNow; };
}

test('a counter that already moved returns at once, without spinning or parking', () => {
  const ctl = new Int32Array(new SharedArrayBuffer(64));
  ctl[0] = 5;
  const w = new AdaptiveWait(true);
  assert.is(w.waitForChange(ctl, 0, 4, 8, 10), 5);
  assert.is(w.spun + w.parked, 0);
});

test('spinning not allowed (no core for it): it parks, and returns the old value at the deadline', () => {
  const ctl = new Int32Array(new SharedArrayBuffer(64));
  const w = new AdaptiveWait(false);
  assert.is(w.budgetMs(), 0);
  assert.is(w.waitForChange(ctl, 0, 0, 8, 3), 0);
  assert.is(w.parked, 1);
  assert.is(w.spun, 0);
  assert.is(Atomics.load(ctl, 8), 0, 'the sleepers counter is back to 0');
});

test('fake clock: short waits are won by spinning; a descheduling gap stops spinning for a while', () => {
  const ctl = new Int32Array(new SharedArrayBuffer(64));
  const w = new AdaptiveWait(true);
  assert.ok(w.budgetMs() > 0 && w.budgetMs() <= kAdaptiveMaxSpinMs);
  // The other side moves the counter after a few clock reads, 1 µs apart: won by spinning.
  let restore = fakeClock(ctl, 0.001, 3);
  try { assert.is(w.waitForChange(ctl, 0, 0, 8, 1000), 1); } finally { restore(); }
  assert.is(w.spun, 1);
  assert.is(w.parked, 0);
  // Now the spinning thread loses its core: one clock read jumps by more than kDescheduledGapMs.
  ctl[0] = 0;
  restore = fakeClock(ctl, 0.001, -1, 1, 2, kDescheduledGapMs * 4);
  let v: number;
  try { v = w.waitForChange(ctl, 0, 0, 8, 5); } finally { restore(); }
  assert.is(v, 0, 'nothing moved: the deadline passed while parked');
  assert.is(w.descheduled, 1);
  assert.is(w.parked, 1);
  assert.is(w.budgetMs(), 0, 'no spinning right after a descheduling');
});

test('fake clock: waits longer than the spin cap teach it to park at once', () => {
  const ctl = new Int32Array(new SharedArrayBuffer(64));
  const w = new AdaptiveWait(true);
  // Each wait ends after 3 clock reads × 0.6 ms (the counter moves while it is parked).
  for (let i = 0; i < 40; i++) {
    ctl[0] = 0;
    const restore = fakeClock(ctl, 0.6, 3);
    try { assert.is(w.waitForChange(ctl, 0, 0, 8, 1000), 1); } finally { restore(); }
  }
  assert.ok(w.typicalWaitMs > kAdaptiveMaxSpinMs, `typical wait ${w.typicalWaitMs} ms`);
  assert.is(w.budgetMs(realNow() + 1e9), 0, 'the typical wait is too long to spin for, even after any back-off');
});

test.run();
