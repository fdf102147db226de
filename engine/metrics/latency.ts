// Latency recording in HdrHistogram (nanoseconds in, microseconds out). Recording allocates nothing.
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
}

const kMaxNs = 120e9; // two minutes

export class LatencyRecorder {
  readonly #h: hdr.Histogram;
  /** The last summary and the count it was taken at: each percentile walks the histogram, so a summary asked again with nothing recorded since is the same one. */
  #summary: LatencySummary | null = null;
  #summaryAt = -1;
  constructor() {
    this.#h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: kMaxNs, numberOfSignificantValueDigits: 3, autoResize: false, useWebAssembly: false });
  }
  /** Records one value in nanoseconds (clamped to the histogram's range). */
  recordNs(ns: number): void {
    this.#h.recordValue(ns < 1 ? 1 : ns > kMaxNs ? kMaxNs : Math.round(ns));
  }
  recordUs(us: number): void { this.recordNs(us * 1000); }
  get count(): number { return this.#h.totalCount; }
  reset(): void { this.#h.reset(); this.#summary = null; this.#summaryAt = -1; }
  /** Percentiles in µs, rounded to 0.01 µs. */
  summary(): LatencySummary {
    const h = this.#h;
    const us = (ns: number): number => Math.round(ns / 10) / 100;
    if (h.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, p9999: 0, max: 0 };
    if (this.#summary !== null && this.#summaryAt === h.totalCount) return { ...this.#summary };
    this.#summaryAt = h.totalCount;
    return { ...(this.#summary = {
      count: h.totalCount,
      mean: us(h.mean),
      p50: us(h.getValueAtPercentile(50)),
      p90: us(h.getValueAtPercentile(90)),
      p99: us(h.getValueAtPercentile(99)),
      p999: us(h.getValueAtPercentile(99.9)),
      p9999: us(h.getValueAtPercentile(99.99)),
      max: us(h.maxValue),
    }) };
  }
  /** The percentile spectrum (for plots): [percentile, µs] pairs. */
  spectrum(): [number, number][] {
    const out: [number, number][] = [];
    const h = this.#h;
    if (h.totalCount === 0) return out;
    for (const p of [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100]) {
      out.push([p, Math.round(h.getValueAtPercentile(p) / 10) / 100]);
    }
    return out;
  }
}
