// An agent's result region: the agent thread is its only writer; the main thread reads it.
// Shapes and offsets come from layout.ts.
import {
  kRecAux, kRecKind, kRecordWidth, kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecSlotB, kRecValue, kResCount0, kResCycle,
  kResEpoch, kResHeaderInt32, kResMetricsF64, resultRegionLayout, type ResultRegionShape,
} from './layout.ts';
import { allocateParamRegion } from './param_region.ts';
import { registerBound, type Fields } from './snapshot.ts';

export interface ResultRegionBuffers extends ResultRegionShape {
  buffer: SharedArrayBuffer;
  /** The agent's parameter region (param_region.ts): written by the main thread, read by the agent; it travels with the results. */
  params: SharedArrayBuffer;
}

export function allocateResultRegion(shape: ResultRegionShape): ResultRegionBuffers {
  const l = resultRegionLayout(shape);
  return { ...shape, buffer: new SharedArrayBuffer(l.bytes), params: allocateParamRegion() };
}

/** Typed views over one region (built once per thread). */
export class ResultArrays {
  readonly header: Int32Array;
  readonly metrics: Float64Array;
  readonly records: Float64Array; // two banks of maxRecords × kRecordWidth
  readonly table: Float64Array; // tableWidth columns × capacity, column-major
  readonly maxRecords: number;
  readonly tableWidth: number;
  readonly capacity: number;

  constructor(r: ResultRegionBuffers) {
    const l = resultRegionLayout(r);
    this.header = new Int32Array(r.buffer, l.headerOffset, kResHeaderInt32);
    this.metrics = new Float64Array(r.buffer, l.metricsOffset, kResMetricsF64);
    this.records = new Float64Array(r.buffer, l.recordsOffset, 2 * r.maxRecords * kRecordWidth);
    this.table = new Float64Array(r.buffer, l.tableOffset, r.tableWidth * r.capacity);
    this.maxRecords = r.maxRecords;
    this.tableWidth = r.tableWidth;
    this.capacity = r.capacity;
  }

}

/** The agent's side: fill a bank with records, then publish count, epoch and cycle. */
export class ResultWriter {
  readonly arrays: ResultArrays;
  #bank = 0;
  #count = 0;
  #overflow = 0;
  /**
   * The numbers of the next record for pushNext(), at their record indices (kRecScore, kRecValue,
   * kRecSize, kRecRisk, kRecAux): a hot caller writes them here instead of passing them to push()
   * (a call V8 does not inline boxes each double argument, 16 B apiece).
   */
  readonly next = new Float64Array(kRecordWidth);

  constructor(r: ResultRegionBuffers) {
    this.arrays = new ResultArrays(r);
  }

  begin(cycle: number): void {
    this.#bank = cycle & 1;
    this.#count = 0;
  }

  get count(): number { return this.#count; }
  get overflow(): number { return this.#overflow; }

  /** Appends one record; false (and counted) when the bank is full. */
  push(kind: number, slotA: number, slotB: number, score: number, value: number, size: number, risk: number, aux: number): boolean {
    if (this.#count >= this.arrays.maxRecords) {
      this.#overflow++;
      return false;
    }
    const r = this.arrays.records;
    const o = (this.#bank * this.arrays.maxRecords + this.#count) * kRecordWidth;
    r[o + kRecKind] = kind; r[o + kRecSlotA] = slotA; r[o + kRecSlotB] = slotB; r[o + kRecScore] = score;
    r[o + kRecValue] = value; r[o + kRecSize] = size; r[o + kRecRisk] = risk; r[o + kRecAux] = aux;
    this.#count++;
    return true;
  }

  /** push(kind, slotA, slotB, …) with the other five numbers taken from `next`. */
  pushNext(kind: number, slotA: number, slotB: number): boolean {
    if (this.#count >= this.arrays.maxRecords) {
      this.#overflow++;
      return false;
    }
    const r = this.arrays.records, n = this.next;
    const o = (this.#bank * this.arrays.maxRecords + this.#count) * kRecordWidth;
    r[o + kRecKind] = kind; r[o + kRecSlotA] = slotA; r[o + kRecSlotB] = slotB; r[o + kRecScore] = n[kRecScore]!;
    r[o + kRecValue] = n[kRecValue]!; r[o + kRecSize] = n[kRecSize]!; r[o + kRecRisk] = n[kRecRisk]!; r[o + kRecAux] = n[kRecAux]!;
    this.#count++;
    return true;
  }

  /** Per-slot table cell (column-major). */
  setTable(col: number, slot: number, v: number): void {
    this.arrays.table[col * this.arrays.capacity + slot] = v;
  }

  publish(cycle: number, epoch: number): void {
    const h = this.arrays.header;
    Atomics.store(h, kResCount0 + this.#bank, this.#count);
    Atomics.store(h, kResEpoch, epoch);
    Atomics.store(h, kResCycle, cycle);
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('arrays', this.arrays);
    this.#bank = v.f('bank', this.#bank);
    this.#count = v.f('count', this.#count);
    this.#overflow = v.f('overflow', this.#overflow);
    v.r('next', this.next);
  }
}

registerBound(ResultArrays);
