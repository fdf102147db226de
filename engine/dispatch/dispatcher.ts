// The main thread's side of dispatch. Agents run either on resident Piscina threads (which own
// the threads' lifecycle, restart a crashed worker and apply resource limits) or inline on the
// main thread, or both: with threads, the main thread may run its own share of the agents
// (`mainAgents`) during each cycle while the threads run theirs, so a cycle costs about the
// largest share plus the hand-off instead of the hand-off plus an idle main thread.
// Either way a cycle is requested through the cycle barrier (protocol/cycle_barrier.ts):
// one shared counter moves, no message per cycle.
// A cycle is either full (every agent runs) or a wake (request(ts, true)): only the agents named
// in `wakeAgents` run (the arbitrage detector, woken by a leg of its routes, engine/arb_wake.ts),
// inline, in the main share or on their threads; a thread holding none of them is not woken.
import { Piscina } from 'piscina';
import { AgentThreadError } from '../../protocol/errors.ts';
import type { MarketArrays, MarketStateBuffers } from '../../protocol/market_state.ts';
import { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import { type AgentConfig, AgentRunner, createAgent } from '../../workers/agents/index.ts';
import type { ResultRegionBuffers } from '../../protocol/result_region.ts';
import type { AgentThreadReport, AgentThreadTask, CrashAt } from '../../workers/agent_thread.ts';
import { CycleBarrier } from '../../protocol/cycle_barrier.ts';
import { kResBusyUs } from '../../protocol/layout.ts';
import type { EngineMetrics, EngineMetricsHandoff } from '../../protocol/metrics/engine_metrics.ts';
import type { WaitStrategy } from '../../protocol/wait_strategy.ts';
import { kTimRequest, kTimShareEnd, kTimWaitEnd } from './cycle_breakdown.ts';
import { ctlThreadReq, kCtlSnapshot, kThrReqCycle } from '../../protocol/layout.ts';
import { restoreState, saveState } from '../../protocol/snapshot.ts';
import { randomUUID } from 'node:crypto';

export interface DispatcherOptions {
  state: MarketStateBuffers;
  arrays: MarketArrays;
  registry: RegistrySnapshot;
  config: AgentConfig;
  regions: Map<string, ResultRegionBuffers>;
  topology: string[][]; // [] = inline
  /** With threads: agents the main thread runs itself in each cycle, while the threads run theirs. */
  mainAgents?: readonly string[] | undefined;
  wait: WaitStrategy;
  /** Threads may spin (adaptive wait): the process has a core for each of them and the main thread. */
  spinAllowed?: boolean;
  /** Start the threads' loops on this pool's resident (already warm) workers instead of a new pool. */
  pool?: Piscina | undefined;
  cycleTimeoutMs: number;
  threadHeapMb?: number | undefined;
  /** A test hook: the thread of this agent dies mid-cycle (once: its replacement runs normally). */
  crashAt?: CrashAt | undefined;
  onThreadError?: (thread: number, err: Error) => void;
  /** Record each agent's evaluation time into the metrics block: thread t into region t + 1, inline agents into main's. */
  metrics?: DispatchMetrics | undefined;
  /** The agents a wake-only cycle runs (request(ts, true)); none by default. */
  wakeAgents?: readonly string[] | undefined;
}

export interface DispatchMetrics {
  /** Null: no region for this thread (it does not record). */
  handoff(region: number): EngineMetricsHandoff | null;
  main: EngineMetrics;
  agentIndex: ReadonlyMap<string, number>;
}

export interface Dispatcher {
  readonly threads: number;
  /** Agents run on the main thread (all of them inline; the main share with threads). */
  readonly mainAgents: readonly string[];
  /** The agents a wake-only cycle runs (DispatcherOptions.wakeAgents). */
  readonly wakeAgents: readonly string[];
  /** Clock reads of the newest cycle (cycle_breakdown.ts kTim*), for the cycle breakdown. */
  readonly timing: Float64Array;
  start(): Promise<void>;
  /** Publishes a cycle over the current epoch; returns its number. `wakeOnly`: only the wakeAgents run. */
  request(cycleTsUs: number, wakeOnly?: boolean): number;
  /** The newest full cycle (every agent ran) up to `cycle`: what the agents a wake does not run last published. */
  fullThrough(cycle: number): number;
  /** Blocks until every thread finished `cycle`. False when a thread failed or missed the deadline. */
  awaitCycle(cycle: number): boolean;
  /** The newest cycle that every thread has finished (realtime polling). */
  completed(): number;
  /** True when an agent thread has died and waits for supervise() (a few atomic loads). */
  lost(): boolean;
  /** Replaces failed threads at once (it needs the event loop: a source calls it as soon as lost() says so). */
  supervise(): Promise<number>;
  /** Agent threads running now (started, not failed, not stopped). */
  running?(): number;
  /** Threads replaced so far. */
  readonly restarts: number;
  stop(): Promise<AgentThreadReport[]>;
  /** The cycle barrier (a snapshot holds its cycle count). */
  readonly barrier?: CycleBarrier;
  /**
   * Saves every agent's state (engine/snapshot/): the main thread's own, and each thread's, which
   * the thread saves itself when asked (one request and one message per thread, between cycles).
   */
  saveAgents?(): Promise<Map<string, Uint8Array>>;
  /** Before start(): the agents start from these saved states (by agent name) instead of fresh. */
  restoreAgents?(states: Map<string, Uint8Array>, cycle: number, lastFull: number): void;
  /** Before stop(): stop() then keeps the worker pool alive, returned here (a dispatcher started on it has warm threads). */
  detachPool?(): Piscina | null;
}

export function createDispatcher(o: DispatcherOptions): Dispatcher {
  return o.topology.length === 0 ? new InlineDispatcher(o) : new ThreadDispatcher(o);
}

const kFullRing = 1 << 16;

/**
 * For each cycle requested, the newest full cycle up to it (a ring: realtime consolidates a
 * cycle some way behind the newest request). A cycle older than the ring holds reads as full.
 */
class FullCycles {
  readonly #ring = new Int32Array(kFullRing);
  #last = 0; // newest full cycle
  #newest = 0;
  note(cycle: number, full: boolean): void {
    if (full) this.#last = cycle;
    this.#ring[cycle & (kFullRing - 1)] = this.#last;
    this.#newest = cycle;
  }
  /** A restore: `cycle` was the newest requested, `lastFull` the newest full one up to it. */
  restore(cycle: number, lastFull: number): void {
    this.#ring.fill(0);
    this.#last = lastFull;
    this.#ring[cycle & (kFullRing - 1)] = lastFull;
    this.#newest = cycle;
  }
  through(cycle: number): number {
    return this.#newest - cycle >= kFullRing ? cycle : this.#ring[cycle & (kFullRing - 1)]!;
  }
}

/** 1 for each name in `names` that a wake runs. */
function wakeFlags(names: readonly string[], o: DispatcherOptions): Uint8Array {
  return Uint8Array.from(names, (n) => (o.wakeAgents?.includes(n) ? 1 : 0));
}

/** Builds runners for `names` over a main-thread view of the state. */
function mainRunners(o: DispatcherOptions, names: Iterable<string>, restore: Map<string, Uint8Array> | null): AgentRunner[] {
  const view = new MarketView(o.state);
  const out: AgentRunner[] = [];
  for (const name of names) {
    const r = new AgentRunner(name, createAgent(name), view, o.registry, o.config, o.regions.get(name)!);
    const saved = restore?.get(name);
    if (saved !== undefined) restoreState(saved, { agent: r });
    out.push(r);
  }
  return out;
}

function saveRunners(runners: readonly AgentRunner[], into: Map<string, Uint8Array>): Map<string, Uint8Array> {
  for (const r of runners) into.set(r.name, saveState({ agent: r }));
  return into;
}

class InlineDispatcher implements Dispatcher {
  readonly threads = 0;
  readonly mainAgents: readonly string[];
  readonly wakeAgents: readonly string[];
  readonly timing = new Float64Array(8);
  readonly o: DispatcherOptions;
  readonly #barrier: CycleBarrier;
  #restore: Map<string, Uint8Array> | null = null;
  #runners: AgentRunner[] = [];
  #wakes: Uint8Array = new Uint8Array(0);
  readonly #full = new FullCycles();
  #done = 0;
  #metrics: EngineMetrics | null = null;
  #metricIndex: number[] = [];

  constructor(o: DispatcherOptions) {
    this.o = o;
    this.#barrier = new CycleBarrier(o.arrays.ctl, o.arrays.ctlF64, o.wait);
    this.mainAgents = [...o.regions.keys()];
    this.wakeAgents = [...(o.wakeAgents ?? [])];
  }

  async start(): Promise<void> {
    this.#runners = mainRunners(this.o, this.o.regions.keys(), this.#restore);
    this.#wakes = wakeFlags([...this.o.regions.keys()], this.o);
    for (const name of this.o.regions.keys()) this.#metricIndex.push(this.o.metrics?.agentIndex.get(name) ?? -1);
    this.#metrics = this.o.metrics?.main ?? null;
  }
  request(cycleTsUs: number, wakeOnly = false): number {
    const tim = this.timing;
    tim[kTimRequest] = performance.now();
    const c = this.#barrier.request(cycleTsUs, wakeOnly); // no thread lines: only its count of full cycles
    this.#full.note(c, !wakeOnly);
    const runners = this.#runners, wakes = this.#wakes;
    const m = this.#metrics;
    for (let i = 0; i < runners.length; i++) {
      if (wakeOnly && wakes[i] === 0) continue;
      runners[i]!.run(c);
      if (m !== null) m.decision(this.#metricIndex[i]!, runners[i]!.out.arrays.metrics[kResBusyUs]! * 1e-6);
    }
    this.#done = c;
    tim[kTimWaitEnd] = tim[kTimShareEnd] = performance.now();
    return c;
  }
  fullThrough(cycle: number): number { return this.#full.through(cycle); }
  get barrier(): CycleBarrier { return this.#barrier; }
  async saveAgents(): Promise<Map<string, Uint8Array>> { return saveRunners(this.#runners, new Map()); }
  restoreAgents(states: Map<string, Uint8Array>, cycle: number, lastFull: number): void {
    this.#restore = states;
    this.#barrier.restoreCycles(cycle, lastFull);
    this.#full.restore(cycle, lastFull);
  }
  running(): number { return 0; }
  awaitCycle(cycle: number): boolean { return this.#done >= cycle; }
  completed(): number { return this.#done; }
  lost(): boolean { return false; }
  async supervise(): Promise<number> { return 0; }
  readonly restarts = 0;
  async stop(): Promise<AgentThreadReport[]> { return []; }
}

class ThreadDispatcher implements Dispatcher {
  readonly threads: number;
  readonly mainAgents: readonly string[];
  readonly wakeAgents: readonly string[];
  readonly timing = new Float64Array(8);
  readonly o: DispatcherOptions;
  readonly #barrier: CycleBarrier;
  #main: AgentRunner[] = [];
  #mainWakes: Uint8Array = new Uint8Array(0);
  readonly #full = new FullCycles();
  #mainMetrics: EngineMetrics | null = null;
  #mainIdx: number[] = [];
  #pool: Piscina | null = null;
  #keepPool = false;
  #runs: Promise<AgentThreadReport | null>[] = [];
  #failed: (Error | null)[] = [];
  #stopped = false;
  #launched: boolean[] = [];
  #supervising: Promise<number> | null = null;
  #restore: Map<string, Uint8Array> | null = null;
  readonly #channelName = `lucent-snapshot-${randomUUID()}`;
  #channel: BroadcastChannel | null = null;
  restarts = 0;

  constructor(o: DispatcherOptions) {
    this.o = o;
    this.threads = o.topology.length;
    this.#barrier = new CycleBarrier(o.arrays.ctl, o.arrays.ctlF64, o.wait, this.threads);
    this.mainAgents = [...(o.mainAgents ?? [])];
    this.wakeAgents = [...(o.wakeAgents ?? [])];
  }

  async start(): Promise<void> {
    const n = this.threads;
    this.#main = mainRunners(this.o, this.mainAgents, this.#restore);
    this.#mainWakes = wakeFlags(this.mainAgents, this.o);
    const wakeThreads: number[] = [];
    this.o.topology.forEach((g, t) => { if (g.some((a) => this.o.wakeAgents?.includes(a))) wakeThreads.push(t); });
    this.#barrier.setWakeThreads(wakeThreads);
    this.#mainMetrics = this.o.metrics?.main ?? null;
    this.#mainIdx = this.mainAgents.map((name) => this.o.metrics?.agentIndex.get(name) ?? -1);
    this.#pool = this.o.pool ?? new Piscina({
      filename: new URL('../../workers/agent_thread.ts', import.meta.url).href,
      minThreads: n,
      maxThreads: n,
      concurrentTasksPerWorker: 1,
      idleTimeout: 2 ** 31 - 1,
      maxQueue: n,
      ...(this.o.threadHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: this.o.threadHeapMb } } : {}),
    });
    for (let t = 0; t < n; t++) this.#launch(t);
    // Wait for every loop to be running before the first tick.
    const deadline = performance.now() + 30_000;
    while (this.#barrier.arrived() < n) {
      const failed = this.#failed.find((f) => f !== null);
      if (failed) throw new AgentThreadError(`an agent thread failed at start: ${failed.message}`, { cause: failed });
      if (performance.now() > deadline) throw new AgentThreadError(`agent threads did not start within 30 s (${this.#barrier.arrived()}/${n} ready)`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  #launch(t: number): void {
    const task: AgentThreadTask = {
      thread: t,
      agents: this.o.topology[t]!.map((name) => ({ name, region: this.o.regions.get(name)!, wake: this.o.wakeAgents?.includes(name) ?? false })),
      state: this.o.state,
      registry: this.o.registry,
      config: this.o.config,
      wait: this.o.wait.name,
      spinAllowed: this.o.spinAllowed ?? true,
      timeOrigin: performance.timeOrigin,
      crashAt: this.#launched[t] ? undefined : this.o.crashAt, // a replacement runs normally
      metrics: this.#threadMetrics(t),
      snapshotChannel: this.#channelName,
      // the saved states at the first start only: a replacement thread starts fresh, as after a crash
      restore: this.#launched[t] || this.#restore === null ? undefined
        : Object.fromEntries(this.o.topology[t]!.flatMap((name) => { const s = this.#restore!.get(name); return s === undefined ? [] : [[name, s]]; })),
    };
    this.#launched[t] = true;
    this.#failed[t] = null;
    this.#barrier.resetThread(t);
    this.#runs[t] = this.#pool!.run(task).then(
      (r: AgentThreadReport) => r,
      (err: Error) => {
        this.#failed[t] = err;
        this.o.onThreadError?.(t, err);
        return null;
      },
    );
  }

  request(cycleTsUs: number, wakeOnly = false): number {
    const tim = this.timing;
    tim[kTimRequest] = performance.now();
    const c = this.#barrier.request(cycleTsUs, wakeOnly);
    this.#full.note(c, !wakeOnly);
    const main = this.#main, wakes = this.#mainWakes;
    const m = this.#mainMetrics;
    for (let i = 0; i < main.length; i++) { // the main thread's share, while the threads run theirs
      if (wakeOnly && wakes[i] === 0) continue;
      main[i]!.run(c);
      if (m !== null) m.decision(this.#mainIdx[i]!, main[i]!.out.arrays.metrics[kResBusyUs]! * 1e-6);
    }
    tim[kTimShareEnd] = main.length > 0 ? performance.now() : tim[kTimRequest]!;
    return c;
  }
  awaitCycle(cycle: number): boolean {
    const ok = this.#barrier.waitFor(cycle, this.o.cycleTimeoutMs);
    this.timing[kTimWaitEnd] = performance.now();
    return ok;
  }
  completed(): number { return this.#barrier.completed(); }
  fullThrough(cycle: number): number { return this.#full.through(cycle); }

  lost(): boolean {
    for (let t = 0; t < this.threads; t++) if (this.#barrier.failed(t) || this.#failed[t]) return true;
    return false;
  }

  supervise(): Promise<number> {
    // One replacement at a time: a second caller (a Kafka lane's pump and its flush) waits for the
    // one in progress instead of launching the same thread again.
    if (this.#supervising) return this.#supervising;
    const run = this.#superviseOnce().finally(() => { this.#supervising = null; });
    this.#supervising = run;
    return run;
  }

  async #superviseOnce(): Promise<number> {
    // A crashed thread marks its done counter before its task rejects; only then is there
    // anything to wait for (the rejection lands on a later turn of the event loop).
    if (!this.lost()) return 0;
    const settle = performance.now() + 5_000;
    do await new Promise((r) => setTimeout(r, 1)); // let rejections of crashed runs land
    while (this.#failed.some((f, t) => f === null && this.#barrier.failed(t)) && performance.now() < settle);
    let restarted = 0;
    for (let t = 0; t < this.threads; t++) {
      if (this.#failed[t]) {
        const before = this.#barrier.arrived();
        this.#launch(t);
        const deadline = performance.now() + 30_000;
        while (this.#barrier.arrived() <= before && !this.#failed[t] && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1));
        }
        restarted++;
      }
    }
    this.restarts += restarted;
    return restarted;
  }

  get barrier(): CycleBarrier { return this.#barrier; }
  restoreAgents(states: Map<string, Uint8Array>, cycle: number, lastFull: number): void {
    this.#restore = states;
    this.#barrier.restoreCycles(cycle, lastFull);
    this.#full.restore(cycle, lastFull);
  }

  async saveAgents(): Promise<Map<string, Uint8Array>> {
    const out = saveRunners(this.#main, new Map());
    if (this.#channel === null) { this.#channel = new BroadcastChannel(this.#channelName); (this.#channel as unknown as { unref(): void }).unref(); }
    const ch = this.#channel;
    const ctl = this.o.arrays.ctl;
    const want = new Set(Array.from({ length: this.threads }, (_, t) => t));
    const request = Atomics.add(ctl, kCtlSnapshot, 1) + 1;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { ch.onmessage = null; reject(new AgentThreadError(`agent threads ${[...want].join(', ')} did not save their agents within 30 s`)); }, 30_000);
      ch.onmessage = (ev: MessageEvent) => {
        const m = ev.data as { thread: number; request: number; states: [string, Uint8Array][] };
        if (m.request !== request || !want.has(m.thread)) return;
        for (const [name, bytes] of m.states) out.set(name, bytes);
        want.delete(m.thread);
        if (want.size === 0) { clearTimeout(timer); ch.onmessage = null; resolve(); }
      };
      if (want.size === 0) { clearTimeout(timer); resolve(); }
      for (let t = 0; t < this.threads; t++) Atomics.notify(ctl, ctlThreadReq(t) + kThrReqCycle); // a parked thread looks at once (else within its idle check)
    });
    return out;
  }

  #threadMetrics(t: number): AgentThreadTask['metrics'] {
    const handoff = this.o.metrics?.handoff(t + 1) ?? null;
    return handoff === null ? undefined : { handoff, agents: this.o.topology[t]!.map((name) => this.o.metrics!.agentIndex.get(name) ?? -1) };
  }

  running(): number {
    if (this.#stopped) return 0;
    let n = 0;
    for (let t = 0; t < this.threads; t++) if (this.#runs[t] !== undefined && !this.#failed[t] && !this.#barrier.failed(t)) n++;
    return n;
  }

  async stop(): Promise<AgentThreadReport[]> {
    this.#stopped = true;
    this.#channel?.close();
    this.#barrier.stop();
    const reports = (await Promise.all(this.#runs)).filter((r): r is AgentThreadReport => r !== null);
    if (!this.#keepPool) await this.#pool?.destroy();
    return reports;
  }

  detachPool(): Piscina | null {
    this.#keepPool = true;
    const p = this.#pool;
    return p;
  }
}
