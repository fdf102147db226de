// Test helper: a small universe in shared memory, agent result regions the test writes records
// into, and the engine's own pipeline around them (buildPipeline, no agent started): the fusion
// context a fusion is handed, whose next stages (validate → execute → record) are the engine's,
// and the proposals they recorded.
//
//   const f = fusionHarness([ev1, ev2], ['market_analyzer'], (reg) => reserveDerivedSlots(reg));
//   f.feed([ev]);                                  // decode and apply to the state
//   f.records('market_analyzer', cycle, [[kind, slotA, slotB, score, value, size, risk, aux]]);
//   new MarketFusion(f.ctx).consolidate(cycle, epoch, nowUs);  f.drafts → what it decided
import { kDefaultConfig, type EngineConfig } from '../../options.ts';
import { InstrumentRegistry } from '../../../protocol/registry.ts';
import { ResultWriter } from '../../../protocol/result_region.ts';
import type { Validator } from '../../validate/validator.ts';
import type { PaperExecutor } from '../../execute/paper_executor.ts';
import type { Proposal } from '../../types.ts';
import { decodeAll, feedEvents, slotIn, testPipeline, type TestState } from '../../testing/agent_harness.ts';
import type { FusionContext } from '../fusion.ts';

export interface FusionHarness extends TestState {
  config: EngineConfig;
  validator: Validator;
  executor: PaperExecutor;
  ctx: FusionContext;
  /** The proposals recorded as decisions, in order, with their verdicts and fills (unrounded). */
  drafts: Proposal[];
  writers: Map<string, ResultWriter>;
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
  const config = structuredClone(kDefaultConfig) as EngineConfig;
  patch?.(config);
  const drafts: Proposal[] = [];
  const pipeline = testPipeline(registry, agents, config, (p) => { drafts.push(p); });
  const { arrays, writer, view, snapshot, validator, executor, fusionContext: ctx } = pipeline;
  const writers = new Map<string, ResultWriter>();
  for (const name of agents) writers.set(name, new ResultWriter(pipeline.regions.get(name)!));
  return {
    pipeline, registry, snapshot, arrays, view, writer, config, validator, executor, ctx, drafts, writers,
    slot: (key: string): number => slotIn(registry, key),
    feed(events: readonly object[]): void { feedEvents(events, registry, writer); },
    records(name: string, cycle: number, rows: number[][]): void {
      const w = writers.get(name)!;
      w.begin(cycle);
      for (const r of rows) w.push(r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!, r[6]!, r[7]!);
      w.publish(cycle, writer.epoch);
      ctx.readers.get(name)!.read();
    },
    table(name: string, col: number, slot: number, v: number): void {
      writers.get(name)!.setTable(col, slot, v);
    },
  };
}
