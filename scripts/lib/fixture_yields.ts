// Yield pools (DefiLlama conventions: APY in percent, TVL in USD). APYs drift slowly around each
// pool's level (mean-reverting in log space), TVL wanders a little; an injected spike raises a
// pool's APY for tens of seconds, announced by yield_opportunity_detected and labelled.
// Lending markets (aave, compound, one asset) also publish apyBorrow and the asset's max LTV. The
// borrow APY sits kBorrowSpreadLo–Hi points above the best normal supply APY of the same asset on
// the same chain, so borrowing on one market to supply on another never pays in normal times; it
// pays when a supply APY spikes (a yield_arb label derived from the spike) or when a market's
// borrow APY is injected 6–9 points below that best supply APY (a borrow_rate_drop episode).
import { roundTo } from './fixture_numbers.ts';
import type { EmitEvent } from './fixture_prices.ts';
import type { YieldPoolSpec } from './fixture_universe.ts';
import type { Prng } from './prng.ts';

interface YieldPoolState {
  spec: YieldPoolSpec;
  group: string; // chain + the one token of a single-asset pool ('' otherwise)
  lending: boolean; // a lending market: publishes apyBorrow and ltv
  ltv: number;
  borrowSpread: number; // points above the group's best normal supply APY
  borrowDrop: number; // an injected drop: borrow = best normal supply − borrowDrop (0: none)
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

export interface YieldArbLabel {
  id: string;
  kind: 'yield_arb';
  cause: 'supply_spike' | 'borrow_rate_drop';
  chain: string;
  symbol: string;
  /** The lending market whose borrow APY dropped (borrow_rate_drop), else null: any lending market of the group. */
  borrowKey: string | null;
  /** The pool whose supply APY spiked (supply_spike), else null: any pool of the group. */
  supplyKey: string | null;
  startTs: number;
  endTs: number;
  grossSpread: number; // best supply APY − cheapest borrow APY of the group at startTs, points
}

const kLendingProtocols: ReadonlySet<string> = new Set(['aave', 'compound']);
/** Max LTV of a lending market's asset (Aave V3-like). */
const kLtv: Readonly<Record<string, number>> = { USDC: 0.77, USDT: 0.75, DAI: 0.77, WETH: 0.8, WBTC: 0.73, LINK: 0.68, WMATIC: 0.65 };
export const kBorrowSpreadLo = 0.8;
export const kBorrowSpreadHi = 1.6;
export const kBorrowDropLo = 6;
export const kBorrowDropHi = 9;

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
      const lending = !multi && kLendingProtocols.has(spec.protocol);
      return {
        spec,
        group: multi ? '' : `${spec.chain}:${spec.symbol}`,
        lending,
        ltv: lending ? kLtv[spec.symbol] ?? 0.6 : NaN,
        borrowSpread: lending ? roundTo(prng.uniform(kBorrowSpreadLo, kBorrowSpreadHi), 3) : 0,
        borrowDrop: 0,
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
    const data: Record<string, unknown> = {
      protocol: p.spec.protocol, chain: p.spec.chain, pool: p.pool, symbol: p.spec.symbol,
      apy, apyBase, apyReward, tvlUsd: Math.round(p.tvlUsd),
      ilRisk: p.ilRisk, exposure: p.exposure, stablecoin: p.stablecoin,
    };
    if (p.lending) {
      data.apyBorrow = this.#borrowApy(p);
      data.ltv = p.ltv;
    }
    this.#emit({ ts: this.#startTs + t, type, topic: p.topic, key: p.key, data });
  }

  /** A pool's APY without any spike (percent). */
  #normalApy(p: YieldPoolState): number {
    const base = Math.exp(p.logBase);
    return p.spec.apyReward > 0 ? base + Math.exp(p.logReward) : base;
  }

  /** The best normal supply APY of a single-asset group. */
  #bestNormal(group: string): number {
    let best = 0;
    for (const q of this.#pools) if (q.group === group) best = Math.max(best, this.#normalApy(q));
    return best;
  }

  #borrowApy(p: YieldPoolState): number {
    const best = this.#bestNormal(p.group);
    return roundTo(p.borrowDrop > 0 ? Math.max(0.2, best - p.borrowDrop) : best + p.borrowSpread, 4);
  }

  /** The lowest borrow APY in the group (+∞ without a lending market other than `except`). */
  #cheapestBorrow(group: string, except: YieldPoolState | null): number {
    let r = Infinity;
    for (const q of this.#pools) if (q.group === group && q.lending && q !== except) r = Math.min(r, this.#borrowApy(q));
    return r;
  }

  /**
   * Lending markets whose group has another pool to supply and a best supply APY high enough for
   * the dropped borrow APY to sit at least kBorrowDropLo points under it (stablecoin markets), not in `busy`.
   */
  pickLendingMarket(busy: ReadonlySet<number>): number {
    const free = this.#pools.map((_, k) => k).filter((k) => {
      const p = this.#pools[k]!;
      return !busy.has(k) && p.lending && this.#pools.some((q) => q !== p && q.group === p.group) &&
        this.#bestNormal(p.group) >= kBorrowDropLo;
    });
    return free.length === 0 ? -1 : this.#prng.pick(free);
  }

  /** Index of every pool of the same group as pool k (itself included). */
  groupOf(k: number): number[] {
    const g = this.#pools[k]!.group;
    return g === '' ? [k] : this.#pools.map((_, j) => j).filter((j) => this.#pools[j]!.group === g);
  }

  /** Drops lending market k's borrow APY below the group's best supply APY; returns its label. */
  startBorrowDrop(k: number, t: number, endT: number): YieldArbLabel {
    const p = this.#pools[k]!;
    p.borrowDrop = roundTo(this.#prng.uniform(kBorrowDropLo, kBorrowDropHi), 3);
    this.#emitPool(p, t, 'yield_update');
    this.#emitPool(p, t, 'yield_opportunity_detected');
    let bestSupply = 0;
    for (const q of this.#pools) if (q.group === p.group && q !== p) bestSupply = Math.max(bestSupply, this.#apys(q).apy);
    return {
      id: '', kind: 'yield_arb', cause: 'borrow_rate_drop', chain: p.spec.chain, symbol: p.spec.symbol, borrowKey: p.key,
      supplyKey: null, startTs: this.#startTs + t, endTs: this.#startTs + endT, grossSpread: roundTo(bestSupply - this.#borrowApy(p), 4),
    };
  }

  endBorrowDrop(k: number, t: number): void {
    const p = this.#pools[k]!;
    p.borrowDrop = 0;
    this.#emitPool(p, t, 'yield_update');
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

  /**
   * The yield arbitrage a spike on pool k opens, if any: a single-asset pool whose group has a
   * lending market other than itself, borrowing there being cheaper than the spiked APY.
   */
  spikeArbitrage(k: number, t: number, endT: number): YieldArbLabel | null {
    const p = this.#pools[k]!;
    if (p.group === '') return null;
    const borrow = this.#cheapestBorrow(p.group, p);
    const gross = this.#apys(p).apy - borrow;
    if (!(gross > 0)) return null;
    return {
      id: '', kind: 'yield_arb', cause: 'supply_spike', chain: p.spec.chain, symbol: p.spec.symbol, borrowKey: null,
      supplyKey: p.key, startTs: this.#startTs + t, endTs: this.#startTs + endT, grossSpread: roundTo(gross, 4),
    };
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
