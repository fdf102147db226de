// Liquidity optimizer: where, how much and in what range to provide liquidity, and how to split a
// trade across the pools of one pair.
//  - Fee income: the pool's traded volume, estimated from its updates (constant product: a swap
//    moves the two reserves in opposite directions, the input side's change is the volume; v3:
//    the input that moves √P at the active liquidity, L·Δ√P or L·Δ(1/√P)), as a time-weighted rate
//    in USD per day (the ratio estimator of volatility.ts), times the fee tier, per $ of the
//    full-range-equivalent value of the pool's active liquidity (v3: its virtual reserves).
//  - Impermanent loss: the exact expectation for a lognormal price with the pool price's own
//    EWMA volatility, for the full range and for concentrated ranges (finance/lp_range.ts).
//  - Range: v3 pools get the log half-width that maximises expected fee − loss over
//    `liquidity.horizonDays` (down to one tick spacing of the fee tier); v2 pools are full range.
//  - Size: where the marginal net income, after our own liquidity dilutes the fee share, falls to
//    the hurdle rate (optimalLpSize), capped at maxAllocationFraction of capital.
//  - Split: a reference trade of splitTradeUsd across the pools of each token pair, equalising
//    marginal prices (finance/routing.ts splitConstantProduct; v3 pools by their virtual reserves,
//    i.e. within their current range), and its saving against the best single pool.
// Each pool's recommendation is a record every cycle (kRecLpRange; consolidation decides when one
// opens or closes); splits are records (kRecTradeSplit); the per-pool figures go into the table.
import { kFieldCount, kKindAmm, kPrice, kReserve0, kReserve1, kFee, kSqrtPrice, kTs } from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { Agent, AgentContext } from './agent.ts';
import { AssetPrices } from './asset_prices.ts';
import { AssetReturns } from './asset_returns.ts';
import type { AgentConfig } from './config.ts';
import {
  kLiqTableFeeAprFullRange, kLiqTableSigmaDaily, kLiqTableTvlUsd, kLiqTableVolumeUsdDay, kLiqTableWidth, kRecLpRange,
  kRecTradeSplit,
} from '../../protocol/records.ts';
import type { ResultWriter } from '../../protocol/result_region.ts';
import { assetOfToken, isStable } from '../../finance/tokens.ts';
import { kUsPerDay as kUsPerDayExported, TickVolatility } from './volatility.ts';
import {
  evaluateRange, kLpEfficiency, kLpFeeReturn, kLpHalfWidth, kLpIlCost, kLpInRange, kLpNetReturn, kLpOutLength,
  optimalLpSize, optimiseRange,
} from '../../finance/lp_range.ts';
import { bestSinglePool, cpMarginalRate, splitConstantProduct } from '../../finance/routing.ts';
import type { Fields } from '../../protocol/snapshot.ts';

// NaN as a module constant: a double returned beside it stays unboxed (the global NaN boxes it).
const kNaN = NaN;

// A module-private copy (86.4e9 is a heap number): an optimized function that reads an imported
// binding holding a non-Smi number allocates a heap number per read.
const kUsPerDay = kUsPerDayExported;

/** Pools optimised per cycle at most (bounds a cycle's time; the rest wait for the next cycle). */
const kOptimisePerCycle = 1;
/** Price updates a pool needs before its volatility counts. */
const kMinPriceUpdates = 10;
/** ln(1.0001): the log-price width of one tick. */
const kLnTick = Math.log1p(1e-4);

/** Tick spacing of a Uniswap V3 fee tier (fraction): 0.01 % → 1, 0.05 % → 10, 0.3 % → 60, 1 % → 200. */
export function tickSpacingOf(fee: number): number {
  const pips = Math.round(fee * 1e6);
  return pips <= 100 ? 1 : pips <= 500 ? 10 : pips <= 3000 ? 60 : 200;
}

export class LiquidityOptimizer implements Agent {
  #view!: MarketView;
  #out!: ResultWriter;
  #cfg!: AgentConfig;
  #prices!: AssetPrices;
  #ret!: AssetReturns; // covariance of the assets: the σ of a pool's price from its two tokens
  #asset0!: Int32Array; // pool → AssetReturns id of token0 (kAssetUsd for stablecoins, -1 unknown)
  #asset1!: Int32Array;
  #pools!: Int32Array; // AMM slots
  #poolIndex!: Int32Array; // slot → index in #pools (-1 elsewhere)
  #usd0!: Int32Array; // pool → AssetPrices index of token0's asset (-2 stable, -1 unknown)
  #usd1!: Int32Array;
  #vol!: TickVolatility; // per pool: the pool price
  #volA!: Float64Array; // traded USD, decayed with market time (time constant liquidity.volumeTauUs)
  #volB!: Float64Array; // observed time (µs), decayed the same way
  #volN!: Int32Array;
  #minHistoryUs = 0; // decayed observed time a pool needs before its volume counts
  #lastR0!: Float64Array;
  #lastR1!: Float64Array;
  #lastTs!: Float64Array;
  #tvl!: Float64Array;
  #dirty!: Uint8Array;
  #lastOptUs!: Float64Array;
  #nextPool = 0;
  // recommendation per pool: net, fee, loss (annual fractions), size USD, h (−1 full range); NaN = none
  #recNet!: Float64Array;
  #recFee!: Float64Array;
  #recIl!: Float64Array;
  #recSize!: Float64Array;
  #recH!: Float64Array;
  // pair groups for the split: pools of each unordered token pair (≥ 2 pools), oriented to the group's first token
  #groupStart!: Int32Array;
  #groupPools!: Int32Array;
  #groupFlip!: Uint8Array; // 1 when the pool's token0 is the group's output token
  #groupOf!: Int32Array; // pool → group (-1 none)
  #groupDirty!: Uint8Array;
  #splitShare!: Float64Array; // per #groupPools entry
  #splitUsd!: Float64Array;
  #splitSaving!: Float64Array; // per group (bps)
  #splitRate!: Float64Array; // per group
  #rin!: Float64Array; #rout!: Float64Array; #fees!: Float64Array; #amounts!: Float64Array; #order!: Int32Array;
  #best = new Int32Array(1);
  #lp = new Float64Array(kLpOutLength);
  #lpScratch = new Float64Array(kLpOutLength);
  #q = new Float64Array(kFieldCount);

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    this.#out = ctx.out;
    this.#cfg = ctx.config;
    const reg = ctx.registry;
    this.#prices = new AssetPrices(ctx.view, reg);
    const pools: number[] = [];
    for (let s = 0; s < reg.size; s++) if (reg.meta[s]!.kind === kKindAmm) pools.push(s);
    this.#pools = Int32Array.from(pools);
    const n = Math.max(1, pools.length);
    this.#poolIndex = new Int32Array(reg.capacity).fill(-1);
    pools.forEach((s, i) => { this.#poolIndex[s] = i; });
    const usdIndex = (t: string): number => (isStable(t) ? -2 : this.#prices.indexOf(assetOfToken(t)));
    this.#usd0 = Int32Array.from(pools.map((s) => usdIndex(reg.meta[s]!.base)));
    this.#usd1 = Int32Array.from(pools.map((s) => usdIndex(reg.meta[s]!.quote)));
    this.#ret = new AssetReturns(ctx.view, reg, ctx.config);
    this.#asset0 = Int32Array.from(pools.map((s) => this.#ret.idOfToken(reg.meta[s]!.base)));
    this.#asset1 = Int32Array.from(pools.map((s) => this.#ret.idOfToken(reg.meta[s]!.quote)));
    this.#vol = new TickVolatility(n, ctx.config.risk.ewmaLambda);
    this.#volA = new Float64Array(n);
    this.#volB = new Float64Array(n);
    this.#volN = new Int32Array(n);
    const tau = ctx.config.liquidity.volumeTauUs, h = ctx.config.liquidity.minHistoryUs;
    this.#minHistoryUs = tau * (1 - Math.exp(-h / tau)); // what h µs of watching decays to
    this.#lastR0 = new Float64Array(n).fill(NaN);
    this.#lastR1 = new Float64Array(n).fill(NaN);
    this.#lastTs = new Float64Array(n).fill(NaN);
    this.#tvl = new Float64Array(n).fill(NaN);
    this.#dirty = new Uint8Array(n);
    this.#lastOptUs = new Float64Array(n).fill(-Infinity);
    this.#recNet = new Float64Array(n).fill(NaN);
    this.#recFee = new Float64Array(n).fill(NaN);
    this.#recIl = new Float64Array(n).fill(NaN);
    this.#recSize = new Float64Array(n).fill(NaN);
    this.#recH = new Float64Array(n).fill(NaN);
    // groups by unordered token pair
    const byPair = new Map<string, number[]>();
    pools.forEach((s, i) => {
      const m = reg.meta[s]!;
      const a = m.base, b = m.quote;
      const key = a < b ? `${a}|${b}` : `${b}|${a}`;
      (byPair.get(key) ?? byPair.set(key, []).get(key)!).push(i);
    });
    const starts: number[] = [0];
    const members: number[] = [];
    const flips: number[] = [];
    this.#groupOf = new Int32Array(n).fill(-1);
    for (const list of byPair.values()) {
      if (list.length < 2) continue;
      const first = reg.meta[this.#pools[list[0]!]!]!;
      for (const i of list) {
        this.#groupOf[i] = starts.length - 1;
        members.push(i);
        flips.push(reg.meta[this.#pools[i]!]!.base === first.base ? 0 : 1);
      }
      starts.push(members.length);
    }
    this.#groupStart = Int32Array.from(starts);
    this.#groupPools = Int32Array.from(members);
    this.#groupFlip = Uint8Array.from(flips);
    const nG = starts.length - 1;
    this.#groupDirty = new Uint8Array(Math.max(1, nG));
    this.#splitShare = new Float64Array(Math.max(1, members.length)).fill(NaN);
    this.#splitUsd = new Float64Array(Math.max(1, members.length));
    this.#splitSaving = new Float64Array(Math.max(1, nG)).fill(NaN);
    this.#splitRate = new Float64Array(Math.max(1, nG)).fill(NaN);
    this.#rin = new Float64Array(n); this.#rout = new Float64Array(n); this.#fees = new Float64Array(n);
    this.#amounts = new Float64Array(n); this.#order = new Int32Array(n);
    const t = ctx.out;
    for (let s = 0; s < reg.capacity; s++) for (let c = 0; c < kLiqTableWidth; c++) t.setTable(c, s, NaN);
  }

  #tokenUsd(idx: number): number {
    return idx === -2 ? 1 : idx >= 0 ? this.#prices.usd[idx]! : kNaN;
  }

  onChange(slot: number): void {
    this.#prices.onBook(slot);
    this.#ret.onChange(slot);
    const i = this.#poolIndex[slot]!;
    if (i < 0) return;
    const q = this.#q;
    this.#view.read(slot, q);
    const p = q[kPrice]!, r0 = q[kReserve0]!, r1 = q[kReserve1]!, ts = q[kTs]!;
    if (!(p > 0 && r0 > 0 && r1 > 0)) return;
    this.#vol.updateFrom(i, q, kPrice, kTs);
    const usd0 = this.#tokenUsd(this.#usd0[i]!), usd1 = this.#tokenUsd(this.#usd1[i]!);
    const u0 = usd0 === usd0 ? usd0 : p * usd1, u1 = usd1 === usd1 ? usd1 : usd0 / p;
    this.#tvl[i] = r0 * u0 + r1 * u1;
    const dt = ts - this.#lastTs[i]!;
    if (dt > 0) {
      let traded: number;
      if (q[kSqrtPrice]! === q[kSqrtPrice]!) {
        // v3: the reserves are virtual (L/√P, L·√P) and jump when L changes (a tick crossed, a mint
        // or burn), so the input is taken from the price move: L·Δ√P of token1 when √P rose,
        // L·Δ(1/√P) of token0 when it fell (human units: L = √(r0·r1), √P = √price), with L the
        // mean of the two updates' (exact when no initialized tick was crossed), plus the fee
        // (a v3 fee is not added to the liquidity). A mint or burn alone moves no price: no volume.
        const s0 = Math.sqrt(this.#lastR1[i]! / this.#lastR0[i]!), s1 = Math.sqrt(r1 / r0);
        const L = 0.5 * (Math.sqrt(r0 * r1) + Math.sqrt(this.#lastR0[i]! * this.#lastR1[i]!));
        const gross = 1 / (1 - q[kFee]!);
        traded = s1 > s0 ? L * (s1 - s0) * gross * u1 : L * (1 / s1 - 1 / s0) * gross * u0;
      } else {
        // constant product: a swap moves the reserves in opposite directions; the side that grew
        // is the input (fee included: it stays in the pool)
        const d0 = r0 - this.#lastR0[i]!, d1 = r1 - this.#lastR1[i]!;
        traded = d0 * d1 < 0 ? (d0 > 0 ? d0 * u0 : d1 * u1) : 0;
      }
      if (traded === traded) {
        // a time-weighted rate: volume and time both decay by e^(−dt/τ), so a burst of updates
        // weighs by the time it covers, not by its count
        const decay = Math.exp(-dt / this.#cfg.liquidity.volumeTauUs);
        this.#volA[i] = this.#volA[i]! * decay + traded;
        this.#volB[i] = this.#volB[i]! * decay + dt;
        this.#volN[i] = this.#volN[i]! + 1;
      }
    }
    if (!(dt <= 0)) { this.#lastR0[i] = r0; this.#lastR1[i] = r1; this.#lastTs[i] = ts; }
    this.#dirty[i] = 1;
    const g = this.#groupOf[i]!;
    if (g >= 0) this.#groupDirty[g] = 1;
  }

  /**
   * Daily σ of pool i's price: from the covariance of its two tokens' assets on the centralised
   * books (σ² = σ₀² + σ₁² − 2σ₀₁; far less microstructure noise than the pool's own ticks), else
   * the EWMA of the pool's own price updates once it has kMinPriceUpdates of them.
   */
  sigmaDaily(i: number): number {
    const s = this.#ret.pairSigmaDaily(this.#asset0[i]!, this.#asset1[i]!);
    if (s === s) return s;
    return this.#vol.count[i]! >= kMinPriceUpdates ? this.#vol.sigmaDaily(i) : kNaN;
  }

  /**
   * Volume estimate of pool i, USD per day: decayed volume over decayed time. NaN until the pool
   * has been watched for liquidity.minHistoryUs of market time (an LP position is sized on a
   * rate, and a few minutes of a pool say little about its year).
   */
  volumeUsdPerDay(i: number): number {
    const b = this.#volB[i]!;
    return this.#volN[i]! > 0 && b > 0 && b >= this.#minHistoryUs ? (this.#volA[i]! / b) * kUsPerDay : kNaN;
  }

  emit(nowUs: number): void {
    this.#ret.maybeSample(nowUs);
    const nP = this.#pools.length;
    // optimise up to kOptimisePerCycle dirty pools whose last optimisation is old enough (round robin)
    let done = 0;
    for (let k = 0; k < nP && done < kOptimisePerCycle; k++) {
      const i = (this.#nextPool + k) % nP;
      if (this.#dirty[i] === 0 || nowUs - this.#lastOptUs[i]! < this.#cfg.liquidity.refreshUs) continue;
      this.#dirty[i] = 0;
      this.#lastOptUs[i] = nowUs;
      this.#optimise(i);
      done++;
      this.#nextPool = (i + 1) % nP;
    }
    for (let g = 0; g + 1 < this.#groupStart.length; g++) {
      if (this.#groupDirty[g] === 1) { this.#groupDirty[g] = 0; this.#split(g); }
    }
    const out = this.#out;
    for (let i = 0; i < nP; i++) {
      if (this.#recNet[i]! === this.#recNet[i]!) {
        out.push(kRecLpRange, this.#pools[i]!, -1, this.#recNet[i]!, this.#recFee[i]!, this.#recSize[i]!, this.#recIl[i]!, this.#recH[i]!);
      }
    }
    const gs = this.#groupStart;
    for (let g = 0; g + 1 < gs.length; g++) {
      if (!(this.#splitSaving[g]! === this.#splitSaving[g]!)) continue;
      const first = this.#pools[this.#groupPools[gs[g]!]!]!;
      for (let k = gs[g]!; k < gs[g + 1]!; k++) {
        const share = this.#splitShare[k]!;
        if (!(share > 0)) continue;
        out.push(kRecTradeSplit, this.#pools[this.#groupPools[k]!]!, first, share, this.#splitUsd[k]!, this.#splitSaving[g]!,
          this.#splitRate[g]!, gs[g + 1]! - gs[g]!);
      }
    }
  }

  /** Fee − loss of pool i: the best range (v3) or the full range (v2), and the size. */
  #optimise(i: number): void {
    const slot = this.#pools[i]!;
    const q = this.#q;
    this.#view.read(slot, q);
    const lc = this.#cfg.liquidity;
    const sigma = this.sigmaDaily(i);
    const volume = this.volumeUsdPerDay(i);
    const tvl = this.#tvl[i]!;
    const fee = q[kFee]!;
    const t = this.#out;
    t.setTable(kLiqTableVolumeUsdDay, slot, volume);
    t.setTable(kLiqTableSigmaDaily, slot, sigma);
    t.setTable(kLiqTableTvlUsd, slot, tvl);
    if (!(sigma > 0 && volume >= 0 && tvl > 0 && fee >= 0)) return;
    const feeRate = (volume * fee) / tvl; // per day per $ of full-range liquidity
    t.setTable(kLiqTableFeeAprFullRange, slot, feeRate * 365);
    const T = lc.horizonDays;
    const lp = this.#lp;
    const concentrated = q[kSqrtPrice]! === q[kSqrtPrice]!;
    if (concentrated) optimiseRange(lp, this.#lpScratch, feeRate, sigma, T, tickSpacingOf(fee) * kLnTick);
    else evaluateRange(lp, feeRate, sigma, T, Infinity);
    const annual = 365 / T;
    const cost = lp[kLpIlCost]! + (lc.hurdleApr * T) / 365;
    let size = optimalLpSize(volume * fee * T, lp[kLpInRange]!, lp[kLpEfficiency]!, tvl, cost);
    const cap = this.#cfg.capitalUsd * lc.maxAllocationFraction;
    if (size > cap) size = cap;
    this.#recNet[i] = lp[kLpNetReturn]! * annual;
    this.#recFee[i] = lp[kLpFeeReturn]! * annual;
    this.#recIl[i] = lp[kLpIlCost]! * annual;
    this.#recSize[i] = size;
    this.#recH[i] = lp[kLpHalfWidth]! === Infinity ? -1 : lp[kLpHalfWidth]!;
  }

  /**
   * Splits splitTradeUsd of the group's first token (token0 of its first pool) across the group's
   * pools; v3 pools enter with their virtual reserves (the state's reserves), i.e. within range.
   */
  #split(g: number): void {
    const gs = this.#groupStart, q = this.#q;
    const a = gs[g]!, b = gs[g + 1]!;
    const n = b - a;
    const firstPool = this.#groupPools[a]!;
    const usdIn = this.#tokenUsd(this.#usd0[firstPool]!);
    if (!(usdIn > 0)) return;
    const amountIn = this.#cfg.liquidity.splitTradeUsd / usdIn;
    for (let k = 0; k < n; k++) {
      const i = this.#groupPools[a + k]!;
      this.#view.read(this.#pools[i]!, q);
      const flip = this.#groupFlip[a + k] === 1;
      this.#rin[k] = flip ? q[kReserve1]! : q[kReserve0]!;
      this.#rout[k] = flip ? q[kReserve0]! : q[kReserve1]!;
      this.#fees[k] = q[kFee]!;
    }
    const out = splitConstantProduct(this.#rin, this.#rout, this.#fees, n, amountIn, this.#amounts, this.#order);
    const single = bestSinglePool(this.#rin, this.#rout, this.#fees, n, amountIn, this.#best);
    if (!(out > 0 && single > 0)) return;
    let rate = NaN;
    for (let k = 0; k < n; k++) {
      const amt = this.#amounts[k]!;
      this.#splitShare[a + k] = amt / amountIn;
      this.#splitUsd[a + k] = amt * usdIn;
      if (amt > 0 && rate !== rate) rate = cpMarginalRate(amt, this.#rin[k]!, this.#rout[k]!, this.#fees[k]!);
    }
    this.#splitSaving[g] = (out / single - 1) * 1e4;
    this.#splitRate[g] = rate;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('view');
    this.#out = v.f('out', this.#out);
    v.b('cfg');
    this.#prices = v.f('prices', this.#prices);
    this.#ret = v.f('ret', this.#ret);
    this.#asset0 = v.f('asset0', this.#asset0);
    this.#asset1 = v.f('asset1', this.#asset1);
    this.#pools = v.f('pools', this.#pools);
    this.#poolIndex = v.f('poolIndex', this.#poolIndex);
    this.#usd0 = v.f('usd0', this.#usd0);
    this.#usd1 = v.f('usd1', this.#usd1);
    this.#vol = v.f('vol', this.#vol);
    this.#volA = v.f('volA', this.#volA);
    this.#volB = v.f('volB', this.#volB);
    this.#volN = v.f('volN', this.#volN);
    this.#minHistoryUs = v.f('minHistoryUs', this.#minHistoryUs);
    this.#lastR0 = v.f('lastR0', this.#lastR0);
    this.#lastR1 = v.f('lastR1', this.#lastR1);
    this.#lastTs = v.f('lastTs', this.#lastTs);
    this.#tvl = v.f('tvl', this.#tvl);
    this.#dirty = v.f('dirty', this.#dirty);
    this.#lastOptUs = v.f('lastOptUs', this.#lastOptUs);
    this.#nextPool = v.f('nextPool', this.#nextPool);
    this.#recNet = v.f('recNet', this.#recNet);
    this.#recFee = v.f('recFee', this.#recFee);
    this.#recIl = v.f('recIl', this.#recIl);
    this.#recSize = v.f('recSize', this.#recSize);
    this.#recH = v.f('recH', this.#recH);
    this.#groupStart = v.f('groupStart', this.#groupStart);
    this.#groupPools = v.f('groupPools', this.#groupPools);
    this.#groupFlip = v.f('groupFlip', this.#groupFlip);
    this.#groupOf = v.f('groupOf', this.#groupOf);
    this.#groupDirty = v.f('groupDirty', this.#groupDirty);
    this.#splitShare = v.f('splitShare', this.#splitShare);
    this.#splitUsd = v.f('splitUsd', this.#splitUsd);
    this.#splitSaving = v.f('splitSaving', this.#splitSaving);
    this.#splitRate = v.f('splitRate', this.#splitRate);
    this.#rin = v.f('rin', this.#rin);
    this.#rout = v.f('rout', this.#rout);
    this.#fees = v.f('fees', this.#fees);
    this.#amounts = v.f('amounts', this.#amounts);
    this.#order = v.f('order', this.#order);
    this.#best = v.f('best', this.#best);
    this.#lp = v.f('lp', this.#lp);
    this.#lpScratch = v.f('lpScratch', this.#lpScratch);
    this.#q = v.f('q', this.#q);
  }
}
