// Market analyzer: volatility, regime and co-movement of the assets, and the market events that
// feed back into the engine as triggers.
//  - EWMA volatility: the daily σ of each asset's log returns on the covariance clock
//    (asset_returns.ts; RiskMetrics EWMA with irregular intervals).
//  - Regime: the Lo–MacKinlay variance ratio VR(q) of the last `market.windowSamples` returns with
//    its heteroskedasticity-robust z*; trending when z* > regimeZ (returns positively
//    autocorrelated: momentum), mean-reverting when z* < −regimeZ, a random walk otherwise
//    (finance/regime.ts). The lag-1 autocorrelation is reported beside it.
//  - Rolling correlation of each asset with the reference asset (BTC, else the first) over the
//    same window.
//  - major_price_movement: an asset's mid at least majorMovePct above the lowest or below the
//    highest sampled mid of the last moveWindowUs; the window then restarts from the event's price.
//  - liquidation_cascade: at least cascadeMinCount liquidations of one protocol totalling at least
//    cascadeUsd within cascadeWindowUs; the count restarts after the event.
// Both window rules are evaluated at the event that completes them, at its own event time: the
// agent reads every event since its last cycle from the event ring (onEvent), those that triggered
// no cycle included, so a small liquidation is counted at its time, not at the next cycle's. When
// the ring lapped (onEventsLost: the events from the first overwritten entry on are not delivered)
// the cycle's state stands in for them, at the cycle's time: the liquidations the state counts
// beyond those delivered (a catch-up, which remembers the slot's epoch so that no event it covered
// is counted again when delivered later) and the representative mids. Without a lap the state is
// not read for liquidations (in realtime it may already hold events the next cycle delivers).
// Events are records (kRecMarketEvent); consolidation (engine/consolidate/market_fusion.ts) turns
// them into derived events that the engine replays as triggers. Regime changes are records too;
// the per-asset figures go into the table of the representative book.
import { kEpoch, kEventTs, kEventType, kEventV0, kFieldCount, kKindProtocol, kLiqCount, kLiqUsd } from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import { kTypeLiquidation, kTypePrice } from '../../protocol/events.ts';
import { cycleNowUs, type Agent, type AgentContext } from './agent.ts';
import { AssetReturns } from './asset_returns.ts';
import type { AgentConfig } from './config.ts';
import {
  kMarketEventCascade, kMarketEventMajorMove, kMarketTableAutocorr, kMarketTableCorrToRef, kMarketTableRegime,
  kMarketTableSigmaDaily, kMarketTableVarianceRatio, kMarketTableWidth, kMarketTableZ, kRecMarketEvent, kRecMarketRegime,
} from '../../protocol/records.ts';
import type { ResultWriter } from '../../protocol/result_region.ts';
import {
  autocorrelation, correlation, kVrOutLength, kVrRatio, kVrZRobust, regimeOf, ReturnWindow, varianceRatio,
} from '../../finance/regime.ts';
import type { Fields } from '../../protocol/snapshot.ts';
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecValue } from '../../protocol/layout.ts';

/** Regime statistics recomputed per cycle at most (spreads the work of a sample over cycles). */
const kRegimeAssetsPerCycle = 2;
/** Liquidations remembered per protocol within the cascade window. */
const kCascadeRing = 64;
/** Events a cycle can hold. */
const kMaxEventsPerCycle = 32;

export class MarketAnalyzer implements Agent {
  #view!: MarketView;
  #out!: ResultWriter;
  #cfg!: AgentConfig;
  #ret!: AssetReturns;
  #window!: ReturnWindow;
  #ok!: Int32Array; // scratch: assets that had a return in this sample
  #refAsset = 0;
  #refLinear!: Float64Array;
  #vr = new Float64Array(kVrOutLength);
  #regime!: Int32Array; // last published regime per asset (2 = none yet)
  #dirty!: Uint8Array; // regime statistics to recompute since the last sample
  #nextDirty = 0;
  // moves: per asset a ring of sampled mids over the move window, and its high / low
  #moveCap = 0;
  #moveRing!: Float64Array;
  #moveTs!: Float64Array;
  #moveCount!: Int32Array;
  #moveHead!: Int32Array;
  #high!: Float64Array;
  #low!: Float64Array;
  // cascades: per protocol slot a ring of (ts, USD, count) and the cumulative figures last seen
  #cascadeTs!: Float64Array;
  #cascadeUsd!: Float64Array;
  #cascadeCount!: Float64Array;
  #cascadeN!: Int32Array;
  #cascadeHead!: Int32Array;
  #lastLiqUsd!: Float64Array;
  #lastLiqCount!: Float64Array;
  // pending events: slot, change %, price / count, reference / USD, severity, code
  #events = new Float64Array(6 * kMaxEventsPerCycle);
  #nEvents = 0;
  #q = new Float64Array(kFieldCount);
  #sawEvents = false; // this cycle's events came through onEvent (moves were checked per event)
  #lost = false; // this cycle's events were not all delivered (the ring lapped): the state stands in
  #caughtUp!: Float64Array; // per protocol slot: the epoch up to which a catch-up counted its liquidations

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    this.#out = ctx.out;
    this.#cfg = ctx.config;
    const m = ctx.config.market;
    this.#ret = new AssetReturns(ctx.view, ctx.registry, ctx.config);
    const n = Math.max(1, this.#ret.n);
    this.#window = new ReturnWindow(n, Math.max(4, m.windowSamples));
    this.#ok = new Int32Array(n);
    const btc = this.#ret.indexOf('BTC');
    this.#refAsset = btc >= 0 ? btc : 0;
    this.#refLinear = new Float64Array(this.#window.capacity);
    this.#regime = new Int32Array(n).fill(2);
    this.#dirty = new Uint8Array(n);
    this.#moveCap = Math.max(2, Math.ceil(m.moveWindowUs / ctx.config.covariance.sampleUs) + 1);
    this.#moveRing = new Float64Array(n * this.#moveCap);
    this.#moveTs = new Float64Array(n * this.#moveCap);
    this.#moveCount = new Int32Array(n);
    this.#moveHead = new Int32Array(n);
    this.#high = new Float64Array(n).fill(NaN);
    this.#low = new Float64Array(n).fill(NaN);
    const cap = ctx.registry.capacity;
    this.#cascadeTs = new Float64Array(cap * kCascadeRing);
    this.#cascadeUsd = new Float64Array(cap * kCascadeRing);
    this.#cascadeCount = new Float64Array(cap * kCascadeRing);
    this.#cascadeN = new Int32Array(cap);
    this.#cascadeHead = new Int32Array(cap);
    this.#lastLiqUsd = new Float64Array(cap);
    this.#lastLiqCount = new Float64Array(cap);
    this.#caughtUp = new Float64Array(cap);
    const t = ctx.out;
    for (let s = 0; s < cap; s++) for (let c = 0; c < kMarketTableWidth; c++) t.setTable(c, s, NaN);
  }

  /** Every event since the last cycle, in order, at its own time. */
  onEvent(slot: number, epoch: number, ev: Float64Array): void {
    const type = ev[kEventType]!;
    this.#sawEvents = true;
    if (type === kTypeLiquidation) {
      if (epoch <= this.#caughtUp[slot]!) return; // a catch-up after a lap counted it already
      const usd = ev[kEventV0]!;
      this.#lastLiqUsd[slot] = this.#lastLiqUsd[slot]! + usd;
      this.#lastLiqCount[slot] = this.#lastLiqCount[slot]! + 1;
      this.#addLiquidations(slot, usd, 1, ev[kEventTs]!);
    } else if (type === kTypePrice) {
      const a = this.#ret.assetOfRep[slot]!;
      if (a >= 0) this.#checkMove(a, ev[kEventV0]!, ev[kEventTs]!);
    }
  }

  onEventsLost(): void {
    this.#lost = true;
  }

  onChange(slot: number): void {
    const nowUs = cycleNowUs(this.#view);
    const a = this.#ret.onChange(slot);
    const fromState = this.#lost || !this.#sawEvents; // the events did not (all) come through onEvent
    if (a >= 0) { if (fromState) this.#checkMove(a, this.#ret.price[a]!, nowUs); return; }
    if (fromState && this.#view.kind(slot) === kKindProtocol) this.#onProtocol(slot, nowUs);
  }

  /** A representative book's mid `mid` at `nowUs`: compare it with the window's high and low. */
  #checkMove(a: number, mid: number, nowUs: number): void {
    const hi = this.#high[a]!, lo = this.#low[a]!;
    if (!(mid > 0 && hi > 0 && lo > 0)) return;
    const thr = this.#cfg.market.majorMovePct / 100;
    let ref = NaN;
    if (mid / lo - 1 >= thr) ref = lo;
    else if (1 - mid / hi >= thr) ref = hi;
    if (!(ref > 0)) return;
    const changePct = (mid / ref - 1) * 100;
    this.#event(this.#ret.repSlot[a]!, changePct, mid, ref, Math.min(10, Math.abs(changePct)), kMarketEventMajorMove);
    // restart the window from here: a continuing move must travel the threshold again
    this.#moveCount[a] = 0;
    this.#pushMove(a, mid, nowUs);
  }

  /** Adds a sampled mid and recomputes the high and low of the samples within the move window. */
  #pushMove(a: number, price: number, nowUs: number): void {
    const c = this.#moveCap;
    this.#moveRing[a * c + this.#moveHead[a]!] = price;
    this.#moveTs[a * c + this.#moveHead[a]!] = nowUs;
    this.#moveHead[a] = (this.#moveHead[a]! + 1) % c;
    if (this.#moveCount[a]! < c) this.#moveCount[a] = this.#moveCount[a]! + 1;
    let hi = -Infinity, lo = Infinity;
    const k = this.#moveCount[a]!;
    const window = this.#cfg.market.moveWindowUs;
    for (let i = 0; i < k; i++) {
      const j = a * c + ((this.#moveHead[a]! - 1 - i + c) % c);
      if (nowUs - this.#moveTs[j]! > window) break;
      const p = this.#moveRing[j]!;
      if (p > hi) hi = p;
      if (p < lo) lo = p;
    }
    this.#high[a] = hi;
    this.#low[a] = lo;
  }

  /**
   * Liquidations the state holds that no event delivered (the ring lapped): added to the
   * protocol's window at the cycle's time. The slot's epoch in the same read says which events
   * they cover (a later delivery of one of them is skipped).
   */
  #onProtocol(slot: number, nowUs: number): void {
    const q = this.#q;
    this.#view.read(slot, q);
    if (q[kEpoch]! > this.#caughtUp[slot]!) this.#caughtUp[slot] = q[kEpoch]!;
    const usd = q[kLiqUsd]! === q[kLiqUsd]! ? q[kLiqUsd]! : 0;
    const count = q[kLiqCount]! === q[kLiqCount]! ? q[kLiqCount]! : 0;
    const dUsd = usd - this.#lastLiqUsd[slot]!, dCount = count - this.#lastLiqCount[slot]!;
    this.#lastLiqUsd[slot] = usd;
    this.#lastLiqCount[slot] = count;
    if (!(dCount > 0)) return;
    this.#addLiquidations(slot, dUsd, dCount, nowUs);
  }

  /** Adds liquidations at event time `nowUs` to the protocol's window and tests the cascade rule there. */
  #addLiquidations(slot: number, dUsd: number, dCount: number, nowUs: number): void {
    const base = slot * kCascadeRing;
    const head = this.#cascadeHead[slot]!;
    this.#cascadeTs[base + head] = nowUs;
    this.#cascadeUsd[base + head] = dUsd;
    this.#cascadeCount[base + head] = dCount;
    this.#cascadeHead[slot] = (head + 1) % kCascadeRing;
    if (this.#cascadeN[slot]! < kCascadeRing) this.#cascadeN[slot] = this.#cascadeN[slot]! + 1;
    const m = this.#cfg.market;
    let sumUsd = 0, sumCount = 0;
    for (let i = 0; i < this.#cascadeN[slot]!; i++) {
      const j = base + ((this.#cascadeHead[slot]! - 1 - i + kCascadeRing) % kCascadeRing);
      if (nowUs - this.#cascadeTs[j]! > m.cascadeWindowUs) break;
      sumUsd += this.#cascadeUsd[j]!;
      sumCount += this.#cascadeCount[j]!;
    }
    if (sumUsd >= m.cascadeUsd && sumCount >= m.cascadeMinCount) {
      const severity = Math.min(10, 5 + (5 * sumUsd) / (4 * m.cascadeUsd));
      this.#event(slot, 0, sumCount, sumUsd, severity, kMarketEventCascade);
      this.#cascadeN[slot] = 0;
    }
  }

  #event(slot: number, changePct: number, value: number, size: number, severity: number, code: number): void {
    if (this.#nEvents >= kMaxEventsPerCycle) return;
    const o = this.#nEvents++ * 6;
    const e = this.#events;
    e[o] = slot; e[o + 1] = changePct; e[o + 2] = value; e[o + 3] = size; e[o + 4] = severity; e[o + 5] = code;
  }

  emit(nowUs: number): void {
    this.#sawEvents = false;
    this.#lost = false;
    const out = this.#out;
    const e = this.#events;
    for (let i = 0; i < this.#nEvents; i++) {
      const o = i * 6;
      const nx = out.next; // the numbers through out.next: no boxed arguments per record
      nx[kRecScore] = e[o + 1]!; nx[kRecValue] = e[o + 2]!; nx[kRecSize] = e[o + 3]!; nx[kRecRisk] = e[o + 4]!; nx[kRecAux] = e[o + 5]!;
      out.pushNext(kRecMarketEvent, e[o]!, -1);
    }
    this.#nEvents = 0;
    const ret = this.#ret;
    if (ret.maybeSample(nowUs)) {
      const r = ret.cov.lastReturn;
      for (let a = 0; a < ret.n; a++) {
        this.#ok[a] = ret.cov.count[a]! > 0 && ret.price[a]! > 0 ? 1 : 0;
        if (ret.price[a]! > 0) this.#pushMove(a, ret.price[a]!, nowUs);
        this.#dirty[a] = 1;
      }
      this.#window.push(r, this.#ok);
      this.#nextDirty = 0;
    }
    // recompute a few assets' regime statistics per cycle
    let done = 0;
    while (done < kRegimeAssetsPerCycle && this.#nextDirty < ret.n) {
      const a = this.#nextDirty++;
      if (this.#dirty[a] === 0) continue;
      this.#dirty[a] = 0;
      this.#regimeOf(a);
      done++;
    }
  }

  #regimeOf(a: number): void {
    const ret = this.#ret;
    const m = this.#cfg.market;
    const slot = ret.repSlot[a]!;
    const t = this.#out;
    t.setTable(kMarketTableSigmaDaily, slot, ret.cov.sigmaDaily(a));
    const w = this.#window;
    const len = w.unroll(a, w.capacity);
    const q = m.varianceRatioLag;
    if (len < Math.max(4 * q, ret.minSamples)) return;
    const lin = w.linear;
    varianceRatio(lin, 0, len, q, this.#vr);
    const vr = this.#vr[kVrRatio]!, z = this.#vr[kVrZRobust]!;
    const ac = autocorrelation(lin, 0, len, 1);
    const regime = regimeOf(z, m.regimeZ);
    t.setTable(kMarketTableVarianceRatio, slot, vr);
    t.setTable(kMarketTableZ, slot, z);
    t.setTable(kMarketTableRegime, slot, regime);
    t.setTable(kMarketTableAutocorr, slot, ac);
    if (a !== this.#refAsset) {
      const lr = w.unroll(this.#refAsset, len, this.#refLinear);
      const k = Math.min(lr, len);
      t.setTable(kMarketTableCorrToRef, slot, correlation(lin, len - k, this.#refLinear, lr - k, k));
    } else {
      t.setTable(kMarketTableCorrToRef, slot, 1);
    }
    if (regime !== this.#regime[a] && vr === vr) {
      this.#regime[a] = regime;
      this.#out.push(kRecMarketRegime, slot, -1, vr, ret.cov.sigmaDaily(a), ac, z, regime);
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('view');
    this.#out = v.f('out', this.#out);
    v.b('cfg');
    this.#ret = v.f('ret', this.#ret);
    this.#window = v.f('window', this.#window);
    this.#ok = v.f('ok', this.#ok);
    this.#refAsset = v.f('refAsset', this.#refAsset);
    this.#refLinear = v.f('refLinear', this.#refLinear);
    this.#vr = v.f('vr', this.#vr);
    this.#regime = v.f('regime', this.#regime);
    this.#dirty = v.f('dirty', this.#dirty);
    this.#nextDirty = v.f('nextDirty', this.#nextDirty);
    this.#moveCap = v.f('moveCap', this.#moveCap);
    this.#moveRing = v.f('moveRing', this.#moveRing);
    this.#moveTs = v.f('moveTs', this.#moveTs);
    this.#moveCount = v.f('moveCount', this.#moveCount);
    this.#moveHead = v.f('moveHead', this.#moveHead);
    this.#high = v.f('high', this.#high);
    this.#low = v.f('low', this.#low);
    this.#cascadeTs = v.f('cascadeTs', this.#cascadeTs);
    this.#cascadeUsd = v.f('cascadeUsd', this.#cascadeUsd);
    this.#cascadeCount = v.f('cascadeCount', this.#cascadeCount);
    this.#cascadeN = v.f('cascadeN', this.#cascadeN);
    this.#cascadeHead = v.f('cascadeHead', this.#cascadeHead);
    this.#lastLiqUsd = v.f('lastLiqUsd', this.#lastLiqUsd);
    this.#lastLiqCount = v.f('lastLiqCount', this.#lastLiqCount);
    this.#events = v.f('events', this.#events);
    this.#nEvents = v.f('nEvents', this.#nEvents);
    this.#q = v.f('q', this.#q);
    this.#sawEvents = v.f('sawEvents', this.#sawEvents);
    this.#lost = v.f('lost', this.#lost);
    this.#caughtUp = v.f('caughtUp', this.#caughtUp);
  }
}
