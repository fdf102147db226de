// The tape: decoded events in a preallocated Float64Array, one fixed-width row per event.
// Decoding (JSON, validation, registry look-up) happens once when a fixture is loaded or a Kafka
// batch arrives; replaying a tape into the state allocates nothing.

export const kTapeTs = 0; // event time, µs since the Unix epoch
export const kTapeType = 1; // event type code (engine/types.ts)
export const kTapeSlot = 2; // instrument slot
export const kTapeF0 = 3; // first of kTapeFields type-specific values
export const kTapeFields = 12;
export const kTapeLine = kTapeF0 + kTapeFields; // 15: source line / offset (for audit)
export const kTapeWidth = 16; // 128 bytes: two cache lines per event

export class Tape {
  #rows: Float64Array;
  #length = 0;

  constructor(initialRows = 1024) {
    this.#rows = new Float64Array(Math.max(1, initialRows) * kTapeWidth);
  }

  get length(): number { return this.#length; }
  get rows(): Float64Array { return this.#rows; }
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
    return row;
  }

  /** Drops the last row (a decode that failed after push). */
  pop(): void { if (this.#length > 0) this.#length--; }

  /** Empties the tape, keeping its memory (a reused batch buffer). */
  reset(): void { this.#length = 0; }

  ts(row: number): number { return this.#rows[row * kTapeWidth + kTapeTs]!; }
  type(row: number): number { return this.#rows[row * kTapeWidth + kTapeType]!; }
  slot(row: number): number { return this.#rows[row * kTapeWidth + kTapeSlot]!; }
}
