import type { Fields } from '../../protocol/snapshot.ts';

// NaN as a module constant: a double returned beside it stays unboxed (the global NaN boxes it).
const kNaN = NaN;
const kUpdateArgs = new Float64Array(2); // update()'s price and time, handed to updateFrom
// Volatility from irregular ticks: an EWMA ratio estimator of the variance rate.
//   A ← λ·A + (1 − λ)·r²,   B ← λ·B + (1 − λ)·Δt,   σ²(per µs) = A / B
// with r the log return between two ticks and Δt their interval. Weighting squared returns and
// intervals alike keeps a burst of ticks microseconds apart from inflating the rate (as r²/Δt per
// tick would), and reduces to the RiskMetrics EWMA when ticks are evenly spaced.

// (a module-private copy for the hot path: an optimized function that reads an exported binding
// holding a non-integer number allocates a heap number per read)
const kUsPerDayLocal = 86_400_000_000;
export const kUsPerDay = kUsPerDayLocal;

export class TickVolatility {
  readonly #a: Float64Array;
  readonly #b: Float64Array;
  readonly #lastPrice: Float64Array;
  readonly #lastTs: Float64Array;
  readonly count: Int32Array; // returns seen
  readonly #lambda: number;

  constructor(n: number, lambda: number) {
    this.#a = new Float64Array(n);
    this.#b = new Float64Array(n);
    this.#lastPrice = new Float64Array(n).fill(NaN);
    this.#lastTs = new Float64Array(n);
    this.count = new Int32Array(n);
    this.#lambda = lambda;
  }

  /** Feeds a price observed at tsUs for series i. */
  update(i: number, price: number, tsUs: number): void {
    const f = kUpdateArgs;
    f[0] = price; f[1] = tsUs;
    this.updateFrom(i, f, 0, 1);
  }

  /**
   * update(i, fields[priceAt], fields[tsAt]): the price and time read from an array (a state row),
   * for a hot caller (a call V8 does not inline boxes each double argument).
   */
  updateFrom(i: number, fields: Float64Array, priceAt: number, tsAt: number): void {
    const price = fields[priceAt]!, tsUs = fields[tsAt]!;
    if (!(price > 0)) return;
    const prev = this.#lastPrice[i]!;
    const dt = tsUs - this.#lastTs[i]!;
    if (prev === prev && dt > 0) {
      const r = Math.log(price / prev);
      const l = this.#lambda;
      if (this.count[i] === 0) {
        this.#a[i] = r * r;
        this.#b[i] = dt;
      } else {
        this.#a[i] = l * this.#a[i]! + (1 - l) * r * r;
        this.#b[i] = l * this.#b[i]! + (1 - l) * dt;
      }
      this.count[i] = this.count[i]! + 1;
    }
    if (prev !== prev || dt > 0) {
      this.#lastPrice[i] = price;
      this.#lastTs[i] = tsUs;
    }
  }

  /** Daily σ of log returns for series i (NaN before the first return). */
  sigmaDaily(i: number): number {
    if (this.count[i] === 0) return kNaN;
    const b = this.#b[i]!;
    return b > 0 ? Math.sqrt((this.#a[i]! / b) * kUsPerDayLocal) : kNaN;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('a', this.#a);
    v.r('b', this.#b);
    v.r('lastPrice', this.#lastPrice);
    v.r('lastTs', this.#lastTs);
    v.r('count', this.count);
    v.r('lambda', this.#lambda);
  }
}
