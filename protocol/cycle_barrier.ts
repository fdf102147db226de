// The cycle hand-off between the main thread and the agent threads, in the spirit of the LMAX
// Disruptor's SequenceBarrier: the main thread requests a cycle (one shared counter moves), every
// agent thread waits for it, runs its agents and publishes its done counter (each on its own
// 64-byte line), and the main thread waits for the done counters to reach the cycle. How either
// side waits is the WaitStrategy object it was given. Nothing but counters crosses the threads,
// and nothing allocates per cycle.
//
// Each thread waits on its own request word (layout.ts ctlThreadReq): a cycle that wakes only some
// agents (request(ts, true): the arbitrage detector woken by a leg of its routes) moves the words of
// the threads that hold one of them (setWakeThreads) and of no other, and says it is not a full
// cycle (kThrReqFull stays), so such a thread runs only its woken agents. The threads left out are
// not woken and their done counters do not have to reach that cycle.
//
// Both sides hold a CycleBarrier over the same control block (protocol/layout.ts kCtl*): the main
// thread uses the requesting half (request, waitFor, completed, stop), an agent thread the other
// (arrive, next, fullRequested, publishDone, publishFailed).
import {
  ctlThreadDone, ctlThreadReq, kCtlCycle, kCtlCycleEpoch, kCtlCycleTs, kCtlEpoch, kCtlMainSleeping, kCtlReady, kCtlSleepers,
  kCtlStop, kMaxThreads, kThrReqCycle, kThrReqFull,
} from './layout.ts';
import { signal, type WaitStrategy } from './wait_strategy.ts';
import type { Fields } from './snapshot.ts';

/** A thread's done counter holds this when the thread failed (its task threw). */
export const kThreadFailed = -1;

export class CycleBarrier {
  readonly ctl: Int32Array;
  readonly strategy: WaitStrategy;
  readonly #ctlF64: Float64Array;
  readonly #done: Int32Array; // requesting side: the Int32 index of each thread's done counter
  readonly #req: Int32Array; // requesting side: the newest cycle requested of each thread
  readonly #wake: Uint8Array; // requesting side: 1 for a thread that holds an agent a wake runs
  #cycle = 0;
  #lastFull = 0; // the newest cycle requested that runs every agent

  /** `threads`: the agent threads the requesting side waits for (0 on an agent thread, and inline). */
  constructor(ctl: Int32Array, ctlF64: Float64Array, strategy: WaitStrategy, threads = 0) {
    this.ctl = ctl;
    this.#ctlF64 = ctlF64;
    this.strategy = strategy;
    this.#done = Int32Array.from({ length: threads }, (_, t) => ctlThreadDone(t));
    this.#req = new Int32Array(threads);
    this.#wake = new Uint8Array(threads);
  }

  /** The threads that a wake-only cycle is requested of (those holding an agent a wake runs). */
  setWakeThreads(threads: readonly number[]): void {
    this.#wake.fill(0);
    for (const t of threads) this.#wake[t] = 1;
  }

  // ---- requesting side (the main thread) ------------------------------------------------------

  /** The newest cycle requested. */
  get cycle(): number { return this.#cycle; }

  /** The newest full cycle requested (every agent runs; not a wake-only one). */
  get lastFull(): number { return this.#lastFull; }

  /**
   * Requests a cycle over the current epoch: the epoch and the triggering tick's event time (µs)
   * go into the control block first, then the request word of each thread concerned moves and
   * a parked one is woken. `wakeOnly`: only the threads of setWakeThreads() are concerned, and
   * they run only their woken agents. Returns the cycle's number.
   */
  request(cycleTsUs: number, wakeOnly = false): number {
    const ctl = this.ctl, req = this.#req, wake = this.#wake;
    const c = ++this.#cycle;
    if (!wakeOnly) this.#lastFull = c;
    Atomics.store(ctl, kCtlCycleEpoch, Atomics.load(ctl, kCtlEpoch));
    this.#ctlF64[kCtlCycleTs] = cycleTsUs;
    Atomics.store(ctl, kCtlCycle, c);
    for (let t = 0; t < req.length; t++) {
      if (wakeOnly && wake[t] === 0) continue;
      const line = ctlThreadReq(t);
      if (!wakeOnly) Atomics.store(ctl, line + kThrReqFull, c); // before the cycle word: a thread that sees c sees this
      req[t] = c;
      signal(ctl, line + kThrReqCycle, c, kCtlSleepers);
    }
    return c;
  }

  /**
   * Waits until every thread has published done ≥ `cycle`. False when a thread failed or
   * `timeoutMs` passed without its counter moving (it stops waiting for that thread).
   */
  waitFor(cycle: number, timeoutMs: number): boolean {
    const ctl = this.ctl, idx = this.#done, strategy = this.strategy, req = this.#req;
    let ok = true;
    for (let t = 0; t < idx.length; t++) {
      const target = req[t]! < cycle ? req[t]! : cycle; // a thread not asked for `cycle` owes only its own last one
      let d = Atomics.load(ctl, idx[t]!);
      while (d < target && d !== kThreadFailed) {
        const before = d;
        d = strategy.waitForChange(ctl, idx[t]!, d, kCtlMainSleeping, timeoutMs);
        if (d === before) { ok = false; break; } // deadline passed
      }
      if (d === kThreadFailed) ok = false;
    }
    return ok;
  }

  /**
   * The newest cycle every live thread has finished (failed threads do not hold it back). A thread
   * that finished every cycle requested of it holds nothing back.
   */
  completed(): number {
    const ctl = this.ctl, idx = this.#done, req = this.#req;
    let min = this.#cycle;
    for (let t = 0; t < idx.length; t++) {
      const d = Atomics.load(ctl, idx[t]!);
      if (d !== kThreadFailed && d < req[t]! && d < min) min = d;
    }
    return min;
  }

  /** True when thread t's done counter says it failed. */
  failed(t: number): boolean { return Atomics.load(this.ctl, this.#done[t]!) === kThreadFailed; }

  /**
   * A restore (engine/snapshot/): this side continues after cycle `cycle`, whose newest full cycle
   * was `lastFull`, with whatever thread count it has. Every thread line of the control block
   * (copied from a snapshot that may have been taken with another thread count, or inline, where
   * they are never written) is set as if each thread had been asked for and finished `cycle`, with
   * `lastFull` its newest full request, before any thread starts and reads them.
   */
  restoreCycles(cycle: number, lastFull: number): void {
    const ctl = this.ctl;
    this.#cycle = cycle;
    this.#lastFull = lastFull;
    this.#req.fill(cycle);
    for (let t = 0; t < kMaxThreads; t++) {
      Atomics.store(ctl, ctlThreadReq(t) + kThrReqFull, lastFull);
      Atomics.store(ctl, ctlThreadReq(t) + kThrReqCycle, cycle);
      Atomics.store(ctl, ctlThreadDone(t), cycle);
    }
  }

  /** Before (re)starting thread t: its done counter starts at the newest cycle requested. */
  resetThread(t: number): void { Atomics.store(this.ctl, this.#done[t]!, this.#cycle); }

  /** Threads that have entered their loop (arrive()). */
  arrived(): number { return Atomics.load(this.ctl, kCtlReady); }

  /** Tells every thread to return from its loop, waking the parked ones. */
  stop(): void {
    const ctl = this.ctl;
    Atomics.store(ctl, kCtlStop, 1);
    Atomics.store(ctl, kCtlCycle, this.#cycle + 1);
    for (let t = 0; t < this.#req.length; t++) {
      signal(ctl, ctlThreadReq(t) + kThrReqCycle, this.#cycle + 1, kCtlSleepers);
      Atomics.notify(ctl, ctlThreadReq(t) + kThrReqCycle);
    }
  }

  // ---- agent-thread side ----------------------------------------------------------------------

  /** The thread entered its loop (wakes a main thread waiting for the threads to start). */
  arrive(): void {
    Atomics.add(this.ctl, kCtlReady, 1);
    if (Atomics.load(this.ctl, kCtlMainSleeping) > 0) Atomics.notify(this.ctl, kCtlReady);
  }

  /** The newest cycle requested of thread t so far (where it starts waiting from). */
  requested(t: number): number { return Atomics.load(this.ctl, ctlThreadReq(t) + kThrReqCycle); }

  /** The newest cycle requested of thread t that runs all its agents (read after next() saw the cycle). */
  fullRequested(t: number): number { return Atomics.load(this.ctl, ctlThreadReq(t) + kThrReqFull); }

  /** Thread t waits for a cycle after `last`: its number, or `last` when `timeoutMs` passed first. */
  next(t: number, last: number, timeoutMs: number): number {
    return this.strategy.waitForChange(this.ctl, ctlThreadReq(t) + kThrReqCycle, last, kCtlSleepers, timeoutMs);
  }

  /** True once the requesting side called stop(). */
  stopping(): boolean { return Atomics.load(this.ctl, kCtlStop) !== 0; }

  /** Thread t finished `cycle`: publishes its done counter and wakes a parked main thread. */
  publishDone(t: number, cycle: number): void { signal(this.ctl, ctlThreadDone(t), cycle, kCtlMainSleeping); }

  /** Thread t failed: a main thread waiting for it stops waiting at once. */
  publishFailed(t: number): void { signal(this.ctl, ctlThreadDone(t), kThreadFailed, kCtlMainSleeping); }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('ctl');
    v.b('strategy');
    v.b('ctlF64');
    v.b('done');
    v.b('req');
    v.b('wake');
    this.#cycle = v.f('cycle', this.#cycle);
    this.#lastFull = v.f('lastFull', this.#lastFull);
  }
}
