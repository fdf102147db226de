// Reading the metrics block at scrape time (main thread): a series' total is the sum of its slot
// over every writer region. A histogram's count is the sum of its bucket counts, so `_count`
// always equals the `+Inf` bucket even while a writer is mid-observation; `_sum` may lag or lead
// the counts by the one observation in flight.
import { BlockLayout, checkBlock, kSlotRejected, type FamilyLayout } from '../../../protocol/metrics/block_layout.ts';

export interface HistogramTotals {
  /** Cumulative counts per bound (value <= bound), then +Inf. */
  readonly cumulative: Float64Array;
  readonly sum: number;
  readonly count: number;
}

export class BlockReader {
  readonly layout: BlockLayout;
  readonly #f: Float64Array;

  constructor(layout: BlockLayout, buffer: SharedArrayBuffer) {
    checkBlock(layout, buffer);
    this.layout = layout;
    this.#f = new Float64Array(buffer);
  }

  /** A slot summed over every region. */
  total(slot: number): number {
    const f = this.#f;
    const step = this.layout.regionSlots;
    let s = 0;
    for (let r = 0, at = slot; r < this.layout.writers; r++, at += step) s += f[at];
    return s;
  }

  /** Observations refused by writers (NaN, ±Inf, negative counter increments, bad indices). */
  rejected(): number {
    return this.total(kSlotRejected);
  }

  /** Series `i` of a counter or gauge family. */
  value(f: FamilyLayout, i: number): number {
    return this.total(this.layout.slotOf(f, i));
  }

  /** Series `i` of a histogram family, summed over regions. */
  histogram(f: FamilyLayout, i: number): HistogramTotals {
    const bounds = f.bounds;
    if (bounds === null) throw new TypeError(`${f.spec.name} is not a histogram`);
    const at = this.layout.slotOf(f, i);
    const cumulative = new Float64Array(bounds.length + 1);
    let acc = 0;
    for (let b = 0; b <= bounds.length; b++) {
      acc += this.total(at + b);
      cumulative[b] = acc;
    }
    return { cumulative, sum: this.total(at + bounds.length + 1), count: acc };
  }
}
