// Cross-exchange arbitrage: the same pair bought on one venue and sold on another, net of both
// legs' taker fees, of slippage at the chosen size, and of a fixed cost per opportunity.
// Size: when both venues publish depth, the two books are walked level by level until the
// marginal profit reaches zero (book_walk.ts crossBookWalk); with the top of book only, the
// linear-impact model of finance/arbitrage.ts extends the top (impactBpsPerTopSize).
// Every venue pair (route: buy venue, sell venue) with a positive net edge is published, not only
// the best of its pair: consolidation chooses among them (a second profitable route in the same
// cycle is a real opportunity, and they compete for shared quotes there).
// Incremental: a changed book marks its pair dirty; only dirty pairs are re-evaluated; the open
// set of routes is kept so each cycle publishes it without scanning every pair, and a pair with an
// open route whose quotes went stale without changing is re-evaluated (and the route dropped,
// counted as stale) before publishing.
import {
  kAsk, kAskSize, kBid, kBidSize, kDepthAskCount, kDepthAskPrice0, kDepthAskSize0, kDepthBidCount, kDepthBidPrice0,
  kDepthBidSize0, kFieldCount, kKindBook, kResArbCrossBelowMin, kResArbCrossNotEvaluated, kResArbCrossSeen, kResArbCrossStale, kTs,
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
import { roomForPair, type ArbContext } from './context.ts';
import { firstUpdateS } from './input_clock.ts';
import type { Fields } from '../../../protocol/snapshot.ts';
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecValue } from '../../../protocol/layout.ts';
import { kRecArbDetail } from '../../../protocol/records.ts';

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
// #route's inputs in Cross.#rq
const kRqAsk = 0, kRqAskSize = 1, kRqTsBuy = 2, kRqBid = 3, kRqBidSize = 4, kRqTsSell = 5, kRqWidth = 6;
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
  readonly #routeStart: Int32Array; // pair p's routes: #routeStart[p] + i·v + j (buy venue i, sell venue j of its v)
  readonly #routePair: Int32Array; // route → pair
  readonly #res: Float64Array; // route × kPrWidth
  readonly #active: Int32Array; // open opportunities (route indices)
  readonly #activePos: Int32Array; // route → position in #active, -1 when not open
  #nActive = 0;
  readonly #quote = new Float64Array(kFieldCount); // scratch: one slot's fields
  readonly #arb = new Float64Array(kArbOutLength);
  readonly #walk = new Float64Array(kCbwOutLength);
  readonly #sellBook = new Float64Array(kBookLength);
  readonly #params: Float64Array;
  readonly #ts2 = new Float64Array(2);
  readonly #tsq = new Float64Array(2); // #times's reads
  /** #route's quotes (kRq…): a call V8 does not inline boxes each double argument. */
  readonly #rq = new Float64Array(kRqWidth);

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
    this.#routeStart = new Int32Array(n + 1);
    let nr = 0;
    for (let q = 0; q < n; q++) {
      this.#routeStart[q] = nr;
      const v = this.#pairStart[q + 1]! - this.#pairStart[q]!;
      nr += v * v;
    }
    this.#routeStart[n] = nr;
    this.#routePair = new Int32Array(nr);
    for (let q = 0; q < n; q++) for (let r = this.#routeStart[q]!; r < this.#routeStart[q + 1]!; r++) this.#routePair[r] = q;
    this.#res = new Float64Array(Math.max(1, nr) * kPrWidth);
    this.#active = new Int32Array(Math.max(1, nr));
    this.#activePos = new Int32Array(Math.max(1, nr)).fill(-1);
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
    // A quote can go stale without changing: the pairs of open routes on a stale quote are
    // re-evaluated (their stale routes dropped) with the changed ones.
    const c = this.#c;
    const res = this.#res;
    const ts = this.#ts2;
    // (event times read into ts by #times, not returned: a double returned by a call V8 does not
    // inline is boxed)
    for (let i = 0; i < this.#nActive; i++) {
      const r = this.#active[i]!;
      const o = r * kPrWidth;
      const buy = res[o + kPrBuy]!, sell = res[o + kPrSell]!;
      this.#times(buy, sell, ts);
      if (nowUs - ts[0]! > this.#maxAge(buy) || nowUs - ts[1]! > this.#maxAge(sell)) this.onBook(this.#pairSlots[this.#pairStart[this.#routePair[r]!]!]!);
    }
    for (let i = 0; i < this.#nDirty; i++) {
      const p = this.#dirty[i]!;
      this.#isDirty[p] = 0;
      this.#evaluate(p, nowUs);
    }
    this.#nDirty = 0;
    // Publish the open set.
    const out = c.out;
    for (let i = 0; i < this.#nActive; i++) {
      const o = this.#active[i]! * kPrWidth;
      this.#times(res[o + kPrBuy]!, res[o + kPrSell]!, ts);
      const tsBuy = ts[0]!, tsSell = ts[1]!;
      if (!roomForPair(out)) { this.#c.out.arrays.metrics[kResArbCrossNotEvaluated]! += this.#nActive - i; break; }
      const n = out.next; // the numbers through out.next: no boxed arguments per record
      n[kRecScore] = res[o + kPrNetBps]!; n[kRecValue] = res[o + kPrProfitUsd]!; n[kRecSize] = res[o + kPrSize]!;
      n[kRecRisk] = res[o + kPrRisk]!; n[kRecAux] = res[o + kPrGrossBps]!;
      out.pushNext(kRecArbCross, res[o + kPrBuy]!, res[o + kPrSell]!);
      n[kRecScore] = res[o + kPrDurationS]!; n[kRecValue] = 0; n[kRecSize] = res[o + kPrSizeUsd]!; n[kRecRisk] = res[o + kPrCostsUsd]!;
      n[kRecAux] = Math.max(nowUs - tsBuy, nowUs - tsSell) * 1e-6;
      out.pushNext(kRecArbDetail, -1, -1);
    }
  }

  #count(metric: number): void { const m = this.#c.out.arrays.metrics; m[metric] = m[metric]! + 1; }

  /** The event times of the quotes of slots `buy` and `sell`, into ts[0] and ts[1]. */
  #times(buy: number, sell: number, ts: Float64Array): void {
    const view = this.#c.view, q = this.#tsq;
    view.read2(buy, kTs, kTs, q);
    ts[0] = q[0]!;
    view.read2(sell, kTs, kTs, q);
    ts[1] = q[0]!;
  }

  /** The max quote age of a slot (quote_ages.ts: per venue, or from its observed update interval). */
  #maxAge(slot: number): number { return this.#c.ages.maxAgeUs(slot); }

  /** Evaluates every buy-venue/sell-venue route of pair p, net of fees and slippage; opens or closes each. */
  #evaluate(p: number, nowUs: number): void {
    const c = this.#c;
    const view = c.view;
    const q = this.#quote;
    const cfg = c.cfg.arbitrage;
    const start = this.#pairStart[p]!, end = this.#pairStart[p + 1]!, v = end - start;
    const slots = this.#pairSlots;
    const arb = this.#arb;
    let staleSeen = false;
    for (let i = start; i < end; i++) {
      const buy = slots[i]!;
      view.read(buy, q);
      const ask = q[kAsk]!, askSize = q[kAskSize]!, tsBuy = q[kTs]!;
      for (let j = start; j < end; j++) {
        if (j === i) continue;
        const route = this.#routeStart[p]! + (i - start) * v + (j - start);
        let open = false;
        const sell = slots[j]!;
        if (ask > 0) {
          view.read(sell, q);
          const bid = q[kBid]!, bidSize = q[kBidSize]!, tsSell = q[kTs]!;
          const maxAgeBuy = this.#maxAge(buy), maxAgeSell = this.#maxAge(sell);
          if (!(bid > ask)) { /* no crossing before fees */ } else if (nowUs - tsBuy > maxAgeBuy || nowUs - tsSell > maxAgeSell) {
            staleSeen = true;
            this.#count(kResArbCrossSeen); this.#count(kResArbCrossStale);
          } else {
            this.#count(kResArbCrossSeen);
            const rq = this.#rq;
            rq[kRqAsk] = ask; rq[kRqAskSize] = askSize; rq[kRqTsBuy] = tsBuy; rq[kRqBid] = bid; rq[kRqBidSize] = bidSize; rq[kRqTsSell] = tsSell;
            open = this.#route(route, buy, sell, nowUs, arb, cfg);
          }
        }
        const pos = this.#activePos[route]!;
        if (open) {
          if (pos === -1) { this.#activePos[route] = this.#nActive; this.#active[this.#nActive++] = route; }
        } else if (pos !== -1) { // swap-remove, keeping positions consistent
          const last = this.#active[--this.#nActive]!;
          this.#active[pos] = last;
          this.#activePos[last] = pos;
          this.#activePos[route] = -1;
        }
      }
    }
    if (staleSeen) c.stale.count++; // a crossing was there, on an input too old to act on
  }

  /**
   * Prices one route from the quotes in #rq; writes its result columns and returns true when it
   * pays (net edge ≥ min, profit > 0).
   */
  #route(route: number, buy: number, sell: number, nowUs: number, arb: Float64Array, cfg: ArbContext['cfg']['arbitrage']): boolean {
    const rq = this.#rq;
    const ask = rq[kRqAsk]!, askSize = rq[kRqAskSize]!, tsBuy = rq[kRqTsBuy]!, bid = rq[kRqBid]!, bidSize = rq[kRqBidSize]!, tsSell = rq[kRqTsSell]!;
    const c = this.#c;
    const quoteUsd = c.prices.usd[c.prices.quoteOf[buy]!]!;
    if (!(quoteUsd > 0)) { this.#count(kResArbCrossNotEvaluated); return false; } // cannot value the profit yet
    const fS = this.#fee[sell]!, fB = this.#fee[buy]!;
    const params = this.#params;
    params[kArbParamSellFee] = fS;
    params[kArbParamBuyFee] = fB;
    params[kArbParamCapital] = c.cfg.capitalUsd / quoteUsd;
    params[kArbParamFixedCost] = cfg.fixedCostUsd / quoteUsd;
    crossVenueArb(arb, bid, bidSize, ask, askSize, params);
    const netBps = arb[kArbNetEdgeBps]!;
    if (!(netBps >= cfg.minNetEdgeBps)) { this.#count(kResArbCrossBelowMin); return false; }
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
    if (!(profitUsd > 0)) { this.#count(kResArbCrossBelowMin); return false; }
    // Execution risk 0..1: the older of the two quotes as a share of its staleness limit.
    const risk = Math.max((nowUs - tsBuy) / this.#maxAge(buy), (nowUs - tsSell) / this.#maxAge(sell));
    const res = this.#res, o = route * kPrWidth;
    res[o + kPrBuy] = buy; res[o + kPrSell] = sell; res[o + kPrNetBps] = netBps;
    res[o + kPrProfitUsd] = profitUsd; res[o + kPrSize] = size; res[o + kPrRisk] = Math.min(1, Math.max(0, risk));
    res[o + kPrGrossBps] = arb[kArbGrossEdgeBps]!;
    res[o + kPrDurationS] = firstUpdateS(1 / c.clock.gapUs(buy) + 1 / c.clock.gapUs(sell));
    res[o + kPrSizeUsd] = size * ask * quoteUsd;
    res[o + kPrCostsUsd] = Math.max(0, costs) * quoteUsd;
    return true;
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

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('c', this.#c);
    v.r('pairOf', this.#pairOf);
    v.r('pairStart', this.#pairStart);
    v.r('pairSlots', this.#pairSlots);
    v.r('fee', this.#fee);
    v.r('dirty', this.#dirty);
    v.r('isDirty', this.#isDirty);
    this.#nDirty = v.f('nDirty', this.#nDirty);
    v.r('routeStart', this.#routeStart);
    v.r('routePair', this.#routePair);
    v.r('res', this.#res);
    v.r('active', this.#active);
    v.r('activePos', this.#activePos);
    this.#nActive = v.f('nActive', this.#nActive);
    v.r('quote', this.#quote);
    v.r('arb', this.#arb);
    v.r('walk', this.#walk);
    v.r('sellBook', this.#sellBook);
    v.r('params', this.#params);
    v.r('ts2', this.#ts2);
    v.r('tsq', this.#tsq);
    v.r('rq', this.#rq);
  }
}
