// The record's trigger rules: price updates trigger above minPriceChangeThreshold (percent, since
// the slot last triggered), yield updates above minAPYChangeThreshold (percentage points), large
// liquidations and governance events trigger, and the high-impact kinds always trigger.
// A price or pool update on a leg of a watched arbitrage route (arb_wake.ts) that stays under the
// threshold still triggers when it completes a route that pays net of fees: the arbitrage detector
// needs every quote of its legs, the other agents keep their thresholds (such a wake does not move
// the slot's reference value): the cycle it starts is a wake (`wokenOnly`), in which only the
// arbitrage detector runs and only its fusion consolidates.
import type { TriggerConfig } from './options.ts';
import type { ArbWake } from './arb_wake.ts';
import { kTapeF0, kTapeSlot, kTapeTs, kTapeType, kTapeWidth } from '../protocol/tape.ts';
import { isHighImpact, kTypeGovernance, kTypeLiquidation, kTypePool, kTypePrice, kTypeYield } from '../protocol/events.ts';
import type { Fields } from '../protocol/snapshot.ts';

export class Trigger {
  readonly #last: Float64Array; // slot → mid (or pool price / APY) when it last triggered
  readonly #priceFrac: number;
  readonly #apyPoints: number;
  readonly #minLiqUsd: number;
  readonly #wake: ArbWake | null;
  readonly #isLeg: Uint8Array;
  /** Cycles started by a leg's sub-threshold change (cumulative). */
  legWakes = 0;
  /** After fires() returned true: whether only the arbitrage detector's leg wake fired (a wake-only cycle). */
  wokenOnly = false;

  constructor(capacity: number, cfg: TriggerConfig, wake: ArbWake | null = null) {
    this.#wake = wake;
    this.#isLeg = wake ? wake.isLeg : new Uint8Array(0);
    this.#last = new Float64Array(capacity).fill(NaN);
    this.#priceFrac = cfg.minPriceChangeThreshold / 100;
    this.#apyPoints = cfg.minAPYChangeThreshold;
    this.#minLiqUsd = cfg.minLiquidationUsd;
  }

  /** Whether the tape row starts a cycle. Updates the reference value when it does. */
  fires(tape: Float64Array, row: number): boolean {
    this.wokenOnly = false;
    const o = row * kTapeWidth;
    const type = tape[o + kTapeType]!;
    const slot = tape[o + kTapeSlot]!;
    const f = o + kTapeF0;
    switch (type) {
      case kTypePrice:
      case kTypePool: {
        // Inline, not through helpers: a double passed to (or returned from) a call that is not
        // inlined is boxed on the heap, and this runs for every tick.
        const price = type === kTypePrice ? 0.5 * (tape[f]! + tape[f + 1]!) : tape[f + 6]!;
        const last = this.#last[slot]!;
        let moved = true;
        if (last === last && Math.abs(price / last - 1) < this.#priceFrac) moved = false;
        else this.#last[slot] = price;
        return this.#legWake(slot, tape, o + kTapeTs, moved);
      }
      case kTypeYield: {
        const apy = tape[f]!;
        const last = this.#last[slot]!;
        if (last === last && Math.abs(apy - last) < this.#apyPoints) return false;
        this.#last[slot] = apy;
        return true;
      }
      case kTypeLiquidation:
        return tape[f]! >= this.#minLiqUsd;
      case kTypeGovernance:
        return true;
      default:
        return isHighImpact(type);
    }
  }

  /**
   * `moved`, or a leg of a watched route whose change completes a paying route (the state holds
   * the new quote). Every leg's update is shown to the watch (it remembers which routes paid).
   */
  #legWake(slot: number, tape: Float64Array, tsAt: number, moved: boolean): boolean {
    if (this.#isLeg[slot] !== 1) return moved;
    const wakes = this.#wake!.wakesAt(slot, tape, tsAt);
    if (moved) return true;
    if (wakes) { this.legWakes++; this.wokenOnly = true; }
    return wakes;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('last', this.#last);
    v.r('priceFrac', this.#priceFrac);
    v.r('apyPoints', this.#apyPoints);
    v.r('minLiqUsd', this.#minLiqUsd);
    v.r('wake', this.#wake);
    v.r('isLeg', this.#isLeg);
    this.legWakes = v.f('legWakes', this.legWakes);
    this.wokenOnly = v.f('wokenOnly', this.wokenOnly);
  }
}
