// Execution optimizer: what it costs to buy each asset with USD at the reference size on every
// venue that trades it, and the cheapest route or split.
//  - Books (USD-quoted): the published depth levels when the venue sends them, else the top of
//    book followed by a modelled depth (the same top size again at every
//    `arbitrage.impactBpsPerTopSize` bps further out); the fill walks the levels
//    (finance/slippage.ts), plus the venue's taker fee.
//  - AMM pools pairing the asset's token with a stablecoin: constant-product output for v2; for v3
//    the swap on the pool's liquidity and √P in raw token units across the initialized ticks of
//    its tick map (v3SwapAcrossTicks; past the outermost known tick, and for a pool whose updates
//    carry no tick map, the liquidity is taken as constant over the move), plus gas: gas units per swap (and per tick
//    crossed) × `execution.gasPriceGwei` × the ETH price in the state (finance/gas.ts).
//  - All-in cost: what the USD buys against the asset's reference mid (its representative book),
//    fees, spread, slippage and gas included, in bps of the notional.
//  - Split: the notional spread over pools and book levels so that marginal rates are equal
//    (finance/routing.ts splitByMarginalRate), with the gas of every pool leg added; the plan is
//    the cheapest of the best single venue, the split over all venues, and the split over books.
// Per venue the figures go into this agent's table (consolidation reads them when it encodes the
// calldata of an approved trade); one plan record per asset each cycle (kRecExecutionPlan).
import {
  kDepthAskCount, kDepthAskPrice0, kDepthAskSize0, kDepthLevels, kFee, kKindAmm, kKindBook, kLiquidity, kReserve0,
  kReserve1, kSqrtPrice,
} from '../../protocol/layout.ts';
import {
  kBookSnapshotLength, kBookTopAskAt, kBookTopAskSizeAt, kBookTopBidAt, type MarketView,
} from '../../protocol/market_view.ts';
import type { Agent, AgentContext } from './agent.ts';
import { AssetPrices } from './asset_prices.ts';
import { PoolReader } from './pool_reader.ts';
import { AssetReturns } from './asset_returns.ts';
import { takerFee, type AgentConfig } from './config.ts';
import {
  kExecTableCostBps, kExecTableGasUsd, kExecTableMaxSizeUsd, kExecTableSlippageBps, kExecTableWidth, kRecExecutionPlan,
} from '../../protocol/records.ts';
import type { ResultWriter } from '../../protocol/result_region.ts';
import { assetOfToken, isStable } from '../../finance/tokens.ts';
import { cpAmountOut } from '../../finance/amm.ts';
import { gasCostUsd, kGasVenueV2, kGasVenueV3, swapGasUnits } from '../../finance/gas.ts';
import { kVenueLevel, kVenuePool, splitByMarginalRate } from '../../finance/routing.ts';
import {
  cpSlippage, kV3xAmountOut, kV3xOutLength, kV3xSlippage, kV3xTicksCrossed, v3SwapAcrossTicks,
} from '../../finance/slippage.ts';
import { maxQtyWithinSlippage } from '../../finance/book_walk.ts';
import {
  kLegStride, kLegWalkIn, kLegWalkInUsed, kLegWalkLength, kLegWalkOut, setBookLeg, walkLeg,
} from '../../finance/swap_path.ts';
import type { Fields } from '../../protocol/snapshot.ts';

// NaN as a module constant: a double returned beside it stays unboxed (the global NaN boxes it).
const kNaN = NaN;

/** Levels of modelled depth after the top of book when a venue publishes no depth. */
export const kModelLevels = 4;
/** Market time between two plans of one asset. */
export const kPlanRefreshUs = 1_000_000;
/** Assets planned per cycle at most (round robin). */
const kPlansPerCycle = 1;
const kLevelsPerBook = kDepthLevels > kModelLevels + 1 ? kDepthLevels : kModelLevels + 1;
const kSizesAt = kLevelsPerBook; // in #lv

export class ExecutionOptimizer implements Agent {
  #view!: MarketView;
  #out!: ResultWriter;
  #cfg!: AgentConfig;
  #prices!: AssetPrices;
  #ret!: AssetReturns;
  #eth = -1; // AssetPrices index of ETH
  // venues grouped by asset: [start[a], start[a+1]) in #venueSlot
  #venueStart!: Int32Array;
  #venueSlot!: Int32Array;
  #venueIsPool!: Uint8Array;
  #venueFee!: Float64Array; // taker fee (books); pool fees are read from the state
  #venueStableIn0!: Uint8Array; // pools: 1 when the stablecoin is token0
  #venueDec0!: Float64Array;
  #venueDec1!: Float64Array;
  #assetOfSlot!: Int32Array; // book / pool slot → asset
  #dirty!: Uint8Array;
  #lastPlanUs!: Float64Array;
  #nextAsset = 0;
  // plan per asset: slotA, slotB, cost bps, cost USD, gas USD, legs (NaN cost = none)
  #plan!: Float64Array;
  // scratch
  #lv = new Float64Array(2 * kLevelsPerBook); // asks: prices at 0, sizes at kSizesAt
  #leg = new Float64Array(kLegStride); // a book's asks as a swap leg (quote in), walked by walkLeg
  #walk = new Float64Array(kLegWalkLength);
  #snap = new Float64Array(kBookSnapshotLength);
  #v3 = new Float64Array(kV3xOutLength);
  #pool!: PoolReader;
  #kind!: Int32Array; #p1!: Float64Array; #p2!: Float64Array; #fee!: Float64Array; #amt!: Float64Array; #owner!: Int32Array; #order!: Int32Array;
  #venueGas!: Float64Array; // per venue of the asset being planned: gas USD of a leg there
  #venueCost!: Float64Array; // all-in cost (fraction) at the reference size

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    this.#pool = new PoolReader(ctx.view);
    this.#out = ctx.out;
    this.#cfg = ctx.config;
    const reg = ctx.registry;
    this.#prices = new AssetPrices(ctx.view, reg);
    this.#ret = new AssetReturns(ctx.view, reg, ctx.config);
    this.#eth = this.#prices.indexOf('ETH');
    const nA = this.#ret.n;
    const lists: number[][] = Array.from({ length: nA }, () => []);
    for (let s = 0; s < reg.size; s++) {
      const m = reg.meta[s]!;
      if (m.kind === kKindBook && this.#prices.isUsdQuoted(s)) {
        const a = this.#ret.indexOf(m.base);
        if (a >= 0) lists[a]!.push(s);
      } else if (m.kind === kKindAmm) {
        const s0 = isStable(m.base), s1 = isStable(m.quote);
        if (s0 === s1) continue; // a pool of two stablecoins or of two volatile tokens buys nothing with USD here
        const a = this.#ret.indexOf(assetOfToken(s0 ? m.quote : m.base));
        if (a >= 0) lists[a]!.push(s);
      }
    }
    const starts = [0];
    const slots: number[] = [];
    for (const l of lists) { slots.push(...l); starts.push(slots.length); }
    this.#venueStart = Int32Array.from(starts);
    this.#venueSlot = Int32Array.from(slots);
    this.#venueIsPool = Uint8Array.from(slots.map((s) => (reg.meta[s]!.kind === kKindAmm ? 1 : 0)));
    this.#venueFee = Float64Array.from(slots.map((s) => takerFee(ctx.config, reg.meta[s]!.venue)));
    this.#venueStableIn0 = Uint8Array.from(slots.map((s) => (isStable(reg.meta[s]!.base) ? 1 : 0)));
    this.#venueDec0 = Float64Array.from(slots.map((s) => reg.meta[s]!.decimals0));
    this.#venueDec1 = Float64Array.from(slots.map((s) => reg.meta[s]!.decimals1));
    this.#assetOfSlot = new Int32Array(reg.capacity).fill(-1);
    for (let a = 0; a < nA; a++) for (let v = starts[a]!; v < starts[a + 1]!; v++) this.#assetOfSlot[slots[v]!] = a;
    this.#dirty = new Uint8Array(Math.max(1, nA));
    this.#lastPlanUs = new Float64Array(Math.max(1, nA)).fill(-Infinity);
    this.#plan = new Float64Array(Math.max(1, nA) * 6).fill(NaN);
    let maxVenues = 1;
    for (let a = 0; a < nA; a++) maxVenues = Math.max(maxVenues, starts[a + 1]! - starts[a]!);
    const legs = maxVenues * kLevelsPerBook;
    this.#kind = new Int32Array(legs); this.#p1 = new Float64Array(legs); this.#p2 = new Float64Array(legs);
    this.#fee = new Float64Array(legs); this.#amt = new Float64Array(legs); this.#owner = new Int32Array(legs);
    this.#order = new Int32Array(legs);
    this.#venueGas = new Float64Array(maxVenues);
    this.#venueCost = new Float64Array(maxVenues);
    const t = ctx.out;
    for (let s = 0; s < reg.capacity; s++) for (let c = 0; c < kExecTableWidth; c++) t.setTable(c, s, NaN);
  }

  onChange(slot: number): void {
    this.#prices.onBook(slot);
    this.#ret.onChange(slot);
    const a = this.#assetOfSlot[slot]!;
    if (a >= 0) this.#dirty[a] = 1;
  }

  emit(nowUs: number): void {
    const nA = this.#ret.n;
    let done = 0;
    for (let k = 0; k < nA && done < kPlansPerCycle; k++) {
      const a = (this.#nextAsset + k) % nA;
      if (this.#dirty[a] === 0 || nowUs - this.#lastPlanUs[a]! < kPlanRefreshUs) continue;
      this.#dirty[a] = 0;
      this.#lastPlanUs[a] = nowUs;
      this.#planAsset(a);
      done++;
      this.#nextAsset = (a + 1) % nA;
    }
    const p = this.#plan;
    for (let a = 0; a < nA; a++) {
      const o = a * 6;
      if (p[o + 2]! === p[o + 2]!) {
        this.#out.push(kRecExecutionPlan, p[o]!, p[o + 1]!, p[o + 2]!, p[o + 3]!, this.#cfg.execution.referenceTradeUsd, p[o + 4]!, p[o + 5]!);
      }
    }
  }

  /** Quotes every venue of asset a at the reference size, then the best plan. */
  #planAsset(a: number): void {
    const ref = this.#ret.price[a]!;
    if (!(ref > 0)) return;
    const notional = this.#cfg.execution.referenceTradeUsd;
    const tol = this.#cfg.execution.slippageToleranceBps * 1e-4;
    const ethUsd = this.#eth >= 0 ? this.#prices.usd[this.#eth]! : kNaN;
    const gwei = this.#cfg.execution.gasPriceGwei;
    const t = this.#out;
    const v0 = this.#venueStart[a]!, v1 = this.#venueStart[a + 1]!;
    let legs = 0;
    let bestV = -1, bestCost = Infinity;
    for (let v = v0; v < v1; v++) {
      const slot = this.#venueSlot[v]!;
      const k = v - v0;
      let cost = NaN, slip = NaN, gas = 0, maxUsd = NaN;
      if (this.#venueIsPool[v] === 0) {
        const n = this.#asks(slot);
        if (n === 0) { this.#venueCost[k] = NaN; continue; }
        const fee = this.#venueFee[v]!;
        const w = this.#walk;
        setBookLeg(this.#leg, 0, false, 0, this.#lv, 0, kSizesAt, n); // fee 0: the taker fee is added to the average price below
        w[kLegWalkIn] = notional;
        walkLeg(w, this.#leg, 0);
        if (w[kLegWalkOut]! > 0) {
          const avg = w[kLegWalkInUsed]! / w[kLegWalkOut]!;
          cost = (avg * (1 + fee)) / ref - 1;
          slip = avg / this.#lv[0]! - 1;
        }
        maxUsd = maxQtyWithinSlippage(this.#lv, 0, kSizesAt, n, tol) * this.#lv[0]!;
        for (let i = 0; i < n; i++) { // the book's levels as legs of the split
          this.#kind[legs] = kVenueLevel; this.#p1[legs] = 1 / this.#lv[i]!; this.#p2[legs] = this.#lv[i]! * this.#lv[kSizesAt + i]!;
          this.#fee[legs] = fee; this.#owner[legs] = k; legs++;
        }
      } else {
        this.#pool.read(slot);
        const q = this.#pool.fields;
        const fee = q[kFee]!;
        const stableIn0 = this.#venueStableIn0[v] === 1;
        const rIn = stableIn0 ? q[kReserve0]! : q[kReserve1]!, rOut = stableIn0 ? q[kReserve1]! : q[kReserve0]!;
        if (!(rIn > 0 && rOut > 0 && fee >= 0)) { this.#venueCost[k] = NaN; continue; }
        const v3 = q[kSqrtPrice]! === q[kSqrtPrice]! && q[kLiquidity]! > 0 && this.#venueDec0[v]! >= 0 && this.#venueDec1[v]! >= 0;
        let out: number, crossed = 0;
        if (v3) {
          const decIn = stableIn0 ? this.#venueDec0[v]! : this.#venueDec1[v]!, decOut = stableIn0 ? this.#venueDec1[v]! : this.#venueDec0[v]!;
          const pr = this.#pool; // past its outermost known tick, the liquidity is taken as it is there
          v3SwapAcrossTicks(this.#v3, notional * 10 ** decIn, stableIn0, q[kSqrtPrice]!, q[kLiquidity]!, pr.tickSqrtPrices, pr.liquidityNet, pr.ticks, fee);
          out = this.#v3[kV3xAmountOut]! / 10 ** decOut;
          slip = this.#v3[kV3xSlippage]!;
          crossed = this.#v3[kV3xTicksCrossed]!;
        } else {
          out = cpAmountOut(notional, rIn, rOut, fee);
          slip = cpSlippage(notional, rIn, rOut, fee);
        }
        gas = gasCostUsd(swapGasUnits(v3 ? kGasVenueV3 : kGasVenueV2, crossed), gwei, ethUsd);
        cost = out > 0 ? notional / (out * ref) - 1 + gas / notional : kNaN;
        maxUsd = (tol * rIn) / ((1 - fee) * (1 - tol)); // γa/(R_in + γa) ≤ tol
        this.#kind[legs] = kVenuePool; this.#p1[legs] = rIn; this.#p2[legs] = rOut; this.#fee[legs] = fee; this.#owner[legs] = k; legs++;
      }
      this.#venueGas[k] = gas;
      this.#venueCost[k] = cost;
      t.setTable(kExecTableCostBps, slot, cost * 1e4);
      t.setTable(kExecTableSlippageBps, slot, slip * 1e4);
      t.setTable(kExecTableGasUsd, slot, gas);
      t.setTable(kExecTableMaxSizeUsd, slot, maxUsd);
      if (cost < bestCost) { bestCost = cost; bestV = v; }
    }
    if (bestV < 0) return;
    const p = this.#plan;
    const o = a * 6;
    p[o] = this.#venueSlot[bestV]!; p[o + 1] = -1; p[o + 2] = bestCost * 1e4; p[o + 3] = bestCost * notional;
    p[o + 4] = this.#venueGas[bestV - v0]!; p[o + 5] = 1;
    // splits: over every venue, and over the books alone (no gas) when the asset has pools
    let pools = 0;
    for (let v = v0; v < v1; v++) pools += this.#venueIsPool[v]!;
    for (let pass = 0; pass < (pools > 0 ? 2 : 1); pass++) {
      let n = 0;
      for (let i = 0; i < legs; i++) {
        if (pass === 1 && this.#kind[i] === kVenuePool) continue;
        this.#kind[n] = this.#kind[i]!; this.#p1[n] = this.#p1[i]!; this.#p2[n] = this.#p2[i]!;
        this.#fee[n] = this.#fee[i]!; this.#owner[n] = this.#owner[i]!; n++;
      }
      legs = n;
      if (n < 2) break;
      const got = splitByMarginalRate(this.#kind, this.#p1, this.#p2, this.#fee, n, notional, this.#amt, this.#order);
      if (!(got > 0)) continue;
      let spent = 0, gas = 0, first = -1, second = -1, firstAmt = 0, secondAmt = 0, used = 0;
      for (let k = 0; k < v1 - v0; k++) this.#venueCost[k] = 0; // reused: USD per venue
      for (let i = 0; i < n; i++) {
        const x = this.#amt[i]!;
        if (!(x > 0)) continue;
        spent += x;
        const k = this.#owner[i]!;
        if (this.#venueCost[k] === 0) { used++; gas += this.#venueGas[k]!; }
        this.#venueCost[k] = this.#venueCost[k]! + x;
      }
      for (let k = 0; k < v1 - v0; k++) {
        const x = this.#venueCost[k]!;
        if (x > firstAmt) { second = first; secondAmt = firstAmt; first = k; firstAmt = x; }
        else if (x > secondAmt) { second = k; secondAmt = x; }
      }
      if (!(spent >= notional * (1 - 1e-9))) continue; // not enough depth to fill the whole size
      const cost = notional / (got * ref) - 1 + gas / notional;
      if (cost < p[o + 2]! * 1e-4 && first >= 0) {
        p[o] = this.#venueSlot[v0 + first]!; p[o + 1] = second >= 0 ? this.#venueSlot[v0 + second]! : -1;
        p[o + 2] = cost * 1e4; p[o + 3] = cost * notional; p[o + 4] = gas; p[o + 5] = used;
      }
    }
  }

  /** The asks of a book into #lv (one consistent snapshot of the slot); returns the levels. */
  #asks(slot: number): number {
    const b = this.#snap;
    this.#view.readBook(slot, b);
    const impact = this.#cfg.arbitrage.impactBpsPerTopSize * 1e-4;
    let n = b[kDepthAskCount]! | 0;
    if (n > 0) {
      if (n > kDepthLevels) n = kDepthLevels;
      for (let i = 0; i < n; i++) { this.#lv[i] = b[kDepthAskPrice0 + i]!; this.#lv[kSizesAt + i] = b[kDepthAskSize0 + i]!; }
      return n;
    }
    const ask = b[kBookTopAskAt]!, size = b[kBookTopAskSizeAt]!, bid = b[kBookTopBidAt]!;
    if (!(ask > 0 && size > 0 && bid > 0)) return 0;
    n = kModelLevels + 1;
    for (let i = 0; i < n; i++) { this.#lv[i] = ask * (1 + i * impact); this.#lv[kSizesAt + i] = size; }
    return n;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('view');
    this.#out = v.f('out', this.#out);
    v.b('cfg');
    this.#prices = v.f('prices', this.#prices);
    this.#ret = v.f('ret', this.#ret);
    this.#eth = v.f('eth', this.#eth);
    this.#venueStart = v.f('venueStart', this.#venueStart);
    this.#venueSlot = v.f('venueSlot', this.#venueSlot);
    this.#venueIsPool = v.f('venueIsPool', this.#venueIsPool);
    this.#venueFee = v.f('venueFee', this.#venueFee);
    this.#venueStableIn0 = v.f('venueStableIn0', this.#venueStableIn0);
    this.#venueDec0 = v.f('venueDec0', this.#venueDec0);
    this.#venueDec1 = v.f('venueDec1', this.#venueDec1);
    this.#assetOfSlot = v.f('assetOfSlot', this.#assetOfSlot);
    this.#dirty = v.f('dirty', this.#dirty);
    this.#lastPlanUs = v.f('lastPlanUs', this.#lastPlanUs);
    this.#nextAsset = v.f('nextAsset', this.#nextAsset);
    this.#plan = v.f('plan', this.#plan);
    this.#lv = v.f('lv', this.#lv);
    this.#leg = v.f('leg', this.#leg);
    this.#walk = v.f('walk', this.#walk);
    this.#snap = v.f('snap', this.#snap);
    this.#v3 = v.f('v3', this.#v3);
    this.#pool = v.f('pool', this.#pool);
    this.#kind = v.f('kind', this.#kind);
    this.#p1 = v.f('p1', this.#p1);
    this.#p2 = v.f('p2', this.#p2);
    this.#fee = v.f('fee', this.#fee);
    this.#amt = v.f('amt', this.#amt);
    this.#owner = v.f('owner', this.#owner);
    this.#order = v.f('order', this.#order);
    this.#venueGas = v.f('venueGas', this.#venueGas);
    this.#venueCost = v.f('venueCost', this.#venueCost);
  }
}
