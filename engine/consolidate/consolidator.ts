// Consolidation (main thread): reads every agent's published records lock-free, fuses them into
// actions under the risk assessor's view, validates each action, executes the approved ones on
// paper, and writes one decision per action to the sink. Following the record:
//  - yield opportunities are weighed by the risk view and the hunter's confidence;
//  - arbitrage is kept only when its execution risk and its instruments' risk are acceptable
//    (arbitrage_fusion.ts);
//  - every action is capped by the risk assessor's max position size and the hard limits;
//  - every approval and rejection carries its reason.
// An opportunity that stays open across cycles is decided once, when it opens.
import { SlotSet } from './slot_set.ts';
import { kRecordWidth } from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import type { EngineConfig } from '../options.ts';
import type { Decision, DecisionSink } from '../types.ts';
import type { Validator, Verdict } from '../validate/validator.ts';
import type { Fill, PaperExecutor } from '../execute/paper_executor.ts';
import {
  kAlertGovernance, kAlertLiquidationCascade, kAlertLiquidations, kAlertMajorMove, kRecPortfolioRisk,
  kRecRiskAlert, kRecTargetWeight, kRecYield, kRiskTableMaxPositionUsd, kRiskTableScore,
} from '../../protocol/records.ts';
import { KeyRounds } from './key_rounds.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import { ExecutionFusion } from './execution_fusion.ts';
import type { FusionContext } from './fusion.ts';
import { LiquidityFusion } from './liquidity_fusion.ts';
import { MarketFusion } from './market_fusion.ts';
import { ArbitrageFusion } from './arbitrage_fusion.ts';
import { Tape } from '../../protocol/tape.ts';
import { usdText } from '../usd_text.ts';

/** Arbitrage whose execution risk (0..1) is above this is not kept. */
export const kMaxExecutionRisk = 0.8;
/** Instruments whose composite risk (0..10) is above this are not traded. */
export const kMaxInstrumentRisk = 8;

export interface OpportunitySummary {
  agent: string;
  kind: string;
  instruments: string[];
  expectedProfitUsd: number;
  score: number;
  status: string;
  key: string;
}

export class ConsolidationStats {
  readonly opportunitiesByAgent: Record<string, number> = {};
  readonly decisionsByAgent: Record<string, number> = {};
  readonly decisionsByStatus: Record<string, number> = { approved: 0, rejected: 0, pending_approval: 0 };
  readonly top: OpportunitySummary[] = [];
  lastPortfolio = { hhi: 0, varUsd: 0, cvarUsd: 0, positions: 0 };
  decisions = 0;

  noteOpportunity(agent: string): void { this.opportunitiesByAgent[agent] = (this.opportunitiesByAgent[agent] ?? 0) + 1; }
  noteDecision(d: Decision): void {
    this.decisions++;
    this.decisionsByAgent[d.agent] = (this.decisionsByAgent[d.agent] ?? 0) + 1;
    this.decisionsByStatus[d.status] = (this.decisionsByStatus[d.status] ?? 0) + 1;
    if (d.expectedProfitUsd > 0 || d.kind === 'yield_entry') {
      const top = this.top;
      const v = d.expectedProfitUsd;
      if (top.length < 10 || v > top[top.length - 1]!.expectedProfitUsd) {
        top.push({ agent: d.agent, kind: d.kind, instruments: d.instruments, expectedProfitUsd: d.expectedProfitUsd, score: d.score, status: d.status, key: d.key });
        top.sort((a, b) => b.expectedProfitUsd - a.expectedProfitUsd || (a.key < b.key ? -1 : 1));
        if (top.length > 10) top.pop();
      }
    }
  }
}

export interface ConsolidatorDeps {
  registry: RegistrySnapshot;
  view: MarketView;
  readers: Map<string, ResultReader>;
  config: EngineConfig;
  validator: Validator;
  executor: PaperExecutor;
  sink: DecisionSink;
  stats: ConsolidationStats;
}

export class Consolidator {
  readonly #d: ConsolidatorDeps;
  readonly #cap: number;
  readonly #yieldRounds = new KeyRounds();
  #yieldRound = 0;
  #seq = 0;
  readonly #held: SlotSet; // yield pools held
  readonly #readerList: ResultReader[];
  readonly #inTop: Uint8Array; // yield slot in this cycle's candidate list
  readonly #risk: Float64Array | null;
  readonly #arb: ResultReader | undefined;
  readonly #yield: ResultReader | undefined;
  readonly #riskReader: ResultReader | undefined;
  readonly #rebalancer: ResultReader | undefined;
  /** The market analyzer's consolidation: derived events (takeDerived), regimes, risk factors. */
  readonly market: MarketFusion | null;
  readonly #liquidity: LiquidityFusion | null;
  /** Encodes the ready transaction of approved on-chain actions (execution optimizer). */
  readonly execution: ExecutionFusion | null;
  /** The arbitrage detector's opportunities (arbitrage_fusion.ts). */
  readonly #arbFusion: ArbitrageFusion | null;
  readonly #noDerived = new Tape(1);

  constructor(d: ConsolidatorDeps) {
    this.#d = d;
    this.#cap = d.registry.capacity;
    this.#arb = d.readers.get('arbitrage_detector');
    this.#yield = d.readers.get('yield_hunter');
    this.#riskReader = d.readers.get('risk_assessor');
    this.#rebalancer = d.readers.get('portfolio_rebalancer');
    this.#risk = this.#riskReader ? this.#riskReader.arrays.table : null;
    this.#held = new SlotSet(this.#cap);
    this.#readerList = [...d.readers.values()];
    this.#inTop = new Uint8Array(this.#cap);
    const fusion: FusionContext = {
      registry: d.registry, view: d.view, readers: d.readers, config: d.config, validator: d.validator,
      executor: d.executor, stats: d.stats, emit: (x) => this.#emit(x), riskOf: (s) => this.#riskOf(s),
      maxPositionOf: (s) => this.#maxPositionOf(s), maxInstrumentRisk: kMaxInstrumentRisk,
    };
    this.market = d.readers.has('market_analyzer') || d.readers.has('risk_assessor') ? new MarketFusion(fusion) : null;
    this.#liquidity = d.readers.has('liquidity_optimizer') ? new LiquidityFusion(fusion) : null;
    this.execution = d.readers.has('execution_optimizer') ? new ExecutionFusion(fusion) : null;
    this.#arbFusion = this.#arb ? new ArbitrageFusion(fusion) : null;
  }

  /**
   * Market events derived since the last call (major_price_movement, liquidation_cascade), decoded
   * into tape rows for the loop to replay as triggers; valid until the next call. See
   * market_fusion.ts for the contract.
   */
  takeDerived(): Tape {
    return this.market ? this.market.takeDerived() : this.#noDerived;
  }

  /** Consolidates the newest published records of every agent. Returns the decisions made. */
  consolidate(cycle: number, epoch: number, nowUs: number): number {
    const before = this.#d.stats.decisions;
    const readers = this.#readerList;
    for (let i = 0; i < readers.length; i++) {
      const r = readers[i]!;
      r.read();
      this.#d.validator.setAgentErrors(r.name, r.errors());
    }
    if (this.#riskReader) this.#riskRecords(this.#riskReader, cycle, epoch, nowUs);
    this.#arbFusion?.consolidate(cycle, epoch, nowUs); // arbitrage_fusion.ts
    if (this.#yield) this.#yields(this.#yield, cycle, epoch, nowUs);
    if (this.#rebalancer) this.#rebalance(this.#rebalancer, cycle, epoch, nowUs);
    this.#liquidity?.consolidate(cycle, epoch, nowUs);
    this.market?.consolidate(cycle, epoch, nowUs);
    return this.#d.stats.decisions - before;
  }

  #riskOf(slot: number): number {
    return this.#risk ? this.#risk[kRiskTableScore * this.#cap + slot]! : NaN;
  }
  #maxPositionOf(slot: number): number {
    if (!this.#risk) return this.#d.config.limits.maxPositionUsd;
    const v = this.#risk[kRiskTableMaxPositionUsd * this.#cap + slot]!;
    return v === v ? v : 0;
  }

  #riskRecords(r: ResultReader, cycle: number, epoch: number, nowUs: number): void {
    const rec = r.records;
    for (let i = 0; i < r.count; i++) {
      const o = r.offset + i * kRecordWidth;
      const kind = rec[o]!;
      if (kind === kRecPortfolioRisk) {
        this.#d.stats.lastPortfolio = { hhi: rec[o + 3]!, varUsd: rec[o + 4]!, cvarUsd: rec[o + 5]!, positions: rec[o + 7]! };
        this.#d.validator.portfolioVarUsd = rec[o + 4]!;
      } else if (kind === kRecRiskAlert) {
        const slot = rec[o + 1]!;
        const severity = rec[o + 3]!;
        const code = rec[o + 7]!;
        const meta = this.#d.registry.meta[slot]!;
        this.#d.stats.noteOpportunity(r.name);
        if (meta.protocol !== '' && severity >= 5) this.#d.validator.coolDown(meta.protocol, nowUs + this.#d.config.limits.protocolCooldownUs);
        const what = code === kAlertLiquidationCascade ? 'liquidation cascade' : code === kAlertLiquidations ? 'large liquidations'
          : code === kAlertGovernance ? 'governance' : code === kAlertMajorMove ? 'major price movement' : 'risk';
        this.#emit({
          key: `alert:${meta.key}:${code}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'risk_alert',
          action: severity >= 5 ? 'pause_new_entries' : 'note', instruments: [meta.key], sizeUsd: 0,
          expectedProfitUsd: 0, score: round(severity, 2),
          verdict: { status: 'approved', reason: `${what}: ${usdText(rec[o + 4]!)} (severity ${severity.toFixed(1)}/10)` }, fill: null,
        });
      }
    }
  }

  #yields(r: ResultReader, cycle: number, epoch: number, nowUs: number): void {
    const rec = r.records;
    const l = this.#d.config.limits;
    const rnd = ++this.#yieldRound;
    const inTop = this.#inTop;
    inTop.fill(0);
    const errors = r.errors();
    const confidence = Math.max(0, 1 - errors / Math.max(1, l.maxAgentErrors)); // falls with the agent's errors
    for (let i = 0; i < r.count; i++) {
      const o = r.offset + i * kRecordWidth;
      if (rec[o] !== kRecYield) continue;
      const slot = rec[o + 1]!;
      inTop[slot] = 1;
      if (this.#yieldRounds.swap(slot, rnd) === rnd - 1) continue; // decided when it entered the list
      this.#d.stats.noteOpportunity(r.name);
      if (this.#held.has(slot) || i >= l.maxYieldPositions || this.#held.size >= l.maxYieldPositions) continue;
      const score = rec[o + 3]!, apy = rec[o + 4]!, allocation = rec[o + 5]!;
      const risk = this.#riskOf(slot);
      const riskView = risk === risk ? risk : rec[o + 6]!;
      const fused = score * confidence * (1 - 0.5 * riskView / 10);
      const sizeUsd = Math.min(allocation * (fused / Math.max(score, 1e-9)), this.#maxPositionOf(slot), l.maxPositionUsd, this.#d.executor.cashUsd);
      const meta = this.#d.registry.meta[slot]!;
      const verdict = this.#d.validator.check(r.name, sizeUsd, true, meta.protocol, nowUs);
      let fill: Fill | null = null;
      if (verdict.status === 'approved') {
        fill = this.#d.executor.enterPool(slot, sizeUsd);
        this.#held.add(slot);
        this.#d.validator.exposureUsd += sizeUsd;
      }
      // Expected profit: one day of yield on the position.
      this.#emit({
        key: `yield:${meta.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'yield_entry', action: 'supply',
        instruments: [meta.key], sizeUsd, expectedProfitUsd: sizeUsd * apy / 100 / 365, score: round(fused, 4), verdict, fill,
      });
    }
    // Exits: held pools that left the candidate list.
    if (r.count > 0 || errors === 0) {
      const nHeld = this.#held.snapshot();
      for (let h = 0; h < nHeld; h++) {
        const slot = this.#held.snapshotAt(h);
        if (inTop[slot] === 1) continue;
        const size = this.#d.executor.free(slot); // a carry's supply in the same pool stays
        const meta = this.#d.registry.meta[slot]!;
        const verdict = this.#d.validator.check(r.name, Math.max(size, 1e-9), false, meta.protocol, nowUs);
        let fill: Fill | null = null;
        if (verdict.status !== 'rejected') {
          fill = this.#d.executor.exitPool(slot);
          this.#held.delete(slot);
          this.#d.validator.exposureUsd -= size;
        }
        this.#emit({
          key: `yield-exit:${meta.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'yield_exit', action: 'withdraw',
          instruments: [meta.key], sizeUsd: size, expectedProfitUsd: 0, score: 0,
          verdict: verdict.status === 'rejected' ? verdict : { status: 'approved', reason: 'left the candidate list' }, fill,
        });
      }
    }
  }

  #rebalance(r: ResultReader, cycle: number, epoch: number, nowUs: number): void {
    const rec = r.records;
    const l = this.#d.config.limits;
    for (let i = 0; i < r.count; i++) {
      const o = r.offset + i * kRecordWidth;
      if (rec[o] !== kRecTargetWeight || rec[o + 7] !== 1) continue;
      const slot = rec[o + 1]!;
      const tradeUsd = rec[o + 5]!;
      if (Math.abs(tradeUsd) < l.minTradeUsd) continue;
      this.#d.stats.noteOpportunity(r.name);
      const sizeUsd = Math.min(Math.abs(tradeUsd), this.#maxPositionOf(slot) || l.maxPositionUsd, l.maxPositionUsd);
      const signed = tradeUsd > 0 ? sizeUsd : -sizeUsd;
      const verdict = this.#d.validator.check(r.name, sizeUsd, tradeUsd > 0, '', nowUs);
      let fill: Fill | null = null;
      if (verdict.status === 'approved') {
        fill = this.#d.executor.trade(slot, signed);
        this.#d.validator.exposureUsd += fill.qty * fill.price; // what filled (a sell never takes a hedged leg)
      }
      const meta = this.#d.registry.meta[slot]!;
      this.#emit({
        key: `rebalance:${meta.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'rebalance',
        action: tradeUsd > 0 ? 'buy' : 'sell', instruments: [meta.key], sizeUsd, expectedProfitUsd: 0,
        score: round(rec[o + 3]!, 4), verdict: verdict.status === 'approved'
          ? { status: 'approved', reason: `target weight ${(rec[o + 3]! * 100).toFixed(2)}% from ${(rec[o + 4]! * 100).toFixed(2)}%` } : verdict,
        fill,
      });
    }
  }

  #emit(x: {
    key: string; cycle: number; epoch: number; ts: number; agent: string; kind: string; action: string;
    instruments: string[]; sizeUsd: number; expectedProfitUsd: number; score: number; verdict: Verdict; fill: Fill | null;
  }): void {
    const d: Decision = {
      key: x.key,
      seq: ++this.#seq,
      cycle: x.cycle,
      epoch: x.epoch,
      ts: x.ts,
      agent: x.agent,
      kind: x.kind,
      action: x.action,
      instruments: x.instruments,
      sizeUsd: round(x.sizeUsd, 2),
      expectedProfitUsd: round(x.expectedProfitUsd, 2),
      score: x.score,
      status: x.verdict.status,
      reason: x.verdict.reason,
      fill: x.fill === null ? null : {
        price: round(x.fill.price, 8), qty: round(x.fill.qty, 8), feeUsd: round(x.fill.feeUsd, 2), slippageUsd: round(x.fill.slippageUsd, 2),
      },
    };
    if (this.execution !== null && d.status === 'approved') {
      const tx = this.execution.transactionFor(d);
      if (tx !== null) d.tx = tx;
    }
    this.#d.sink.write(d);
    this.#d.stats.noteDecision(d);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
