// Consolidation of the arbitrage detector: cross-exchange, triangular, yield and statistical
// opportunities. Each record comes with the kRecArbDetail record after it (duration, gas, max size,
// costs, input age). An opportunity that stays open across cycles is decided once, when it opens.
// Following the record:
//  - it is kept only when its execution risk and its instruments' risk are acceptable;
//  - its size is capped by the risk assessor's max position of every instrument it trades and by the
//    hard limit (a pair trade: each leg, the x leg being β times the y notional); the expected profit
//    is scaled down with the size (a concave profit curve through 0 keeps at least that share of its
//    profit; the fixed gas cost is not scaled);
//  - the validator decides; cross-exchange and triangular trades are flat at once (no exposure
//    added), yield carries and pair trades are positions (their size is added to the validator's
//    exposure when filled, and taken off when a pair trade is closed);
//  - every approval says what the opportunity is worth after which costs, and for how long.
// Fills (paper_executor.ts), for every approved decision:
//  - cross-exchange: both legs at the top of book; the net profit is realized at once;
//  - triangular: the cycle ends in the asset it starts from, so it is flat at once too: the
//    detector's net profit at the decided size is realized; the fill reports the cycle's
//    output/input, its fees (+ gas) and slippage from the record's figures (see triangular());
//  - yield: a carry (borrow on one market, supply on another), collateralised from cash at the
//    detector's λ; held to the end of the run, interest not accrued; one open carry per borrow
//    market (a reopening of the same market is rejected while one is open);
//  - statistical: a pair trade (buy the cheap leg, short the rich one at the top of book), one open
//    per pair of assets. It is closed, both legs reversed at the top of book and its round trip
//    realized, on the detector's kRecArbStatExit (|z| back within exitZ, or the holding limit
//    passed), or when the spread opens on the other side (it reverted through).
//    The close is an `arbitrage_statistical_exit` decision whose expected profit is the realized PnL.
import { kAsk, kBid, kKindBook, kRecordWidth } from '../../protocol/layout.ts';
import { kUsdQuotes } from '../../finance/tokens.ts';
import {
  kRecArbCross, kRecArbDetail, kRecArbStatExit, kRecArbStatistical, kRecArbTriangular, kRecArbYield, kStatExitReverted,
  kStatExitStopped,
} from '../../protocol/records.ts';
import { kPairBuyUnits, kPairCashUsd, kPairPnlUsd, kPairSellUnits, type Fill } from '../execute/paper_executor.ts';
import { kMaxExecutionRisk } from './consolidator.ts';
import type { Fusion, FusionContext } from './fusion.ts';
import { KeyRounds } from './key_rounds.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { Verdict } from '../validate/validator.ts';
import { usdText as usd } from '../usd_text.ts';

export class ArbitrageFusion implements Fusion {
  readonly #ctx: FusionContext;
  readonly #reader: ResultReader | undefined;
  readonly #cap: number;
  readonly #rounds = [new KeyRounds(), new KeyRounds(), new KeyRounds(), new KeyRounds()]; // cross, triangular, yield, statistical
  #round = 0;
  readonly #baseIndex: Int32Array; // slot → index of its base asset (pairs are decided per asset pair)
  readonly #usdRef: Int32Array; // book slot → USD-quoted book of its quote asset (-2: quote is USD)
  readonly #q = new Float64Array(2);
  readonly #legs = new Int32Array(4);
  readonly #carryOpen: Uint8Array; // borrow slot → 1 while a carry borrows there
  // Open pair trades (row i of nPairs; rows are swapped with the last on close)
  #nPairs = 0;
  readonly #pairBuy: Int32Array; // book bought
  readonly #pairSell: Int32Array; // book sold short
  readonly #pairAssetBuy: Int32Array; // base index of the bought book
  readonly #pairAssetSell: Int32Array;
  readonly #pairUnitsBuy: Float64Array; // base units bought
  readonly #pairUnitsSell: Float64Array; // base units sold
  readonly #pairEntryCash: Float64Array; // cash flow of the entry (USD, fees included)
  readonly #pairSize: Float64Array; // y notional validated and added to the exposure (USD)
  readonly #pairQuoteUsd: Float64Array; // 2 per row: the legs' quote USD at entry (a fallback at close)
  readonly #pairRefusedEpoch: Float64Array; // epoch of the last refused close (said once per epoch)

  constructor(ctx: FusionContext) {
    this.#ctx = ctx;
    this.#reader = ctx.readers.get('arbitrage_detector');
    this.#cap = ctx.registry.capacity;
    const names = new Map<string, number>();
    this.#baseIndex = new Int32Array(this.#cap).fill(-1);
    for (let s = 0; s < ctx.registry.size; s++) {
      const b = ctx.registry.meta[s]!.base;
      if (b === '') continue;
      let i = names.get(b);
      if (i === undefined) { i = names.size; names.set(b, i); }
      this.#baseIndex[s] = i;
    }
    // USD reference book per asset: the first book that quotes it in USD
    const ref = new Map<string, number>();
    for (let s = 0; s < ctx.registry.size; s++) {
      const m = ctx.registry.meta[s]!;
      if (m.kind === kKindBook && kUsdQuotes.has(m.quote) && !ref.has(m.base)) ref.set(m.base, s);
    }
    this.#usdRef = new Int32Array(this.#cap).fill(-1);
    for (let s = 0; s < ctx.registry.size; s++) {
      const m = ctx.registry.meta[s]!;
      if (m.kind === kKindBook) this.#usdRef[s] = kUsdQuotes.has(m.quote) ? -2 : (ref.get(m.quote) ?? -1);
    }
    // A pair trade holds two books of two assets: at most one per pair of assets, and never more
    // than there are slots (the table's size, so that it is allocated once).
    const cap = this.#cap;
    this.#carryOpen = new Uint8Array(cap);
    this.#pairBuy = new Int32Array(cap);
    this.#pairSell = new Int32Array(cap);
    this.#pairAssetBuy = new Int32Array(cap);
    this.#pairAssetSell = new Int32Array(cap);
    this.#pairUnitsBuy = new Float64Array(cap);
    this.#pairUnitsSell = new Float64Array(cap);
    this.#pairEntryCash = new Float64Array(cap);
    this.#pairSize = new Float64Array(cap);
    this.#pairQuoteUsd = new Float64Array(2 * cap);
    this.#pairRefusedEpoch = new Float64Array(cap);
  }

  /** Pair trades open now. */
  get openPairs(): number { return this.#nPairs; }

  /** USD per unit of a book's quote asset (NaN while unknown). */
  #quoteUsd(slot: number): number {
    const ref = this.#usdRef[slot]!;
    if (ref === -2) return 1;
    if (ref < 0) return NaN;
    this.#ctx.view.read2(ref, kBid, kAsk, this.#q);
    return 0.5 * (this.#q[0]! + this.#q[1]!);
  }

  consolidate(cycle: number, epoch: number, nowUs: number): void {
    const r = this.#reader;
    if (!r) return;
    const rec = r.records;
    const rnd = ++this.#round;
    for (let i = 0; i < r.count; i++) {
      const o: number = r.offset + i * kRecordWidth;
      const kind: number = rec[o]!;
      if (kind === kRecArbStatExit) { this.#statExit(r, rec, o, cycle, epoch, nowUs); continue; } // no detail follows
      if (kind !== kRecArbCross && kind !== kRecArbTriangular && kind !== kRecArbYield && kind !== kRecArbStatistical) continue;
      if (i + 1 >= r.count) break;
      const d: number = o + kRecordWidth;
      if (rec[d] !== kRecArbDetail) continue;
      if (kind === kRecArbCross) this.#cross(r, rec, o, d, rnd, cycle, epoch, nowUs);
      else if (kind === kRecArbTriangular) this.#triangular(r, rec, o, d, rnd, cycle, epoch, nowUs);
      else if (kind === kRecArbYield) this.#yield(r, rec, o, d, rnd, cycle, epoch, nowUs);
      else this.#statistical(r, rec, o, d, rnd, cycle, epoch, nowUs);
    }
  }

  /** Risk gates shared by every kind: execution risk, then the instruments' composite risk. */
  #gate(execRisk: number, slots: Int32Array, n: number): Verdict | null {
    if (execRisk > kMaxExecutionRisk) return { status: 'rejected', reason: `execution risk ${execRisk.toFixed(2)} above ${kMaxExecutionRisk}` };
    let worst = -Infinity;
    for (let k = 0; k < n; k++) { const v = this.#ctx.riskOf(slots[k]!); if (v > worst) worst = v; }
    if (worst > this.#ctx.maxInstrumentRisk) return { status: 'rejected', reason: `instrument risk ${worst.toFixed(1)}/10 above ${this.#ctx.maxInstrumentRisk}` };
    return null;
  }

  /** Rejects a flat arbitrage that would trade a quote an earlier fill already took (paper_executor.ts). */
  #taken(slots: Int32Array, n: number): Verdict | null {
    const s = this.#ctx.executor.takenLeg(slots, n);
    if (s < 0) return null;
    return { status: 'rejected', reason: `${this.#ctx.registry.meta[s]!.key}: its quote was already taken by an earlier fill; waiting for a new one` };
  }

  /** The size after the risk assessor's max positions of the slots and the hard limit. */
  #capSize(sizeUsd: number, slots: Int32Array, n: number): number {
    let s = Math.min(sizeUsd, this.#ctx.config.limits.maxPositionUsd);
    for (let k = 0; k < n; k++) s = Math.min(s, this.#ctx.maxPositionOf(slots[k]!));
    return s > 0 ? s : 0;
  }

  #cross(r: ResultReader, rec: Float64Array, o: number, d: number, rnd: number, cycle: number, epoch: number, nowUs: number): void {
    const c = this.#ctx;
    const buy = rec[o + 1]!, sell = rec[o + 2]!;
    if (this.#rounds[0]!.swap(buy * this.#cap + sell, rnd) === rnd - 1) return; // still the same open opportunity
    c.stats.noteOpportunity(r.name);
    const netBps = rec[o + 3]!, profitUsd = rec[o + 4]!, qty = rec[o + 5]!, execRisk = rec[o + 6]!;
    const durationS = rec[d + 3]!, costsUsd = rec[d + 6]!;
    const quoteUsd = this.#quoteUsd(buy);
    c.view.read2(buy, kBid, kAsk, this.#q);
    const notionalUsd = qty * this.#q[1]! * quoteUsd;
    const legs = this.#legs;
    legs[0] = buy; legs[1] = sell;
    const sizeUsd = Math.min(notionalUsd, this.#capSize(Infinity, legs, 2));
    const scale = notionalUsd > 0 ? sizeUsd / notionalUsd : 0;
    const expected = profitUsd * scale;
    const mb = c.registry.meta[buy]!, ms = c.registry.meta[sell]!;
    let verdict = this.#gate(execRisk, legs, 2) ?? this.#taken(legs, 2) ?? c.validator.check(r.name, sizeUsd, false, '', nowUs);
    let fill: Fill | null = null;
    if (verdict.status === 'approved') {
      fill = c.executor.arbitrage(buy, sell, qty * scale, quoteUsd, expected);
      verdict = { status: 'approved', reason: `buy ${mb.base}/${mb.quote} on ${mb.venue}, sell on ${ms.venue}: ` +
        `${netBps.toFixed(1)} bps net of fees; ${usd(costsUsd)} of fees and slippage at the full size; lasts ~${durationS.toFixed(1)} s` };
    }
    c.emit({
      key: `arb:${mb.key}>${ms.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'arbitrage_cross_exchange',
      action: 'buy_sell', instruments: [mb.key, ms.key], sizeUsd, expectedProfitUsd: expected, score: round(netBps, 3), verdict, fill,
    });
  }

  #triangular(r: ResultReader, rec: Float64Array, o: number, d: number, rnd: number, cycle: number, epoch: number, nowUs: number): void {
    const c = this.#ctx;
    const aux = rec[o + 7]!;
    const n = aux % 10, dirBits = (aux - n) / 10;
    const legs = this.#legs;
    legs[0] = rec[o + 1]!; legs[1] = rec[o + 2]!; legs[2] = rec[d + 1]!; legs[3] = rec[d + 2]!;
    if (this.#rounds[1]!.swap(cycleKey(legs, n, dirBits), rnd) === rnd - 1) return; // still the same open cycle
    c.stats.noteOpportunity(r.name);
    const netBps = rec[o + 3]!, profitUsd = rec[o + 4]!, maxSizeUsd = rec[o + 5]!, execRisk = rec[o + 6]!;
    const durationS = rec[d + 3]!, gasUsd = rec[d + 4]!, costsUsd = rec[d + 6]!;
    const sizeUsd = this.#capSize(maxSizeUsd, legs, n);
    const scale = maxSizeUsd > 0 ? sizeUsd / maxSizeUsd : 0;
    const expected = (profitUsd + gasUsd) * scale - gasUsd;
    const instruments: string[] = [];
    const steps: string[] = [];
    for (let k = 0; k < n; k++) {
      const m = c.registry.meta[legs[k]!]!;
      instruments.push(m.key);
      steps.push(`${(dirBits >> k) & 1 ? 'sell' : 'buy'} ${m.base}/${m.quote}`);
    }
    let verdict = this.#gate(execRisk, legs, n) ?? this.#taken(legs, n) ?? c.validator.check(r.name, sizeUsd, false, '', nowUs);
    let fill: Fill | null = null;
    if (verdict.status === 'approved') {
      fill = c.executor.triangular(legs, n, sizeUsd, expected, gasUsd, costsUsd * scale);
      verdict = { status: 'approved', reason: `${steps.join(', ')} on ${c.registry.meta[legs[0]!]!.venue}: ` +
        `${netBps.toFixed(1)} bps net of fees, slippage (${usd(costsUsd)}) and gas (${usd(gasUsd)}); lasts ~${durationS.toFixed(1)} s` };
    }
    c.emit({
      key: `tri:${instruments.join('>')}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'arbitrage_triangular',
      action: 'cycle', instruments, sizeUsd, expectedProfitUsd: expected, score: round(netBps, 3), verdict, fill,
    });
  }

  #yield(r: ResultReader, rec: Float64Array, o: number, d: number, rnd: number, cycle: number, epoch: number, nowUs: number): void {
    const c = this.#ctx;
    const borrow = rec[o + 1]!, supply = rec[o + 2]!;
    if (this.#rounds[2]!.swap(borrow * this.#cap + supply, rnd) === rnd - 1) return;
    c.stats.noteOpportunity(r.name);
    const net = rec[o + 3]!, profitUsd = rec[o + 4]!, size = rec[o + 5]!, execRisk = rec[o + 6]!, haircut = rec[o + 7]!;
    const durationS = rec[d + 3]!, gasUsd = rec[d + 4]!;
    const legs = this.#legs;
    legs[0] = borrow; legs[1] = supply;
    // the collateral (sizeUsd / λ) and the gas come from cash
    const sizeUsd = Math.min(this.#capSize(size, legs, 2), c.executor.maxCarryUsd(borrow, gasUsd));
    const scale = size > 0 ? sizeUsd / size : 0;
    const expected = (profitUsd + gasUsd) * scale - gasUsd;
    const mb = c.registry.meta[borrow]!, ms = c.registry.meta[supply]!;
    let verdict = this.#gate(execRisk, legs, 2) ??
      (this.#carryOpen[borrow] === 1 ? { status: 'rejected' as const, reason: `a carry borrowing ${mb.symbol} on ${mb.protocol} (${mb.chain}) is already open` } : null) ??
      c.validator.check(r.name, sizeUsd, true, ms.protocol, nowUs);
    let fill: Fill | null = null;
    if (verdict.status === 'approved') {
      fill = c.executor.yieldCarry(borrow, supply, sizeUsd, gasUsd);
      this.#carryOpen[borrow] = 1;
      c.validator.exposureUsd += sizeUsd;
      verdict = { status: 'approved', reason: `borrow ${mb.symbol} on ${mb.protocol}, supply on ${ms.protocol} (${ms.chain}): ` +
        `${net.toFixed(2)} pp/yr net of a ${haircut.toFixed(2)} pp risk haircut and dilution, over ${(durationS / 86_400).toFixed(0)} days after ${usd(gasUsd)} gas` };
    }
    c.emit({
      key: `yarb:${mb.key}>${ms.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'arbitrage_yield',
      action: 'borrow_supply', instruments: [mb.key, ms.key], sizeUsd, expectedProfitUsd: expected, score: round(net, 4),
      verdict, fill,
    });
  }

  #statistical(r: ResultReader, rec: Float64Array, o: number, d: number, rnd: number, cycle: number, epoch: number, nowUs: number): void {
    const c = this.#ctx;
    const buy = rec[o + 1]!, sell = rec[o + 2]!;
    const ab = this.#baseIndex[buy]!, as = this.#baseIndex[sell]!;
    if (this.#rounds[3]!.swap(ab * this.#cap + as, rnd) === rnd - 1) return; // decided per asset pair and side
    c.stats.noteOpportunity(r.name);
    const z = rec[o + 3]!, profitUsd = rec[o + 4]!, notionalY = rec[o + 5]!, execRisk = rec[o + 6]!, beta = rec[o + 7]!;
    const durationS = rec[d + 3]!, costsUsd = rec[d + 6]!;
    const mb = c.registry.meta[buy]!, ms = c.registry.meta[sell]!;
    // An open trade on the same two assets: on the other side, the spread has reverted through, so
    // it is closed first; on this side, it is the position already taken.
    let open = this.#findPair(ab, as);
    if (open >= 0 && this.#pairAssetBuy[open] === as) {
      if (this.#closePair(open, r.name, `the spread crossed to the other side (z ${z.toFixed(2)})`, z, cycle, epoch, nowUs)) open = -1;
    }
    // y notional USD per leg: z > 0 (y rich): y is sold, β·y of x bought; else y bought, β·y of x sold
    const wBuy = z > 0 ? beta : 1, wSell = z > 0 ? 1 : beta;
    const l = c.config.limits;
    let sizeUsd = Math.min(notionalY, l.maxPositionUsd / Math.max(wBuy, wSell), c.maxPositionOf(buy) / wBuy, c.maxPositionOf(sell) / wSell);
    if (!(sizeUsd > 0)) sizeUsd = 0;
    const expected = notionalY > 0 ? profitUsd * (sizeUsd / notionalY) : 0;
    const legs = this.#legs;
    legs[0] = buy; legs[1] = sell;
    const qBuy = this.#quoteUsd(buy), qSell = this.#quoteUsd(sell);
    let verdict: Verdict | null = this.#gate(execRisk, legs, 2);
    if (verdict === null && open >= 0) verdict = { status: 'rejected', reason: `a pair trade on ${mb.base} and ${ms.base} is already open` };
    if (verdict === null && !(qBuy > 0 && qSell > 0)) verdict = { status: 'rejected', reason: `no USD price for ${qBuy > 0 ? ms.quote : mb.quote}` };
    if (verdict === null && this.#nPairs >= this.#cap) verdict = { status: 'rejected', reason: `${this.#nPairs} pair trades already open` };
    verdict ??= c.validator.check(r.name, sizeUsd, true, '', nowUs);
    let fill: Fill | null = null;
    if (verdict.status === 'approved') {
      fill = c.executor.pairOpen(buy, sell, wBuy * sizeUsd, wSell * sizeUsd, qBuy, qSell);
      const p = c.executor.pair;
      const i = this.#nPairs++;
      this.#pairBuy[i] = buy; this.#pairSell[i] = sell; this.#pairAssetBuy[i] = ab; this.#pairAssetSell[i] = as;
      this.#pairUnitsBuy[i] = p[kPairBuyUnits]!; this.#pairUnitsSell[i] = p[kPairSellUnits]!; this.#pairEntryCash[i] = p[kPairCashUsd]!;
      this.#pairSize[i] = sizeUsd; this.#pairQuoteUsd[2 * i] = qBuy; this.#pairQuoteUsd[2 * i + 1] = qSell;
      this.#pairRefusedEpoch[i] = NaN;
      c.validator.exposureUsd += sizeUsd;
      verdict = { status: 'approved', reason: `spread z ${z.toFixed(2)} (β ${beta.toFixed(3)}): buy ${mb.base} on ${mb.venue}, sell ${ms.base} on ${ms.venue}; ` +
        `reversion worth ${usd(expected)} after fees and slippage (${usd(costsUsd)}), ~${durationS.toFixed(0)} s` };
    }
    c.emit({
      key: `stat:${mb.key}>${ms.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'arbitrage_statistical',
      action: 'pair_trade', instruments: [mb.key, ms.key], sizeUsd, expectedProfitUsd: expected, score: round(z, 3),
      verdict, fill,
    });
  }

  /** The detector's exit signal for a pair of assets: closes the open trade on them, if any. */
  #statExit(r: ResultReader, rec: Float64Array, o: number, cycle: number, epoch: number, nowUs: number): void {
    const i = this.#findPair(this.#baseIndex[rec[o + 1]!]!, this.#baseIndex[rec[o + 2]!]!);
    if (i < 0) return;
    const z = rec[o + 3]!;
    const sa = this.#ctx.config.agents.arbitrage.statArb;
    const why = rec[o + 7] === kStatExitReverted ? `spread reverted: z ${z.toFixed(2)} within ±${sa.exitZ}`
      : rec[o + 7] === kStatExitStopped ? `stop-loss: the spread widened on to z ${z.toFixed(2)}, ${sa.stopMultiple}× its value at entry`
      : 'the spread did not revert within the holding limit';
    this.#closePair(i, r.name, why, z, cycle, epoch, nowUs);
  }

  /**
   * Closes open pair trade i (both legs at the top of book; the round trip's PnL is realized) as an
   * exit, after the validator (which refuses exits only for the kill switch or an open breaker; a
   * refusal is said once per epoch and the trade stays open). Returns true when it was closed.
   */
  #closePair(i: number, agent: string, why: string, z: number, cycle: number, epoch: number, nowUs: number): boolean {
    const c = this.#ctx;
    const buy = this.#pairBuy[i]!, sell = this.#pairSell[i]!, size = this.#pairSize[i]!;
    const verdict = c.validator.check(agent, size, false, '', nowUs);
    const refused = verdict.status === 'rejected';
    if (refused && this.#pairRefusedEpoch[i] === epoch) return false;
    let fill: Fill | null = null;
    let pnl = 0;
    if (refused) this.#pairRefusedEpoch[i] = epoch;
    else {
      let qBuy = this.#quoteUsd(buy), qSell = this.#quoteUsd(sell);
      if (!(qBuy > 0)) qBuy = this.#pairQuoteUsd[2 * i]!;
      if (!(qSell > 0)) qSell = this.#pairQuoteUsd[2 * i + 1]!;
      fill = c.executor.pairClose(buy, sell, this.#pairUnitsBuy[i]!, this.#pairUnitsSell[i]!, qBuy, qSell, this.#pairEntryCash[i]!);
      pnl = c.executor.pair[kPairPnlUsd]!;
      c.validator.exposureUsd -= size;
      this.#removePair(i);
    }
    const mb = c.registry.meta[buy]!, ms = c.registry.meta[sell]!;
    c.emit({
      key: `stat-exit:${mb.key}>${ms.key}@${epoch}`, cycle, epoch, ts: nowUs, agent, kind: 'arbitrage_statistical_exit',
      action: 'close_pair', instruments: [mb.key, ms.key], sizeUsd: size, expectedProfitUsd: pnl, score: z === z ? round(z, 3) : 0,
      verdict: refused ? verdict : { status: 'approved', reason: `${why}: sell ${mb.base} on ${mb.venue}, buy back ${ms.base} on ${ms.venue}; ` +
        `round trip ${usd(pnl)} after fees in and out` },
      fill,
    });
    return !refused;
  }

  /** Row of the open pair trade on assets a and b (either side), -1 when none. */
  #findPair(a: number, b: number): number {
    for (let i = 0; i < this.#nPairs; i++) {
      const x = this.#pairAssetBuy[i]!, y = this.#pairAssetSell[i]!;
      if ((x === a && y === b) || (x === b && y === a)) return i;
    }
    return -1;
  }

  #removePair(i: number): void {
    const last = --this.#nPairs;
    if (i === last) return;
    this.#pairBuy[i] = this.#pairBuy[last]!; this.#pairSell[i] = this.#pairSell[last]!;
    this.#pairAssetBuy[i] = this.#pairAssetBuy[last]!; this.#pairAssetSell[i] = this.#pairAssetSell[last]!;
    this.#pairUnitsBuy[i] = this.#pairUnitsBuy[last]!; this.#pairUnitsSell[i] = this.#pairUnitsSell[last]!;
    this.#pairEntryCash[i] = this.#pairEntryCash[last]!; this.#pairSize[i] = this.#pairSize[last]!;
    this.#pairQuoteUsd[2 * i] = this.#pairQuoteUsd[2 * last]!; this.#pairQuoteUsd[2 * i + 1] = this.#pairQuoteUsd[2 * last + 1]!;
    this.#pairRefusedEpoch[i] = this.#pairRefusedEpoch[last]!;
  }
}

/** A key < 2^53 for a cycle's legs and directions (two 32-bit mixes; a collision is negligible). */
function cycleKey(legs: Int32Array, n: number, dirBits: number): number {
  let h1 = 0x811c9dc5 ^ n, h2 = 0x9e3779b9 ^ dirBits;
  for (let k = 0; k < n; k++) {
    h1 = Math.imul(h1 ^ legs[k]!, 0x01000193);
    h2 = Math.imul(h2 ^ (legs[k]! + 0x7f4a7c15), 0x85ebca6b);
  }
  return (h1 >>> 0) + ((h2 >>> 0) & 0x1fffff) * 4294967296;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
