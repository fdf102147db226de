// The calldata of ready transactions: Uniswap V3 SwapRouter exactInputSingle (its static ABI
// encoding written out, byte for byte what ethers v6's coder gives) and Aave V3 Pool supply (ethers
// v6's ABI coder). Amounts are converted with each token's own decimals
// (parseUnits), never an assumed 18. Nothing here signs or sends anything: the result is what a
// signer downstream would sign. Not for the hot path (ethers, strings, bigint): consolidation
// builds these for approved actions only.
import { Interface, getAddress, parseUnits } from 'ethers';

/** One ERC-20 token on one chain. */
export interface TokenInfo {
  symbol: string;
  address: string;
  decimals: number;
}

type Chain = 'ethereum' | 'arbitrum' | 'polygon';

// Token addresses per chain (checksummed; the tests re-derive every checksum with getAddress).
const kTokenTable: Readonly<Record<Chain, Readonly<Record<string, readonly [string, number]>>>> = {
  ethereum: {
    USDC: ['0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', 6],
    USDT: ['0xdAC17F958D2ee523a2206206994597C13D831ec7', 6],
    DAI: ['0x6B175474E89094C44Da98b954EedeAC495271d0F', 18],
    WETH: ['0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2', 18],
    WBTC: ['0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599', 8],
    LINK: ['0x514910771AF9Ca656af840dff83E8264EcF986CA', 18],
    UNI: ['0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984', 18],
    AAVE: ['0x7Fc66500c84A76Ad7e9c93437bFc5Ac33E2DDaE9', 18],
    MATIC: ['0x7D1AfA7B718fb893dB30A3aBc0Cfc608AaCfeBB0', 18],
  },
  polygon: {
    USDC: ['0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174', 6], // USDC.e, the reserve Aave V3 Polygon lists
    WETH: ['0x7ceB23fD6bC0adD59E62ac25578270cFf1b9f619', 18],
  },
  arbitrum: {
    USDC: ['0xaf88d065e77c8cC2239327C5EDb3A432268e5831', 6],
    WETH: ['0x82aF49447D8a07e3bd95BD0d56f35241523fBab1', 18],
  },
};

/** Centralised-venue asset names → the token that carries them on chain. */
const kOnChainAlias: Readonly<Record<string, string>> = { ETH: 'WETH', BTC: 'WBTC' };

/** Uniswap V3 SwapRouter (the original router, whose ExactInputSingleParams carry a deadline). */
export const kUniswapV3SwapRouter = '0xE592427A0AEce92De3Edee1F18E0157C05861564';
/** Aave V3 Pool per chain. */
export const kAaveV3Pool: Readonly<Record<Chain, string>> = {
  ethereum: '0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2',
  polygon: '0x794a61358D6845594F94dc1DB02A252b5b4814aD',
  arbitrum: '0x794a61358D6845594F94dc1DB02A252b5b4814aD',
};

/** The two ABIs, as human-readable fragments. */
export const kSwapRouterAbi = [
  'function exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 deadline, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96) params) payable returns (uint256 amountOut)',
] as const;
export const kAavePoolAbi = [
  'function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)',
] as const;

export const kSwapRouterInterface = new Interface(kSwapRouterAbi);
export const kAavePoolInterface = new Interface(kAavePoolAbi);

/** A transaction ready for a signer: nothing is signed or sent. `value` is wei, a decimal string. */
export interface ReadyTx {
  to: string;
  data: string;
  value: string;
  gasEstimate: number;
}

/** The token behind a symbol on a chain (ETH → WETH, BTC → WBTC), or null when not known. */
export function tokenOn(chain: string, symbol: string): TokenInfo | null {
  const table = (kTokenTable as Record<string, Readonly<Record<string, readonly [string, number]>>>)[chain.toLowerCase()];
  if (!table) return null;
  const name = kOnChainAlias[symbol] ?? symbol;
  const t = table[name];
  return t ? { symbol: name, address: t[0], decimals: t[1] } : null;
}

/**
 * A decimal amount (a JS number of whole tokens) in the token's base units, exactly as
 * parseUnits reads its decimal text: rounded down to the token's decimals (never up, so a
 * minimum-out is never overstated). Throws on a negative or non-finite amount.
 */
export function toBaseUnits(amount: number, decimals: number): bigint {
  if (!(Number.isFinite(amount) && amount >= 0)) throw new Error(`amount must be a non-negative finite number, got ${amount}`);
  if (!(Number.isInteger(decimals) && decimals >= 0 && decimals <= 36)) throw new Error(`decimals must be an integer in 0..36, got ${decimals}`);
  // 17 significant digits identify a double; write them without an exponent, then cut to `decimals`.
  const text = amount.toLocaleString('en-US', { useGrouping: false, maximumSignificantDigits: 17, maximumFractionDigits: 20 });
  const dot = text.indexOf('.');
  const cut = dot < 0 ? text : text.slice(0, Math.min(text.length, dot + 1 + decimals)).replace(/\.$/, '');
  return parseUnits(cut, decimals);
}

export interface ExactInputSingleArgs {
  tokenIn: TokenInfo;
  tokenOut: TokenInfo;
  /** Pool fee as a fraction (0.0005 for the 5 bps tier); encoded in hundredths of a bip (500). */
  fee: number;
  recipient: string;
  /** Unix seconds after which the router reverts. */
  deadline: number;
  /** Whole tokens of tokenIn. */
  amountIn: number;
  /** Whole tokens of tokenOut: the least the swap may return. */
  amountOutMinimum: number;
  gasEstimate: number;
}

/**
 * SwapRouter.exactInputSingle calldata (selector 0x414bf389). sqrtPriceLimitX96 is 0 (no limit:
 * amountOutMinimum bounds the price instead).
 */
export function encodeExactInputSingle(a: ExactInputSingleArgs): ReadyTx {
  const feePips = Math.round(a.fee * 1e6);
  if (!(Number.isInteger(feePips) && feePips > 0 && feePips < 1_000_000)) throw new Error(`fee must be a fraction in (0, 1), got ${a.fee}`);
  // The ABI encoding written out (a static tuple: eight 32-byte words after the selector), the
  // bytes ethers's encodeFunctionData gives (calldata.test.ts compares them) without its coder
  // objects: this runs for every approved swap. Addresses are checked (getAddress) once each.
  const data = kExactInputSingleSelector + addressWord(a.tokenIn.address) + addressWord(a.tokenOut.address) + uintWord(BigInt(feePips), 24)
    + addressWord(a.recipient) + uintWord(BigInt(Math.floor(a.deadline)), 256) + uintWord(toBaseUnits(a.amountIn, a.tokenIn.decimals), 256)
    + uintWord(toBaseUnits(a.amountOutMinimum, a.tokenOut.decimals), 256) + kZeroWord;
  return { to: kUniswapV3SwapRouter, data, value: '0', gasEstimate: a.gasEstimate };
}

const kExactInputSingleSelector = '0x414bf389';
const kZeroWord = '0'.repeat(64);
const kWordOf = new Map<string, string>(); // address as given → its ABI word, once checked

/** An address as an ABI word (left-padded, lowercase); throws as getAddress does on a bad one. */
function addressWord(address: string): string {
  let w = kWordOf.get(address);
  if (w === undefined) {
    w = getAddress(address).slice(2).toLowerCase().padStart(64, '0');
    if (kWordOf.size < 1024) kWordOf.set(address, w);
  }
  return w;
}

/** An unsigned integer of `bits` bits as an ABI word; throws on one out of range (as the ABI coder). */
function uintWord(x: bigint, bits: number): string {
  if (x < 0n || x >= 1n << BigInt(bits)) throw new RangeError(`value out of range for uint${bits}: ${x}`);
  return x.toString(16).padStart(64, '0');
}

/** Aave V3 Pool.supply calldata (selector 0x617ba037), referral code 0. `amount` in whole tokens. */
export function encodeAaveSupply(chain: string, asset: TokenInfo, amount: number, onBehalfOf: string, gasEstimate: number): ReadyTx {
  const pool = (kAaveV3Pool as Record<string, string>)[chain.toLowerCase()];
  if (!pool) throw new Error(`no Aave V3 pool known on chain ${JSON.stringify(chain)}`);
  const data = kAavePoolInterface.encodeFunctionData('supply', [
    getAddress(asset.address), toBaseUnits(amount, asset.decimals), getAddress(onBehalfOf), 0,
  ]);
  return { to: pool, data, value: '0', gasEstimate };
}
