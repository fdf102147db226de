// The centralised-exchange side of the generated market. Each asset has a true USD mid that follows
// a geometric Brownian motion, sampled lazily (advanced exactly over the elapsed time whenever it is
// needed), plus a deterministic log offset for injected moves. Each venue × instrument quotes
//   center = true mid × (1 + venue bias + noise) × dislocation,   spread 1–5 bps around it,
// and re-quotes as soon as the true mid has moved more than kRequoteBps from the mid it last
// quoted, so no quote is ever far from the truth: the cross-venue crossing bid_X / ask_Y − 1 stays
// a few bps below zero-ish (bounded well under 12 bps) except where a dislocation is injected.
import type { MarketEvent } from '../../engine/types.ts';
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

  constructor(universe: Universe, prng: Prng, emit: EmitEvent, startTs: number) {
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
    this.#instrumentsOf = Array.from({ length: nA }, () => []);
    universe.instruments.forEach((inst, i) => {
      this.#instrumentsOf[inst.base]!.push(i);
      if (inst.quote >= 0) this.#instrumentsOf[inst.quote]!.push(i);
    });
  }

  venueInstrument(v: number, i: number): number {
    return v * this.instrumentCount + i;
  }

  /** Brings asset `a`'s true mid to time `t` (µs from the start). */
  advanceAsset(a: number, t: number): void {
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
    this.#emit({
      ts: this.startTs + t,
      type: 'price_update',
      topic: this.#topic[v]!,
      key: this.#key[vi]!,
      data: { venue: venue.name, base: inst.baseSymbol, quote: inst.quoteSymbol, bid, ask, bidSize, askSize },
    });
  }

  /** Re-quotes every venue-instrument involving asset `a` whose true mid moved past kRequoteBps. */
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
  }

  /** Advances the instrument's assets and re-quotes whatever went stale. */
  refreshInstrument(i: number, t: number): void {
    const inst = this.universe.instruments[i]!;
    this.advanceInstrument(i, t);
    this.refreshStale(inst.base, t);
    if (inst.quote >= 0) this.refreshStale(inst.quote, t);
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
    this.refreshStale(inst.base, t);
    if (inst.quote >= 0) this.refreshStale(inst.quote, t);
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
