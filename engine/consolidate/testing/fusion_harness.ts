// Test helper: a small universe in shared memory, agent result regions the test writes records
// into, and the FusionContext the consolidator would hand to a fusion, with the drafts it emits.
//
//   const f = fusionHarness([ev1, ev2], ['market_analyzer'], (reg) => reserveDerivedSlots(reg));
//   f.feed([ev]);                                  // decode and apply to the state
//   f.records('market_analyzer', cycle, [[kind, slotA, slotB, score, value, size, risk, aux]]);
//   new MarketFusion(f.ctx).consolidate(cycle, epoch, nowUs);  f.drafts → what it decided
import { stateForUniverse } from '../../state/state_for_universe.ts';
import { kDefaultConfig, type EngineConfig } from '../../options.ts';
import type { MarketArrays } from '../../../protocol/market_state.ts';
import { MarketView } from '../../../protocol/market_view.ts';
import { MarketWriter } from '../../state/market_writer.ts';
import { InstrumentRegistry, type RegistrySnapshot } from '../../../protocol/registry.ts';
import { Validator } from '../../validate/validator.ts';
import { PaperExecutor } from '../../execute/paper_executor.ts';
import { kRiskTableMaxPositionUsd, kRiskTableScore } from '../../../protocol/records.ts';
import { agentSpec } from '../../../workers/agents/index.ts';
import { allocateResultRegion, ResultWriter } from '../../../protocol/result_region.ts';
import { decodeAll } from '../../../workers/agents/testing/state_builder.ts';
import { ConsolidationStats } from '../consolidator.ts';
import type { DecisionDraft, FusionContext } from '../fusion.ts';
import { ResultReader } from '../../../protocol/result_reader.ts';

export interface FusionHarness {
  registry: InstrumentRegistry;
  snapshot: RegistrySnapshot;
  arrays: MarketArrays;
  view: MarketView;
  writer: MarketWriter;
  config: EngineConfig;
  validator: Validator;
  executor: PaperExecutor;
  ctx: FusionContext;
  drafts: DecisionDraft[];
  writers: Map<string, ResultWriter>;
  slot(key: string): number;
  feed(events: readonly object[]): void;
  /** Publishes `rows` as agent `name`'s records of `cycle`, and reads them into its reader. */
  records(name: string, cycle: number, rows: number[][]): void;
  /** Sets a cell of an agent's per-slot table. */
  table(name: string, col: number, slot: number, v: number): void;
}

export function fusionHarness(
  universe: readonly object[], agents: string[], beforeFreeze?: (r: InstrumentRegistry) => void,
  patch?: (c: EngineConfig) => void,
): FusionHarness {
  const registry = new InstrumentRegistry();
  decodeAll(universe, registry);
  beforeFreeze?.(registry);
  registry.freeze();
  const { capacity, arrays, writer, view, snapshot } = stateForUniverse(registry, 1 << 10);
  const config = structuredClone(kDefaultConfig) as EngineConfig;
  patch?.(config);
  const validator = new Validator(config.limits, config.killSwitch);
  const executor = new PaperExecutor(arrays, view, snapshot, config.agents);
  const readers = new Map<string, ResultReader>();
  const writers = new Map<string, ResultWriter>();
  for (const name of agents) {
    const spec = agentSpec(name);
    const region = allocateResultRegion({ maxRecords: spec.maxRecords, tableWidth: spec.tableWidth, capacity });
    readers.set(name, new ResultReader(name, region));
    writers.set(name, new ResultWriter(region));
  }
  const drafts: DecisionDraft[] = [];
  const risk = readers.get('risk_assessor')?.arrays.table ?? null;
  const ctx: FusionContext = {
    registry: snapshot, view, readers, config, validator, executor, stats: new ConsolidationStats(),
    emit: (d) => { drafts.push(d); },
    riskOf: (s) => (risk ? risk[kRiskTableScore * capacity + s]! : NaN),
    maxPositionOf: (s) => (risk ? risk[kRiskTableMaxPositionUsd * capacity + s]! : config.limits.maxPositionUsd),
    maxInstrumentRisk: 8,
  };
  return {
    registry, snapshot, arrays, view, writer, config, validator, executor, ctx, drafts, writers,
    slot(key: string): number {
      const s = registry.slotOf(key);
      if (s < 0) throw new Error(`no instrument ${JSON.stringify(key)} in the test universe`);
      return s;
    },
    feed(events: readonly object[]): void {
      const tape = decodeAll(events, registry);
      for (let r = 0; r < tape.length; r++) writer.apply(tape.rows, r, tape.depth);
    },
    records(name: string, cycle: number, rows: number[][]): void {
      const w = writers.get(name)!;
      w.begin(cycle);
      for (const r of rows) w.push(r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!, r[6]!, r[7]!);
      w.publish(cycle, writer.epoch);
      readers.get(name)!.read();
    },
    table(name: string, col: number, slot: number, v: number): void {
      writers.get(name)!.setTable(col, slot, v);
    },
  };
}
