// What a consolidation step for one agent (a "fusion") is given, and the shape of the decisions it
// proposes. The consolidator builds one context and hands it to the fusions of the agents that
// live in their own files (market_fusion.ts, liquidity_fusion.ts, execution_fusion.ts).
import type { EngineConfig } from '../options.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import type { Fill, PaperExecutor } from '../execute/paper_executor.ts';
import type { Validator, Verdict } from '../validate/validator.ts';
import type { ConsolidationStats } from './consolidator.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';

/** A decision before the consolidator numbers it, rounds it and writes it. */
export interface DecisionDraft {
  key: string;
  cycle: number;
  epoch: number;
  ts: number;
  agent: string;
  kind: string;
  action: string;
  instruments: string[];
  sizeUsd: number;
  expectedProfitUsd: number;
  score: number;
  verdict: Verdict;
  fill: Fill | null;
}

export interface FusionContext {
  registry: RegistrySnapshot;
  view: MarketView;
  readers: Map<string, ResultReader>;
  config: EngineConfig;
  validator: Validator;
  executor: PaperExecutor;
  stats: ConsolidationStats;
  /** Writes one decision (numbered, rounded, to the sink and the stats). */
  emit(d: DecisionDraft): void;
  /** The risk assessor's composite risk 0..10 of a slot (NaN without a view). */
  riskOf(slot: number): number;
  /** The risk assessor's max position (USD) of a slot (the hard limit without a risk view). */
  maxPositionOf(slot: number): number;
  /** Instruments whose composite risk (0..10) is above this are not entered. */
  maxInstrumentRisk: number;
}

/** One agent's consolidation step, run once per consolidated cycle after the reader was read. */
export interface Fusion {
  consolidate(cycle: number, epoch: number, nowUs: number): void;
}
