// The engine's pieces, wired for benchmarks the way engine/engine.ts wires them (state, writer,
// trigger, result regions, consolidation, validation, paper execution), but kept alive across
// several replays so warm-up can be run first and excluded, and so baselines can drive the very
// same state, agents and consolidation with another dispatch design.
import { allocateMarketState, MarketArrays, type MarketStateBuffers } from '../../protocol/market_state.ts';
import { MarketWriter } from '../../engine/state/market_writer.ts';
import { MarketView } from '../../protocol/market_view.ts';
import type { InstrumentRegistry, RegistrySnapshot } from '../../protocol/registry.ts';
import { Trigger } from '../../engine/trigger.ts';
import { Consolidator, ConsolidationStats } from '../../engine/consolidate/consolidator.ts';
import { ResultReader } from '../../protocol/result_reader.ts';
import { Validator } from '../../engine/validate/validator.ts';
import { PaperExecutor } from '../../engine/execute/paper_executor.ts';
import { DecisionLog } from '../../engine/sinks/decision_log.ts';
import { kDefaultConfig, type EngineConfig } from '../../engine/options.ts';
import { kCtlCycle, kCtlCycleEpoch, kCtlCycleTs, kCtlEpoch } from '../../protocol/layout.ts';
import { agentSpec, kAgentNames } from '../../workers/agents/index.ts';
import { allocateResultRegion, type ResultRegionBuffers } from '../../protocol/result_region.ts';

export interface CoreOptions {
  registry: InstrumentRegistry; // frozen
  agents?: readonly string[];
  config?: EngineConfig;
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
  /** Cycles published by baselines that drive the core themselves (not through a Dispatcher). */
  cycle = 0;

  constructor(o: CoreOptions) {
    const registry = o.registry;
    this.config = o.config ?? kDefaultConfig;
    this.agents = o.agents ?? kAgentNames;
    const capacity = Math.max(1, registry.size);
    this.buffers = allocateMarketState(capacity);
    this.arrays = new MarketArrays(this.buffers);
    this.writer = new MarketWriter(this.arrays);
    this.writer.clear();
    this.snapshot = registry.snapshot(capacity);
    for (let s = 0; s < registry.size; s++) this.writer.setKind(s, this.snapshot.meta[s]!.kind);
    this.view = new MarketView(this.buffers);
    this.trigger = new Trigger(capacity, this.config.trigger);
    this.regions = new Map();
    for (const name of this.agents) {
      const spec = agentSpec(name);
      this.regions.set(name, allocateResultRegion({ maxRecords: spec.maxRecords, tableWidth: spec.tableWidth, capacity }));
    }
    this.readers = [...this.regions].map(([name, r]) => new ResultReader(name, r));
    this.stats = new ConsolidationStats();
    this.sink = new DecisionLog(null);
    const validator = new Validator(this.config.limits, this.config.killSwitch);
    const executor = new PaperExecutor(this.arrays, this.view, this.snapshot, this.config.agents);
    this.consolidator = new Consolidator({
      registry: this.snapshot, view: this.view, readers: new Map(this.readers.map((r) => [r.name, r])), config: this.config,
      validator, executor, sink: this.sink, stats: this.stats,
    });
  }

  /**
   * Publishes a cycle over the current epoch the way the engine's dispatcher does, for designs
   * that run the agents themselves (baselines). Returns the cycle number.
   */
  publishCycle(cycleTsUs: number): number {
    const ctl = this.arrays.ctl;
    this.cycle++;
    Atomics.store(ctl, kCtlCycleEpoch, Atomics.load(ctl, kCtlEpoch));
    this.arrays.ctlF64[kCtlCycleTs] = cycleTsUs;
    Atomics.store(ctl, kCtlCycle, this.cycle);
    return this.cycle;
  }
}
