// Sightings of the open arbitrage opportunities: one entry per opportunity key (venue pair, cycle),
// preallocated, cleared (never grown) when it fills. Consolidation decides an opportunity when it
// opens (sighting 1), and again — sighting 2, 3, ... — while it stays open and has changed
// materially since it was last decided:
//  - a leg's quote was replaced (the slot's epoch, kEpoch, moved: a fresher quote, a taken one
//    renewed) and the opportunity would now pass the fusion's own ruling (risk gates, taken quotes);
//  - it was rejected and the cause has cleared (its ruling would now pass);
//  - its expected profit or its size grew by at least `redecideStepPct` percent.
// What is unchanged — or changed but still held by the same rejection — is not decided again
// (counted as de-duplicated). Nothing allocates per call.
import { kEpoch } from '../../../protocol/layout.ts';
import type { MarketView } from '../../../protocol/market_view.ts';
import type { Fields } from '../../../protocol/snapshot.ts';

const kLegs = 4;

/** The numbers of the opportunity that check() and unchanged() look at, in Sightings.args (written by the caller first). */
export const kSightKey = 0, kSightProfitUsd = 1, kSightSizeUsd = 2;

export class Sightings {
  readonly #view: MarketView;
  readonly #keys: Float64Array;
  readonly #round: Float64Array; // last consolidation round the key was seen in
  readonly #sighting: Int32Array; // sightings decided in the current opening
  readonly #epochs: Float64Array; // × kLegs: the legs' epochs at the last decision
  readonly #profit: Float64Array; // at the last decision
  readonly #size: Float64Array;
  readonly #rejected: Uint8Array; // the last decision was a rejection
  readonly #mask: number;
  readonly #e2 = new Float64Array(2);
  #used = 0;
  #at = -1; // entry of the last check()
  #step = 0.25;
  /**
   * The opportunity's key (< 2^53), profit and size for the next check() or unchanged(): numbers
   * in a Float64Array, not arguments (a call V8 does not inline boxes each double argument, and
   * consolidation asks this for every published record).
   */
  readonly args = new Float64Array(3);

  constructor(view: MarketView, sizePow2 = 1 << 14) {
    this.#view = view;
    this.#keys = new Float64Array(sizePow2).fill(-1);
    this.#round = new Float64Array(sizePow2);
    this.#sighting = new Int32Array(sizePow2);
    this.#epochs = new Float64Array(sizePow2 * kLegs);
    this.#profit = new Float64Array(sizePow2);
    this.#size = new Float64Array(sizePow2);
    this.#rejected = new Uint8Array(sizePow2);
    this.#mask = sizePow2 - 1;
  }

  /** The growth (percent of profit or size) that makes an open opportunity worth deciding again. */
  set stepPct(p: number) { this.#step = p / 100; }

  /**
   * Seen in round `rnd` with these legs, and the key, profit and size in `args`; `wouldPass`: its
   * ruling now is no rejection. Returns the sighting to decide (1: it opens), or 0 when it is
   * unchanged since it was last decided. After a non-zero answer the caller reports the verdict
   * with decided().
   */
  check(rnd: number, legs: Int32Array, n: number, wouldPass: boolean): number {
    const a = this.args;
    const key = a[kSightKey]!, profitUsd = a[kSightProfitUsd]!, sizeUsd = a[kSightSizeUsd]!;
    const i = this.#find();
    this.#at = i;
    const open = this.#keys[i] === key && this.#round[i] === rnd - 1;
    this.#round[i] = rnd;
    if (this.#keys[i] !== key) { this.#keys[i] = key; this.#used++; }
    const e = this.#epochs, o = i * kLegs, view = this.#view, e2 = this.#e2;
    let changed = !open;
    if (open) {
      const step = 1 + this.#step;
      if (profitUsd > this.#profit[i]! * step && profitUsd > 0) changed = true;
      else if (sizeUsd > this.#size[i]! * step && sizeUsd > 0) changed = true;
      else if (wouldPass) {
        if (this.#rejected[i] === 1) changed = true; // the cause cleared
        else {
          for (let k = 0; k < n; k++) {
            view.read2(legs[k]!, kEpoch, kEpoch, e2);
            if (e2[0] !== e[o + k]) { changed = true; break; } // a fresher quote
          }
        }
      }
    }
    if (!changed) return 0;
    this.#sighting[i] = open ? this.#sighting[i]! + 1 : 1;
    for (let k = 0; k < kLegs; k++) {
      if (k < n) { view.read2(legs[k]!, kEpoch, kEpoch, e2); e[o + k] = e2[0]!; } else e[o + k] = NaN;
    }
    this.#profit[i] = profitUsd;
    this.#size[i] = sizeUsd;
    return this.#sighting[i]!;
  }

  /**
   * The fast path, before the caller computes its ruling: true when the key is open, was not
   * rejected when last decided, and neither its legs' quotes nor its profit or size changed past
   * the step — then it is unchanged whatever its ruling (and marked seen in round `rnd`). False:
   * call check(). The key, profit and size are read from `args`.
   */
  unchanged(rnd: number, legs: Int32Array, n: number): boolean {
    const a = this.args;
    const key = a[kSightKey]!, profitUsd = a[kSightProfitUsd]!, sizeUsd = a[kSightSizeUsd]!;
    const i = this.#find();
    if (this.#keys[i] !== key || this.#round[i] !== rnd - 1 || this.#rejected[i] === 1) return false;
    const step = 1 + this.#step;
    if ((profitUsd > this.#profit[i]! * step && profitUsd > 0) || (sizeUsd > this.#size[i]! * step && sizeUsd > 0)) return false;
    const e = this.#epochs, o = i * kLegs, view = this.#view, e2 = this.#e2;
    for (let k = 0; k < n; k++) {
      view.read2(legs[k]!, kEpoch, kEpoch, e2);
      if (e2[0] !== e[o + k]) return false;
    }
    this.#round[i] = rnd;
    return true;
  }

  /** The verdict of the sighting the last check() returned. */
  decided(rejected: boolean): void { this.#rejected[this.#at] = rejected ? 1 : 0; }

  /** The entry of the key in args: its own, or the free one where it goes. */
  #find(): number {
    const key = this.args[kSightKey]!;
    const keys = this.#keys;
    let i = hash(key) & this.#mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key) return i;
      if (k === -1) {
        if (this.#used * 2 >= keys.length) { this.#keys.fill(-1); this.#used = 0; return this.#find(); } // full enough: forget (rare)
        return i;
      }
      i = (i + 1) & this.#mask;
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('view', this.#view);
    v.r('keys', this.#keys);
    v.r('round', this.#round);
    v.r('sighting', this.#sighting);
    v.r('epochs', this.#epochs);
    v.r('profit', this.#profit);
    v.r('size', this.#size);
    v.r('rejected', this.#rejected);
    v.r('mask', this.#mask);
    v.r('e2', this.#e2);
    v.r('args', this.args);
    this.#used = v.f('used', this.#used);
    this.#at = v.f('at', this.#at);
    this.#step = v.f('step', this.#step);
  }
}

function hash(k: number): number {
  const lo = k >>> 0;
  const hi = (k / 4294967296) >>> 0;
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0;
}
