// The main thread's lock-free reads of an agent's result region.
import { kRecordWidth, kResCount0, kResCycle, kResEpoch, kResErrors } from './layout.ts';
import { ResultArrays, type ResultRegionBuffers } from './result_region.ts';
import type { Fields } from './snapshot.ts';

export class ResultReader {
  readonly name: string;
  readonly arrays: ResultArrays;
  /** After read(): records of the published cycle start at records[offset], count of them. */
  offset = 0;
  count = 0;
  cycle = 0;
  epoch = 0;

  constructor(name: string, region: ResultRegionBuffers) {
    this.name = name;
    this.arrays = new ResultArrays(region);
    this.records = new Float64Array(region.maxRecords * kRecordWidth);
  }

  /** A copy of the published records, taken by read(); consolidation reads this, never the bank. */
  readonly records: Float64Array;

  /**
   * Copies the newest published cycle's records into `records` (offset 0). Lockstep reads after
   * the agent finished, so the bank is stable. In realtime the agent may write the other bank
   * meanwhile, which is fine; if it published twice during the copy (our bank reused), the copy
   * is taken again.
   */
  read(): void {
    const h = this.arrays.header;
    const src = this.arrays.records;
    const dst = this.records;
    for (;;) {
      const cycle = Atomics.load(h, kResCycle);
      const bank = cycle & 1;
      const count = Atomics.load(h, kResCount0 + bank);
      const from = bank * this.arrays.maxRecords * kRecordWidth;
      const n = count * kRecordWidth;
      for (let i = 0; i < n; i++) dst[i] = src[from + i]!;
      this.epoch = Atomics.load(h, kResEpoch);
      if (Atomics.load(h, kResCycle) - cycle < 2) {
        this.cycle = cycle;
        this.count = count;
        this.offset = 0;
        return;
      }
    }
  }

  /** True while the bank read by read() has not been rewritten. */
  stable(): boolean {
    return Atomics.load(this.arrays.header, kResCycle) - this.cycle < 2;
  }

  errors(): number { return Atomics.load(this.arrays.header, kResErrors); }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('name', this.name);
    v.r('arrays', this.arrays);
    this.offset = v.f('offset', this.offset);
    this.count = v.f('count', this.count);
    this.cycle = v.f('cycle', this.cycle);
    this.epoch = v.f('epoch', this.epoch);
    v.r('records', this.records);
  }
}
