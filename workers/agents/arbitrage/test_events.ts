// Event builders for the arbitrage strategies' tests: books with levels, AMM pools (V2 reserves,
// V3 sqrtPriceX96 and liquidity in raw units), lending markets with a borrow APY and an LTV.
// (Shapes from fixtures/SCHEMA.md.)

/** A price_update with book levels: bids and asks as [price, size], best first (level 0 = top). */
export function depthQuote(ts: number, venue: string, base: string, quote: string, bids: [number, number][], asks: [number, number][]): object {
  return {
    ts, type: 'price_update', topic: `market.prices.${venue}`, key: `${venue}:${base}/${quote}`,
    data: { venue, base, quote, bid: bids[0]![0], ask: asks[0]![0], bidSize: bids[0]![1], askSize: asks[0]![1], bids, asks },
  };
}

/** A constant-product pool_update: reserves in human units. */
export function v2Pool(ts: number, dex: string, pool: string, token0: string, token1: string, reserve0: number, reserve1: number, fee: number): object {
  return {
    ts, type: 'pool_update', topic: `market.prices.${dex}`, key: `${dex}:${pool}`,
    data: { dex, pool, token0, token1, reserve0, reserve1, fee },
  };
}

/**
 * A Uniswap V3 pool_update at human price `price` (token1 per token0) with raw liquidity L:
 * sqrtPriceX96 = round(√(price·10^(d1 − d0))·2^96); the virtual reserves follow from L and √P.
 * `ticks`: the pool's tick map ([tick, liquidityNet] pairs, ascending), when given.
 */
export function v3Pool(
  ts: number, pool: string, token0: string, token1: string, decimals0: number, decimals1: number, price: number, liquidity: bigint, fee: number,
  ticks?: [number, string][],
): object {
  const raw = price * 10 ** (decimals1 - decimals0);
  const sqrt = Math.sqrt(raw);
  const sqrtX96 = BigInt(Math.round(sqrt * 2 ** 96));
  const L = Number(liquidity);
  return {
    ts, type: 'pool_update', topic: 'market.prices.uniswap_v3', key: `uniswap_v3:${pool}`,
    data: {
      dex: 'uniswap_v3', pool, token0, token1, fee, decimals0, decimals1, sqrtPriceX96: sqrtX96.toString(), liquidity: liquidity.toString(),
      tick: Math.floor(Math.log(raw) / Math.log(1.0001)),
      reserve0: (L / sqrt) / 10 ** decimals0, reserve1: (L * sqrt) / 10 ** decimals1,
      ...(ticks === undefined ? {} : { ticks }),
    },
  };
}

export interface LendingFields { apy: number; tvlUsd: number; apyBorrow?: number; ltv?: number; chain?: string }

/** A single-asset yield_update (a lending market when apyBorrow and ltv are given). */
export function lending(ts: number, protocol: string, pool: string, symbol: string, f: LendingFields, type = 'yield_update'): object {
  const data: Record<string, unknown> = {
    protocol, chain: f.chain ?? 'ethereum', pool, symbol, apy: f.apy, apyBase: f.apy, apyReward: 0, tvlUsd: f.tvlUsd,
    exposure: 'single', ilRisk: 'no', stablecoin: true,
  };
  if (f.apyBorrow !== undefined) data.apyBorrow = f.apyBorrow;
  if (f.ltv !== undefined) data.ltv = f.ltv;
  return { ts, type, topic: `market.yields.${protocol}`, key: `${protocol}:${f.chain ?? 'ethereum'}:${pool}`, data };
}
