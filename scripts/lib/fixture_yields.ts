// Yield pools (DefiLlama conventions: APY in percent, TVL in USD). APYs drift slowly around each
// pool's level (mean-reverting in log space), TVL wanders a little; an injected spike raises a
// pool's APY for tens of seconds, announced by yield_opportunity_detected and labelled.
import { roundTo } from './fixture_numbers.ts';
import type { EmitEvent } from './fixture_prices.ts';
import type { YieldPoolSpec } from './fixture_universe.ts';
import type { Prng } from './prng.ts';

interface YieldPoolState {
  spec: YieldPoolSpec;
  pool: string; // DefiLlama-style UUID
  key: string;
  topic: string;
  ilRisk: boolean;
  exposure: 'single' | 'multi';
  stablecoin: boolean;
  logBase: number; // log of apyBase (percent); mean-reverts to log(spec.apyBase)
  logReward: number;
  tvlUsd: number;
  spikeBase: number; // added percentage points while a spike runs
  spikeReward: number;
}

export interface YieldSpikeLabel {
  id: string;
  kind: 'yield_spike';
  protocol: string;
  chain: string;
  pool: string;
  symbol: string;
  key: string;
  startTs: number;
  endTs: number;
  apyBefore: number;
  apyAfter: number;
}

const kReversion = 0.02;
const kApyStepVol = 0.012;
const kTvlStepVol = 0.0008;
const kMinTvlUsd = 1e6;
const kMaxTvlUsd = 500e6;

function uuid(prng: Prng): string {
  const h = prng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[prng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class YieldMarket {
  readonly #pools: YieldPoolState[];
  readonly #prng: Prng;
  readonly #emit: EmitEvent;
  readonly #startTs: number;

  constructor(specs: readonly YieldPoolSpec[], prng: Prng, emit: EmitEvent, startTs: number) {
    this.#prng = prng;
    this.#emit = emit;
    this.#startTs = startTs;
    this.#pools = specs.map((spec) => {
      const pool = uuid(prng);
      const multi = spec.assets.length > 1;
      const stablecoin = spec.assets.every((a) => a === null);
      return {
        spec,
        pool,
        key: `${spec.protocol}:${spec.chain}:${pool}`,
        topic: `market.yields.${spec.protocol}`,
        ilRisk: multi && !stablecoin,
        exposure: multi ? 'multi' : 'single',
        stablecoin,
        logBase: Math.log(Math.max(spec.apyBase, 0.01)) + 0.1 * prng.normal(),
        logReward: Math.log(Math.max(spec.apyReward, 0.01)) + 0.1 * prng.normal(),
        tvlUsd: prng.logUniform(spec.tvlLo, spec.tvlHi),
        spikeBase: 0,
        spikeReward: 0,
      };
    });
  }

  get poolCount(): number { return this.#pools.length; }

  #apys(p: YieldPoolState): { apy: number; apyBase: number; apyReward: number } {
    const apyBase = roundTo(Math.exp(p.logBase) + p.spikeBase, 4);
    const apyReward = p.spec.apyReward > 0 || p.spikeReward > 0 ? roundTo(Math.exp(p.logReward) + p.spikeReward, 4) : 0;
    return { apy: roundTo(apyBase + apyReward, 4), apyBase, apyReward };
  }

  #emitPool(p: YieldPoolState, t: number, type: 'yield_update' | 'yield_opportunity_detected'): void {
    const { apy, apyBase, apyReward } = this.#apys(p);
    this.#emit({
      ts: this.#startTs + t,
      type,
      topic: p.topic,
      key: p.key,
      data: {
        protocol: p.spec.protocol, chain: p.spec.chain, pool: p.pool, symbol: p.spec.symbol,
        apy, apyBase, apyReward, tvlUsd: Math.round(p.tvlUsd),
        ilRisk: p.ilRisk, exposure: p.exposure, stablecoin: p.stablecoin,
      },
    });
  }

  /** Every pool once (the opening snapshot). */
  snapshot(t: number): void {
    for (const p of this.#pools) this.#emitPool(p, t, 'yield_update');
  }

  /** One drift step of a random pool, published. */
  backgroundUpdate(t: number): void {
    const prng = this.#prng;
    const p = this.#pools[prng.int(0, this.#pools.length - 1)]!;
    const targetBase = Math.log(Math.max(p.spec.apyBase, 0.01));
    const targetReward = Math.log(Math.max(p.spec.apyReward, 0.01));
    p.logBase += kReversion * (targetBase - p.logBase) + kApyStepVol * prng.normal();
    p.logReward += kReversion * (targetReward - p.logReward) + kApyStepVol * prng.normal();
    p.tvlUsd = Math.min(kMaxTvlUsd, Math.max(kMinTvlUsd, p.tvlUsd * Math.exp(kTvlStepVol * prng.normal())));
    this.#emitPool(p, t, 'yield_update');
  }

  /** A random pool index that no spike in `busy` uses. */
  pickPool(busy: ReadonlySet<number>): number {
    const free = this.#pools.map((_, k) => k).filter((k) => !busy.has(k));
    return free.length === 0 ? -1 : this.#prng.pick(free);
  }

  /** Starts a spike on pool `k` at `t`: yield_update then yield_opportunity_detected. Returns its label. */
  startSpike(k: number, t: number, endT: number): YieldSpikeLabel {
    const prng = this.#prng;
    const p = this.#pools[k]!;
    const before = this.#apys(p).apy;
    if (p.spec.apyReward > 0 || prng.chance(0.5)) p.spikeReward = prng.uniform(8, 30);
    else p.spikeBase = prng.uniform(8, 30);
    this.#emitPool(p, t, 'yield_update');
    this.#emitPool(p, t, 'yield_opportunity_detected');
    return {
      id: '', kind: 'yield_spike', protocol: p.spec.protocol, chain: p.spec.chain, pool: p.pool, symbol: p.spec.symbol,
      key: p.key, startTs: this.#startTs + t, endTs: this.#startTs + endT, apyBefore: before, apyAfter: this.#apys(p).apy,
    };
  }

  /** Ends pool `k`'s spike at `t` (a yield_update back at the normal level). */
  endSpike(k: number, t: number): void {
    const p = this.#pools[k]!;
    p.spikeBase = 0;
    p.spikeReward = 0;
    this.#emitPool(p, t, 'yield_update');
  }
}
