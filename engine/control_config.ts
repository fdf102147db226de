// The operator controls' settings (config key `control`; the code is in engine/control/): rate limits, automatic trips, the agents'
// circuit breakers, the post-execution fill check and human approval. Every default leaves the
// shipped fixture's decisions unchanged: rate limits and trips are off (0) until configured;
// breakers and the fill check are on, with bounds no healthy run reaches.
import { OptionError } from '../protocol/errors.ts';

interface HttpAt { readonly host?: string; readonly port: number }

/** Operator controls of a running engine (command line: --http, --token-file, --event-store). */
export interface OperatorOptions {
  /** Where the control endpoints and page are served (null: none): engine/http/server.ts HttpConfig. */
  http: { readonly health: HttpAt; readonly metrics: HttpAt } | { readonly all: HttpAt } | null;
  /** The token file (`--token-file`); LUCENT_TOKEN is read too. */
  tokenFile: string | null;
  /** Event store for the `control` stream (a log path or a postgres:// / kurrentdb:// URL); null: in memory only. */
  eventStore: string | null;
}

/** A scope's trading state: what may still pass. */
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';
export const kTradingStates: readonly TradingState[] = ['ACTIVE', 'REDUCING', 'HALTED'];
/** What an automatic trip moves its scope to. */
export type TripAction = 'REDUCING' | 'HALTED';

export interface ControlConfig {
  rateLimits: {
    /** Actions per second of event time an agent may carry out or submit for approval (0: no limit). */
    perAgentPerSec: number;
    /** The same per venue (the first part of an instrument's key, e.g. binance, uniswap_v3). */
    perVenuePerSec: number;
  };
  trips: {
    /** Paper equity (capital + realized P&L) this fraction below its running peak trips the scope (0: off). */
    drawdownFraction: number;
    drawdownAction: TripAction;
    /** Realized losses within the window (event time, µs) above this (USD) trip the scope (0: off). */
    lossLimitUsd: number;
    lossWindowUs: number;
    lossAction: TripAction;
    /** This many rejections or data errors of one agent within the window (event time, µs) trip the agent (0: off). */
    burstCount: number;
    burstWindowUs: number;
    burstAction: TripAction;
  };
  breaker: {
    /** (The errors that open an agent's breaker are config.limits.maxAgentErrors, counted since it last closed.) */
    /** Consecutive cycles an agent misses (its cycle deadline) that open it. */
    maxMissedCycles: number;
    /** Anomalous records (non-finite or out-of-range fields, absurd sizes) that open it. */
    maxAnomalies: number;
    /** A size field above this (USD or units) is absurd. */
    absurdSize: number;
    /** Event time an open breaker waits before it half-opens to probe (µs). */
    coolDownUs: number;
    /** Clean cycles a half-open breaker needs to close. */
    probeCycles: number;
  };
  fillCheck: {
    /** A fill's fees + slippage above this fraction of the decision's size trips the agent's breaker. */
    maxCostFraction: number;
    /** A USD fill's notional off the decision's size by more than this fraction trips it. */
    maxSizeDeviation: number;
  };
  approval: {
    /** An action nobody answers expires as rejected after this long (ms, wall clock). */
    ttlMs: number;
    /** An approval is refused as stale when an instrument's price moved more than this fraction since the decision. */
    maxPriceMove: number;
  };
}

export const kDefaultControlConfig: ControlConfig = {
  rateLimits: { perAgentPerSec: 0, perVenuePerSec: 0 },
  trips: {
    drawdownFraction: 0, drawdownAction: 'HALTED', lossLimitUsd: 0, lossWindowUs: 60_000_000, lossAction: 'REDUCING',
    burstCount: 0, burstWindowUs: 10_000_000, burstAction: 'HALTED',
  },
  breaker: { maxMissedCycles: 3, maxAnomalies: 1, absurdSize: 1e12, coolDownUs: 30_000_000, probeCycles: 1 },
  fillCheck: { maxCostFraction: 0.05, maxSizeDeviation: 0.25 },
  approval: { ttlMs: 600_000, maxPriceMove: 0.005 },
};

function num(v: unknown, key: string, min: number, max = Infinity, integer = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new OptionError(`config.control.${key} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
}

function action(v: unknown, key: string): void {
  if (v !== 'REDUCING' && v !== 'HALTED') throw new OptionError(`config.control.${key} must be "REDUCING" or "HALTED", got ${JSON.stringify(v)}`);
}

/** Checks every control setting for plausibility; the message names the key. */
export function checkControlConfig(c: ControlConfig): ControlConfig {
  num(c.rateLimits.perAgentPerSec, 'rateLimits.perAgentPerSec', 0, 1e6);
  num(c.rateLimits.perVenuePerSec, 'rateLimits.perVenuePerSec', 0, 1e6);
  const t = c.trips;
  num(t.drawdownFraction, 'trips.drawdownFraction', 0, 1);
  action(t.drawdownAction, 'trips.drawdownAction');
  num(t.lossLimitUsd, 'trips.lossLimitUsd', 0);
  num(t.lossWindowUs, 'trips.lossWindowUs', 1);
  action(t.lossAction, 'trips.lossAction');
  num(t.burstCount, 'trips.burstCount', 0, 1e9, true);
  num(t.burstWindowUs, 'trips.burstWindowUs', 1);
  action(t.burstAction, 'trips.burstAction');
  const b = c.breaker;
  num(b.maxMissedCycles, 'breaker.maxMissedCycles', 1, 1e9, true);
  num(b.maxAnomalies, 'breaker.maxAnomalies', 1, 1e9, true);
  num(b.absurdSize, 'breaker.absurdSize', 1);
  num(b.coolDownUs, 'breaker.coolDownUs', 0);
  num(b.probeCycles, 'breaker.probeCycles', 1, 1e6, true);
  num(c.fillCheck.maxCostFraction, 'fillCheck.maxCostFraction', 0, 1);
  num(c.fillCheck.maxSizeDeviation, 'fillCheck.maxSizeDeviation', 0, 1e6);
  num(c.approval.ttlMs, 'approval.ttlMs', 1, 7 * 24 * 3600_000);
  num(c.approval.maxPriceMove, 'approval.maxPriceMove', 0, 1);
  return c;
}
