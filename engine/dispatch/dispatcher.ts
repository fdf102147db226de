// The main thread's side of dispatch. Agents run either on resident Piscina threads (which own
// the threads' lifecycle, restart a crashed worker and apply resource limits) or inline on the
// main thread. Either way a cycle is requested through the cycle barrier (protocol/cycle_barrier.ts):
// one shared counter moves, no message per cycle.
import { Piscina } from 'piscina';
import { AgentThreadError } from '../../protocol/errors.ts';
import type { MarketArrays, MarketStateBuffers } from '../../protocol/market_state.ts';
import { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import { type AgentConfig, AgentRunner, createAgent } from '../../workers/agents/index.ts';
import type { ResultRegionBuffers } from '../../protocol/result_region.ts';
import type { AgentThreadReport, AgentThreadTask } from '../../workers/agent_thread.ts';
import { CycleBarrier } from '../../protocol/cycle_barrier.ts';
import { kResBusyUs } from '../../protocol/layout.ts';
import type { EngineMetrics, EngineMetricsHandoff } from '../../protocol/metrics/engine_metrics.ts';
import type { WaitStrategy } from '../../protocol/wait_strategy.ts';

export interface DispatcherOptions {
  state: MarketStateBuffers;
  arrays: MarketArrays;
  registry: RegistrySnapshot;
  config: AgentConfig;
  regions: Map<string, ResultRegionBuffers>;
  topology: string[][]; // [] = inline
  wait: WaitStrategy;
  cycleTimeoutMs: number;
  threadHeapMb?: number | undefined;
  crashAt?: { agent: string; cycle: number } | undefined;
  onThreadError?: (thread: number, err: Error) => void;
  /** Record each agent's evaluation time into the metrics block: thread t into region t + 1, inline agents into main's. */
  metrics?: DispatchMetrics | undefined;
}

export interface DispatchMetrics {
  handoff(region: number): EngineMetricsHandoff;
  main: EngineMetrics;
  agentIndex: ReadonlyMap<string, number>;
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
  /** Agent threads running now (started, not failed, not stopped). */
  running?(): number;
  stop(): Promise<AgentThreadReport[]>;
}

export function createDispatcher(o: DispatcherOptions): Dispatcher {
  return o.topology.length === 0 ? new InlineDispatcher(o) : new ThreadDispatcher(o);
}

class InlineDispatcher implements Dispatcher {
  readonly threads = 0;
  readonly o: DispatcherOptions;
  readonly #barrier: CycleBarrier;
  #runners: AgentRunner[] = [];
  #done = 0;
  #metrics: EngineMetrics | null = null;
  #metricIndex: number[] = [];

  constructor(o: DispatcherOptions) {
    this.o = o;
    this.#barrier = new CycleBarrier(o.arrays.ctl, o.arrays.ctlF64, o.wait);
  }

  async start(): Promise<void> {
    const view = new MarketView(this.o.state);
    for (const [name, region] of this.o.regions) {
      this.#runners.push(new AgentRunner(name, createAgent(name), view, this.o.registry, this.o.config, region));
      this.#metricIndex.push(this.o.metrics?.agentIndex.get(name) ?? -1);
    }
    this.#metrics = this.o.metrics?.main ?? null;
  }
  request(cycleTsUs: number): number {
    const c = this.#barrier.request(cycleTsUs);
    const runners = this.#runners;
    const m = this.#metrics;
    for (let i = 0; i < runners.length; i++) {
      runners[i]!.run(c);
      if (m !== null) m.decision(this.#metricIndex[i]!, runners[i]!.out.arrays.metrics[kResBusyUs]! * 1e-6);
    }
    this.#done = c;
    return c;
  }
  running(): number { return 0; }
  awaitCycle(cycle: number): boolean { return this.#done >= cycle; }
  completed(): number { return this.#done; }
  async supervise(): Promise<number> { return 0; }
  async stop(): Promise<AgentThreadReport[]> { return []; }
}

class ThreadDispatcher implements Dispatcher {
  readonly threads: number;
  readonly o: DispatcherOptions;
  readonly #barrier: CycleBarrier;
  #pool: Piscina | null = null;
  #runs: Promise<AgentThreadReport | null>[] = [];
  #failed: (Error | null)[] = [];
  #stopped = false;

  constructor(o: DispatcherOptions) {
    this.o = o;
    this.threads = o.topology.length;
    this.#barrier = new CycleBarrier(o.arrays.ctl, o.arrays.ctlF64, o.wait, this.threads);
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
      agents: this.o.topology[t]!.map((name) => ({ name, region: this.o.regions.get(name)! })),
      state: this.o.state,
      registry: this.o.registry,
      config: this.o.config,
      wait: this.o.wait.name,
      crashAt: this.o.crashAt,
      metrics: this.o.metrics === undefined ? undefined : {
        handoff: this.o.metrics.handoff(t + 1),
        agents: this.o.topology[t]!.map((name) => this.o.metrics!.agentIndex.get(name) ?? -1),
      },
    };
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

  request(cycleTsUs: number): number { return this.#barrier.request(cycleTsUs); }
  awaitCycle(cycle: number): boolean { return this.#barrier.waitFor(cycle, this.o.cycleTimeoutMs); }
  completed(): number { return this.#barrier.completed(); }

  async supervise(): Promise<number> {
    // A crashed thread marks its done counter before its task rejects; only then is there
    // anything to wait for (the rejection lands on a later turn of the event loop).
    let anyFailed = false;
    for (let t = 0; t < this.threads; t++) if (this.#barrier.failed(t) || this.#failed[t]) anyFailed = true;
    if (!anyFailed) return 0;
    await new Promise((r) => setTimeout(r, 1)); // let rejections of crashed runs land
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
    return restarted;
  }

  running(): number {
    if (this.#stopped) return 0;
    let n = 0;
    for (let t = 0; t < this.threads; t++) if (this.#runs[t] !== undefined && !this.#failed[t] && !this.#barrier.failed(t)) n++;
    return n;
  }

  async stop(): Promise<AgentThreadReport[]> {
    this.#stopped = true;
    this.#barrier.stop();
    const reports = (await Promise.all(this.#runs)).filter((r): r is AgentThreadReport => r !== null);
    await this.#pool?.destroy();
    return reports;
  }
}
