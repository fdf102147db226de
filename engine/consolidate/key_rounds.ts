import type { Fields } from '../../protocol/snapshot.ts';
// An open-addressing table from a numeric key to the last round it was seen in, preallocated and
// cleared (never grown) when it fills. Consolidation uses it to tell a new opportunity from one
// that stays open across cycles, without allocating per cycle.
export class KeyRounds {
  readonly #keys: Float64Array;
  readonly #rounds: Float64Array;
  readonly #mask: number;
  #used = 0;

  constructor(sizePow2 = 1 << 14) {
    this.#keys = new Float64Array(sizePow2).fill(-1);
    this.#rounds = new Float64Array(sizePow2);
    this.#mask = sizePow2 - 1;
  }

  /** Stores `round` for `key` (a non-negative integer) and returns the round stored before, or -1. */
  swap(key: number, round: number): number {
    const keys = this.#keys;
    let i = hash(key) & this.#mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key) {
        const prev = this.#rounds[i]!;
        this.#rounds[i] = round;
        return prev;
      }
      if (k === -1) {
        if (this.#used * 2 >= keys.length) { // full enough: forget everything (rare), then insert
          this.clear();
          return this.swap(key, round);
        }
        keys[i] = key;
        this.#rounds[i] = round;
        this.#used++;
        return -1;
      }
      i = (i + 1) & this.#mask;
    }
  }

  clear(): void {
    this.#keys.fill(-1);
    this.#used = 0;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('keys', this.#keys);
    v.r('rounds', this.#rounds);
    v.r('mask', this.#mask);
    this.#used = v.f('used', this.#used);
  }
}

function hash(k: number): number {
  const lo = k >>> 0;
  const hi = (k / 4294967296) >>> 0;
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0;
}
