import type { Fields } from '../../protocol/snapshot.ts';
// A set of slots kept sorted in a preallocated Int32Array: membership, insertion and removal
// without allocating, and a stable ascending snapshot to iterate while members are removed.
export class SlotSet {
  readonly #member: Uint8Array;
  readonly #sorted: Int32Array;
  readonly #snapshot: Int32Array;
  #size = 0;

  constructor(capacity: number) {
    this.#member = new Uint8Array(capacity);
    this.#sorted = new Int32Array(capacity);
    this.#snapshot = new Int32Array(capacity);
  }

  get size(): number { return this.#size; }
  has(slot: number): boolean { return this.#member[slot] === 1; }

  add(slot: number): void {
    if (this.#member[slot] === 1) return;
    this.#member[slot] = 1;
    const a = this.#sorted;
    let i = this.#size++;
    while (i > 0 && a[i - 1]! > slot) { a[i] = a[i - 1]!; i--; }
    a[i] = slot;
  }

  delete(slot: number): void {
    if (this.#member[slot] !== 1) return;
    this.#member[slot] = 0;
    const a = this.#sorted;
    let i = 0;
    while (a[i] !== slot) i++;
    for (; i < this.#size - 1; i++) a[i] = a[i + 1]!;
    this.#size--;
  }

  /** Copies the members, ascending, into an internal array and returns their count; read with snapshotAt. */
  snapshot(): number {
    for (let i = 0; i < this.#size; i++) this.#snapshot[i] = this.#sorted[i]!;
    return this.#size;
  }
  snapshotAt(i: number): number { return this.#snapshot[i]!; }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('member', this.#member);
    v.r('sorted', this.#sorted);
    v.b('snapshot');
    this.#size = v.f('size', this.#size);
  }
}
