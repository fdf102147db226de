// The main thread's lock-free reads of an agent's result region.
import { kRecordWidth, kResCount0, kResCycle, kResEpoch, kResErrors } from '../state/layout.ts';
import { ResultArrays, type ResultRegionBuffers } from '../../workers/agents/result_region.ts';

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
  }

  /**
   * Takes the newest published cycle. Lockstep reads after the agent finished, so the bank is
   * stable; in realtime the agent may already write the other bank, which is fine, and if it
   * published twice meanwhile (our bank reused) the caller sees `stable() === false`.
   */
  read(): void {
    const h = this.arrays.header;
    const cycle = Atomics.load(h, kResCycle);
    const bank = cycle & 1;
    this.cycle = cycle;
    this.epoch = Atomics.load(h, kResEpoch);
    this.count = Atomics.load(h, kResCount0 + bank);
    this.offset = bank * this.arrays.maxRecords * kRecordWidth;
  }

  /** True while the bank read by read() has not been rewritten. */
  stable(): boolean {
    return Atomics.load(this.arrays.header, kResCycle) - this.cycle < 2;
  }

  errors(): number { return Atomics.load(this.arrays.header, kResErrors); }
}
