// What the arbitrage kinds share: the USD value of a book's quote currency, the risk gates every
// kind passes (execution risk, then the instruments' composite risk), the taken-quote check of the
// flat kinds, the size cap of the risk view and the hard limit, and scratch (no allocation per
// record).
import { kAsk, kBid, kKindBook } from '../../../protocol/layout.ts';
import { kUsdQuotes } from '../../../finance/tokens.ts';
import type { Verdict } from '../../types.ts';
import type { FusionContext } from '../fusion.ts';
import { kMaxExecutionRisk, kMaxInstrumentRisk } from '../risk_table.ts';
import { Sightings } from './sightings.ts';

export class ArbitrageCommon {
  readonly ctx: FusionContext;
  readonly cap: number;
  /** Legs of the record being decided (scratch: read before the next record). */
  readonly legs = new Int32Array(4);
  readonly #usdRef: Int32Array; // book slot → USD-quoted book of its quote asset (-2: quote is USD)
  readonly #q = new Float64Array(2);

  constructor(ctx: FusionContext) {
    this.ctx = ctx;
    this.cap = ctx.registry.capacity;
    // USD reference book per asset: the first book that quotes it in USD
    const ref = new Map<string, number>();
    for (let s = 0; s < ctx.registry.size; s++) {
      const m = ctx.registry.meta[s]!;
      if (m.kind === kKindBook && kUsdQuotes.has(m.quote) && !ref.has(m.base)) ref.set(m.base, s);
    }
    this.#usdRef = new Int32Array(this.cap).fill(-1);
    for (let s = 0; s < ctx.registry.size; s++) {
      const m = ctx.registry.meta[s]!;
      if (m.kind === kKindBook) this.#usdRef[s] = kUsdQuotes.has(m.quote) ? -2 : (ref.get(m.quote) ?? -1);
    }
  }

  /** USD per unit of a book's quote asset (NaN while unknown). */
  quoteUsd(slot: number): number {
    const ref = this.#usdRef[slot]!;
    if (ref === -2) return 1;
    if (ref < 0) return NaN;
    this.ctx.view.read2(ref, kBid, kAsk, this.#q);
    return 0.5 * (this.#q[0]! + this.#q[1]!);
  }

  /** The ask of a book (its current top). */
  ask(slot: number): number {
    this.ctx.view.read2(slot, kBid, kAsk, this.#q);
    return this.#q[1]!;
  }

  /** A sightings table for one kind (re-deciding an open opportunity past agents.arbitrage.redecideStepPct). */
  sightings(): Sightings {
    const s = new Sightings(this.ctx.view);
    s.stepPct = this.ctx.config.agents.arbitrage.redecideStepPct;
    return s;
  }

  /** Risk gates shared by every kind: execution risk, then the instruments' composite risk. */
  gate(execRisk: number, slots: Int32Array, n: number): Verdict | null {
    if (execRisk > kMaxExecutionRisk) return { status: 'rejected', reason: `execution risk ${execRisk.toFixed(2)} above ${kMaxExecutionRisk}` };
    let worst = -Infinity;
    for (let k = 0; k < n; k++) { const v = this.ctx.risk.riskOf(slots[k]!); if (v > worst) worst = v; }
    if (worst > kMaxInstrumentRisk) return { status: 'rejected', reason: `instrument risk ${worst.toFixed(1)}/10 above ${kMaxInstrumentRisk}` };
    return null;
  }

  /** Rejects a flat arbitrage that would trade a quote an earlier fill already took (paper_executor.ts). */
  taken(slots: Int32Array, n: number): Verdict | null {
    const s = this.ctx.portfolio.takenLeg(slots, n);
    if (s < 0) return null;
    return { status: 'rejected', reason: `${this.ctx.registry.meta[s]!.key}: its quote was already taken by an earlier fill; waiting for a new one` };
  }

  /** The size after the risk assessor's max positions of the slots and the hard limit. */
  capSize(sizeUsd: number, slots: Int32Array, n: number): number {
    let s = Math.min(sizeUsd, this.ctx.config.limits.maxPositionUsd);
    for (let k = 0; k < n; k++) s = Math.min(s, this.ctx.risk.maxPositionOf(slots[k]!));
    return s > 0 ? s : 0;
  }
}
