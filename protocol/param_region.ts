// An agent's parameter region (layout.ts, "Agent parameter region"): the main thread is its only
// writer, at cycle boundaries; the agent reads it at the start of each cycle under the sequence
// lock. A swap is one write of a version and its parameters: no message, nothing per tick.
import { kParamHeaderInt32, kParamRegionBytes, kParamSeq, kParamValuesF64, kParamVersion } from './layout.ts';
import type { Fields } from './snapshot.ts';

export function allocateParamRegion(): SharedArrayBuffer {
  return new SharedArrayBuffer(kParamRegionBytes);
}

/** The main thread's side: installs a version and its parameters at once. */
export class ParamRegionWriter {
  readonly #ctl: Int32Array;
  readonly #values: Float64Array;

  constructor(buffer: SharedArrayBuffer) {
    this.#ctl = new Int32Array(buffer, 0, kParamHeaderInt32);
    this.#values = new Float64Array(buffer, kParamHeaderInt32 * 4, kParamValuesF64);
  }

  /** Writes `version` with `values` (at most kParamValuesF64; the rest are zeroed). */
  write(version: number, values: ArrayLike<number>): void {
    if (!Number.isInteger(version) || version < 0 || version > 0x7fffffff) throw new RangeError(`parameter version must be a non-negative integer, got ${version}`);
    if (values.length > kParamValuesF64) throw new RangeError(`at most ${kParamValuesF64} parameters fit the region, got ${values.length}`);
    Atomics.add(this.#ctl, kParamSeq, 1); // odd: a write is in progress
    for (let k = 0; k < kParamValuesF64; k++) this.#values[k] = k < values.length ? values[k]! : 0;
    Atomics.store(this.#ctl, kParamVersion, version);
    Atomics.add(this.#ctl, kParamSeq, 1); // even again: the new version is whole
  }

  get version(): number { return Atomics.load(this.#ctl, kParamVersion); }
}

/** The agent's side: refresh() at the start of a cycle copies the region when it changed. */
export class ParamRegionReader {
  readonly #ctl: Int32Array;
  readonly #shared: Float64Array;
  /** The parameters of `version`, a private copy (stable for the whole cycle). */
  readonly values = new Float64Array(kParamValuesF64);
  version = 0;
  #seq = 0;
  /** Reads that found a write in progress and read again. */
  retries = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#ctl = new Int32Array(buffer, 0, kParamHeaderInt32);
    this.#shared = new Float64Array(buffer, kParamHeaderInt32 * 4, kParamValuesF64);
  }

  /** Copies the newest whole version if the region changed since the last call. Returns the version. No allocation. */
  refresh(): number {
    const ctl = this.#ctl;
    for (;;) {
      const s = Atomics.load(ctl, kParamSeq);
      if (s === this.#seq) return this.version; // unchanged
      if ((s & 1) === 1) { this.retries++; continue; } // a write in progress (a few stores long)
      const v = Atomics.load(ctl, kParamVersion);
      for (let k = 0; k < kParamValuesF64; k++) this.values[k] = this.#shared[k]!;
      if (Atomics.load(ctl, kParamSeq) !== s) { this.retries++; continue; }
      this.#seq = s;
      this.version = v;
      return v;
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('ctl');
    v.b('shared');
    v.r('values', this.values);
    this.version = v.f('version', this.version);
    this.#seq = v.f('seq', this.#seq);
    this.retries = v.f('retries', this.retries);
  }
}
