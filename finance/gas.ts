// Gas cost of on-chain actions: gas units per action × gas price, in ETH and in USD.
// The unit counts are typical mainnet figures for a warm call (token balances and approvals
// already set), rounded; they vary with the tokens, the route and storage state, so every cost
// built on them is an estimate. Centralised venues cost no gas. Plain arithmetic, no ethers, so
// that agent threads can import it without loading the ABI coder (exact wei arithmetic on bigint
// lives in gas_units.ts).

// (a module-private copy for the hot path: an optimized function that reads an exported binding
// holding a non-integer number allocates a heap number per read)
const kEthPerGweiLocal = 1e-9;
/** 1 gwei in ETH. */
export const kEthPerGwei = kEthPerGweiLocal;

/** Gas units of the actions the engine prices (typical, warm storage). */
export const kGasUnits = Object.freeze({
  /** ERC-20 approve (first approval of a spender). */
  erc20Approve: 46_000,
  /** ERC-20 transfer to an address that already holds the token. */
  erc20Transfer: 52_000,
  /** Uniswap V2 router swapExactTokensForTokens, one hop. */
  uniswapV2Swap: 110_000,
  /** Uniswap V3 SwapRouter exactInputSingle that stays inside the current tick range. */
  uniswapV3Swap: 125_000,
  /** Extra gas per initialized tick a V3 swap crosses (tick bitmap and tick storage). */
  uniswapV3TickCross: 21_000,
  /** Aave V3 Pool.supply of a reserve already used as collateral. */
  aaveSupply: 180_000,
  /** Aave V3 Pool.withdraw. */
  aaveWithdraw: 190_000,
  /** Uniswap V3 NonfungiblePositionManager.mint of a new range position. */
  uniswapV3Mint: 420_000,
  /** Uniswap V2 addLiquidity. */
  uniswapV2AddLiquidity: 150_000,
});

/** Venue gas kinds (what one leg on a venue costs). */
export const kGasVenueCex = 0;
export const kGasVenueV2 = 1;
export const kGasVenueV3 = 2;

/**
 * Gas units of one swap leg: 0 on a centralised venue, the V2 swap, or the V3 swap plus one
 * tick-cross charge per initialized tick crossed.
 */
export function swapGasUnits(venueKind: number, ticksCrossed: number): number {
  if (venueKind === kGasVenueV2) return kGasUnits.uniswapV2Swap;
  if (venueKind === kGasVenueV3) return kGasUnits.uniswapV3Swap + kGasUnits.uniswapV3TickCross * (ticksCrossed > 0 ? ticksCrossed : 0);
  return 0;
}

/**
 * Cost of `units` of gas in USD: units × gasPriceGwei × 1e-9 ETH × ethUsd.
 * 125 000 units at 30 gwei with ETH at 2 500 USD: 0.00375 ETH = 9.375 USD.
 * NaN when the ETH price is unknown (NaN) or an input is negative.
 */
export function gasCostUsd(units: number, gasPriceGwei: number, ethUsd: number): number {
  if (!(units >= 0 && gasPriceGwei >= 0 && ethUsd >= 0)) return NaN;
  return units * gasPriceGwei * kEthPerGweiLocal * ethUsd;
}

/** Cost of `units` of gas in ETH. */
export function gasCostEth(units: number, gasPriceGwei: number): number {
  return units * gasPriceGwei * kEthPerGweiLocal;
}

/**
 * Gas cost as a fraction of a trade's notional (1e-4 = 1 bp): gasCostUsd / notionalUsd.
 * A 9.375 USD swap on 10 000 USD is 9.375 bps. Infinity for a zero notional with a cost.
 */
export function gasCostFraction(units: number, gasPriceGwei: number, ethUsd: number, notionalUsd: number): number {
  const c = gasCostUsd(units, gasPriceGwei, ethUsd);
  return notionalUsd > 0 ? c / notionalUsd : c > 0 ? Infinity : 0;
}
