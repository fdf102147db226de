// On-chain token symbols as the market assets they carry: wrapped and staked forms map to the
// asset that centralised venues quote (WETH → ETH, WBTC → BTC), USD stablecoins to "USD".
// Used at init only (strings); agents keep the resolved indices.

/** The quote currencies that count as USD: a book quoted in one of them prices its base in USD. */
export const kUsdQuotes: ReadonlySet<string> = new Set(['USD', 'USDT', 'USDC', 'DAI', 'BUSD', 'FDUSD']);

/** Stablecoins beyond the USD quote currencies that count as 1 USD. */
const kMoreStables: ReadonlySet<string> = new Set(['FRAX', 'CRVUSD', 'LUSD', 'GHO', 'USDE', 'PYUSD', 'USDC.E', 'SUSD', 'TUSD', 'USDP']);

/** Wrapped or staked tokens and the asset whose price they track (STETH: ETH, to a small discount). */
const kTokenAsset: Readonly<Record<string, string>> = {
  WETH: 'ETH', STETH: 'ETH', WSTETH: 'ETH', RETH: 'ETH', CBETH: 'ETH', WBTC: 'BTC', CBBTC: 'BTC', TBTC: 'BTC',
  WMATIC: 'MATIC', WPOL: 'MATIC', POL: 'MATIC', WBNB: 'BNB', WAVAX: 'AVAX', WSOL: 'SOL',
};

/** True for a USD stablecoin (or USD itself). */
export function isStable(token: string): boolean {
  const t = token.toUpperCase();
  return kUsdQuotes.has(t) || kMoreStables.has(t);
}

/** The market asset a token carries: 'USD' for stablecoins, the unwrapped asset otherwise. */
export function assetOfToken(token: string): string {
  const t = token.toUpperCase();
  if (isStable(t)) return 'USD';
  return kTokenAsset[t] ?? t;
}

/** Tokens of a pool symbol ('USDT-WBTC-WETH' → three); empty parts dropped. */
export function symbolTokens(symbol: string): string[] {
  return symbol.split(/[-/ ]+/).filter((t) => t !== '');
}
