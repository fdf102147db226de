// Portfolio rebalancer: target weights for the core sleeve (the assets that trade against USD) by
// risk parity on the full covariance of their returns — every asset contributes the same share of
// the sleeve's variance, wᵢ·(Σw)ᵢ/(wᵀΣw) = 1/n, correlations included (finance/portfolio.ts
// riskBudgetWeights) — the trades that reach them from what is held, and the rule that a rebalance
// is worth doing only when a weight has drifted past a band and the tracking risk it removes,
// ½·λ·h·dᵀΣd·V with the same full Σ, is worth more than what the trades cost (rebalanceDecision).
// The covariance is the EWMA of returns sampled on the covariance clock (asset_returns.ts); the
// check runs at each sample. It keeps its own covariance: agents never read each other's output
// within a cycle, so results do not depend on thread timing.
//
// The trades' cost is the agent's configured costBps until the learning loop installs a fitted
// expected-return model (its parameter region, version > 0: θ of workers/learning/expected_return.ts).
// Then each trade's return is predicted from its features as the outcomes measure them, θ · [1,
// −costBps/100, half spread of its book (percent)], and the cost the rule weighs is the loss that
// predicts, turnover-weighted over the trades: a rebalance whose benefit does not pay the fitted
// cost (expected return after it negative) is skipped, and one that does is sized to the fraction
// α of the way to the target that maximises benefit less fitted cost: removing α of the drift d
// removes the share 2α − α² of the tracking variance, so with B the full benefit and C the full
// fitted cost, B·(2α − α²) − C·α is largest at α = 1 − C/(2B) (in (½, 1] once B > C). Version 0
// leaves the rule exactly as configured (all the way to the target).
import { kAsk, kBid, kKindBook, kPfPositions0, pfHedged } from '../../protocol/layout.ts';
import type { ParamRegionReader } from '../../protocol/param_region.ts';
import { kFeatureCount, kFHalfSpread, kFIntercept, kFStated, predictReturnPct } from '../learning/expected_return.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { Agent, AgentContext } from './agent.ts';
import { AssetPrices } from './asset_prices.ts';
import { AssetReturns } from './asset_returns.ts';
import type { AgentConfig } from './config.ts';
import { kRecTargetWeight } from '../../protocol/records.ts';
import type { ResultWriter } from '../../protocol/result_region.ts';
import {
  inverseVolatilityWeights, kRebalInfoBenefitUsd, kRebalInfoCostUsd, kRebalInfoLength, kRebalParamBand, kRebalParamCostBps, kRebalParamFixedCostUsd,
  kRebalParamHorizonDays, kRebalParamRiskAversion, kRebalParamsLength, rebalanceDecision, riskBudgetWeights,
} from '../../finance/portfolio.ts';
import type { Fields } from '../../protocol/snapshot.ts';

// (a module-private copy for the hot path: an optimized function that reads an exported binding
// holding a non-integer number allocates a heap number per read)
const kSleeveFractionLocal = 0.3;
/** Fraction of capital the core sleeve holds. */
export const kSleeveFraction = kSleeveFractionLocal;

export class PortfolioRebalancer implements Agent {
  #view!: MarketView;
  #out!: ResultWriter;
  #cfg!: AgentConfig;
  #prices!: AssetPrices; // every USD-quoted book, to value holdings
  #returns!: AssetReturns; // representative books, the covariance
  #bookSlots!: Int32Array; // USD-quoted book slots and the AssetReturns id of their base (-1: not in the sleeve)
  #bookAsset!: Int32Array;
  #bookBaseUsd!: Int32Array; // AssetPrices index of the base, for the USD value
  #vols!: Float64Array;
  #target!: Float64Array;
  #current!: Float64Array;
  #trades!: Float64Array;
  #value!: Float64Array; // asset → USD value held
  #idx!: Int32Array; // sleeve position → asset (assets with enough history)
  #cov!: Float64Array;
  #scratch!: Float64Array;
  #params = new Float64Array(kRebalParamsLength);
  #info = new Float64Array(kRebalInfoLength);
  #model: ParamRegionReader | null = null;
  #features = new Float64Array(kFeatureCount);
  #q = new Float64Array(2);
  /** The cost (bps of turnover) the last rebalance check weighed. */
  lastCostBps = 0;
  /** The fraction of the way to the target the last due rebalance traded (1 but under a fitted model). */
  lastFraction = 1;
  /** The last check's benefit and cost (USD), as rebalanceDecision weighed them. */
  get lastBenefitUsd(): number { return this.#info[kRebalInfoBenefitUsd]!; }
  get lastCostUsd(): number { return this.#info[kRebalInfoCostUsd]!; }
  /** Sweeps the last risk-parity solve took (−1: it failed and inverse volatility was used). */
  lastSweeps = 0;

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    this.#out = ctx.out;
    this.#cfg = ctx.config;
    this.#model = ctx.params ?? null;
    const reg = ctx.registry;
    this.#prices = new AssetPrices(ctx.view, reg);
    this.#returns = new AssetReturns(ctx.view, reg, ctx.config);
    const books: number[] = [];
    for (let s = 0; s < reg.size; s++) {
      if (reg.meta[s]!.kind === kKindBook && this.#prices.isUsdQuoted(s)) books.push(s);
    }
    this.#bookSlots = Int32Array.from(books);
    this.#bookAsset = Int32Array.from(books.map((s) => this.#returns.indexOf(reg.meta[s]!.base)));
    this.#bookBaseUsd = Int32Array.from(books.map((s) => this.#prices.baseOf[s]!));
    const n = Math.max(1, this.#returns.n);
    this.#vols = new Float64Array(n);
    this.#target = new Float64Array(n);
    this.#current = new Float64Array(n);
    this.#trades = new Float64Array(n);
    this.#value = new Float64Array(n);
    this.#idx = new Int32Array(n);
    this.#cov = new Float64Array(n * n);
    this.#scratch = new Float64Array(n);
    const p = this.#params;
    p[kRebalParamBand] = this.#cfg.portfolio.driftBand;
    p[kRebalParamRiskAversion] = this.#cfg.portfolio.riskAversion;
    p[kRebalParamHorizonDays] = this.#cfg.portfolio.horizonDays;
    p[kRebalParamCostBps] = this.#cfg.portfolio.costBps;
    p[kRebalParamFixedCostUsd] = 0;
  }

  onChange(slot: number): void {
    this.#prices.onBook(slot);
    this.#returns.onChange(slot);
  }

  emit(nowUs: number): void {
    const ret = this.#returns;
    if (!ret.maybeSample(nowUs)) return;
    // The sleeve: assets with enough returns on the clock.
    let n = 0;
    for (let a = 0; a < ret.n; a++) {
      if (!ret.ready(a)) continue;
      const sigma = ret.cov.sigmaDaily(a);
      if (!(sigma > 0)) continue;
      this.#idx[n] = a;
      this.#vols[n] = sigma;
      n++;
    }
    if (n < this.#cfg.portfolio.minAssets) return;
    if (!ret.cov.dailyCovariance(this.#idx, n, this.#cov)) return;
    // Current holdings, valued at USD mids, as weights of the sleeve's target value.
    const value = this.#value;
    value.fill(0);
    const pf = this.#view.arrays.portfolio;
    const cap = this.#view.capacity;
    const books = this.#bookSlots;
    for (let i = 0; i < books.length; i++) {
      const a = this.#bookAsset[i]!;
      if (a < 0) continue;
      // the free part: legs of pair trades and carries are not the sleeve's to rebalance
      const units = pf[kPfPositions0 + books[i]!]! - pf[pfHedged(cap, books[i]!)]!;
      if (units !== 0 && units === units) value[a] = value[a]! + units * this.#prices.usd[this.#bookBaseUsd[i]!]!;
    }
    const sleeveUsd = this.#cfg.capitalUsd * kSleeveFractionLocal;
    for (let i = 0; i < n; i++) this.#current[i] = value[this.#idx[i]!]! / sleeveUsd;
    this.lastSweeps = riskBudgetWeights(this.#cov, n, null, this.#target, this.#scratch);
    if (this.lastSweeps < 0) inverseVolatilityWeights(this.#vols, n, this.#target);
    this.#params[kRebalParamCostBps] = this.lastCostBps = this.#costBps(n);
    const due = rebalanceDecision(this.#current, this.#target, this.#cov, n, sleeveUsd, this.#params, this.#trades, this.#info);
    if (!due) return;
    const fitted = this.#model !== null && this.#model.version !== 0;
    const alpha = fitted ? 1 - this.#info[kRebalInfoCostUsd]! / (2 * this.#info[kRebalInfoBenefitUsd]!) : 1;
    this.lastFraction = alpha;
    for (let i = 0; i < n; i++) {
      const a = this.#idx[i]!;
      this.#out.push(kRecTargetWeight, ret.repSlot[a]!, -1, this.#target[i]!, this.#current[i]!, alpha * this.#trades[i]!, this.#vols[i]!, 1);
    }
  }

  /** The cost the rule weighs, bps of turnover: configured (version 0), or the fitted model's predicted loss. */
  #costBps(n: number): number {
    const configured = this.#cfg.portfolio.costBps;
    const model = this.#model;
    if (model === null || model.version === 0) return configured;
    const theta = model.values;
    const f = this.#features;
    f[kFIntercept] = 1;
    f[kFStated] = -configured / 100;
    let weighted = 0, turnover = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.abs(this.#target[i]! - this.#current[i]!);
      if (!(d > 0)) continue;
      this.#view.read2(this.#returns.repSlot[this.#idx[i]!]!, kBid, kAsk, this.#q);
      const bid = this.#q[0]!, ask = this.#q[1]!;
      f[kFHalfSpread] = bid > 0 && ask >= bid ? (100 * (ask - bid)) / (ask + bid) : 0;
      const lossPct = -predictReturnPct(theta, f);
      weighted += d * (lossPct > 0 ? lossPct : 0);
      turnover += d;
    }
    return turnover > 0 ? (100 * weighted) / turnover : configured;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('view');
    this.#out = v.f('out', this.#out);
    v.b('cfg');
    this.#prices = v.f('prices', this.#prices);
    this.#returns = v.f('returns', this.#returns);
    this.#bookSlots = v.f('bookSlots', this.#bookSlots);
    this.#bookAsset = v.f('bookAsset', this.#bookAsset);
    this.#bookBaseUsd = v.f('bookBaseUsd', this.#bookBaseUsd);
    this.#vols = v.f('vols', this.#vols);
    this.#target = v.f('target', this.#target);
    this.#current = v.f('current', this.#current);
    this.#trades = v.f('trades', this.#trades);
    this.#value = v.f('value', this.#value);
    this.#idx = v.f('idx', this.#idx);
    this.#cov = v.f('cov', this.#cov);
    this.#scratch = v.f('scratch', this.#scratch);
    this.#params = v.f('params', this.#params);
    this.#info = v.f('info', this.#info);
    this.#model = v.f('model', this.#model);
    this.#features = v.f('features', this.#features);
    this.#q = v.f('q', this.#q);
    this.lastCostBps = v.f('lastCostBps', this.lastCostBps);
    this.lastFraction = v.f('lastFraction', this.lastFraction);
    this.lastSweeps = v.f('lastSweeps', this.lastSweeps);
  }
}
