// Risk assessor: the engine's risk view, per instrument and for the portfolio.
//  - Smart-contract risk: 1 − the protocol's reliability (finance/yield_score.ts: audits, years
//    live, TVL tier, incidents) for yield pools (their protocol) and AMM pools (their DEX).
//  - Liquidity risk: a position (or the largest one allowed) against visible depth (books) or TVL
//    (pools), 1 − 2^(−share/5 %).
//  - Concentration risk: HHI of the portfolio's position values.
//  - Market risk: per instrument, the EWMA (RiskMetrics) volatility of its price from ticks; for
//    the portfolio, parametric VaR and CVaR z·√(eᵀΣe)·√h from the full EWMA covariance of the
//    assets' returns on the covariance clock (asset_returns.ts), e the USD exposure per asset
//    (books: the base asset; yield and AMM pools: their tokens, stablecoins carrying no market
//    risk). Assets without enough returns yet enter with their own σ and no correlation; pools add
//    an idiosyncratic principal risk (0.1 % daily for stablecoin pools, 3 % for unknown tokens).
//    The daily covariance of the ready assets is rebuilt at each sample (the per-cycle VaR is one
//    quadratic form in plain loops). Every 10 samples the correlation matrix's largest eigenvalue
//    (power iteration) gives the absorption ratio, the share of variance one common factor
//    explains, and the portfolio's diversification ratio is reported.
//  - Impermanent loss of AMM pools: realised since the reference price (the entry when a position is
//    held, else the first price seen) and at the VaR-quantile move over the horizon (σ of the pool
//    price from its two tokens' covariance, else from the pool's own ticks), with the exact
//    constant-product formula for v2 pools and the concentrated-range formula for v3 pools on a
//    reference range of ±10 % around the price.
//  - Max position size: the least of the VaR budget, the liquidity cap and the concentration cap;
//    stop-loss k·σ·√h below the mid for a long.
// The per-slot view goes into this agent's table (one writer); alerts and the portfolio figures are
// records. Liquidation cascades, large liquidations and major price moves raise alerts.
import {
  kFieldCount,
  kAsk, kAskSize, kBid, kBidSize, kCascadeUsd, kChangePct, kExposureMulti, kIlRisk, kKindAmm, kKindBook, kKindProtocol,
  kKindSignal, kKindYield, kLiqUsd, kPfPositions0, kPrice, kReserve0, kReserve1, kSqrtPrice, kStablecoin, kTs, kTvl,
} from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import { cycleNowUs, type Agent, type AgentContext } from './agent.ts';
import { AssetPrices } from './asset_prices.ts';
import { AssetReturns } from './asset_returns.ts';
import type { AgentConfig } from './config.ts';
import {
  kAlertLiquidationCascade, kAlertLiquidations, kAlertMajorMove, kRecMarketRiskFactors, kRecPortfolioRisk, kRecRiskAlert,
  kRiskTableContractRisk, kRiskTableIl, kRiskTableIlAtRisk, kRiskTableLiquidityRisk, kRiskTableMaxPositionUsd,
  kRiskTableScore, kRiskTableSigmaDaily, kRiskTableStopLoss, kRiskTableWidth,
} from '../../protocol/records.ts';
import type { ResultWriter } from '../../protocol/result_region.ts';
import { assetOfToken, isStable, symbolTokens } from '../../finance/tokens.ts';
import { TickVolatility } from './volatility.ts';
import {
  kRiskScoreSlots, kRskApyVol, kRskExposure, kRskIl, kRskOut, kRskReliability, kRskStable, kRskTvl, reliabilityOf, riskScore0to10Packed,
} from '../../finance/yield_score.ts';
import {
  compositeRiskScore, cvarParametric, hhi, liquidityRisk, marketRiskFromVolatility, maxPositionSize, stopLossLong,
  varParametric,
} from '../../finance/risk.ts';
import { normalInv } from '../../finance/stats.ts';
import { ilConcentratedPacked, ilConstantProduct, kIlOut, kIlP0, kIlP1, kIlPa, kIlPb, kIlSlots } from '../../finance/impermanent_loss.ts';
import { correlationFromCovariance, largestEigenvalue } from '../../finance/covariance.ts';
import type { Fields } from '../../protocol/snapshot.ts';
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecValue } from '../../protocol/layout.ts';

// NaN as a module constant: a double returned beside it stays unboxed (the global NaN boxes it).
const kNaN = NaN;
/** Major price moves at or above this change (percent) raise an alert. */
const kMajorMoveAlertPct = 2;
// (a module-private copy for the hot path: an optimized function that reads an exported binding
// holding a non-integer number allocates a heap number per read)
const kStablePoolSigmaLocal = 0.001;
/** Daily σ of a stablecoin pool's principal (depeg, contract) and of a token the engine does not price. */
export const kStablePoolSigma = kStablePoolSigmaLocal;
const kUnknownTokenSigmaLocal = 0.03;
export const kUnknownTokenSigma = kUnknownTokenSigmaLocal;
const kIlReferenceHalfWidthLocal = Math.log(1.1);
/** Log half-width of the reference range for a v3 pool's IL figures: ±10 %. */
export const kIlReferenceHalfWidth = kIlReferenceHalfWidthLocal;
/** Samples of the covariance clock between two eigenvalue refreshes. */
export const kFactorEverySamples = 10;
/** Power iterations of the absorption ratio at most. */
const kPowerIterations = 200;
/** Tokens of one pool that are tracked as assets (more go to the idiosyncratic share). */
const kMaxPoolAssets = 4;
/** #publishSlot's inputs in RiskAssessor.#pub, by index. */
const kPubSigma = 0, kPubDepthUsd = 1, kPubDepthShare = 2, kPubMid = 3, kPubUnitUsd = 4, kPubSlots = 5;

export class RiskAssessor implements Agent {
  #view!: MarketView;
  #out!: ResultWriter;
  #cfg!: AgentConfig;
  #prices!: AssetPrices;
  #returns!: AssetReturns;
  #reliability!: Float64Array; // slot → protocol reliability (yield: protocol, AMM: DEX), NaN for books
  #vol!: TickVolatility; // per slot (book mids, AMM prices)
  #lastMid!: Float64Array;
  #lastCum!: Float64Array; // protocol slot → cumulative cascade USD seen
  #lastLiq!: Float64Array; // protocol slot → cumulative liquidations seen
  #alerts!: Float64Array; // pending alerts this cycle: slot, severity, volume, code (4 per alert)
  #nAlerts = 0;
  #weights!: Float64Array;
  #positions!: Float64Array;
  #sizeOf = 0;
  // pools: asset ids (AssetReturns) of their tokens, the share of value on each, stable / unknown shares
  #poolAsset!: Int32Array; // cap × kMaxPoolAssets, -1 unused
  #poolShare!: Float64Array; // share per listed asset
  #poolStable!: Float64Array;
  #poolUnknown!: Float64Array;
  #bookAsset!: Int32Array; // book slot → AssetReturns id of its base (-1: none)
  #pairAsset0!: Int32Array; // AMM slot → AssetReturns id of token0 (kAssetUsd stable, -1 unknown)
  #pairAsset1!: Int32Array;
  #usdOfToken0!: Int32Array; // AMM slot → AssetPrices index of token0's asset (-2 stable, -1 unknown)
  #usdOfToken1!: Int32Array;
  #ilRef!: Float64Array; // AMM slot → reference price of the IL (entry or first seen)
  #ilHeld!: Uint8Array; // AMM slot → 1 while a position is held (the reference is the entry)
  #z = NaN; // z of the VaR confidence
  // portfolio scratch
  #exposure!: Float64Array; // asset → USD exposure
  #ready!: Int32Array;
  #cov!: Float64Array;
  #corr!: Float64Array;
  #work!: Float64Array;
  #eig!: Float64Array;
  #m = 0; // assets in the cached covariance (#ready[0..m))
  #samplesSinceFactors = 0;
  #factorsDue = false;
  #q = new Float64Array(kFieldCount);
  // The numbers handed to #publishSlot and riskScore0to10Packed: calls V8 does not inline box double
  // arguments (16 B each), so they travel through these arrays.
  #pub = new Float64Array(kPubSlots);
  #rsk = new Float64Array(kRiskScoreSlots);
  #il = new Float64Array(kIlSlots); // ilConcentratedPacked's inputs and loss

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    this.#out = ctx.out;
    this.#cfg = ctx.config;
    const reg = ctx.registry;
    this.#prices = new AssetPrices(ctx.view, reg);
    this.#returns = new AssetReturns(ctx.view, reg, ctx.config);
    const cap = reg.capacity;
    const nA = Math.max(1, this.#returns.n);
    this.#sizeOf = reg.size;
    this.#reliability = new Float64Array(cap).fill(NaN);
    this.#poolAsset = new Int32Array(cap * kMaxPoolAssets).fill(-1);
    this.#poolShare = new Float64Array(cap * kMaxPoolAssets);
    this.#poolStable = new Float64Array(cap);
    this.#poolUnknown = new Float64Array(cap);
    this.#bookAsset = new Int32Array(cap).fill(-1);
    this.#usdOfToken0 = new Int32Array(cap).fill(-1);
    this.#usdOfToken1 = new Int32Array(cap).fill(-1);
    this.#pairAsset0 = new Int32Array(cap).fill(-1);
    this.#pairAsset1 = new Int32Array(cap).fill(-1);
    for (let s = 0; s < reg.size; s++) {
      const m = reg.meta[s]!;
      if (m.kind === kKindYield) {
        this.#reliability[s] = reliabilityOf(m.protocol);
        this.#mapPoolTokens(s, symbolTokens(m.symbol));
      } else if (m.kind === kKindAmm) {
        this.#reliability[s] = reliabilityOf(m.venue);
        this.#mapPoolTokens(s, [m.base, m.quote]);
        this.#usdOfToken0[s] = this.#usdIndex(m.base);
        this.#usdOfToken1[s] = this.#usdIndex(m.quote);
        this.#pairAsset0[s] = this.#returns.idOfToken(m.base);
        this.#pairAsset1[s] = this.#returns.idOfToken(m.quote);
      } else if (m.kind === kKindBook) {
        this.#bookAsset[s] = this.#returns.indexOf(m.base);
      }
    }
    this.#vol = new TickVolatility(cap, ctx.config.risk.ewmaLambda);
    this.#lastMid = new Float64Array(cap).fill(NaN);
    this.#lastCum = new Float64Array(cap);
    this.#lastLiq = new Float64Array(cap);
    this.#alerts = new Float64Array(4 * 64);
    this.#weights = new Float64Array(cap);
    this.#positions = ctx.view.arrays.portfolio;
    this.#ilRef = new Float64Array(cap).fill(NaN);
    this.#ilHeld = new Uint8Array(cap);
    this.#z = normalInv(ctx.config.risk.confidence);
    this.#exposure = new Float64Array(nA);
    this.#ready = new Int32Array(nA);
    this.#cov = new Float64Array(nA * nA);
    this.#corr = new Float64Array(nA * nA);
    this.#work = new Float64Array(nA);
    this.#eig = new Float64Array(nA);
    const t = ctx.out;
    for (let s = 0; s < cap; s++) {
      for (let c = 0; c < kRiskTableWidth; c++) t.setTable(c, s, NaN);
      t.setTable(kRiskTableMaxPositionUsd, s, 0);
      t.setTable(kRiskTableContractRisk, s, this.#reliability[s]! === this.#reliability[s]! ? 1 - this.#reliability[s]! : kNaN);
    }
  }

  /** Splits a pool's value over its tokens: known assets, stablecoins, the rest (unknown). */
  #mapPoolTokens(slot: number, tokens: string[]): void {
    if (tokens.length === 0) { this.#poolUnknown[slot] = 1; return; }
    const share = 1 / tokens.length;
    let k = 0;
    for (const t of tokens) {
      if (isStable(t)) { this.#poolStable[slot] = this.#poolStable[slot]! + share; continue; }
      const a = this.#returns.indexOf(assetOfToken(t));
      if (a >= 0 && k < kMaxPoolAssets) {
        this.#poolAsset[slot * kMaxPoolAssets + k] = a;
        this.#poolShare[slot * kMaxPoolAssets + k] = share;
        k++;
      } else {
        this.#poolUnknown[slot] = this.#poolUnknown[slot]! + share;
      }
    }
  }

  #usdIndex(token: string): number {
    if (isStable(token)) return -2;
    return this.#prices.indexOf(assetOfToken(token));
  }

  #tokenUsd(idx: number): number {
    return idx === -2 ? 1 : idx >= 0 ? this.#prices.usd[idx]! : kNaN;
  }

  onChange(slot: number): void {
    const nowUs = cycleNowUs(this.#view);
    const view = this.#view;
    const kind = view.kind(slot);
    if (kind === kKindBook) this.#onBook(slot);
    else if (kind === kKindYield) this.#onPool(slot);
    else if (kind === kKindAmm) this.#onAmm(slot);
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
    this.#returns.onChange(slot);
    const bid = q[kBid]!, ask = q[kAsk]!;
    const mid = 0.5 * (bid + ask);
    if (!(mid > 0)) return;
    this.#vol.update(slot, mid, q[kTs]!);
    this.#lastMid[slot] = mid;
    const sigmaDaily = this.#vol.sigmaDaily(slot);
    if (!(sigmaDaily === sigmaDaily)) return;
    const quoteUsd = this.#prices.usd[this.#prices.quoteOf[slot]!]!;
    const depthUsd = (q[kBidSize]! * bid + q[kAskSize]! * ask) * quoteUsd;
    const a = this.#pub; // the visible top of book can be taken whole
    a[kPubSigma] = sigmaDaily; a[kPubDepthUsd] = depthUsd; a[kPubDepthShare] = 1; a[kPubMid] = mid; a[kPubUnitUsd] = mid * quoteUsd;
    this.#publishSlot(slot);
  }

  #onPool(slot: number): void {
    const q = this.#q;
    this.#view.read(slot, q);
    const tvl = q[kTvl]!;
    const stable = q[kStablecoin]! === q[kStablecoin]! ? q[kStablecoin]! : 0;
    // The principal of a stablecoin pool is far steadier than a volatile one: 0.1 % vs 3 % daily σ.
    const sigmaDaily = stable === 1 ? kStablePoolSigmaLocal : kUnknownTokenSigmaLocal;
    const a = this.#pub;
    a[kPubSigma] = sigmaDaily; a[kPubDepthUsd] = tvl; a[kPubDepthShare] = this.#cfg.risk.liquidityCapFraction; a[kPubMid] = NaN; a[kPubUnitUsd] = 1;
    this.#publishSlot(slot);
    // Blend in the pool's own risk (IL, exposure, protocol reliability, TVL).
    const x = this.#rsk;
    x[kRskIl] = q[kIlRisk]! === q[kIlRisk]! ? q[kIlRisk]! : 0.5;
    x[kRskExposure] = q[kExposureMulti]! === q[kExposureMulti]! ? q[kExposureMulti]! : 0.5;
    x[kRskStable] = stable; x[kRskReliability] = this.#reliability[slot]!; x[kRskTvl] = tvl; x[kRskApyVol] = 0;
    riskScore0to10Packed(x);
    const poolRisk = x[kRskOut]!;
    const cell = kRiskTableScore * this.#out.arrays.capacity + slot;
    this.#out.arrays.table[cell] = 0.5 * (this.#out.arrays.table[cell]! + poolRisk);
  }

  /** An AMM pool: σ of its price, TVL in USD, the row, pool risk, and its impermanent loss. */
  #onAmm(slot: number): void {
    const q = this.#q;
    this.#view.read(slot, q);
    const p = q[kPrice]!;
    if (!(p > 0)) return;
    this.#vol.update(slot, p, q[kTs]!);
    const usd0 = this.#tokenUsd(this.#usdOfToken0[slot]!), usd1 = this.#tokenUsd(this.#usdOfToken1[slot]!);
    // value each side at its USD price; with one side unknown, the pool holds equal values
    const v0 = q[kReserve0]! * (usd0 === usd0 ? usd0 : p * usd1), v1 = q[kReserve1]! * (usd1 === usd1 ? usd1 : usd0 / p);
    const tvl = v0 + v1;
    // σ of the pool price from its tokens' covariance on the books (less noise than the pool's ticks)
    const pair = this.#returns.pairSigmaDaily(this.#pairAsset0[slot]!, this.#pairAsset1[slot]!);
    const sigmaDaily = pair === pair ? pair : this.#vol.sigmaDaily(slot);
    const t = this.#out;
    if (sigmaDaily === sigmaDaily && tvl > 0) {
      const a = this.#pub;
      a[kPubSigma] = sigmaDaily; a[kPubDepthUsd] = tvl; a[kPubDepthShare] = this.#cfg.risk.liquidityCapFraction; a[kPubMid] = NaN; a[kPubUnitUsd] = 1;
      this.#publishSlot(slot);
      const stable = this.#poolStable[slot]! >= 1 - 1e-12 ? 1 : 0;
      const x = this.#rsk;
      x[kRskIl] = stable === 1 ? 0 : 1; x[kRskExposure] = 1; x[kRskStable] = stable; x[kRskReliability] = this.#reliability[slot]!; x[kRskTvl] = tvl; x[kRskApyVol] = 0;
      riskScore0to10Packed(x);
      const poolRisk = x[kRskOut]!;
      const cell = kRiskTableScore * t.arrays.capacity + slot;
      t.arrays.table[cell] = 0.5 * (t.arrays.table[cell]! + poolRisk);
    }
    // Impermanent loss: since the reference price, and at the VaR-quantile move.
    const held = this.#positions[kPfPositions0 + slot]! > 0;
    if (held && this.#ilHeld[slot] === 0) { this.#ilRef[slot] = p; this.#ilHeld[slot] = 1; }
    else if (!held && this.#ilHeld[slot] === 1) { this.#ilHeld[slot] = 0; this.#ilRef[slot] = p; }
    if (!(this.#ilRef[slot]! > 0)) this.#ilRef[slot] = p;
    const ref = this.#ilRef[slot]!;
    const concentrated = q[kSqrtPrice]! === q[kSqrtPrice]!; // v3 pools carry sqrtPriceX96
    const h = kIlReferenceHalfWidthLocal;
    const il = this.#il;
    if (concentrated) {
      il[kIlP0] = ref; il[kIlP1] = p; il[kIlPa] = ref * Math.exp(-h); il[kIlPb] = ref * Math.exp(h);
      ilConcentratedPacked(il);
      t.setTable(kRiskTableIl, slot, il[kIlOut]!);
    } else {
      t.setTable(kRiskTableIl, slot, ilConstantProduct(p / ref));
    }
    if (sigmaDaily === sigmaDaily) {
      const move = this.#z * sigmaDaily * Math.sqrt(this.#cfg.risk.horizonDays);
      const up = Math.exp(move);
      let atRisk: number;
      if (concentrated) {
        const lo = p * Math.exp(-h), hi = p * Math.exp(h);
        il[kIlP0] = p; il[kIlP1] = p * up; il[kIlPa] = lo; il[kIlPb] = hi;
        ilConcentratedPacked(il);
        const ilUp = il[kIlOut]!;
        il[kIlP1] = p / up;
        ilConcentratedPacked(il);
        atRisk = Math.min(ilUp, il[kIlOut]!);
      } else {
        atRisk = ilConstantProduct(up); // IL(r) = IL(1/r) for a constant-product pool
      }
      t.setTable(kRiskTableIlAtRisk, slot, atRisk);
    }
  }

  /**
   * Writes one slot's row of the risk table from #pub: σ daily, the depth (USD) and the share of it
   * a position may take, the mid (NaN: no stop-loss), and `unitUsd`, one position unit in USD.
   */
  #publishSlot(slot: number): void {
    const a = this.#pub;
    const sigmaDaily = a[kPubSigma]!, depthUsd = a[kPubDepthUsd]!, depthShare = a[kPubDepthShare]!, mid = a[kPubMid]!, unitUsd = a[kPubUnitUsd]!;
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
    t.setTable(kRiskTableStopLoss, slot, mid === mid ? stopLossLong(mid, sigmaDaily, r.horizonDays, r.stopLossSigmas) : kNaN);
    t.setTable(kRiskTableSigmaDaily, slot, sigmaDaily);
    t.setTable(kRiskTableLiquidityRisk, slot, liq);
  }

  #onProtocol(slot: number, _nowUs: number): void {
    const q = this.#q;
    this.#view.read(slot, q);
    const cum = q[kCascadeUsd]! === q[kCascadeUsd]! ? q[kCascadeUsd]! : 0;
    const d = cum - this.#lastCum[slot]!;
    this.#lastCum[slot] = cum;
    const alertUsd = this.#cfg.risk.cascadeAlertUsd;
    if (d >= alertUsd) this.#alert(slot, Math.min(10, 5 + 5 * d / (alertUsd * 4)), d, kAlertLiquidationCascade);
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

  emit(nowUs: number): void {
    const out = this.#out;
    const a = this.#alerts;
    for (let i = 0; i < this.#nAlerts; i++) {
      const o = i * 4;
      const nx = out.next; // the numbers through out.next: no boxed arguments per record
      nx[kRecScore] = a[o + 1]!; nx[kRecValue] = a[o + 2]!; nx[kRecSize] = 0; nx[kRecRisk] = 0; nx[kRecAux] = a[o + 3]!;
      out.pushNext(kRecRiskAlert, a[o]!, -1);
    }
    this.#nAlerts = 0;
    if (this.#returns.maybeSample(nowUs)) {
      this.#refreshCovariance();
      if (++this.#samplesSinceFactors >= kFactorEverySamples) {
        this.#samplesSinceFactors = 0;
        this.#factorsDue = true;
      }
    }
    this.#portfolioRisk();
  }

  /** The daily covariance of the assets with enough returns, rebuilt after each sample. */
  #refreshCovariance(): void {
    const ret = this.#returns;
    let m = 0;
    for (let a = 0; a < ret.n; a++) if (ret.ready(a)) this.#ready[m++] = a;
    this.#m = m > 0 && ret.cov.dailyCovariance(this.#ready, m, this.#cov) ? m : 0;
  }

  /** USD value of a position of `units` in `slot` (books: base units at the mid; pools: USD). */
  #valueOf(slot: number, units: number): number {
    if (this.#view.kind(slot) !== kKindBook) return units;
    return units * this.#lastMid[slot]! * this.#prices.usd[this.#prices.quoteOf[slot]!]!;
  }

  /**
   * HHI, VaR and CVaR of what is held, from the asset exposures and the full covariance:
   *   σ²_p = Σ_{a,b ready} eₐ·e_b·Σₐ_b + Σ_{a not ready} (eₐ·σₐ)² + Σ_pools (idiosyncratic)²
   */
  #portfolioRisk(): void {
    const pf = this.#positions;
    const w = this.#weights;
    const e = this.#exposure;
    const r = this.#cfg.risk;
    const ret = this.#returns;
    e.fill(0);
    let n = 0, total = 0, idioVar = 0, unmapped = 0;
    for (let s = 0; s < this.#sizeOf; s++) {
      const units = pf[kPfPositions0 + s]!;
      if (units === 0 || units !== units) continue;
      const v = this.#valueOf(s, units);
      const av = Math.abs(v);
      if (!(av > 0)) continue;
      w[n++] = av;
      total += av;
      const kind = this.#view.kind(s);
      if (kind === kKindBook) {
        const asset = this.#bookAsset[s]!;
        if (asset >= 0) e[asset] = e[asset]! + v;
        else {
          const sd = this.#out.arrays.table[kRiskTableSigmaDaily * this.#out.arrays.capacity + s]!;
          if (sd === sd) unmapped += (v * sd) * (v * sd);
        }
      } else {
        for (let k = 0; k < kMaxPoolAssets; k++) {
          const asset = this.#poolAsset[s * kMaxPoolAssets + k]!;
          if (asset < 0) break;
          e[asset] = e[asset]! + v * this.#poolShare[s * kMaxPoolAssets + k]!;
        }
        const stableUsd = v * this.#poolStable[s]!, unknownUsd = v * this.#poolUnknown[s]!;
        idioVar += (stableUsd * kStablePoolSigmaLocal) ** 2 + (unknownUsd * kUnknownTokenSigmaLocal) ** 2;
      }
    }
    if (n === 0) {
      if (this.#factorsDue) this.#riskFactors(0);
      return;
    }
    for (let i = 0; i < n; i++) w[i] = w[i]! / total;
    const h = hhi(w, n);
    // assets with enough returns: the covariance block; the others: their own σ, uncorrelated
    const m = this.#m;
    let diagVar = 0;
    for (let a = 0; a < ret.n; a++) {
      const ea = e[a]!;
      if (ea === 0 || ret.ready(a)) continue;
      const sd = this.#fallbackSigma(a);
      if (sd === sd) diagVar += (ea * sd) * (ea * sd);
    }
    let covVar = 0;
    const cov = this.#cov;
    for (let i = 0; i < m; i++) {
      const ei = e[this.#ready[i]!]!;
      if (ei === 0) continue;
      let row = 0;
      for (let j = 0; j < m; j++) row += cov[i * m + j]! * e[this.#ready[j]!]!;
      covVar += ei * row;
    }
    const variance = (covVar > 0 ? covVar : 0) + diagVar + idioVar + unmapped;
    const sigmaUsd = Math.sqrt(variance);
    const VaR = varParametric(1, sigmaUsd, r.confidence, r.horizonDays);
    const CVaR = cvarParametric(1, sigmaUsd, r.confidence, r.horizonDays);
    const composite = compositeRiskScore(h, 0, Math.min(1, VaR / Math.max(1, r.riskBudgetUsd * 10)));
    this.#out.push(kRecPortfolioRisk, -1, -1, h, VaR, CVaR, composite, n);
    if (this.#factorsDue) this.#riskFactors(sigmaUsd);
  }

  /** σ of an asset that has too few returns for the covariance: its representative book's tick EWMA. */
  #fallbackSigma(a: number): number {
    return this.#vol.sigmaDaily(this.#returns.repSlot[a]!);
  }

  /**
   * The absorption ratio (largest eigenvalue of the correlation matrix over its trace), the mean
   * pairwise correlation, and the diversification ratio Σ|eᵢ|σᵢ/σ_p of the portfolio (1 when it is
   * one asset or perfectly correlated; higher is more diversified).
   */
  #riskFactors(sigmaUsd: number): void {
    this.#factorsDue = false;
    const m = this.#m;
    if (m < 2) return;
    correlationFromCovariance(this.#cov, m, this.#corr);
    // the trace of a correlation matrix is m: the absorption ratio of the first factor is λ₁/m
    const top = largestEigenvalue(this.#corr, m, this.#eig, this.#work, kPowerIterations, 1e-10);
    if (!(top > 0)) return;
    const ar = top / m;
    let sumCorr = 0;
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) sumCorr += this.#corr[i * m + j]!;
    const meanCorr = sumCorr / ((m * (m - 1)) / 2);
    let weighted = 0;
    for (let i = 0; i < m; i++) weighted += Math.abs(this.#exposure[this.#ready[i]!]!) * Math.sqrt(this.#cov[i * m + i]!);
    const dr = sigmaUsd > 0 ? weighted / sigmaUsd : kNaN;
    this.#out.push(kRecMarketRiskFactors, -1, -1, ar, meanCorr, sigmaUsd, dr, m);
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('view');
    this.#out = v.f('out', this.#out);
    v.b('cfg');
    this.#prices = v.f('prices', this.#prices);
    this.#returns = v.f('returns', this.#returns);
    this.#reliability = v.f('reliability', this.#reliability);
    this.#vol = v.f('vol', this.#vol);
    this.#lastMid = v.f('lastMid', this.#lastMid);
    this.#lastCum = v.f('lastCum', this.#lastCum);
    this.#lastLiq = v.f('lastLiq', this.#lastLiq);
    this.#alerts = v.f('alerts', this.#alerts);
    this.#nAlerts = v.f('nAlerts', this.#nAlerts);
    this.#weights = v.f('weights', this.#weights);
    v.b('positions');
    this.#sizeOf = v.f('sizeOf', this.#sizeOf);
    this.#poolAsset = v.f('poolAsset', this.#poolAsset);
    this.#poolShare = v.f('poolShare', this.#poolShare);
    this.#poolStable = v.f('poolStable', this.#poolStable);
    this.#poolUnknown = v.f('poolUnknown', this.#poolUnknown);
    this.#bookAsset = v.f('bookAsset', this.#bookAsset);
    this.#pairAsset0 = v.f('pairAsset0', this.#pairAsset0);
    this.#pairAsset1 = v.f('pairAsset1', this.#pairAsset1);
    this.#usdOfToken0 = v.f('usdOfToken0', this.#usdOfToken0);
    this.#usdOfToken1 = v.f('usdOfToken1', this.#usdOfToken1);
    this.#ilRef = v.f('ilRef', this.#ilRef);
    this.#ilHeld = v.f('ilHeld', this.#ilHeld);
    this.#z = v.f('z', this.#z);
    this.#exposure = v.f('exposure', this.#exposure);
    this.#ready = v.f('ready', this.#ready);
    this.#cov = v.f('cov', this.#cov);
    this.#corr = v.f('corr', this.#corr);
    this.#work = v.f('work', this.#work);
    this.#eig = v.f('eig', this.#eig);
    this.#m = v.f('m', this.#m);
    this.#samplesSinceFactors = v.f('samplesSinceFactors', this.#samplesSinceFactors);
    this.#factorsDue = v.f('factorsDue', this.#factorsDue);
    this.#q = v.f('q', this.#q);
    this.#pub = v.f('pub', this.#pub);
    this.#rsk = v.f('rsk', this.#rsk);
    this.#il = v.f('il', this.#il);
  }
}
