// The engine's pipeline (engine/pipeline.ts buildPipeline: state, writer, trigger, result regions,
// consolidation, validation, paper execution, dispatch), built for benchmarks and kept alive across
// several replays so warm-up can be run first and excluded, and so baselines can drive the very
// same state, agents and consolidation with another dispatch design.
import type { MarketArrays, MarketStateBuffers } from '../../protocol/market_state.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { InstrumentRegistry, RegistrySnapshot } from '../../protocol/registry.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { ResultRegionBuffers } from '../../protocol/result_region.ts';
import { CycleBarrier } from '../../protocol/cycle_barrier.ts';
import { waitStrategy, type WaitName } from '../../protocol/wait_strategy.ts';
import type { MarketWriter } from '../../engine/state/market_writer.ts';
import type { Trigger } from '../../engine/trigger.ts';
import type { Consolidator } from '../../engine/consolidate/consolidator.ts';
import type { ConsolidationStats } from '../../engine/consolidate/stats.ts';
import type { Dispatcher } from '../../engine/dispatch/dispatcher.ts';
import { DecisionLog } from '../../engine/sinks/decision_log.ts';
import { kDefaultConfig, type EngineConfig } from '../../engine/options.ts';
import { buildPipeline } from '../../engine/pipeline.ts';
import { kAgentNames } from '../../workers/agents/index.ts';
import type { Piscina } from 'piscina';
import type { Shares } from '../../engine/dispatch/topology.ts';

export interface CoreOptions {
  registry: InstrumentRegistry; // frozen
  agents?: readonly string[];
  config?: EngineConfig;
  /** Dispatch of the pipeline's own dispatcher (default: inline, for baselines that dispatch themselves). */
  threads?: number;
  wait?: WaitName;
  topology?: string | undefined;
  cycleTimeoutMs?: number;
  /** A placement measured beforehand (engine/warmup.ts) and its warm worker pool. */
  shares?: Shares | undefined;
  pool?: Piscina | undefined;
}

export class EngineCore {
  readonly buffers: MarketStateBuffers;
  readonly arrays: MarketArrays;
  readonly writer: MarketWriter;
  readonly view: MarketView;
  readonly trigger: Trigger;
  readonly snapshot: RegistrySnapshot;
  readonly regions: Map<string, ResultRegionBuffers>;
  readonly readers: ResultReader[];
  readonly stats: ConsolidationStats;
  readonly sink: DecisionLog;
  readonly consolidator: Consolidator;
  readonly config: EngineConfig;
  readonly agents: readonly string[];
  /** The pipeline's dispatcher (not started): the engine's own design. */
  readonly dispatcher: Dispatcher;
  readonly topology: string[][];
  /** Publishes cycles for baselines that run the agents themselves (not through the dispatcher). */
  readonly #barrier: CycleBarrier;

  constructor(o: CoreOptions) {
    this.config = o.config ?? kDefaultConfig;
    this.agents = o.agents ?? kAgentNames;
    this.sink = new DecisionLog(null);
    const p = buildPipeline({
      agents: [...this.agents], config: this.config, threads: o.threads ?? 0, topology: o.topology, wait: o.wait ?? 'hybrid',
      cycleTimeoutMs: o.cycleTimeoutMs ?? 10_000, shares: o.shares, pool: o.pool,
    }, o.registry, this.sink);
    this.buffers = p.buffers;
    this.arrays = p.arrays;
    this.writer = p.writer;
    this.view = p.view;
    this.trigger = p.trigger;
    this.snapshot = p.snapshot;
    this.regions = p.regions;
    this.readers = p.readers;
    this.stats = p.stats;
    this.consolidator = p.consolidator;
    this.dispatcher = p.dispatcher;
    this.topology = p.topology;
    this.#barrier = new CycleBarrier(p.arrays.ctl, p.arrays.ctlF64, waitStrategy('hybrid'));
  }

  /**
   * Publishes a cycle over the current epoch the way the engine's dispatcher does, for designs
   * that run the agents themselves (baselines). Returns the cycle number.
   */
  publishCycle(cycleTsUs: number): number {
    return this.#barrier.request(cycleTsUs);
  }
}
