// How old an input may be before the arbitrage detector treats it as stale, per instrument:
//  - the venue's own limit when `arbitrage.maxQuoteAgeUsByVenue` names it (books and pools alike),
//    else maxQuoteAgeUs for a book and maxPoolAgeUs for an AMM pool;
//  - with `arbitrage.quoteAgeIntervals` = k > 0, at least k times the instrument's observed mean
//    update interval (input_clock.ts), so a feed with a one-minute cadence is not stale between
//    its own updates while a fast feed keeps the tight limit.
// Built once; maxAgeUs() allocates nothing.
import { kKindAmm } from '../../../protocol/layout.ts';
import type { RegistrySnapshot } from '../../../protocol/registry.ts';
import type { AgentConfig } from '../config.ts';
import type { InputClock } from './input_clock.ts';
import type { Fields } from '../../../protocol/snapshot.ts';

export class QuoteAges {
  readonly #base: Float64Array; // slot → its venue's (or kind's) max age, µs
  readonly #k: number;
  readonly #clock: InputClock;

  constructor(registry: RegistrySnapshot, cfg: AgentConfig, clock: InputClock) {
    const a = cfg.arbitrage;
    this.#clock = clock;
    this.#k = a.quoteAgeIntervals;
    this.#base = new Float64Array(registry.capacity).fill(a.maxQuoteAgeUs);
    for (let s = 0; s < registry.size; s++) {
      const m = registry.meta[s]!;
      const v = a.maxQuoteAgeUsByVenue[m.venue];
      this.#base[s] = v !== undefined ? v : m.kind === kKindAmm ? a.maxPoolAgeUs : a.maxQuoteAgeUs;
    }
  }

  /**
   * out[slot] = times[at] + maxAgeUs(slot): until when an input quoted at times[at] is fresh (for
   * a hot caller: a double passed to or returned from a call V8 does not inline is boxed).
   */
  writeFreshUntil(slot: number, times: Float64Array, at: number, out: Float64Array): void {
    const base = this.#base[slot]!;
    let age = base;
    if (this.#k > 0) {
      const g = this.#clock.observedGapUs(slot);
      if (g === g && this.#k * g > base) age = this.#k * g;
    }
    out[slot] = times[at]! + age;
  }

  /** The max age of slot's input (µs). */
  maxAgeUs(slot: number): number {
    const base = this.#base[slot]!;
    if (this.#k > 0) {
      const g = this.#clock.observedGapUs(slot);
      if (g === g && this.#k * g > base) return this.#k * g;
    }
    return base;
  }

  /**
   * Writes ts + maxAgeUs(slot) to out[i] (when slot's quote stops being fresh): for callers on the
   * per-tick path, where a double returned from a call that is not inlined is boxed on the heap.
   */
  freshUntil(slot: number, ts: Float64Array, tsAt: number, out: Float64Array, i: number): void {
    const base = this.#base[slot]!;
    let age = base;
    if (this.#k > 0) {
      const g = this.#clock.observedGapUs(slot);
      if (g === g && this.#k * g > base) age = this.#k * g;
    }
    out[i] = ts[tsAt]! + age;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('base', this.#base);
    v.r('k', this.#k);
    v.r('clock', this.#clock);
  }
}
