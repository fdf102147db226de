// The record's trigger rules: price updates trigger above minPriceChangeThreshold (percent, since
// the slot last triggered), yield updates above minAPYChangeThreshold (percentage points), large
// liquidations and governance events trigger, and the high-impact kinds always trigger.
import type { TriggerConfig } from './options.ts';
import { kTapeF0, kTapeSlot, kTapeType, kTapeWidth } from '../protocol/tape.ts';
import { isHighImpact, kTypeGovernance, kTypeLiquidation, kTypePool, kTypePrice, kTypeYield } from '../protocol/events.ts';

export class Trigger {
  readonly #last: Float64Array; // slot → mid (or pool price / APY) when it last triggered
  readonly #priceFrac: number;
  readonly #apyPoints: number;
  readonly #minLiqUsd: number;

  constructor(capacity: number, cfg: TriggerConfig) {
    this.#last = new Float64Array(capacity).fill(NaN);
    this.#priceFrac = cfg.minPriceChangeThreshold / 100;
    this.#apyPoints = cfg.minAPYChangeThreshold;
    this.#minLiqUsd = cfg.minLiquidationUsd;
  }

  /** Whether the tape row starts a cycle. Updates the reference value when it does. */
  fires(tape: Float64Array, row: number): boolean {
    const o = row * kTapeWidth;
    const type = tape[o + kTapeType]!;
    const slot = tape[o + kTapeSlot]!;
    const f = o + kTapeF0;
    switch (type) {
      case kTypePrice:
        return this.#moved(slot, 0.5 * (tape[f]! + tape[f + 1]!));
      case kTypePool:
        return this.#moved(slot, tape[f + 6]!);
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

  #moved(slot: number, price: number): boolean {
    const last = this.#last[slot]!;
    if (last === last && Math.abs(price / last - 1) < this.#priceFrac) return false;
    this.#last[slot] = price;
    return true;
  }
}
