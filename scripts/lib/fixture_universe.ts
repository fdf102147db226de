// The generated market's universe: assets with their starting USD prices and volatilities, venues,
// the book instruments every venue lists, the yield pools and the AMM pools. Pure data and small
// builders; the simulation lives in fixture_prices.ts and fixture_defi.ts.
import { Prng } from './prng.ts';

export interface AssetSpec {
  symbol: string;
  usd: number; // starting USD mid
  annualVol: number; // fraction per year
  weight: number; // share of quote activity
}

/** Rough USD levels of early August 2024 (only the scale matters). */
const kNamedAssets: readonly AssetSpec[] = [
  { symbol: 'BTC', usd: 60000, annualVol: 0.5, weight: 3 },
  { symbol: 'ETH', usd: 2600, annualVol: 0.6, weight: 2.5 },
  { symbol: 'SOL', usd: 150, annualVol: 0.8, weight: 1.5 },
  { symbol: 'BNB', usd: 500, annualVol: 0.55, weight: 1 },
  { symbol: 'XRP', usd: 0.55, annualVol: 0.75, weight: 1 },
  { symbol: 'ADA', usd: 0.33, annualVol: 0.75, weight: 0.8 },
  { symbol: 'AVAX', usd: 21, annualVol: 0.85, weight: 0.8 },
  { symbol: 'LINK', usd: 10.5, annualVol: 0.8, weight: 0.8 },
  { symbol: 'DOT', usd: 4.6, annualVol: 0.75, weight: 0.7 },
  { symbol: 'MATIC', usd: 0.4, annualVol: 0.8, weight: 0.7 },
  { symbol: 'UNI', usd: 6.2, annualVol: 0.85, weight: 0.7 },
  { symbol: 'AAVE', usd: 100, annualVol: 0.85, weight: 0.7 },
  { symbol: 'LTC', usd: 60, annualVol: 0.7, weight: 0.6 },
  { symbol: 'ATOM', usd: 5.2, annualVol: 0.8, weight: 0.5 },
  { symbol: 'NEAR', usd: 4.3, annualVol: 0.9, weight: 0.5 },
  { symbol: 'ARB', usd: 0.55, annualVol: 0.9, weight: 0.5 },
  { symbol: 'OP', usd: 1.3, annualVol: 0.9, weight: 0.5 },
  { symbol: 'CRV', usd: 0.27, annualVol: 1.0, weight: 0.4 },
  { symbol: 'MKR', usd: 2000, annualVol: 0.8, weight: 0.4 },
  { symbol: 'COMP', usd: 45, annualVol: 0.85, weight: 0.4 },
  { symbol: 'SNX', usd: 1.4, annualVol: 0.95, weight: 0.4 },
  { symbol: 'LDO', usd: 1.0, annualVol: 0.95, weight: 0.4 },
  { symbol: 'FIL', usd: 3.5, annualVol: 0.85, weight: 0.4 },
  { symbol: 'APT', usd: 6.5, annualVol: 0.9, weight: 0.4 },
  { symbol: 'DOGE', usd: 0.1, annualVol: 0.9, weight: 0.6 },
  { symbol: 'TRX', usd: 0.13, annualVol: 0.5, weight: 0.4 },
  { symbol: 'BCH', usd: 320, annualVol: 0.75, weight: 0.4 },
  { symbol: 'ETC', usd: 19, annualVol: 0.8, weight: 0.3 },
  { symbol: 'XLM', usd: 0.09, annualVol: 0.75, weight: 0.3 },
  { symbol: 'INJ', usd: 18, annualVol: 1.0, weight: 0.3 },
];

const kNamedVenues: readonly string[] = [
  'binance', 'coinbase', 'kraken', 'okx', 'bybit', 'bitstamp', 'gemini', 'kucoin', 'htx', 'gateio', 'bitfinex', 'mexc',
];
const kNamedVenueWeights: readonly number[] = [1.6, 1.1, 0.8, 1.3];

export const kStableQuotes: readonly string[] = ['USDT', 'USDC'];

export interface VenueSpec {
  name: string;
  weight: number; // share of quote activity
  biasBps: number; // the venue's persistent mid offset from the true mid
  depthUsd: number; // median top-of-book size in USD
}

export interface InstrumentSpec {
  base: number; // asset index
  quote: number; // asset index, or -1 for a USD stablecoin
  baseSymbol: string;
  quoteSymbol: string;
  pair: string; // "ETH/USDT"
  decimals: number; // price decimals (about 7 significant digits at the starting price)
  weight: number; // share of quote activity
}

export interface Universe {
  assets: AssetSpec[];
  venues: VenueSpec[];
  instruments: InstrumentSpec[];
}

/** The asset list for `count` bases: the named ones first, then generated `TK<n>` tokens. */
export function buildAssets(count: number, prng: Prng): AssetSpec[] {
  const out: AssetSpec[] = [];
  for (let i = 0; i < count; i++) {
    const named = kNamedAssets[i];
    if (named !== undefined) out.push({ ...named });
    else out.push({ symbol: `TK${i + 1}`, usd: prng.logUniform(0.05, 200), annualVol: prng.uniform(0.7, 1.1), weight: 0.3 });
  }
  return out;
}

/** The venue list for `count` venues: named exchanges first, then `venue<n>`. */
export function buildVenues(count: number, prng: Prng): VenueSpec[] {
  const out: VenueSpec[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      name: kNamedVenues[i] ?? `venue${i + 1}`,
      weight: kNamedVenueWeights[i] ?? prng.uniform(0.5, 1.0),
      biasBps: prng.uniform(-1, 1),
      depthUsd: prng.logUniform(20_000, 120_000),
    });
  }
  return out;
}

/** Decimals that give about 7 significant digits at `price`. */
export function priceDecimals(price: number): number {
  return Math.min(14, Math.max(0, 6 - Math.floor(Math.log10(price))));
}

/**
 * Every venue lists each base against USDT and USDC; BTC and ETH also quote ETH/BTC and, for the
 * first quarter of the other bases, BASE/BTC and BASE/ETH (so the cross rates are consistent).
 */
export function buildInstruments(assets: readonly AssetSpec[]): InstrumentSpec[] {
  const out: InstrumentSpec[] = [];
  const stableWeights = [1, 0.6];
  for (let a = 0; a < assets.length; a++) {
    const asset = assets[a]!;
    kStableQuotes.forEach((q, k) => {
      out.push({
        base: a, quote: -1, baseSymbol: asset.symbol, quoteSymbol: q, pair: `${asset.symbol}/${q}`,
        decimals: priceDecimals(asset.usd), weight: asset.weight * stableWeights[k]!,
      });
    });
  }
  const btc = 0;
  const eth = 1;
  const cross = (a: number, q: number, weight: number): void => {
    const base = assets[a]!;
    const quote = assets[q]!;
    out.push({
      base: a, quote: q, baseSymbol: base.symbol, quoteSymbol: quote.symbol, pair: `${base.symbol}/${quote.symbol}`,
      decimals: priceDecimals(base.usd / quote.usd), weight,
    });
  };
  if (assets.length >= 2) cross(eth, btc, 0.8);
  const crossCount = Math.ceil((assets.length - 2) / 4);
  for (let a = 2; a < 2 + crossCount; a++) {
    cross(a, btc, 0.35 * assets[a]!.weight);
    cross(a, eth, 0.3 * assets[a]!.weight);
  }
  return out;
}

// ---- DeFi universe ------------------------------------------------------------------------------

export interface TokenSpec {
  symbol: string;
  decimals: number;
  address: string; // mainnet address, used for the token0 < token1 ordering
  asset: string | null; // the book asset whose USD mid prices it, null for a USD stablecoin
}

export const kTokens: Readonly<Record<string, TokenSpec>> = {
  USDC: { symbol: 'USDC', decimals: 6, address: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', asset: null },
  USDT: { symbol: 'USDT', decimals: 6, address: '0xdac17f958d2ee523a2206206994597c13d831ec7', asset: null },
  DAI: { symbol: 'DAI', decimals: 18, address: '0x6b175474e89094c44da98b954eedeac495271d0f', asset: null },
  WETH: { symbol: 'WETH', decimals: 18, address: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', asset: 'ETH' },
  WBTC: { symbol: 'WBTC', decimals: 8, address: '0x2260fac5e5542a773aa44fbcfedf7c193bc2c599', asset: 'BTC' },
  LINK: { symbol: 'LINK', decimals: 18, address: '0x514910771af9ca656af840dff83e8264ecf986ca', asset: 'LINK' },
  UNI: { symbol: 'UNI', decimals: 18, address: '0x1f9840a85d5af5bf1d1762f925bdaddc4201f984', asset: 'UNI' },
  AAVE: { symbol: 'AAVE', decimals: 18, address: '0x7fc66500c84a76ad7e9c93437bfc5ac33e2ddae9', asset: 'AAVE' },
  MATIC: { symbol: 'MATIC', decimals: 18, address: '0x7d1afa7b718fb893db30a3abc0cfc608aacfebb0', asset: 'MATIC' },
};

export interface AmmPoolSpec {
  dex: 'uniswap_v2' | 'sushiswap' | 'uniswap_v3';
  token0: TokenSpec;
  token1: TokenSpec;
  fee: number; // fraction
  tvlUsd: number;
}

const kAmmPools: readonly [AmmPoolSpec['dex'], string, string, number, number][] = [
  ['uniswap_v2', 'USDC', 'WETH', 0.003, 40e6],
  ['uniswap_v2', 'WBTC', 'WETH', 0.003, 15e6],
  ['uniswap_v2', 'WETH', 'USDT', 0.003, 30e6],
  ['uniswap_v2', 'LINK', 'WETH', 0.003, 6e6],
  ['uniswap_v2', 'UNI', 'WETH', 0.003, 8e6],
  ['uniswap_v2', 'DAI', 'WETH', 0.003, 5e6],
  ['sushiswap', 'USDC', 'WETH', 0.003, 8e6],
  ['sushiswap', 'WBTC', 'WETH', 0.003, 4e6],
  ['sushiswap', 'WETH', 'USDT', 0.003, 5e6],
  ['sushiswap', 'AAVE', 'WETH', 0.003, 2e6],
  ['uniswap_v3', 'USDC', 'WETH', 0.0005, 120e6],
  ['uniswap_v3', 'USDC', 'WETH', 0.003, 60e6],
  ['uniswap_v3', 'WBTC', 'WETH', 0.0005, 40e6],
  ['uniswap_v3', 'WBTC', 'WETH', 0.003, 200e6],
  ['uniswap_v3', 'WETH', 'USDT', 0.0005, 80e6],
  ['uniswap_v3', 'DAI', 'USDC', 0.0001, 50e6],
  ['uniswap_v3', 'LINK', 'WETH', 0.003, 20e6],
  ['uniswap_v3', 'UNI', 'WETH', 0.003, 30e6],
  ['uniswap_v3', 'WBTC', 'USDC', 0.003, 25e6],
  ['uniswap_v3', 'MATIC', 'WETH', 0.003, 5e6],
];

/** The AMM pools whose tokens are priced by assets present in the universe; token0 < token1 by address. */
export function buildAmmPools(assetSymbols: ReadonlySet<string>): AmmPoolSpec[] {
  const out: AmmPoolSpec[] = [];
  for (const [dex, s0, s1, fee, tvlUsd] of kAmmPools) {
    const a = kTokens[s0]!;
    const b = kTokens[s1]!;
    if ((a.asset !== null && !assetSymbols.has(a.asset)) || (b.asset !== null && !assetSymbols.has(b.asset))) continue;
    const [token0, token1] = a.address < b.address ? [a, b] : [b, a];
    out.push({ dex, token0, token1, fee, tvlUsd });
  }
  return out;
}

export interface YieldPoolSpec {
  protocol: string;
  chain: string;
  symbol: string; // DefiLlama style: tokens joined with "-"
  assets: (string | null)[]; // book asset of each token, null for stablecoins
  apyBase: number; // typical level, percent
  apyReward: number; // typical level, percent
  tvlLo: number;
  tvlHi: number;
}

// [protocol, chain, symbol, apyBase, apyReward, tvlLo, tvlHi]
const kYieldPools: readonly [string, string, string, number, number, number, number][] = [
  ['aave', 'ethereum', 'USDC', 5.1, 0, 200e6, 500e6],
  ['aave', 'ethereum', 'USDT', 5.6, 0, 150e6, 450e6],
  ['aave', 'ethereum', 'DAI', 5.3, 0, 50e6, 200e6],
  ['aave', 'ethereum', 'WETH', 1.9, 0, 200e6, 500e6],
  ['aave', 'ethereum', 'WBTC', 0.1, 0, 100e6, 400e6],
  ['aave', 'ethereum', 'LINK', 0.2, 0, 20e6, 80e6],
  ['aave', 'arbitrum', 'USDC', 6.2, 0.4, 40e6, 150e6],
  ['aave', 'arbitrum', 'USDT', 5.8, 0.3, 20e6, 90e6],
  ['aave', 'arbitrum', 'WETH', 1.7, 0.1, 60e6, 200e6],
  ['aave', 'polygon', 'USDC', 7.1, 0.6, 10e6, 60e6],
  ['aave', 'polygon', 'WETH', 1.5, 0.2, 10e6, 50e6],
  ['aave', 'polygon', 'WMATIC', 2.4, 0.5, 5e6, 40e6],
  ['compound', 'ethereum', 'USDC', 6.4, 0.9, 200e6, 500e6],
  ['compound', 'ethereum', 'WETH', 2.2, 0.3, 100e6, 400e6],
  ['compound', 'ethereum', 'USDT', 6.9, 1.0, 50e6, 150e6],
  ['compound', 'arbitrum', 'USDC', 7.5, 1.8, 20e6, 80e6],
  ['compound', 'arbitrum', 'WETH', 2.5, 0.6, 5e6, 30e6],
  ['compound', 'polygon', 'USDC', 8.1, 2.2, 3e6, 20e6],
  ['yearn', 'ethereum', 'USDC', 7.4, 0, 5e6, 40e6],
  ['yearn', 'ethereum', 'WETH', 3.1, 0, 10e6, 60e6],
  ['yearn', 'ethereum', 'DAI', 7.0, 0, 3e6, 30e6],
  ['yearn', 'arbitrum', 'WETH', 3.6, 0.8, 1e6, 10e6],
  ['yearn', 'arbitrum', 'USDC', 8.3, 1.2, 1e6, 8e6],
  ['yearn', 'polygon', 'USDC', 9.1, 1.5, 1e6, 6e6],
  ['convex', 'ethereum', 'DAI-USDC-USDT', 1.2, 2.8, 100e6, 300e6],
  ['convex', 'ethereum', 'FRAX-USDC', 2.1, 4.5, 20e6, 80e6],
  ['convex', 'ethereum', 'ETH-STETH', 1.5, 1.9, 50e6, 200e6],
  ['convex', 'ethereum', 'CRVUSD-USDC', 3.4, 6.2, 10e6, 50e6],
  ['convex', 'ethereum', 'USDT-WBTC-WETH', 2.2, 3.1, 30e6, 120e6],
  ['convex', 'arbitrum', 'USDC-USDT', 2.6, 3.8, 5e6, 25e6],
  ['convex', 'arbitrum', 'USDT-WBTC-WETH', 3.0, 4.4, 3e6, 20e6],
  ['curve', 'ethereum', 'DAI-USDC-USDT', 0.9, 0.6, 150e6, 400e6],
  ['curve', 'ethereum', 'ETH-STETH', 1.3, 0.5, 100e6, 400e6],
  ['curve', 'ethereum', 'USDT-WBTC-WETH', 1.8, 1.2, 50e6, 200e6],
  ['curve', 'ethereum', 'FRAX-USDC', 1.6, 2.2, 30e6, 150e6],
  ['curve', 'arbitrum', 'USDC-USDT', 2.0, 2.5, 10e6, 60e6],
  ['curve', 'arbitrum', 'USDT-WBTC-WETH', 2.7, 2.1, 10e6, 40e6],
  ['curve', 'polygon', 'DAI-USDC-USDT', 2.4, 3.1, 3e6, 20e6],
  ['curve', 'polygon', 'USDT-WBTC-WETH', 3.2, 2.8, 2e6, 15e6],
  ['uniswap_v3', 'ethereum', 'USDC-WETH', 18.5, 0, 100e6, 300e6],
  ['uniswap_v3', 'ethereum', 'WBTC-WETH', 9.2, 0, 100e6, 400e6],
  ['uniswap_v3', 'ethereum', 'WETH-USDT', 21.4, 0, 50e6, 150e6],
  ['uniswap_v3', 'ethereum', 'DAI-USDC', 3.1, 0, 30e6, 120e6],
  ['uniswap_v3', 'ethereum', 'LINK-WETH', 14.8, 0, 10e6, 40e6],
  ['uniswap_v3', 'arbitrum', 'WETH-USDC', 32.5, 0, 20e6, 90e6],
  ['uniswap_v3', 'arbitrum', 'WBTC-WETH', 12.6, 0, 10e6, 60e6],
  ['uniswap_v3', 'arbitrum', 'ARB-WETH', 41.0, 0, 5e6, 30e6],
  ['uniswap_v3', 'polygon', 'WETH-USDC', 26.3, 0, 5e6, 30e6],
  ['uniswap_v3', 'polygon', 'WMATIC-USDC', 35.2, 0, 3e6, 25e6],
];

const kTokenAsset: Readonly<Record<string, string | null>> = {
  USDC: null, USDT: null, DAI: null, FRAX: null, CRVUSD: null,
  WETH: 'ETH', ETH: 'ETH', STETH: 'ETH', WBTC: 'BTC', LINK: 'LINK', WMATIC: 'MATIC', ARB: 'ARB',
};

/** The yield pools whose tokens are priced by assets present in the universe (stablecoin-only pools always). */
export function buildYieldPools(assetSymbols: ReadonlySet<string>): YieldPoolSpec[] {
  const out: YieldPoolSpec[] = [];
  for (const [protocol, chain, symbol, apyBase, apyReward, tvlLo, tvlHi] of kYieldPools) {
    const assets = symbol.split('-').map((t) => {
      const a = kTokenAsset[t];
      if (a === undefined) throw new Error(`yield pool token ${t} has no asset mapping`);
      return a;
    });
    if (assets.some((a) => a !== null && !assetSymbols.has(a))) continue;
    out.push({ protocol, chain, symbol, assets, apyBase, apyReward, tvlLo, tvlHi });
  }
  return out;
}
