// The engine's processing core for one universe: the shared market state sized from the registry,
// the agents (threads or inline), consolidation with validation and the paper executor, and the
// trigger. Sources drive it through an EventStepper; runEngine builds one, the Kafka source one per
// lane (the whole stream, or one shard).
import { stateForUniverse } from './state/state_for_universe.ts';
import type { EngineOptions } from './options.ts';
import type { InstrumentRegistry, RegistrySnapshot } from '../protocol/registry.ts';
import type { MarketArrays, MarketStateBuffers } from '../protocol/market_state.ts';
import type { MarketWriter } from './state/market_writer.ts';
import type { MarketView } from '../protocol/market_view.ts';
import { Trigger } from './trigger.ts';
import { createDispatcher, type Dispatcher } from './dispatch/dispatcher.ts';
import { planTopology } from './dispatch/topology.ts';
import { waitStrategy } from '../protocol/wait_strategy.ts';
import { Consolidator, ConsolidationStats } from './consolidate/consolidator.ts';
import { ResultReader } from '../protocol/result_reader.ts';
import { Validator } from './validate/validator.ts';
import { PaperExecutor } from './execute/paper_executor.ts';
import type { DecisionSink } from './types.ts';
import { agentSpec } from '../workers/agents/index.ts';
import { allocateResultRegion, type ResultRegionBuffers } from '../protocol/result_region.ts';

export interface Pipeline {
  capacity: number;
  snapshot: RegistrySnapshot;
  buffers: MarketStateBuffers;
  arrays: MarketArrays;
  writer: MarketWriter;
  view: MarketView;
  readers: ResultReader[];
  stats: ConsolidationStats;
  executor: PaperExecutor;
  consolidator: Consolidator;
  topology: string[][];
  dispatcher: Dispatcher;
  trigger: Trigger;
}

export interface PipelineHooks {
  crashAt?: { agent: string; cycle: number } | undefined;
  onThreadError?: (thread: number, err: Error) => void;
}

/** Builds the pipeline over a frozen registry and starts its agents. Stop it with dispatcher.stop(). */
export async function startPipeline(o: EngineOptions, registry: InstrumentRegistry, sink: DecisionSink, hooks: PipelineHooks = {}): Promise<Pipeline> {
  // Shared state, sized once from the universe.
  const { capacity, buffers, arrays, writer, view, snapshot } = stateForUniverse(registry);

  // Consolidation.
  const regions = new Map<string, ResultRegionBuffers>();
  for (const name of o.agents) {
    const spec = agentSpec(name);
    regions.set(name, allocateResultRegion({ maxRecords: spec.maxRecords, tableWidth: spec.tableWidth, capacity }));
  }
  const readers = [...regions].map(([name, r]) => new ResultReader(name, r));
  const stats = new ConsolidationStats();
  const validator = new Validator(o.config.limits, o.config.killSwitch);
  const executor = new PaperExecutor(arrays, view, snapshot, o.config.agents);
  const consolidator = new Consolidator({
    registry: snapshot, view, readers: new Map(readers.map((r) => [r.name, r])), config: o.config, validator, executor, sink, stats,
  });

  // Agents.
  const topology = planTopology(o.agents, o.threads, o.topology);
  const dispatcher = createDispatcher({
    state: buffers, arrays, registry: snapshot, config: o.config.agents, regions, topology, wait: waitStrategy(o.wait),
    cycleTimeoutMs: o.cycleTimeoutMs, crashAt: hooks.crashAt,
    onThreadError: hooks.onThreadError ?? ((t, err) => process.stderr.write(`agent thread ${t} failed: ${err.message}\n`)),
  });
  await dispatcher.start();
  const trigger = new Trigger(capacity, o.config.trigger);
  return { capacity, snapshot, buffers, arrays, writer, view, readers, stats, executor, consolidator, topology, dispatcher, trigger };
}
