// Injected statistical arbitrage. Some assets follow a leader (fixture_prices.ts PriceMarket.tie):
// ln mid_f = c + β·ln mid_leader + u, u an Ornstein-Uhlenbeck noise of a few bps that halves in
// about 2 s — a mean-reverting spread a pairs trader would select. An episode pushes the spread
// deviationBps away from t0 (every venue re-quotes the follower at once, in steps of at most
// kRampStepBps) and lets it decay linearly back to zero at t1 (15–40 s).
import type { PriceMarket } from './fixture_prices.ts';
import type { Prng } from './prng.ts';
import type { TimerQueue } from './timer_queue.ts';
import { kRampStepUs, rampSteps } from './fixture_triangular.ts';

export interface StatArbLabel {
  id: string;
  kind: 'statistical';
  leader: string;
  follower: string;
  beta: number;
  startTs: number;
  endTs: number;
  deviationBps: number; // signed deviation of ln follower − β·ln leader at startTs
}

/** Leader → follower ties of the named assets (used when both are in the universe). */
export const kTies: readonly { leader: string; follower: string; beta: number }[] = [
  { leader: 'XRP', follower: 'ADA', beta: 1.1 },
  { leader: 'AVAX', follower: 'DOT', beta: 0.95 },
  { leader: 'UNI', follower: 'AAVE', beta: 1.05 },
  { leader: 'BNB', follower: 'LINK', beta: 0.9 },
  { leader: 'SOL', follower: 'MATIC', beta: 1.2 },
];
export const kTieNoiseBps = 2.5;
export const kTieHalfLifeS = 2;
export const kStatMinBps = 150;
export const kStatMaxBps = 300;

export interface Tie { leader: number; follower: number; beta: number }

/** Ties the named pairs present in the market; returns them (asset indices). */
export function tieAssets(market: PriceMarket, prng: Prng): Tie[] {
  const index = new Map(market.universe.assets.map((a, k) => [a.symbol, k]));
  const out: Tie[] = [];
  for (const t of kTies) {
    const l = index.get(t.leader), f = index.get(t.follower);
    if (l === undefined || f === undefined) continue;
    market.tie(f, l, t.beta, kTieNoiseBps, kTieHalfLifeS, prng);
    out.push({ leader: l, follower: f, beta: t.beta });
  }
  return out;
}

export interface StatPlan { tie: Tie; t0: number; t1: number; bps: number }

export function drawStatEpisode(prng: Prng, tie: Tie, t0: number): StatPlan {
  const bps = prng.uniform(kStatMinBps, kStatMaxBps) * (prng.chance(0.5) ? 1 : -1);
  return { tie, t0, t1: t0 + Math.round(prng.uniform(15e6, 40e6)), bps };
}

export function scheduleStatEpisode(plan: StatPlan, market: PriceMarket, timers: TimerQueue, labels: StatArbLabel[]): void {
  const assets = market.universe.assets;
  const n = rampSteps(plan.bps);
  // the deviation is reached in steps of at most kRampStepBps (see fixture_triangular.ts), then decays
  for (let j = 1; j < n; j++) {
    timers.at(plan.t0 + j * kRampStepUs, (t) => {
      market.advanceAsset(plan.tie.follower, t);
      market.refreshStale(plan.tie.follower, t);
    });
  }
  timers.at(plan.t0, (t) => {
    market.startDeviation(plan.tie.follower, t, plan.t1, plan.bps, (n - 1) * kRampStepUs);
    market.refreshStale(plan.tie.leader, t); // advances and re-quotes the follower too
    market.refreshStale(plan.tie.follower, t);
    labels.push({
      id: '', kind: 'statistical', leader: assets[plan.tie.leader]!.symbol, follower: assets[plan.tie.follower]!.symbol,
      beta: plan.tie.beta, startTs: market.startTs + t, endTs: market.startTs + plan.t1, deviationBps: Math.round(plan.bps * 10) / 10,
    });
  });
}
