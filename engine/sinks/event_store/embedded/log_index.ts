// The embedded log's in-memory index, rebuilt by scanning the file on open: the file offset of
// every event (by position) and the positions of each stream's events (by revision). 8 bytes per
// event for the offsets and 8 per event in its stream's list: about 16 MB per million events.
// Arrays grow by doubling; nothing is allocated per event once they are large enough.

class GrowableArray {
  a: Float64Array;
  length = 0;
  constructor(capacity = 64) { this.a = new Float64Array(capacity); }
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
}

export class LogIndex {
  /** offsets.a[p]: file offset of the event at position p. */
  readonly offsets = new GrowableArray(1024);
  readonly #streams = new Map<string, GrowableArray>();

  /** Number of events indexed (the next position). */
  get count(): number { return this.offsets.length; }

  add(stream: string, offset: number): void {
    let s = this.#streams.get(stream);
    if (!s) {
      s = new GrowableArray(16);
      this.#streams.set(stream, s);
    }
    s.push(this.offsets.length);
    this.offsets.push(offset);
  }

  /** Revision of the stream's last indexed event, or -1. */
  lastRevision(stream: string): number {
    const s = this.#streams.get(stream);
    return s ? s.length - 1 : -1;
  }

  /** Positions of the stream's events (index = revision), and how many of them are below `limit`. */
  stream(stream: string, limit: number): { positions: Float64Array; count: number } | null {
    const s = this.#streams.get(stream);
    if (!s) return null;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s.a[mid] < limit) lo = mid + 1; else hi = mid;
    }
    return lo === 0 ? null : { positions: s.a, count: lo };
  }
}
