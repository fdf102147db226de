// The tape: decoded events in a preallocated Float64Array, one fixed-width row per event.
// Decoding (JSON, validation, registry look-up) happens once when a fixture is loaded or a Kafka
// batch arrives; replaying a tape into the state allocates nothing.
import { kTypePool, kTypePrice } from './events.ts';
import type { Fields } from './snapshot.ts';

export const kTapeTs = 0; // event time, µs since the Unix epoch
export const kTapeType = 1; // event type code (events.ts)
export const kTapeSlot = 2; // instrument slot
export const kTapeF0 = 3; // first of kTapeFields type-specific values
export const kTapeFields = 12;
export const kTapeLine = kTapeF0 + kTapeFields; // 15: source line / offset (for audit)
export const kTapeWidth = 16; // 128 bytes: two cache lines per event
// price_update rows that carry book levels (`bids`/`asks`) reference them in the tape's side array
// (Tape.depth): offsets from kTapeF0. NaN in kTapePriceDepthRef means no levels.
export const kTapePriceDepthRef = 5; // index in Tape.depth of the first bid level's price
export const kTapePriceBidLevels = 6; // bid levels stored there: [price, size] pairs, best first
export const kTapePriceAskLevels = 7; // ask levels after them: [price, size] pairs, best first
// pool_update rows of a Uniswap V3 pool that carry a tick map (`ticks`) reference it the same way:
// [√P, liquidityNet] pairs, ascending by tick. NaN in kTapePoolTickRef means no tick map.
export const kTapePoolTickRef = 7;
export const kTapePoolTickCount = 8;

/**
 * The side-array values row `o` (its first index) references: writes [first index, count] into
 * out and returns the count (0 when the row references none). Book levels of a price_update, the
 * tick map of a pool_update.
 */
export function sideRange(rows: Float64Array, o: number, out: Float64Array): number {
  const type = rows[o + kTapeType]!, f = o + kTapeF0;
  let ref = NaN, count = 0;
  if (type === kTypePrice) {
    ref = rows[f + kTapePriceDepthRef]!;
    if (ref >= 0) count = 2 * (rows[f + kTapePriceBidLevels]! + rows[f + kTapePriceAskLevels]!);
  } else if (type === kTypePool) {
    ref = rows[f + kTapePoolTickRef]!;
    if (ref >= 0) count = 2 * rows[f + kTapePoolTickCount]!;
  }
  out[0] = ref;
  out[1] = count;
  return count;
}

/** Points row `o`'s side-array reference at `at` (after its values were copied there). */
export function setSideRef(rows: Float64Array, o: number, at: number): void {
  rows[o + kTapeF0 + (rows[o + kTapeType] === kTypePrice ? kTapePriceDepthRef : kTapePoolTickRef)] = at;
}

export class Tape {
  #rows: Float64Array;
  #length = 0;
  #depth: Float64Array;
  #depthLength = 0;
  #depthMark = 0; // #depthLength when the last row was pushed (pop() returns to it)

  constructor(initialRows = 1024) {
    this.#rows = new Float64Array(Math.max(1, initialRows) * kTapeWidth);
    this.#depth = new Float64Array(64);
  }

  get length(): number { return this.#length; }
  get rows(): Float64Array { return this.#rows; }
  /** The side array of book levels (kTapePriceDepthRef) and tick maps (kTapePoolTickRef) that rows reference. */
  get depth(): Float64Array { return this.#depth; }
  get capacityRows(): number { return this.#rows.length / kTapeWidth; }

  /** Reserves the next row (growing by doubling at load time) and returns its index. */
  push(): number {
    if ((this.#length + 1) * kTapeWidth > this.#rows.length) {
      const next = new Float64Array(this.#rows.length * 2);
      next.set(this.#rows);
      this.#rows = next;
    }
    const row = this.#length++;
    this.#rows.fill(NaN, row * kTapeWidth, (row + 1) * kTapeWidth);
    this.#depthMark = this.#depthLength;
    return row;
  }

  /**
   * Reserves `count` values of the depth side array for the row being decoded (growing by doubling
   * at load time) and returns the index of the first.
   */
  pushDepth(count: number): number {
    const at = this.#depthLength;
    if (at + count > this.#depth.length) {
      let size = this.#depth.length * 2;
      while (size < at + count) size *= 2;
      const next = new Float64Array(size);
      next.set(this.#depth.subarray(0, at));
      this.#depth = next;
    }
    this.#depthLength = at + count;
    return at;
  }

  /** Drops the last row (a decode that failed after push), with any levels it stored. */
  pop(): void {
    if (this.#length > 0) this.#length--;
    this.#depthLength = this.#depthMark;
  }

  /** Empties the tape, keeping its memory (a reused batch buffer). */
  reset(): void { this.#length = 0; this.#depthLength = 0; this.#depthMark = 0; }

  ts(row: number): number { return this.#rows[row * kTapeWidth + kTapeTs]!; }
  type(row: number): number { return this.#rows[row * kTapeWidth + kTapeType]!; }
  slot(row: number): number { return this.#rows[row * kTapeWidth + kTapeSlot]!; }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    this.#rows = v.f('rows', this.#rows);
    this.#length = v.f('length', this.#length);
    this.#depth = v.f('depth', this.#depth);
    this.#depthLength = v.f('depthLength', this.#depthLength);
    this.#depthMark = v.f('depthMark', this.#depthMark);
  }
}
