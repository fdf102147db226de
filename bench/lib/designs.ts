// The dispatch designs compared in one run, behind one interface: the engine with each wait
// strategy, the engine with every agent inline, piscina.run() per agent per cycle, and a
// structured-clone postMessage of the state. Each owns one EngineCore (same state layout, same
// agents, same consolidation) and replays tape segments through it.
import { planTopology } from '../../engine/dispatch/topology.ts';
import type { WaitName } from '../../protocol/wait_strategy.ts';
import { defaultThreads, kDefaultConfig, type EngineConfig } from '../../engine/options.ts';
import { kRealtimeInlineShare, prepareDispatch } from '../../engine/warmup.ts';
import { kAgentNames } from '../../workers/agents/index.ts';
import { fmtNum } from '../report/format.ts';
import { loadDefaultTape } from './tapes.ts';
import type { Tape } from '../../protocol/tape.ts';
import type { InstrumentRegistry } from '../../protocol/registry.ts';
import { runAsyncLoop, type AsyncDesign } from '../baselines/async_loop.ts';
import { ClonePostMessage } from '../baselines/clone_state.ts';
import { PiscinaPerAgent } from '../baselines/piscina_per_agent.ts';
import { EngineCore } from './core.ts';
import { EngineRig } from './engine_rig.ts';
import { summarizeLoop, watchEventLoop, type RunSummary } from './loop_summary.ts';

export type DesignKey = 'auto' | 'spin' | 'block' | 'hybrid' | 'inline' | 'piscina' | 'postMessage';

export interface DesignSpec {
  key: DesignKey;
  label: string;
  threads: number;
}

/** The designs of the comparison, with `threads` agent threads (default: the engine's default). */
export function designSpecs(threads = defaultThreads()): DesignSpec[] {
  return [
    { key: 'auto', label: `engine default (automatic: inline or ${threads} thread(s) + main share, adaptive wait)`, threads },
    { key: 'spin', label: `engine, ${threads} thread(s), wait spin`, threads },
    { key: 'block', label: `engine, ${threads} thread(s), wait block`, threads },
    { key: 'hybrid', label: `engine, ${threads} thread(s), wait hybrid (former default)`, threads },
    { key: 'inline', label: 'engine, agents inline (threads 0)', threads: 0 },
    { key: 'piscina', label: `piscina.run() per agent per cycle (${threads} thread(s))`, threads },
    { key: 'postMessage', label: `postMessage of a state copy (${threads} thread(s))`, threads },
  ];
}

export interface ReplayRequest {
  mode: 'lockstep' | 'realtime';
  rate: number; // events/s; 0 = as fast as possible
  speed?: number; // recorded timing multiple (engine designs only)
  /** Give up after this long (a design can fall far behind a schedule, or collapse). */
  maxMs?: number;
}

/** A started design, ready to replay segments. */
export interface RunningDesign {
  spec: DesignSpec;
  core: EngineCore;
  replay(tape: Tape, r: ReplayRequest): Promise<RunSummary>;
  stop(): Promise<void>;
}

/**
 * Starts a design. `warmTape`: what the automatic design's warm-up replays to measure and choose
 * (engine/warmup.ts; default: the default fixture). `offeredPerSec`: the realtime rate the
 * automatic design is chosen for, as the engine passes its --rate (null: unknown).
 */
export async function startDesign(spec: DesignSpec, registry: InstrumentRegistry, config?: EngineConfig, warmTape?: Tape, offeredPerSec?: number | null): Promise<RunningDesign> {
  if (spec.key === 'auto') return startEngineDesign(spec, registry, config, 'adaptive', { automatic: true, warmTape, offeredPerSec: offeredPerSec ?? null });
  if (spec.key === 'inline') return startEngineDesign(spec, registry, config, 'hybrid', { automatic: false }); // no thread: the wait is unused
  if (spec.key === 'spin' || spec.key === 'block' || spec.key === 'hybrid') return startEngineDesign(spec, registry, config, spec.key, { automatic: false });
  return startBaseline(spec, registry, config);
}

/**
 * The engine's own design with the wait strategy `wait`: the agents placed as the engine places
 * them for `spec.threads`, or (automatic) measured and chosen by the engine's warm-up
 * (engine/warmup.ts: inline or threaded with a main-thread share, on `warmTape`, default the
 * default fixture). Every engine design replays through the same EngineRig.
 */
async function startEngineDesign(spec: DesignSpec, registry: InstrumentRegistry, config: EngineConfig | undefined, wait: WaitName, o: { automatic: boolean; warmTape?: Tape | undefined; offeredPerSec?: number | null }): Promise<RunningDesign> {
  let rig: EngineRig;
  let label = spec.label;
  if (o.automatic) {
    const cfg = config ?? kDefaultConfig;
    const tape = o.warmTape ?? (await loadDefaultTape()).tape;
    const prep = await prepareDispatch({ agents: [...kAgentNames], config: cfg, threads: spec.threads, topology: undefined, wait, cycleTimeoutMs: 10_000 },
      registry, tape, { automatic: true, warm: true, offeredPerSec: o.offeredPerSec ?? null });
    rig = await EngineRig.start({ registry, config: cfg, threads: prep.shares.threads.length, wait, shares: prep.shares, pool: prep.pool });
    const r = prep.report;
    const chosen = r ? `${r.chosen === 'inline' ? 'inline' : r.mainShare.length === 0 ? `${r.threads} thread(s), every agent on them` : `${r.threads} thread(s) + main share`}${r.why === 'rate' ? `, by rate: ${fmtNum(Math.round(r.offeredPerSec ?? 0))} ev/s offered > ${kRealtimeInlineShare} × inline's warm ${fmtNum(r.inlineEventsPerSec)} ev/s` : ''}${r.why === 'cost' ? `, by cost: predicted cycle inline ${r.predictedCycleUs.inline} µs vs threaded ${r.predictedCycleUs.threaded} µs (hand-off ${r.handoffUs} µs)` : ''}; warm-up inline ${fmtNum(r.inlineEventsPerSec)} vs threaded ${fmtNum(r.threadedEventsPerSec)} ev/s` : 'as given';
    label = `engine default (automatic → ${chosen})`;
  } else {
    rig = await EngineRig.start({ registry, ...(config ? { config } : {}), threads: spec.threads, wait });
  }
  return {
    spec: { ...spec, label }, core: rig.core,
    async replay(tape, r) {
      const stopWatch = watchEventLoop();
      const stats = await rig.replay(tape, { mode: r.mode, rate: r.rate, speed: r.speed ?? 0, ...(r.maxMs ? { maxMs: r.maxMs } : {}) });
      const s = summarizeLoop(stats, stopWatch());
      if (stats.stopped) s.aborted = { processedEvents: stats.events, reason: stats.stopped };
      if (stats.breakdown) s.breakdown = stats.breakdown;
      s.placement = { threads: rig.topology, main: [...rig.dispatcher.mainAgents] };
      return s;
    },
    stop: () => rig.stop(),
  };
}

/** The baselines: piscina.run() per agent per cycle, or a structured-clone postMessage of the state. */
async function startBaseline(spec: DesignSpec, registry: InstrumentRegistry, config: EngineConfig | undefined): Promise<RunningDesign> {
  const core = new EngineCore({ registry, ...(config ? { config } : {}) });
  const design: AsyncDesign = spec.key === 'piscina'
    ? new PiscinaPerAgent(core, spec.threads)
    : new ClonePostMessage(core, planTopology(core.agents, spec.threads));
  await design.start();
  return {
    spec, core,
    async replay(tape, r) {
      if (r.speed) throw new Error(`${spec.label}: replay at recorded timing is not supported by the baselines`);
      const stopWatch = watchEventLoop();
      const stats = await runAsyncLoop(core, design, tape, { mode: r.mode, rate: r.rate, maxMs: r.maxMs ?? 60_000 });
      const s = summarizeLoop(stats, stopWatch());
      if (stats.aborted) s.aborted = { processedEvents: stats.events, reason: stats.aborted };
      return s;
    },
    stop: () => design.stop(),
  };
}
