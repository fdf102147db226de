// The bounds market data must meet before it enters the state (config key `plausibility`), with
// their defaults and the check that every bound is a number in its range. Defaults are wide
// enough for real markets (the shipped fixture and the real recordings pass untouched) and narrow
// enough that a fat finger, a broken feed or a hostile message cannot move the state.
import { OptionError } from '../../protocol/errors.ts';

export interface PlausibilityConfig {
  /** false: no plausibility checks at all (the codec's type checks still apply). */
  enabled: boolean;
  /** A book's spread (ask − bid) / mid above this fraction is refused. */
  maxSpreadFraction: number;
  /** A book's mid (and last trade) more than this fraction from its reference is refused. */
  bandFraction: number;
  /** An AMM pool's price more than this fraction from the pool's last good price is refused. */
  ammBandFraction: number;
  /** Book sizes (base units) and depth-level sizes above this are refused. */
  maxBookSize: number;
  /** An event older than its instrument's last event by more than this (µs) is refused. */
  maxBackUs: number;
  /**
   * An event further ahead of the stream clock (the newest accepted event time) than this (µs) is
   * refused. Wide enough for partitions that lag one another in a fast Kafka replay; an accepted
   * event this far ahead holds its instrument's later events back (maxBackUs) until the stream
   * catches up.
   */
  maxAheadUs: number;
  /** APY, base APY, reward APY and borrow APY (percent) must lie in [minApyPct, maxApyPct]. */
  minApyPct: number;
  maxApyPct: number;
  /** A pool's TVL above this (USD) is refused. */
  maxTvlUsd: number;
  /** A liquidation's collateral or debt above this (USD) is refused. */
  maxLiquidationUsd: number;
  /** A liquidation cascade's total above this (USD), or its count above maxCascadeCount, is refused. */
  maxCascadeUsd: number;
  maxCascadeCount: number;
  /** A major_price_movement's |changePct| above this (percent) is refused. */
  maxMovePct: number;
  /** A source (a venue's book) with no accepted update for this long (µs of event time) is stale. */
  staleAfterUs: number;
  /** An asset with fewer fresh sources than this takes no new risk. */
  minSources: number;
  /**
   * A held yield jump is confirmed only by an agreeing update at least this long (µs) after it;
   * sooner agreeing updates leave it held (0: the next agreeing update confirms it, as
   * agents.yield's quarantine does). Default 5 s: a source cannot confirm its own jump with a quick
   * burst, while a real new level, which a feed repeats every few seconds, is confirmed in seconds.
   */
  yieldConfirmAfterUs: number;
  /** The first sight of a yield pool this long (µs) after the stream began is held until a second update confirms it. */
  firstSightAfterUs: number;
  /** Without a closed universe: at most this many instruments are learned from the input. */
  maxInstruments: number;
  /** Pre-trade: an arbitrage whose net edge (expected profit / size) is above this (bps) is a data error. */
  maxEdgeBps: number;
}

export const kDefaultPlausibility: PlausibilityConfig = {
  enabled: true,
  maxSpreadFraction: 0.05,
  bandFraction: 0.1,
  ammBandFraction: 0.25,
  maxBookSize: 1e9,
  maxBackUs: 1_000_000,
  maxAheadUs: 300_000_000,
  minApyPct: -100,
  maxApyPct: 10_000,
  maxTvlUsd: 1e11,
  maxLiquidationUsd: 1e9,
  maxCascadeUsd: 1e10,
  maxCascadeCount: 100_000,
  maxMovePct: 50,
  staleAfterUs: 60_000_000,
  minSources: 1,
  yieldConfirmAfterUs: 5_000_000,
  firstSightAfterUs: 10_000_000,
  maxInstruments: 100_000,
  maxEdgeBps: 1_000,
};

function range(c: PlausibilityConfig, k: keyof PlausibilityConfig, lo: number, hi: number, integer = false): void {
  const v = c[k] as number;
  if (typeof v !== 'number' || !(v >= lo && v <= hi) || (integer && !Number.isInteger(v))) {
    throw new OptionError(`config.plausibility.${k} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  }
}

/** Checks every bound (the key is named in the error). */
export function checkPlausibility(c: PlausibilityConfig): void {
  if (typeof c.enabled !== 'boolean') throw new OptionError(`config.plausibility.enabled must be true or false, got ${JSON.stringify(c.enabled)}`);
  range(c, 'maxSpreadFraction', 1e-6, 1);
  range(c, 'bandFraction', 1e-4, 10);
  range(c, 'ammBandFraction', 1e-4, 10);
  range(c, 'maxBookSize', 1, 1e15);
  range(c, 'maxBackUs', 0, 86_400_000_000, true);
  range(c, 'maxAheadUs', 1_000, 86_400_000_000, true);
  range(c, 'minApyPct', -100, 0);
  range(c, 'maxApyPct', 1, 1e6);
  range(c, 'maxTvlUsd', 1, 1e13);
  range(c, 'maxLiquidationUsd', 1, 1e13);
  range(c, 'maxCascadeUsd', 1, 1e14);
  range(c, 'maxCascadeCount', 1, 1e9, true);
  range(c, 'maxMovePct', 0.01, 100);
  range(c, 'staleAfterUs', 1_000, 86_400_000_000, true);
  range(c, 'minSources', 1, 64, true);
  range(c, 'yieldConfirmAfterUs', 0, 86_400_000_000, true);
  range(c, 'firstSightAfterUs', 0, 1e13, true);
  range(c, 'maxInstruments', 1, 10_000_000, true);
  range(c, 'maxEdgeBps', 1, 1e6);
}
