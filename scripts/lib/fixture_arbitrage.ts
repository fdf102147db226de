// Injected cross-exchange arbitrage episodes. One venue's quotes on one instrument are dislocated
// (its ask drops under the others' bids, or its bid rises over their asks) so that the crossing
// bid_sell / ask_buy − 1 is 40–150 bps for 0.3–3 s; both venues publish several quotes inside the
// window; then the dislocated venue re-quotes at the true mid and the opportunity closes.
import type { PriceMarket } from './fixture_prices.ts';
import type { Prng } from './prng.ts';
import type { TimerQueue } from './timer_queue.ts';

export interface ArbEpisodePlan {
  instrument: number;
  venue: number; // the dislocated venue
  side: 'buy' | 'sell'; // 'buy': its ask drops (buy there); 'sell': its bid rises (sell there)
  t0: number; // µs from the start
  t1: number;
  targetEdgeBps: number;
}

export interface CrossExchangeLabel {
  id: string;
  kind: 'cross_exchange';
  base: string;
  quote: string;
  buyVenue: string;
  sellVenue: string;
  /** The venue whose quotes were dislocated (buyVenue or sellVenue): its other pairs' cycles may pay too. */
  dislocatedVenue: string;
  startTs: number;
  endTs: number;
  grossEdgeBps: number; // bid_sell / ask_buy − 1 right after the first dislocated quote
}

export const kArbMinEdgeBps = 40;
export const kArbMaxEdgeBps = 150;
export const kArbMinDurationUs = 300_000;
export const kArbMaxDurationUs = 3_000_000;

/** Draws an episode for `instrument`; the time is checked against other plans by the caller. */
export function drawArbEpisode(prng: Prng, instrument: number, venueCount: number, t0: number): ArbEpisodePlan {
  const duration = Math.round(prng.logUniform(kArbMinDurationUs, kArbMaxDurationUs));
  return {
    instrument,
    venue: prng.int(0, venueCount - 1),
    side: prng.chance(0.5) ? 'buy' : 'sell',
    t0,
    t1: t0 + duration,
    // kept 12 bps inside the label range: quote noise and drift move the edge by a few bps
    targetEdgeBps: prng.uniform(kArbMinEdgeBps + 12, kArbMaxEdgeBps - 12),
  };
}

/** Schedules the episode on `timers`; the label is pushed to `labels` when it starts. */
export function scheduleArbEpisode(
  plan: ArbEpisodePlan, market: PriceMarket, timers: TimerQueue, prng: Prng, labels: CrossExchangeLabel[],
): void {
  timers.at(plan.t0, (t) => {
    const i = plan.instrument;
    const nV = market.venueCount;
    market.refreshInstrument(i, t); // every venue fresh before the dislocation
    const vi = market.venueInstrument(plan.venue, i);
    // the counterpart: the best other venue on the opposite side
    let other = -1;
    for (let v = 0; v < nV; v++) {
      if (v === plan.venue) continue;
      const ovi = market.venueInstrument(v, i);
      if (other < 0) { other = v; continue; }
      const best = market.venueInstrument(other, i);
      if (plan.side === 'buy' ? market.bid[ovi]! > market.bid[best]! : market.ask[ovi]! < market.ask[best]!) other = v;
    }
    const ovi = market.venueInstrument(other, i);
    const edge = plan.targetEdgeBps * 1e-4;
    const center = market.fairCenter(vi);
    const half = market.halfSpread(vi);
    market.dislocation[vi] = plan.side === 'buy'
      ? market.bid[ovi]! / (1 + edge) / (center * (1 + half))
      : (market.ask[ovi]! * (1 + edge)) / (center * (1 - half));
    market.quote(vi, t);
    const buyVi = plan.side === 'buy' ? vi : ovi;
    const sellVi = plan.side === 'buy' ? ovi : vi;
    const inst = market.universe.instruments[i]!;
    const venues = market.universe.venues;
    labels.push({
      id: '',
      kind: 'cross_exchange',
      base: inst.baseSymbol,
      quote: inst.quoteSymbol,
      buyVenue: venues[plan.side === 'buy' ? plan.venue : other]!.name,
      sellVenue: venues[plan.side === 'buy' ? other : plan.venue]!.name,
      dislocatedVenue: venues[plan.venue]!.name,
      startTs: market.startTs + t,
      endTs: market.startTs + plan.t1,
      grossEdgeBps: Math.round((market.bid[sellVi]! / market.ask[buyVi]! - 1) * 1e5) / 10,
    });
    // several quotes from both venues strictly inside the window
    const span = plan.t1 - plan.t0;
    for (const target of [vi, ovi]) {
      const n = prng.int(2, 4);
      for (let k = 0; k < n; k++) {
        const at = plan.t0 + 1 + Math.floor(prng.float() * (span - 2));
        timers.at(at, (tt) => market.updateVenueInstrument(target, tt));
      }
    }
    timers.at(plan.t1, (tt) => {
      market.dislocation[vi] = 1;
      market.updateVenueInstrument(vi, tt);
    });
  });
}
