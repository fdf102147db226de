// Exact on-chain units with ethers: gas in wei, and raw token amounts (what a chain stores: wei,
// USDC's 6-decimal units, WBTC's 8) as human amounts through each token's own decimals, never by
// assuming 18. For setup, decoding and tests (bigint, allocates); the hot path multiplies by a
// scale computed once per token (tokenUnitScale here, or unitScale in workers/agents/arbitrage/
// units.ts, which needs no ethers in an agent thread). USD gas costs: gas.ts.
import { formatUnits, parseUnits } from 'ethers';

/**
 * Exact gas cost in wei (bigint): gasUnits · parseUnits(gasPriceGwei, 'gwei'). gasPriceGwei is a
 * decimal string ("20", "0.5", "13.370000001"): ethers parses it without rounding (up to 9
 * decimals, the wei resolution of a gwei price). Throws on a malformed price (setup time).
 */
export function gasCostWei(gasUnits: bigint, gasPriceGwei: string): bigint {
  if (gasUnits < 0n) throw new RangeError(`gasUnits must be ≥ 0, got ${gasUnits}`);
  return gasUnits * parseUnits(gasPriceGwei, 'gwei');
}

/** A wei amount as a decimal ETH string ("0.003"), exact. */
export function weiToEthString(wei: bigint): string {
  return formatUnits(wei, 18);
}

function checkDecimals(decimals: number): void {
  if (!(Number.isInteger(decimals) && decimals >= 0 && decimals <= 77)) {
    throw new RangeError(`token decimals must be an integer in 0..77, got ${decimals}`);
  }
}

/**
 * Human units per raw unit of a token with `decimals`: 10^−decimals, taken from the exact decimal
 * formatUnits(1, decimals) ("0.000001" for USDC) and rounded once to the nearest double. Multiply a
 * raw amount by it to get tokens. Throws for decimals outside 0..77 (setup time, once per token).
 */
export function tokenUnitScale(decimals: number): number {
  checkDecimals(decimals);
  return Number(formatUnits(1n, decimals));
}

/** A raw integer amount as a human amount (exact decimal, then one rounding to a double). */
export function rawToHuman(raw: bigint, decimals: number): number {
  checkDecimals(decimals);
  return Number(formatUnits(raw, decimals));
}

/** A human decimal string as the raw integer amount (exact; throws on too many decimals). */
export function humanToRaw(amount: string, decimals: number): bigint {
  checkDecimals(decimals);
  return parseUnits(amount, decimals);
}
