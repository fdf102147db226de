// Statistical arbitrage: pairs of assets whose log USD mids are tied by a stable relation
// ln y = α + β·ln x + e, with e mean-reverting. The mids are sampled on a market-time grid
// (sampleUs); every refitUs each pair's hedge ratio is refitted by least squares with mathjs over
// the last windowSamples samples (finance/regression.ts), at most maxRefitsPerCycle fits per cycle
// (mathjs allocates, so the fits are spread out, never per tick). A pair is traded only while its
// residual is mean-reverting: Dickey-Fuller statistic below maxDfStat (default −5.5, far beyond the
// textbook 1 % Engle-Granger value of about −3.9: over a few minutes of quotes that move in steps,
// microstructure noise makes even unrelated random walks look mean-reverting at that level), half-life below
// maxHalfLifeS, residual σ at most maxSpreadSdBps, R² at least minR2, β in [kMinBeta, kMaxBeta]. Each cycle the spread of every such pair is scored, z = e/σ; at |z| ≥ entryZ
// the rich asset is sold and the cheap one bought (β dollars of x per dollar of y), the profit
// being the reversion to exitZ. Size: both legs' books are walked together, dollar slice by slice,
// while the reversion left exceeds what the next slice costs (entry and exit taker fees on both
// legs, and twice the entry slippage against each book's mid: the exit is assumed to pay as much);
// the marginal profit falls to zero where that walk stops. Books on USD-quoted venues; shorting
// the rich leg is assumed possible (margin or a perpetual on the same venue).
// Exits: a pair published as an opportunity is watched for its exit with the fit it was first
// published with (α, β, σ: a refit over a window that holds the dislocation would absorb part of
// it, or fail the tests above, exactly while the trade is on). The spread has reverted when
// |z| ≤ exitZ or z has changed sign; it is stopped out once |z| has widened to stopMultiple times
// its value at entry (same side); a trade that has not reverted within kExitHoldFactor times its
// expected time to revert (at least maxHalfLifeS) after the opportunity was last published expires.
// Either is published as a kRecArbStatExit on kStatExitRepeatCycles cycles (consolidation closes
// the pair trade it holds on those two assets, if any); an opportunity published after that starts
// a new watch.
import {
  kAsk, kBid, kDepthAskCount, kDepthAskPrice0, kDepthAskSize0, kDepthBidCount, kDepthBidPrice0, kDepthBidSize0,
  kKindBook, kTs,
} from '../../../protocol/layout.ts';
import {
  fitPairSpread, kFitAlpha, kFitBeta, kFitDfStat, kFitHalfLife, kFitR2, kFitSpreadSd, kPairFitLength, spreadZ, timeToRevert,
} from '../../../finance/regression.ts';
import { takerFee } from '../config.ts';
import {
  kRecArbStatExit, kRecArbStatistical, kStatExitExpired, kStatExitRepeatCycles, kStatExitReverted, kStatExitStopped,
} from '../../../protocol/records.ts';
import { isStable } from '../../../finance/tokens.ts';
import { kBookLength } from './book_reader.ts';
import { roomForPair, type ArbContext } from './context.ts';
import type { Fields } from '../../../protocol/snapshot.ts';
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecValue } from '../../../protocol/layout.ts';
import { kRecArbDetail } from '../../../protocol/records.ts';

// NaN as a module constant: a double returned beside it stays unboxed (the global NaN boxes it).
const kNaN = NaN;

/**
 * Hedge ratios outside [kMinBeta, kMaxBeta] are not a pair: a β near 0 means x explains nothing of
 * y (the "spread" is y alone), a large one that y explains nothing of x.
 */
// (a module-private copy for the hot path: an optimized function that reads an exported binding
// holding a non-integer number allocates a heap number per read)
const kMinBetaLocal = 0.2;
export const kMinBeta = kMinBetaLocal;
export const kMaxBeta = 5;

// Per-pair fit columns
const kPfAlpha = 0;
const kPfBeta = 1;
const kPfSd = 2;
const kPfHalfLifeS = 3;
const kPfDf = 4;
const kPfTradable = 5; // 1 while the last fit passed the mean-reversion tests
const kPfLastFitUs = 6;
const kPfWidth = 7;

// Per-pair exit watch columns: the fit the watched opportunity was first published with, its sign, the deadline
const kExAlpha = 0;
const kExBeta = 1;
const kExSd = 2;
const kExSign = 3; // sign of z at entry
const kExDeadlineUs = 4; // market time after which the trade expires
const kExEntryZ = 5; // |z| at entry (the first publication of the episode)
const kExWidth = 6;
/** A trade not reverted within this many times its expected time to revert (at least maxHalfLifeS) expires. */
export const kExitHoldFactor = 10;
// Exit watch states
const kWatchIdle = 0;
const kWatchOpen = 1; // watching for the reversion or the deadline
const kWatchExiting = 2; // publishing the exit (kStatExitRepeatCycles times)

export class StatArb {
  readonly #c: ArbContext;
  readonly #asset: Int32Array; // tracked index → AssetPrices index
  readonly #tracked: Int32Array; // AssetPrices index → tracked index (-1)
  readonly #booksStart: Int32Array; // CSR: USD-quoted books of tracked asset a
  readonly #books: Int32Array;
  readonly #fee: Float64Array; // slot → taker fee
  readonly #pairY: Int32Array; // pair → tracked index of y
  readonly #pairX: Int32Array;
  readonly #fit: Float64Array; // pair × kPfWidth
  readonly #samples: Float64Array; // tracked asset a's ln mids at #samples[a·W .. a·W + W) (ring)
  readonly #W: number;
  #nSamples = 0;
  #nextSampleUs = NaN;
  #refitCursor = 0;
  readonly #fitOut = new Float64Array(kPairFitLength);
  readonly #ys: Float64Array;
  readonly #xs: Float64Array;
  readonly #z = new Float64Array(2);
  readonly #buyBook = new Float64Array(kBookLength);
  readonly #sellBook = new Float64Array(kBookLength);
  readonly #q2 = new Float64Array(2);
  readonly #now: Float64Array; // tracked asset → mean ln mid this cycle (NaN: no fresh book)
  readonly #nowStamp: Int32Array; // tracked asset → the cycle #now was computed in
  #stamp = 0;
  readonly #walkOut = new Float64Array(3); // [y notional (USD), profit (USD), fees + slippage (USD)]
  readonly #watch: Uint8Array; // pair → kWatch* state
  readonly #exitLeft: Uint8Array; // pair → exit records still to publish (kWatchExiting)
  readonly #exitReason: Uint8Array; // pair → kStatExit* (kWatchExiting)
  readonly #ex: Float64Array; // pair × kExWidth
  /** Refits done (cumulative), for reports. */
  refits = 0;

  constructor(c: ArbContext) {
    this.#c = c;
    const reg = c.registry;
    const s = c.cfg.arbitrage.statArb;
    const tracked: number[] = [];
    const trackedOf = new Map<number, number>();
    const books: number[][] = [];
    this.#fee = new Float64Array(reg.capacity);
    for (let slot = 0; slot < reg.size; slot++) {
      const m = reg.meta[slot]!;
      if (m.kind !== kKindBook || !c.prices.isUsdQuoted(slot) || isStable(m.base)) continue;
      const a = c.prices.baseOf[slot]!;
      let t = trackedOf.get(a);
      if (t === undefined) {
        if (tracked.length >= s.maxAssets) continue;
        t = tracked.length;
        tracked.push(a);
        trackedOf.set(a, t);
        books.push([]);
      }
      books[t]!.push(slot);
      this.#fee[slot] = takerFee(c.cfg, m.venue);
    }
    this.#asset = Int32Array.from(tracked);
    this.#tracked = new Int32Array(c.prices.names.length).fill(-1);
    tracked.forEach((a, t) => { this.#tracked[a] = t; });
    this.#booksStart = new Int32Array(tracked.length + 1);
    const flat: number[] = [];
    books.forEach((list, t) => { this.#booksStart[t] = flat.length; flat.push(...list); });
    this.#booksStart[tracked.length] = flat.length;
    this.#books = Int32Array.from(flat);
    const py: number[] = [], px: number[] = [];
    for (let i = 0; i < tracked.length; i++) for (let j = i + 1; j < tracked.length; j++) { py.push(i); px.push(j); }
    this.#pairY = Int32Array.from(py);
    this.#pairX = Int32Array.from(px);
    this.#fit = new Float64Array(py.length * kPfWidth);
    this.#watch = new Uint8Array(py.length);
    this.#exitLeft = new Uint8Array(py.length);
    this.#exitReason = new Uint8Array(py.length);
    this.#ex = new Float64Array(py.length * kExWidth);
    for (let p = 0; p < py.length; p++) this.#fit[p * kPfWidth + kPfLastFitUs] = -Infinity;
    this.#W = s.windowSamples;
    this.#samples = new Float64Array(Math.max(1, tracked.length) * this.#W).fill(NaN);
    this.#ys = new Float64Array(this.#W);
    this.#now = new Float64Array(Math.max(1, tracked.length)).fill(NaN);
    this.#nowStamp = new Int32Array(Math.max(1, tracked.length));
    this.#xs = new Float64Array(this.#W);
  }

  get pairCount(): number { return this.#pairY.length; }

  emit(nowUs: number): void {
    this.#stamp++;
    this.#sample(nowUs);
    this.#refit(nowUs);
    const n = this.#pairY.length;
    for (let p = 0; p < n; p++) {
      if (this.#fit[p * kPfWidth + kPfTradable] === 1) this.#evaluate(p, nowUs);
      if (this.#watch[p] !== kWatchIdle) this.#watchExit(p, nowUs);
    }
  }

  /**
   * Pair p's exit watch (see the header): z with the entry's fit; once reverted or expired, the
   * exit is published (a book of each asset identifies the pair to consolidation).
   */
  #watchExit(p: number, nowUs: number): void {
    const ty = this.#pairY[p]!, tx = this.#pairX[p]!;
    this.#ensure(ty);
    this.#ensure(tx);
    const ly = this.#now[ty]!, lx = this.#now[tx]!;
    const ex = this.#ex;
    const o = p * kExWidth;
    let z = NaN;
    if (ly === ly && lx === lx) {
      spreadZ(this.#z, ly, lx, ex[o + kExAlpha]!, ex[o + kExBeta]!, ex[o + kExSd]!);
      z = this.#z[1]!;
    }
    if (this.#watch[p] === kWatchOpen) {
      const sa = this.#c.cfg.arbitrage.statArb;
      const reverted = Math.abs(z) <= sa.exitZ || z * ex[o + kExSign]! < 0;
      // the stop-loss: widened on, same side, to stopMultiple times its |z| at entry
      const stopped = !reverted && Math.abs(z) >= ex[o + kExEntryZ]! * sa.stopMultiple;
      if (!reverted && !stopped && !(nowUs > ex[o + kExDeadlineUs]!)) return;
      this.#watch[p] = kWatchExiting;
      this.#exitLeft[p] = kStatExitRepeatCycles;
      this.#exitReason[p] = reverted ? kStatExitReverted : stopped ? kStatExitStopped : kStatExitExpired;
    }
    const bs = this.#booksStart, books = this.#books;
    if (this.#c.out.push(kRecArbStatExit, books[bs[ty]!]!, books[bs[tx]!]!, z, 0, 0, 0, this.#exitReason[p]!)) {
      const left = this.#exitLeft[p]! - 1;
      this.#exitLeft[p] = left;
      if (left === 0) this.#watch[p] = kWatchIdle;
    }
  }

  /** Samples every tracked asset's ln USD mid at each grid time passed since the last cycle. */
  #sample(nowUs: number): void {
    const s = this.#c.cfg.arbitrage.statArb;
    if (!(this.#nextSampleUs === this.#nextSampleUs)) this.#nextSampleUs = nowUs;
    let taken = 0;
    const W = this.#W, nA = this.#asset.length;
    if (this.#nextSampleUs <= nowUs) for (let t = 0; t < nA; t++) this.#ensure(t);
    while (this.#nextSampleUs <= nowUs && taken < W) {
      const k = this.#nSamples % W;
      for (let t = 0; t < nA; t++) this.#samples[t * W + k] = this.#now[t]!;
      this.#nSamples++;
      this.#nextSampleUs += s.sampleUs;
      taken++;
    }
    if (this.#nextSampleUs <= nowUs) this.#nextSampleUs = nowUs + s.sampleUs; // a long gap: resume from now
  }

  /** #now[t] for this cycle (computed once per cycle, when needed). */
  #ensure(t: number): void {
    if (this.#nowStamp[t] === this.#stamp) return;
    this.#nowStamp[t] = this.#stamp;
    this.#lnMid(t);
  }

  /**
   * The mean ln mid of tracked asset t over its USD-quoted books' latest quotes (NaN before any).
   * Averaging over venues removes the noise of taking whichever venue quoted last (venue offsets
   * of a bp or two would pass for fast mean reversion). A quote that has not changed is still the
   * price, so no age limit here; the books a trade would use must be fresh (#bestBook). Written to
   * #now[t], not returned (a double returned by a call V8 does not inline is boxed).
   */
  #lnMid(t: number): void {
    const c = this.#c;
    let sum = 0, n = 0;
    for (let k = this.#booksStart[t]!, end = this.#booksStart[t + 1]!; k < end; k++) {
      c.view.read2(this.#books[k]!, kBid, kAsk, this.#q2);
      const bid = this.#q2[0]!, ask = this.#q2[1]!;
      if (!(bid > 0 && ask > 0)) continue;
      sum += Math.log(0.5 * (bid + ask));
      n++;
    }
    this.#now[t] = n > 0 ? sum / n : kNaN;
  }

  /** Refits the pairs that are due, at most maxRefitsPerCycle of them, round robin. */
  #refit(nowUs: number): void {
    const s = this.#c.cfg.arbitrage.statArb;
    const W = this.#W;
    const avail = Math.min(this.#nSamples, W);
    const nPairs = this.#pairY.length;
    const minSamples = Math.max(30, W >> 1);
    if (avail < minSamples || nPairs === 0) return;
    let done = 0;
    for (let tries = 0; tries < nPairs && done < s.maxRefitsPerCycle; tries++) {
      const p = this.#refitCursor;
      this.#refitCursor = (p + 1) % nPairs;
      const o = p * kPfWidth;
      if (nowUs - this.#fit[o + kPfLastFitUs]! < s.refitUs) continue;
      const y = this.#pairY[p]!, x = this.#pairX[p]!;
      // the newest run of samples where both prices are known (the first cycles see few books), in time order
      let n = 0;
      while (n < avail) {
        const k = (this.#nSamples - 1 - n) % W;
        if (!(this.#samples[y * W + k]! === this.#samples[y * W + k]! && this.#samples[x * W + k]! === this.#samples[x * W + k]!)) break;
        n++;
      }
      const first = this.#nSamples - n;
      for (let i = 0; i < n; i++) {
        const k = (first + i) % W;
        this.#ys[i] = this.#samples[y * W + k]!;
        this.#xs[i] = this.#samples[x * W + k]!;
      }
      const f = this.#fitOut;
      const ok = n >= minSamples && fitPairSpread(f, this.#ys, this.#xs, 0, n);
      if (!ok) f.fill(NaN);
      this.refits++;
      done++;
      const fit = this.#fit;
      fit[o + kPfLastFitUs] = nowUs;
      const halfLifeS = f[kFitHalfLife]! * s.sampleUs * 1e-6;
      fit[o + kPfAlpha] = f[kFitAlpha]!; fit[o + kPfBeta] = f[kFitBeta]!; fit[o + kPfSd] = f[kFitSpreadSd]!;
      fit[o + kPfHalfLifeS] = halfLifeS; fit[o + kPfDf] = f[kFitDfStat]!;
      fit[o + kPfTradable] = ok && f[kFitBeta]! >= kMinBetaLocal && f[kFitBeta]! <= kMaxBeta && f[kFitR2]! >= s.minR2 &&
        f[kFitSpreadSd]! > 0 && f[kFitSpreadSd]! <= s.maxSpreadSdBps * 1e-4 && f[kFitDfStat]! <= s.maxDfStat && halfLifeS >= 0 && halfLifeS <= s.maxHalfLifeS ? 1 : 0;
    }
  }

  #evaluate(p: number, nowUs: number): void {
    const c = this.#c;
    const s = c.cfg.arbitrage.statArb;
    const fit = this.#fit;
    const o = p * kPfWidth;
    const ty = this.#pairY[p]!, tx = this.#pairX[p]!;
    this.#ensure(ty);
    this.#ensure(tx);
    const ly = this.#now[ty]!, lx = this.#now[tx]!;
    if (!(ly === ly && lx === lx)) return;
    const beta = fit[o + kPfBeta]!, sd = fit[o + kPfSd]!;
    spreadZ(this.#z, ly, lx, fit[o + kPfAlpha]!, beta, sd);
    const e = this.#z[0]!, z = this.#z[1]!;
    if (!(Math.abs(z) >= s.entryZ)) return;
    // y rich (z > 0): sell y, buy x; y cheap: buy y, sell x
    const buyT = z > 0 ? tx : ty, sellT = z > 0 ? ty : tx;
    const buySlot = this.#bestBook(buyT, true, nowUs), sellSlot = this.#bestBook(sellT, false, nowUs);
    if (buySlot < 0 || sellSlot < 0) { c.stale.count++; return; } // no fresh book to trade a leg on
    c.view.read2(buySlot, kTs, kTs, this.#q2);
    const tsBuy = this.#q2[0]!;
    c.view.read2(sellSlot, kTs, kTs, this.#q2);
    const tsSell = this.#q2[0]!;
    c.books.read(buySlot);
    this.#buyBook.set(c.books.book);
    c.books.read(sellSlot);
    this.#sellBook.set(c.books.book);
    // per dollar of y: the y leg is 1 dollar, the x leg β dollars
    const gain = Math.abs(e) - s.exitZ * sd; // ln-spread reversion captured, ≈ fraction of the y notional
    const wBuy = buyT === ty ? 1 : beta, wSell = sellT === ty ? 1 : beta;
    this.#walk(gain, wBuy, wSell, this.#fee[buySlot]!, this.#fee[sellSlot]!, s.maxLegUsd);
    const notionalY = this.#walkOut[0]!, profit = this.#walkOut[1]!, costs = this.#walkOut[2]!;
    if (!(profit >= s.minProfitUsd)) return;
    if (!roomForPair(c.out)) return;
    const halfLifeS = fit[o + kPfHalfLifeS]!;
    const revertS = timeToRevert(z, s.exitZ, halfLifeS);
    const nx = c.out.next; // the numbers through out.next: no boxed arguments per record
    nx[kRecScore] = z; nx[kRecValue] = profit; nx[kRecSize] = notionalY; nx[kRecRisk] = Math.min(1, halfLifeS / s.maxHalfLifeS); nx[kRecAux] = beta;
    c.out.pushNext(kRecArbStatistical, buySlot, sellSlot);
    nx[kRecScore] = revertS; nx[kRecValue] = 0; nx[kRecSize] = notionalY * (1 + beta); nx[kRecRisk] = costs; nx[kRecAux] = Math.max(nowUs - tsBuy, nowUs - tsSell) * 1e-6;
    c.out.pushNext(kRecArbDetail, -1, -1);
    // Watch for the exit: with the fit of the episode's first publication (consolidation opens the
    // trade then; the other side is a new episode, and closes the trade there); each publication
    // moves the deadline (the opportunity is still there).
    const ex = this.#ex;
    const w = p * kExWidth;
    const sign = z > 0 ? 1 : -1;
    if (this.#watch[p] !== kWatchOpen || ex[w + kExSign] !== sign) {
      ex[w + kExAlpha] = fit[o + kPfAlpha]!; ex[w + kExBeta] = beta; ex[w + kExSd] = sd; ex[w + kExSign] = sign;
      ex[w + kExEntryZ] = Math.abs(z);
      this.#watch[p] = kWatchOpen;
    }
    ex[w + kExDeadlineUs] = nowUs + kExitHoldFactor * Math.max(revertS === revertS ? revertS : 0, s.maxHalfLifeS) * 1e6;
  }

  /**
   * Walks the bought book's asks and the sold book's bids together in y-notional dollars: a dollar
   * of y notional needs wBuy dollars on the bought leg and wSell on the sold one. The next slice
   * earns `gain` and costs, per leg dollar, two taker fees (in and out) and twice the level's
   * distance from the book's mid. Slices are taken while gain exceeds their cost.
   */
  #walk(gain: number, wBuy: number, wSell: number, feeBuy: number, feeSell: number, maxUsd: number): void {
    const bb = this.#buyBook, sb = this.#sellBook;
    const midB = 0.5 * (bb[kDepthBidPrice0]! + bb[kDepthAskPrice0]!), midS = 0.5 * (sb[kDepthBidPrice0]! + sb[kDepthAskPrice0]!);
    const na = bb[kDepthAskCount]!, nb = sb[kDepthBidCount]!;
    let i = 0, j = 0;
    // y-notional dollars left at ask level i and bid level j (USD-quoted books: a quote unit is 1 USD)
    let remA = na > 0 ? bb[kDepthAskSize0]! * bb[kDepthAskPrice0]! / wBuy : 0;
    let remB = nb > 0 ? sb[kDepthBidSize0]! * sb[kDepthBidPrice0]! / wSell : 0;
    let notional = 0, profit = 0, costs = 0;
    while (i < na && j < nb && notional < maxUsd) {
      if (!(remA > 0)) { i++; if (i < na) remA = bb[kDepthAskSize0 + i]! * bb[kDepthAskPrice0 + i]! / wBuy; continue; }
      if (!(remB > 0)) { j++; if (j < nb) remB = sb[kDepthBidSize0 + j]! * sb[kDepthBidPrice0 + j]! / wSell; continue; }
      const costA = wBuy * (2 * feeBuy + 2 * (bb[kDepthAskPrice0 + i]! / midB - 1));
      const costB = wSell * (2 * feeSell + 2 * (1 - sb[kDepthBidPrice0 + j]! / midS));
      const margin = gain - costA - costB;
      if (!(margin > 0)) break;
      let take = remA < remB ? remA : remB;
      if (notional + take > maxUsd) take = maxUsd - notional;
      notional += take;
      profit += take * margin;
      costs += take * (costA + costB);
      remA -= take;
      remB -= take;
    }
    this.#walkOut[0] = notional;
    this.#walkOut[1] = profit;
    this.#walkOut[2] = costs;
  }

  /** The fresh USD-quoted book of tracked asset t with the lowest ask (buy) or highest bid (sell). */
  #bestBook(t: number, buy: boolean, nowUs: number): number {
    const c = this.#c;
    const maxAge = c.cfg.arbitrage.maxQuoteAgeUs;
    let best = -1, bestPx = buy ? Infinity : -Infinity;
    for (let k = this.#booksStart[t]!, end = this.#booksStart[t + 1]!; k < end; k++) {
      const slot = this.#books[k]!;
      c.view.read2(slot, buy ? kAsk : kBid, kTs, this.#q2);
      const px = this.#q2[0]!;
      if (!(px > 0) || nowUs - this.#q2[1]! > maxAge) continue;
      if (buy ? px < bestPx : px > bestPx) { bestPx = px; best = slot; }
    }
    return best;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('c', this.#c);
    v.r('asset', this.#asset);
    v.r('tracked', this.#tracked);
    v.r('booksStart', this.#booksStart);
    v.r('books', this.#books);
    v.r('fee', this.#fee);
    v.r('pairY', this.#pairY);
    v.r('pairX', this.#pairX);
    v.r('fit', this.#fit);
    v.r('samples', this.#samples);
    v.r('W', this.#W);
    this.#nSamples = v.f('nSamples', this.#nSamples);
    this.#nextSampleUs = v.f('nextSampleUs', this.#nextSampleUs);
    this.#refitCursor = v.f('refitCursor', this.#refitCursor);
    v.r('fitOut', this.#fitOut);
    v.r('ys', this.#ys);
    v.r('xs', this.#xs);
    v.r('z', this.#z);
    v.r('buyBook', this.#buyBook);
    v.r('sellBook', this.#sellBook);
    v.r('q2', this.#q2);
    v.r('now', this.#now);
    v.r('nowStamp', this.#nowStamp);
    this.#stamp = v.f('stamp', this.#stamp);
    v.r('walkOut', this.#walkOut);
    v.r('watch', this.#watch);
    v.r('exitLeft', this.#exitLeft);
    v.r('exitReason', this.#exitReason);
    v.r('ex', this.#ex);
    this.refits = v.f('refits', this.refits);
  }
}
