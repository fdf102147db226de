// Raw EVM logs recorded as CSV (columns block_number, block_timestamp, transaction_hash,
// transaction_index, log_index, topics, data) → RawLog, plus the contracts of the recorded samples.
// The files carry no address column: the emitter comes from the file name (emitterOfFile).
import type { EmitterInfo, RawLog, TokenInfo } from './evm_decoder.ts';

export const kUsdc: TokenInfo = { symbol: 'USDC', decimals: 6 };
export const kWeth: TokenInfo = { symbol: 'WETH', decimals: 18 };

/** Aave V3 Pool on Polygon (the same proxy address as on several other chains). */
export const kAaveV3PoolPolygon = '0x794a61358d6845594f94dc1db02a252b5b4814ad';

/**
 * The contracts of ../shared/data/onchain-logs-2024-01: two Uniswap V3 USDC/WETH pools on Ethereum
 * (fee tiers 0.05 % and 0.3 %; token0 = USDC, the lower address) and the Aave V3 Pool on Polygon
 * with its USDC.e and WETH reserves.
 */
export const kSampleEmitters: Readonly<Record<string, EmitterInfo>> = {
  '0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640': { kind: 'uniswap_v3', token0: kUsdc, token1: kWeth, fee: 0.0005 },
  '0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8': { kind: 'uniswap_v3', token0: kUsdc, token1: kWeth, fee: 0.003 },
  [kAaveV3PoolPolygon]: {
    kind: 'aave_v3', chain: 'polygon',
    reserves: {
      '0x2791bca1f2de4661ed88a30c99a7a9449aa84174': { symbol: 'USDC.e', decimals: 6, stablecoin: true },
      '0x7ceb23fd6bc0add59e62ac25578270cff1b9f619': { symbol: 'WETH', decimals: 18, stablecoin: false },
    },
  },
};

/**
 * The emitter of a recorded file, from its name: `<chain>-<pool>-<date>.raw.csv` is a Uniswap
 * pool; `<chain>-aave_v3-<reserve>-<date>.raw.csv` is the Aave V3 Pool of that chain (the files do
 * not record it; every ReserveDataUpdated names its reserve, so only the chain is needed).
 */
export function emitterOfFile(name: string): string | null {
  const base = name.split('/').pop()!;
  const aave = /^([a-z]+)-aave_v3-0x[0-9a-f]{40}-/.exec(base);
  if (aave) return aave[1] === 'polygon' ? kAaveV3PoolPolygon : null;
  const pool = /^[a-z]+-(0x[0-9a-f]{40})-/.exec(base);
  return pool ? pool[1]! : null;
}

const kTopic = /^0x[0-9a-fA-F]{64}$/;

/**
 * Parses a topic list literal. The recordings write it as JSON (`["0x…", "0x…"]`) or as a Python
 * list (`['0x…', '0x…']`); both are accepted.
 */
export function parseTopicList(text: string): string[] | string {
  const s = text.trim();
  if (!s.startsWith('[') || !s.endsWith(']')) return `topics ${JSON.stringify(s.slice(0, 40))} is not a list`;
  const inner = s.slice(1, -1).trim();
  if (inner === '') return [];
  const out: string[] = [];
  for (const part of inner.split(',')) {
    const p = part.trim();
    const q = p[0];
    if ((q !== '"' && q !== '\'') || p[p.length - 1] !== q || p.length < 2) return `topic ${JSON.stringify(p.slice(0, 70))} is not a quoted string`;
    const t = p.slice(1, -1);
    if (!kTopic.test(t)) return `topic ${JSON.stringify(t.slice(0, 70))} is not 32 bytes of hex`;
    out.push(t);
  }
  return out;
}

export interface CsvLog extends RawLog {
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
}

/** `2024-01-05 00:00:23` (UTC) → seconds since the Unix epoch, or NaN. */
export function utcSeconds(s: string): number {
  if (!/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?$/.test(s)) return NaN;
  const ms = Date.parse(`${s.replace(' ', 'T').replace(/Z$/, '')}Z`);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : NaN;
}

/** One CSV record (by header name) → a log of `address`, or the reason it is unusable. */
export function csvRecordToLog(r: Readonly<Record<string, string>>, address: string): CsvLog | string {
  const blockNumber = Number(r.block_number);
  if (!Number.isSafeInteger(blockNumber) || blockNumber < 0) return `block_number ${JSON.stringify(r.block_number)} is not an integer`;
  const logIndex = Number(r.log_index);
  if (!Number.isSafeInteger(logIndex) || logIndex < 0 || r.log_index === '') return `log_index ${JSON.stringify(r.log_index)} is not an integer`;
  const blockTimestamp = utcSeconds(r.block_timestamp ?? '');
  if (!Number.isFinite(blockTimestamp)) return `block_timestamp ${JSON.stringify(r.block_timestamp)} is not "YYYY-MM-DD HH:MM:SS"`;
  const topics = parseTopicList(r.topics ?? '');
  if (typeof topics === 'string') return topics;
  const data = r.data ?? '';
  if (!/^0x([0-9a-fA-F]{2})*$/.test(data)) return `data is not 0x-prefixed hex bytes`;
  return { address, topics, data, blockTimestamp, blockNumber, logIndex, transactionHash: r.transaction_hash ?? '' };
}
