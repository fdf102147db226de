// How a thread waits for a shared Int32 counter to move, as the Disruptor offers it: busy-spin,
// block (Atomics.wait), or hybrid (spin a while, then block). A strategy is an object with one
// method; the loop lives inside it, so a wait costs one call however long it spins. A waiter that
// parks announces itself in a sleepers counter first, and the signaller calls Atomics.notify only
// when someone is parked: an uncontended hand-off costs a store and a load, never a syscall.
// A new strategy (one that backs off when cores are contended, say) is one more class here.

export const kWaitNames = ['spin', 'block', 'hybrid'] as const;
export type WaitName = (typeof kWaitNames)[number];

export interface WaitStrategy {
  readonly name: WaitName;
  /**
   * Waits until ctl[index] !== value. Returns the new value, or `value` itself if `timeoutMs`
   * passed first. `sleepers` is the Int32 index of the counter the signaller checks before it
   * notifies.
   */
  waitForChange(ctl: Int32Array, index: number, value: number, sleepers: number, timeoutMs: number): number;
}

/** Spin iterations before a hybrid waiter parks (a few microseconds on current cores). */
export const kHybridSpins = 20_000;
const kSpinClockEvery = 4096; // a spinning waiter reads the clock this often (for its deadline)

/** Spins up to `spins` times (Infinity: until the deadline); the value seen, or `value` if it never moved. */
function spin(ctl: Int32Array, index: number, value: number, spins: number, deadline: number): number {
  for (let i = 1; i <= spins; i++) {
    const v = Atomics.load(ctl, index);
    if (v !== value) return v;
    if ((i & (kSpinClockEvery - 1)) === 0 && performance.now() > deadline) return value;
  }
  return value;
}

/** Parks in Atomics.wait, announced in ctl[sleepers], until the value moves or the deadline passes. */
function park(ctl: Int32Array, index: number, value: number, sleepers: number, deadline: number): number {
  Atomics.add(ctl, sleepers, 1);
  try {
    for (;;) {
      const v = Atomics.load(ctl, index);
      if (v !== value) return v;
      const left = deadline - performance.now();
      if (left <= 0) return value;
      Atomics.wait(ctl, index, value, left);
    }
  } finally {
    Atomics.sub(ctl, sleepers, 1);
  }
}

/** Busy-spins on the counter: the lowest latency, a core burnt while waiting. */
export class SpinWait implements WaitStrategy {
  readonly name = 'spin';
  waitForChange(ctl: Int32Array, index: number, value: number, _sleepers: number, timeoutMs: number): number {
    const v = Atomics.load(ctl, index);
    return v !== value ? v : spin(ctl, index, value, Infinity, performance.now() + timeoutMs);
  }
}

/** Parks in Atomics.wait at once: no core burnt, a wake-up (tens of µs) per hand-off. */
export class BlockWait implements WaitStrategy {
  readonly name = 'block';
  waitForChange(ctl: Int32Array, index: number, value: number, sleepers: number, timeoutMs: number): number {
    const v = Atomics.load(ctl, index);
    return v !== value ? v : park(ctl, index, value, sleepers, performance.now() + timeoutMs);
  }
}

/** Spins `spins` times, then parks: fast when work comes soon, quiet when it does not. */
export class HybridWait implements WaitStrategy {
  readonly name = 'hybrid';
  readonly spins: number;
  constructor(spins = kHybridSpins) {
    this.spins = spins;
  }
  waitForChange(ctl: Int32Array, index: number, value: number, sleepers: number, timeoutMs: number): number {
    const v = Atomics.load(ctl, index);
    if (v !== value) return v;
    const deadline = performance.now() + timeoutMs;
    const w = spin(ctl, index, value, this.spins, deadline);
    if (w !== value || performance.now() > deadline) return w;
    return park(ctl, index, value, sleepers, deadline);
  }
}

/** The strategy of a name (threads receive the name and build their own). */
export function waitStrategy(name: WaitName): WaitStrategy {
  switch (name) {
    case 'spin': return new SpinWait();
    case 'block': return new BlockWait();
    case 'hybrid': return new HybridWait();
  }
}

/** Publishes ctl[index] = value and wakes parked waiters, if any. */
export function signal(ctl: Int32Array, index: number, value: number, sleepers: number): void {
  Atomics.store(ctl, index, value);
  if (Atomics.load(ctl, sleepers) > 0) Atomics.notify(ctl, index);
}
