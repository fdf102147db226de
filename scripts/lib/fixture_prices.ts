// The centralised-exchange side of the generated market. Each asset has a true USD mid that follows
// a geometric Brownian motion, sampled lazily (advanced exactly over the elapsed time whenever it is
// needed), plus a deterministic log offset for injected moves. Each venue × instrument quotes
//   center = true mid × (1 + venue bias + noise) × dislocation,   spread 1–5 bps around it,
// and re-quotes as soon as the true mid has moved more than kRequoteBps from the mid it last
// quoted, so no quote is ever far from the truth: the cross-venue crossing bid_X / ask_Y − 1 stays
// a few bps below zero-ish (bounded well under 12 bps) except where a dislocation is injected.
import type { MarketEvent } from '../../protocol/events.ts';
import { ceilTo, floorTo, roundSig } from './fixture_numbers.ts';
import type { Universe } from './fixture_universe.ts';
import type { Prng } from './prng.ts';

export const kRequoteBps = 2.5;
export const kQuoteNoiseBps = 0.5;
export const kMinSpreadBps = 1;
export const kMaxSpreadBps = 5;
const kSecondsPerYear = 365 * 86400;

export type EmitEvent = (event: MarketEvent) => void;

interface ActiveMove {
  t0: number;
  t1: number;
  logChange: number;
}

/** Book levels a depth-publishing venue sends per side (level 0 is the top of book). */
export const kDepthLevels = 3;

/**
 * A follower asset tied to a leader: ln mid_f = c + β·ln mid_leader + u + deviation, where u is an
 * Ornstein-Uhlenbeck process (stationary σ ouSd, half-life ouHalfLifeS) and deviation an injected
 * spread episode that ramps up from t0 and decays linearly to zero at t1.
 */
interface FollowerState {
  leader: number;
  beta: number;
  logC: number;
  ouSd: number; // stationary σ of u (log units)
  kappa: number; // mean-reversion rate of u, per second
  u: number;
  devT0: number;
  devT1: number;
  devRamp: number; // µs over which the deviation is reached
  devSize: number; // ln deviation at its peak
}

export class PriceMarket {
  readonly universe: Universe;
  readonly startTs: number;
  readonly venueCount: number;
  readonly instrumentCount: number;
  /** Latest sampled true USD mid per asset. */
  readonly mid: Float64Array;
  /** Per venue-instrument (index v * instrumentCount + i): the true mid at its last quote (0 = never quoted). */
  readonly refMid: Float64Array;
  readonly bid: Float64Array;
  readonly ask: Float64Array;
  /** Multiplicative dislocation of a venue-instrument's quotes (1 = none). */
  readonly dislocation: Float64Array;
  /** Quotes emitted so far. */
  quotesEmitted = 0;

  readonly #prng: Prng;
  readonly #emit: EmitEvent;
  readonly #gbm: Float64Array;
  readonly #lastT: Float64Array;
  readonly #offset: Float64Array;
  readonly #sigma: Float64Array; // per √second
  readonly #moves: (ActiveMove | null)[];
  readonly #spreadBps: Float64Array;
  readonly #cumWeight: Float64Array;
  readonly #instrumentsOf: number[][]; // asset → instruments that involve it (as base or quote)
  readonly #topic: string[]; // per venue
  readonly #key: string[]; // per venue-instrument
  readonly #depthVenue: Uint8Array; // 1 for venues that publish book levels
  readonly #depthPrng: Prng | null;
  readonly #follower: (FollowerState | null)[]; // per asset
  readonly #followersOf: number[][]; // leader → its followers
  #ouPrng: Prng | null = null;

  /**
   * `depthPrng`, when given, draws the deeper book levels of the venues that publish depth (every
   * other venue: binance, kraken, …), from its own stream so the rest of the market is unchanged.
   */
  constructor(universe: Universe, prng: Prng, emit: EmitEvent, startTs: number, depthPrng: Prng | null = null) {
    this.universe = universe;
    this.startTs = startTs;
    this.#prng = prng;
    this.#emit = emit;
    const nA = universe.assets.length;
    const nV = universe.venues.length;
    const nI = universe.instruments.length;
    this.venueCount = nV;
    this.instrumentCount = nI;
    this.mid = new Float64Array(nA);
    this.#gbm = new Float64Array(nA);
    this.#lastT = new Float64Array(nA);
    this.#offset = new Float64Array(nA);
    this.#sigma = new Float64Array(nA);
    this.#moves = new Array<ActiveMove | null>(nA).fill(null);
    universe.assets.forEach((a, k) => {
      this.mid[k] = a.usd;
      this.#gbm[k] = a.usd;
      this.#sigma[k] = a.annualVol / Math.sqrt(kSecondsPerYear);
    });
    const nVI = nV * nI;
    this.refMid = new Float64Array(nVI);
    this.bid = new Float64Array(nVI);
    this.ask = new Float64Array(nVI);
    this.dislocation = new Float64Array(nVI).fill(1);
    this.#spreadBps = new Float64Array(nVI);
    this.#cumWeight = new Float64Array(nVI);
    this.#key = new Array<string>(nVI);
    this.#topic = universe.venues.map((v) => `market.prices.${v.name}`);
    let cum = 0;
    for (let v = 0; v < nV; v++) {
      const venue = universe.venues[v]!;
      for (let i = 0; i < nI; i++) {
        const inst = universe.instruments[i]!;
        const vi = v * nI + i;
        this.#spreadBps[vi] = prng.uniform(1.2, 3.6);
        cum += venue.weight * inst.weight;
        this.#cumWeight[vi] = cum;
        this.#key[vi] = `${venue.name}:${inst.pair}`;
      }
    }
    this.#depthVenue = Uint8Array.from(universe.venues, (_, v) => (v % 2 === 0 ? 1 : 0));
    this.#depthPrng = depthPrng;
    this.#follower = new Array<FollowerState | null>(nA).fill(null);
    this.#followersOf = Array.from({ length: nA }, () => []);
    this.#instrumentsOf = Array.from({ length: nA }, () => []);
    universe.instruments.forEach((inst, i) => {
      this.#instrumentsOf[inst.base]!.push(i);
      if (inst.quote >= 0) this.#instrumentsOf[inst.quote]!.push(i);
    });
  }

  venueInstrument(v: number, i: number): number {
    return v * this.instrumentCount + i;
  }

  /**
   * Ties asset `f` to `leader` (see FollowerState): from now on f's mid is the leader's to the
   * power β times e^{c + u}, c fixed so that f keeps its current mid. Draws for u come from `prng`.
   */
  tie(f: number, leader: number, beta: number, ouSdBps: number, halfLifeS: number, prng: Prng): void {
    if (this.#follower[leader] || this.#followersOf[f]!.length > 0) throw new Error('a follower cannot lead, nor a leader follow');
    this.#ouPrng = prng;
    this.#follower[f] = {
      leader, beta, logC: Math.log(this.mid[f]!) - beta * Math.log(this.mid[leader]!), ouSd: ouSdBps * 1e-4,
      kappa: Math.LN2 / halfLifeS, u: 0, devT0: 0, devT1: 0, devRamp: 0, devSize: 0,
    };
    this.#followersOf[leader]!.push(f);
  }

  /**
   * Follower `f`'s spread to its leader moves by `bps`: linearly over rampUs from t0 (0: at once),
   * then back linearly to 0 at t1.
   */
  startDeviation(f: number, t0: number, t1: number, bps: number, rampUs = 0): void {
    const st = this.#follower[f];
    if (!st) throw new Error(`asset ${this.universe.assets[f]!.symbol} is not a follower`);
    this.advanceAsset(f, t0);
    st.devT0 = t0;
    st.devT1 = t1;
    st.devRamp = rampUs;
    st.devSize = bps * 1e-4;
    this.mid[f] = this.mid[f]! * Math.exp(this.#deviation(st, t0)); // at t0 itself
  }

  #deviation(st: FollowerState, t: number): number {
    if (!(t >= st.devT0 && t < st.devT1)) return 0;
    const decay = 1 - (t - st.devT0) / (st.devT1 - st.devT0);
    const ramp = st.devRamp > 0 ? Math.min(1, (t - st.devT0 + 1) / (st.devRamp + 1)) : 1;
    return st.devSize * Math.min(ramp, decay);
  }

  /** The leader of asset `a`, or -1. */
  leaderOf(a: number): number {
    return this.#follower[a]?.leader ?? -1;
  }

  #advanceFollower(a: number, st: FollowerState, t: number): void {
    const lastT = this.#lastT[a]!;
    if (t <= lastT) return;
    this.advanceAsset(st.leader, t);
    const dt = (t - lastT) * 1e-6;
    const decay = Math.exp(-st.kappa * dt);
    st.u = st.u * decay + st.ouSd * Math.sqrt(1 - decay * decay) * this.#ouPrng!.normal();
    this.#lastT[a] = t;
    this.mid[a] = Math.exp(st.logC + st.beta * Math.log(this.mid[st.leader]!) + st.u + this.#deviation(st, t));
  }

  /** Brings asset `a`'s true mid to time `t` (µs from the start). */
  advanceAsset(a: number, t: number): void {
    const st = this.#follower[a];
    if (st) { this.#advanceFollower(a, st, t); return; }
    const lastT = this.#lastT[a]!;
    if (t <= lastT) return;
    const dt = (t - lastT) * 1e-6;
    const s = this.#sigma[a]!;
    this.#gbm[a] = this.#gbm[a]! * Math.exp(s * Math.sqrt(dt) * this.#prng.normal() - 0.5 * s * s * dt);
    this.#lastT[a] = t;
    let offset = this.#offset[a]!;
    const move = this.#moves[a];
    if (move) {
      if (t >= move.t1) {
        offset += move.logChange;
        this.#offset[a] = offset;
        this.#moves[a] = null;
      } else if (t > move.t0) {
        offset += move.logChange * ((t - move.t0) / (move.t1 - move.t0));
      }
    }
    this.mid[a] = this.#gbm[a]! * Math.exp(offset);
  }

  /** Starts a deterministic move of asset `a`: its log mid gains `logChange` linearly over [t0, t1]. */
  startMove(a: number, t0: number, t1: number, logChange: number): void {
    if (this.#moves[a]) throw new Error(`asset ${this.universe.assets[a]!.symbol} already has a move in progress`);
    this.advanceAsset(a, t0);
    this.#moves[a] = { t0, t1, logChange };
  }

  /** The instrument's true mid from the latest sampled asset mids. */
  instrumentMid(i: number): number {
    const inst = this.universe.instruments[i]!;
    const m = this.mid[inst.base]!;
    return inst.quote < 0 ? m : m / this.mid[inst.quote]!;
  }

  /** Advances the instrument's assets to `t`. */
  advanceInstrument(i: number, t: number): void {
    const inst = this.universe.instruments[i]!;
    this.advanceAsset(inst.base, t);
    if (inst.quote >= 0) this.advanceAsset(inst.quote, t);
  }

  /** The centre a venue-instrument would quote now, before noise and spread. */
  fairCenter(vi: number): number {
    const i = vi % this.instrumentCount;
    const v = (vi - i) / this.instrumentCount;
    return this.instrumentMid(i) * (1 + this.universe.venues[v]!.biasBps * 1e-4);
  }

  /** Typical half spread of a venue-instrument, as a fraction. */
  halfSpread(vi: number): number {
    return this.#spreadBps[vi]! * 0.5e-4;
  }

  /** Emits a fresh quote for venue-instrument `vi` at time `t`. */
  quote(vi: number, t: number): void {
    const prng = this.#prng;
    const nI = this.instrumentCount;
    const i = vi % nI;
    const v = (vi - i) / nI;
    const venue = this.universe.venues[v]!;
    const inst = this.universe.instruments[i]!;
    const m = this.instrumentMid(i);
    const noise = (prng.float() * 2 - 1) * kQuoteNoiseBps;
    const center = m * (1 + (venue.biasBps + noise) * 1e-4) * this.dislocation[vi]!;
    let spread = this.#spreadBps[vi]! * prng.uniform(0.85, 1.2);
    if (spread < kMinSpreadBps) spread = kMinSpreadBps;
    else if (spread > kMaxSpreadBps - 0.2) spread = kMaxSpreadBps - 0.2;
    const half = spread * 0.5e-4;
    const d = inst.decimals;
    const bid = floorTo(center * (1 - half), d);
    let ask = ceilTo(center * (1 + half), d);
    if (ask <= bid) ask = ceilTo(bid + 10 ** -d, d);
    const usd = this.mid[inst.base]!;
    const bidSize = roundSig((venue.depthUsd * Math.exp(0.7 * prng.normal())) / usd, 3);
    const askSize = roundSig((venue.depthUsd * Math.exp(0.7 * prng.normal())) / usd, 3);
    this.refMid[vi] = m;
    this.bid[vi] = bid;
    this.ask[vi] = ask;
    this.quotesEmitted++;
    const data: Record<string, unknown> = { venue: venue.name, base: inst.baseSymbol, quote: inst.quoteSymbol, bid, ask, bidSize, askSize };
    if (this.#depthPrng !== null && this.#depthVenue[v] === 1) {
      data.bids = this.#levels(bid, bidSize, d, -1);
      data.asks = this.#levels(ask, askSize, d, 1);
    }
    this.#emit({ ts: this.startTs + t, type: 'price_update', topic: this.#topic[v]!, key: this.#key[vi]!, data });
  }

  /** kDepthLevels levels from the top: each 0.4–1.5 bps further out (at least one tick), 1.1–2.2× the size. */
  #levels(top: number, topSize: number, decimals: number, dir: number): [number, number][] {
    const prng = this.#depthPrng!;
    const tick = 10 ** -decimals;
    const out: [number, number][] = [[top, topSize]];
    let price = top, size = topSize;
    for (let k = 1; k < kDepthLevels; k++) {
      const step = prng.uniform(0.4, 1.5) * 1e-4;
      let next = dir < 0 ? floorTo(price * (1 - step), decimals) : ceilTo(price * (1 + step), decimals);
      if (dir < 0 ? next >= price : next <= price) next = dir < 0 ? floorTo(price - tick, decimals) : ceilTo(price + tick, decimals);
      if (!(next > 0)) break;
      price = next;
      size = roundSig(size * prng.uniform(1.1, 2.2), 3);
      out.push([price, size]);
    }
    return out;
  }

  /**
   * Re-quotes every venue-instrument involving asset `a` whose true mid moved past kRequoteBps,
   * then does the same for the assets tied to `a` (their mids move with it).
   */
  refreshStale(a: number, t: number): void {
    const nI = this.instrumentCount;
    const limit = kRequoteBps * 1e-4;
    for (const i of this.#instrumentsOf[a]!) {
      const m = this.instrumentMid(i);
      for (let v = 0; v < this.venueCount; v++) {
        const vi = v * nI + i;
        const ref = this.refMid[vi]!;
        if (ref > 0 && Math.abs(m - ref) > limit * ref) this.quote(vi, t);
      }
    }
    for (const f of this.#followersOf[a]!) {
      this.advanceAsset(f, t);
      this.refreshStale(f, t);
    }
  }

  /** Advances the instrument's assets and re-quotes whatever went stale. */
  refreshInstrument(i: number, t: number): void {
    const inst = this.universe.instruments[i]!;
    this.advanceInstrument(i, t);
    this.#refreshAsset(inst.base, t);
    if (inst.quote >= 0) this.#refreshAsset(inst.quote, t);
  }

  /** refreshStale of `a`, starting from its leader when it has one (advancing a follower moves its leader). */
  #refreshAsset(a: number, t: number): void {
    const leader = this.leaderOf(a);
    this.refreshStale(leader >= 0 ? leader : a, t);
  }

  /** One background quote: a venue-instrument picked by activity weight re-quotes. */
  backgroundQuote(t: number): void {
    const cum = this.#cumWeight;
    const x = this.#prng.float() * cum[cum.length - 1]!;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    this.updateVenueInstrument(lo, t);
  }

  /** Advances the assets of `vi`, quotes it, and re-quotes whatever else went stale. */
  updateVenueInstrument(vi: number, t: number): void {
    const i = vi % this.instrumentCount;
    this.advanceInstrument(i, t);
    this.quote(vi, t);
    const inst = this.universe.instruments[i]!;
    this.#refreshAsset(inst.base, t);
    if (inst.quote >= 0) this.#refreshAsset(inst.quote, t);
  }

  /** Quotes every venue-instrument once (the opening snapshot). */
  snapshot(t: number): void {
    const n = this.venueCount * this.instrumentCount;
    for (let vi = 0; vi < n; vi++) this.quote(vi, t);
  }

  /** The instrument quoted against USDT for asset `a` (every asset has one). */
  usdtInstrument(a: number): number {
    return this.#instrumentsOf[a]!.find((i) => {
      const inst = this.universe.instruments[i]!;
      return inst.base === a && inst.quoteSymbol === 'USDT';
    })!;
  }

  /** Emits a major_price_movement for venue `v` on `i`, measured against `fromMid`. */
  emitMajorMove(v: number, i: number, fromMid: number, t: number): void {
    const vi = this.venueInstrument(v, i);
    const venue = this.universe.venues[v]!;
    const inst = this.universe.instruments[i]!;
    const mid = (this.bid[vi]! + this.ask[vi]!) / 2;
    const price = Number(mid.toFixed(inst.decimals));
    const changePct = Math.round((mid / fromMid - 1) * 1e5) / 1e3;
    this.#emit({
      ts: this.startTs + t,
      type: 'major_price_movement',
      topic: this.#topic[v]!,
      key: this.#key[vi]!,
      data: { venue: venue.name, base: inst.baseSymbol, quote: inst.quoteSymbol, changePct, price },
    });
  }
}
