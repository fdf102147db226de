// Yield hunter: scores every yield pool with the record's formula
//   0.3·min(apy/20,1) + 0.2·min(tvl/10M,1) + 0.25·protocol + 0.15·market + 0.1·(1 − risk/10)
// applies the record's filters (min APY, min TVL, max risk) and publishes the top K candidates.
// Market score falls with recent liquidation-cascade volume on the pool's protocol; the pool's
// risk includes the volatility of its own APY (EWMA of APY changes).
import {
  kFieldCount,
  kApy, kCascadeUsd, kExposureMulti, kIlRisk, kKindProtocol, kKindYield, kStablecoin, kTvl, kTs,
} from '../../engine/state/layout.ts';
import type { MarketView } from '../../engine/state/market_view.ts';
import type { Agent, AgentContext } from './agent.ts';
import type { AgentConfig } from './config.ts';
import { kRecYield } from './records.ts';
import type { ResultWriter } from './result_region.ts';
import { ewmaVariance } from '../finance/stats.ts';
import { passesYieldFilters, reliabilityOf, riskScore0to10, yieldScore } from '../finance/yield_score.ts';

/** Cascade volume (USD) at which the market score halves. */
const kStressHalfUsd = 20_000_000;
/** Time constant (µs) of the decay of a protocol's stress: one hour. */
const kStressTauUs = 3_600_000_000;

export class YieldHunter implements Agent {
  #view!: MarketView;
  #out!: ResultWriter;
  #cfg!: AgentConfig;
  #pools!: Int32Array; // yield slots
  #isPool!: Uint8Array;
  #reliability!: Float64Array; // slot → protocol reliability 0..1
  #protocolOf!: Int32Array; // yield slot → protocol index; protocol slot → protocol index
  #stress!: Float64Array; // protocol index → decayed cascade volume (USD)
  #stressTs!: Float64Array;
  #lastCascade!: Float64Array; // protocol slot → cumulative cascade USD seen
  #apyVar!: Float64Array; // slot → EWMA variance of APY changes (pp²)
  #lastApy!: Float64Array;
  #score!: Float64Array;
  #risk!: Float64Array;
  #dirty = true;
  #topSlot!: Int32Array;
  #topScore!: Float64Array;
  #q = new Float64Array(kFieldCount);

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    this.#out = ctx.out;
    this.#cfg = ctx.config;
    const reg = ctx.registry;
    const cap = reg.capacity;
    const protocols = new Map<string, number>();
    const idx = (name: string): number => {
      let i = protocols.get(name);
      if (i === undefined) { i = protocols.size; protocols.set(name, i); }
      return i;
    };
    const pools: number[] = [];
    this.#isPool = new Uint8Array(cap);
    this.#reliability = new Float64Array(cap);
    this.#protocolOf = new Int32Array(cap).fill(-1);
    for (let s = 0; s < reg.size; s++) {
      const m = reg.meta[s]!;
      if (m.kind === kKindYield) {
        pools.push(s);
        this.#isPool[s] = 1;
        this.#reliability[s] = reliabilityOf(m.protocol);
        this.#protocolOf[s] = idx(m.protocol);
      } else if (m.kind === kKindProtocol) {
        this.#protocolOf[s] = idx(m.protocol);
      }
    }
    this.#pools = Int32Array.from(pools);
    this.#stress = new Float64Array(protocols.size);
    this.#stressTs = new Float64Array(protocols.size);
    this.#lastCascade = new Float64Array(cap);
    this.#apyVar = new Float64Array(cap);
    this.#lastApy = new Float64Array(cap).fill(NaN);
    this.#score = new Float64Array(cap).fill(NaN);
    this.#risk = new Float64Array(cap).fill(NaN);
    const k = Math.max(1, this.#cfg.yield.topK);
    this.#topSlot = new Int32Array(k);
    this.#topScore = new Float64Array(k);
  }

  onChange(slot: number, nowUs: number): void {
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
    const apy = q[kApy]!;
    const prev = this.#lastApy[slot]!;
    if (prev === prev) this.#apyVar[slot] = ewmaVariance(this.#apyVar[slot]!, apy - prev, this.#cfg.risk.ewmaLambda);
    this.#lastApy[slot] = apy;
    this.#dirty = true;
  }

  #decayedStress(p: number, nowUs: number): number {
    const dt = nowUs - this.#stressTs[p]!;
    return dt > 0 ? this.#stress[p]! * Math.exp(-dt / kStressTauUs) : this.#stress[p]!;
  }

  emit(nowUs: number): void {
    if (this.#dirty) this.#rank(nowUs);
    const out = this.#out;
    const cfg = this.#cfg;
    const k = this.#topSlot.length;
    for (let i = 0; i < k; i++) {
      const s = this.#topSlot[i]!;
      if (s < 0) break;
      const score = this.#topScore[i]!;
      const allocation = cfg.capitalUsd * cfg.yield.maxAllocationFraction * score;
      this.#view.read(s, this.#q);
      out.push(kRecYield, s, -1, score, this.#q[kApy]!, allocation, this.#risk[s]!, this.#reliability[s]!);
    }
  }

  /** Re-scores every pool and keeps the K best that pass the filters (ties: lower slot first). */
  #rank(nowUs: number): void {
    this.#dirty = false;
    const view = this.#view;
    const q = this.#q;
    const y = this.#cfg.yield;
    const top = this.#topSlot, topScore = this.#topScore;
    const k = top.length;
    top.fill(-1);
    topScore.fill(-Infinity);
    const pools = this.#pools;
    for (let i = 0; i < pools.length; i++) {
      const s = pools[i]!;
      view.read(s, q);
      const apy = q[kApy]!, tvl = q[kTvl]!;
      if (!(q[kTs]! > 0)) continue; // never updated
      const rel = this.#reliability[s]!;
      const il = orDefault(q[kIlRisk]!, 0.5), multi = orDefault(q[kExposureMulti]!, 0.5), stable = orDefault(q[kStablecoin]!, 0);
      const risk = riskScore0to10(il, multi, stable, rel, tvl, Math.sqrt(this.#apyVar[s]!));
      const stress = this.#decayedStress(this.#protocolOf[s]!, nowUs);
      const market = 1 / (1 + stress / kStressHalfUsd);
      const score = yieldScore(apy, tvl, rel, market, risk);
      this.#score[s] = score;
      this.#risk[s] = risk;
      if (!passesYieldFilters(apy, tvl, risk, y.minApy, y.minTvlUsd, y.maxRisk)) continue;
      if (!(score > topScore[k - 1]!)) continue;
      let j = k - 1; // insertion into the sorted top list
      while (j > 0 && score > topScore[j - 1]!) { topScore[j] = topScore[j - 1]!; top[j] = top[j - 1]!; j--; }
      topScore[j] = score;
      top[j] = s;
    }
  }
}

function orDefault(x: number, d: number): number {
  return x === x ? x : d;
}
