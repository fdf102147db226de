// Yield arbitrage, a carry: borrow on one lending market, supply on another. Sized at the
// detector's size, capped by the risk view, the hard limit and what the cash can collateralise at
// the market's λ after the gas; one open carry per borrow market (a reopening is rejected while
// one is open). Filled on paper as a position held to the end of the run (interest not accrued);
// its size is added to the validator's exposure.
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecSlotB, kRecValue } from '../../../protocol/layout.ts';
import { kArbDetailDurationS, kArbDetailGasUsd } from '../../../protocol/records.ts';
import { usdText as usd } from '../../usd_text.ts';
import { proposal } from '../fusion.ts';
import { KeyRounds } from '../key_rounds.ts';
import { round } from '../round.ts';
import type { ArbitrageCommon } from './arbitrage_common.ts';
import type { Fields } from '../../../protocol/snapshot.ts';

export class CarryArbitrage {
  readonly #a: ArbitrageCommon;
  readonly #rounds = new KeyRounds();
  readonly #carryOpen: Uint8Array; // borrow slot → 1 while a carry borrows there

  constructor(a: ArbitrageCommon) {
    this.#a = a;
    this.#carryOpen = new Uint8Array(a.cap);
  }

  /** Record `o` (kRecArbYield) with its detail `d`, in consolidation round `rnd`. */
  consider(agent: string, rec: Float64Array, o: number, d: number, rnd: number, cycle: number, epoch: number, nowUs: number): void {
    const a = this.#a, c = a.ctx;
    const borrow = rec[o + kRecSlotA]!, supply = rec[o + kRecSlotB]!;
    if (this.#rounds.swap(borrow * a.cap + supply, rnd) === rnd - 1) return;
    c.stats.noteOpportunity(agent);
    const net = rec[o + kRecScore]!, profitUsd = rec[o + kRecValue]!, size = rec[o + kRecSize]!, execRisk = rec[o + kRecRisk]!;
    const haircut = rec[o + kRecAux]!;
    const durationS = rec[d + kArbDetailDurationS]!, gasUsd = rec[d + kArbDetailGasUsd]!;
    const legs = a.legs;
    legs[0] = borrow; legs[1] = supply;
    // the collateral (sizeUsd / λ) and the gas come from cash
    const sizeUsd = Math.min(a.capSize(size, legs, 2), c.portfolio.maxCarryUsd(borrow, gasUsd));
    const scale = size > 0 ? sizeUsd / size : 0;
    const expected = (profitUsd + gasUsd) * scale - gasUsd;
    const mb = c.registry.meta[borrow]!, ms = c.registry.meta[supply]!;
    const p = proposal({
      key: `yarb:${mb.key}>${ms.key}@${epoch}`, cycle, epoch, ts: nowUs, agent, kind: 'arbitrage_yield',
      action: 'borrow_supply', instruments: [mb.key, ms.key], sizeUsd, expectedProfitUsd: expected, score: round(net, 4),
      ruling: a.gate(execRisk, legs, 2) ??
        (this.#carryOpen[borrow] === 1 ? { status: 'rejected', reason: `a carry borrowing ${mb.symbol} on ${mb.protocol} (${mb.chain}) is already open` } : null),
      increasesRisk: true, protocol: ms.protocol,
      order: { op: 'carry', borrow, supply, sizeUsd, gasUsd }, exposureUsd: sizeUsd,
      approvedReason: `borrow ${mb.symbol} on ${mb.protocol}, supply on ${ms.protocol} (${ms.chain}): ` +
        `${net.toFixed(2)} pp/yr net of a ${haircut.toFixed(2)} pp risk haircut and dilution, over ${(durationS / 86_400).toFixed(0)} days after ${usd(gasUsd)} gas`,
    });
    c.decide(p);
    if (p.fill !== null) this.#carryOpen[borrow] = 1;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('a', this.#a);
    v.r('rounds', this.#rounds);
    v.r('carryOpen', this.#carryOpen);
  }
}
