// Risk assessor: the engine's risk view, per instrument and for the portfolio.
//  - Market risk: EWMA (RiskMetrics) volatility of each book's mid, scaled to a daily σ; parametric
//    VaR of a position from it.
//  - Liquidity risk: a position against the visible depth (books) or TVL (pools).
//  - Concentration risk: HHI of the portfolio's position values.
//  - Max position size: the least of the VaR budget, the liquidity cap and the concentration cap.
//  - Stop-loss: k·σ·√h below the current mid for a long.
// The per-slot view goes into this agent's table (one writer); alerts and the portfolio figures are
// records. Liquidation cascades, large liquidations and major price moves raise alerts.
import {
  kFieldCount,
  kAsk, kAskSize, kBid, kBidSize, kCascadeUsd, kChangePct, kExposureMulti, kIlRisk, kKindBook, kKindProtocol, kKindSignal, kKindYield,
  kLiqUsd, kPfPositions0, kStablecoin, kTs, kTvl,
} from '../../engine/state/layout.ts';
import type { MarketView } from '../../engine/state/market_view.ts';
import type { Agent, AgentContext } from './agent.ts';
import { AssetPrices } from './asset_prices.ts';
import type { AgentConfig } from './config.ts';
import {
  kAlertLiquidationCascade, kAlertLiquidations, kAlertMajorMove, kRecPortfolioRisk, kRecRiskAlert,
  kRiskTableMaxPositionUsd, kRiskTableScore, kRiskTableSigmaDaily, kRiskTableStopLoss,
} from './records.ts';
import type { ResultWriter } from './result_region.ts';
import { TickVolatility } from './volatility.ts';
import { reliabilityOf, riskScore0to10 } from '../finance/yield_score.ts';
import {
  compositeRiskScore, cvarParametric, hhi, liquidityRisk, marketRiskFromVolatility, maxPositionSize, stopLossLong,
  varParametric,
} from '../finance/risk.ts';

/** Major price moves at or above this change (percent) raise an alert. */
const kMajorMoveAlertPct = 2;

export class RiskAssessor implements Agent {
  #view!: MarketView;
  #out!: ResultWriter;
  #cfg!: AgentConfig;
  #prices!: AssetPrices;
  #reliability!: Float64Array; // yield slot → protocol reliability
  #vol!: TickVolatility; // per slot
  #lastMid!: Float64Array;
  #lastCum!: Float64Array; // protocol slot → cumulative cascade USD seen
  #lastLiq!: Float64Array; // protocol slot → cumulative liquidations seen
  #alerts!: Float64Array; // pending alerts this cycle: slot, severity, volume, code (4 per alert)
  #nAlerts = 0;
  #held!: Int32Array; // slots with a position (rebuilt on each cycle from the portfolio)
  #weights!: Float64Array;
  #positions!: Float64Array;
  #sizeOf = 0;
  #q = new Float64Array(kFieldCount);

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    this.#out = ctx.out;
    this.#cfg = ctx.config;
    this.#prices = new AssetPrices(ctx.view, ctx.registry);
    const cap = ctx.registry.capacity;
    this.#sizeOf = ctx.registry.size;
    this.#reliability = new Float64Array(cap);
    for (let s = 0; s < ctx.registry.size; s++) {
      const m = ctx.registry.meta[s]!;
      if (m.kind === kKindYield) this.#reliability[s] = reliabilityOf(m.protocol);
    }
    this.#vol = new TickVolatility(cap, ctx.config.risk.ewmaLambda);
    this.#lastMid = new Float64Array(cap).fill(NaN);
    this.#lastCum = new Float64Array(cap);
    this.#lastLiq = new Float64Array(cap);
    this.#alerts = new Float64Array(4 * 64);
    this.#held = new Int32Array(cap);
    this.#weights = new Float64Array(cap);
    this.#positions = ctx.view.arrays.portfolio;
    const t = ctx.out;
    for (let s = 0; s < cap; s++) {
      t.setTable(kRiskTableScore, s, NaN);
      t.setTable(kRiskTableMaxPositionUsd, s, 0);
      t.setTable(kRiskTableStopLoss, s, NaN);
      t.setTable(kRiskTableSigmaDaily, s, NaN);
    }
  }

  onChange(slot: number, nowUs: number): void {
    const view = this.#view;
    const kind = view.kind(slot);
    if (kind === kKindBook) this.#onBook(slot);
    else if (kind === kKindYield) this.#onPool(slot);
    else if (kind === kKindProtocol) this.#onProtocol(slot, nowUs);
    else if (kind === kKindSignal) {
      view.read(slot, this.#q);
      const ch = Math.abs(this.#q[kChangePct]!);
      if (ch >= kMajorMoveAlertPct) this.#alert(slot, Math.min(10, ch), ch, kAlertMajorMove);
    }
  }

  #onBook(slot: number): void {
    const q = this.#q;
    this.#view.read(slot, q);
    this.#prices.onBook(slot);
    const bid = q[kBid]!, ask = q[kAsk]!;
    const mid = 0.5 * (bid + ask);
    if (!(mid > 0)) return;
    this.#vol.update(slot, mid, q[kTs]!);
    this.#lastMid[slot] = mid;
    const sigmaDaily = this.#vol.sigmaDaily(slot);
    if (!(sigmaDaily === sigmaDaily)) return;
    const quoteUsd = this.#prices.usd[this.#prices.quoteOf[slot]!]!;
    const depthUsd = (q[kBidSize]! * bid + q[kAskSize]! * ask) * quoteUsd;
    this.#publishSlot(slot, sigmaDaily, depthUsd, 1, mid, mid * quoteUsd); // the visible top of book can be taken whole
  }

  #onPool(slot: number): void {
    const q = this.#q;
    this.#view.read(slot, q);
    const tvl = q[kTvl]!;
    const stable = q[kStablecoin]! === q[kStablecoin]! ? q[kStablecoin]! : 0;
    // The principal of a stablecoin pool is far steadier than a volatile one: 0.1 % vs 3 % daily σ.
    const sigmaDaily = stable === 1 ? 0.001 : 0.03;
    this.#publishSlot(slot, sigmaDaily, tvl, this.#cfg.risk.liquidityCapFraction, NaN, 1);
    // Blend in the pool's own risk (IL, exposure, protocol reliability, TVL).
    const il = q[kIlRisk]! === q[kIlRisk]! ? q[kIlRisk]! : 0.5;
    const multi = q[kExposureMulti]! === q[kExposureMulti]! ? q[kExposureMulti]! : 0.5;
    const poolRisk = riskScore0to10(il, multi, stable, this.#reliability[slot]!, tvl, 0);
    const cell = kRiskTableScore * this.#out.arrays.capacity + slot;
    this.#out.arrays.table[cell] = 0.5 * (this.#out.arrays.table[cell]! + poolRisk);
  }

  /** Writes one slot's row of the risk table. `unitUsd` values one position unit in USD. */
  #publishSlot(slot: number, sigmaDaily: number, depthUsd: number, depthShare: number, mid: number, unitUsd: number): void {
    const r = this.#cfg.risk;
    const capital = this.#cfg.capitalUsd;
    const t = this.#out;
    const varPerDollar = varParametric(1, sigmaDaily, r.confidence, r.horizonDays);
    const maxPos = maxPositionSize(r.riskBudgetUsd, varPerDollar, depthUsd, depthShare, capital, r.concentrationCap);
    const posUsd = Math.abs(this.#positions[kPfPositions0 + slot]! * unitUsd) || 0;
    const concentration = capital > 0 ? posUsd / capital : 0;
    const liq = liquidityRisk(posUsd > 0 ? posUsd : maxPos, depthUsd);
    const market = marketRiskFromVolatility(sigmaDaily);
    t.setTable(kRiskTableScore, slot, compositeRiskScore(concentration, liq, market));
    t.setTable(kRiskTableMaxPositionUsd, slot, maxPos);
    t.setTable(kRiskTableStopLoss, slot, mid === mid ? stopLossLong(mid, sigmaDaily, r.horizonDays, r.stopLossSigmas) : NaN);
    t.setTable(kRiskTableSigmaDaily, slot, sigmaDaily);
  }

  #onProtocol(slot: number, _nowUs: number): void {
    const q = this.#q;
    this.#view.read(slot, q);
    const cum = q[kCascadeUsd]! === q[kCascadeUsd]! ? q[kCascadeUsd]! : 0;
    const d = cum - this.#lastCum[slot]!;
    this.#lastCum[slot] = cum;
    const alertUsd = this.#cfg.risk.cascadeAlertUsd;
    if (d > 0) this.#alert(slot, Math.min(10, 5 + 5 * d / (alertUsd * 4)), d, kAlertLiquidationCascade);
    const liq = q[kLiqUsd]! === q[kLiqUsd]! ? q[kLiqUsd]! : 0;
    const dl = liq - this.#lastLiq[slot]!;
    this.#lastLiq[slot] = liq;
    if (dl >= alertUsd) this.#alert(slot, Math.min(10, 3 * dl / alertUsd), dl, kAlertLiquidations);
  }

  #alert(slot: number, severity: number, volumeUsd: number, code: number): void {
    if (this.#nAlerts * 4 >= this.#alerts.length) return;
    const o = this.#nAlerts++ * 4;
    const a = this.#alerts;
    a[o] = slot; a[o + 1] = severity; a[o + 2] = volumeUsd; a[o + 3] = code;
  }

  emit(): void {
    const out = this.#out;
    const a = this.#alerts;
    for (let i = 0; i < this.#nAlerts; i++) {
      const o = i * 4;
      out.push(kRecRiskAlert, a[o]!, -1, a[o + 1]!, a[o + 2]!, 0, 0, a[o + 3]!);
    }
    this.#nAlerts = 0;
    this.#portfolioRisk();
  }

  /** HHI, VaR and CVaR of what is held (diagonal covariance: per-position σ). */
  #portfolioRisk(): void {
    const pf = this.#positions;
    const held = this.#held, w = this.#weights;
    const r = this.#cfg.risk;
    let n = 0, total = 0, varSum = 0;
    for (let s = 0; s < this.#sizeOf; s++) {
      const units = pf[kPfPositions0 + s]!;
      if (units === 0 || units !== units) continue;
      const kind = this.#view.kind(s);
      const unitUsd = kind === kKindBook ? this.#lastMid[s]! * this.#prices.usd[this.#prices.quoteOf[s]!]! : 1;
      const v = Math.abs(units * unitUsd);
      if (!(v > 0)) continue;
      held[n] = s;
      w[n] = v;
      n++;
      total += v;
      const sd = this.#out.arrays.table[kRiskTableSigmaDaily * this.#out.arrays.capacity + s]!;
      if (sd === sd) varSum += (v * sd) * (v * sd);
    }
    if (n === 0) return;
    for (let i = 0; i < n; i++) w[i] = w[i]! / total;
    const h = hhi(w, n);
    const sigmaUsd = Math.sqrt(varSum);
    const VaR = varParametric(1, sigmaUsd, r.confidence, r.horizonDays);
    const CVaR = cvarParametric(1, sigmaUsd, r.confidence, r.horizonDays);
    const composite = compositeRiskScore(h, 0, Math.min(1, VaR / Math.max(1, r.riskBudgetUsd * 10)));
    this.#out.push(kRecPortfolioRisk, -1, -1, h, VaR, CVaR, composite, n);
  }
}
