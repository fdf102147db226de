// The seeded market generator behind scripts/gen-fixture.ts. It runs a discrete-event simulation
// (one timer queue, integer µs) over the books (fixture_prices.ts), the injected arbitrage episodes
// (fixture_arbitrage.ts), yield pools, AMM pools and protocol events, and streams the events in
// time order: a generator that never holds more than the events of one timer. It stops after
// exactly `events` events; the background rates are set so that this is about `durationS` of
// market time. Same options → same events, on any machine (no Math.random, no clock).
import { OptionError } from '../../protocol/errors.ts';
import type { MarketEvent } from '../../protocol/events.ts';
import { drawArbEpisode, scheduleArbEpisode } from './fixture_arbitrage.ts';
import type { ArbEpisodePlan, CrossExchangeLabel } from './fixture_arbitrage.ts';
import { AmmMarket } from './fixture_amm.ts';
import { schedulePriceMoves } from './fixture_moves.ts';
import type { PriceMoveLabel } from './fixture_moves.ts';
import { PriceMarket } from './fixture_prices.ts';
import { ProtocolEvents } from './fixture_protocol_events.ts';
import {
  buildAmmPools, buildAssets, buildInstruments, buildVenues, buildYieldPools,
} from './fixture_universe.ts';
import type { Universe } from './fixture_universe.ts';
import { YieldMarket } from './fixture_yields.ts';
import type { YieldArbLabel, YieldSpikeLabel } from './fixture_yields.ts';
import { drawTriAmm, drawTriBook, scheduleTriAmm, scheduleTriBook } from './fixture_triangular.ts';
import type { TriangularLabel, TriBookPlan } from './fixture_triangular.ts';
import { drawStatEpisode, scheduleStatEpisode, tieAssets } from './fixture_stat_arb.ts';
import type { StatArbLabel } from './fixture_stat_arb.ts';
import { Prng } from './prng.ts';
import { TimerQueue } from './timer_queue.ts';

export interface FixtureOptions {
  seed?: number;
  events?: number;
  venues?: number;
  bases?: number;
  /** Intended market time in seconds (the exact end is where the event count is reached). */
  durationS?: number;
  /** Time of the first event, µs since the Unix epoch. */
  startTs?: number;
  /** Number of cross-exchange episodes to inject (default: 50 per 120,000 events). */
  arbEpisodes?: number;
}

export type FilledFixtureOptions = Required<Omit<FixtureOptions, 'arbEpisodes'>> & { arbEpisodes: number };

export const kDefaultFixtureOptions = {
  seed: 42,
  events: 120_000,
  venues: 4,
  bases: 12,
  durationS: 600,
  startTs: Date.UTC(2024, 7, 8) * 1000, // 2024-08-08T00:00:00Z in µs
} as const;

export type { PriceMoveLabel } from './fixture_moves.ts';

export type { StatArbLabel } from './fixture_stat_arb.ts';
export type { TriangularLabel } from './fixture_triangular.ts';
export type { YieldArbLabel } from './fixture_yields.ts';

export type OpportunityLabel = CrossExchangeLabel | YieldSpikeLabel | TriangularLabel | YieldArbLabel | StatArbLabel;

export interface FixtureLabels {
  seed: number;
  events: number;
  startTs: number;
  endTs: number;
  opportunities: OpportunityLabel[];
  priceMoves: PriceMoveLabel[];
  params: { venues: number; bases: number; durationS: number; arbEpisodes: number };
}

export interface FixtureRun {
  /** The events in time order (ties in generation order). Iterate once. */
  events(): Generator<MarketEvent, void>;
  /** The labels; available once events() has been iterated to the end. */
  labels(): FixtureLabels;
}

// Shares of the event budget per stream (the rest is price_update).
const kYieldShare = 0.09;
const kPoolShare = 0.09;
const kLiquidationShare = 0.0022;
// Reference scale: the default fixture's counts of injected features.
const kRefEvents = 120_000;
const kRefDurationUs = 600e6;
const kArbPerRefEvents = 50;
const kMovesPerRef = 5;
const kSpikesPerRef = 12;
const kProposalsPerRef = 8;
const kTriBookPerRef = 12;
const kTriAmmPerRef = 4;
const kBorrowDropsPerRef = 6;
const kStatPerRef = 6;
/** Two spread episodes of one tied pair are this far apart (the least-squares window must forget the first). */
const kStatSpacingUs = 270e6;
// Features start after kPlanFrom·D and finish before kPlanTo·D.
const kPlanFrom = 0.03;
const kPlanTo = 0.9;

function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new OptionError(`options.${name} must be an integer in ${min}..${max} (got ${String(v)})`);
  }
  return v;
}

/** Fills defaults and checks every option; messages name the key. */
export function fillFixtureOptions(options: FixtureOptions = {}): FilledFixtureOptions {
  const d = kDefaultFixtureOptions;
  const o = {
    seed: options.seed ?? d.seed, events: options.events ?? d.events, venues: options.venues ?? d.venues,
    bases: options.bases ?? d.bases, durationS: options.durationS ?? d.durationS, startTs: options.startTs ?? d.startTs,
  };
  const seed = checkInt('seed', o.seed, 0, 0xffffffff);
  const venues = checkInt('venues', o.venues, 2, 1000);
  const bases = checkInt('bases', o.bases, 2, 10_000);
  const events = checkInt('events', o.events, 1, 1e10);
  if (typeof o.durationS !== 'number' || !Number.isFinite(o.durationS) || o.durationS < 10 || o.durationS > 864_000) {
    throw new OptionError(`options.durationS must be a number of seconds in 10..864000 (got ${String(o.durationS)})`);
  }
  const startTs = checkInt('startTs', o.startTs, 0, 4102444800e6);
  const instruments = buildInstruments(buildAssets(bases, new Prng(seed, 1))).length;
  const minEvents = 8 * (instruments * venues + 100);
  if (events < minEvents) {
    throw new OptionError(`options.events must be at least ${minEvents} for ${venues} venues × ${bases} bases (got ${events}): the opening snapshot alone has ${instruments * venues} quotes`);
  }
  const arbEpisodes = options.arbEpisodes === undefined
    ? Math.max(1, Math.round((kArbPerRefEvents * events) / kRefEvents))
    : checkInt('arbEpisodes', options.arbEpisodes, 0, 1e7);
  return { seed, events, venues, bases, durationS: o.durationS, startTs, arbEpisodes };
}

/** The universe the options describe (also used by tests and benches to size state). */
export function buildUniverse(options: FilledFixtureOptions): Universe {
  const prng = new Prng(options.seed, 1);
  const assets = buildAssets(options.bases, prng);
  const venues = buildVenues(options.venues, prng);
  return { assets, venues, instruments: buildInstruments(assets) };
}

function overlaps(a0: number, a1: number, b0: number, b1: number): boolean {
  return a0 < b1 && b0 < a1;
}

export function generateFixture(options: FixtureOptions = {}): FixtureRun {
  const opts = fillFixtureOptions(options);
  let labels: FixtureLabels | null = null;
  let started = false;
  return {
    events(): Generator<MarketEvent, void> {
      if (started) throw new Error('generateFixture(): events() can be iterated only once');
      started = true;
      return runSimulation(opts, (l) => { labels = l; });
    },
    labels(): FixtureLabels {
      if (labels === null) throw new Error('generateFixture(): labels() is available after events() has been iterated to the end');
      return labels;
    },
  };
}

function* runSimulation(opts: FilledFixtureOptions, done: (labels: FixtureLabels) => void): Generator<MarketEvent, void> {
  const pending: MarketEvent[] = [];
  let emitted = 0;
  const emit = (e: MarketEvent): void => { pending.push(e); emitted++; };
  const universe = buildUniverse(opts);
  const assetSymbols = new Set(universe.assets.map((a) => a.symbol));
  const D = Math.round(opts.durationS * 1e6);
  const N = opts.events;
  const scale = Math.min(D / kRefDurationUs, N / kRefEvents);
  const timers = new TimerQueue();
  const market = new PriceMarket(universe, new Prng(opts.seed, 2), emit, opts.startTs, new Prng(opts.seed, 9));
  const ties = tieAssets(market, new Prng(opts.seed, 10));
  const tied = new Set(ties.flatMap((t) => [t.leader, t.follower]));
  const plan2 = new Prng(opts.seed, 11); // plans of the triangular, yield-arbitrage and statistical episodes
  const plan = new Prng(opts.seed, 3);
  const yields = new YieldMarket(buildYieldPools(assetSymbols), new Prng(opts.seed, 4), emit, opts.startTs);
  const amm = new AmmMarket(buildAmmPools(assetSymbols), market, new Prng(opts.seed, 5), emit, new Prng(opts.seed, 12));
  const protocol = new ProtocolEvents(assetSymbols, new Prng(opts.seed, 6), emit, opts.startTs);
  const arrivals = new Prng(opts.seed, 7);
  const episodePrng = new Prng(opts.seed, 8);
  const nV = universe.venues.length;

  // ---- injected price moves (and the liquidation cascades of the down moves) -----------------
  const moveCount = Math.max(1, Math.round(kMovesPerRef * scale));
  const movePlan = schedulePriceMoves({
    market, protocol, timers, prng: plan, count: moveCount, from: kPlanFrom * D, to: kPlanTo * D, exclude: tied,
  });
  const moves = movePlan.moves;
  const moveLabels = movePlan.labels;
  let otherScheduled = movePlan.otherEvents; // expected events of injected features other than moves

  // ---- cross-exchange arbitrage episodes ------------------------------------------------------
  const arbLabels: CrossExchangeLabel[] = [];
  const episodes: ArbEpisodePlan[] = [];
  const byInstrument = new Map<number, ArbEpisodePlan[]>();
  const kMarginUs = 1_000_000;
  for (let k = 0; k < opts.arbEpisodes; k++) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const i = plan.int(0, universe.instruments.length - 1);
      const t0 = Math.round(plan.uniform(kPlanFrom * D, kPlanTo * D - 3.5e6));
      const ep = drawArbEpisode(plan, i, nV, t0);
      const inst = universe.instruments[i]!;
      const clash = (byInstrument.get(i) ?? []).some((o) => overlaps(ep.t0 - kMarginUs, ep.t1 + kMarginUs, o.t0, o.t1)) ||
        moves.some((m) => (m.asset === inst.base || m.asset === inst.quote) && overlaps(ep.t0 - kMarginUs, ep.t1 + kMarginUs, m.t0, m.t1));
      if (clash) continue;
      episodes.push(ep);
      byInstrument.set(i, [...(byInstrument.get(i) ?? []), ep]);
      otherScheduled += 10;
      break;
    }
  }
  for (const ep of episodes) scheduleArbEpisode(ep, market, timers, episodePrng, arbLabels);

  // ---- triangular episodes: a cross pair dislocated on every venue; an AMM pool of a cycle -------
  const triLabels: TriangularLabel[] = [];
  const crossPairs = universe.instruments.map((x, i) => (x.quote >= 0 ? i : -1)).filter((i) => i >= 0);
  const triPlans: TriBookPlan[] = [];
  for (let k = 0; crossPairs.length > 0 && k < Math.max(1, Math.round(kTriBookPerRef * scale)); k++) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const i = plan2.pick(crossPairs);
      const t0 = Math.round(plan2.uniform(kPlanFrom * D, kPlanTo * D - 5e6));
      const ep = drawTriBook(plan2, i, t0);
      const inst = universe.instruments[i]!;
      const clash = (byInstrument.get(i) ?? []).some((o) => overlaps(ep.t0 - kMarginUs, ep.t1 + kMarginUs, o.t0, o.t1)) ||
        triPlans.some((o) => overlaps(ep.t0 - kMarginUs, ep.t1 + kMarginUs, o.t0, o.t1)) ||
        moves.some((m) => (m.asset === inst.base || m.asset === inst.quote) && overlaps(ep.t0 - kMarginUs, ep.t1 + kMarginUs, m.t0, m.t1));
      if (clash) continue;
      triPlans.push(ep);
      otherScheduled += 2 * nV;
      break;
    }
  }
  for (const ep of triPlans) scheduleTriBook(ep, market, timers, triLabels);
  const cyclePools = amm.cyclePools();
  const ammPlans: { pool: number; t0: number; t1: number }[] = [];
  for (let k = 0; cyclePools.length > 0 && k < Math.max(1, Math.round(kTriAmmPerRef * scale)); k++) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const ep = drawTriAmm(plan2, plan2.pick(cyclePools), Math.round(plan2.uniform(kPlanFrom * D, kPlanTo * D - 13e6)));
      const dex = amm.poolInfo(ep.pool).dex;
      if (ammPlans.some((o) => amm.poolInfo(o.pool).dex === dex && overlaps(ep.t0 - kMarginUs, ep.t1 + kMarginUs, o.t0, o.t1))) continue;
      ammPlans.push(ep);
      scheduleTriAmm(ep, amm, opts.startTs, timers, triLabels);
      otherScheduled += 2;
      break;
    }
  }

  // ---- statistical arbitrage: spread episodes of the tied pairs -------------------------------
  const statLabels: StatArbLabel[] = [];
  const statPlans: { follower: number; t0: number; t1: number }[] = [];
  for (let k = 0; ties.length > 0 && k < Math.max(1, Math.round(kStatPerRef * scale)); k++) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const tie = plan2.pick(ties);
      const ep = drawStatEpisode(plan2, tie, Math.round(plan2.uniform(0.3 * D, kPlanTo * D - 41e6)));
      if (statPlans.some((o) => o.follower === tie.follower && overlaps(ep.t0 - kStatSpacingUs, ep.t1 + kStatSpacingUs, o.t0, o.t1))) continue;
      statPlans.push({ follower: tie.follower, t0: ep.t0, t1: ep.t1 });
      scheduleStatEpisode(ep, market, timers, statLabels);
      otherScheduled += 3 * nV * universe.instruments.filter((x) => x.base === tie.follower || x.quote === tie.follower).length;
      break;
    }
  }

  // ---- yield spikes ---------------------------------------------------------------------------
  const spikeLabels: YieldSpikeLabel[] = [];
  const yieldArbLabels: YieldArbLabel[] = [];
  const spikePlans: { pool: number; t0: number; t1: number }[] = [];
  if (yields.poolCount > 0) {
    const spikeCount = Math.max(1, Math.round(kSpikesPerRef * scale));
    const busy = new Set<number>();
    for (let k = 0; k < spikeCount; k++) {
      const pool = yields.pickPool(busy);
      if (pool < 0) break;
      busy.add(pool);
      const t0 = Math.round(plan.uniform(kPlanFrom * D, kPlanTo * D - 90e6 * Math.min(1, scale)));
      const t1 = t0 + Math.round(plan.uniform(20e6, 90e6) * Math.min(1, scale * 2));
      spikePlans.push({ pool, t0, t1 });
      timers.at(t0, (t) => {
        spikeLabels.push(yields.startSpike(pool, t, t1));
        const arb = yields.spikeArbitrage(pool, t, t1);
        if (arb) yieldArbLabels.push(arb);
      });
      timers.at(t1, (t) => { yields.endSpike(pool, t); });
      otherScheduled += 3;
    }
  }

  // ---- yield arbitrage: a lending market's borrow APY drops under the best supply APY -----------
  if (yields.poolCount > 0) {
    const busy = new Set<number>();
    for (let k = 0; k < Math.max(1, Math.round(kBorrowDropsPerRef * scale)); k++) {
      const pool = yields.pickLendingMarket(busy);
      if (pool < 0) break;
      const group = yields.groupOf(pool);
      for (const j of group) busy.add(j);
      // not while a spike in the same group has already opened a carry there (the labels would overlap)
      let t0 = 0, t1 = 0, free = false;
      for (let attempt = 0; attempt < 50 && !free; attempt++) {
        t0 = Math.round(plan2.uniform(kPlanFrom * D, kPlanTo * D - 120e6 * Math.min(1, scale)));
        t1 = t0 + Math.round(plan2.uniform(30e6, 120e6) * Math.min(1, scale * 2));
        free = !spikePlans.some((p) => group.includes(p.pool) && overlaps(t0 - 5e6, t1 + 5e6, p.t0, p.t1));
      }
      if (!free) continue;
      timers.at(t0, (t) => { yieldArbLabels.push(yields.startBorrowDrop(pool, t, t1)); });
      timers.at(t1, (t) => { yields.endBorrowDrop(pool, t); });
      otherScheduled += 3;
    }
  }

  // ---- governance -----------------------------------------------------------------------------
  const proposals = protocol.planProposals(Math.max(2, Math.round(kProposalsPerRef * scale)), kPlanFrom * D, 0.6 * D);
  for (const p of proposals) {
    timers.at(p.createdT, (t) => protocol.governance(p, 'created', t));
    timers.at(p.activeT, (t) => protocol.governance(p, 'active', t));
    if (p.passedT >= 0) {
      timers.at(p.passedT, (t) => protocol.proposalPassed(p, t));
      timers.at(p.queuedT, (t) => protocol.governance(p, 'queued', t));
    }
    otherScheduled += p.passedT >= 0 ? 4 : 2;
  }

  // ---- background streams ---------------------------------------------------------------------
  const yieldEvents = yields.poolCount > 0 ? kYieldShare * N : 0;
  const poolEvents = amm.poolCount > 0 ? kPoolShare * N : 0;
  const liquidationEvents = kLiquidationShare * N;
  const otherPerUs = (yieldEvents + poolEvents + liquidationEvents) / D;
  const every = (count: number, run: (t: number) => void): void => {
    if (count <= 0) return;
    const mean = D / count;
    const tick = (t: number): void => {
      run(t);
      timers.at(t + Math.max(1, Math.round(arrivals.exponential(mean))), tick);
    };
    timers.at(Math.max(1, Math.round(arrivals.exponential(mean))), tick);
  };
  every(yieldEvents, (t) => yields.backgroundUpdate(t));
  every(poolEvents, (t) => amm.backgroundUpdate(t));
  every(liquidationEvents, (t) => protocol.backgroundLiquidation(t));
  // Background quotes take what is left of the budget. Each one also re-quotes whatever went stale,
  // so the rate is steered: the next gap spreads the remaining budget, net of the other streams and
  // the features still to come, over the remaining intended time, at the quotes-per-arrival ratio
  // seen so far. This lands the last event near durationS for any universe.
  let backgroundCalls = 0;
  let backgroundQuotes = 0;
  const nominalGap = D / Math.max(1, 0.8 * N);
  const backgroundTick = (t: number): void => {
    const before = market.quotesEmitted;
    market.backgroundQuote(t);
    backgroundQuotes += market.quotesEmitted - before;
    backgroundCalls++;
    let gap = nominalGap;
    if (t < D) {
      const ratio = backgroundCalls < 200 ? 1.1 : backgroundQuotes / backgroundCalls;
      let planned = 0;
      for (const m of moves) if (m.t0 > t) planned += m.expectedEvents;
      const left = N - emitted - otherPerUs * (D - t) - planned - otherScheduled * ((D - t) / D);
      gap = left <= 0 ? nominalGap * 20 : Math.min(nominalGap * 20, ((D - t) * ratio) / left);
    }
    timers.at(t + Math.max(1, Math.round(arrivals.exponential(gap))), backgroundTick);
  };
  timers.at(Math.max(1, Math.round(arrivals.exponential(nominalGap))), backgroundTick);

  // ---- run --------------------------------------------------------------------------------------
  market.snapshot(0);
  yields.snapshot(0);
  amm.snapshot(0);
  let count = 0;
  let lastTs = opts.startTs;
  outer: for (;;) {
    for (let k = 0; k < pending.length; k++) {
      const e = pending[k]!;
      lastTs = e.ts;
      count++;
      yield e;
      if (count === N) break outer;
    }
    pending.length = 0;
    const timer = timers.pop();
    if (timer === undefined) break;
    timer.run(timer.t);
  }
  pending.length = 0;

  const opportunities: OpportunityLabel[] = [...arbLabels, ...spikeLabels, ...triLabels, ...yieldArbLabels, ...statLabels]
    .filter((l) => l.startTs <= lastTs)
    .map((l) => (l.endTs > lastTs ? { ...l, endTs: lastTs } : l));
  opportunities.sort((a, b) => a.startTs - b.startTs);
  const prefix: Record<OpportunityLabel['kind'], string> = {
    cross_exchange: 'arb', yield_spike: 'yield', triangular: 'tri', yield_arb: 'yarb', statistical: 'stat',
  };
  const ids: Record<string, number> = {};
  for (const l of opportunities) {
    const p = prefix[l.kind];
    ids[p] = (ids[p] ?? 0) + 1;
    l.id = `${p}-${String(ids[p]).padStart(4, '0')}`;
  }
  const priceMoves = moveLabels.filter((m) => m.startTs <= lastTs).sort((a, b) => a.startTs - b.startTs);
  priceMoves.forEach((m, k) => { m.id = `move-${String(k + 1).padStart(4, '0')}`; });
  done({
    seed: opts.seed,
    events: count,
    startTs: opts.startTs,
    endTs: lastTs,
    opportunities,
    priceMoves,
    params: { venues: opts.venues, bases: opts.bases, durationS: opts.durationS, arbEpisodes: opts.arbEpisodes },
  });
}
