// What a fusion (one agent's consolidation step, engine/types.ts Fusion) is given, and how it
// builds the actions it proposes. A fusion reads records and the state, sizes an action and hands
// it to `decide`: the next stages (validate → execute → record, wired by engine/pipeline.ts) fill
// in the verdict and the fill, which the fusion then books (a position it now holds, a pair trade
// it opened). A fusion holds no validator and no executor: it reads the portfolio through a
// read-only view and proposes.
import type { EngineConfig } from '../options.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { RiskView } from '../validate/risk_view.ts';
import type { Proposal, Verdict } from '../types.ts';
import type { RiskTable } from './risk_table.ts';
import type { ConsolidationStats } from './stats.ts';

/** What a fusion may read of the portfolio (the paper executor owns it). */
export interface PortfolioView {
  readonly cashUsd: number;
  /** A slot's position less the part held by carries and pair trades. */
  free(slot: number): number;
  /** The largest carry the cash can collateralise on lending market `borrow` after `gasUsd` (USD). */
  maxCarryUsd(borrow: number, gasUsd: number): number;
  /** The first of legs[0..n) whose current quote an earlier fill already took, or -1. */
  takenLeg(legs: Int32Array, n: number): number;
  /** The legs of the last pair fill (kPair* fields of paper_executor.ts). */
  readonly pair: Float64Array;
}

export interface FusionContext {
  registry: RegistrySnapshot;
  view: MarketView;
  readers: Map<string, ResultReader>;
  config: EngineConfig;
  portfolio: PortfolioView;
  /** The risk assessor's per-slot view (composite risk, max position). */
  risk: RiskTable;
  /** What consolidation learns that the validator enforces (the portfolio VaR). */
  riskView: RiskView;
  stats: ConsolidationStats;
  /** The agents' circuit breakers (engine/control/breakers.ts): told each agent's cycle; false: ignore its records. */
  breakers?: { observe(r: ResultReader, cycle: number, nowUs: number): boolean };
  /** The control plane (engine/control/): told each consolidation's cycle (a state change is in force from it). */
  control?: { onCycle(cycle: number): void };
  /** The next stages: sets the proposal's verdict and fill, and records the decision. */
  decide(p: Proposal): void;
}

/** A proposal's fields beyond the decision's: whatever a fusion leaves out takes its default. */
export type ProposalInit = Pick<Proposal, 'key' | 'cycle' | 'epoch' | 'ts' | 'agent' | 'kind' | 'action' | 'instruments' | 'sizeUsd' | 'expectedProfitUsd' | 'score'>
  & Partial<Omit<Proposal, 'verdict' | 'fill'>>;

const kUndecided: Verdict = { status: 'rejected', reason: 'not decided' };

/**
 * A proposal with every field set, in one order (one object shape): no ruling (the validator
 * decides), the validator checks `sizeUsd`, nothing to fill, no exposure.
 */
export function proposal(x: ProposalInit): Proposal {
  return {
    key: x.key, cycle: x.cycle, epoch: x.epoch, ts: x.ts, agent: x.agent, kind: x.kind, action: x.action,
    instruments: x.instruments, sizeUsd: x.sizeUsd, expectedProfitUsd: x.expectedProfitUsd, score: x.score,
    ruling: x.ruling ?? null,
    checkUsd: x.checkUsd ?? x.sizeUsd,
    increasesRisk: x.increasesRisk ?? false,
    protocol: x.protocol ?? '',
    exit: x.exit ?? false,
    order: x.order ?? null,
    exposureUsd: x.exposureUsd ?? 0,
    exposureFromFill: x.exposureFromFill ?? false,
    approvedReason: x.approvedReason ?? null,
    realizesPnl: x.realizesPnl ?? false,
    quietIfRejected: x.quietIfRejected ?? false,
    pauseUntilUs: x.pauseUntilUs ?? NaN,
    sighting: x.sighting ?? 0,
    verdict: kUndecided,
    fill: null,
  };
}

/** newProposal()'s numbers, by index (kPn…): a fusion writes them here before the call. */
export const proposalNums = new Float64Array(4);
export const kPnTs = 0, kPnSizeUsd = 1, kPnExpectedProfitUsd = 2, kPnScore = 3;

/**
 * proposal() for the hot fusions: the same object (same fields, same order, the same defaults) from
 * positional arguments and the numbers in proposalNums, with no init literal made and copied and no
 * double passed as an argument (a call V8 does not inline boxes each). The caller sets the fields
 * beyond the defaults on the object it gets back, before deciding it.
 */
export function newProposal(
  key: string, cycle: number, epoch: number, agent: string, kind: string, action: string, instruments: string[],
): Proposal {
  const n = proposalNums;
  const sizeUsd = n[kPnSizeUsd]!;
  return {
    key, cycle, epoch, ts: n[kPnTs]!, agent, kind, action,
    instruments, sizeUsd, expectedProfitUsd: n[kPnExpectedProfitUsd]!, score: n[kPnScore]!,
    ruling: null,
    checkUsd: sizeUsd,
    increasesRisk: false,
    protocol: '',
    exit: false,
    order: null,
    exposureUsd: 0,
    exposureFromFill: false,
    approvedReason: null,
    realizesPnl: false,
    quietIfRejected: false,
    pauseUntilUs: NaN,
    sighting: 0,
    verdict: kUndecided,
    fill: null,
  };
}
