// Recording into the metrics block from any thread: one writer per region, so plain stores.
//
// Why plain Float64 stores and not Atomics: each slot has exactly one writer (its region's
// thread), so a read-modify-write `f[i] += v` cannot lose an update; the only concurrent access
// is the scrape reading the slot. An aligned 8-byte typed-array store is one machine store on
// x64 and arm64, so the reader sees the old or the new value, never a mix (the ECMAScript memory
// model promises this only for integer element types; V8 emits a single aligned 64-bit move
// for Float64 here). Atomics would need BigInt64 slots: `Atomics.add` on a BigInt64Array
// allocates a BigInt per call (about 10x the cost, and garbage on the hot path), while a plain
// Float64 add allocates nothing and counts exactly up to 2^53.
//
// Nothing here allocates, sends a message or calls prom-client. A writer for a disabled
// endpoint still writes into its block: a few nanoseconds, and no branch at the call site.
import { OptionError } from '../errors.ts';
import { BlockLayout, checkBlock, kSlotRejected, type HistogramSlot, type MetricsHandoff } from './block_layout.ts';

export class MetricsWriter {
  readonly layout: BlockLayout;
  readonly region: number;
  readonly #f: Float64Array;

  constructor(layout: BlockLayout, buffer: SharedArrayBuffer, region: number) {
    checkBlock(layout, buffer);
    if (!Number.isInteger(region) || region < 0 || region >= layout.writers) {
      throw new OptionError(`metrics region must be an integer in 0..${layout.writers - 1}, got ${String(region)}`);
    }
    this.layout = layout;
    this.region = region;
    this.#f = new Float64Array(buffer, region * layout.regionSlots * 8, layout.regionSlots);
  }

  /** Adds a non-negative finite amount to a counter slot (NaN, ±Inf and negatives are refused, counted). */
  add(slot: number, v: number): void {
    if (v >= 0 && v < Infinity) this.#f[slot] += v;
    else this.#f[kSlotRejected] += 1;
  }

  inc(slot: number): void {
    this.#f[slot] += 1;
  }

  /** Sets a gauge slot to a finite value (NaN and ±Inf are refused, counted). */
  set(slot: number, v: number): void {
    if (v - v === 0) this.#f[slot] = v;
    else this.#f[kSlotRejected] += 1;
  }

  /**
   * Records one finite observation: its bucket's count and the sum (NaN and ±Inf are refused,
   * counted). The bucket is found by binary search: six steps over the 37 default bounds. A lookup
   * indexed by the value's binary exponent (then a search within one octave) placed values
   * identically but measured within noise of this on our 2-core machines, so the plain search stays.
   */
  observe(h: HistogramSlot, v: number): void {
    if (v - v !== 0) {
      this.#f[kSlotRejected] += 1;
      return;
    }
    const b = h.bounds;
    let lo = 0;
    let hi = b.length; // lo = the first bound >= v, or b.length (+Inf) when none is
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= b[mid]) hi = mid;
      else lo = mid + 1;
    }
    const f = this.#f;
    f[h.at + lo] += 1;
    f[h.at + b.length + 1] += v;
  }

  /** Counts an observation a caller refused before recording (an out-of-range index, say). */
  reject(): void {
    this.#f[kSlotRejected] += 1;
  }
}

/** Opens the writer a thread was handed at start. */
export function openWriter(h: MetricsHandoff): MetricsWriter {
  return new MetricsWriter(new BlockLayout(h.spec), h.buffer, h.region);
}
