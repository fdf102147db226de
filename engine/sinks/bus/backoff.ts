// Reconnection delays: exponential backoff with jitter, capped. Attempt 0 waits about
// initialMs, each later attempt `factor` times longer up to maxMs; jitter takes a random share
// (up to `jitter`) off each delay so that many engines do not reconnect in lockstep.
import { OptionError } from '../../../protocol/errors.ts';

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** 0..1: the delay is uniform in [base·(1 − jitter), base]. */
  readonly jitter: number;
}

export const kDefaultBackoff: BackoffOptions = { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.5 };

export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** Math.max(0, attempt));
  return base * (1 - o.jitter * random());
}

export function checkBackoff(key: string, v: Partial<BackoffOptions> | undefined): BackoffOptions {
  if (v !== undefined && (v === null || typeof v !== 'object')) throw new OptionError(`${key} must be an object`);
  const o = { ...kDefaultBackoff, ...v };
  for (const k of Object.keys(v ?? {})) if (!(k in kDefaultBackoff)) throw new OptionError(`${key}.${k} is not an option (initialMs, maxMs, factor, jitter)`);
  if (!(Number.isFinite(o.initialMs) && o.initialMs > 0)) throw new OptionError(`${key}.initialMs must be a positive number of ms, got ${String(o.initialMs)}`);
  if (!(Number.isFinite(o.maxMs) && o.maxMs >= o.initialMs)) throw new OptionError(`${key}.maxMs must be a number of ms >= initialMs, got ${String(o.maxMs)}`);
  if (!(Number.isFinite(o.factor) && o.factor >= 1)) throw new OptionError(`${key}.factor must be a number >= 1, got ${String(o.factor)}`);
  if (!(o.jitter >= 0 && o.jitter <= 1)) throw new OptionError(`${key}.jitter must be in 0..1, got ${String(o.jitter)}`);
  return o;
}
