// Triangular arbitrage: negative cycles of −ln(rate) over every venue's pairs, inside each venue
// (centralised books and AMM dexes alike; no transfers between venues are assumed).
//
// Graph. One vertex per (venue, asset); each book gives two edges, quote → base at the ask and
// base → quote at the bid, each net of the venue's taker fee: w = ln(ask) − ln(1 − f) and
// w = −ln(bid) − ln(1 − f). Each AMM pool gives token0 ⇄ token1 at its marginal price net of the
// pool fee. A changed quote updates its two edges; a quote older than its max age (books
// maxQuoteAgeUs, pools maxPoolAgeUs) is removed (weight +∞) through an expiry queue; then the
// incremental negative-cycle search (finance/graph.ts) runs from the edges that changed.
//
// Each cycle found is sized on the real liquidity: its legs (book levels, constant-product
// reserves, V3 pools across the initialized ticks of their tick map, or, for a pool whose updates
// carry no tick map, its active liquidity held constant for ±v3RangeTicks of the current tick; in
// raw units converted by each token's decimals) go through finance/swap_path.ts, which finds the input where the marginal
// rate of the whole path falls to 1. Profit is then net of every leg's fee and slippage at that
// size, and of gas (one transaction: unitsPerTx + unitsPerAmmSwap per AMM leg) at the configured
// gas price, valued at the ETH price. The cycle starts from a stablecoin vertex when it has one
// (else any vertex with a USD price), so the trade size and profit are in USD.
import {
  kAsk, kBid, kDepthAskCount, kDepthAskPrice0, kDepthAskSize0, kDepthBidCount, kDepthBidPrice0, kDepthBidSize0,
  kFee, kFieldCount, kKindAmm, kKindBook, kLiquidity, kPrice, kReserve0, kReserve1, kSqrtPrice, kTick, kTs,
} from '../../../protocol/layout.ts';
import {
  kResArbTriBelowMin, kResArbTriNotEvaluated, kResArbTriSeen, kResArbTriStale,
} from '../../../protocol/layout.ts';
import { kMaxTick, kMinTick, tickToSqrtPrice } from '../../../finance/amm.ts';
import { NegativeCycleFinder } from '../../../finance/graph.ts';
import {
  kLegStride, kPathOutLength, kPathProfit, kPathSize, kPathTradingCost, optimalPathInput, setBookLeg, setCpLeg, setV3Leg,
  setV3TickLeg,
} from '../../../finance/swap_path.ts';
import { PoolReader } from '../pool_reader.ts';
import { takerFee } from '../config.ts';
import { kRecArbTriangular } from '../../../protocol/records.ts';
import { assetOfToken, isStable } from '../../../finance/tokens.ts';
import { gasUsd, roomForPair, type ArbContext } from './context.ts';
import { firstUpdateS } from './input_clock.ts';
import { rawPerUnit, unitScale } from './units.ts';
import type { Fields } from '../../../protocol/snapshot.ts';
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecValue } from '../../../protocol/layout.ts';
import { kRecArbDetail } from '../../../protocol/records.ts';

/** Cycles sized and published per agent cycle at most. */
const kMaxCyclesPerCycle = 32;
const kLn = Math.log;
// NaN and Infinity as module constants: V8 keeps a computed double unboxed where it meets one of
// these (a weight that stays +∞, a price that stays NaN), but boxes it where it meets the global.
const kNaN = NaN;
const kInfinity = Infinity;

export class Triangular {
  readonly #c: ArbContext;
  readonly #finder: NegativeCycleFinder;
  readonly #edge0: Int32Array; // slot → its first edge (base/token0 → quote/token1); the second is +1; -1 none
  readonly #edgeSlot: Int32Array; // edge → slot
  readonly #vertexUsd: Int32Array; // vertex → asset index with a USD price (a stablecoin: its mark); -2: a stablecoin priced nowhere (1 USD); -1: none
  readonly #fee: Float64Array; // slot → taker fee (books)
  readonly #isAmm: Uint8Array;
  readonly #dec0: Float64Array; // AMM slot → decimals of token0 (NaN unknown)
  readonly #dec1: Float64Array;
  // AMM slot → rawPerUnit / unitScale of its tokens' decimals (NaN unknown), read per leg (a call
  // of those returns a boxed double where V8 does not inline it)
  readonly #raw0: Float64Array;
  readonly #raw1: Float64Array;
  readonly #unit0: Float64Array;
  readonly #unit1: Float64Array;
  readonly #slotTs: Float64Array; // event time of the quote the slot's edges hold
  readonly #dirty: Int32Array;
  readonly #isDirty: Uint8Array;
  #nDirty = 0;
  // expiry queue (FIFO ring): when each quote written to the graph goes stale
  readonly #expAt: Float64Array;
  readonly #expSlot: Int32Array;
  readonly #expMask: number;
  #expHead = 0;
  #expLen = 0;
  readonly #q = new Float64Array(kFieldCount);
  readonly #w2 = new Float64Array(2); // a slot's two edge weights, for setWeightAt
  readonly #pool: PoolReader;
  readonly #path: Float64Array;
  readonly #pathOut = new Float64Array(kPathOutLength);
  readonly #legSlot = new Int32Array(8);
  readonly #legDir = new Uint8Array(8);
  /** Searches run and cycles found (cumulative), for reports. */
  searches = 0;
  cyclesFound = 0;

  constructor(c: ArbContext) {
    this.#c = c;
    this.#pool = new PoolReader(c.view);
    const reg = c.registry;
    const cap = reg.capacity;
    const maxLegs = c.cfg.arbitrage.triangular.maxLegs;
    if (!(Number.isInteger(maxLegs) && maxLegs >= 2 && maxLegs <= 4)) {
      throw new RangeError(`config.agents.arbitrage.triangular.maxLegs must be an integer in 2..4 (the record carries 4 legs), got ${maxLegs}`);
    }
    this.#edge0 = new Int32Array(cap).fill(-1);
    this.#fee = new Float64Array(cap);
    this.#isAmm = new Uint8Array(cap);
    this.#dec0 = new Float64Array(cap).fill(NaN);
    this.#dec1 = new Float64Array(cap).fill(NaN);
    this.#raw0 = new Float64Array(cap).fill(NaN);
    this.#raw1 = new Float64Array(cap).fill(NaN);
    this.#unit0 = new Float64Array(cap).fill(NaN);
    this.#unit1 = new Float64Array(cap).fill(NaN);
    this.#slotTs = new Float64Array(cap).fill(NaN);
    const vertex = new Map<string, number>();
    const vertexUsd: number[] = [];
    const vOf = (venue: string, token: string): number => {
      const key = `${venue}\u0000${token}`;
      let v = vertex.get(key);
      if (v === undefined) {
        v = vertex.size;
        vertex.set(key, v);
        vertexUsd.push(isStable(token) ? (c.prices.indexOf(token) >= 0 ? c.prices.indexOf(token) : -2) : c.prices.indexOf(assetOfToken(token)));
      }
      return v;
    };
    const ends: [number, number, number][] = []; // slot, base vertex, quote vertex
    for (let s = 0; s < reg.size; s++) {
      const m = reg.meta[s]!;
      if ((m.kind !== kKindBook && m.kind !== kKindAmm) || m.base === '' || m.quote === '') continue;
      ends.push([s, vOf(m.venue, m.base), vOf(m.venue, m.quote)]);
      if (m.kind === kKindBook) this.#fee[s] = takerFee(c.cfg, m.venue);
      else {
        this.#isAmm[s] = 1;
        this.#dec0[s] = m.decimals0;
        this.#dec1[s] = m.decimals1;
        this.#raw0[s] = rawPerUnit(m.decimals0); this.#unit0[s] = unitScale(m.decimals0);
        this.#raw1[s] = rawPerUnit(m.decimals1); this.#unit1[s] = unitScale(m.decimals1);
      }
    }
    this.#finder = new NegativeCycleFinder({
      maxVertices: Math.max(1, vertex.size), maxEdges: Math.max(1, 2 * ends.length), maxCycles: kMaxCyclesPerCycle,
      maxCycleLength: maxLegs,
    });
    this.#edgeSlot = new Int32Array(Math.max(1, 2 * ends.length));
    for (const [s, b, q] of ends) {
      const e = this.#finder.addEdge(b, q); // sell base / token0 → token1
      this.#finder.addEdge(q, b); // buy base / token1 → token0
      this.#edge0[s] = e;
      this.#edgeSlot[e] = s;
      this.#edgeSlot[e + 1] = s;
    }
    this.#finder.build();
    this.#vertexUsd = Int32Array.from(vertexUsd);
    this.#dirty = new Int32Array(cap);
    this.#isDirty = new Uint8Array(cap);
    let ring = 1024;
    while (ring < 4 * cap) ring *= 2;
    this.#expAt = new Float64Array(ring);
    this.#expSlot = new Int32Array(ring);
    this.#expMask = ring - 1;
    this.#path = new Float64Array(4 * kLegStride);
  }

  get edgeCount(): number { return this.#finder.edgeCount; }

  /** A book or pool changed. */
  onChange(slot: number): void {
    if (this.#edge0[slot]! < 0 || this.#isDirty[slot] === 1) return;
    this.#isDirty[slot] = 1;
    this.#dirty[this.#nDirty++] = slot;
  }

  emit(nowUs: number): void {
    for (let i = 0; i < this.#nDirty; i++) {
      const s = this.#dirty[i]!;
      this.#isDirty[s] = 0;
      this.#update(s, nowUs);
    }
    this.#nDirty = 0;
    this.#expire(nowUs);
    const f = this.#finder;
    f.search();
    this.searches++;
    this.cyclesFound += f.cycleCount;
    for (let k = 0; k < f.cycleCount; k++) this.#evaluate(k, nowUs);
  }

  /** Per venue, or from the slot's observed update interval (quote_ages.ts). */
  #maxAge(slot: number): number { return this.#c.ages.maxAgeUs(slot); }

  /** Sets the slot's two edge weights from its current quote (+∞ when stale or unusable). */
  #update(slot: number, nowUs: number): void {
    const q = this.#q;
    this.#c.view.read(slot, q);
    const ts = q[kTs]!;
    const maxAge = this.#maxAge(slot);
    let wSell = kInfinity, wBuy = kInfinity;
    if (nowUs - ts <= maxAge) {
      if (this.#isAmm[slot] === 0) {
        const bid = q[kBid]!, ask = q[kAsk]!, lnG = kLn(1 - this.#fee[slot]!);
        if (bid > 0 && ask > 0) { wSell = -kLn(bid) - lnG; wBuy = kLn(ask) - lnG; }
      } else {
        const p = this.#ammPrice(slot, q);
        const fee = q[kFee]!;
        if (p > 0 && fee >= 0 && fee < 1) { const lnG = kLn(1 - fee); wSell = -kLn(p) - lnG; wBuy = kLn(p) - lnG; }
      }
      this.#pushExpiry(ts + maxAge, slot);
    }
    this.#slotTs[slot] = ts;
    const e = this.#edge0[slot]!, w = this.#w2;
    w[0] = wSell; w[1] = wBuy; // through an array: a double argument of a call V8 does not inline is boxed
    this.#finder.setWeightAt(e, w, 0);
    this.#finder.setWeightAt(e + 1, w, 1);
  }

  /** Pool price, token1 per token0 in human units: V3 from √P and the decimals, V2 from reserves. */
  #ammPrice(slot: number, q: Float64Array): number {
    const sp = q[kSqrtPrice]!;
    if (sp === sp) {
      const scale = this.#raw0[slot]! * this.#unit1[slot]!; // NaN when decimals unknown
      return q[kLiquidity]! > 0 ? sp * sp * scale : kNaN;
    }
    const r0 = q[kReserve0]!, r1 = q[kReserve1]!;
    return r0 > 0 && r1 > 0 ? r1 / r0 : q[kPrice]!;
  }

  #pushExpiry(at: number, slot: number): void {
    if (this.#expLen > this.#expMask) { // full: settle the oldest now
      const h = this.#expHead;
      this.#expHead = (h + 1) & this.#expMask;
      this.#expLen--;
      this.#settle(this.#expSlot[h]!, this.#expAt[h]!);
    }
    const i = (this.#expHead + this.#expLen) & this.#expMask;
    this.#expAt[i] = at;
    this.#expSlot[i] = slot;
    this.#expLen++;
  }

  #expire(nowUs: number): void {
    while (this.#expLen > 0) {
      const h = this.#expHead;
      if (this.#expAt[h]! > nowUs) break;
      this.#expHead = (h + 1) & this.#expMask;
      this.#expLen--;
      this.#settle(this.#expSlot[h]!, nowUs);
    }
  }

  /** Removes a slot's edges when the quote they hold is stale at `nowUs`. */
  #settle(slot: number, nowUs: number): void {
    if (!(nowUs - this.#slotTs[slot]! > this.#maxAge(slot))) return; // re-quoted since
    const e = this.#edge0[slot]!;
    this.#finder.setWeight(e, Infinity);
    this.#finder.setWeight(e + 1, Infinity);
  }

  #count(metric: number): void { const m = this.#c.out.arrays.metrics; m[metric] = m[metric]! + 1; }

  /** Sizes cycle k of the last search and publishes it when it pays. */
  #evaluate(k: number, nowUs: number): void {
    this.#count(kResArbTriSeen);
    const c = this.#c;
    const f = this.#finder;
    const len = f.cycleLength[k]!;
    const base = k * f.maxCycleLength;
    // start: a stablecoin vertex first, else a vertex with a USD price; ties by vertex id
    let start = -1, startRank = 3;
    for (let i = 0; i < len; i++) {
      const v = f.from[f.cycleEdges[base + i]!]!;
      const u = this.#vertexUsd[v]!;
      const rank = u === -2 || (u >= 0 && c.prices.isStableAsset(u)) ? 0 : u >= 0 && c.prices.usd[u]! > 0 ? 1 : 3;
      if (rank < startRank || (rank === startRank && start >= 0 && v < f.from[f.cycleEdges[base + start]!]!)) { start = i; startRank = rank; }
    }
    if (startRank > 1) { this.#count(kResArbTriNotEvaluated); return; } // cannot value it
    const v0 = f.from[f.cycleEdges[base + start]!]!;
    const usdStart = this.#vertexUsd[v0] === -2 ? 1 : c.prices.usd[this.#vertexUsd[v0]!]!;
    const cfg = c.cfg.arbitrage;
    let nAmm = 0, dirBits = 0, risk = 0, rateSum = 0, oldest = 0;
    for (let i = 0; i < len; i++) {
      const e = f.cycleEdges[base + ((start + i) % len)]!;
      const slot = this.#edgeSlot[e]!;
      const sell = e === this.#edge0[slot]!;
      this.#legSlot[i] = slot;
      this.#legDir[i] = sell ? 1 : 0;
      if (sell) dirBits |= 1 << i;
      const age = nowUs - this.#slotTs[slot]!;
      const maxAge = this.#maxAge(slot);
      if (!(age <= maxAge)) { c.stale.count++; this.#count(kResArbTriStale); return; }
      if (age > oldest) oldest = age;
      const r = Math.min(1, Math.max(0, age / maxAge)); // as cross-exchange: the oldest input's share of its max age
      if (r > risk) risk = r;
      rateSum += 1 / c.clock.gapUs(slot);
      if (!this.#setLeg(i, slot, sell)) { this.#count(kResArbTriNotEvaluated); return; }
      if (this.#isAmm[slot] === 1) nAmm++;
    }
    const po = this.#pathOut;
    if (!optimalPathInput(po, this.#path, len, c.cfg.capitalUsd / usdStart)) { this.#count(kResArbTriBelowMin); return; }
    const gas = nAmm > 0 ? gasUsd(c, cfg.gas.unitsPerTx + cfg.gas.unitsPerAmmSwap * nAmm) : 0;
    if (!(gas >= 0)) { this.#count(kResArbTriNotEvaluated); return; } // gas cannot be priced yet
    const sizeUsd = po[kPathSize]! * usdStart;
    const profitUsd = po[kPathProfit]! * usdStart - gas;
    if (!(profitUsd >= cfg.triangular.minProfitUsd) || !(sizeUsd > 0)) { this.#count(kResArbTriBelowMin); return; }
    const out = c.out;
    if (!roomForPair(out)) { this.#count(kResArbTriNotEvaluated); return; }
    const ls = this.#legSlot;
    const nx = out.next; // the numbers through out.next: no boxed arguments per record
    nx[kRecScore] = (profitUsd / sizeUsd) * 1e4; nx[kRecValue] = profitUsd; nx[kRecSize] = sizeUsd; nx[kRecRisk] = risk; nx[kRecAux] = len + 10 * dirBits;
    out.pushNext(kRecArbTriangular, ls[0]!, ls[1]!);
    nx[kRecScore] = firstUpdateS(rateSum); nx[kRecValue] = gas; nx[kRecSize] = sizeUsd; nx[kRecRisk] = po[kPathTradingCost]! * usdStart; nx[kRecAux] = oldest * 1e-6;
    out.pushNext(kRecArbDetail, len > 2 ? ls[2]! : -1, len > 3 ? ls[3]! : -1);
  }

  /** Leg i of the path from the slot's current state; false when it cannot be modelled. */
  #setLeg(i: number, slot: number, sell: boolean): boolean {
    const c = this.#c;
    const path = this.#path;
    if (this.#isAmm[slot] === 0) {
      c.books.read(slot);
      const b = c.books.book;
      if (sell) setBookLeg(path, i, true, this.#fee[slot]!, b, kDepthBidPrice0, kDepthBidSize0, b[kDepthBidCount]!);
      else setBookLeg(path, i, false, this.#fee[slot]!, b, kDepthAskPrice0, kDepthAskSize0, b[kDepthAskCount]!);
      return true;
    }
    const pr = this.#pool;
    pr.read(slot);
    const q = pr.fields;
    const fee = q[kFee]!;
    const sp = q[kSqrtPrice]!;
    if (sp === sp) { // V3, raw units
      const u0 = this.#unit0[slot]!, u1 = this.#unit1[slot]!;
      const L = q[kLiquidity]!;
      if (!(L > 0 && sp > 0) || !(u0 > 0 && u1 > 0)) return false;
      const rawIn = sell ? this.#raw0[slot]! : this.#raw1[slot]!, unitOut = sell ? u1 : u0;
      if (pr.ticks > 0) { // across the initialized ticks of the tick map
        return setV3TickLeg(path, i, sell, L, sp, pr.tickSqrtPrices, pr.liquidityNet, pr.ticks, fee, rawIn, unitOut);
      }
      // no tick map: the active liquidity, held for ±v3RangeTicks of the current tick
      let tick = q[kTick]!;
      if (!(tick === tick)) tick = Math.floor(Math.log(sp * sp) / Math.log(1.0001));
      const range = c.cfg.arbitrage.triangular.v3RangeTicks;
      const limitTick = sell ? Math.max(kMinTick, tick - range) : Math.min(kMaxTick, tick + range);
      const lim = tickToSqrtPrice(limitTick);
      if (!(sell ? lim < sp : lim > sp)) return false;
      setV3Leg(path, i, sell, L, sp, lim, fee, rawIn, unitOut);
      return true;
    }
    const r0 = q[kReserve0]!, r1 = q[kReserve1]!;
    if (!(r0 > 0 && r1 > 0)) return false;
    if (sell) setCpLeg(path, i, r0, r1, fee); else setCpLeg(path, i, r1, r0, fee);
    return true;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('c', this.#c);
    v.r('finder', this.#finder);
    v.r('edge0', this.#edge0);
    v.r('edgeSlot', this.#edgeSlot);
    v.r('vertexUsd', this.#vertexUsd);
    v.r('fee', this.#fee);
    v.r('isAmm', this.#isAmm);
    v.r('dec0', this.#dec0);
    v.r('dec1', this.#dec1);
    v.r('raw0', this.#raw0);
    v.r('raw1', this.#raw1);
    v.r('unit0', this.#unit0);
    v.r('unit1', this.#unit1);
    v.r('slotTs', this.#slotTs);
    v.r('dirty', this.#dirty);
    v.r('isDirty', this.#isDirty);
    this.#nDirty = v.f('nDirty', this.#nDirty);
    v.r('expAt', this.#expAt);
    v.r('expSlot', this.#expSlot);
    v.r('expMask', this.#expMask);
    this.#expHead = v.f('expHead', this.#expHead);
    this.#expLen = v.f('expLen', this.#expLen);
    v.r('q', this.#q);
    v.r('w2', this.#w2);
    v.r('pool', this.#pool);
    v.r('path', this.#path);
    v.r('pathOut', this.#pathOut);
    v.r('legSlot', this.#legSlot);
    v.r('legDir', this.#legDir);
    this.searches = v.f('searches', this.searches);
    this.cyclesFound = v.f('cyclesFound', this.cyclesFound);
  }
}
