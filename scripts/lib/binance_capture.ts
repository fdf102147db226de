// One line of a Binance raw websocket capture: `<local receive time, ns> <raw JSON>`, where the
// JSON is a combined-stream message {"stream": "<sym>@<kind>", "data": {...}} or, once per file,
// a REST depth snapshot without a "stream" key. Pure parsing, no I/O.
import { basename } from 'node:path';
import { roundSig } from './fixture_numbers.ts';

export type CaptureLine =
  | { kind: 'bookTicker'; ns: bigint; symbol: string; bid: number; ask: number; bidSize: number; askSize: number }
  | { kind: 'trade'; ns: bigint; symbol: string; price: number }
  | { kind: 'depth' | 'snapshot'; ns: bigint }
  | { kind: 'other'; ns: bigint; stream: string }
  | { kind: 'malformed'; ns: bigint | null; reason: string };

export interface MarketPair {
  base: string;
  quote: string;
}

const kVenueByPrefix: Readonly<Record<string, string>> = { spot: 'binance_spot', usdm: 'binance_usdm', cm: 'binance_cm' };

/** The venue a capture file belongs to, from its name (`spot_…`, `usdm_…`, `cm_…`), or null. */
export function venueOfCaptureFile(path: string): string | null {
  const name = basename(path);
  const prefix = name.slice(0, name.indexOf('_'));
  return kVenueByPrefix[prefix] ?? null;
}

// Longest first, so "fdusd" wins over "usd".
const kQuoteAssets: readonly string[] = ['fdusd', 'usdt', 'usdc', 'busd', 'tusd', 'usd', 'btc', 'eth', 'bnb', 'eur', 'try'];

/** `btcusdt` → BTC/USDT, `btcusd_perp` → BTC/USD; null for anything else (dated futures included). */
export function pairOfSymbol(symbol: string): MarketPair | null {
  let core = symbol.toLowerCase();
  if (core.endsWith('_perp')) core = core.slice(0, -'_perp'.length);
  if (!/^[a-z0-9]+$/.test(core)) return null;
  for (const q of kQuoteAssets) {
    if (core.length > q.length && core.endsWith(q)) return { base: core.slice(0, -q.length).toUpperCase(), quote: q.toUpperCase() };
  }
  return null;
}

/** COIN-M contracts are quoted in contracts of a fixed USD face value: 100 USD for BTC, 10 USD otherwise. */
export function coinMarginedContractUsd(base: string): number {
  return base === 'BTC' ? 100 : 10;
}

/** A COIN-M size in contracts, as base units at `price`. */
export function contractsToBase(contracts: number, base: string, price: number): number {
  return roundSig((contracts * coinMarginedContractUsd(base)) / price, 10);
}

function num(v: unknown): number {
  return typeof v === 'string' && v !== '' ? Number(v) : typeof v === 'number' ? v : NaN;
}

const kStreamPrefix = '{"stream":"';

/** Parses one capture line. Never throws: a bad line comes back as { kind: 'malformed', reason }. */
export function parseCaptureLine(line: string): CaptureLine {
  const space = line.indexOf(' ');
  if (space <= 0) return { kind: 'malformed', ns: null, reason: 'no "<receive-ns> <json>" separator' };
  const nsText = line.slice(0, space);
  if (!/^\d{1,20}$/.test(nsText)) return { kind: 'malformed', ns: null, reason: `receive time ${JSON.stringify(nsText.slice(0, 40))} is not an integer` };
  const ns = BigInt(nsText);
  const json = line.slice(space + 1);
  // Depth diffs are the bulk of the bytes and are skipped: recognise them by stream name, unparsed.
  if (json.startsWith(kStreamPrefix)) {
    const end = json.indexOf('"', kStreamPrefix.length);
    const stream = end < 0 ? '' : json.slice(kStreamPrefix.length, end);
    if (stream.includes('@depth')) return { kind: 'depth', ns };
  } else if (json.startsWith('{"lastUpdateId"')) {
    return { kind: 'snapshot', ns };
  }
  let msg: unknown;
  try {
    msg = JSON.parse(json);
  } catch (err) {
    return { kind: 'malformed', ns, reason: `invalid JSON (${(err as Error).message})` };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return { kind: 'malformed', ns, reason: 'the JSON is not an object' };
  const obj = msg as Record<string, unknown>;
  if (typeof obj.stream !== 'string') {
    if ('lastUpdateId' in obj) return { kind: 'snapshot', ns };
    return { kind: 'malformed', ns, reason: 'no "stream" key and not a depth snapshot' };
  }
  const stream = obj.stream;
  const at = stream.indexOf('@');
  if (at <= 0) return { kind: 'malformed', ns, reason: `stream ${JSON.stringify(stream)} is not "<symbol>@<kind>"` };
  const streamKind = stream.slice(at + 1).split('@')[0]!;
  const symbol = stream.slice(0, at);
  const data = obj.data;
  if (typeof data !== 'object' || data === null) return { kind: 'malformed', ns, reason: `${stream}: "data" is not an object` };
  const d = data as Record<string, unknown>;
  switch (streamKind) {
    case 'bookTicker': {
      const bid = num(d.b);
      const ask = num(d.a);
      const bidSize = num(d.B);
      const askSize = num(d.A);
      if (!(bid > 0 && Number.isFinite(bid)) || !(ask > 0 && Number.isFinite(ask))) {
        return { kind: 'malformed', ns, reason: `${stream}: bid/ask (b, a) must be positive numbers` };
      }
      if (!(bidSize >= 0 && Number.isFinite(bidSize)) || !(askSize >= 0 && Number.isFinite(askSize))) {
        return { kind: 'malformed', ns, reason: `${stream}: sizes (B, A) must be non-negative numbers` };
      }
      if (!(bid < ask)) return { kind: 'malformed', ns, reason: `${stream}: bid ${bid} is not below ask ${ask}` };
      return { kind: 'bookTicker', ns, symbol, bid, ask, bidSize, askSize };
    }
    case 'trade': {
      const price = num(d.p);
      if (!(price > 0 && Number.isFinite(price))) return { kind: 'malformed', ns, reason: `${stream}: trade price (p) must be a positive number` };
      return { kind: 'trade', ns, symbol, price };
    }
    case 'depth':
      return { kind: 'depth', ns };
    default:
      return { kind: 'other', ns, stream: streamKind };
  }
}
