// Injected triangular arbitrage. Two shapes:
//  - books: a cross pair (BASE/BTC, BASE/ETH, ETH/BTC) is quoted dislocationBps off the rate its
//    legs imply (BASE/USDT ÷ QUOTE/USDT) on every venue at once (reached, and left, in steps of at
//    most kRampStepBps every 25 ms) for 1–4 s, so the cycle
//    stable → BASE → QUOTE → stable (or its reverse) pays on each venue while the venues still
//    agree with each other (no cross-exchange crossing);
//  - AMM: one pool of a dex whose pools form a cycle (uniswap_v3 USDC/WETH/WBTC) is priced
//    dislocationBps off the true mids for 4–12 s (pools publish about once a second).
import type { AmmMarket } from './fixture_amm.ts';
import type { PriceMarket } from './fixture_prices.ts';
import type { Prng } from './prng.ts';
import type { TimerQueue } from './timer_queue.ts';

export interface TriangularLabel {
  id: string;
  kind: 'triangular';
  /** The venue (dex) the cycle is on; '*' when every centralised venue carries it. */
  venue: string;
  base: string; // the dislocated pair (AMM: token0)
  quote: string; // (AMM: token1)
  /** The dislocated pool's key (AMM episodes), else null. */
  key: string | null;
  startTs: number;
  endTs: number;
  dislocationBps: number; // signed: + the pair is quoted rich
}

export const kTriMinBps = 60;
export const kTriMaxBps = 150;
export const kAmmTriMinBps = 90;
export const kAmmTriMaxBps = 180;

export interface TriBookPlan { instrument: number; t0: number; t1: number; bps: number }
export interface TriAmmPlan { pool: number; t0: number; t1: number; bps: number }

/** Draws a book episode on `instrument` (a cross pair), starting at t0. */
export function drawTriBook(prng: Prng, instrument: number, t0: number): TriBookPlan {
  const bps = prng.uniform(kTriMinBps, kTriMaxBps) * (prng.chance(0.5) ? 1 : -1);
  const ramps = 2 * rampSteps(bps) * kRampStepUs;
  return { instrument, t0, t1: t0 + ramps + Math.round(prng.uniform(1e6, 4e6)), bps };
}

export function drawTriAmm(prng: Prng, pool: number, t0: number): TriAmmPlan {
  const bps = prng.uniform(kAmmTriMinBps, kAmmTriMaxBps) * (prng.chance(0.5) ? 1 : -1);
  return { pool, t0, t1: t0 + Math.round(prng.uniform(4e6, 12e6)), bps };
}

/**
 * Largest step of a dislocation that every venue takes at once (bps). The engine sees the venues'
 * quotes of one timestamp one after another; steps this small never cross two venues by the
 * 20 bps that two taker fees need, so no cross-exchange opportunity appears between them.
 */
export const kRampStepBps = 8;
/** Time between two ramp steps (µs). */
export const kRampStepUs = 25_000;

/** Ramp steps for a dislocation of `bps`. */
export function rampSteps(bps: number): number {
  return Math.max(1, Math.ceil(Math.abs(bps) / kRampStepBps));
}

export function scheduleTriBook(plan: TriBookPlan, market: PriceMarket, timers: TimerQueue, labels: TriangularLabel[]): void {
  const nV = market.venueCount;
  const i = plan.instrument;
  const inst = market.universe.instruments[i]!;
  const n = rampSteps(plan.bps);
  const setAll = (t: number, factor: number): void => {
    market.advanceInstrument(i, t);
    for (let v = 0; v < nV; v++) {
      const vi = market.venueInstrument(v, i);
      market.dislocation[vi] = factor;
      market.quote(vi, t);
    }
  };
  timers.at(plan.t0, (t) => {
    market.refreshInstrument(i, t);
    labels.push({
      id: '', kind: 'triangular', venue: '*', base: inst.baseSymbol, quote: inst.quoteSymbol, key: null,
      startTs: market.startTs + t, endTs: market.startTs + plan.t1, dislocationBps: Math.round(plan.bps * 10) / 10,
    });
  });
  // ramp up from t0, hold, ramp down to none at t1
  for (let j = 1; j <= n; j++) timers.at(plan.t0 + (j - 1) * kRampStepUs, (t) => setAll(t, 1 + (plan.bps * j / n) * 1e-4));
  for (let j = n - 1; j >= 0; j--) timers.at(plan.t1 - j * kRampStepUs, (t) => setAll(t, 1 + (plan.bps * j / n) * 1e-4));
}

export function scheduleTriAmm(plan: TriAmmPlan, amm: AmmMarket, startTs: number, timers: TimerQueue, labels: TriangularLabel[]): void {
  const info = amm.poolInfo(plan.pool);
  timers.at(plan.t0, (t) => {
    amm.dislocate(plan.pool, 1 + plan.bps * 1e-4, t);
    labels.push({
      id: '', kind: 'triangular', venue: info.dex, base: info.token0, quote: info.token1, key: info.key,
      startTs: startTs + t, endTs: startTs + plan.t1, dislocationBps: Math.round(plan.bps * 10) / 10,
    });
  });
  timers.at(plan.t1, (t) => amm.dislocate(plan.pool, 1, t));
}
