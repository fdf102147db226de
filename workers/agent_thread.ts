// The agent thread: a resident loop, started once through Piscina. It builds its agents over the
// shared state (handed over once), then waits on the cycle counter with the chosen strategy,
// runs its agents for each cycle, and publishes its done counter. No message crosses a thread
// per tick or per cycle; the task returns only when the engine stops.
import { ctlThreadDone, kCtlCycle, kCtlMainSleeping, kCtlReady, kCtlSleepers, kCtlStop } from '../protocol/layout.ts';
import type { MarketStateBuffers } from '../protocol/market_state.ts';
import { MarketView } from '../protocol/market_view.ts';
import type { RegistrySnapshot } from '../protocol/registry.ts';
import { kThreadFailed, signal, waitForChange } from '../protocol/wait.ts';
import { AgentRunner } from './agents/agent.ts';
import type { AgentConfig } from './agents/config.ts';
import { createAgent } from './agents/index.ts';
import type { ResultRegionBuffers } from '../protocol/result_region.ts';

export interface AgentThreadTask {
  thread: number;
  agents: { name: string; region: ResultRegionBuffers }[];
  state: MarketStateBuffers;
  registry: RegistrySnapshot;
  config: AgentConfig;
  wait: number; // kWaitSpin | kWaitBlock | kWaitHybrid
  /** A test hook: throw inside this agent's cycle n (to exercise supervision). */
  crashAt?: { agent: string; cycle: number } | undefined;
}

export interface AgentThreadReport {
  thread: number;
  cycles: number;
  stateRetries: number;
}

const kIdleCheckMs = 250; // a parked thread wakes this often to re-check the stop flag

export default function agentThread(task: AgentThreadTask): AgentThreadReport {
  const view = new MarketView(task.state);
  const ctl = view.arrays.ctl;
  const runners = task.agents.map((a) => new AgentRunner(a.name, createAgent(a.name), view, task.registry, task.config, a.region));
  const done = ctlThreadDone(task.thread);
  let last = Atomics.load(ctl, kCtlCycle);
  let cycles = 0;
  Atomics.add(ctl, kCtlReady, 1);
  if (Atomics.load(ctl, kCtlMainSleeping) > 0) Atomics.notify(ctl, kCtlReady);
  try {
    loop();
  } catch (err) {
    signal(ctl, done, kThreadFailed, kCtlMainSleeping); // tell a waiting main thread at once
    throw err;
  }
  return { thread: task.thread, cycles, stateRetries: view.retries };

  function loop(): void {
  for (;;) {
    const cycle = waitForChange(ctl, kCtlCycle, last, task.wait, kCtlSleepers, kIdleCheckMs);
    if (Atomics.load(ctl, kCtlStop) !== 0) break;
    if (cycle === last) continue;
    if (task.crashAt && cycle >= task.crashAt.cycle && runners.some((r) => r.name === task.crashAt!.agent)) {
      throw new Error(`test crash of agent ${task.crashAt.agent} at cycle ${cycle}`);
    }
    for (let i = 0; i < runners.length; i++) runners[i]!.run(cycle);
    last = cycle;
    cycles++;
    signal(ctl, done, cycle, kCtlMainSleeping);
  }
  }
}
