import type { Fields } from '../../../protocol/snapshot.ts';
// How often each input updates, for the estimated duration of an opportunity: an exponentially
// weighted mean of the gaps between a slot's updates (event time). An opportunity lasts until one
// of its inputs is re-quoted (re-quotes close injected dislocations and real ones alike); with
// independent exponential gaps of means g₁ … gₙ the first re-quote comes after 1/Σ(1/gᵢ) on average.

const kGapWeight = 0.1; // weight of the newest gap
/** Gap assumed for a slot seen fewer than two times (µs). */
// (gapUs returns a module-private copy: a double returned beside an exported binding is boxed)
const kUnknownGap = 1_000_000;
export const kUnknownGapUs = kUnknownGap;

export class InputClock {
  readonly #lastTs: Float64Array;
  readonly #gap: Float64Array;
  readonly #arg = new Float64Array(1);

  constructor(capacity: number) {
    this.#lastTs = new Float64Array(capacity).fill(NaN);
    this.#gap = new Float64Array(capacity).fill(NaN);
  }

  /** Notes an update of `slot` at event time ts (µs); repeated times are ignored. */
  note(slot: number, ts: number): void {
    this.#arg[0] = ts;
    this.noteAt(slot, this.#arg, 0);
  }

  /** note() with the time read from at[i]: a double passed as an argument may be boxed on the heap. */
  noteAt(slot: number, at: Float64Array, i: number): void {
    const ts = at[i]!;
    const last = this.#lastTs[slot]!;
    if (ts === last) return;
    this.#lastTs[slot] = ts;
    if (!(last === last) || !(ts > last)) return;
    const gap = ts - last;
    const g = this.#gap[slot]!;
    this.#gap[slot] = g === g ? g + kGapWeight * (gap - g) : gap;
  }

  /** Mean gap between updates of `slot` (µs), NaN until it has been seen twice. */
  observedGapUs(slot: number): number { return this.#gap[slot]!; }

  /** Mean gap between updates of `slot` (µs). */
  gapUs(slot: number): number {
    const g = this.#gap[slot]!;
    return g === g ? g : kUnknownGap;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('lastTs', this.#lastTs);
    v.r('gap', this.#gap);
    v.r('arg', this.#arg);
  }
}

/** Expected time to the first update among gaps g₁ … gₙ: 1/Σ(1/gᵢ), in seconds (inputs in µs). */
export function firstUpdateS(rateSumPerUs: number): number {
  return rateSumPerUs > 0 ? 1e-6 / rateSumPerUs : 0;
}
