// Baseline: per cycle, postMessage a copy of the state (the columns, not the SharedArrayBuffer)
// to each agent thread by structured clone; the threads evaluate the same agents over their
// private copy and reply with copies of their result regions, which the main thread installs for
// consolidation. Same topology as the engine (agents grouped per thread).
import { Worker } from 'node:worker_threads';
import { kCtlCycleTs, kCtlEpoch } from '../../protocol/layout.ts';
import { agentSpec } from '../../workers/agents/index.ts';
import type { EngineCore } from '../lib/core.ts';
import type { AsyncDesign } from './async_loop.ts';
import type { CloneCycleMessage, CloneCycleReply, CloneWorkerData } from './clone_agent_worker.ts';

interface CloneThread {
  worker: Worker;
  agents: string[];
  lastEpoch: number;
  resolve: (() => void) | null;
}

export class ClonePostMessage implements AsyncDesign {
  readonly name = 'postMessage state copy';
  readonly #core: EngineCore;
  readonly #topology: string[][];
  #threads: CloneThread[] = [];

  constructor(core: EngineCore, topology: string[][]) {
    if (topology.length === 0) throw new Error('ClonePostMessage: topology must name at least one thread');
    this.#core = core;
    this.#topology = topology;
  }

  async start(): Promise<void> {
    const c = this.#core;
    const regions = c.regions;
    for (const agents of this.#topology) {
      const data: CloneWorkerData = {
        capacity: c.buffers.capacity, ringSize: c.buffers.ringSize, kinds: c.arrays.kinds.slice(), registry: c.snapshot,
        config: c.config.agents,
        agents: agents.map((name) => ({ name, maxRecords: agentSpec(name).maxRecords, tableWidth: agentSpec(name).tableWidth })),
      };
      const worker = new Worker(new URL('./clone_agent_worker.ts', import.meta.url), { workerData: data });
      const t: CloneThread = { worker, agents, lastEpoch: Atomics.load(c.arrays.ctl, kCtlEpoch), resolve: null };
      worker.on('message', (reply: CloneCycleReply) => {
        for (let i = 0; i < t.agents.length; i++) {
          new Uint8Array(regions.get(t.agents[i]!)!.buffer).set(new Uint8Array(reply.regions[i]!));
        }
        const r = t.resolve;
        t.resolve = null;
        r?.();
      });
      worker.on('error', (err: Error) => process.stderr.write(`clone baseline worker failed: ${err.message}\n`));
      await new Promise<void>((r) => worker.once('online', () => r()));
      this.#threads.push(t);
    }
  }

  runCycle(cycle: number): Promise<void> {
    const a = this.#core.arrays;
    const epoch = Atomics.load(a.ctl, kCtlEpoch);
    const columns = a.columns.slice(); // the state, by value
    const portfolio = a.portfolio.slice();
    const cycleTsUs = a.ctlF64[kCtlCycleTs]!;
    const waits: Promise<void>[] = [];
    for (const t of this.#threads) {
      const from = Math.max(t.lastEpoch + 1, epoch - a.ringSize + 1);
      const ringSlots = new Int32Array(Math.max(0, epoch - from + 1));
      for (let e = from; e <= epoch; e++) ringSlots[e - from] = a.ring[e & a.ringMask]!;
      t.lastEpoch = epoch;
      const msg: CloneCycleMessage = { cycle, epoch, cycleTsUs, columns, fromEpoch: from, ringSlots, portfolio };
      waits.push(new Promise<void>((r) => { t.resolve = r; }));
      t.worker.postMessage(msg); // structured clone: each thread gets its own copy
    }
    return Promise.all(waits).then(() => undefined);
  }

  async stop(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.worker.terminate()));
    this.#threads = [];
  }
}
