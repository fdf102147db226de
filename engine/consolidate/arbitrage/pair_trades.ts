// Statistical arbitrage: pair trades and their lifecycle. A kRecArbStatistical record proposes a
// pair trade (buy the cheap leg, short the rich one at the top of book), sized per leg (the x leg
// β times the y notional) under the risk view and the hard limit, one open per pair of assets. An
// open trade is closed, both legs reversed at the top of book and its round trip realized, on the
// detector's kRecArbStatExit (reverted, stopped out, or expired), or when the spread opens on the
// other side (it reverted through). The close is an `arbitrage_statistical_exit` decision whose
// expected profit is the realized PnL; a close the validator refuses (kill switch, open breaker)
// is said once per epoch and the trade stays open.
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecSlotB, kRecValue } from '../../../protocol/layout.ts';
import {
  kArbDetailCostsUsd, kArbDetailDurationS, kStatExitReverted, kStatExitStopped,
} from '../../../protocol/records.ts';
import { kPairBuyUnits, kPairCashUsd, kPairSellUnits } from '../../execute/paper_executor.ts';
import type { Verdict } from '../../types.ts';
import { usdText as usd } from '../../usd_text.ts';
import { proposal } from '../fusion.ts';
import { KeyRounds } from '../key_rounds.ts';
import { round } from '../round.ts';
import type { ArbitrageCommon } from './arbitrage_common.ts';
import type { Fields } from '../../../protocol/snapshot.ts';

export class PairTrades {
  readonly #a: ArbitrageCommon;
  readonly #rounds = new KeyRounds();
  readonly #baseIndex: Int32Array; // slot → index of its base asset (pairs are decided per asset pair)
  // Open pair trades (row i of #n; rows are swapped with the last on close). At most one per pair
  // of assets, and never more than there are slots (the table's size, allocated once).
  #n = 0;
  readonly #buy: Int32Array; // book bought
  readonly #sell: Int32Array; // book sold short
  readonly #assetBuy: Int32Array; // base index of the bought book
  readonly #assetSell: Int32Array;
  readonly #unitsBuy: Float64Array; // base units bought
  readonly #unitsSell: Float64Array; // base units sold
  readonly #entryCash: Float64Array; // cash flow of the entry (USD, fees included)
  readonly #size: Float64Array; // y notional validated and added to the exposure (USD)
  readonly #quoteUsd: Float64Array; // 2 per row: the legs' quote USD at entry (a fallback at close)
  readonly #refusedEpoch: Float64Array; // epoch of the last refused close (said once per epoch)

  constructor(a: ArbitrageCommon) {
    this.#a = a;
    const registry = a.ctx.registry;
    const cap = a.cap;
    const names = new Map<string, number>();
    this.#baseIndex = new Int32Array(cap).fill(-1);
    for (let s = 0; s < registry.size; s++) {
      const b = registry.meta[s]!.base;
      if (b === '') continue;
      let i = names.get(b);
      if (i === undefined) { i = names.size; names.set(b, i); }
      this.#baseIndex[s] = i;
    }
    this.#buy = new Int32Array(cap);
    this.#sell = new Int32Array(cap);
    this.#assetBuy = new Int32Array(cap);
    this.#assetSell = new Int32Array(cap);
    this.#unitsBuy = new Float64Array(cap);
    this.#unitsSell = new Float64Array(cap);
    this.#entryCash = new Float64Array(cap);
    this.#size = new Float64Array(cap);
    this.#quoteUsd = new Float64Array(2 * cap);
    this.#refusedEpoch = new Float64Array(cap);
  }

  /** Pair trades open now. */
  get open(): number { return this.#n; }

  /** Record `o` (kRecArbStatistical) with its detail `d`, in consolidation round `rnd`. */
  consider(agent: string, rec: Float64Array, o: number, d: number, rnd: number, cycle: number, epoch: number, nowUs: number): void {
    const a = this.#a, c = a.ctx;
    const buy = rec[o + kRecSlotA]!, sell = rec[o + kRecSlotB]!;
    const ab = this.#baseIndex[buy]!, as = this.#baseIndex[sell]!;
    if (this.#rounds.swap(ab * a.cap + as, rnd) === rnd - 1) return; // decided per asset pair and side
    c.stats.noteOpportunity(agent);
    const z = rec[o + kRecScore]!, profitUsd = rec[o + kRecValue]!, notionalY = rec[o + kRecSize]!, execRisk = rec[o + kRecRisk]!;
    const beta = rec[o + kRecAux]!;
    const durationS = rec[d + kArbDetailDurationS]!, costsUsd = rec[d + kArbDetailCostsUsd]!;
    const mb = c.registry.meta[buy]!, ms = c.registry.meta[sell]!;
    // An open trade on the same two assets: on the other side, the spread has reverted through, so
    // it is closed first; on this side, it is the position already taken.
    let open = this.#find(ab, as);
    if (open >= 0 && this.#assetBuy[open] === as) {
      if (this.#close(open, agent, `the spread crossed to the other side (z ${z.toFixed(2)})`, z, cycle, epoch, nowUs)) open = -1;
    }
    // y notional USD per leg: z > 0 (y rich): y is sold, β·y of x bought; else y bought, β·y of x sold
    const wBuy = z > 0 ? beta : 1, wSell = z > 0 ? 1 : beta;
    const l = c.config.limits;
    let sizeUsd = Math.min(notionalY, l.maxPositionUsd / Math.max(wBuy, wSell), c.risk.maxPositionOf(buy) / wBuy, c.risk.maxPositionOf(sell) / wSell);
    if (!(sizeUsd > 0)) sizeUsd = 0;
    const expected = notionalY > 0 ? profitUsd * (sizeUsd / notionalY) : 0;
    const legs = a.legs;
    legs[0] = buy; legs[1] = sell;
    const qBuy = a.quoteUsd(buy), qSell = a.quoteUsd(sell);
    let ruling: Verdict | null = a.gate(execRisk, legs, 2);
    if (ruling === null && open >= 0) ruling = { status: 'rejected', reason: `a pair trade on ${mb.base} and ${ms.base} is already open` };
    if (ruling === null && !(qBuy > 0 && qSell > 0)) ruling = { status: 'rejected', reason: `no USD price for ${qBuy > 0 ? ms.quote : mb.quote}` };
    if (ruling === null && this.#n >= a.cap) ruling = { status: 'rejected', reason: `${this.#n} pair trades already open` };
    const p = proposal({
      key: `stat:${mb.key}>${ms.key}@${epoch}`, cycle, epoch, ts: nowUs, agent, kind: 'arbitrage_statistical',
      action: 'pair_trade', instruments: [mb.key, ms.key], sizeUsd, expectedProfitUsd: expected, score: round(z, 3),
      ruling, increasesRisk: true,
      order: { op: 'pair_open', buy, sell, buyUsd: wBuy * sizeUsd, sellUsd: wSell * sizeUsd, quoteUsdBuy: qBuy, quoteUsdSell: qSell },
      exposureUsd: sizeUsd,
      approvedReason: `spread z ${z.toFixed(2)} (β ${beta.toFixed(3)}): buy ${mb.base} on ${mb.venue}, sell ${ms.base} on ${ms.venue}; ` +
        `reversion worth ${usd(expected)} after fees and slippage (${usd(costsUsd)}), ~${durationS.toFixed(0)} s`,
    });
    c.decide(p);
    if (p.fill === null) return;
    const legsFilled = c.portfolio.pair;
    const i = this.#n++;
    this.#buy[i] = buy; this.#sell[i] = sell; this.#assetBuy[i] = ab; this.#assetSell[i] = as;
    this.#unitsBuy[i] = legsFilled[kPairBuyUnits]!; this.#unitsSell[i] = legsFilled[kPairSellUnits]!; this.#entryCash[i] = legsFilled[kPairCashUsd]!;
    this.#size[i] = sizeUsd; this.#quoteUsd[2 * i] = qBuy; this.#quoteUsd[2 * i + 1] = qSell;
    this.#refusedEpoch[i] = NaN;
  }

  /** The detector's exit signal (kRecArbStatExit) for a pair of assets: closes the open trade on them, if any. */
  exit(agent: string, rec: Float64Array, o: number, cycle: number, epoch: number, nowUs: number): void {
    const i = this.#find(this.#baseIndex[rec[o + kRecSlotA]!]!, this.#baseIndex[rec[o + kRecSlotB]!]!);
    if (i < 0) return;
    const z = rec[o + kRecScore]!, reason = rec[o + kRecAux]!;
    const sa = this.#a.ctx.config.agents.arbitrage.statArb;
    const why = reason === kStatExitReverted ? `spread reverted: z ${z.toFixed(2)} within ±${sa.exitZ}`
      : reason === kStatExitStopped ? `stop-loss: the spread widened on to z ${z.toFixed(2)}, ${sa.stopMultiple}× its value at entry`
      : 'the spread did not revert within the holding limit';
    this.#close(i, agent, why, z, cycle, epoch, nowUs);
  }

  /**
   * Proposes the close of open pair trade i (both legs at the top of book; the round trip's PnL is
   * realized) as an exit. Returns true when it was closed.
   */
  #close(i: number, agent: string, why: string, z: number, cycle: number, epoch: number, nowUs: number): boolean {
    const a = this.#a, c = a.ctx;
    const buy = this.#buy[i]!, sell = this.#sell[i]!, size = this.#size[i]!;
    let qBuy = a.quoteUsd(buy), qSell = a.quoteUsd(sell);
    if (!(qBuy > 0)) qBuy = this.#quoteUsd[2 * i]!;
    if (!(qSell > 0)) qSell = this.#quoteUsd[2 * i + 1]!;
    const mb = c.registry.meta[buy]!, ms = c.registry.meta[sell]!;
    const p = proposal({
      key: `stat-exit:${mb.key}>${ms.key}@${epoch}`, cycle, epoch, ts: nowUs, agent, kind: 'arbitrage_statistical_exit',
      action: 'close_pair', instruments: [mb.key, ms.key], sizeUsd: size, expectedProfitUsd: 0, score: z === z ? round(z, 3) : 0,
      exit: true, quietIfRejected: this.#refusedEpoch[i] === epoch,
      order: {
        op: 'pair_close', buy, sell, unitsBuy: this.#unitsBuy[i]!, unitsSell: this.#unitsSell[i]!, quoteUsdBuy: qBuy,
        quoteUsdSell: qSell, entryCashUsd: this.#entryCash[i]!,
      },
      exposureUsd: -size, realizesPnl: true,
      approvedReason: `${why}: sell ${mb.base} on ${mb.venue}, buy back ${ms.base} on ${ms.venue}`,
    });
    c.decide(p);
    if (p.fill === null) {
      this.#refusedEpoch[i] = epoch;
      return false;
    }
    this.#remove(i);
    return true;
  }

  /** Row of the open pair trade on assets a and b (either side), -1 when none. */
  #find(a: number, b: number): number {
    for (let i = 0; i < this.#n; i++) {
      const x = this.#assetBuy[i]!, y = this.#assetSell[i]!;
      if ((x === a && y === b) || (x === b && y === a)) return i;
    }
    return -1;
  }

  #remove(i: number): void {
    const last = --this.#n;
    if (i === last) return;
    this.#buy[i] = this.#buy[last]!; this.#sell[i] = this.#sell[last]!;
    this.#assetBuy[i] = this.#assetBuy[last]!; this.#assetSell[i] = this.#assetSell[last]!;
    this.#unitsBuy[i] = this.#unitsBuy[last]!; this.#unitsSell[i] = this.#unitsSell[last]!;
    this.#entryCash[i] = this.#entryCash[last]!; this.#size[i] = this.#size[last]!;
    this.#quoteUsd[2 * i] = this.#quoteUsd[2 * last]!; this.#quoteUsd[2 * i + 1] = this.#quoteUsd[2 * last + 1]!;
    this.#refusedEpoch[i] = this.#refusedEpoch[last]!;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('a', this.#a);
    v.r('rounds', this.#rounds);
    v.r('baseIndex', this.#baseIndex);
    this.#n = v.f('n', this.#n);
    v.r('buy', this.#buy);
    v.r('sell', this.#sell);
    v.r('assetBuy', this.#assetBuy);
    v.r('assetSell', this.#assetSell);
    v.r('unitsBuy', this.#unitsBuy);
    v.r('unitsSell', this.#unitsSell);
    v.r('entryCash', this.#entryCash);
    v.r('size', this.#size);
    v.r('quoteUsd', this.#quoteUsd);
    v.r('refusedEpoch', this.#refusedEpoch);
  }
}
