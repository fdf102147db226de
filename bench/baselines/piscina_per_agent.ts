// Baseline: every triggered cycle runs each agent's cycle as its own piscina.run() task over the
// same SharedArrayBuffers, and awaits them all. The agents, state and consolidation are the
// engine's; only the dispatch differs (a task message per agent per cycle, through the event loop).
import { Piscina } from 'piscina';
import type { EngineCore } from '../lib/core.ts';
import type { AsyncDesign } from './async_loop.ts';
import type { PiscinaAgentData, PiscinaAgentTask } from './piscina_agent_task.ts';

export class PiscinaPerAgent implements AsyncDesign {
  readonly name = 'piscina.run() per agent';
  readonly #core: EngineCore;
  readonly #threads: number;
  #pool: Piscina | null = null;
  readonly #tasks: PiscinaAgentTask[];

  constructor(core: EngineCore, threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`PiscinaPerAgent: threads must be a positive integer, got ${threads}`);
    this.#core = core;
    this.#threads = threads;
    this.#tasks = core.agents.map((agent) => ({ agent, cycle: 0 }));
  }

  async start(): Promise<void> {
    const c = this.#core;
    const workerData: PiscinaAgentData = { state: c.buffers, registry: c.snapshot, config: c.config.agents, regions: [...c.regions] };
    this.#pool = new Piscina({
      filename: new URL('./piscina_agent_task.ts', import.meta.url).href,
      minThreads: this.#threads, maxThreads: this.#threads, idleTimeout: 2 ** 31 - 1, workerData,
    });
    // Load the task module in every worker before timing anything.
    await Promise.all(Array.from({ length: this.#threads * 2 }, () => this.#pool!.run({ agent: '', cycle: 0 })));
  }

  runCycle(cycle: number): Promise<void> {
    const pool = this.#pool!;
    const runs: Promise<number>[] = [];
    for (const t of this.#tasks) runs.push(pool.run({ agent: t.agent, cycle }));
    return Promise.all(runs).then(() => undefined);
  }

  async stop(): Promise<void> {
    await this.#pool?.destroy();
    this.#pool = null;
  }
}
