// What the arbitrage kinds share: the USD value of a book's quote currency, the risk gates every
// kind passes (execution risk, then the instruments' composite risk), the taken-quote check of the
// flat kinds, the size cap of the risk view and the hard limit, and scratch (no allocation per
// record).
import { kAsk, kBid, kKindBook } from '../../../protocol/layout.ts';
import { isStable, kUsdQuotes } from '../../../finance/tokens.ts';
import { StableMarks } from '../../../finance/stable_marks.ts';
import type { Verdict } from '../../types.ts';
import type { FusionContext } from '../fusion.ts';
import { kMaxExecutionRisk as kMaxExecutionRiskExported, kMaxInstrumentRisk } from '../risk_table.ts';
import { Sightings } from './sightings.ts';
import { QuoteUse } from './quote_use.ts';
import type { Fields } from '../../../protocol/snapshot.ts';

// NaN as a module constant: a double returned beside it stays unboxed (the global NaN boxes it).
const kNaN = NaN;

// A module-private copy: an optimized function that reads an imported binding holding a
// non-integer number allocates a heap number per read.
const kMaxExecutionRisk = kMaxExecutionRiskExported;
/** A flat arbitrage that fits in less than this share of its size is rejected as taken. */
const kMinFit = 0.01;

/**
 * What the risk gates and the fit say of a record, as a number: the verdict (with its text) is
 * made by ruling() only for a record that is decided — an open opportunity republished every cycle
 * is mostly not, and its rejection text would be thrown away.
 */
export const kPass = 0, kRuleExecRisk = 1, kRuleInstrumentRisk = 2, kRuleTaken = 3;

export class ArbitrageCommon {
  readonly ctx: FusionContext;
  readonly cap: number;
  /** Legs of the record being decided (scratch: read before the next record). */
  readonly legs = new Int32Array(4);
  /** Side of each leg's quote it takes (0: the bid, a sell; 1: the ask, a buy). Scratch as legs. */
  readonly sides = new Int32Array(4);
  /** After fit(): the share (0..1] of the size the legs' quotes still offer. */
  scale = 1;
  /** The last rejection fit() returned (to count it as a taken quote). */
  lastFitRejection: Verdict | null = null;
  readonly quotes: QuoteUse;
  readonly #usdRef: Int32Array; // book slot → USD-quoted book of its quote asset (-2: quote is USD or a stablecoin)
  readonly #quoteMark: Int32Array; // book slot → stablecoin (marks) of its quote, or of its reference book's quote; -1 fiat USD
  readonly marks: StableMarks;
  readonly #q = new Float64Array(2);
  /**
   * Numbers handed to gateCode() and fitCode() (num[0]: the execution risk, num[1]: the size in
   * USD): a call V8 does not inline boxes each double argument.
   */
  readonly num = new Float64Array(2);
  /** slot → fit()'s rejection naming it (made at its first use: one text per instrument, not per decision). */
  readonly #taken: (Verdict | null)[];
  /** The figure the last gateCode() / fitCode() rejection names: the execution risk, the worst instrument risk, the taken slot. */
  #ruled = 0;

  constructor(ctx: FusionContext) {
    this.ctx = ctx;
    this.cap = ctx.registry.capacity;
    this.quotes = new QuoteUse(ctx.view, this.cap);
    // USD reference book per asset: the first book that quotes it in USD or a stablecoin; a
    // stablecoin is worth its mark (finance/stable_marks.ts), the same the agents use
    this.marks = new StableMarks(ctx.view, ctx.registry);
    const ref = new Map<string, number>();
    for (let s = 0; s < ctx.registry.size; s++) {
      const m = ctx.registry.meta[s]!;
      if (m.kind === kKindBook && kUsdQuotes.has(m.quote) && !isStable(m.base) && !ref.has(m.base)) ref.set(m.base, s);
    }
    this.#usdRef = new Int32Array(this.cap).fill(-1);
    this.#quoteMark = new Int32Array(this.cap).fill(-1);
    this.#taken = new Array<Verdict | null>(this.cap).fill(null);
    for (let s = 0; s < ctx.registry.size; s++) {
      const m = ctx.registry.meta[s]!;
      if (m.kind !== kKindBook) continue;
      const stable = isStable(m.quote);
      this.#usdRef[s] = stable ? -2 : (ref.get(m.quote) ?? -1);
      const via = stable ? m.quote : this.#usdRef[s]! >= 0 ? ctx.registry.meta[this.#usdRef[s]!]!.quote : '';
      this.#quoteMark[s] = this.marks.indexOf(via);
    }
  }

  /** USD per unit of a book's quote asset (NaN while unknown); a stablecoin at its mark. */
  quoteUsd(slot: number): number {
    const ref = this.#usdRef[slot]!;
    const st = this.#quoteMark[slot]!;
    const mark = st >= 0 ? this.marks.compute(st) : 1;
    if (ref === -2) return mark;
    if (ref < 0) return kNaN;
    this.ctx.view.read2(ref, kBid, kAsk, this.#q);
    return 0.5 * (this.#q[0]! + this.#q[1]!) * mark;
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
    this.num[0] = execRisk;
    return this.ruling(this.gateCode(slots, n));
  }

  /** gate() of the execution risk in num[0], as a code (kPass, kRuleExecRisk, kRuleInstrumentRisk); ruling() makes its verdict. */
  gateCode(slots: Int32Array, n: number): number {
    const execRisk = this.num[0]!;
    if (execRisk > kMaxExecutionRisk) { this.#ruled = execRisk; return kRuleExecRisk; }
    let worst = -Infinity;
    for (let k = 0; k < n; k++) { const v = this.ctx.risk.riskOf(slots[k]!); if (v > worst) worst = v; }
    if (worst > kMaxInstrumentRisk) { this.#ruled = worst; return kRuleInstrumentRisk; }
    return kPass;
  }

  /**
   * How much of the size in num[1] (USD) the legs' current quotes still offer after earlier fills
   * took their part (quote_use.ts): sets `scale` (≤ 1). kRuleTaken when almost nothing is left of
   * a leg's quote (ruling() makes the verdict), else kPass.
   */
  fitCode(slots: Int32Array, sides: Int32Array, n: number): number {
    const sizeUsd = this.num[1]!;
    let scale = 1, worst = -1;
    for (let k = 0; k < n; k++) {
      const s = slots[k]!;
      const left = this.quotes.remainingUsd(s, sides[k]!, this.quoteUsd(s));
      const f = sizeUsd > 0 ? left / sizeUsd : 1;
      if (f < scale) { scale = f; worst = s; }
    }
    this.scale = scale > 0 ? scale : 0;
    if (scale >= kMinFit) return kPass;
    this.#ruled = worst;
    return kRuleTaken;
  }

  /**
   * The verdict of the last gateCode() / fitCode() answer `code` (null for kPass). A taken quote's
   * rejection is made once per instrument and is `lastFitRejection` afterwards.
   */
  ruling(code: number): Verdict | null {
    if (code === kPass) return null;
    const x = this.#ruled;
    if (code === kRuleExecRisk) return { status: 'rejected', reason: `execution risk ${x.toFixed(2)} above ${kMaxExecutionRisk}` };
    if (code === kRuleInstrumentRisk) return { status: 'rejected', reason: `instrument risk ${x.toFixed(1)}/10 above ${kMaxInstrumentRisk}` };
    let v = this.#taken[x]!;
    if (v === null) {
      v = { status: 'rejected', reason: `${this.ctx.registry.meta[x]!.key}: its quote was already taken by earlier fills; waiting for a new one` };
      this.#taken[x] = v;
    }
    this.lastFitRejection = v;
    return v;
  }

  /** A fill of num[1] USD used that much of each leg's quote. */
  use(slots: Int32Array, sides: Int32Array, n: number): void {
    const sizeUsd = this.num[1]!;
    for (let k = 0; k < n; k++) this.quotes.use(slots[k]!, sides[k]!, sizeUsd);
  }

  /** The size after the risk assessor's max positions of the slots and the hard limit. */
  capSize(sizeUsd: number, slots: Int32Array, n: number): number {
    let s = Math.min(sizeUsd, this.ctx.config.limits.maxPositionUsd);
    for (let k = 0; k < n; k++) s = Math.min(s, this.ctx.risk.maxPositionOf(slots[k]!));
    return s > 0 ? s : 0;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('ctx');
    v.r('cap', this.cap);
    v.r('legs', this.legs);
    v.r('sides', this.sides);
    this.scale = v.f('scale', this.scale);
    this.lastFitRejection = v.f('lastFitRejection', this.lastFitRejection);
    v.r('quotes', this.quotes);
    v.r('usdRef', this.#usdRef);
    v.r('quoteMark', this.#quoteMark);
    v.r('marks', this.marks);
    v.r('q', this.#q);
    v.r('taken', this.#taken);
    this.#ruled = v.f('ruled', this.#ruled);
    v.r('num', this.num);
  }
}
