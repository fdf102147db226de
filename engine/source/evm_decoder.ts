// Raw EVM logs → market events (fixtures/SCHEMA.md), decoded with ethers' ABI coder. No network.
//
//   Uniswap V3 Swap        → pool_update (sqrtPriceX96, liquidity and tick from the event; virtual
//                            reserves L/√P and L·√P in human units)
//   Uniswap V3 Mint / Burn → pool_update when the position's range holds the current tick
//                            (tickLower ≤ tick < tickUpper, the pool contract's own rule), with the
//                            active liquidity tracked since the pool's last Swap
//   Uniswap V2 Sync        → pool_update with the reserves
//   Aave V3 ReserveDataUpdated → yield_update: supply APY and variable borrow APY from the ray rates
//
// `decodeLog` never throws: a log it cannot use comes back as `rejected` (malformed, unknown) or
// `ignored` (understood, but it changes nothing the market state holds) with the reason.
import { AbiCoder, Interface, formatUnits } from 'ethers';
import type { EventFragment } from 'ethers';
import type { MarketEvent } from '../../protocol/events.ts';

export interface RawLog {
  /** The emitting contract, 0x + 40 hex digits (any case). */
  address: string;
  topics: readonly string[];
  /** ABI-encoded non-indexed arguments, 0x-prefixed hex. */
  data: string;
  /** Block timestamp, seconds since the Unix epoch. */
  blockTimestamp: number;
}

export interface TokenInfo {
  symbol: string;
  decimals: number;
  /** A USD stablecoin (set for lending reserves: it goes into their yield_update). */
  stablecoin?: boolean;
}

/** What an emitting contract is. Addresses in the maps are lower-case. */
export type EmitterInfo =
  | { kind: 'uniswap_v3'; dex?: string; token0: TokenInfo; token1: TokenInfo; fee: number }
  | { kind: 'uniswap_v2'; dex?: string; token0: TokenInfo; token1: TokenInfo; fee: number }
  | {
    kind: 'aave_v3'; protocol?: string; chain: string;
    /** reserve (underlying asset) address → token */
    reserves: Readonly<Record<string, TokenInfo>>;
    /** reserve address → TVL in USD. A rate log carries no balances: absent means 0 (not known). */
    tvlUsd?: Readonly<Record<string, number>>;
  };

export type LogDecode =
  | { status: 'event'; name: string; event: MarketEvent }
  | { status: 'ignored'; name: string; reason: string }
  | { status: 'rejected'; reason: string };

// ---- ABIs -------------------------------------------------------------------------------------
const kUniswapV3Abi = [
  'event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick)',
  'event Mint(address sender, address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount, uint256 amount0, uint256 amount1)',
  'event Burn(address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount, uint256 amount0, uint256 amount1)',
  'event Collect(address indexed owner, address recipient, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount0, uint128 amount1)',
];
const kUniswapV2Abi = ['event Sync(uint112 reserve0, uint112 reserve1)'];
const kAaveV3PoolAbi = [
  'event ReserveDataUpdated(address indexed reserve, uint256 liquidityRate, uint256 stableBorrowRate, uint256 variableBorrowRate, uint256 liquidityIndex, uint256 variableBorrowIndex)',
  'event Supply(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode)',
  'event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount)',
  'event Borrow(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint8 interestRateMode, uint256 borrowRate, uint16 indexed referralCode)',
  'event Repay(address indexed reserve, address indexed user, address indexed repayer, uint256 amount, bool useATokens)',
];

export const kUniswapV3Interface = new Interface(kUniswapV3Abi);
export const kUniswapV2Interface = new Interface(kUniswapV2Abi);
export const kAaveV3PoolInterface = new Interface(kAaveV3PoolAbi);

interface KnownEvent {
  family: EmitterInfo['kind'];
  iface: Interface;
  fragment: EventFragment;
  topics: number; // topic0 + indexed arguments
  words: number; // 32-byte words of data (all non-indexed arguments here are static)
}

const kByTopic0 = new Map<string, KnownEvent>();
for (const [family, iface] of [['uniswap_v3', kUniswapV3Interface], ['uniswap_v2', kUniswapV2Interface], ['aave_v3', kAaveV3PoolInterface]] as const) {
  iface.forEachEvent((fragment) => {
    const indexed = fragment.inputs.filter((p) => p.indexed).length;
    kByTopic0.set(fragment.topicHash, { family, iface, fragment, topics: 1 + indexed, words: fragment.inputs.length - indexed });
  });
}

/** topic0 of an event by name (for tests and tools). */
export function topic0Of(name: string): string {
  for (const [t, k] of kByTopic0) if (k.fragment.name === name) return t;
  throw new Error(`no known event named ${name}`);
}

// ---- Units ------------------------------------------------------------------------------------
const kQ96 = 1n << 96n;
/** Aave rates and indexes are rays: fixed point with 27 decimals. */
export const kRayDecimals = 27;
/** Aave's SECONDS_PER_YEAR (365 days): the compounding periods of its per-second rates. */
export const kSecondsPerYear = 31_536_000;

/**
 * Aave quotes rates as annual rates (APR) in ray that accrue per second: over a year a rate r
 * compounds to (1 + r/secondsPerYear)^secondsPerYear. The APY in percent is therefore
 *   APY = ((1 + APR/31 536 000)^31 536 000 − 1) · 100,   APR = rate / 1e27.
 * (The same conversion Aave's own interface applies to liquidityRate and variableBorrowRate.)
 */
export function rayAprToApyPct(rateRay: bigint): number {
  const apr = Number(formatUnits(rateRay, kRayDecimals));
  return Math.expm1(kSecondsPerYear * Math.log1p(apr / kSecondsPerYear)) * 100;
}

/** Virtual reserves of a concentrated-liquidity pool at its price, in human units of each token. */
export function virtualReserves(liquidity: bigint, sqrtPriceX96: bigint, decimals0: number, decimals1: number): [number, number] {
  const raw0 = (liquidity * kQ96) / sqrtPriceX96; // L / √P
  const raw1 = (liquidity * sqrtPriceX96) / kQ96; // L · √P
  return [Number(formatUnits(raw0, decimals0)), Number(formatUnits(raw1, decimals1))];
}

// ---- Pure decoding of one known log -----------------------------------------------------------
export interface ParsedLog {
  name: string;
  family: EmitterInfo['kind'];
  args: Readonly<Record<string, unknown>>;
}

const kHex = /^0x[0-9a-fA-F]*$/;
const kTopic = /^0x[0-9a-fA-F]{64}$/;

/**
 * Decodes a log of a known event into its named arguments, or returns the reason it cannot:
 * unknown topic0, wrong topic count, short or long data, or a non-canonical encoding (a value
 * wider than its type, which ethers would otherwise mask silently).
 */
export function parseLog(topics: readonly string[], data: string): ParsedLog | string {
  if (!Array.isArray(topics) || topics.length === 0) return 'no topics (an anonymous or malformed log)';
  for (const t of topics) if (typeof t !== 'string' || !kTopic.test(t)) return `topic ${JSON.stringify(t)} is not 32 bytes of hex`;
  const known = kByTopic0.get(topics[0]!.toLowerCase());
  if (!known) return `unknown topic0 ${topics[0]}`;
  const name = known.fragment.name;
  if (topics.length !== known.topics) return `${name} needs ${known.topics} topics, got ${topics.length}`;
  if (typeof data !== 'string' || !kHex.test(data) || (data.length - 2) % 2 !== 0) return `${name}: data is not hex`;
  const bytes = (data.length - 2) / 2;
  if (bytes !== known.words * 32) return `${name}: data is ${bytes} bytes, expected ${known.words * 32}`;
  try {
    const lowered = topics.map((t) => t.toLowerCase());
    const result = known.iface.decodeEventLog(known.fragment, data, lowered);
    const args: Record<string, unknown> = {};
    const values: unknown[] = [];
    known.fragment.inputs.forEach((p, i) => { args[p.name] = result[i]; values.push(result[i]); });
    const again = known.iface.encodeEventLog(known.fragment, values);
    if (again.data.toLowerCase() !== data.toLowerCase() || again.topics.some((t, i) => t !== lowered[i])) {
      return `${name}: non-canonical encoding (a value is wider than its ABI type)`;
    }
    return { name, family: known.family, args };
  } catch (err) {
    return `${name}: ${(err as { shortMessage?: string }).shortMessage ?? (err as Error).message}`;
  }
}

// ---- From decoded logs to events --------------------------------------------------------------
interface V3State {
  sqrtPriceX96: bigint;
  liquidity: bigint;
  tick: number;
}

export interface DecoderOptions {
  /** Emitting contracts by lower-case address. */
  emitters: Readonly<Record<string, EmitterInfo>>;
}

/**
 * Turns raw logs into market events. It keeps, per Uniswap V3 pool, the price and active
 * liquidity of the last Swap (plus the Mints and Burns since), so feed each pool's logs in
 * chain order (block, then log index).
 */
export class EvmLogDecoder {
  readonly #emitters: ReadonlyMap<string, EmitterInfo>;
  readonly #v3 = new Map<string, V3State>();

  constructor(opts: DecoderOptions) {
    const m = new Map<string, EmitterInfo>();
    for (const [a, info] of Object.entries(opts.emitters)) m.set(a.toLowerCase(), info);
    this.#emitters = m;
  }

  /** The tracked state of a V3 pool (a copy), or null before its first Swap. */
  v3State(address: string): V3State | null {
    const s = this.#v3.get(address.toLowerCase());
    return s ? { ...s } : null;
  }

  decode(log: RawLog): LogDecode {
    try {
      return this.#decode(log);
    } catch (err) {
      return { status: 'rejected', reason: `undecodable: ${(err as Error).message}` };
    }
  }

  #decode(log: RawLog): LogDecode {
    if (log === null || typeof log !== 'object') return { status: 'rejected', reason: 'log must be an object' };
    const address = typeof log.address === 'string' ? log.address.toLowerCase() : '';
    if (!/^0x[0-9a-f]{40}$/.test(address)) return { status: 'rejected', reason: `address ${JSON.stringify(log.address)} is not 20 bytes of hex` };
    const emitter = this.#emitters.get(address);
    if (!emitter) return { status: 'rejected', reason: `unknown emitter ${address}` };
    if (!Number.isSafeInteger(log.blockTimestamp) || log.blockTimestamp <= 0) {
      return { status: 'rejected', reason: `blockTimestamp must be a positive integer (seconds), got ${JSON.stringify(log.blockTimestamp)}` };
    }
    const parsed = parseLog(log.topics, log.data);
    if (typeof parsed === 'string') return { status: 'rejected', reason: parsed };
    if (parsed.family !== emitter.kind) return { status: 'rejected', reason: `${parsed.name} from ${address}, which is configured as ${emitter.kind}` };
    const ts = log.blockTimestamp * 1_000_000;
    const a = parsed.args;
    switch (emitter.kind) {
      case 'uniswap_v3':
        return this.#v3Event(parsed.name, a, address, emitter, ts);
      case 'uniswap_v2': {
        const r0 = a.reserve0 as bigint, r1 = a.reserve1 as bigint;
        if (r0 === 0n || r1 === 0n) return { status: 'ignored', name: 'Sync', reason: 'empty pool (a reserve is 0): no price' };
        const dex = emitter.dex ?? 'uniswap_v2';
        return {
          status: 'event', name: 'Sync', event: {
            ts, type: 'pool_update', topic: `market.prices.${dex}`, key: `${dex}:${address}`,
            data: {
              dex, pool: address, token0: emitter.token0.symbol, token1: emitter.token1.symbol,
              reserve0: Number(formatUnits(r0, emitter.token0.decimals)), reserve1: Number(formatUnits(r1, emitter.token1.decimals)),
              fee: emitter.fee,
            },
          },
        };
      }
      case 'aave_v3': {
        const reserve = String(a.reserve).toLowerCase();
        if (parsed.name !== 'ReserveDataUpdated') return { status: 'ignored', name: parsed.name, reason: `Aave ${parsed.name}: account flows, not reserve rates` };
        const token = emitter.reserves[reserve];
        if (!token) return { status: 'rejected', reason: `ReserveDataUpdated for unknown reserve ${reserve}` };
        const protocol = emitter.protocol ?? 'aave';
        const apy = rayAprToApyPct(a.liquidityRate as bigint);
        return {
          status: 'event', name: 'ReserveDataUpdated', event: {
            ts, type: 'yield_update', topic: `market.yields.${protocol}`, key: `${protocol}:${emitter.chain}:${reserve}`,
            data: {
              protocol, chain: emitter.chain, pool: reserve, symbol: token.symbol,
              apy, apyBase: apy, apyBorrow: rayAprToApyPct(a.variableBorrowRate as bigint),
              tvlUsd: emitter.tvlUsd?.[reserve] ?? 0, ilRisk: 'no', exposure: 'single',
              ...(token.stablecoin === undefined ? {} : { stablecoin: token.stablecoin }),
            },
          },
        };
      }
    }
  }

  #v3Event(name: string, a: Readonly<Record<string, unknown>>, address: string, emitter: Extract<EmitterInfo, { kind: 'uniswap_v3' }>, ts: number): LogDecode {
    if (name === 'Collect') return { status: 'ignored', name, reason: 'Collect moves owed fees and tokens, not liquidity or price' };
    if (name === 'Swap') {
      const s: V3State = { sqrtPriceX96: a.sqrtPriceX96 as bigint, liquidity: a.liquidity as bigint, tick: Number(a.tick) };
      if (s.sqrtPriceX96 === 0n) return { status: 'rejected', reason: 'Swap: sqrtPriceX96 is 0' };
      this.#v3.set(address, s);
      return { status: 'event', name, event: v3PoolUpdate(ts, address, emitter, s) };
    }
    // Mint or Burn
    const s = this.#v3.get(address);
    if (!s) return { status: 'ignored', name, reason: `${name} before the pool's first Swap: active liquidity not known yet` };
    const amount = a.amount as bigint;
    if (amount === 0n) return { status: 'ignored', name, reason: `${name} of zero liquidity (a fee poke)` };
    const lower = Number(a.tickLower), upper = Number(a.tickUpper);
    if (!(lower <= s.tick && s.tick < upper)) {
      return { status: 'ignored', name, reason: `${name} in [${lower}, ${upper}) away from tick ${s.tick}: active liquidity unchanged` };
    }
    const next = name === 'Mint' ? s.liquidity + amount : s.liquidity - amount;
    if (next < 0n) {
      this.#v3.delete(address); // lost sync: wait for the next Swap
      return { status: 'rejected', reason: `Burn of ${amount} exceeds the tracked active liquidity ${s.liquidity}` };
    }
    s.liquidity = next;
    return { status: 'event', name, event: v3PoolUpdate(ts, address, emitter, s) };
  }
}

function v3PoolUpdate(ts: number, address: string, e: Extract<EmitterInfo, { kind: 'uniswap_v3' }>, s: V3State): MarketEvent {
  const dex = e.dex ?? 'uniswap_v3';
  const [reserve0, reserve1] = virtualReserves(s.liquidity, s.sqrtPriceX96, e.token0.decimals, e.token1.decimals);
  return {
    ts, type: 'pool_update', topic: `market.prices.${dex}`, key: `${dex}:${address}`,
    data: {
      dex, pool: address, token0: e.token0.symbol, token1: e.token1.symbol, reserve0, reserve1, fee: e.fee,
      sqrtPriceX96: s.sqrtPriceX96.toString(), liquidity: s.liquidity.toString(), tick: s.tick,
      decimals0: e.token0.decimals, decimals1: e.token1.decimals,
    },
  };
}

/** Encodes a log the way a contract would emit it (tests and tools build logs with this). */
export function encodeLog(name: string, values: readonly unknown[]): { topics: string[]; data: string } {
  const t0 = topic0Of(name);
  const k = kByTopic0.get(t0)!;
  const enc = k.iface.encodeEventLog(k.fragment, values as unknown[]);
  return { topics: enc.topics, data: enc.data };
}

/** ABI coder for tests that need to build malformed data by hand. */
export const kAbiCoder = AbiCoder.defaultAbiCoder();
