// AMM pools priced off the same true mids as the books. Constant-product pools (uniswap_v2,
// sushiswap) publish reserves with reserve1 / reserve0 = price (token1 per token0, human units);
// concentrated-liquidity pools (uniswap_v3) also publish sqrtPriceX96, the active liquidity L and
// the tick, with reserves the virtual reserves L / √P and L·√P in human units.
import { roundSig } from './fixture_numbers.ts';
import type { EmitEvent, PriceMarket } from './fixture_prices.ts';
import type { AmmPoolSpec } from './fixture_universe.ts';
import type { Prng } from './prng.ts';

/** Largest deviation of a pool's price from the true mid ratio, in bps. */
export const kAmmNoiseBps = 6;
const kQ96 = 2 ** 96;
const kLogTickBase = Math.log(1.0001);

/** How much more virtual liquidity a v3 pool holds than its TVL would give a v2 pool, by fee tier. */
function concentration(fee: number): number {
  if (fee <= 0.0001) return 400;
  if (fee <= 0.0005) return 20;
  if (fee <= 0.003) return 8;
  return 3;
}

interface AmmPoolState {
  spec: AmmPoolSpec;
  pool: string; // 0x address
  key: string;
  topic: string;
  asset0: number; // asset index pricing token0 (-1: USD stablecoin)
  asset1: number;
  liquidity: number; // L in human units: √(reserve0 · reserve1)
}

/** sqrtPriceX96 (integer string), tick and raw price for a human price P (token1 per token0). */
export function v3PriceFields(price: number, decimals0: number, decimals1: number): { sqrtPriceX96: string; tick: number; rawPrice: number } {
  const rawPrice = price * 10 ** (decimals1 - decimals0);
  const sqrtX96 = Math.round(Math.sqrt(rawPrice) * kQ96);
  const exactRaw = (sqrtX96 / kQ96) ** 2;
  return { sqrtPriceX96: BigInt(sqrtX96).toString(), tick: Math.floor(Math.log(exactRaw) / kLogTickBase), rawPrice: exactRaw };
}

export class AmmMarket {
  /** Multiplicative dislocation of each pool's price (1 = none; an injected triangular episode). */
  readonly dislocation: Float64Array;
  readonly #pools: AmmPoolState[];
  readonly #prng: Prng;
  readonly #emit: EmitEvent;
  readonly #market: PriceMarket;

  constructor(specs: readonly AmmPoolSpec[], market: PriceMarket, prng: Prng, emit: EmitEvent) {
    this.#prng = prng;
    this.#emit = emit;
    this.#market = market;
    const assetIndex = (symbol: string | null): number => {
      if (symbol === null) return -1;
      const k = market.universe.assets.findIndex((a) => a.symbol === symbol);
      if (k < 0) throw new Error(`AMM token asset ${symbol} is not in the universe`);
      return k;
    };
    this.#pools = specs.map((spec) => {
      const pool = `0x${prng.hex(40)}`;
      const asset0 = assetIndex(spec.token0.asset);
      const asset1 = assetIndex(spec.token1.asset);
      const usd0 = asset0 < 0 ? 1 : market.mid[asset0]!;
      const v3 = spec.dex === 'uniswap_v3';
      // TVL split evenly: reserve0 = tvl/2/usd0, reserve1 = tvl/2/usd1, L = √(r0·r1)
      const usd1 = asset1 < 0 ? 1 : market.mid[asset1]!;
      const tvl = spec.tvlUsd * prng.uniform(0.8, 1.25) * (v3 ? concentration(spec.fee) : 1);
      return {
        spec, pool, key: `${spec.dex}:${pool}`, topic: `market.prices.${spec.dex}`, asset0, asset1,
        liquidity: Math.sqrt((tvl / 2 / usd0) * (tvl / 2 / usd1)),
      };
    });
    this.dislocation = new Float64Array(this.#pools.length).fill(1);
  }

  /**
   * Pools that close a cycle inside their own dex: both tokens are also linked through a third
   * token by the dex's other pools, or the dex has a second pool of the same pair.
   */
  cyclePools(): number[] {
    const out: number[] = [];
    this.#pools.forEach((p, k) => {
      const dex = p.spec.dex;
      const a = p.spec.token0.symbol, b = p.spec.token1.symbol;
      const others = this.#pools.filter((q, j) => j !== k && q.spec.dex === dex);
      const has = (x: string, y: string): boolean => others.some((q) =>
        (q.spec.token0.symbol === x && q.spec.token1.symbol === y) || (q.spec.token0.symbol === y && q.spec.token1.symbol === x));
      const tokens = new Set(others.flatMap((q) => [q.spec.token0.symbol, q.spec.token1.symbol]));
      if (has(a, b) || [...tokens].some((c) => c !== a && c !== b && has(a, c) && has(b, c))) out.push(k);
    });
    return out;
  }

  /** The pool's key, dex and tokens (labels). */
  poolInfo(k: number): { key: string; dex: string; token0: string; token1: string; fee: number } {
    const p = this.#pools[k]!;
    return { key: p.key, dex: p.spec.dex, token0: p.spec.token0.symbol, token1: p.spec.token1.symbol, fee: p.spec.fee };
  }

  /** Sets pool k's dislocation and publishes it at t. */
  dislocate(k: number, factor: number, t: number): void {
    this.dislocation[k] = factor;
    this.#publish(this.#pools[k]!, t);
  }

  get poolCount(): number { return this.#pools.length; }

  #publish(p: AmmPoolState, t: number): void {
    const m = this.#market;
    const prng = this.#prng;
    const usd0 = p.asset0 < 0 ? 1 : m.mid[p.asset0]!;
    const usd1 = p.asset1 < 0 ? 1 : m.mid[p.asset1]!;
    const k = this.#pools.indexOf(p);
    let price = (usd0 / usd1) * (1 + (prng.float() * 2 - 1) * kAmmNoiseBps * 1e-4) * this.dislocation[k]!;
    const { token0, token1, fee, dex } = p.spec;
    const data: Record<string, unknown> = { dex, pool: p.pool, token0: token0.symbol, token1: token1.symbol };
    if (dex === 'uniswap_v3') {
      const f = v3PriceFields(price, token0.decimals, token1.decimals);
      price = f.rawPrice / 10 ** (token1.decimals - token0.decimals);
      const sqrtP = Math.sqrt(price);
      data.reserve0 = roundSig(p.liquidity / sqrtP, 10);
      data.reserve1 = roundSig(p.liquidity * sqrtP, 10);
      data.fee = fee;
      data.sqrtPriceX96 = f.sqrtPriceX96;
      const rawL = p.liquidity * 10 ** ((token0.decimals + token1.decimals) / 2);
      data.liquidity = BigInt(Math.round(rawL)).toString();
      data.tick = f.tick;
      data.decimals0 = token0.decimals;
      data.decimals1 = token1.decimals;
    } else {
      const sqrtP = Math.sqrt(price);
      data.reserve0 = roundSig(p.liquidity / sqrtP, 10);
      data.reserve1 = roundSig(p.liquidity * sqrtP, 10);
      data.fee = fee;
    }
    this.#emit({ ts: m.startTs + t, type: 'pool_update', topic: p.topic, key: p.key, data });
  }

  /** Every pool once (the opening snapshot). */
  snapshot(t: number): void {
    for (const p of this.#pools) this.#publish(p, t);
  }

  /**
   * A random pool trades: its price follows the latest true mids (those the books quote around),
   * its liquidity wanders a little.
   */
  backgroundUpdate(t: number): void {
    const p = this.#pools[this.#prng.int(0, this.#pools.length - 1)]!;
    p.liquidity *= Math.exp(0.001 * this.#prng.normal());
    this.#publish(p, t);
  }
}
