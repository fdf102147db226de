// What the arbitrage detector's strategies share: the state, the output, the configuration, USD
// prices, a book reader, the update clock, the gas price in USD, and the stale counter.
import type { MarketView } from '../../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../../protocol/registry.ts';
import { gasCostUsd } from '../../../finance/gas.ts';
import type { AssetPrices } from '../asset_prices.ts';
import type { AgentConfig } from '../config.ts';
import type { ResultWriter } from '../../../protocol/result_region.ts';
import type { BookReader } from './book_reader.ts';
import type { InputClock } from './input_clock.ts';
import type { QuoteAges } from './quote_ages.ts';

// NaN as a module constant: a double returned beside it stays unboxed (the global NaN boxes it).
const kNaN = NaN;

export interface ArbContext {
  view: MarketView;
  out: ResultWriter;
  cfg: AgentConfig;
  registry: RegistrySnapshot;
  prices: AssetPrices;
  books: BookReader;
  clock: InputClock;
  /** Max input age per instrument (per venue, or from its observed update interval). */
  ages: QuoteAges;
  /** Asset index (AssetPrices) of the gas price asset, -1 when absent. */
  ethAsset: number;
  /** Opportunities dropped because an input was older than its max age (cumulative). */
  stale: { count: number };
}

/** USD of `units` gas at the configured price; NaN while ETH has no USD price and no fallback. */
export function gasUsd(ctx: ArbContext, units: number): number {
  if (units === 0) return 0;
  const g = ctx.cfg.arbitrage.gas;
  let eth = ctx.ethAsset >= 0 ? ctx.prices.usd[ctx.ethAsset]! : kNaN;
  if (!(eth > 0)) eth = g.ethUsdFallback > 0 ? g.ethUsdFallback : kNaN;
  return gasCostUsd(units, g.priceGwei, eth);
}

/**
 * True when the bank has room for an arbitrage record and its detail. When it has not, the
 * opportunity is counted as overflow (a filler record of kind 0, which no reader acts on, takes a
 * last single place so that a record is never published without its detail).
 */
export function roomForPair(out: ResultWriter): boolean {
  if (out.count + 2 <= out.arrays.maxRecords) return true;
  if (out.count < out.arrays.maxRecords) out.push(0, -1, -1, 0, 0, 0, 0, 0);
  out.push(0, -1, -1, 0, 0, 0, 0, 0); // full: counted as overflow
  return false;
}

