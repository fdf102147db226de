// Portfolio rebalancer: target weights for the core sleeve (the assets that trade against USD),
// from the risk view (inverse volatility: each asset carries the same risk), the trades that reach
// them from what is held, and the rule that a rebalance is worth doing only when a weight has
// drifted past a band and the risk it removes is worth more than what the trades cost.
// It keeps its own EWMA volatilities (agents never read each other's output within a cycle, so
// results do not depend on thread timing).
import { kAsk, kBid, kKindBook, kPfPositions0, kTs } from '../../engine/state/layout.ts';
import type { MarketView } from '../../engine/state/market_view.ts';
import type { Agent, AgentContext } from './agent.ts';
import { AssetPrices } from './asset_prices.ts';
import type { AgentConfig } from './config.ts';
import { kRecTargetWeight } from './records.ts';
import type { ResultWriter } from './result_region.ts';
import { TickVolatility } from './volatility.ts';
import {
  inverseVolatilityWeights, kRebalInfoLength, kRebalParamBand, kRebalParamCostBps, kRebalParamFixedCostUsd,
  kRebalParamHorizonDays, kRebalParamRiskAversion, kRebalParamsLength, rebalanceDecision,
} from '../finance/portfolio.ts';

/** Returns an asset needs before its volatility counts. */
const kMinReturns = 20;
/** Fraction of capital the core sleeve holds. */
export const kSleeveFraction = 0.3;
/** Market time between two rebalance checks (µs). */
const kCheckIntervalUs = 1_000_000;

export class PortfolioRebalancer implements Agent {
  #view!: MarketView;
  #out!: ResultWriter;
  #cfg!: AgentConfig;
  #prices!: AssetPrices;
  #assetRep!: Int32Array; // asset → representative USD book slot (-1 = not in the sleeve)
  #isRep!: Uint8Array;
  #bookBase!: Int32Array; // book slots (any USD quote) and their base asset, to value holdings
  #bookSlots!: Int32Array;
  #nAssets = 0;
  #vol!: TickVolatility; // per asset, from its representative book
  #vols!: Float64Array;
  #target!: Float64Array;
  #current!: Float64Array;
  #trades!: Float64Array;
  #value!: Float64Array; // asset → USD value held
  #idx!: Int32Array; // sleeve position → asset (assets with enough history)
  #cov!: Float64Array;
  #params = new Float64Array(kRebalParamsLength);
  #info = new Float64Array(kRebalInfoLength);
  #lastCheckUs = -Infinity;
  #q = new Float64Array(2);

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    this.#out = ctx.out;
    this.#cfg = ctx.config;
    const reg = ctx.registry;
    this.#prices = new AssetPrices(ctx.view, reg);
    const nA = this.#prices.names.length;
    this.#assetRep = new Int32Array(nA).fill(-1);
    this.#isRep = new Uint8Array(reg.capacity);
    const books: number[] = [];
    for (let s = 0; s < reg.size; s++) {
      const m = reg.meta[s]!;
      if (m.kind !== kKindBook || !this.#prices.isUsdQuoted(s)) continue;
      books.push(s);
      const a = this.#prices.baseOf[s]!;
      if (this.#assetRep[a] === -1 && this.#prices.usd[a] !== 1) { this.#assetRep[a] = s; this.#isRep[s] = 1; }
    }
    this.#bookSlots = Int32Array.from(books);
    this.#bookBase = Int32Array.from(books.map((s) => this.#prices.baseOf[s]!));
    this.#nAssets = nA;
    this.#vol = new TickVolatility(nA, this.#cfg.risk.ewmaLambda);
    this.#vols = new Float64Array(nA);
    this.#target = new Float64Array(nA);
    this.#current = new Float64Array(nA);
    this.#trades = new Float64Array(nA);
    this.#value = new Float64Array(nA);
    this.#idx = new Int32Array(nA);
    this.#cov = new Float64Array(nA * nA);
    const p = this.#params;
    p[kRebalParamBand] = this.#cfg.portfolio.driftBand;
    p[kRebalParamRiskAversion] = this.#cfg.portfolio.riskAversion;
    p[kRebalParamHorizonDays] = this.#cfg.portfolio.horizonDays;
    p[kRebalParamCostBps] = this.#cfg.portfolio.costBps;
    p[kRebalParamFixedCostUsd] = 0;
  }

  onChange(slot: number): void {
    if (this.#isRep[slot] !== 1) return;
    this.#prices.onBook(slot);
    const q = this.#q;
    this.#view.read2(slot, kBid, kAsk, q);
    const mid = 0.5 * (q[0]! + q[1]!);
    if (!(mid > 0)) return;
    this.#view.read2(slot, kTs, kTs, q);
    const ts = q[0]!;
    this.#vol.update(this.#prices.baseOf[slot]!, mid, ts);
  }

  emit(nowUs: number): void {
    if (nowUs - this.#lastCheckUs < kCheckIntervalUs) return;
    this.#lastCheckUs = nowUs;
    // The sleeve: assets with a representative book and enough history.
    let n = 0;
    for (let a = 0; a < this.#nAssets; a++) {
      if (this.#assetRep[a] === -1 || this.#vol.count[a]! < kMinReturns) continue;
      const sigma = this.#vol.sigmaDaily(a);
      if (!(sigma > 0)) continue;
      this.#idx[n] = a;
      this.#vols[n] = sigma;
      n++;
    }
    if (n < this.#cfg.portfolio.minAssets) return;
    // Current holdings, valued at USD mids, as weights of the sleeve's target value.
    const value = this.#value;
    value.fill(0);
    const pf = this.#view.arrays.portfolio;
    const books = this.#bookSlots;
    for (let i = 0; i < books.length; i++) {
      const units = pf[kPfPositions0 + books[i]!]!;
      if (units !== 0) {
        const a = this.#bookBase[i]!;
        value[a] = value[a]! + units * this.#prices.usd[a]!;
      }
    }
    const sleeveUsd = this.#cfg.capitalUsd * kSleeveFraction;
    for (let i = 0; i < n; i++) this.#current[i] = value[this.#idx[i]!]! / sleeveUsd;
    inverseVolatilityWeights(this.#vols, n, this.#target);
    // Covariance: diagonal from the EWMA volatilities (cross-asset correlation is not modelled here).
    const cov = this.#cov;
    cov.fill(0, 0, n * n);
    for (let i = 0; i < n; i++) cov[i * n + i] = this.#vols[i]! * this.#vols[i]!;
    const due = rebalanceDecision(this.#current, this.#target, cov, n, sleeveUsd, this.#params, this.#trades, this.#info);
    if (!due) return;
    for (let i = 0; i < n; i++) {
      const a = this.#idx[i]!;
      this.#out.push(kRecTargetWeight, this.#assetRep[a]!, -1, this.#target[i]!, this.#current[i]!, this.#trades[i]!, this.#vols[i]!, 1);
    }
  }
}
