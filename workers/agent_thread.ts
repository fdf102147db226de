// The agent thread: a resident loop, started once through Piscina. It builds its agents over the
// shared state (handed over once), then waits at the cycle barrier with the chosen strategy,
// runs its agents for each cycle, and publishes its done counter. No message crosses a thread
// per tick or per cycle; the task returns only when the engine stops.
import { CycleBarrier } from '../protocol/cycle_barrier.ts';
import { ctlThreadTiming, kResErrors, kResLastError, kThrCycle, kThrDoneMs, kThrParkedWaits, kThrSpunWaits, kThrWakeMs } from '../protocol/layout.ts';
import type { MarketStateBuffers } from '../protocol/market_state.ts';
import { MarketView } from '../protocol/market_view.ts';
import type { RegistrySnapshot } from '../protocol/registry.ts';
import { AdaptiveWait, waitStrategy, type WaitName } from '../protocol/wait_strategy.ts';
import { AgentRunner } from './agents/agent.ts';
import type { AgentConfig } from './agents/config.ts';
import { createAgent } from './agents/index.ts';
import type { ResultRegionBuffers } from '../protocol/result_region.ts';
import { kResBusyUs } from '../protocol/layout.ts';
import { EngineMetrics, type EngineMetricsHandoff } from '../protocol/metrics/engine_metrics.ts';
import { kCtlSnapshot } from '../protocol/layout.ts';
import { restoreState, saveState } from '../protocol/snapshot.ts';

export interface AgentThreadTask {
  thread: number;
  /** `wake`: the agent runs in the cycles that only wake some agents (CycleBarrier request(ts, true)). */
  agents: { name: string; region: ResultRegionBuffers; wake?: boolean }[];
  state: MarketStateBuffers;
  registry: RegistrySnapshot;
  config: AgentConfig;
  wait: WaitName;
  /** Adaptive wait: whether spinning is allowed at all (a core for each spinning thread). */
  spinAllowed?: boolean;
  /** The requesting thread's performance.timeOrigin: timing lines are written in its time base. */
  timeOrigin?: number;
  /** A test hook (to exercise supervision): this agent's thread dies in the middle of cycle n. */
  crashAt?: CrashAt | undefined;
  /** Where this thread records its agents' evaluation times (its region of the metrics block), and each agent's index there. */
  metrics?: { handoff: EngineMetricsHandoff; agents: number[] } | undefined;
  /** The BroadcastChannel a snapshot's agent states go back on (engine/snapshot/). */
  snapshotChannel?: string | undefined;
  /** Saved agent states (by name) to start from instead of fresh agents. */
  restore?: Record<string, Uint8Array> | undefined;
}

/**
 * Where a test makes an agent's thread die: from cycle `cycle` on, half-way through the agent's
 * output (a record in its unpublished bank, and with `poison` a value in its per-slot table), by
 * throwing out of the thread's loop (`throw`, the default) or by ending the thread (`exit`).
 */
export interface CrashAt {
  agent: string;
  cycle: number;
  how?: 'throw' | 'exit';
  /** Written into every record field and table cell the dying agent touches. */
  poison?: number;
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
  for (const r of runners) {
    const saved = task.restore?.[r.name];
    if (saved !== undefined) restoreState(saved, { agent: r });
  }
  const ctl = view.arrays.ctl;
  let snapshots = Atomics.load(ctl, kCtlSnapshot); // snapshot requests served (between cycles: the main thread waits for them)
  let channel: BroadcastChannel | null = null;
  const t = task.thread;
  const rec = task.metrics === undefined ? null : new EngineMetrics(task.metrics.handoff);
  const idx = task.metrics?.agents ?? [];
  const wakes = Uint8Array.from(task.agents, (a) => (a.wake === true ? 1 : 0));
  let last = barrier.requested(t);
  let lastFull = barrier.fullRequested(t);
  let cycles = 0;
  let current = -1; // the runner in the middle of a cycle (-1 between cycles)
  let failed = false;
  // A thread that dies mid-cycle charges the error to the agent it was running and tells a
  // waiting main thread at once, whether it threw out of the loop or ended (process.exit runs
  // 'exit' listeners on the thread; a thread killed without them is caught by the cycle deadline).
  const fail = (): void => {
    if (failed) return;
    failed = true;
    const r = runners[current];
    if (r) {
      Atomics.add(r.out.arrays.header, kResErrors, 1);
      Atomics.store(r.out.arrays.header, kResLastError, last + 1);
    }
    barrier.publishFailed(t);
  };
  process.on('exit', fail);
  barrier.arrive();
  try {
    loop();
  } catch (err) {
    fail();
    throw err;
  } finally {
    process.off('exit', fail);
    (channel as BroadcastChannel | null)?.close();
  }
  return { thread: task.thread, cycles, stateRetries: view.retries };

  function saveAgents(): void {
    snapshots = Atomics.load(ctl, kCtlSnapshot);
    channel ??= new BroadcastChannel(task.snapshotChannel ?? 'lucent-snapshot');
    channel.postMessage({ thread: t, request: snapshots, states: runners.map((r) => [r.name, saveState({ agent: r })]) });
  }

  function loop(): void {
    const crash = task.crashAt;
    for (;;) {
      const cycle = barrier.next(t, last, kIdleCheckMs);
      if (barrier.stopping()) break;
      if (Atomics.load(ctl, kCtlSnapshot) !== snapshots) saveAgents();
      if (cycle === last) continue;
      f64[tl + kThrWakeMs] = performance.now() + toMain;
      // A full cycle requested since the last one run (conflated into this one, realtime) runs every
      // agent; otherwise only the woken ones. A full request newer than `cycle` is taken by the
      // next turn too (lastFull moves only up to `cycle`).
      const fullReq = barrier.fullRequested(t);
      const full = fullReq > lastFull;
      if (full) lastFull = fullReq < cycle ? fullReq : cycle;
      for (let i = 0; i < runners.length; i++) {
        if (!full && wakes[i] === 0) continue;
        current = i;
        if (crash !== undefined && cycle >= crash.cycle && runners[i]!.name === crash.agent) dieMidCycle(runners[i]!, cycle, crash);
        runners[i]!.run(cycle);
      }
      if (rec !== null) {
        // Plain stores into this thread's own region: no message, no allocation.
        let busy = 0;
        for (let i = 0; i < runners.length; i++) {
          if (!full && wakes[i] === 0) continue;
          const s = runners[i]!.out.arrays.metrics[kResBusyUs]! * 1e-6;
          rec.decision(idx[i]!, s);
          busy += s;
        }
        rec.busy(busy);
      }
      current = -1;
      f64[tl + kThrDoneMs] = performance.now() + toMain;
      f64[tl + kThrCycle] = cycle;
      if (adaptive) { f64[tl + kThrSpunWaits] = adaptive.spun; f64[tl + kThrParkedWaits] = adaptive.parked; }
      last = cycle;
      cycles++;
      barrier.publishDone(t, cycle);
    }
  }
}

/** The crash hook: half of an agent's output, then the thread dies. */
function dieMidCycle(r: AgentRunner, cycle: number, crash: CrashAt): void {
  const poison = crash.poison ?? 9.99e11;
  r.out.begin(cycle);
  r.out.push(poison, poison, poison, poison, poison, poison, poison, poison);
  const table = r.out.arrays.table;
  if (crash.poison !== undefined) for (let i = 0; i < table.length; i++) table[i] = poison;
  if (crash.how === 'exit') process.exit(70);
  throw new Error(`test crash of agent ${crash.agent} at cycle ${cycle}`);
}
