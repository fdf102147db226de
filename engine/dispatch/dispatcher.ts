// The main thread's side of dispatch. Agents run either on resident Piscina threads (which own
// the threads' lifecycle, restart a crashed worker and apply resource limits) or inline on the
// main thread. Either way a cycle is requested by bumping a shared counter: no message per cycle.
import { Piscina } from 'piscina';
import { AgentThreadError } from '../../protocol/errors.ts';
import {
  ctlThreadDone, kCtlCycle, kCtlCycleEpoch, kCtlCycleTs, kCtlEpoch, kCtlMainSleeping, kCtlReady, kCtlSleepers, kCtlStop,
} from '../../protocol/layout.ts';
import type { MarketArrays, MarketStateBuffers } from '../../protocol/market_state.ts';
import { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import { AgentRunner } from '../../workers/agents/agent.ts';
import type { AgentConfig } from '../../workers/agents/config.ts';
import { createAgent } from '../../workers/agents/index.ts';
import type { ResultRegionBuffers } from '../../protocol/result_region.ts';
import type { AgentThreadReport, AgentThreadTask } from '../../workers/agent_thread.ts';
import { kThreadFailed, signal, waitForChange } from '../../protocol/wait.ts';

export interface DispatcherOptions {
  state: MarketStateBuffers;
  arrays: MarketArrays;
  registry: RegistrySnapshot;
  config: AgentConfig;
  regions: Map<string, ResultRegionBuffers>;
  topology: string[][]; // [] = inline
  wait: number;
  cycleTimeoutMs: number;
  threadHeapMb?: number | undefined;
  crashAt?: { agent: string; cycle: number } | undefined;
  onThreadError?: (thread: number, err: Error) => void;
}

export interface Dispatcher {
  readonly threads: number;
  start(): Promise<void>;
  /** Publishes a cycle over the current epoch; returns its number. */
  request(cycleTsUs: number): number;
  /** Blocks until every thread finished `cycle`. False when a thread failed or missed the deadline. */
  awaitCycle(cycle: number): boolean;
  /** The newest cycle that every thread has finished (realtime polling). */
  completed(): number;
  /** Restarts failed threads; call between chunks (it needs the event loop). */
  supervise(): Promise<number>;
  stop(): Promise<AgentThreadReport[]>;
}

export function createDispatcher(o: DispatcherOptions): Dispatcher {
  return o.topology.length === 0 ? new InlineDispatcher(o) : new ThreadDispatcher(o);
}

abstract class BaseDispatcher {
  protected readonly o: DispatcherOptions;
  protected readonly ctl: Int32Array;
  protected cycle = 0;
  constructor(o: DispatcherOptions) {
    this.o = o;
    this.ctl = o.arrays.ctl;
  }
  protected publish(cycleTsUs: number): number {
    const ctl = this.ctl;
    this.cycle++;
    Atomics.store(ctl, kCtlCycleEpoch, Atomics.load(ctl, kCtlEpoch));
    this.o.arrays.ctlF64[kCtlCycleTs] = cycleTsUs;
    return this.cycle;
  }
}

class InlineDispatcher extends BaseDispatcher implements Dispatcher {
  readonly threads = 0;
  #runners: AgentRunner[] = [];
  #done = 0;

  async start(): Promise<void> {
    const view = new MarketView(this.o.state);
    for (const [name, region] of this.o.regions) {
      this.#runners.push(new AgentRunner(name, createAgent(name), view, this.o.registry, this.o.config, region));
    }
  }
  request(cycleTsUs: number): number {
    const c = this.publish(cycleTsUs);
    Atomics.store(this.ctl, kCtlCycle, c);
    const runners = this.#runners;
    for (let i = 0; i < runners.length; i++) runners[i]!.run(c);
    this.#done = c;
    return c;
  }
  awaitCycle(cycle: number): boolean { return this.#done >= cycle; }
  completed(): number { return this.#done; }
  async supervise(): Promise<number> { return 0; }
  async stop(): Promise<AgentThreadReport[]> { return []; }
}

class ThreadDispatcher extends BaseDispatcher implements Dispatcher {
  readonly threads: number;
  #pool: Piscina | null = null;
  #runs: Promise<AgentThreadReport | null>[] = [];
  #failed: (Error | null)[] = [];
  #doneIdx: Int32Array;

  constructor(o: DispatcherOptions) {
    super(o);
    this.threads = o.topology.length;
    this.#doneIdx = Int32Array.from(o.topology.map((_, t) => ctlThreadDone(t)));
  }

  async start(): Promise<void> {
    const n = this.threads;
    this.#pool = new Piscina({
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
    while (Atomics.load(this.ctl, kCtlReady) < n) {
      const failed = this.#failed.find((f) => f !== null);
      if (failed) throw new AgentThreadError(`an agent thread failed at start: ${failed.message}`, { cause: failed });
      if (performance.now() > deadline) throw new AgentThreadError(`agent threads did not start within 30 s (${Atomics.load(this.ctl, kCtlReady)}/${n} ready)`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  #launch(t: number): void {
    const task: AgentThreadTask = {
      thread: t,
      agents: this.o.topology[t]!.map((name) => ({ name, region: this.o.regions.get(name)! })),
      state: this.o.state,
      registry: this.o.registry,
      config: this.o.config,
      wait: this.o.wait,
      crashAt: this.o.crashAt,
    };
    this.#failed[t] = null;
    Atomics.store(this.ctl, ctlThreadDone(t), this.cycle);
    this.#runs[t] = this.#pool!.run(task).then(
      (r: AgentThreadReport) => r,
      (err: Error) => {
        this.#failed[t] = err;
        this.o.onThreadError?.(t, err);
        return null;
      },
    );
  }

  request(cycleTsUs: number): number {
    const c = this.publish(cycleTsUs);
    signal(this.ctl, kCtlCycle, c, kCtlSleepers);
    return c;
  }

  awaitCycle(cycle: number): boolean {
    const ctl = this.ctl;
    const idx = this.#doneIdx;
    let ok = true;
    for (let t = 0; t < idx.length; t++) {
      let d = Atomics.load(ctl, idx[t]!);
      while (d < cycle && d !== kThreadFailed) {
        const before = d;
        d = waitForChange(ctl, idx[t]!, d, this.o.wait, kCtlMainSleeping, this.o.cycleTimeoutMs);
        if (d === before) { ok = false; break; } // deadline passed
      }
      if (d === kThreadFailed) ok = false;
    }
    return ok;
  }

  completed(): number {
    const ctl = this.ctl;
    const idx = this.#doneIdx;
    let min = this.cycle;
    for (let t = 0; t < idx.length; t++) {
      const d = Atomics.load(ctl, idx[t]!);
      if (d !== kThreadFailed && d < min) min = d;
    }
    return min;
  }

  async supervise(): Promise<number> {
    // A crashed thread marks its done counter before its task rejects; only then is there
    // anything to wait for (the rejection lands on a later turn of the event loop).
    let anyFailed = false;
    for (let t = 0; t < this.threads; t++) if (Atomics.load(this.ctl, this.#doneIdx[t]!) === kThreadFailed || this.#failed[t]) anyFailed = true;
    if (!anyFailed) return 0;
    await new Promise((r) => setTimeout(r, 1)); // let rejections of crashed runs land
    let restarted = 0;
    for (let t = 0; t < this.threads; t++) {
      if (this.#failed[t]) {
        const before = Atomics.load(this.ctl, kCtlReady);
        this.#launch(t);
        const deadline = performance.now() + 30_000;
        while (Atomics.load(this.ctl, kCtlReady) <= before && !this.#failed[t] && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1));
        }
        restarted++;
      }
    }
    return restarted;
  }

  async stop(): Promise<AgentThreadReport[]> {
    Atomics.store(this.ctl, kCtlStop, 1);
    signal(this.ctl, kCtlCycle, this.cycle + 1, kCtlSleepers);
    Atomics.notify(this.ctl, kCtlCycle);
    const reports = (await Promise.all(this.#runs)).filter((r): r is AgentThreadReport => r !== null);
    await this.#pool?.destroy();
    return reports;
  }
}
