// Triangular arbitrage: a cycle of legs inside one venue (books or pools) that ends in the asset it
// starts from, flat at once. Sized at the detector's max size, capped by the risk view's max
// position of every leg and the hard limit (the profit scales with the size, the fixed gas does
// not) and by what earlier fills left of its legs' quotes; rejected when almost nothing is left. The fill reports the cycle's output/input,
// its fees (+ gas) and slippage from the record's figures (paper_executor.ts triangular()).
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecSlotB, kRecValue } from '../../../protocol/layout.ts';
import {
  kArbDetailCostsUsd, kArbDetailDurationS, kArbDetailGasUsd, kArbDetailLeg3, kArbDetailLeg4,
} from '../../../protocol/records.ts';
import { usdText as usd } from '../../usd_text.ts';
import { kPnExpectedProfitUsd, kPnScore, kPnSizeUsd, kPnTs, newProposal, proposalNums } from '../fusion.ts';
import { kSightKey, kSightProfitUsd, kSightSizeUsd, type Sightings } from './sightings.ts';
import type { ArbKindCounts } from '../stats.ts';
import { round } from '../round.ts';
import { kPass, type ArbitrageCommon } from './arbitrage_common.ts';
import type { Fields } from '../../../protocol/snapshot.ts';

export class TriangularArbitrage {
  readonly #a: ArbitrageCommon;
  readonly #seen: Sightings;
  readonly #n: ArbKindCounts;

  constructor(a: ArbitrageCommon) {
    this.#a = a;
    this.#seen = a.sightings();
    this.#n = a.ctx.stats.arbitrage['arbitrage_triangular']!;
  }

  /** Record `o` (kRecArbTriangular) with its detail `d`, in consolidation round `rnd`. */
  consider(agent: string, rec: Float64Array, o: number, d: number, rnd: number, cycle: number, epoch: number, nowUs: number): void {
    const a = this.#a, c = a.ctx;
    const aux = rec[o + kRecAux]!; // legs + 10 × direction bits
    const n = aux % 10, dirBits = (aux - n) / 10;
    const legs = a.legs;
    legs[0] = rec[o + kRecSlotA]!; legs[1] = rec[o + kRecSlotB]!; legs[2] = rec[d + kArbDetailLeg3]!; legs[3] = rec[d + kArbDetailLeg4]!;
    const netBps = rec[o + kRecScore]!, profitUsd = rec[o + kRecValue]!, maxSizeUsd = rec[o + kRecSize]!, execRisk = rec[o + kRecRisk]!;
    const durationS = rec[d + kArbDetailDurationS]!, gasUsd = rec[d + kArbDetailGasUsd]!, costsUsd = rec[d + kArbDetailCostsUsd]!;
    const key = cycleKey(legs, n, dirBits);
    const counts = this.#n;
    const seen = this.#seen, sa = seen.args;
    sa[kSightKey] = key; sa[kSightProfitUsd] = profitUsd; sa[kSightSizeUsd] = maxSizeUsd;
    if (seen.unchanged(rnd, legs, n)) { counts.published++; counts.unchanged++; return; }
    const sides = a.sides;
    for (let k = 0; k < n; k++) sides[k] = (dirBits >> k) & 1 ? 0 : 1; // a sell takes the bid, a buy the ask
    let sizeUsd = a.capSize(maxSizeUsd, legs, n);
    const num = a.num;
    num[0] = execRisk; num[1] = sizeUsd;
    const code = a.gateCode(legs, n) || a.fitCode(legs, sides, n);
    const left = code === kPass && a.scale < 1 ? a.scale : 1; // earlier fills took part of a quote
    sizeUsd *= left;
    const scale = maxSizeUsd > 0 ? sizeUsd / maxSizeUsd : 0;
    const expected = (profitUsd + gasUsd) * scale - gasUsd;
    const sighting = seen.check(rnd, legs, n, code === kPass);
    counts.published++;
    if (sighting === 0) { counts.unchanged++; return; } // still the same open cycle, unchanged since it was decided
    if (sighting === 1) c.stats.noteOpportunity(agent);
    const ruling = a.ruling(code); // its text only now that it is decided
    const instruments: string[] = new Array<string>(n);
    let path = '';
    for (let k = 0; k < n; k++) {
      const key = c.registry.meta[legs[k]!]!.key;
      instruments[k] = key;
      path = k === 0 ? key : `${path}>${key}`;
    }
    // The approval text only where the action can be approved: a ruling (gate, fit) rejects it,
    // and the decision then reports the ruling's reason.
    let approvedReason: string | null = null;
    if (ruling === null) {
      let steps = '';
      for (let k = 0; k < n; k++) {
        const m = c.registry.meta[legs[k]!]!;
        steps = `${steps}${k === 0 ? '' : ', '}${(dirBits >> k) & 1 ? 'sell' : 'buy'} ${m.base}/${m.quote}`;
      }
      approvedReason = `${steps} on ${c.registry.meta[legs[0]!]!.venue}: ` +
        `${netBps.toFixed(1)} bps net of fees, slippage (${usd(costsUsd)}) and gas (${usd(gasUsd)}); lasts ~${durationS.toFixed(1)} s` +
        (left < 1 ? `; sized to the ${(left * 100).toFixed(0)} % of its quotes earlier fills left` : '');
    }
    const pn = proposalNums;
    pn[kPnTs] = nowUs; pn[kPnSizeUsd] = sizeUsd; pn[kPnExpectedProfitUsd] = expected; pn[kPnScore] = round(netBps, 3);
    const p = newProposal(`tri:${path}@${epoch}`, cycle, epoch, agent, 'arbitrage_triangular', 'cycle', instruments);
    p.ruling = ruling;
    p.sighting = sighting;
    p.order = { op: 'triangular', legs, n, sizeUsd, expectedProfitUsd: expected, gasUsd, costsUsd: costsUsd * scale };
    p.approvedReason = approvedReason;
    c.decide(p);
    counts.decided++;
    if (p.verdict.status !== 'rejected') counts.approved++;
    else if (ruling !== null && ruling === a.lastFitRejection) counts.quoteTaken++;
    else counts.risk++;
    if (p.fill !== null) { num[1] = sizeUsd; a.use(legs, sides, n); }
    this.#seen.decided(p.verdict.status === 'rejected');
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('a', this.#a);
    v.r('seen', this.#seen);
    v.r('n', this.#n);
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
