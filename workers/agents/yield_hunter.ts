// Yield hunter: scores every yield pool in the data (the record's protocols — aave, compound,
// yearn, convex, curve, uniswap_v3 — and any other) with the record's formula
//   score = 0.3·min(apy/20,1) + 0.2·min(tvl/10M,1) + 0.25·protocol + 0.15·market + 0.1·(1 − risk/10)
// applies the record's filters (min APY, min TVL, max risk) and publishes the top K candidates.
// Inputs, where a pool has them (DefiLlama fields; finance/yield_signals.ts has the math):
//  - apy in the score and the filter is net of a haircut on the reward part (yield.rewardHaircut);
//  - protocol = the reliability of the pool's protocol, DefiLlama slugs mapped to the table's names;
//  - risk = riskScore0to10 (ilRisk, exposure, stablecoin, reliability, TVL, APY volatility) plus
//    stability points for an APY far above its history (z-score against mu, sigma). APY volatility
//    is the larger of the EWMA of the pool's accepted APY changes and DefiLlama's sigma in APY units;
//  - market = 1/(1 + stress/20M) · min(1, 2·predictedUp): falls with recent liquidation-cascade
//    volume on the protocol (decaying with τ = 1 h) and with a DefiLlama "Down" prediction.
// Clean yield data: an update whose APY or TVL rises more than yield.quarantineFactor times within
// yield.quarantineWindowUs of the last accepted one is quarantined — the pool keeps its last
// accepted values — until a later update confirms the new level (screenYieldUpdate). The running
// count is in the region's metrics line at kResQuarantined.
// Hot path: onChange and the ranking use typed arrays sized at init; only pools whose inputs
// changed (or whose protocol carries decaying stress) are re-scored.
import {
  kApy, kApyBase, kApyReward, kCascadeUsd, kEpoch, kExposureMulti, kFieldCount, kIlRisk, kKindProtocol, kKindYield,
  kMu, kPredictedUp, kResQuarantined, kSigma, kStablecoin, kTs, kTvl, kYieldHeld,
} from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import { cycleNowUs, type Agent, type AgentContext } from './agent.ts';
import type { AgentConfig } from './config.ts';
import { kRecYield } from '../../protocol/records.ts';
import type { ResultWriter } from '../../protocol/result_region.ts';
import { ewmaVariance } from '../../finance/stats.ts';
import {
  canonicalProtocol, kRiskScoreSlots, kRskApyVol, kRskExposure, kRskIl, kRskOut, kRskReliability, kRskStable, kRskTvl, passesYieldFilters,
  reliabilityOf, riskScore0to10Packed, yieldScore,
} from '../../finance/yield_score.ts';

export { canonicalProtocol };
import {
  apyZScore, effectiveApyPct, kScreenHold, kScreenRepeat, predictionFactor, screenYieldUpdate, sigmaToApyStdPct, stabilityRiskPoints,
} from '../../finance/yield_signals.ts';
import type { Fields } from '../../protocol/snapshot.ts';
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecValue } from '../../protocol/layout.ts';

/** Cascade volume (USD) at which the market score halves. */
const kStressHalfUsd = 20_000_000;
/** Time constant (µs) of the decay of a protocol's stress: one hour. */
const kStressTauUs = 3_600_000_000;

// Accepted copy of a pool's inputs: columns of #acc (field-major, like the state)
const kAccApy = 0, kAccBase = 1, kAccReward = 2, kAccTvl = 3, kAccIl = 4, kAccMulti = 5, kAccStable = 6;
const kAccMu = 7, kAccSigma = 8, kAccUp = 9, kAccTs = 10;
const kAccFields = 11;
const kAccFromState = [kApy, kApyBase, kApyReward, kTvl, kIlRisk, kExposureMulti, kStablecoin, kMu, kSigma, kPredictedUp, kTs];

export class YieldHunter implements Agent {
  #view!: MarketView;
  #out!: ResultWriter;
  #cfg!: AgentConfig;
  #cap = 0;
  #pools!: Int32Array; // yield slots
  #reliability!: Float64Array; // slot → protocol reliability 0..1
  #protocolOf!: Int32Array; // yield slot → protocol index; protocol slot → protocol index
  #stress!: Float64Array; // protocol index → decayed cascade volume (USD)
  #stressTs!: Float64Array;
  #lastCascade!: Float64Array; // protocol slot → cumulative cascade USD seen
  #acc!: Float64Array; // kAccFields columns × capacity: the accepted inputs
  #pendApy!: Float64Array; // quarantined update (NaN: none)
  #pendTvl!: Float64Array;
  #pendTs!: Float64Array;
  #seenEpoch!: Float64Array; // slot → epoch of the last write looked at
  #apyVar!: Float64Array; // slot → EWMA variance of accepted APY changes (pp²)
  #stale!: Uint8Array; // slot → inputs changed since it was last scored
  #score!: Float64Array;
  #risk!: Float64Array;
  #apyEff!: Float64Array;
  #passes!: Uint8Array;
  #quarantined = 0;
  #dirty = true;
  #topSlot!: Int32Array;
  #topScore!: Float64Array;
  #q = new Float64Array(kFieldCount);
  /** riskScore0to10Packed's inputs and score (a call V8 does not inline boxes double arguments). */
  #rsk = new Float64Array(kRiskScoreSlots);

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    this.#out = ctx.out;
    this.#cfg = ctx.config;
    const reg = ctx.registry;
    const cap = reg.capacity;
    this.#cap = cap;
    const protocols = new Map<string, number>();
    const idx = (name: string): number => {
      const key = canonicalProtocol(name);
      let i = protocols.get(key);
      if (i === undefined) { i = protocols.size; protocols.set(key, i); }
      return i;
    };
    const pools: number[] = [];
    this.#reliability = new Float64Array(cap);
    this.#protocolOf = new Int32Array(cap).fill(-1);
    for (let s = 0; s < reg.size; s++) {
      const m = reg.meta[s]!;
      if (m.kind === kKindYield) {
        pools.push(s);
        this.#reliability[s] = reliabilityOf(canonicalProtocol(m.protocol));
        this.#protocolOf[s] = idx(m.protocol);
      } else if (m.kind === kKindProtocol) {
        this.#protocolOf[s] = idx(m.protocol);
      }
    }
    this.#pools = Int32Array.from(pools);
    this.#stress = new Float64Array(protocols.size);
    this.#stressTs = new Float64Array(protocols.size);
    this.#lastCascade = new Float64Array(cap);
    this.#acc = new Float64Array(kAccFields * cap).fill(NaN);
    this.#pendApy = new Float64Array(cap).fill(NaN);
    this.#pendTvl = new Float64Array(cap).fill(NaN);
    this.#pendTs = new Float64Array(cap).fill(NaN);
    this.#seenEpoch = new Float64Array(cap).fill(NaN);
    this.#apyVar = new Float64Array(cap);
    this.#stale = new Uint8Array(cap);
    this.#score = new Float64Array(cap).fill(NaN);
    this.#risk = new Float64Array(cap).fill(NaN);
    this.#apyEff = new Float64Array(cap).fill(NaN);
    this.#passes = new Uint8Array(cap);
    const k = Math.max(1, this.#cfg.yield.topK);
    this.#topSlot = new Int32Array(k);
    this.#topScore = new Float64Array(k);
  }

  /** Yield updates quarantined so far. */
  get quarantined(): number { return this.#quarantined; }

  onChange(slot: number): void {
    const nowUs = cycleNowUs(this.#view);
    const view = this.#view;
    const q = this.#q;
    const kind = view.kind(slot);
    if (kind === kKindProtocol) {
      view.read(slot, q);
      const cum = q[kCascadeUsd]! === q[kCascadeUsd]! ? q[kCascadeUsd]! : 0;
      const delta = cum - this.#lastCascade[slot]!;
      this.#lastCascade[slot] = cum;
      if (delta > 0) {
        const p = this.#protocolOf[slot]!;
        this.#stress[p] = this.#decayedStress(p, nowUs) + delta;
        this.#stressTs[p] = nowUs;
        this.#dirty = true;
      }
      return;
    }
    if (kind !== kKindYield) return;
    view.read(slot, q);
    if (q[kEpoch]! === this.#seenEpoch[slot]!) return; // no new write (a full rescan)
    this.#seenEpoch[slot] = q[kEpoch]!;
    const acc = this.#acc, cap = this.#cap;
    const y = this.#cfg.yield;
    const prevApy = acc[kAccApy * cap + slot]!;
    let verdict = screenYieldUpdate(
      prevApy, acc[kAccTvl * cap + slot]!, acc[kAccTs * cap + slot]!,
      this.#pendApy[slot]!, this.#pendTvl[slot]!, this.#pendTs[slot]!,
      q[kApy]!, q[kTvl]!, q[kTs]!, y.quarantineFactor, y.quarantineWindowUs,
    );
    // held at the door (a jump or a late first sight the plausibility gate has not seen confirmed): hold it too
    if (q[kYieldHeld] === 1 && verdict !== kScreenRepeat) verdict = kScreenHold;
    if (verdict === kScreenRepeat) return;
    if (verdict === kScreenHold) {
      this.#pendApy[slot] = q[kApy]!;
      this.#pendTvl[slot] = q[kTvl]!;
      this.#pendTs[slot] = q[kTs]!;
      this.#quarantined++;
      return;
    }
    this.#pendApy[slot] = NaN;
    this.#pendTvl[slot] = NaN;
    this.#pendTs[slot] = NaN;
    const apy = q[kApy]!;
    if (prevApy === prevApy) this.#apyVar[slot] = ewmaVariance(this.#apyVar[slot]!, apy - prevApy, this.#cfg.risk.ewmaLambda);
    for (let f = 0; f < kAccFields; f++) acc[f * cap + slot] = q[kAccFromState[f]!]!;
    this.#stale[slot] = 1;
    this.#dirty = true;
  }

  #decayedStress(p: number, nowUs: number): number {
    const dt = nowUs - this.#stressTs[p]!;
    return dt > 0 ? this.#stress[p]! * Math.exp(-dt / kStressTauUs) : this.#stress[p]!;
  }

  emit(nowUs: number): void {
    if (this.#dirty) this.#rank(nowUs);
    const out = this.#out;
    out.arrays.metrics[kResQuarantined] = this.#quarantined;
    const cfg = this.#cfg;
    const k = this.#topSlot.length;
    for (let i = 0; i < k; i++) {
      const s = this.#topSlot[i]!;
      if (s < 0) break;
      const score = this.#topScore[i]!;
      const allocation = cfg.capitalUsd * cfg.yield.maxAllocationFraction * score;
      const nx = out.next; // the numbers through out.next: no boxed arguments per record
      nx[kRecScore] = score; nx[kRecValue] = this.#apyEff[s]!; nx[kRecSize] = allocation; nx[kRecRisk] = this.#risk[s]!; nx[kRecAux] = this.#reliability[s]!;
      out.pushNext(kRecYield, s, -1);
    }
  }

  /** Scores one pool from its accepted inputs. */
  #scorePool(s: number, nowUs: number): void {
    const acc = this.#acc, cap = this.#cap;
    const y = this.#cfg.yield;
    const apy = acc[kAccApy * cap + s]!, tvl = acc[kAccTvl * cap + s]!;
    const mu = acc[kAccMu * cap + s]!, sigma = acc[kAccSigma * cap + s]!;
    const rel = this.#reliability[s]!;
    const il = orDefault(acc[kAccIl * cap + s]!, 0.5), multi = orDefault(acc[kAccMulti * cap + s]!, 0.5);
    const stable = orDefault(acc[kAccStable * cap + s]!, 0);
    const apyEff = effectiveApyPct(apy, acc[kAccBase * cap + s]!, acc[kAccReward * cap + s]!, y.rewardHaircut);
    let vol = Math.sqrt(this.#apyVar[s]!);
    const sd = sigmaToApyStdPct(sigma, mu);
    if (sd > vol) vol = sd;
    const x = this.#rsk;
    x[kRskIl] = il; x[kRskExposure] = multi; x[kRskStable] = stable; x[kRskReliability] = rel; x[kRskTvl] = tvl; x[kRskApyVol] = vol;
    riskScore0to10Packed(x);
    const base = x[kRskOut]! + stabilityRiskPoints(apyZScore(apy, mu, sigma));
    const risk = base < 10 ? base : 10;
    const stress = this.#decayedStress(this.#protocolOf[s]!, nowUs);
    const market = predictionFactor(acc[kAccUp * cap + s]!) / (1 + stress / kStressHalfUsd);
    this.#score[s] = yieldScore(apyEff, tvl, rel, market, risk);
    this.#risk[s] = risk;
    this.#apyEff[s] = apyEff;
    this.#passes[s] = passesYieldFilters(apyEff, tvl, risk, y.minApy, y.minTvlUsd, y.maxRisk) ? 1 : 0;
  }

  /** Re-scores the pools whose inputs changed (and those under decaying stress) and keeps the K best that pass the filters (ties: lower slot first). */
  #rank(nowUs: number): void {
    this.#dirty = false;
    const top = this.#topSlot, topScore = this.#topScore;
    const k = top.length;
    top.fill(-1);
    topScore.fill(-Infinity);
    const pools = this.#pools;
    const tsCol = kAccTs * this.#cap;
    for (let i = 0; i < pools.length; i++) {
      const s = pools[i]!;
      if (!(this.#acc[tsCol + s]! > 0)) continue; // nothing accepted yet
      if (this.#stale[s] === 1 || this.#stress[this.#protocolOf[s]!]! > 0) {
        this.#scorePool(s, nowUs);
        this.#stale[s] = 0;
      }
      if (this.#passes[s] === 0) continue;
      const score = this.#score[s]!;
      if (!(score > topScore[k - 1]!)) continue;
      let j = k - 1; // insertion into the sorted top list
      while (j > 0 && score > topScore[j - 1]!) { topScore[j] = topScore[j - 1]!; top[j] = top[j - 1]!; j--; }
      topScore[j] = score;
      top[j] = s;
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('view');
    this.#out = v.f('out', this.#out);
    v.b('cfg');
    this.#cap = v.f('cap', this.#cap);
    this.#pools = v.f('pools', this.#pools);
    this.#reliability = v.f('reliability', this.#reliability);
    this.#protocolOf = v.f('protocolOf', this.#protocolOf);
    this.#stress = v.f('stress', this.#stress);
    this.#stressTs = v.f('stressTs', this.#stressTs);
    this.#lastCascade = v.f('lastCascade', this.#lastCascade);
    this.#acc = v.f('acc', this.#acc);
    this.#pendApy = v.f('pendApy', this.#pendApy);
    this.#pendTvl = v.f('pendTvl', this.#pendTvl);
    this.#pendTs = v.f('pendTs', this.#pendTs);
    this.#seenEpoch = v.f('seenEpoch', this.#seenEpoch);
    this.#apyVar = v.f('apyVar', this.#apyVar);
    this.#stale = v.f('stale', this.#stale);
    this.#score = v.f('score', this.#score);
    this.#risk = v.f('risk', this.#risk);
    this.#apyEff = v.f('apyEff', this.#apyEff);
    this.#passes = v.f('passes', this.#passes);
    this.#quarantined = v.f('quarantined', this.#quarantined);
    this.#dirty = v.f('dirty', this.#dirty);
    this.#topSlot = v.f('topSlot', this.#topSlot);
    this.#topScore = v.f('topScore', this.#topScore);
    this.#q = v.f('q', this.#q);
    this.#rsk = v.f('rsk', this.#rsk);
  }
}

function orDefault(x: number, d: number): number {
  return x === x ? x : d;
}
