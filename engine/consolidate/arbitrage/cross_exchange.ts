// Cross-exchange arbitrage: buy on one venue, sell on another, flat at once. Sized at the
// detector's quantity, capped by the risk view's max position of both books and the hard limit
// (the profit scales down with the size) and by what earlier fills left of its quotes (a fill takes
// only the size it uses); rejected when almost nothing is left. Filled on paper at the top of book, its net profit realized at once.
import { kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecSlotB, kRecValue } from '../../../protocol/layout.ts';
import { kArbDetailCostsUsd, kArbDetailDurationS } from '../../../protocol/records.ts';
import { usdText as usd } from '../../usd_text.ts';
import { kPnExpectedProfitUsd, kPnScore, kPnSizeUsd, kPnTs, newProposal, proposalNums } from '../fusion.ts';
import { kSightKey, kSightProfitUsd, kSightSizeUsd, type Sightings } from './sightings.ts';
import type { ArbKindCounts } from '../stats.ts';
import { round } from '../round.ts';
import { kPass, type ArbitrageCommon } from './arbitrage_common.ts';
import type { Fields } from '../../../protocol/snapshot.ts';

export class CrossExchangeArbitrage {
  readonly #a: ArbitrageCommon;
  readonly #seen: Sightings;
  readonly #n: ArbKindCounts;

  constructor(a: ArbitrageCommon) {
    this.#a = a;
    this.#seen = a.sightings();
    this.#n = a.ctx.stats.arbitrage['arbitrage_cross_exchange']!;
  }

  /** Record `o` (kRecArbCross) with its detail `d`, in consolidation round `rnd`. */
  consider(agent: string, rec: Float64Array, o: number, d: number, rnd: number, cycle: number, epoch: number, nowUs: number): void {
    const a = this.#a, c = a.ctx;
    const buy = rec[o + kRecSlotA]!, sell = rec[o + kRecSlotB]!;
    const netBps = rec[o + kRecScore]!, profitUsd = rec[o + kRecValue]!, qty = rec[o + kRecSize]!, execRisk = rec[o + kRecRisk]!;
    const durationS = rec[d + kArbDetailDurationS]!, costsUsd = rec[d + kArbDetailCostsUsd]!;
    const quoteUsd = a.quoteUsd(buy);
    const notionalUsd = qty * a.ask(buy) * quoteUsd;
    const legs = a.legs, sides = a.sides;
    legs[0] = buy; legs[1] = sell; sides[0] = 1; sides[1] = 0;
    const n = this.#n;
    const seen = this.#seen, sa = seen.args;
    sa[kSightKey] = buy * a.cap + sell; sa[kSightProfitUsd] = profitUsd; sa[kSightSizeUsd] = notionalUsd;
    if (seen.unchanged(rnd, legs, 2)) { n.published++; n.unchanged++; return; }
    let sizeUsd = Math.min(notionalUsd, a.capSize(Infinity, legs, 2));
    const num = a.num;
    num[0] = execRisk; num[1] = sizeUsd;
    const code = a.gateCode(legs, 2) || a.fitCode(legs, sides, 2);
    const left = code === kPass && a.scale < 1 ? a.scale : 1; // earlier fills took part of a quote
    sizeUsd *= left;
    const scale = notionalUsd > 0 ? sizeUsd / notionalUsd : 0;
    const expected = profitUsd * scale;
    const sighting = seen.check(rnd, legs, 2, code === kPass);
    n.published++;
    if (sighting === 0) { n.unchanged++; return; } // still the same open opportunity, unchanged since it was decided
    if (sighting === 1) c.stats.noteOpportunity(agent);
    const ruling = a.ruling(code); // its text only now that it is decided
    const mb = c.registry.meta[buy]!, ms = c.registry.meta[sell]!;
    const pn = proposalNums;
    pn[kPnTs] = nowUs; pn[kPnSizeUsd] = sizeUsd; pn[kPnExpectedProfitUsd] = expected; pn[kPnScore] = round(netBps, 3);
    const p = newProposal(`arb:${mb.key}>${ms.key}@${epoch}`, cycle, epoch, agent, 'arbitrage_cross_exchange', 'buy_sell', [mb.key, ms.key]);
    p.ruling = ruling;
    p.sighting = sighting;
    p.order = { op: 'arbitrage', buy, sell, qty: qty * scale, quoteUsd, expectedProfitUsd: expected };
    // the approval text only where the action can be approved (a ruling rejects it)
    p.approvedReason = ruling !== null ? null : `buy ${mb.base}/${mb.quote} on ${mb.venue}, sell on ${ms.venue}: ` +
      `${netBps.toFixed(1)} bps net of fees; ${usd(costsUsd)} of fees and slippage at the full size; lasts ~${durationS.toFixed(1)} s` +
      (left < 1 ? `; sized to the ${(left * 100).toFixed(0)} % of its quotes earlier fills left` : '');
    c.decide(p);
    n.decided++;
    if (p.verdict.status !== 'rejected') n.approved++;
    else if (ruling !== null && ruling === a.lastFitRejection) n.quoteTaken++;
    else n.risk++;
    if (p.fill !== null) { num[1] = sizeUsd; a.use(legs, sides, 2); }
    this.#seen.decided(p.verdict.status === 'rejected');
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('a', this.#a);
    v.r('seen', this.#seen);
    v.r('n', this.#n);
  }
}
