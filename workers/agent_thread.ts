// The agent thread: a resident loop, started once through Piscina. It builds its agents over the
// shared state (handed over once), then waits at the cycle barrier with the chosen strategy,
// runs its agents for each cycle, and publishes its done counter. No message crosses a thread
// per tick or per cycle; the task returns only when the engine stops.
import { CycleBarrier } from '../protocol/cycle_barrier.ts';
import type { MarketStateBuffers } from '../protocol/market_state.ts';
import { MarketView } from '../protocol/market_view.ts';
import type { RegistrySnapshot } from '../protocol/registry.ts';
import { waitStrategy, type WaitName } from '../protocol/wait_strategy.ts';
import { AgentRunner } from './agents/agent.ts';
import type { AgentConfig } from './agents/config.ts';
import { createAgent } from './agents/index.ts';
import type { ResultRegionBuffers } from '../protocol/result_region.ts';
import { kResBusyUs } from '../protocol/layout.ts';
import { EngineMetrics, type EngineMetricsHandoff } from '../protocol/metrics/engine_metrics.ts';

export interface AgentThreadTask {
  thread: number;
  agents: { name: string; region: ResultRegionBuffers }[];
  state: MarketStateBuffers;
  registry: RegistrySnapshot;
  config: AgentConfig;
  wait: WaitName;
  /** A test hook: throw inside this agent's cycle n (to exercise supervision). */
  crashAt?: { agent: string; cycle: number } | undefined;
  /** Where this thread records its agents' evaluation times (its region of the metrics block), and each agent's index there. */
  metrics?: { handoff: EngineMetricsHandoff; agents: number[] } | undefined;
}

export interface AgentThreadReport {
  thread: number;
  cycles: number;
  stateRetries: number;
}

const kIdleCheckMs = 250; // a parked thread wakes this often to re-check the stop flag

export default function agentThread(task: AgentThreadTask): AgentThreadReport {
  const view = new MarketView(task.state);
  const barrier = new CycleBarrier(view.arrays.ctl, view.arrays.ctlF64, waitStrategy(task.wait));
  const runners = task.agents.map((a) => new AgentRunner(a.name, createAgent(a.name), view, task.registry, task.config, a.region));
  const t = task.thread;
  const rec = task.metrics === undefined ? null : new EngineMetrics(task.metrics.handoff);
  const idx = task.metrics?.agents ?? [];
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
      if (task.crashAt && cycle >= task.crashAt.cycle && runners.some((r) => r.name === task.crashAt!.agent)) {
        throw new Error(`test crash of agent ${task.crashAt.agent} at cycle ${cycle}`);
      }
      for (let i = 0; i < runners.length; i++) runners[i]!.run(cycle);
      if (rec !== null) {
        // Plain stores into this thread's own region: no message, no allocation.
        let busy = 0;
        for (let i = 0; i < runners.length; i++) {
          const s = runners[i]!.out.arrays.metrics[kResBusyUs]! * 1e-6;
          rec.decision(idx[i]!, s);
          busy += s;
        }
        rec.busy(busy);
      }
      last = cycle;
      cycles++;
      barrier.publishDone(t, cycle);
    }
  }
}
