// The pure codec: a parsed envelope → one tape row, or the reason it cannot enter the state.
// Every check names the field that was wrong. Nothing here throws past decodeEvent.
import { LucentError } from '../../protocol/errors.ts';
import { kMaxKeyChars } from './bounded.ts';
import { kDepthLevels, kTickMapLevels, kKindAmm, kKindBook, kKindProtocol, kKindSignal, kKindYield } from '../../protocol/layout.ts';
import type { InstrumentRegistry } from '../../protocol/registry.ts';
import { kEventTypeCodes, kTypeGovernance, kTypeGovernancePassed, kTypeLiquidation, kTypeLiquidationCascade, kTypeMajorPriceMove, kTypePool, kTypePrice, kTypeYield, kTypeYieldOpportunity } from '../../protocol/events.ts';
import {
  kTapeF0, kTapeLine, kTapePoolTickCount, kTapePoolTickRef, kTapePriceAskLevels, kTapePriceBidLevels,
  kTapePriceDepthRef, kTapeSlot, kTapeTs, kTapeType, kTapeWidth, type Tape,
} from '../../protocol/tape.ts';

const kTopicPrefix: Readonly<Record<number, string>> = {
  [kTypePrice]: 'market.prices.',
  [kTypePool]: 'market.prices.',
  [kTypeMajorPriceMove]: 'market.prices.',
  [kTypeYield]: 'market.yields.',
  [kTypeYieldOpportunity]: 'market.yields.',
  [kTypeLiquidation]: 'market.liquidations.',
  [kTypeLiquidationCascade]: 'market.liquidations.',
  [kTypeGovernance]: 'market.governance.',
  [kTypeGovernancePassed]: 'market.governance.',
};

// Event times outside [2001, 2286) in µs are certainly not microseconds (ms or ns by mistake).
const kMinTsUs = 1e15;
const kMaxTsUs = 1e16;
const kTwo96 = 2 ** 96;
const kMinTick = -887272; // Uniswap V3 TickMath bounds
const kMaxTick = 887272;
const kLnTickBase = Math.log1p(1e-4); // ln 1.0001
const kInt128Max = (1n << 127n) - 1n;

class FieldError extends LucentError {
  constructor(message: string) { super('ERR_BAD_FIELD', message); }
}

function obj(v: unknown, name: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new FieldError(`${name} must be an object`);
  return v as Record<string, unknown>;
}
function str(d: Record<string, unknown>, k: string): string {
  const v = d[k];
  if (typeof v !== 'string' || v.length === 0) throw new FieldError(`data.${k} must be a non-empty string`);
  if (v.length > kMaxKeyChars) throw new FieldError(`data.${k} is ${v.length} characters long, more than ${kMaxKeyChars}`);
  return v;
}
function num(d: Record<string, unknown>, k: string, min = -Infinity): number {
  const v = d[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FieldError(`data.${k} must be a finite number, got ${JSON.stringify(v)}`);
  if (v < min) throw new FieldError(`data.${k} must be ≥ ${min}, got ${v}`);
  return v;
}
function optNum(d: Record<string, unknown>, k: string, min = -Infinity): number {
  const v = d[k];
  if (v === undefined || v === null) return NaN;
  return num(d, k, min);
}
function optFlag(d: Record<string, unknown>, k: string, yes: string, no: string): number {
  const v = d[k];
  if (v === undefined || v === null) return NaN;
  if (v === true || v === yes) return 1;
  if (v === false || v === no) return 0;
  throw new FieldError(`data.${k} must be true/false or "${yes}"/"${no}", got ${JSON.stringify(v)}`);
}
function optProbability(d: Record<string, unknown>, k: string): number {
  const v = optNum(d, k, 0);
  if (v > 1) throw new FieldError(`data.${k} must be a probability in [0, 1], got ${v}`);
  return v;
}
function bigintField(d: Record<string, unknown>, k: string): bigint | null {
  const v = d[k];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new FieldError(`data.${k} must be a non-negative integer (decimal string), got ${JSON.stringify(v)}`);
}

// ---- The key and the topic agree with the data (one key names one instrument) ---------------------

/** `key` is exactly `a:b/c` (a price key) without building the string. */
function isPairKey(key: string, a: string, b: string, c: string): boolean {
  const i = a.length, j = i + 1 + b.length;
  return key.length === j + 1 + c.length && key.startsWith(a) && key.charCodeAt(i) === 58 && key.startsWith(b, i + 1) &&
    key.charCodeAt(j) === 47 && key.endsWith(c);
}
function keyMismatch(key: string, want: string): FieldError {
  const k = key.length > 80 ? `${key.slice(0, 80)}…` : key;
  return new FieldError(`key ${JSON.stringify(k)} does not agree with the data: expected ${want}`);
}
function checkTopicName(topic: string, prefix: string, name: string, field: string): void {
  if (topic.length !== prefix.length + name.length || !topic.endsWith(name)) {
    throw new FieldError(`topic ${JSON.stringify(topic.length > 80 ? `${topic.slice(0, 80)}…` : topic)} does not agree with data.${field}: expected ${prefix}${name}`);
  }
}

/**
 * Decodes one parsed envelope into a new row of `tape`. Returns null on success, or the reason the
 * message was rejected (the row is then not kept). `where` is stored in the row for audit.
 */
export function decodeEvent(ev: unknown, registry: InstrumentRegistry, tape: Tape, where: number, derived = false): string | null {
  const row = tape.push();
  try {
    encode(ev, registry, tape.rows, row * kTapeWidth, tape, derived);
    tape.rows[row * kTapeWidth + kTapeLine] = where;
    return null;
  } catch (err) {
    tape.pop();
    if (err instanceof LucentError) return err.message;
    return `undecodable: ${(err as Error).message}`;
  }
}

/** Keys of the events the engine derives itself (engine/state/derived_slots.ts kDerivedPrefix); no source may send one. */
const kDerivedKeyPrefix = 'derived:';

function encode(ev: unknown, registry: InstrumentRegistry, t: Float64Array, o: number, tape: Tape, derived: boolean): void {
  const e = obj(ev, 'event');
  const type = typeof e.type === 'string' && Object.hasOwn(kEventTypeCodes, e.type) ? kEventTypeCodes[e.type] : undefined;
  if (type === undefined) throw new FieldError(`type must be one of ${Object.keys(kEventTypeCodes).join(', ')}, got ${JSON.stringify(e.type)}`);
  const ts = e.ts;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) throw new FieldError(`ts must be an integer (µs since the Unix epoch), got ${JSON.stringify(ts)}`);
  if (ts < kMinTsUs || ts >= kMaxTsUs) throw new FieldError(`ts ${ts} is not in microseconds since the Unix epoch (expected 1e15 ≤ ts < 1e16)`);
  const topic = e.topic;
  const prefix = kTopicPrefix[type]!;
  if (typeof topic !== 'string' || !topic.startsWith(prefix) || topic.length === prefix.length) {
    throw new FieldError(`topic must be ${prefix}<name> for ${e.type as string}, got ${JSON.stringify(topic)}`);
  }
  const key = e.key;
  if (typeof key !== 'string' || key.length === 0) throw new FieldError('key must be a non-empty string');
  if (key.length > kMaxKeyChars) throw new FieldError(`key is ${key.length} characters long, more than ${kMaxKeyChars}`);
  if (key.startsWith(kDerivedKeyPrefix) !== derived) {
    throw new FieldError(derived ? 'a derived event\'s key must start with "derived:"' : 'key must not start with "derived:" (reserved for the events the engine derives)');
  }
  const d = obj(e.data, 'data');
  const f = o + kTapeF0;
  t[o + kTapeTs] = ts;
  t[o + kTapeType] = type;

  const bare = derived ? key.slice(kDerivedKeyPrefix.length) : key; // what the data must agree with
  switch (type) {
    case kTypePrice: {
      const venue = str(d, 'venue'), base = str(d, 'base'), quote = str(d, 'quote');
      if (!isPairKey(bare, venue, base, quote)) throw keyMismatch(key, 'data.venue:data.base/data.quote');
      checkTopicName(topic, prefix, venue, 'venue');
      const bid = num(d, 'bid', 0), ask = num(d, 'ask', 0);
      if (bid <= 0 || ask <= 0) throw new FieldError(`data.bid and data.ask must be positive, got ${bid}/${ask}`);
      if (bid > ask) throw new FieldError(`crossed book: data.bid ${bid} > data.ask ${ask}`);
      t[f] = bid; t[f + 1] = ask;
      t[f + 2] = num(d, 'bidSize', 0); t[f + 3] = num(d, 'askSize', 0);
      t[f + 4] = optNum(d, 'last', 0);
      if (d.bids !== undefined || d.asks !== undefined) bookLevels(d, bid, t[f + 2]!, ask, t[f + 3]!, t, f, tape);
      t[o + kTapeSlot] = registry.resolve(key, kKindBook, (m) => { m.venue = venue; m.base = base; m.quote = quote; });
      return;
    }
    case kTypeYield:
    case kTypeYieldOpportunity: {
      const protocol = str(d, 'protocol'), chain = str(d, 'chain'), pool = str(d, 'pool');
      // <protocol>:<chain>:<pool> (or <protocol>:<pool>)
      if (!(bare.length >= protocol.length + 1 + pool.length && bare.startsWith(protocol) && bare.charCodeAt(protocol.length) === 58 &&
        bare.endsWith(pool) && bare.charCodeAt(bare.length - pool.length - 1) === 58)) {
        throw keyMismatch(key, 'data.protocol:data.chain:data.pool');
      }
      checkTopicName(topic, prefix, protocol, 'protocol');
      const symbol = typeof d.symbol === 'string' ? d.symbol.slice(0, kMaxKeyChars) : '';
      const apy = num(d, 'apy');
      t[f] = apy;
      t[f + 1] = optNum(d, 'apyBase');
      t[f + 2] = optNum(d, 'apyReward');
      t[f + 3] = optNum(d, 'tvlUsd', 0); // unknown for rate-only sources (e.g. Aave rate logs)
      t[f + 4] = optFlag(d, 'ilRisk', 'yes', 'no');
      t[f + 5] = optFlag(d, 'exposure', 'multi', 'single');
      t[f + 6] = optFlag(d, 'stablecoin', 'yes', 'no');
      t[f + 7] = optNum(d, 'mu');
      t[f + 8] = optNum(d, 'sigma', 0);
      t[f + 9] = optProbability(d, 'predictedUp');
      t[f + 10] = optNum(d, 'apyBorrow');
      t[f + 11] = optProbability(d, 'ltv');
      t[o + kTapeSlot] = registry.resolve(key, kKindYield, (m) => {
        m.venue = protocol; m.protocol = protocol; m.chain = chain; m.pool = pool; m.symbol = symbol;
      });
      return;
    }
    case kTypePool: {
      const dex = str(d, 'dex'), pool = str(d, 'pool'), token0 = str(d, 'token0'), token1 = str(d, 'token1');
      if (!(bare.length === dex.length + 1 + pool.length && bare.startsWith(dex) && bare.charCodeAt(dex.length) === 58 && bare.endsWith(pool))) {
        throw keyMismatch(key, 'data.dex:data.pool');
      }
      checkTopicName(topic, prefix, dex, 'dex');
      const r0 = num(d, 'reserve0', 0), r1 = num(d, 'reserve1', 0);
      const fee = num(d, 'fee', 0);
      if (fee >= 1) throw new FieldError(`data.fee must be a fraction below 1, got ${fee}`);
      const sqrtX96 = bigintField(d, 'sqrtPriceX96');
      const liquidity = bigintField(d, 'liquidity');
      const dec0 = optNum(d, 'decimals0', 0), dec1 = optNum(d, 'decimals1', 0);
      let price: number;
      let sqrtP = NaN;
      if (sqrtX96 !== null) {
        if (sqrtX96 === 0n) throw new FieldError('data.sqrtPriceX96 must be positive');
        sqrtP = Number(sqrtX96) / kTwo96;
        const raw = sqrtP * sqrtP; // token1 raw units per token0 raw unit
        price = raw * 10 ** ((dec0 === dec0 ? dec0 : 0) - (dec1 === dec1 ? dec1 : 0));
      } else {
        if (r0 <= 0) throw new FieldError('data.reserve0 must be positive for a constant-product pool');
        price = r1 / r0;
      }
      t[f] = r0; t[f + 1] = r1; t[f + 2] = fee; t[f + 3] = sqrtP;
      t[f + 4] = liquidity === null ? NaN : Number(liquidity);
      const tick = optNum(d, 'tick');
      t[f + 5] = tick;
      t[f + 6] = price;
      if (d.ticks !== undefined && d.ticks !== null) {
        if (sqrtX96 === null || liquidity === null) throw new FieldError('data.ticks needs data.sqrtPriceX96 and data.liquidity (a Uniswap V3 pool)');
        tickMap(d.ticks, liquidity, tick === tick ? tick : Math.floor(Math.log(sqrtP * sqrtP) / kLnTickBase), t, f, tape);
      }
      t[o + kTapeSlot] = registry.resolve(key, kKindAmm, (m) => {
        m.venue = dex; m.pool = pool; m.base = token0; m.quote = token1; m.decimals0 = dec0; m.decimals1 = dec1;
      });
      return;
    }
    case kTypeLiquidation:
    case kTypeLiquidationCascade:
    case kTypeGovernance:
    case kTypeGovernancePassed: {
      const protocol = str(d, 'protocol');
      if (!(bare.length > protocol.length + 1 && bare.startsWith(protocol) && bare.charCodeAt(protocol.length) === 58)) {
        throw keyMismatch(key, 'data.protocol:…');
      }
      checkTopicName(topic, prefix, protocol, 'protocol');
      if (type === kTypeLiquidation) {
        t[f] = num(d, 'collateralUsd', 0);
        t[f + 1] = optNum(d, 'debtUsd', 0);
      } else if (type === kTypeLiquidationCascade) {
        t[f] = num(d, 'totalUsd', 0);
        t[f + 1] = num(d, 'count', 0);
      } else {
        str(d, 'proposalId');
      }
      t[o + kTapeSlot] = registry.resolve(`protocol:${protocol}`, kKindProtocol, (m) => { m.venue = protocol; m.protocol = protocol; });
      return;
    }
    case kTypeMajorPriceMove: {
      const venue = str(d, 'venue'), base = str(d, 'base'), quote = str(d, 'quote');
      if (!isPairKey(bare, venue, base, quote)) throw keyMismatch(key, 'data.venue:data.base/data.quote');
      checkTopicName(topic, prefix, venue, 'venue');
      t[f] = num(d, 'changePct');
      t[f + 1] = num(d, 'price', 0);
      t[o + kTapeSlot] = registry.resolve(`signal:${key}`, kKindSignal, (m) => { m.venue = venue; m.base = base; m.quote = quote; });
      return;
    }
    default:
      throw new FieldError(`type ${String(e.type)} has no decoder`);
  }
}

/**
 * Optional book levels of a price_update: `bids` and `asks`, each an array of [price, size] pairs,
 * best first (bids strictly falling, asks strictly rising), level 0 equal to the top of book
 * (bid/bidSize, ask/askSize). Both must be present. Levels past kDepthLevels are ignored. They are
 * stored in the tape's side array (bids then asks) and referenced from the row.
 */
function bookLevels(
  d: Record<string, unknown>, bid: number, bidSz: number, ask: number, askSz: number, t: Float64Array, f: number, tape: Tape,
): void {
  const bids = levelList(d, 'bids', bid, bidSz, -1);
  const asks = levelList(d, 'asks', ask, askSz, 1);
  const nb = Math.min(bids.length, kDepthLevels), na = Math.min(asks.length, kDepthLevels);
  const at = tape.pushDepth(2 * (nb + na));
  const depth = tape.depth;
  for (let i = 0; i < nb; i++) { depth[at + 2 * i] = bids[i]![0]!; depth[at + 2 * i + 1] = bids[i]![1]!; }
  const a0 = at + 2 * nb;
  for (let i = 0; i < na; i++) { depth[a0 + 2 * i] = asks[i]![0]!; depth[a0 + 2 * i + 1] = asks[i]![1]!; }
  t[f + kTapePriceDepthRef] = at;
  t[f + kTapePriceBidLevels] = nb;
  t[f + kTapePriceAskLevels] = na;
}

/**
 * The optional tick map of a Uniswap V3 pool_update: `ticks`, an array of [tick, liquidityNet]
 * pairs, ascending by tick, liquidityNet a signed integer (decimal string, or a safe integer
 * number). Checked whole: crossing the listed ticks from the active liquidity (downwards through
 * those at or below the current tick, subtracting; upwards through those above, adding) must
 * never leave negative liquidity. The kTickMapLevels ticks nearest the current tick are kept: √P
 * (1.0001^(tick/2)) and liquidityNet as doubles, in the tape's side array.
 */
function tickMap(v: unknown, liquidity: bigint, current: number, t: Float64Array, f: number, tape: Tape): void {
  if (!Array.isArray(v)) throw new FieldError('data.ticks must be an array of [tick, liquidityNet] pairs');
  const n = v.length;
  const ticks = new Array<number>(n);
  const nets = new Array<bigint>(n);
  for (let i = 0; i < n; i++) {
    const e = v[i] as unknown;
    if (!Array.isArray(e) || e.length !== 2) throw new FieldError(`data.ticks[${i}] must be a [tick, liquidityNet] pair, got ${JSON.stringify(e)}`);
    const tk = e[0] as unknown, net = e[1] as unknown;
    if (typeof tk !== 'number' || !Number.isInteger(tk) || tk < kMinTick || tk > kMaxTick) {
      throw new FieldError(`data.ticks[${i}][0] must be an integer tick in [${kMinTick}, ${kMaxTick}], got ${JSON.stringify(tk)}`);
    }
    if (i > 0 && !(tk > ticks[i - 1]!)) throw new FieldError(`data.ticks must be ascending by tick (ticks[${i}] = ${tk} after ${ticks[i - 1]})`);
    let b: bigint;
    if (typeof net === 'string' && /^-?[0-9]+$/.test(net)) b = BigInt(net);
    else if (typeof net === 'number' && Number.isSafeInteger(net)) b = BigInt(net);
    else throw new FieldError(`data.ticks[${i}][1] (liquidityNet) must be a signed integer (decimal string), got ${JSON.stringify(net)}`);
    if (b > kInt128Max || b < -kInt128Max - 1n) throw new FieldError(`data.ticks[${i}][1] (liquidityNet) is outside int128`);
    ticks[i] = tk;
    nets[i] = b;
  }
  let below = 0; // ticks at or below the current tick
  while (below < n && ticks[below]! <= current) below++;
  let l = liquidity;
  for (let i = below - 1; i >= 0; i--) {
    l -= nets[i]!;
    if (l < 0n) throw new FieldError(`data.ticks: crossing tick ${ticks[i]} downwards leaves negative liquidity (${l})`);
  }
  l = liquidity;
  for (let i = below; i < n; i++) {
    l += nets[i]!;
    if (l < 0n) throw new FieldError(`data.ticks: crossing tick ${ticks[i]} upwards leaves negative liquidity (${l})`);
  }
  // the kTickMapLevels nearest the price: half below, half above where there are enough
  let lo = below - kTickMapLevels / 2;
  if (lo > n - kTickMapLevels) lo = n - kTickMapLevels;
  if (lo < 0) lo = 0;
  const m = Math.min(kTickMapLevels, n - lo);
  const at = tape.pushDepth(2 * m);
  const side = tape.depth;
  for (let i = 0; i < m; i++) {
    side[at + 2 * i] = Math.exp(0.5 * ticks[lo + i]! * kLnTickBase);
    side[at + 2 * i + 1] = Number(nets[lo + i]!);
  }
  t[f + kTapePoolTickRef] = at;
  t[f + kTapePoolTickCount] = m;
}

function levelList(d: Record<string, unknown>, k: 'bids' | 'asks', top: number, topSize: number, dir: number): number[][] {
  const v = d[k];
  if (!Array.isArray(v) || v.length === 0) throw new FieldError(`data.${k} must be a non-empty array of [price, size] levels (with data.${k === 'bids' ? 'asks' : 'bids'})`);
  let prev = NaN;
  for (let i = 0; i < v.length; i++) {
    const l = v[i] as unknown;
    if (!Array.isArray(l) || l.length !== 2 || typeof l[0] !== 'number' || typeof l[1] !== 'number' ||
      !(l[0] > 0 && l[0] < Infinity) || !(l[1] >= 0 && l[1] < Infinity)) {
      throw new FieldError(`data.${k}[${i}] must be [price > 0, size ≥ 0], got ${JSON.stringify(l)}`);
    }
    if (i > 0 && !((l[0] - prev) * dir > 0)) throw new FieldError(`data.${k} must be ${dir < 0 ? 'falling' : 'rising'} in price, best first (level ${i}: ${l[0]} after ${prev})`);
    prev = l[0];
  }
  const first = v[0] as number[];
  if (first[0] !== top || first[1] !== topSize) {
    throw new FieldError(`data.${k}[0] must be the top of book [${top}, ${topSize}], got ${JSON.stringify(first)}`);
  }
  return v as number[][];
}

/** Parses one JSON line and decodes it; a parse error is a reason like any other. */
export function decodeLine(line: string, registry: InstrumentRegistry, tape: Tape, where: number): string | null {
  let ev: unknown;
  try {
    ev = JSON.parse(line);
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
  return decodeEvent(ev, registry, tape, where);
}
