// How a thread waits for a shared Int32 counter to move, as the Disruptor offers it: busy-spin,
// block (Atomics.wait), or hybrid (spin a while, then block). A strategy is an object with one
// method; the loop lives inside it, so a wait costs one call however long it spins. A waiter that
// parks announces itself in a sleepers counter first, and the signaller calls Atomics.notify only
// when someone is parked: an uncontended hand-off costs a store and a load, never a syscall.
// `adaptive` spins only as long as waits have recently been short, and stops spinning for a while
// when it measures that it is not being scheduled (see AdaptiveWait).

export const kWaitNames = ['spin', 'block', 'hybrid', 'adaptive'] as const;
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

/** Longest an adaptive waiter spins before it parks (ms). */
export const kAdaptiveMaxSpinMs = 0.2;
/** A gap this long (ms) between two clock reads of a spinning waiter means it was descheduled. */
export const kDescheduledGapMs = 0.25;
const kBackoffMinMs = 20; // after a descheduling, no spinning for this long (doubling while it recurs)
const kBackoffMaxMs = 2_000;
const kAdaptiveClockEvery = 64; // spin iterations between clock reads

/**
 * Spins while that pays, parks otherwise, and backs off when the cores are contended:
 * - spinning is allowed at all only when the process has a core for each spinning thread
 *   (`spinAllowed`, from os.availableParallelism() and the thread count, decided by the caller);
 * - the spin budget follows the recent wait times (an EWMA): twice the typical wait, at most
 *   kAdaptiveMaxSpinMs, so a waiter whose work arrives later than that parks at once;
 * - while spinning it reads the clock every 64 iterations; a gap above kDescheduledGapMs means the
 *   OS took the core away (another process, or the thread it waits for needs it): it parks, and
 *   does not spin again for a back-off time that doubles while descheduling recurs.
 * Counters say how often it won by spinning, parked, and was descheduled.
 */
export class AdaptiveWait implements WaitStrategy {
  readonly name = 'adaptive';
  readonly spinAllowed: boolean;
  spun = 0;
  parked = 0;
  descheduled = 0;
  #avgWaitMs = 0.02;
  #backoffMs = kBackoffMinMs;
  #noSpinUntil = 0;

  constructor(spinAllowed = true) {
    this.spinAllowed = spinAllowed;
  }

  /** The recent typical wait (ms, an EWMA). */
  get typicalWaitMs(): number { return this.#avgWaitMs; }

  /** The current spin budget (ms); 0 while backing off or when spinning is not allowed. */
  budgetMs(now = performance.now()): number {
    if (!this.spinAllowed || now < this.#noSpinUntil) return 0;
    const b = 2 * this.#avgWaitMs;
    return b > kAdaptiveMaxSpinMs ? 0 : b;
  }

  waitForChange(ctl: Int32Array, index: number, value: number, sleepers: number, timeoutMs: number): number {
    let v = Atomics.load(ctl, index);
    if (v !== value) return v;
    const start = performance.now();
    const deadline = start + timeoutMs;
    const budget = this.budgetMs(start);
    if (budget > 0) {
      const spinEnd = Math.min(deadline, start + budget);
      let last = start;
      for (let i = 1; ; i++) {
        v = Atomics.load(ctl, index);
        if (v !== value) {
          this.spun++;
          this.#learn(performance.now() - start);
          return v;
        }
        if ((i & (kAdaptiveClockEvery - 1)) === 0) {
          const now = performance.now();
          if (now - last > kDescheduledGapMs) { this.#backOff(now); break; }
          if (now > spinEnd) break;
          last = now;
        }
      }
    }
    v = park(ctl, index, value, sleepers, deadline);
    this.parked++;
    if (v !== value) this.#learn(performance.now() - start);
    return v;
  }

  #learn(waitMs: number): void {
    this.#avgWaitMs += (waitMs - this.#avgWaitMs) * 0.125;
    if (this.#backoffMs > kBackoffMinMs && waitMs < kAdaptiveMaxSpinMs) this.#backoffMs = Math.max(kBackoffMinMs, this.#backoffMs / 2);
  }

  #backOff(now: number): void {
    this.descheduled++;
    this.#noSpinUntil = now + this.#backoffMs;
    this.#backoffMs = Math.min(kBackoffMaxMs, this.#backoffMs * 2);
  }
}

/** The strategy of a name (threads receive the name and build their own). `spinAllowed`: adaptive only. */
export function waitStrategy(name: WaitName, spinAllowed = true): WaitStrategy {
  switch (name) {
    case 'spin': return new SpinWait();
    case 'block': return new BlockWait();
    case 'hybrid': return new HybridWait();
    case 'adaptive': return new AdaptiveWait(spinAllowed);
  }
}

/** Publishes ctl[index] = value and wakes parked waiters, if any. */
export function signal(ctl: Int32Array, index: number, value: number, sleepers: number): void {
  Atomics.store(ctl, index, value);
  if (Atomics.load(ctl, sleepers) > 0) Atomics.notify(ctl, index);
}
