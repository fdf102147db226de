// Histogram bucket bounds. Latencies here run from about a microsecond (one agent's decision) to
// seconds (a stalled cycle), so the default bounds are log-spaced from 1 µs to 1 s with six
// steps per decade: Prometheus' histogram_quantile interpolates linearly inside a bucket, and
// 1-1.5-2-3-5-7 keeps that interpolation within ±25 % of the true quantile anywhere in the range.
import { OptionError } from '../errors.ts';

/** Mantissas of the default bounds in each decade. */
export const kLatencyMantissas: readonly number[] = [1, 1.5, 2, 3, 5, 7];

/**
 * Bounds m·10^e for every mantissa m and decade e from `fromExp` to `toExp - 1`, then 10^toExp.
 * Built from decimal text so that 1.5e-6 is exactly the double nearest 0.0000015 (no 1.5 * 1e-6
 * rounding), which keeps the `le` labels readable.
 */
export function logBuckets(fromExp: number, toExp: number, mantissas: readonly number[] = kLatencyMantissas): number[] {
  if (!Number.isInteger(fromExp) || !Number.isInteger(toExp) || fromExp >= toExp) {
    throw new OptionError(`logBuckets needs integer exponents with fromExp < toExp, got ${fromExp}, ${toExp}`);
  }
  const out: number[] = [];
  for (let e = fromExp; e < toExp; e++) for (const m of mantissas) out.push(Number(`${m}e${e}`));
  out.push(Number(`1e${toExp}`));
  checkBuckets('buckets', out);
  return out;
}

/** 1 µs .. 1 s, six bounds per decade (37 bounds, plus +Inf). */
export const kLatencyBuckets: readonly number[] = Object.freeze(logBuckets(-6, 0));

/** Bounds must be finite and strictly increasing; +Inf is implicit. The message names `key`. */
export function checkBuckets(key: string, bounds: readonly number[]): void {
  if (!Array.isArray(bounds) || bounds.length === 0) throw new OptionError(`${key} must be a non-empty array of bucket bounds`);
  for (let i = 0; i < bounds.length; i++) {
    const b = bounds[i];
    if (typeof b !== 'number' || !Number.isFinite(b)) throw new OptionError(`${key}[${i}] must be a finite number, got ${String(b)}`);
    if (i > 0 && b <= bounds[i - 1]) throw new OptionError(`${key} must be strictly increasing: ${key}[${i}] = ${b} follows ${bounds[i - 1]}`);
  }
}
