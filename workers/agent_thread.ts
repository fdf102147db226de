// The agent thread: a resident loop, started once through Piscina. It builds its agents over the
// shared state (handed over once), then waits at the cycle barrier with the chosen strategy,
// runs its agents for each cycle, and publishes its done counter. No message crosses a thread
// per tick or per cycle; the task returns only when the engine stops.
import { CycleBarrier } from '../protocol/cycle_barrier.ts';
import { ctlThreadTiming, kThrCycle, kThrDoneMs, kThrParkedWaits, kThrSpunWaits, kThrWakeMs } from '../protocol/layout.ts';
import type { MarketStateBuffers } from '../protocol/market_state.ts';
import { MarketView } from '../protocol/market_view.ts';
import type { RegistrySnapshot } from '../protocol/registry.ts';
import { AdaptiveWait, waitStrategy, type WaitName } from '../protocol/wait_strategy.ts';
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
  wait: WaitName;
  /** Adaptive wait: whether spinning is allowed at all (a core for each spinning thread). */
  spinAllowed?: boolean;
  /** The requesting thread's performance.timeOrigin: timing lines are written in its time base. */
  timeOrigin?: number;
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
  const strategy = waitStrategy(task.wait, task.spinAllowed ?? true);
  const barrier = new CycleBarrier(view.arrays.ctl, view.arrays.ctlF64, strategy);
  const adaptive = strategy instanceof AdaptiveWait ? strategy : null;
  const f64 = view.arrays.ctlF64;
  const tl = ctlThreadTiming(task.thread);
  const toMain = performance.timeOrigin - (task.timeOrigin ?? performance.timeOrigin); // this clock → the requester's
  const runners = task.agents.map((a) => new AgentRunner(a.name, createAgent(a.name), view, task.registry, task.config, a.region));
  const t = task.thread;
  let last = barrier.requested();
  let cycles = 0;
  barrier.arrive();
  try {
    loop();
  } catch (err) {
    barrier.publishFailed(t); // tell a waiting main thread at once
    throw err;
  }
  return { thread: task.thread, cycles, stateRetries: view.retries };

  function loop(): void {
    for (;;) {
      const cycle = barrier.next(last, kIdleCheckMs);
      if (barrier.stopping()) break;
      if (cycle === last) continue;
      f64[tl + kThrWakeMs] = performance.now() + toMain;
      if (task.crashAt && cycle >= task.crashAt.cycle && runners.some((r) => r.name === task.crashAt!.agent)) {
        throw new Error(`test crash of agent ${task.crashAt.agent} at cycle ${cycle}`);
      }
      for (let i = 0; i < runners.length; i++) runners[i]!.run(cycle);
      f64[tl + kThrDoneMs] = performance.now() + toMain;
      f64[tl + kThrCycle] = cycle;
      if (adaptive) { f64[tl + kThrSpunWaits] = adaptive.spun; f64[tl + kThrParkedWaits] = adaptive.parked; }
      last = cycle;
      cycles++;
      barrier.publishDone(t, cycle);
    }
  }
}
