// Wait strategies, as the Disruptor offers them: busy-spin, block (Atomics.wait), or hybrid
// (spin a while, then block). The waiter announces itself in a sleepers counter before it
// parks, and the signaller calls Atomics.notify only when someone is parked: an uncontended
// hand-off costs a store and a load, never a syscall.

export const kWaitSpin = 0;
export const kWaitBlock = 1;
export const kWaitHybrid = 2;
export const kWaitNames = ['spin', 'block', 'hybrid'] as const;
export type WaitName = (typeof kWaitNames)[number];

export function waitCode(name: WaitName): number {
  return kWaitNames.indexOf(name);
}

/** Spin iterations before a hybrid waiter parks (a few microseconds on current cores). */
export const kHybridSpins = 20_000;
const kSpinClockEvery = 4096;

/**
 * Waits until ctl[index] !== value. Returns the new value, or `value` itself if `timeoutMs`
 * passed first. `sleepers` is the Int32 index of the counter the signaller checks.
 */
export function waitForChange(ctl: Int32Array, index: number, value: number, strategy: number, sleepers: number, timeoutMs: number): number {
  let v = Atomics.load(ctl, index);
  if (v !== value) return v;
  const deadline = performance.now() + timeoutMs;
  if (strategy !== kWaitBlock) {
    const limit = strategy === kWaitSpin ? Infinity : kHybridSpins;
    for (let i = 1; i <= limit; i++) {
      v = Atomics.load(ctl, index);
      if (v !== value) return v;
      if ((i & (kSpinClockEvery - 1)) === 0 && performance.now() > deadline) return value;
    }
  }
  Atomics.add(ctl, sleepers, 1);
  try {
    for (;;) {
      v = Atomics.load(ctl, index);
      if (v !== value) return v;
      const left = deadline - performance.now();
      if (left <= 0) return value;
      Atomics.wait(ctl, index, value, left);
    }
  } finally {
    Atomics.sub(ctl, sleepers, 1);
  }
}

/** Publishes ctl[index] = value and wakes parked waiters, if any. */
export function signal(ctl: Int32Array, index: number, value: number, sleepers: number): void {
  Atomics.store(ctl, index, value);
  if (Atomics.load(ctl, sleepers) > 0) Atomics.notify(ctl, index);
}

/** A thread's done counter holds this when the thread failed (its task threw). */
export const kThreadFailed = -1;
