// The risk assessor's per-slot view as consolidation applies it: each instrument's composite risk
// and max position (its result region's table), and the limits every fusion holds actions to.
import type { LimitsConfig } from '../options.ts';
import { kRiskTableMaxPositionUsd, kRiskTableScore } from '../../protocol/records.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { Fields } from '../../protocol/snapshot.ts';

// NaN as a module constant: a double returned beside it stays unboxed (the global NaN boxes it).
const kNaN = NaN;

/** Arbitrage whose execution risk (0..1) is above this is not kept. */
export const kMaxExecutionRisk = 0.8;
/** Instruments whose composite risk (0..10) is above this are not traded. */
export const kMaxInstrumentRisk = 8;

export class RiskTable {
  readonly #table: Float64Array | null;
  readonly #cap: number;
  readonly #limits: LimitsConfig;
  /**
   * Set while a cycle is consolidated without the risk assessor's result (its thread died): its
   * table may be half written, so no instrument has a risk score and none a position above zero.
   */
  missing = false;

  /** `risk`: the risk assessor's reader (absent: no risk view; the hard limits apply alone). */
  constructor(risk: ResultReader | undefined, capacity: number, limits: LimitsConfig) {
    this.#table = risk ? risk.arrays.table : null;
    this.#cap = capacity;
    this.#limits = limits;
  }

  /** The composite risk 0..10 of a slot (NaN without a risk view). */
  riskOf(slot: number): number {
    return this.#table && !this.missing ? this.#table[kRiskTableScore * this.#cap + slot]! : kNaN;
  }

  /** The max position (USD) of a slot: the hard limit without a risk view, 0 where the view has none. */
  maxPositionOf(slot: number): number {
    if (!this.#table) return this.#limits.maxPositionUsd;
    if (this.missing) return 0;
    const v = this.#table[kRiskTableMaxPositionUsd * this.#cap + slot]!;
    return v === v ? v : 0;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('table');
    v.r('cap', this.#cap);
    v.r('limits', this.#limits);
    this.missing = v.f('missing', this.missing);
  }
}
