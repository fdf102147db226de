// The last N message ids, for de-duplication under at-least-once delivery: a Set for lookup and a
// ring of the same ids for eviction in arrival order. Bounded: memory is N ids whatever the rate.
export class RecentIds {
  readonly capacity: number;
  readonly #set = new Set<string>();
  readonly #ring: (string | undefined)[];
  #next = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#ring = new Array(capacity);
  }

  has(id: string): boolean {
    return this.#set.has(id);
  }

  /** True when the id is new (and now remembered); false when it was seen within the window. */
  add(id: string): boolean {
    if (this.#set.has(id)) return false;
    const old = this.#ring[this.#next];
    if (old !== undefined) this.#set.delete(old);
    this.#ring[this.#next] = id;
    this.#next = (this.#next + 1) % this.capacity;
    this.#set.add(id);
    return true;
  }

  get size(): number {
    return this.#set.size;
  }
}
