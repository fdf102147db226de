// Arbitrage detector: cross-exchange arbitrage on the same pair across venues, net of both legs'
// taker fees, of slippage at the chosen size, and of a fixed cost per opportunity. Incremental:
// a changed book marks its pair dirty; only dirty pairs are re-evaluated; the set of open
// opportunities is kept so each cycle publishes it without scanning every pair.
import {
  kFieldCount, kAsk, kAskSize, kBid, kBidSize, kKindBook, kTs } from '../../engine/state/layout.ts';
import type { MarketView } from '../../engine/state/market_view.ts';
import type { Agent, AgentContext } from './agent.ts';
import { AssetPrices } from './asset_prices.ts';
import { takerFee, type AgentConfig } from './config.ts';
import { kRecArbCross } from './records.ts';
import type { ResultWriter } from './result_region.ts';
import {
  crossVenueArb, kArbGrossEdgeBps, kArbNetEdgeBps, kArbNetProfit, kArbOptimalSize, kArbOutLength, kArbParamBuyFee,
  kArbParamCapital, kArbParamFixedCost, kArbParamSellFee, makeArbParams,
} from '../finance/arbitrage.ts';

// Per-pair result columns
const kPrActive = 0;
const kPrBuy = 1;
const kPrSell = 2;
const kPrNetBps = 3;
const kPrProfitUsd = 4;
const kPrSize = 5;
const kPrRisk = 6;
const kPrGrossBps = 7;
const kPrWidth = 8;

export class ArbitrageDetector implements Agent {
  #view!: MarketView;
  #out!: ResultWriter;
  #cfg!: AgentConfig;
  #prices!: AssetPrices;
  #pairOf!: Int32Array; // slot → pair index (-1 when not a book)
  #pairStart!: Int32Array; // CSR: venues of pair p are slots #pairSlots[start[p] .. start[p+1])
  #pairSlots!: Int32Array;
  #fee!: Float64Array; // slot → taker fee
  #dirty!: Int32Array; // pairs to re-evaluate this cycle
  #isDirty!: Uint8Array;
  #nDirty = 0;
  #res!: Float64Array; // pair × kPrWidth
  #active!: Int32Array; // open opportunities (pair indices)
  #activePos!: Int32Array; // pair → position in #active, -1 when not open
  #nActive = 0;
  #quote!: Float64Array; // scratch: one slot's fields
  #arb = new Float64Array(kArbOutLength);
  #params!: Float64Array;
  #ts2 = new Float64Array(2);

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    this.#out = ctx.out;
    this.#cfg = ctx.config;
    const reg = ctx.registry;
    this.#prices = new AssetPrices(ctx.view, reg);
    const cap = reg.capacity;
    this.#pairOf = new Int32Array(cap).fill(-1);
    this.#fee = new Float64Array(cap);
    const pairs = new Map<string, number[]>();
    for (let s = 0; s < reg.size; s++) {
      const m = reg.meta[s]!;
      if (m.kind !== kKindBook) continue;
      const k = `${m.base}/${m.quote}`;
      let list = pairs.get(k);
      if (!list) { list = []; pairs.set(k, list); }
      list.push(s);
      this.#fee[s] = takerFee(this.#cfg, m.venue);
    }
    const n = pairs.size;
    this.#pairStart = new Int32Array(n + 1);
    const slots: number[] = [];
    let p = 0;
    for (const list of pairs.values()) {
      this.#pairStart[p] = slots.length;
      for (const s of list) { this.#pairOf[s] = p; slots.push(s); }
      p++;
    }
    this.#pairStart[n] = slots.length;
    this.#pairSlots = Int32Array.from(slots);
    this.#dirty = new Int32Array(n);
    this.#isDirty = new Uint8Array(n);
    this.#res = new Float64Array(n * kPrWidth);
    this.#active = new Int32Array(n);
    this.#activePos = new Int32Array(n).fill(-1);
    this.#quote = new Float64Array(kFieldCount);
    this.#params = makeArbParams({
      sellFee: 0, buyFee: 0, impactBps: this.#cfg.arbitrage.impactBpsPerTopSize, capital: this.#cfg.capitalUsd,
      maxPosition: Infinity, fixedCost: 0,
    });
  }

  onChange(slot: number): void {
    const p = this.#pairOf[slot]!;
    if (p < 0) return;
    this.#prices.onBook(slot);
    if (this.#isDirty[p] === 0) {
      this.#isDirty[p] = 1;
      this.#dirty[this.#nDirty++] = p;
    }
  }

  emit(nowUs: number): void {
    for (let i = 0; i < this.#nDirty; i++) {
      const p = this.#dirty[i]!;
      this.#isDirty[p] = 0;
      this.#evaluate(p, nowUs);
    }
    this.#nDirty = 0;
    // Publish the open set. A quote can go stale without changing: such pairs are re-evaluated
    // (and dropped) before publishing.
    const out = this.#out;
    const res = this.#res;
    const ts = this.#ts2;
    const maxAge = this.#cfg.arbitrage.maxQuoteAgeUs;
    let i = 0;
    while (i < this.#nActive) {
      const p = this.#active[i]!;
      const o = p * kPrWidth;
      this.#view.read2(res[o + kPrBuy]!, kTs, kTs, ts);
      const tsBuy = ts[0]!;
      this.#view.read2(res[o + kPrSell]!, kTs, kTs, ts);
      if (nowUs - tsBuy > maxAge || nowUs - ts[0]! > maxAge) {
        this.#evaluate(p, nowUs);
        if (this.#active[i] !== p) continue; // removed: another pair moved into position i
      }
      out.push(kRecArbCross, res[o + kPrBuy]!, res[o + kPrSell]!, res[o + kPrNetBps]!, res[o + kPrProfitUsd]!,
        res[o + kPrSize]!, res[o + kPrRisk]!, res[o + kPrGrossBps]!);
      i++;
    }
  }

  /** Finds the best buy-venue/sell-venue combination of pair p, net of fees and slippage. */
  #evaluate(p: number, nowUs: number): void {
    const view = this.#view;
    const q = this.#quote;
    const cfg = this.#cfg.arbitrage;
    const start = this.#pairStart[p]!, end = this.#pairStart[p + 1]!;
    const slots = this.#pairSlots;
    const arb = this.#arb;
    let bestProfit = 0, bestBuy = -1, bestSell = -1, bestNet = 0, bestSize = 0, bestGross = 0, bestRisk = 0;
    const maxAge = cfg.maxQuoteAgeUs;
    for (let i = start; i < end; i++) {
      const buy = slots[i]!;
      view.read(buy, q);
      const ask = q[kAsk]!, askSize = q[kAskSize]!, tsBuy = q[kTs]!;
      if (!(ask > 0) || nowUs - tsBuy > maxAge) continue;
      for (let j = start; j < end; j++) {
        if (j === i) continue;
        const sell = slots[j]!;
        view.read(sell, q);
        const bid = q[kBid]!, bidSize = q[kBidSize]!, tsSell = q[kTs]!;
        if (!(bid > ask) || nowUs - tsSell > maxAge) continue; // no crossing before fees
        const quoteUsd = this.#prices.usd[this.#prices.quoteOf[buy]!]!;
        if (!(quoteUsd > 0)) continue; // cannot value the profit yet
        const params = this.#params;
        params[kArbParamSellFee] = this.#fee[sell]!;
        params[kArbParamBuyFee] = this.#fee[buy]!;
        params[kArbParamCapital] = this.#cfg.capitalUsd / quoteUsd;
        params[kArbParamFixedCost] = cfg.fixedCostUsd / quoteUsd;
        crossVenueArb(arb, bid, bidSize, ask, askSize, params);
        const netBps = arb[kArbNetEdgeBps]!;
        if (!(netBps >= cfg.minNetEdgeBps)) continue;
        const profitUsd = arb[kArbNetProfit]! * quoteUsd; // fees, impact and the fixed cost are in already
        if (!(profitUsd > bestProfit)) continue;
        // Execution risk 0..1: the older of the two quotes as a share of the staleness limit.
        const age = Math.max(nowUs - tsBuy, nowUs - tsSell);
        bestProfit = profitUsd; bestBuy = buy; bestSell = sell; bestNet = netBps; bestSize = arb[kArbOptimalSize]!;
        bestGross = arb[kArbGrossEdgeBps]!; bestRisk = Math.min(1, Math.max(0, age / maxAge));
      }
    }
    const res = this.#res;
    const o = p * kPrWidth;
    if (bestBuy >= 0) {
      res[o + kPrActive] = 1; res[o + kPrBuy] = bestBuy; res[o + kPrSell] = bestSell; res[o + kPrNetBps] = bestNet;
      res[o + kPrProfitUsd] = bestProfit; res[o + kPrSize] = bestSize; res[o + kPrRisk] = bestRisk; res[o + kPrGrossBps] = bestGross;
      if (this.#activePos[p] === -1) { this.#activePos[p] = this.#nActive; this.#active[this.#nActive++] = p; }
    } else {
      res[o + kPrActive] = 0;
      const pos = this.#activePos[p]!;
      if (pos !== -1) { // swap-remove, keeping positions consistent
        const last = this.#active[--this.#nActive]!;
        this.#active[pos] = last;
        this.#activePos[last] = pos;
        this.#activePos[p] = -1;
      }
    }
  }
}
