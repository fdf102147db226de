// A hostile corpus: lines a careless or malicious feed could send, by class, each built from a
// real event of the stream it is mixed into (so its instrument and time are current), and a
// deterministic mixer that puts them among real events. Every class of "Input a trader can trust"
// is here: prices (tiny, fat finger, crossed, zero, non-finite, wide spread, huge sizes, last trade
// off), keys that disagree with their data (venue, asset, quote, pool, topic) or are huge, a huge
// data field, time out of order and far ahead, yields (huge APY and TVL, never-seen pools and their
// quick repeats, jumps, agreeing jumps and bursts), liquidations, cascades and price moves out of
// bounds, AMM price jumps, unknown instruments, spoofed derived events and malformed envelopes.

/** A decoded envelope as the fixture holds it. */
export interface Envelope {
  ts: number;
  type: string;
  topic: string;
  key: string;
  data: Record<string, unknown>;
}

export interface HostileLine {
  cls: string;
  text: string;
}

interface ClassSpec {
  name: string;
  /** What it tries. */
  what: string;
  /** The type of the real event it is built from. */
  from: string;
  /** Lines built from one real event (each gets the class name). */
  build: (e: Envelope, i: number) => unknown[];
  /** Lines stay right after the real event they were built from, whatever their time (else a later line goes where its time is). */
  atSource?: boolean;
  /** Which real events it may be built from (default: any of type `from`): real[i] and the stream around it. */
  fits?: (real: Envelope[], i: number) => boolean;
}

/** Whether the next real event of real[i]'s key comes more than `us` after it (none: true). */
const quietAfter = (real: Envelope[], i: number, us: number): boolean => {
  const e = real[i]!;
  for (let k = i + 1; k < real.length && real[k]!.ts - e.ts <= us; k++) if (real[k]!.key === e.key) return false;
  return true;
};
const apyTimes = (e: Envelope, x: number): Record<string, unknown> => ({ apy: (e.data.apy as number) * x, apyBase: (e.data.apy as number) * x });

const j = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const withData = (e: Envelope, patch: Record<string, unknown>, env: Partial<Envelope> = {}): Envelope => ({ ...e, ...env, data: { ...e.data, ...patch } });
const bookOf = (e: Envelope): { bid: number; ask: number; mid: number } => {
  const bid = e.data.bid as number, ask = e.data.ask as number;
  return { bid, ask, mid: (bid + ask) / 2 };
};
const noDepth = (e: Envelope): Envelope => {
  const data = { ...e.data };
  delete data.bids; delete data.asks; delete data.last;
  return { ...e, data };
};

export const kHostileClasses: ClassSpec[] = [
  { name: 'price.tiny', what: 'bid 1e-9, ask 2e-9 on a live book', from: 'price_update', build: (e) => [withData(noDepth(e), { bid: 1e-9, ask: 2e-9 })] },
  { name: 'price.fat-finger-10x', what: 'bid and ask at 10× the market', from: 'price_update', build: (e) => { const b = bookOf(e); return [withData(noDepth(e), { bid: b.bid * 10, ask: b.ask * 10 })]; } },
  { name: 'price.fat-finger-low', what: 'bid and ask at 0.6× the market', from: 'price_update', build: (e) => { const b = bookOf(e); return [withData(noDepth(e), { bid: b.bid * 0.6, ask: b.ask * 0.6 })]; } },
  { name: 'price.crossed', what: 'bid above ask', from: 'price_update', build: (e) => { const b = bookOf(e); return [withData(noDepth(e), { bid: b.ask * 1.01, ask: b.bid })]; } },
  { name: 'price.zero-negative', what: 'bid 0, then ask −1', from: 'price_update', build: (e) => [withData(noDepth(e), { bid: 0 }), withData(noDepth(e), { ask: -1 })] },
  {
    name: 'price.non-finite', what: 'bid = ask = 1e308, an overflowing 1e309, NaN as text', from: 'price_update',
    build: (e) => [
      withData(noDepth(e), { bid: 1e308, ask: 1e308 }),
      JSON.stringify(withData(noDepth(e), { bid: 12345 })).replace('"bid":12345', '"bid":1e309'),
      withData(noDepth(e), { ask: 'NaN' }),
    ],
  },
  { name: 'price.wide-spread', what: 'bid 0.8×, ask 1.2× the market', from: 'price_update', build: (e) => { const b = bookOf(e); return [withData(noDepth(e), { bid: b.bid * 0.8, ask: b.ask * 1.2 })]; } },
  { name: 'price.huge-size', what: 'bidSize 1e15 at the market', from: 'price_update', build: (e) => [withData(noDepth(e), { bidSize: 1e15 })] },
  { name: 'price.last-off', what: 'a last trade at 3× the mid', from: 'price_update', build: (e) => [withData(noDepth(e), { last: bookOf(e).mid * 3 })] },
  {
    name: 'key.mismatch', what: 'a key naming another venue, and data of another asset (ETH at 2,600) under a BTC key', from: 'price_update',
    build: (e) => [
      withData(noDepth(e), {}, { key: `coinbase:${e.data.base as string}/${e.data.quote as string}` === e.key ? `binance:${e.data.base as string}/${e.data.quote as string}` : `coinbase:${e.data.base as string}/${e.data.quote as string}` }),
      e.data.base === 'ETH' ? withData(noDepth(e), { base: 'BTC', bid: 60000, ask: 60010 }) : withData(noDepth(e), { base: 'ETH', bid: 2600, ask: 2600.5 }),
    ],
  },
  {
    name: 'key.quote-mismatch', what: 'a book keyed in one quote currency whose data names another (USDT ↔ EUR)', from: 'price_update',
    build: (e) => [withData(noDepth(e), { quote: e.data.quote === 'EUR' ? 'USDT' : 'EUR' })],
  },
  {
    name: 'key.pool-mismatch', what: 'a yield keyed for one pool whose data names another, at 3× its APY', from: 'yield_update',
    build: (e) => [withData(e, { pool: `${String(e.data.pool)}-other`, ...apyTimes(e, 3) })],
  },
  { name: 'key.topic-mismatch', what: 'a price on another venue\'s topic', from: 'price_update', build: (e) => [withData(noDepth(e), {}, { topic: 'market.prices.evilx' })] },
  {
    name: 'output.huge-field', what: 'a 10 MB string in a data field (the venue): output must not grow with it', from: 'price_update',
    build: (e) => [withData(noDepth(e), { venue: 'v'.repeat(10 * 1024 * 1024) })],
  },
  { name: 'key.oversized', what: 'a 1 MB key', from: 'price_update', build: (e) => [withData(noDepth(e), {}, { key: 'k'.repeat(1 << 20) })] },
  { name: 'time.back-1h', what: 'the same key one hour in the past', from: 'price_update', atSource: true, build: (e) => [withData(noDepth(e), {}, { ts: e.ts - 3_600_000_000 })] },
  { name: 'time.future', what: 'one day and ten years ahead of the stream', from: 'price_update', atSource: true, build: (e) => [withData(noDepth(e), {}, { ts: e.ts + 86_400_000_000 }), withData(noDepth(e), {}, { ts: e.ts + 315_360_000_000_000 })] },
  { name: 'yield.apy-huge', what: 'APY 1e308 and 1e6 %', from: 'yield_update', build: (e) => [withData(e, { apy: 1e308, apyBase: 1e308 }), withData(e, { apy: 1e6, apyBase: 1e6 })] },
  { name: 'yield.tvl-huge', what: 'TVL 1e12 USD', from: 'yield_update', build: (e) => [withData(e, { tvlUsd: 1e12 })] },
  {
    name: 'yield.new-pool', what: 'a never-seen pool: APY 5,000 % with TVL 1e12, and APY 900 % with TVL 5e8 (first sight)', from: 'yield_update',
    build: (e, i) => {
      const pool = `hostile-pool-${i}`;
      const key = `${e.data.protocol as string}:${e.data.chain as string}:${pool}`;
      return [withData(e, { pool, apy: 5000, apyBase: 5000, tvlUsd: 1e12 }, { key }), withData(e, { pool: `${pool}b`, apy: 900, apyBase: 900, tvlUsd: 5e8 }, { key: `${key}b` })];
    },
  },
  { name: 'yield.jump-100x', what: 'one 100× APY jump', from: 'yield_update', build: (e) => [withData(e, { apy: (e.data.apy as number) * 100, apyBase: (e.data.apy as number) * 100 })] },
  {
    name: 'yield.jump-agreeing', what: 'two agreeing 100× APY jumps 2 s apart', from: 'yield_update',
    build: (e) => [withData(e, { apy: (e.data.apy as number) * 100, apyBase: (e.data.apy as number) * 100 }), withData(e, { apy: (e.data.apy as number) * 101, apyBase: (e.data.apy as number) * 101 }, { ts: e.ts + 2_000_000 })],
  },
  {
    name: 'yield.jump-burst', what: 'a 100× APY jump and four agreeing updates within 2 s, before the pool\'s next real update (it alone speaks)', from: 'yield_update',
    fits: (real, i) => quietAfter(real, i, 3_000_000),
    build: (e) => [0, 500_000, 1_000_000, 1_500_000, 2_000_000].map((dt, k) => withData(e, apyTimes(e, 100 + k), { ts: e.ts + dt })),
  },
  {
    name: 'yield.new-pool-repeat', what: 'a never-seen pool (APY 900 %, TVL 5e8) seen again 1 s and 2 s later', from: 'yield_update',
    build: (e, i) => {
      const pool = `hostile-repeat-${i}`;
      const key = `${e.data.protocol as string}:${e.data.chain as string}:${pool}`;
      return [0, 1_000_000, 2_000_000].map((dt, k) => withData(e, { pool, apy: 900 + k, apyBase: 900 + k, tvlUsd: 5e8 }, { key, ts: e.ts + dt }));
    },
  },
  { name: 'liquidation.huge', what: 'collateral 1e308 and 1e12 USD', from: 'liquidation', build: (e) => [withData(e, { collateralUsd: 1e308, debtUsd: 1e308 }), withData(e, { collateralUsd: 1e12, debtUsd: 1e12 })] },
  {
    name: 'cascade.huge', what: 'a cascade of 1e15 USD, of 1e12 liquidations, of 2.5 liquidations', from: 'liquidation',
    build: (e) => {
      const protocol = e.data.protocol as string, chain = (e.data.chain as string | undefined) ?? 'ethereum';
      const c = (data: Record<string, unknown>): Envelope => ({ ts: e.ts, type: 'liquidation_cascade', topic: `market.liquidations.${protocol}`, key: `${protocol}:${chain}`, data: { protocol, chain, ...data } });
      return [c({ count: 9, totalUsd: 1e15 }), c({ count: 1e12, totalUsd: 2e6 }), c({ count: 2.5, totalUsd: 2e6 })];
    },
  },
  {
    name: 'move.huge', what: 'a major price move of 5,000 %, and one at price 1e-9', from: 'price_update',
    build: (e) => {
      const m = (data: Record<string, unknown>): Envelope => ({ ts: e.ts, type: 'major_price_movement', topic: e.topic, key: e.key, data: { venue: e.data.venue, base: e.data.base, quote: e.data.quote, ...data } });
      return [m({ changePct: 5000, price: bookOf(e).mid }), m({ changePct: -2, price: 1e-9 })];
    },
  },
  { name: 'pool.price-jump', what: 'an AMM pool whose price jumps 10× (reserve1 × 10)', from: 'pool_update', build: (e) => [withData(e, { reserve1: (e.data.reserve1 as number) * 10, sqrtPriceX96: undefined, liquidity: undefined, ticks: undefined, tick: undefined })] },
  {
    name: 'universe.unknown', what: 'a new venue for a known asset, quoted at 10× (and unknown to a closed universe)', from: 'price_update',
    build: (e) => { const b = bookOf(e); return [withData(noDepth(e), { venue: 'evilx', bid: b.bid * 10, ask: b.ask * 10 }, { topic: 'market.prices.evilx', key: `evilx:${e.data.base as string}/${e.data.quote as string}` })]; },
  },
  { name: 'derived.spoof', what: 'a source sending a key reserved for derived events', from: 'price_update', build: (e) => [{ ts: e.ts, type: 'major_price_movement', topic: e.topic, key: `derived:${e.key}`, data: { venue: e.data.venue, base: e.data.base, quote: e.data.quote, changePct: 3, price: bookOf(e).mid } }] },
  {
    name: 'malformed', what: 'invalid JSON, an array, ts in milliseconds, an unknown type', from: 'price_update',
    build: (e) => ['{"ts":' + e.ts + ',"type":"price_upd', '[1,2,3]', withData(e, {}, { ts: Math.floor(e.ts / 1000) }), { ...e, type: 'rug_pull' }],
  },
];

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Mixed {
  /** Every line in order: real and hostile. */
  lines: string[];
  /** The hostile lines, in the order they appear. */
  hostile: HostileLine[];
}

/**
 * Mixes `perClass` instances of each class in `classes` into `real` (parsed real events, in order),
 * in its second half (past the engine's first-sight window), after the real event each is built
 * from. Deterministic for a seed.
 */
export function mixHostile(real: Envelope[], classes: readonly ClassSpec[], perClass: number, seed = 12): Mixed {
  const r = rng(seed);
  const after = new Map<number, unknown[]>();
  const cls = new Map<unknown, string>();
  const half = Math.floor(real.length / 2);
  let n = 0;
  for (const c of classes) {
    const candidates: number[] = [];
    for (let i = half; i < real.length; i++) if (real[i]!.type === c.from && (c.fits?.(real, i) ?? true)) candidates.push(i);
    if (candidates.length === 0) continue;
    for (let k = 0; k < perClass; k++) {
      const at = candidates[Math.floor(r() * candidates.length)]!;
      const built = c.build(real[at]!, n++);
      for (const b of built) {
        let pos = at;
        const ts = b !== null && typeof b === 'object' ? (b as Envelope).ts : NaN;
        if (!c.atSource && typeof ts === 'number') while (pos + 1 < real.length && real[pos + 1]!.ts <= ts) pos++;
        const list = after.get(pos) ?? [];
        list.push(b);
        cls.set(b, c.name);
        after.set(pos, list);
      }
    }
  }
  const lines: string[] = [];
  const hostile: HostileLine[] = [];
  for (let i = 0; i < real.length; i++) {
    lines.push(JSON.stringify(real[i]));
    for (const b of after.get(i) ?? []) {
      // 1 µs after the real event it was built from, so a refused hostile event is told from a real one
      if (b !== null && typeof b === 'object' && typeof (b as Envelope).ts === 'number') (b as Envelope).ts += 1;
      const text = j(b);
      lines.push(text);
      hostile.push({ cls: cls.get(b)!, text });
    }
  }
  return { lines, hostile };
}
