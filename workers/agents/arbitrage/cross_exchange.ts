// Cross-exchange arbitrage: the same pair bought on one venue and sold on another, net of both
// legs' taker fees, of slippage at the chosen size, and of a fixed cost per opportunity.
// Size: when both venues publish depth, the two books are walked level by level until the
// marginal profit reaches zero (book_walk.ts crossBookWalk); with the top of book only, the
// linear-impact model of finance/arbitrage.ts extends the top (impactBpsPerTopSize).
// Incremental: a changed book marks its pair dirty; only dirty pairs are re-evaluated; the open
// set is kept so each cycle publishes it without scanning every pair, and an open pair whose quotes
// went stale without changing is re-evaluated (and dropped, counted as stale) before publishing.
import {
  kAsk, kAskSize, kBid, kBidSize, kDepthAskCount, kDepthAskPrice0, kDepthAskSize0, kDepthBidCount, kDepthBidPrice0,
  kDepthBidSize0, kFieldCount, kKindBook, kTs,
} from '../../../protocol/layout.ts';
import {
  crossVenueArb, kArbGrossEdgeBps, kArbNetEdgeBps, kArbNetEdgePerUnit, kArbNetProfit, kArbOptimalSize, kArbOutLength,
  kArbParamBuyFee, kArbParamCapital, kArbParamFixedCost, kArbParamSellFee, makeArbParams,
} from '../../../finance/arbitrage.ts';
import {
  crossBookWalk, kCbwFees, kCbwOutLength, kCbwProfit, kCbwSize, kCbwSlippage,
} from '../../../finance/book_walk.ts';
import { takerFee } from '../config.ts';
import { kRecArbCross } from '../../../protocol/records.ts';
import { kBookHasDepthAt, kBookLength } from './book_reader.ts';
import { pushDetail, roomForPair, type ArbContext } from './context.ts';
import { firstUpdateS } from './input_clock.ts';

// Per-pair result columns
const kPrBuy = 0;
const kPrSell = 1;
const kPrNetBps = 2;
const kPrProfitUsd = 3;
const kPrSize = 4;
const kPrRisk = 5;
const kPrGrossBps = 6;
const kPrDurationS = 7;
const kPrSizeUsd = 8;
const kPrCostsUsd = 9; // fees + slippage at the size
const kPrWidth = 10;

export class CrossExchange {
  readonly #c: ArbContext;
  readonly #pairOf: Int32Array; // slot → pair index (-1 when not a book)
  readonly #pairStart: Int32Array; // CSR: venues of pair p are slots #pairSlots[start[p] .. start[p+1])
  readonly #pairSlots: Int32Array;
  readonly #fee: Float64Array; // slot → taker fee
  readonly #dirty: Int32Array; // pairs to re-evaluate this cycle
  readonly #isDirty: Uint8Array;
  #nDirty = 0;
  readonly #res: Float64Array; // pair × kPrWidth
  readonly #active: Int32Array; // open opportunities (pair indices)
  readonly #activePos: Int32Array; // pair → position in #active, -1 when not open
  #nActive = 0;
  readonly #quote = new Float64Array(kFieldCount); // scratch: one slot's fields
  readonly #arb = new Float64Array(kArbOutLength);
  readonly #walk = new Float64Array(kCbwOutLength);
  readonly #sellBook = new Float64Array(kBookLength);
  readonly #params: Float64Array;
  readonly #ts2 = new Float64Array(2);

  constructor(c: ArbContext) {
    this.#c = c;
    const reg = c.registry;
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
      this.#fee[s] = takerFee(c.cfg, m.venue);
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
    this.#params = makeArbParams({
      sellFee: 0, buyFee: 0, impactBps: c.cfg.arbitrage.impactBpsPerTopSize, capital: c.cfg.capitalUsd,
      maxPosition: Infinity, fixedCost: 0,
    });
  }

  /** A book changed. */
  onBook(slot: number): void {
    const p = this.#pairOf[slot]!;
    if (p < 0) return;
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
    const c = this.#c;
    const out = c.out;
    const res = this.#res;
    const ts = this.#ts2;
    const maxAge = c.cfg.arbitrage.maxQuoteAgeUs;
    let i = 0;
    while (i < this.#nActive) {
      const p = this.#active[i]!;
      const o = p * kPrWidth;
      c.view.read2(res[o + kPrBuy]!, kTs, kTs, ts);
      const tsBuy = ts[0]!;
      c.view.read2(res[o + kPrSell]!, kTs, kTs, ts);
      const tsSell = ts[0]!;
      if (nowUs - tsBuy > maxAge || nowUs - tsSell > maxAge) {
        this.#evaluate(p, nowUs);
        if (this.#activePos[p] === -1) continue; // removed (another pair, if any, moved into position i)
      }
      if (roomForPair(out)) {
        out.push(kRecArbCross, res[o + kPrBuy]!, res[o + kPrSell]!, res[o + kPrNetBps]!, res[o + kPrProfitUsd]!,
          res[o + kPrSize]!, res[o + kPrRisk]!, res[o + kPrGrossBps]!);
        pushDetail(out, -1, -1, res[o + kPrDurationS]!, 0, res[o + kPrSizeUsd]!, res[o + kPrCostsUsd]!,
          Math.max(nowUs - tsBuy, nowUs - tsSell) * 1e-6);
      }
      i++;
    }
  }

  /** Finds the best buy-venue/sell-venue combination of pair p, net of fees and slippage. */
  #evaluate(p: number, nowUs: number): void {
    const c = this.#c;
    const view = c.view;
    const q = this.#quote;
    const cfg = c.cfg.arbitrage;
    const start = this.#pairStart[p]!, end = this.#pairStart[p + 1]!;
    const slots = this.#pairSlots;
    const arb = this.#arb;
    let bestProfit = 0, bestBuy = -1, bestSell = -1, bestNet = 0, bestSize = 0, bestGross = 0, bestRisk = 0;
    let bestDuration = 0, bestSizeUsd = 0, bestCosts = 0;
    let staleSeen = false;
    const maxAge = cfg.maxQuoteAgeUs;
    for (let i = start; i < end; i++) {
      const buy = slots[i]!;
      view.read(buy, q);
      const ask = q[kAsk]!, askSize = q[kAskSize]!, tsBuy = q[kTs]!;
      if (!(ask > 0)) continue;
      for (let j = start; j < end; j++) {
        if (j === i) continue;
        const sell = slots[j]!;
        view.read(sell, q);
        const bid = q[kBid]!, bidSize = q[kBidSize]!, tsSell = q[kTs]!;
        if (!(bid > ask)) continue; // no crossing before fees
        if (nowUs - tsBuy > maxAge || nowUs - tsSell > maxAge) { staleSeen = true; continue; }
        const quoteUsd = c.prices.usd[c.prices.quoteOf[buy]!]!;
        if (!(quoteUsd > 0)) continue; // cannot value the profit yet
        const fS = this.#fee[sell]!, fB = this.#fee[buy]!;
        const params = this.#params;
        params[kArbParamSellFee] = fS;
        params[kArbParamBuyFee] = fB;
        params[kArbParamCapital] = c.cfg.capitalUsd / quoteUsd;
        params[kArbParamFixedCost] = cfg.fixedCostUsd / quoteUsd;
        crossVenueArb(arb, bid, bidSize, ask, askSize, params);
        const netBps = arb[kArbNetEdgeBps]!;
        if (!(netBps >= cfg.minNetEdgeBps)) continue;
        let size: number, profit: number, costs: number;
        if (this.#walkBooks(buy, sell, fS, fB, c.cfg.capitalUsd / quoteUsd)) {
          const w = this.#walk;
          size = w[kCbwSize]!;
          profit = w[kCbwProfit]! - cfg.fixedCostUsd / quoteUsd;
          costs = w[kCbwFees]! + w[kCbwSlippage]!;
        } else {
          size = arb[kArbOptimalSize]!;
          profit = arb[kArbNetProfit]!;
          // fees of both legs, and the impact beyond the top (edge·q − π − C)
          costs = size * (ask * fB + bid * fS) + (arb[kArbNetEdgePerUnit]! * size - profit - cfg.fixedCostUsd / quoteUsd);
        }
        const profitUsd = profit * quoteUsd; // fees, slippage and the fixed cost are in already
        if (!(profitUsd > bestProfit)) continue;
        // Execution risk 0..1: the older of the two quotes as a share of the staleness limit.
        const age = Math.max(nowUs - tsBuy, nowUs - tsSell);
        bestProfit = profitUsd; bestBuy = buy; bestSell = sell; bestNet = netBps; bestSize = size;
        bestGross = arb[kArbGrossEdgeBps]!; bestRisk = Math.min(1, Math.max(0, age / maxAge));
        bestDuration = firstUpdateS(1 / c.clock.gapUs(buy) + 1 / c.clock.gapUs(sell));
        bestSizeUsd = size * ask * quoteUsd;
        bestCosts = Math.max(0, costs) * quoteUsd;
      }
    }
    const res = this.#res;
    const o = p * kPrWidth;
    if (bestBuy >= 0) {
      res[o + kPrBuy] = bestBuy; res[o + kPrSell] = bestSell; res[o + kPrNetBps] = bestNet;
      res[o + kPrProfitUsd] = bestProfit; res[o + kPrSize] = bestSize; res[o + kPrRisk] = bestRisk; res[o + kPrGrossBps] = bestGross;
      res[o + kPrDurationS] = bestDuration; res[o + kPrSizeUsd] = bestSizeUsd; res[o + kPrCostsUsd] = bestCosts;
      if (this.#activePos[p] === -1) { this.#activePos[p] = this.#nActive; this.#active[this.#nActive++] = p; }
    } else {
      const pos = this.#activePos[p]!;
      if (staleSeen) c.stale.count++; // a crossing was there, on an input too old to act on
      if (pos !== -1) { // swap-remove, keeping positions consistent
        const last = this.#active[--this.#nActive]!;
        this.#active[pos] = last;
        this.#activePos[last] = pos;
        this.#activePos[p] = -1;
      }
    }
  }

  /** Walks both books when both venues sent depth; false (nothing written) otherwise. */
  #walkBooks(buy: number, sell: number, fS: number, fB: number, capitalQuote: number): boolean {
    const books = this.#c.books;
    books.read(sell);
    if (books.book[kBookHasDepthAt] !== 1) return false;
    this.#sellBook.set(books.book);
    books.read(buy);
    const bb = books.book;
    if (bb[kBookHasDepthAt] !== 1) return false;
    const sb = this.#sellBook;
    crossBookWalk(this.#walk, sb, kDepthBidPrice0, kDepthBidSize0, sb[kDepthBidCount]!,
      bb, kDepthAskPrice0, kDepthAskSize0, bb[kDepthAskCount]!, fS, fB, capitalQuote);
    return true;
  }
}
