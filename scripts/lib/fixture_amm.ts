// AMM pools priced off the same true mids as the books. Constant-product pools (uniswap_v2,
// sushiswap) publish reserves with reserve1 / reserve0 = price (token1 per token0, human units);
// concentrated-liquidity pools (uniswap_v3) also publish sqrtPriceX96, the active liquidity L, the
// tick and the initialized ticks around the price (`ticks`), with reserves the virtual reserves
// L / √P and L·√P of the active liquidity in human units.
//
// Price dynamics (a no-arbitrage band): each pool keeps its own price. On an update, the retail
// trades that arrived since the last one (a Poisson stream per pool) move it by the swap math
// against the pool's active liquidity; then arbitrage brings it back inside the fee band
// [mid·(1 − fee), mid·(1 + fee)] around the true mid ratio (to the nearer edge; a price inside
// stays). Inside the band no trade against the mid pays net of the pool fee, so pools each inside
// their own band never form a cycle that pays net of fees either: a leg through a pool whose price
// is mid·(1 + e), |e| ≤ fee, returns at most (1 + fee)(1 − fee) < 1 of the mid rate.
//
// Uniswap V3 liquidity: each pool holds LP positions [tickLower, tickUpper) aligned to its tick
// spacing, with raw integer liquidity (bigint). The tick map is liquidityNet(t) = Σ L of the
// positions starting at t − Σ L of those ending at t, and the active liquidity at tick t is
// Σ L of the positions with tickLower ≤ t < tickUpper, exactly as the pool contract keeps them.
// Now and then a position is minted or burnt (never the wide backstop ones).
import { roundSig } from './fixture_numbers.ts';
import type { EmitEvent, PriceMarket } from './fixture_prices.ts';
import type { AmmPoolSpec } from './fixture_universe.ts';
import type { Prng } from './prng.ts';

const kQ96 = 2 ** 96;
const kLogTickBase = Math.log1p(1e-4); // ln 1.0001 (Math.log(1.0001) loses 12 digits)

/** Uniswap V3's tick range (TickMath.MIN_TICK / MAX_TICK). */
export const kMinTick = -887272;
export const kMaxTick = 887272;
/** Initialized ticks published on each side of the current tick. */
export const kTicksPerSide = 8;

/** Share of a v3 pool's updates that mint or burn a position. */
const kLpEventChance = 0.05;
/** Positions per v3 pool at the start (besides the wide backstops). */
const kMinPositions = 16;
const kMaxPositions = 24;
/** Half-width of the widest ordinary position, ticks (the narrowest: three tick spacings). */
const kMaxHalfWidthTicks = 4000;
/** Half-width of the first wide backstop position, ticks (the second, when drawn, is full range). */
const kBackstopHalfWidthTicks = 60_000;
/** Retail trades: median USD size is 2,000·√(TVL / 5M), clamped to 2,000..20,000; log-normal σ. */
const kTradeMedianMinUsd = 2000;
const kTradeMedianMaxUsd = 20_000;
const kTradeSizeSigma = 0.8;
/** Retail flow is set so that its fees alone pay LPs this APR (range, drawn per pool). */
const kRetailFeeAprLo = 0.08;
const kRetailFeeAprHi = 0.25;
const kSecondsPerYear = 365 * 86_400;

/** How much more virtual liquidity a v3 pool holds than its TVL would give a v2 pool, by fee tier. */
export function concentration(fee: number): number {
  if (fee <= 0.0001) return 400;
  if (fee <= 0.0005) return 20;
  if (fee <= 0.003) return 8;
  return 3;
}

/** Uniswap V3 tick spacing of a fee tier (fee as a fraction: 0.0005 → 10). */
export function tickSpacing(fee: number): number {
  if (fee <= 0.0001) return 1;
  if (fee <= 0.0005) return 10;
  if (fee <= 0.003) return 60;
  return 200;
}

// ---- exact tick math (TickMath.getSqrtRatioAtTick / getTickAtSqrtRatio of the pool contract) ----

// (ratio · k) >> 128 for bit b of |tick|: k = 2^128 / √1.0001^(2^b), as in TickMath.sol.
const kTickRatios: readonly bigint[] = [
  0xfffcb933bd6fad37aa2d162d1a594001n, 0xfff97272373d413259a46990580e213an, 0xfff2e50f5f656932ef12357cf3c7fdccn,
  0xffe5caca7e10e4e61c3624eaa0941cd0n, 0xffcb9843d60f6159c9db58835c926644n, 0xff973b41fa98c081472e6896dfb254c0n,
  0xff2ea16466c96a3843ec78b326b52861n, 0xfe5dee046a99a2a811c461f1969c3053n, 0xfcbe86c7900a88aedcffc83b479aa3a4n,
  0xf987a7253ac413176f2b074cf7815e54n, 0xf3392b0822b70005940c7a398e4b70f3n, 0xe7159475a2c29b7443b29c7fa6e889d9n,
  0xd097f3bdfd2022b8845ad8f792aa5825n, 0xa9f746462d870fdf8a65dc1f90e061e5n, 0x70d869a156d2a1b890bb3df62baf32f7n,
  0x31be135f97d08fd981231505542fcfa6n, 0x9aa508b5b7a84e1c677de54f3e99bc9n, 0x5d6af8dedb81196699c329225ee604n,
  0x2216e584f5fa1ea926041bedfe98n, 0x48a170391f7dc42444e8fa2n,
];
const kMaxUint256 = (1n << 256n) - 1n;

/** √(1.0001^tick) · 2^96 rounded up, exactly as the pool contract computes it (a uint160). */
export function sqrtRatioAtTick(tick: number): bigint {
  if (!Number.isInteger(tick) || tick < kMinTick || tick > kMaxTick) throw new RangeError(`tick ${tick} outside ${kMinTick}..${kMaxTick}`);
  const abs = Math.abs(tick);
  let ratio = (abs & 1) !== 0 ? kTickRatios[0]! : 1n << 128n;
  for (let b = 1; b < kTickRatios.length; b++) {
    if ((abs & (1 << b)) !== 0) ratio = (ratio * kTickRatios[b]!) >> 128n;
  }
  if (tick > 0) ratio = kMaxUint256 / ratio;
  return (ratio >> 32n) + ((ratio & 0xffffffffn) === 0n ? 0n : 1n);
}

/** The greatest tick whose sqrtRatioAtTick is ≤ sqrtPriceX96 (the pool's `tick` for that price). */
export function tickAtSqrtRatio(sqrtPriceX96: bigint): number {
  const raw = (Number(sqrtPriceX96) / kQ96) ** 2;
  let t = Math.min(kMaxTick, Math.max(kMinTick, Math.floor(Math.log(raw) / kLogTickBase)));
  // the float estimate is off by at most one near a tick boundary
  while (t < kMaxTick && sqrtRatioAtTick(t + 1) <= sqrtPriceX96) t++;
  while (t > kMinTick && sqrtRatioAtTick(t) > sqrtPriceX96) t--;
  return t;
}

/** sqrtPriceX96 (integer string), tick and raw price for a human price P (token1 per token0). */
export function v3PriceFields(price: number, decimals0: number, decimals1: number): { sqrtPriceX96: string; tick: number; rawPrice: number } {
  const rawPrice = price * 10 ** (decimals1 - decimals0);
  const sqrtX96 = Math.round(Math.sqrt(rawPrice) * kQ96);
  const exactRaw = (sqrtX96 / kQ96) ** 2;
  const big = BigInt(sqrtX96);
  return { sqrtPriceX96: big.toString(), tick: tickAtSqrtRatio(big), rawPrice: exactRaw };
}

// ---- positions and the tick map -------------------------------------------------------------------

/** One LP position of a v3 pool: liquidity L (raw units) on [tickLower, tickUpper). */
export interface LpPosition {
  tickLower: number;
  tickUpper: number;
  liquidity: bigint;
}

/** Initialized ticks (liquidityNet ≠ 0) of a set of positions, ascending: [tick, liquidityNet]. */
export function tickMapOf(positions: readonly LpPosition[]): [number, bigint][] {
  const net = new Map<number, bigint>();
  for (const p of positions) {
    net.set(p.tickLower, (net.get(p.tickLower) ?? 0n) + p.liquidity);
    net.set(p.tickUpper, (net.get(p.tickUpper) ?? 0n) - p.liquidity);
  }
  return [...net.entries()].filter(([, n]) => n !== 0n).sort((a, b) => a[0] - b[0]);
}

/** Active liquidity at `tick`: Σ L of the positions with tickLower ≤ tick < tickUpper. */
export function activeLiquidity(positions: readonly LpPosition[], tick: number): bigint {
  let sum = 0n;
  for (const p of positions) if (p.tickLower <= tick && tick < p.tickUpper) sum += p.liquidity;
  return sum;
}

/**
 * The initialized ticks nearest `tick` in an ascending tick map: up to `perSide` with t ≤ tick and
 * up to `perSide` with t > tick, ascending.
 */
export function nearestTicks(map: readonly (readonly [number, bigint])[], tick: number, perSide = kTicksPerSide): [number, bigint][] {
  let i = 0;
  while (i < map.length && map[i]![0] <= tick) i++;
  return map.slice(Math.max(0, i - perSide), i + perSide).map(([t, n]) => [t, n]);
}

function minUsableTick(spacing: number): number { return Math.ceil(kMinTick / spacing) * spacing; }
function maxUsableTick(spacing: number): number { return Math.floor(kMaxTick / spacing) * spacing; }

/** [lower, upper) aligned to `spacing` around centre ± halfWidth, inside the usable range, non-empty. */
function alignedRange(centre: number, halfWidth: number, spacing: number): [number, number] {
  const lo = minUsableTick(spacing), hi = maxUsableTick(spacing);
  let lower = Math.max(lo, Math.floor((centre - halfWidth) / spacing) * spacing);
  let upper = Math.min(hi, Math.ceil((centre + halfWidth) / spacing) * spacing);
  if (upper <= lower) {
    if (lower + spacing <= hi) upper = lower + spacing;
    else lower = upper - spacing;
  }
  return [lower, upper];
}

// ---- the market -----------------------------------------------------------------------------------

interface V3State {
  spacing: number;
  positions: LpPosition[]; // the first `backstops` are the wide ones, never burnt
  backstops: number;
  map: [number, bigint][]; // tickMapOf(positions), rebuilt on each mint/burn
  rawPerHuman: number; // 10^((decimals0 + decimals1) / 2): raw L per human L
  rawPerWeight: number; // raw L per unit of position weight (sizes minted positions like the first ones)
}

interface AmmPoolState {
  spec: AmmPoolSpec;
  pool: string; // 0x address
  key: string;
  topic: string;
  asset0: number; // asset index pricing token0 (-1: USD stablecoin)
  asset1: number;
  price: number; // token1 per token0, human units, as last published
  liquidity: number; // constant-product pools: L = √(reserve0 · reserve1), human units (fees are not added)
  v3: V3State | null;
  tradeRate: number; // retail trades per µs
  tradeMedianUsd: number;
  nextTradeT: number; // µs of the next retail trade
}

export class AmmMarket {
  /** Multiplicative dislocation of each pool's price (1 = none; an injected triangular episode). */
  readonly dislocation: Float64Array;
  readonly #pools: AmmPoolState[];
  readonly #prng: Prng; // pool addresses and sizes, which pool publishes
  readonly #dyn: Prng; // positions, retail trades, mints and burns
  readonly #emit: EmitEvent;
  readonly #market: PriceMarket;

  /**
   * `prng` draws each pool's address and size and picks the publishing pool; `dynamicsPrng` the
   * rest (positions, retail trades, LP events), so that addresses do not depend on the dynamics.
   */
  constructor(specs: readonly AmmPoolSpec[], market: PriceMarket, prng: Prng, emit: EmitEvent, dynamicsPrng: Prng) {
    this.#prng = prng;
    this.#dyn = dynamicsPrng;
    this.#emit = emit;
    this.#market = market;
    const dyn = dynamicsPrng;
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
      const usd1 = asset1 < 0 ? 1 : market.mid[asset1]!;
      const v3 = spec.dex === 'uniswap_v3';
      const tvlUsd = spec.tvlUsd * prng.uniform(0.8, 1.25);
      // TVL split evenly: reserve0 = tvl/2/usd0, reserve1 = tvl/2/usd1, L = √(r0·r1); a v3 pool's
      // in-range (virtual) liquidity is `concentration` times what its TVL would give a v2 pool
      const virtualTvl = tvlUsd * (v3 ? concentration(spec.fee) : 1);
      const liquidity = Math.sqrt((virtualTvl / 2 / usd0) * (virtualTvl / 2 / usd1));
      const price = (usd0 / usd1) * (1 + spec.fee * dyn.uniform(-1, 1));
      // retail flow: fees of kRetailFeeApr·TVL a year at fee·volume
      const tradeMedianUsd = Math.min(kTradeMedianMaxUsd, Math.max(kTradeMedianMinUsd, kTradeMedianMinUsd * Math.sqrt(tvlUsd / 5e6)));
      const meanTradeUsd = tradeMedianUsd * Math.exp(kTradeSizeSigma ** 2 / 2);
      const volumePerUs = (dyn.uniform(kRetailFeeAprLo, kRetailFeeAprHi) * tvlUsd) / spec.fee / (kSecondsPerYear * 1e6);
      const tradeRate = volumePerUs / meanTradeUsd;
      const state: AmmPoolState = {
        spec, pool, key: `${spec.dex}:${pool}`, topic: `market.prices.${spec.dex}`, asset0, asset1, price, liquidity,
        v3: v3 ? this.#buildPositions(spec, price, liquidity) : null,
        tradeRate, tradeMedianUsd, nextTradeT: dyn.exponential(1 / tradeRate),
      };
      return state;
    });
    this.dislocation = new Float64Array(this.#pools.length).fill(1);
  }

  /**
   * The opening positions of a v3 pool: kMinPositions..kMaxPositions ordinary ones around the
   * current tick plus one or two wide backstops, scaled so that the active liquidity at the
   * current tick is `liquidity` (human units).
   */
  #buildPositions(spec: AmmPoolSpec, price: number, liquidity: number): V3State {
    const prng = this.#dyn;
    const { token0, token1 } = spec;
    const spacing = tickSpacing(spec.fee);
    const tick = v3PriceFields(price, token0.decimals, token1.decimals).tick;
    const n = prng.int(kMinPositions, kMaxPositions);
    const drawn: { lower: number; upper: number; weight: number }[] = [];
    for (let k = 0; k < n; k++) drawn.push(this.#drawRange(spacing, tick));
    let activeWeight = 0;
    for (const d of drawn) if (d.lower <= tick && tick < d.upper) activeWeight += d.weight;
    if (activeWeight === 0) { // no ordinary position holds the price: widen the first one over it
      const d = drawn[0]!;
      [d.lower, d.upper] = alignedRange(tick, Math.max(tick - d.lower, d.upper - tick, 2 * spacing), spacing);
      activeWeight = d.weight;
    }
    // backstops: 5–15 % of the active liquidity, over ±60,000 ticks and (half the time) the full range
    const backstops = prng.chance(0.5) ? 2 : 1;
    const backstopWeight = (activeWeight * prng.uniform(0.05, 0.15)) / backstops;
    const wide: { lower: number; upper: number; weight: number }[] = [];
    const [lo0, hi0] = alignedRange(tick, kBackstopHalfWidthTicks, spacing);
    wide.push({ lower: lo0, upper: hi0, weight: backstopWeight });
    if (backstops === 2) wide.push({ lower: minUsableTick(spacing), upper: maxUsableTick(spacing), weight: backstopWeight });
    const rawPerHuman = 10 ** ((token0.decimals + token1.decimals) / 2);
    const rawPerWeight = (liquidity * rawPerHuman) / (activeWeight + backstopWeight * backstops);
    const positions: LpPosition[] = [...wide, ...drawn].map((d) => ({
      tickLower: d.lower, tickUpper: d.upper, liquidity: BigInt(Math.max(1, Math.round(d.weight * rawPerWeight))),
    }));
    return { spacing, positions, backstops, map: tickMapOf(positions), rawPerHuman, rawPerWeight };
  }

  /**
   * An ordinary position near `tick`: half-width log-uniform from three tick spacings to
   * kMaxHalfWidthTicks, centre off the tick by a normal 0.3 half-widths, weight log-normal times
   * (narrowest / half-width)^¼ (a narrow range holds more L per dollar, but less capital goes
   * there; a steeper rule would leave the pool shallow as soon as the price leaves the narrow ones).
   */
  #drawRange(spacing: number, tick: number): { lower: number; upper: number; weight: number } {
    const prng = this.#dyn;
    const hMin = 3 * spacing;
    const h = prng.logUniform(hMin, Math.max(kMaxHalfWidthTicks, 4 * hMin));
    const centre = Math.round(tick + 0.3 * h * prng.normal());
    const [lower, upper] = alignedRange(centre, h, spacing);
    return { lower, upper, weight: Math.exp(0.6 * prng.normal()) * (hMin / h) ** 0.25 };
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

  /** A copy of v3 pool k's positions (null for a constant-product pool); for tests. */
  positionsOf(k: number): LpPosition[] | null {
    const v3 = this.#pools[k]!.v3;
    return v3 === null ? null : v3.positions.map((p) => ({ ...p }));
  }

  /**
   * Sets pool k's dislocation and publishes it at t. A dislocated pool is priced at
   * mid × factor exactly; back at 1, arbitrage returns it to the nearer edge of its fee band.
   */
  dislocate(k: number, factor: number, t: number): void {
    const p = this.#pools[k]!;
    this.dislocation[k] = factor;
    if (factor !== 1) p.price = this.#midRatio(p) * factor;
    else this.#arbitrage(p);
    this.#publish(p, t);
  }

  get poolCount(): number { return this.#pools.length; }

  /** token0's USD mid / token1's (the price a pool tracks), from the latest true mids. */
  #midRatio(p: AmmPoolState): number {
    const m = this.#market;
    return (p.asset0 < 0 ? 1 : m.mid[p.asset0]!) / (p.asset1 < 0 ? 1 : m.mid[p.asset1]!);
  }

  /** Moves the pool price to the nearer edge of [mid·(1 − fee), mid·(1 + fee)] when outside it. */
  #arbitrage(p: AmmPoolState): void {
    const mid = this.#midRatio(p);
    const lo = mid * (1 - p.spec.fee), hi = mid * (1 + p.spec.fee);
    if (p.price < lo) p.price = lo;
    else if (p.price > hi) p.price = hi;
  }

  /** Active liquidity in human units at the pool's current price. */
  #activeHuman(p: AmmPoolState): number {
    const v3 = p.v3;
    if (v3 === null) return p.liquidity;
    const tick = v3PriceFields(p.price, p.spec.token0.decimals, p.spec.token1.decimals).tick;
    return Number(activeLiquidity(v3.positions, tick)) / v3.rawPerHuman;
  }

  /**
   * One retail swap of a log-normal USD size on a random side, by the constant-product math
   * against the active liquidity L (v3: within the current range): selling dx of token0 gives
   * 1/√P' = 1/√P + dx·(1 − fee)/L; buying token0 with dy of token1 gives √P' = √P + dy·(1 − fee)/L.
   */
  #retailTrade(p: AmmPoolState): void {
    const prng = this.#dyn;
    const m = this.#market;
    const usd = p.tradeMedianUsd * Math.exp(kTradeSizeSigma * prng.normal());
    const L = this.#activeHuman(p);
    const sqrtP = Math.sqrt(p.price);
    const net = 1 - p.spec.fee;
    if (prng.chance(0.5)) {
      const dx = usd / (p.asset0 < 0 ? 1 : m.mid[p.asset0]!);
      const inv = 1 / sqrtP + (dx * net) / L;
      p.price = 1 / (inv * inv);
    } else {
      const dy = usd / (p.asset1 < 0 ? 1 : m.mid[p.asset1]!);
      const s = sqrtP + (dy * net) / L;
      p.price = s * s;
    }
  }

  /**
   * Mints a position near the current tick or burns an ordinary one (keeps 14–26 of them). LPs
   * follow the price: a burn takes an out-of-range position three times out of four when there is
   * one, so the liquidity around the price is renewed as it moves.
   */
  #lpEvent(p: AmmPoolState, v3: V3State): void {
    const prng = this.#dyn;
    const ordinary = v3.positions.length - v3.backstops;
    const mint = ordinary < 14 ? true : ordinary > 26 ? false : prng.chance(0.5);
    const tick = v3PriceFields(p.price, p.spec.token0.decimals, p.spec.token1.decimals).tick;
    if (mint) {
      const d = this.#drawRange(v3.spacing, tick);
      v3.positions.push({ tickLower: d.lower, tickUpper: d.upper, liquidity: BigInt(Math.max(1, Math.round(d.weight * v3.rawPerWeight))) });
    } else {
      const out: number[] = [];
      for (let j = v3.backstops; j < v3.positions.length; j++) {
        const q = v3.positions[j]!;
        if (tick < q.tickLower || tick >= q.tickUpper) out.push(j);
      }
      const j = out.length > 0 && prng.chance(0.75) ? prng.pick(out) : v3.backstops + prng.int(0, ordinary - 1);
      v3.positions.splice(j, 1);
    }
    v3.map = tickMapOf(v3.positions);
  }

  #publish(p: AmmPoolState, t: number): void {
    const { token0, token1, fee, dex } = p.spec;
    const data: Record<string, unknown> = { dex, pool: p.pool, token0: token0.symbol, token1: token1.symbol };
    const v3 = p.v3;
    if (v3 !== null) {
      const f = v3PriceFields(p.price, token0.decimals, token1.decimals);
      p.price = f.rawPrice / 10 ** (token1.decimals - token0.decimals); // the price sqrtPriceX96 holds
      const active = activeLiquidity(v3.positions, f.tick);
      if (active <= 0n || active >= 1n << 128n) throw new Error(`${p.key}: active liquidity ${active} at tick ${f.tick} is not a positive uint128`);
      const L = Number(active) / v3.rawPerHuman;
      const sqrtP = Math.sqrt(p.price);
      data.reserve0 = roundSig(L / sqrtP, 10);
      data.reserve1 = roundSig(L * sqrtP, 10);
      data.fee = fee;
      data.sqrtPriceX96 = f.sqrtPriceX96;
      data.liquidity = active.toString();
      data.tick = f.tick;
      data.decimals0 = token0.decimals;
      data.decimals1 = token1.decimals;
      data.ticks = nearestTicks(v3.map, f.tick).map(([tick, net]) => [tick, net.toString()]);
    } else {
      const sqrtP = Math.sqrt(p.price);
      data.reserve0 = roundSig(p.liquidity / sqrtP, 10);
      data.reserve1 = roundSig(p.liquidity * sqrtP, 10);
      data.fee = fee;
    }
    this.#emit({ ts: this.#market.startTs + t, type: 'pool_update', topic: p.topic, key: p.key, data });
  }

  /** Every pool once (the opening snapshot). */
  snapshot(t: number): void {
    for (const p of this.#pools) this.#publish(p, t);
  }

  /**
   * Pool k publishes at t: a v3 pool may mint or burn a position; the retail trades due by t
   * move its price; arbitrage brings it back into its fee band around the latest true mids (those
   * the books quote around). A dislocated pool is priced at mid × dislocation instead.
   */
  update(k: number, t: number): void {
    const p = this.#pools[k]!;
    const prng = this.#dyn;
    if (p.v3 !== null && prng.chance(kLpEventChance)) this.#lpEvent(p, p.v3);
    const dislocated = this.dislocation[k] !== 1;
    for (; p.nextTradeT <= t; p.nextTradeT += prng.exponential(1 / p.tradeRate)) {
      if (!dislocated) this.#retailTrade(p);
    }
    if (dislocated) p.price = this.#midRatio(p) * this.dislocation[k]!;
    else this.#arbitrage(p);
    this.#publish(p, t);
  }

  /** A random pool publishes (see update). */
  backgroundUpdate(t: number): void {
    this.update(this.#prng.int(0, this.#pools.length - 1), t);
  }
}
