// The plausibility gate: every decoded event passes it before it enters the state, whatever its
// source (the file replay and every Kafka lane step through engine/step/event_stepper.ts, which
// asks admit() first). The codec checked types; the gate checks values against bounds and against
// the market: prices positive, book not crossed, spread capped, each price within a band around
// its reference (the median of the same asset on the other fresh venues, else the instrument's
// last good price), sizes, TVL, APY and event sizes capped, time per instrument not going back
// and no event far ahead of the stream's clock. Yield jumps and late first sights of a pool are
// held (written with the state's held flag, so no consumer trades on them) until confirmed.
// It also answers the pre-trade questions (assetDoubt, bandDeviation): an asset whose fresh
// sources disagree, or are too few, takes no new risk.
// Hot path: admit() and accepted() use typed arrays sized once per slot and allocate nothing
// unless they refuse an event (the reason text).
import { kKindBook, kKindSignal, kKindYield } from '../../protocol/layout.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import {
  kEventTypeNames, kTypeGovernance, kTypeGovernancePassed, kTypeLiquidation, kTypeLiquidationCascade, kTypeMajorPriceMove, kTypePool, kTypePrice, kTypeYield, kTypeYieldOpportunity,
} from '../../protocol/events.ts';
import {
  kTapeF0, kTapeFields, kTapePriceAskLevels, kTapePriceBidLevels, kTapePriceDepthRef, kTapeSlot, kTapeTs, kTapeType, kTapeWidth,
} from '../../protocol/tape.ts';
import {
  kScreenAccept, kScreenConfirm, kScreenHold, kScreenInputs, kScreenRepeat, kScrAccApy, kScrAccTs, kScrAccTvl, kScrApy,
  kScrFactor, kScrPendApy, kScrPendTs, kScrPendTvl, kScrTs, kScrTvl, kScrWindowUs, screenYieldPacked,
} from '../../finance/yield_signals.ts';
import type { PlausibilityConfig } from './config.ts';
import type { Fields } from '../../protocol/snapshot.ts';

/** Quotes treated as one currency when venues' books of an asset are compared. */
const kUsdLike = new Set(['USD', 'USDT', 'USDC', 'DAI', 'BUSD', 'FDUSD', 'TUSD', 'USDP', 'PYUSD']);

/** The yield quarantine the agents configure (agents.yield). */
export interface YieldScreen {
  quarantineFactor: number;
  quarantineWindowUs: number;
}

/** What the gate counted (the summary's `plausibility`). */
export interface PlausibilityCounts {
  checked: number;
  refused: number;
  refusedByCheck: Record<string, number>;
  held: number;
  /** Held yield jumps and first sights later confirmed (an agreeing update at least yieldConfirmAfterUs after them). */
  confirmed: number;
  clockJumps: number;
  doubtRejections: number;
  preTradeRejections: number;
  staleSources: number;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

export class PlausibilityGate {
  readonly cfg: PlausibilityConfig;
  readonly #screen: YieldScreen;
  readonly #cap: number;
  readonly #kind: Uint8Array;
  readonly #group: Int32Array; // book and signal slots → asset group (-1 none)
  readonly #groupStart: Int32Array; // members of group g: #members[#groupStart[g] .. #groupStart[g+1])
  readonly #members: Int32Array;
  readonly #groupName: string[];
  readonly #scratch: Float64Array;
  readonly #keys: string[];
  readonly #slotOfKey = new Map<string, number>();
  // per slot
  readonly #lastTs: Float64Array; // last accepted event time
  readonly #goodPx: Float64Array; // book: last accepted mid; amm: last accepted price
  readonly #goodTs: Float64Array;
  readonly #disputedTs: Float64Array; // book: time its latest price was refused for the band (NaN: none since)
  readonly #accApy: Float64Array; readonly #accTvl: Float64Array; readonly #accTs: Float64Array;
  readonly #pendApy: Float64Array; readonly #pendTvl: Float64Array; readonly #pendTs: Float64Array;
  readonly #scr = new Float64Array(kScreenInputs); // the yield screen's inputs (no double arguments on the hot path)
  // stream
  #clock = NaN; // newest accepted event time
  #start = NaN; // first accepted event time
  #candTs = NaN; // an event ahead of the clock, waiting for a second instrument to agree
  #candSlot = -1;
  /** 1 when the event admit() just passed is a held yield update (written with the held flag). */
  held = 0;
  /** The check that refused the last refused event (a config key name). */
  lastCheck = '';
  readonly counts: PlausibilityCounts = {
    checked: 0, refused: 0, refusedByCheck: {}, held: 0, confirmed: 0, clockJumps: 0, doubtRejections: 0, preTradeRejections: 0, staleSources: 0,
  };

  constructor(cfg: PlausibilityConfig, screen: YieldScreen, snapshot: RegistrySnapshot) {
    this.cfg = cfg;
    this.#screen = screen;
    const cap = snapshot.capacity;
    this.#cap = cap;
    this.#kind = new Uint8Array(cap);
    this.#group = new Int32Array(cap).fill(-1);
    this.#keys = new Array<string>(cap).fill('');
    const groups = new Map<string, number[]>();
    const groupOf = (base: string, quote: string): string => `${base}/${kUsdLike.has(quote) ? 'USD' : quote}`;
    for (let s = 0; s < snapshot.size; s++) {
      const m = snapshot.meta[s]!;
      this.#kind[s] = m.kind;
      this.#keys[s] = m.key;
      this.#slotOfKey.set(m.key, s);
      if (m.kind === kKindBook) {
        const g = groupOf(m.base, m.quote);
        let list = groups.get(g);
        if (!list) groups.set(g, list = []);
        list.push(s);
      }
    }
    this.#groupName = [...groups.keys()];
    this.#groupStart = new Int32Array(this.#groupName.length + 1);
    this.#members = new Int32Array(snapshot.size);
    let at = 0, widest = 1;
    this.#groupName.forEach((name, g) => {
      this.#groupStart[g] = at;
      const list = groups.get(name)!;
      for (const s of list) { this.#members[at++] = s; this.#group[s] = g; }
      widest = Math.max(widest, list.length);
    });
    this.#groupStart[this.#groupName.length] = at;
    const gIndex = new Map(this.#groupName.map((n, g) => [n, g]));
    for (let s = 0; s < snapshot.size; s++) {
      const m = snapshot.meta[s]!;
      if (m.kind === kKindSignal && m.base !== '') this.#group[s] = gIndex.get(groupOf(m.base, m.quote)) ?? -1;
    }
    this.#scratch = new Float64Array(widest);
    const nan = (): Float64Array => new Float64Array(cap).fill(NaN);
    this.#lastTs = nan(); this.#goodPx = nan(); this.#goodTs = nan(); this.#disputedTs = nan();
    this.#accApy = nan(); this.#accTvl = nan(); this.#accTs = nan();
    this.#pendApy = nan(); this.#pendTvl = nan(); this.#pendTs = nan();
  }

  /** The stream's clock: the newest accepted event time (µs), NaN before the first. */
  get clock(): number { return this.#clock; }

  /** The slot of an instrument key, or -1. */
  slotOf(key: string): number { return this.#slotOfKey.get(key) ?? -1; }

  #refuse(check: string, reason: string): string {
    this.counts.refused++;
    this.counts.refusedByCheck[check] = (this.counts.refusedByCheck[check] ?? 0) + 1;
    this.lastCheck = check;
    return `plausibility: ${reason} (bound plausibility.${check})`;
  }

  /** Whether times[i] lies within plausibility.staleAfterUs of the stream clock (an index: no double argument). */
  #fresh(times: Float64Array, i: number): boolean {
    const ts = times[i]!;
    return ts === ts && !(this.#clock - ts > this.cfg.staleAfterUs);
  }

  /**
   * The reference price of book group g for slot `self` (excluded): the median mid of the group's
   * other fresh sources; NaN when none. `n` of them in #refCount.
   */
  #refCount = 0;
  // Results in fields, not return values: a double returned from a call that is not inlined is boxed (allocated).
  #med = NaN;
  #ref = NaN;
  #groupMedian(g: number, self: number): void {
    const sc = this.#scratch;
    let n = 0;
    for (let i = this.#groupStart[g]!, end = this.#groupStart[g + 1]!; i < end; i++) {
      const m = this.#members[i]!;
      if (m === self) continue;
      const px = this.#goodPx[m]!;
      if (px === px && this.#fresh(this.#goodTs, m)) {
        let j = n++;
        while (j > 0 && sc[j - 1]! > px) { sc[j] = sc[j - 1]!; j--; }
        sc[j] = px;
      }
    }
    this.#refCount = n;
    this.#med = n === 0 ? NaN : n & 1 ? sc[n >> 1]! : 0.5 * (sc[(n >> 1) - 1]! + sc[n >> 1]!);
  }

  /** The reference of a book slot: the other venues' median, else its own last good mid while fresh. */
  #refSource = '';
  #reference(slot: number): void {
    const g = this.#group[slot]!;
    if (g >= 0) {
      this.#groupMedian(g, slot);
      if (this.#med === this.#med) { this.#refSource = 'median of other venues'; this.#ref = this.#med; return; }
    }
    const own = this.#goodPx[slot]!;
    if (own === own && this.#fresh(this.#goodTs, slot)) { this.#refSource = 'last good price'; this.#refCount = 1; this.#ref = own; return; }
    this.#ref = NaN;
  }

  /**
   * Checks tape row `row`. Returns null when it may enter the state (then `held` says whether it
   * is a held yield update), or the reason it may not, naming the field and the bound.
   */
  admit(rows: Float64Array, row: number, depth?: Float64Array): string | null {
    this.held = 0;
    const c = this.cfg;
    if (!c.enabled) return null;
    this.counts.checked++;
    const o = row * kTapeWidth;
    const slotD = rows[o + kTapeSlot]!;
    if (!(slotD >= 0 && slotD < this.#cap)) return this.#refuse('slot', `slot ${slotD} is outside the universe`);
    // ints (and row offsets) as arguments: a double passed to a call that is not inlined is boxed (allocated)
    const slot = slotD | 0;
    const type = rows[o + kTapeType]! | 0;
    const ts = rows[o + kTapeTs]!;
    const f = o + kTapeF0;

    // time: per instrument never back beyond the tolerance; never far ahead of the stream clock.
    // Governance events share their protocol's slot with liquidations but come on another topic
    // (another partition, its own order): they are not held to the slot's time.
    const last = this.#lastTs[slot]!;
    if (last - ts > c.maxBackUs && type !== kTypeGovernance && type !== kTypeGovernancePassed) {
      return this.#refuse('maxBackUs', `ts ${ts} is ${fmt((last - ts) / 1e6)} s before the instrument's last event ${last}, more than ${fmt(c.maxBackUs / 1e6)} s`);
    }
    const clock = this.#clock;
    if (ts - clock > c.maxAheadUs) {
      const cand = this.#candTs;
      if (!(cand === cand && this.#candSlot !== slot && Math.abs(ts - cand) <= c.maxAheadUs)) {
        this.#candTs = ts;
        this.#candSlot = slot;
        return this.#refuse('maxAheadUs', `ts ${ts} is ${fmt((ts - clock) / 1e6)} s ahead of the stream clock ${clock}, more than ${fmt(c.maxAheadUs / 1e6)} s`);
      }
      this.counts.clockJumps++; // a second instrument agrees: the stream moved on (a gap in the input)
    }

    switch (type) {
      case kTypePrice: return this.#price(rows, f, slot, depth);
      case kTypePool: return this.#pool(rows, f, slot);
      case kTypeYield:
      case kTypeYieldOpportunity: return this.#yield(rows, f, slot);
      case kTypeLiquidation: {
        const col = rows[f]!, debt = rows[f + 1]!;
        if (!(col >= 0 && col <= c.maxLiquidationUsd)) return this.#refuse('maxLiquidationUsd', `data.collateralUsd ${fmt(col)} is not in [0, ${fmt(c.maxLiquidationUsd)}]`);
        if (debt === debt && !(debt >= 0 && debt <= c.maxLiquidationUsd)) return this.#refuse('maxLiquidationUsd', `data.debtUsd ${fmt(debt)} is not in [0, ${fmt(c.maxLiquidationUsd)}]`);
        return null;
      }
      case kTypeLiquidationCascade: {
        const total = rows[f]!, count = rows[f + 1]!;
        if (!(total >= 0 && total <= c.maxCascadeUsd)) return this.#refuse('maxCascadeUsd', `data.totalUsd ${fmt(total)} is not in [0, ${fmt(c.maxCascadeUsd)}]`);
        if (!(count >= 1 && count <= c.maxCascadeCount && Number.isInteger(count))) return this.#refuse('maxCascadeCount', `data.count ${fmt(count)} is not an integer in [1, ${c.maxCascadeCount}]`);
        return null;
      }
      case kTypeMajorPriceMove: {
        const pct = rows[f]!, px = rows[f + 1]!;
        if (!(Math.abs(pct) <= c.maxMovePct)) return this.#refuse('maxMovePct', `data.changePct ${fmt(pct)} is beyond ±${fmt(c.maxMovePct)} %`);
        if (!(px > 0 && px < Infinity)) return this.#refuse('bandFraction', `data.price ${fmt(px)} must be positive and finite`);
        const g = this.#group[slot]!;
        if (g >= 0) {
          this.#groupMedian(g, -1);
          const ref = this.#med;
          if (ref === ref && Math.abs(px / ref - 1) > c.bandFraction) {
            return this.#refuse('bandFraction', `data.price ${fmt(px)} is ${fmt(100 * Math.abs(px / ref - 1))} % from the reference ${fmt(ref)} (median of ${this.#refCount} fresh venues), more than ${fmt(100 * c.bandFraction)} %`);
          }
        }
        return null;
      }
      default:
        return null;
    }
  }

  #price(rows: Float64Array, f: number, slot: number, depth: Float64Array | undefined): string | null {
    const c = this.cfg;
    const bid = rows[f]!, ask = rows[f + 1]!;
    if (!(bid > 0 && bid < Infinity)) return this.#refuse('bandFraction', `data.bid ${fmt(bid)} must be positive and finite`);
    if (!(ask > 0 && ask < Infinity)) return this.#refuse('bandFraction', `data.ask ${fmt(ask)} must be positive and finite`);
    if (bid > ask) return this.#refuse('maxSpreadFraction', `crossed book: data.bid ${fmt(bid)} > data.ask ${fmt(ask)}`);
    const mid = 0.5 * (bid + ask);
    const spread = (ask - bid) / mid;
    if (spread > c.maxSpreadFraction) return this.#refuse('maxSpreadFraction', `spread (data.ask − data.bid)/mid ${fmt(spread)} is above ${fmt(c.maxSpreadFraction)}`);
    const bs = rows[f + 2]!, as = rows[f + 3]!;
    if (!(bs >= 0 && bs <= c.maxBookSize)) return this.#refuse('maxBookSize', `data.bidSize ${fmt(bs)} is not in [0, ${fmt(c.maxBookSize)}]`);
    if (!(as >= 0 && as <= c.maxBookSize)) return this.#refuse('maxBookSize', `data.askSize ${fmt(as)} is not in [0, ${fmt(c.maxBookSize)}]`);
    this.#reference(slot);
    const ref = this.#ref;
    if (ref === ref) {
      const dev = Math.abs(mid / ref - 1);
      if (dev > c.bandFraction) {
        // Only a source that has had a good price raises doubt: a venue never seen priced in band
        // (a new key, one forged line) is refused without holding the asset's trading hostage.
        const gts = this.#goodTs[slot]!;
        if (gts === gts) this.#disputedTs[slot] = rows[f - kTapeF0 + kTapeTs]!;
        return this.#refuse('bandFraction', `mid of data.bid/data.ask ${fmt(mid)} is ${fmt(100 * dev)} % from the reference ${fmt(ref)} (${this.#refSource}, ${this.#refCount} source${this.#refCount === 1 ? '' : 's'}), more than ${fmt(100 * c.bandFraction)} %`);
      }
    }
    const lastPx = rows[f + 4]!;
    if (lastPx === lastPx && !(Math.abs(lastPx / mid - 1) <= c.bandFraction)) {
      return this.#refuse('bandFraction', `data.last ${fmt(lastPx)} is more than ${fmt(100 * c.bandFraction)} % from the mid ${fmt(mid)}`);
    }
    const ref0 = rows[f + kTapePriceDepthRef]!;
    if (depth !== undefined && ref0 >= 0) {
      const n = rows[f + kTapePriceBidLevels]! + rows[f + kTapePriceAskLevels]!;
      for (let i = 0; i < n; i++) {
        const px = depth[ref0 + 2 * i]!, sz = depth[ref0 + 2 * i + 1]!;
        if (!(Math.abs(px / mid - 1) <= c.bandFraction)) return this.#refuse('bandFraction', `data.${i < rows[f + kTapePriceBidLevels]! ? 'bids' : 'asks'} level price ${fmt(px)} is more than ${fmt(100 * c.bandFraction)} % from the mid ${fmt(mid)}`);
        if (!(sz >= 0 && sz <= c.maxBookSize)) return this.#refuse('maxBookSize', `a data.bids/asks level size ${fmt(sz)} is not in [0, ${fmt(c.maxBookSize)}]`);
      }
    }
    return null;
  }

  #pool(rows: Float64Array, f: number, slot: number): string | null {
    const c = this.cfg;
    const px = rows[f + 6]!;
    if (!(px > 0 && px < Infinity)) return this.#refuse('ammBandFraction', `pool price ${fmt(px)} (from data.reserve0/reserve1 or data.sqrtPriceX96) must be positive and finite`);
    const r0 = rows[f]!, r1 = rows[f + 1]!, l = rows[f + 4]!;
    if (!(r0 < Infinity && r1 < Infinity) || l === Infinity) return this.#refuse('ammBandFraction', 'data.reserve0, data.reserve1 and data.liquidity must be finite');
    const own = this.#goodPx[slot]!;
    if (own === own && this.#fresh(this.#goodTs, slot)) {
      const dev = Math.abs(px / own - 1);
      if (dev > c.ammBandFraction) return this.#refuse('ammBandFraction', `pool price ${fmt(px)} is ${fmt(100 * dev)} % from the pool's last good price ${fmt(own)}, more than ${fmt(100 * c.ammBandFraction)} %`);
    }
    return null;
  }

  #apy(rows: Float64Array, at: number, name: string): string | null {
    const c = this.cfg;
    const v = rows[at]!;
    if (v === v && !(v >= c.minApyPct && v <= c.maxApyPct)) {
      return this.#refuse('maxApyPct', `data.${name} ${fmt(v)} is not in [${fmt(c.minApyPct)}, ${fmt(c.maxApyPct)}] %`);
    }
    return null;
  }

  #yield(rows: Float64Array, f: number, slot: number): string | null {
    const c = this.cfg;
    const ts = rows[f - kTapeF0 + kTapeTs]!;
    const apy = rows[f]!, tvl = rows[f + 3]!;
    const bad = this.#apy(rows, f, 'apy') ?? this.#apy(rows, f + 1, 'apyBase') ?? this.#apy(rows, f + 2, 'apyReward') ??
      this.#apy(rows, f + 10, 'apyBorrow') ?? this.#apy(rows, f + 7, 'mu');
    if (bad !== null) return bad;
    if (tvl === tvl && !(tvl >= 0 && tvl <= c.maxTvlUsd)) return this.#refuse('maxTvlUsd', `data.tvlUsd ${fmt(tvl)} is not in [0, ${fmt(c.maxTvlUsd)}]`);
    const sigma = rows[f + 8]!;
    if (sigma === sigma && !(sigma <= c.maxApyPct)) return this.#refuse('maxApyPct', `data.sigma ${fmt(sigma)} is above ${fmt(c.maxApyPct)}`);
    // the quarantine of jumps, at the door: a held update enters the state flagged, so no consumer trades on it
    const x = this.#scr;
    x[kScrAccApy] = this.#accApy[slot]!; x[kScrAccTvl] = this.#accTvl[slot]!; x[kScrAccTs] = this.#accTs[slot]!;
    x[kScrPendApy] = this.#pendApy[slot]!; x[kScrPendTvl] = this.#pendTvl[slot]!; x[kScrPendTs] = this.#pendTs[slot]!;
    x[kScrApy] = apy; x[kScrTvl] = tvl; x[kScrTs] = ts;
    x[kScrFactor] = this.#screen.quarantineFactor; x[kScrWindowUs] = this.#screen.quarantineWindowUs;
    const pend = this.#pendApy[slot]!;
    let v: number;
    if (this.#accTs[slot]! !== this.#accTs[slot]!) {
      // never accepted: a first sight late in the stream is held; the pending one is then the reference
      const late = this.#start === this.#start && ts - this.#start > c.firstSightAfterUs;
      if (pend !== pend) v = late ? kScreenHold : kScreenAccept;
      else {
        x[kScrAccApy] = pend; x[kScrAccTvl] = this.#pendTvl[slot]!; x[kScrAccTs] = this.#pendTs[slot]!; // jumps measured from the held sight
        v = screenYieldPacked(x);
        v = ts <= this.#pendTs[slot]! ? kScreenRepeat : v === kScreenHold || v === kScreenConfirm ? kScreenHold : kScreenConfirm;
      }
    } else {
      v = screenYieldPacked(x);
    }
    // a confirmation too soon after the held jump: still held, the jump keeps its time
    if (v === kScreenConfirm && ts - this.#pendTs[slot]! < c.yieldConfirmAfterUs) v = kScreenRepeat;
    if (v === kScreenHold) {
      this.#pendApy[slot] = apy; this.#pendTvl[slot] = tvl; this.#pendTs[slot] = ts;
      this.counts.held++;
      this.held = 1;
    } else if (v === kScreenRepeat) {
      this.held = 1;
    } else {
      if (v === kScreenConfirm) this.counts.confirmed++;
      this.#pendApy[slot] = NaN; this.#pendTvl[slot] = NaN; this.#pendTs[slot] = NaN;
      this.#accApy[slot] = apy; this.#accTvl[slot] = tvl; this.#accTs[slot] = ts;
    }
    return null;
  }

  /** Records an admitted event (after it entered the state): clocks and last good prices. */
  accepted(rows: Float64Array, row: number): void {
    if (!this.cfg.enabled) return;
    const o = row * kTapeWidth;
    const slot = rows[o + kTapeSlot]! | 0;
    const ts = rows[o + kTapeTs]!;
    const f = o + kTapeF0;
    const type = rows[o + kTapeType]! | 0;
    if (!(ts <= this.#lastTs[slot]!) && type !== kTypeGovernance && type !== kTypeGovernancePassed) this.#lastTs[slot] = ts;
    if (this.#start !== this.#start) this.#start = ts;
    if (!(ts <= this.#clock)) {
      if (ts - this.#clock > this.cfg.maxAheadUs) this.#candTs = NaN;
      this.#clock = ts;
    }
    if (this.#candTs === this.#candTs && !(this.#candTs - ts > this.cfg.maxAheadUs)) this.#candTs = NaN;
    if (type === kTypePrice) {
      this.#goodPx[slot] = 0.5 * (rows[f]! + rows[f + 1]!);
      this.#goodTs[slot] = ts;
      this.#disputedTs[slot] = NaN;
    } else if (type === kTypePool) {
      this.#goodPx[slot] = rows[f + 6]!;
      this.#goodTs[slot] = ts;
    }
  }

  // ---- pre-trade questions (per decision, not per tick) ----------------------------------------

  /** Why the asset of `slot` takes no new risk now (its sources disagree or are too few), or null. */
  assetDoubt(slot: number): string | null {
    if (!this.cfg.enabled || !(slot >= 0 && slot < this.#cap)) return null;
    const g = this.#group[slot]!;
    if (g < 0 || this.#kind[slot] !== kKindBook) return null;
    const c = this.cfg;
    const name = this.#groupName[g]!;
    // no price of this asset ever passed the gate (state written around it, as test harnesses do): no view
    let seen = false;
    for (let i = this.#groupStart[g]!, end = this.#groupStart[g + 1]!; i < end && !seen; i++) seen = this.#goodTs[this.#members[i]!] === this.#goodTs[this.#members[i]!];
    if (!seen) return null;
    let fresh = 0;
    for (let i = this.#groupStart[g]!, end = this.#groupStart[g + 1]!; i < end; i++) {
      const m = this.#members[i]!;
      if (this.#fresh(this.#disputedTs, m)) {
        return `asset ${name} in doubt: ${this.#keys[m]} disagrees with its reference beyond plausibility.bandFraction ${fmt(c.bandFraction)}; no new risk until the sources agree`;
      }
      if (this.#fresh(this.#goodTs, m)) fresh++;
    }
    if (fresh < c.minSources) {
      return `asset ${name} in doubt: ${fresh} fresh source${fresh === 1 ? '' : 's'} (plausibility.minSources ${c.minSources}, stale after plausibility.staleAfterUs ${c.staleAfterUs}); no new risk`;
    }
    this.#groupMedian(g, -1);
    const med = this.#med;
    for (let i = this.#groupStart[g]!, end = this.#groupStart[g + 1]!; i < end; i++) {
      const m = this.#members[i]!;
      if (!this.#fresh(this.#goodTs, m)) continue;
      const dev = Math.abs(this.#goodPx[m]! / med - 1);
      if (dev > c.bandFraction) {
        return `asset ${name} in doubt: ${this.#keys[m]} is ${fmt(100 * dev)} % from the median of its fresh sources (plausibility.bandFraction ${fmt(c.bandFraction)}); no new risk`;
      }
    }
    return null;
  }

  /** How far a book slot's last good mid lies from the median of the other fresh venues (NaN: no reference). */
  bandDeviation(slot: number): number {
    if (!(slot >= 0 && slot < this.#cap) || this.#kind[slot] !== kKindBook) return NaN;
    const g = this.#group[slot]!;
    if (g < 0) return NaN;
    this.#groupMedian(g, slot);
    const ref = this.#med;
    const px = this.#goodPx[slot]!;
    return ref === ref && px === px ? Math.abs(px / ref - 1) : NaN;
  }

  /** Book sources with no accepted update for plausibility.staleAfterUs (at the stream clock). */
  staleSources(): number {
    let n = 0;
    for (let s = 0; s < this.#cap; s++) if (this.#kind[s] === kKindBook && this.#goodTs[s] === this.#goodTs[s] && !this.#fresh(this.#goodTs, s)) n++;
    return n;
  }

  /** The decoded event of a tape row as JSON text (for the dead letter of a refused event: its raw text is gone). */
  describe(rows: Float64Array, row: number): string {
    const o = row * kTapeWidth;
    const slot = rows[o + kTapeSlot]!;
    const fields: number[] = [];
    for (let i = 0; i < kTapeFields; i++) fields.push(rows[o + kTapeF0 + i]!);
    return JSON.stringify({
      decoded: true, ts: rows[o + kTapeTs], type: kEventTypeNames[rows[o + kTapeType]!] ?? rows[o + kTapeType],
      key: this.#keys[slot] ?? null, fields: fields.map((x) => (Number.isFinite(x) ? x : String(x))),
    });
  }

  /** Whether slot s is a yield pool whose state values are held (unconfirmed). */
  isHeld(s: number): boolean { return this.#kind[s] === kKindYield && this.#pendApy[s] === this.#pendApy[s]; }

  /** The counts, with the stale sources at the stream clock now. */
  summary(): PlausibilityCounts {
    this.counts.staleSources = this.staleSources();
    return { ...this.counts, refusedByCheck: { ...this.counts.refusedByCheck } };
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('cfg');
    v.r('screen', this.#screen);
    v.r('cap', this.#cap);
    v.r('kind', this.#kind);
    v.r('group', this.#group);
    v.r('groupStart', this.#groupStart);
    v.r('members', this.#members);
    v.r('groupName', this.#groupName);
    v.r('scratch', this.#scratch);
    v.r('keys', this.#keys);
    v.r('slotOfKey', this.#slotOfKey);
    v.r('lastTs', this.#lastTs);
    v.r('goodPx', this.#goodPx);
    v.r('goodTs', this.#goodTs);
    v.r('disputedTs', this.#disputedTs);
    v.r('accApy', this.#accApy);
    v.r('accTvl', this.#accTvl);
    v.r('accTs', this.#accTs);
    v.r('pendApy', this.#pendApy);
    v.r('pendTvl', this.#pendTvl);
    v.r('pendTs', this.#pendTs);
    v.r('scr', this.#scr);
    this.#clock = v.f('clock', this.#clock);
    this.#start = v.f('start', this.#start);
    this.#candTs = v.f('candTs', this.#candTs);
    this.#candSlot = v.f('candSlot', this.#candSlot);
    this.held = v.f('held', this.held);
    this.lastCheck = v.f('lastCheck', this.lastCheck);
    v.r('counts', this.counts);
    this.#refCount = v.f('refCount', this.#refCount);
    this.#med = v.f('med', this.#med);
    this.#ref = v.f('ref', this.#ref);
    this.#refSource = v.f('refSource', this.#refSource);
  }
}

