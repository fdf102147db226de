// The fixture generator: deterministic bytes, the event envelope, labels that match the data, no
// arbitrage outside the labelled windows, and a committed default fixture that is not stale.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MarketEvent } from '../protocol/events.ts';
import { generateFixture, kDefaultFixturePath, labelsPathFor, writeFixture } from './gen-fixture.ts';
import type { FixtureLabels } from './gen-fixture.ts';
import { gzLines, sha256File } from '../fixtures/jsonl_gz.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lucent-gen-fixture-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const nodeBin = process.execPath;
const script = new URL('./gen-fixture.ts', import.meta.url).pathname;

const kTypes = new Set([
  'price_update', 'yield_update', 'pool_update', 'liquidation', 'governance',
  'yield_opportunity_detected', 'major_price_movement', 'liquidation_cascade', 'governance_proposal_passed',
]);
const kTopicPrefix: Record<string, string> = {
  price_update: 'market.prices.', pool_update: 'market.prices.', major_price_movement: 'market.prices.',
  yield_update: 'market.yields.', yield_opportunity_detected: 'market.yields.',
  liquidation: 'market.liquidations.', liquidation_cascade: 'market.liquidations.',
  governance: 'market.governance.', governance_proposal_passed: 'market.governance.',
};
const kTokenAsset: Record<string, string | null> = { USDC: null, USDT: null, DAI: null, WETH: 'ETH', WBTC: 'BTC', LINK: 'LINK', UNI: 'UNI', AAVE: 'AAVE', MATIC: 'MATIC' };

async function readFixture(path: string): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  let n = 0;
  for await (const line of gzLines(path)) {
    n++;
    try {
      out.push(JSON.parse(line) as MarketEvent);
    } catch {
      assert.unreachable(`line ${n} of ${path} is not JSON: ${line.slice(0, 120)}`);
    }
  }
  return out;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The `ticks` of a uniswap_v3 pool_update: [tick, liquidityNet] pairs, ticks strictly ascending
 * integers, liquidityNet a non-zero int128 as a decimal string, at most 8 at or below the current
 * tick and 8 above it; walking down from `liquidity` (each crossing subtracts liquidityNet) and up
 * (each adds it) never goes negative. Returns a problem or ''.
 */
function ticksProblem(ticks: unknown, tick: number, liquidity: bigint): string {
  if (ticks === undefined) return '';
  if (!Array.isArray(ticks)) return 'ticks must be an array';
  const kInt128 = 1n << 127n;
  const nets: bigint[] = [];
  for (let k = 0; k < ticks.length; k++) {
    const e = ticks[k] as unknown;
    if (!Array.isArray(e) || e.length !== 2 || !Number.isInteger(e[0]) || typeof e[1] !== 'string' || !/^-?\d+$/.test(e[1])) return `ticks[${k}] is not [integer, decimal string]`;
    if (k > 0 && !(e[0] > (ticks[k - 1] as [number])[0])) return `ticks not strictly ascending at ${k}`;
    const net = BigInt(e[1]);
    if (net === 0n || net < -kInt128 || net >= kInt128) return `ticks[${k}] liquidityNet ${e[1]} is 0 or outside int128`;
    nets.push(net);
  }
  const below = (ticks as [number, string][]).filter(([t]) => t <= tick).length;
  if (below > 8 || ticks.length - below > 8) return `ticks: ${below} at or below the tick, ${ticks.length - below} above (8 each at most)`;
  let l = liquidity;
  for (let k = below - 1; k >= 0; k--) if ((l -= nets[k]!) < 0n) return `liquidity goes negative crossing down tick ${(ticks[k] as [number])[0]}`;
  l = liquidity;
  for (let k = below; k < ticks.length; k++) if ((l += nets[k]!) < 0n) return `liquidity goes negative crossing up tick ${(ticks[k] as [number])[0]}`;
  return '';
}

/** Checks one event against the envelope in fixtures/SCHEMA.md; returns a problem or ''. */
function envelopeProblem(e: MarketEvent): string {
  if (!Number.isSafeInteger(e.ts)) return 'ts is not an integer';
  if (!kTypes.has(e.type)) return `unknown type ${e.type}`;
  if (!e.topic.startsWith(kTopicPrefix[e.type]!)) return `topic ${e.topic} does not fit ${e.type}`;
  const suffix = e.topic.slice(kTopicPrefix[e.type]!.length);
  const d = e.data as Record<string, any>;
  switch (e.type) {
    case 'price_update':
    case 'major_price_movement':
      if (d.venue !== suffix) return 'venue differs from the topic';
      if (e.key !== `${d.venue}:${d.base}/${d.quote}`) return `key ${e.key} is not venue:BASE/QUOTE`;
      if (e.type === 'major_price_movement') return isNum(d.changePct) && isNum(d.price) && Math.abs(d.changePct) >= 1 ? '' : 'bad changePct/price';
      if (!isNum(d.bid) || !isNum(d.ask) || !isNum(d.bidSize) || !isNum(d.askSize)) return 'bid/ask/sizes must be numbers';
      if (!(d.bid > 0 && d.bid < d.ask)) return `bid ${d.bid} not below ask ${d.ask}`;
      if ((d.ask / d.bid - 1) * 1e4 > 5.05) return `spread ${(d.ask / d.bid - 1) * 1e4} bps above 5`;
      if (!(d.bidSize > 0 && d.askSize > 0)) return 'sizes must be positive';
      if ((d.bids === undefined) !== (d.asks === undefined)) return 'bids and asks come together';
      if (d.bids !== undefined) {
        for (const [side, top, topSize, dir] of [['bids', d.bid, d.bidSize, -1], ['asks', d.ask, d.askSize, 1]] as const) {
          const lv = d[side] as [number, number][];
          if (!Array.isArray(lv) || lv.length < 2) return `${side} must list at least two levels`;
          if (lv[0]![0] !== top || lv[0]![1] !== topSize) return `${side}[0] is not the top of book`;
          for (let k = 1; k < lv.length; k++) {
            if (!((lv[k]![0] - lv[k - 1]![0]) * dir > 0)) return `${side} not ${dir < 0 ? 'falling' : 'rising'} at level ${k}`;
            if (!(lv[k]![1] > 0)) return `${side}[${k}] size`;
          }
        }
      }
      return '';
    case 'yield_update':
    case 'yield_opportunity_detected':
      if (d.protocol !== suffix) return 'protocol differs from the topic';
      if (e.key !== `${d.protocol}:${d.chain}:${d.pool}`) return 'key is not protocol:chain:pool';
      if (!['ethereum', 'arbitrum', 'polygon'].includes(d.chain)) return `chain ${d.chain}`;
      if (!isNum(d.apy) || !isNum(d.apyBase) || !isNum(d.apyReward) || Math.abs(d.apy - d.apyBase - d.apyReward) > 1e-3) return 'apy != apyBase + apyReward';
      if (!isNum(d.tvlUsd) || d.tvlUsd < 1e6 || d.tvlUsd > 500e6) return `tvlUsd ${d.tvlUsd} outside 1M..500M`;
      if (typeof d.ilRisk !== 'boolean' || typeof d.stablecoin !== 'boolean' || !['single', 'multi'].includes(d.exposure)) return 'ilRisk/stablecoin/exposure types';
      if (typeof d.symbol !== 'string') return 'symbol';
      return '';
    case 'pool_update': {
      if (d.dex !== suffix) return 'dex differs from the topic';
      if (e.key !== `${d.dex}:${d.pool}` || !/^0x[0-9a-f]{40}$/.test(d.pool)) return 'key/pool address';
      if (!isNum(d.reserve0) || !isNum(d.reserve1) || d.reserve0 <= 0 || d.reserve1 <= 0) return 'reserves';
      if (!isNum(d.fee) || d.fee <= 0 || d.fee > 0.01) return 'fee';
      if (d.dex !== 'uniswap_v3') return ['uniswap_v2', 'sushiswap'].includes(d.dex) ? '' : `dex ${d.dex}`;
      if (typeof d.sqrtPriceX96 !== 'string' || !/^\d+$/.test(d.sqrtPriceX96) || typeof d.liquidity !== 'string' || !/^\d+$/.test(d.liquidity)) return 'sqrtPriceX96/liquidity must be decimal strings';
      if (!Number.isInteger(d.tick) || !Number.isInteger(d.decimals0) || !Number.isInteger(d.decimals1)) return 'tick/decimals must be integers';
      const sqrt = Number(BigInt(d.sqrtPriceX96)) / 2 ** 96;
      const raw = sqrt * sqrt;
      if (!(raw >= 1.0001 ** d.tick * (1 - 1e-9) && raw < 1.0001 ** (d.tick + 1) * (1 + 1e-9))) return `tick ${d.tick} does not hold price ${raw}`;
      const human = raw / 10 ** (d.decimals1 - d.decimals0);
      if (Math.abs(human / (d.reserve1 / d.reserve0) - 1) > 1e-6) return 'sqrtPriceX96 and reserves disagree';
      return ticksProblem(d.ticks, d.tick, BigInt(d.liquidity));
    }
    case 'liquidation':
      if (d.protocol !== suffix || e.key !== `${d.protocol}:${d.chain}:${d.collateral}`) return 'key is not protocol:chain:collateral';
      return isNum(d.collateralUsd) && isNum(d.debtUsd) && d.debtUsd > 0 && d.debtUsd < d.collateralUsd && typeof d.debt === 'string' ? '' : 'liquidation amounts';
    case 'liquidation_cascade':
      if (d.protocol !== suffix || e.key !== `${d.protocol}:${d.chain}`) return 'key is not protocol:chain';
      return Number.isInteger(d.count) && d.count > 0 && isNum(d.totalUsd) && d.totalUsd > 0 ? '' : 'count/totalUsd';
    case 'governance':
    case 'governance_proposal_passed':
      if (d.protocol !== suffix || e.key !== `${d.protocol}:${d.proposalId}` || typeof d.proposalId !== 'string' || typeof d.title !== 'string') return 'key is not protocol:proposalId';
      if (e.type === 'governance' && !['created', 'active', 'queued'].includes(d.status)) return `status ${d.status}`;
      return '';
  }
  return '';
}

interface Crossing { pair: string; ts: number; bps: number; sell: string; buy: string }

/**
 * Replays the books and, at each ts boundary, measures every touched pair's best crossing
 * max bid / min ask − 1 across venues. Calls `onBoundary` after each ts.
 */
function replayBooks(events: MarketEvent[], onBoundary: (ts: number, books: Map<string, Map<string, { bid: number; ask: number }>>, touched: Set<string>) => void): void {
  const books = new Map<string, Map<string, { bid: number; ask: number }>>();
  const touched = new Set<string>();
  let ts = -1;
  for (const e of events) {
    if (e.ts !== ts) {
      if (touched.size > 0) onBoundary(ts, books, touched);
      touched.clear();
      ts = e.ts;
    }
    if (e.type !== 'price_update') continue;
    const d = e.data as { venue: string; base: string; quote: string; bid: number; ask: number };
    const pair = `${d.base}/${d.quote}`;
    let b = books.get(pair);
    if (!b) books.set(pair, (b = new Map()));
    b.set(d.venue, { bid: d.bid, ask: d.ask });
    touched.add(pair);
  }
  if (touched.size > 0) onBoundary(ts, books, touched);
}

function bestCrossing(pair: string, ts: number, book: Map<string, { bid: number; ask: number }>): Crossing {
  let sell = '';
  let buy = '';
  let maxBid = -Infinity;
  let minAsk = Infinity;
  for (const [v, q] of book) {
    if (q.bid > maxBid) { maxBid = q.bid; sell = v; }
    if (q.ask < minAsk) { minAsk = q.ask; buy = v; }
  }
  return { pair, ts, bps: (maxBid / minAsk - 1) * 1e4, sell, buy };
}

/** All the data checks on one generated fixture. */
function checkFixture(events: MarketEvent[], labels: FixtureLabels, venues: number): void {
  // envelope, order, mix
  const counts: Record<string, number> = {};
  let prevTs = -Infinity;
  events.forEach((e, k) => {
    const problem = envelopeProblem(e);
    if (problem) assert.unreachable(`event ${k + 1} (${e.type} ${e.key}): ${problem}`);
    if (e.ts < prevTs) assert.unreachable(`event ${k + 1}: ts ${e.ts} goes back from ${prevTs}`);
    prevTs = e.ts;
    counts[e.type] = (counts[e.type] ?? 0) + 1;
    if (e.type === 'pool_update' && (e.data as { dex: string }).dex === 'uniswap_v3' && !Array.isArray((e.data as { ticks?: unknown }).ticks)) {
      assert.unreachable(`event ${k + 1} (${e.key}): a generated uniswap_v3 pool_update lists its ticks`);
    }
  });
  assert.is(labels.events, events.length, 'labels.events is the line count');
  assert.is(labels.startTs, events[0]!.ts, 'labels.startTs is the first event time');
  assert.is(labels.endTs, events[events.length - 1]!.ts, 'labels.endTs is the last event time');
  const priceShare = counts.price_update! / events.length;
  assert.ok(priceShare > 0.75 && priceShare < 0.88, `price_update share ${priceShare}`);
  for (const t of kTypes) assert.ok((counts[t] ?? 0) > 0, `no ${t} events`);
  const first = events.filter((e) => e.ts === labels.startTs && e.type === 'price_update').length;
  assert.ok(first >= venues * 24, `the opening snapshot quotes every venue × pair (${first})`);

  // labels inside the fixture, well formed
  const arbs = labels.opportunities.filter((l) => l.kind === 'cross_exchange');
  const spikes = labels.opportunities.filter((l) => l.kind === 'yield_spike');
  assert.ok(arbs.length > 0 && spikes.length > 0, 'both label kinds present');
  for (const l of labels.opportunities) {
    assert.ok(l.startTs >= labels.startTs && l.endTs <= labels.endTs && l.startTs < l.endTs, `${l.id} inside the fixture`);
  }
  assert.equal(new Set(labels.opportunities.map((l) => l.id)).size, labels.opportunities.length, 'label ids are unique');

  // crossings: only inside labelled windows of that pair, and present in each window
  const windows = new Map<string, typeof arbs>();
  for (const l of arbs) {
    if (l.kind !== 'cross_exchange') continue;
    assert.ok(l.grossEdgeBps >= 40 && l.grossEdgeBps <= 150, `${l.id} grossEdgeBps ${l.grossEdgeBps} within 40..150`);
    assert.ok(l.endTs - l.startTs >= 300_000 && l.endTs - l.startTs <= 3_000_000, `${l.id} lasts 0.3–3 s`);
    assert.ok(l.buyVenue !== l.sellVenue, `${l.id} two venues`);
    const pair = `${l.base}/${l.quote}`;
    windows.set(pair, [...(windows.get(pair) ?? []), l]);
  }
  const maxInWindow = new Map<string, number>();
  const atStart = new Map<string, number>();
  let worstOutside: Crossing | null = null;
  replayBooks(events, (ts, books, touched) => {
    for (const pair of touched) {
      const book = books.get(pair)!;
      const inside = (windows.get(pair) ?? []).filter((l) => ts >= l.startTs && ts <= l.endTs);
      if (inside.length === 0) {
        const c = bestCrossing(pair, ts, book);
        if (worstOutside === null || c.bps > worstOutside.bps) worstOutside = c;
      }
      for (const l of inside) {
        if (l.kind !== 'cross_exchange') continue;
        const s = book.get(l.sellVenue);
        const b = book.get(l.buyVenue);
        if (!s || !b) continue;
        const bps = (s.bid / b.ask - 1) * 1e4;
        maxInWindow.set(l.id, Math.max(maxInWindow.get(l.id) ?? -Infinity, bps));
        if (ts === l.startTs) atStart.set(l.id, bps);
      }
    }
  });
  const worst = worstOutside as Crossing | null;
  assert.ok(worst !== null && worst.bps < 15, `crossing outside every labelled window: ${JSON.stringify(worst)}`);
  for (const l of arbs) {
    if (l.kind !== 'cross_exchange') continue;
    assert.ok((maxInWindow.get(l.id) ?? -Infinity) > 30, `${l.id}: crossing in its window is ${maxInWindow.get(l.id)} bps`);
    const start = atStart.get(l.id);
    assert.ok(start !== undefined && Math.abs(start - l.grossEdgeBps) < 0.06, `${l.id}: the first dislocated quote is at startTs (edge ${start} vs label ${l.grossEdgeBps})`);
    const inside = events.filter((e) => e.type === 'price_update' && e.ts > l.startTs && e.ts < l.endTs && e.key.endsWith(`:${l.base}/${l.quote}`));
    for (const v of [l.buyVenue, l.sellVenue]) {
      assert.ok(inside.some((e) => (e.data as { venue: string }).venue === v), `${l.id}: ${v} publishes inside the window`);
    }
  }

  // yield spikes: announced at startTs with the labelled APY
  for (const l of spikes) {
    if (l.kind !== 'yield_spike') continue;
    const ev = events.find((e) => e.type === 'yield_opportunity_detected' && e.ts === l.startTs && e.key === l.key);
    assert.ok(ev, `${l.id}: yield_opportunity_detected at startTs`);
    assert.is((ev!.data as { apy: number }).apy, l.apyAfter, `${l.id}: apyAfter`);
    assert.ok(l.apyAfter > l.apyBefore + 5, `${l.id}: a real jump`);
  }

  // major moves coincide with injected moves; AMM prices agree with the book mids
  for (const e of events.filter((x) => x.type === 'major_price_movement')) {
    const d = e.data as { base: string };
    assert.ok(labels.priceMoves.some((m) => m.base === d.base && e.ts >= m.startTs && e.ts <= m.endTs), `major_price_movement ${e.key} at ${e.ts} lies in an injected move`);
  }
  const usdtMids = new Map<string, Map<string, number>>();
  let worstAmm = -Infinity; // bps beyond the pool's fee band
  const ammWindows = labels.opportunities.filter((l) => l.kind === 'triangular' && l.key !== null);
  const statWindows = labels.opportunities.filter((l) => l.kind === 'statistical');
  for (const e of events) {
    const d = e.data as Record<string, any>;
    if (e.type === 'price_update' && d.quote === 'USDT') {
      let m = usdtMids.get(d.base);
      if (!m) usdtMids.set(d.base, (m = new Map()));
      m.set(d.venue, (d.bid + d.ask) / 2);
    } else if (e.type === 'pool_update' && !ammWindows.some((l) => l.kind === 'triangular' && l.key === e.key && e.ts >= l.startTs && e.ts < l.endTs) &&
      !statWindows.some((l) => l.kind === 'statistical' && e.ts >= l.startTs && e.ts < l.endTs &&
        [d.token0, d.token1].some((t) => kTokenAsset[t as string] === l.follower))) {
      // (a spread episode moves its follower by tens of bps a second: pools publishing about once a
      // second lag the books then)
      const usd = (token: string): number => {
        const a = kTokenAsset[token];
        assert.ok(a !== undefined, `known token ${token}`);
        return a === null ? 1 : median([...usdtMids.get(a)!.values()]);
      };
      // arbitrage keeps each pool inside its fee band around the true mids; the book mids read here
      // sit a few bps off those (venue bias and noise, re-quotes every 2.5 bps, for each token)
      const dev = Math.abs((d.reserve1 / d.reserve0) / (usd(d.token0) / usd(d.token1)) - 1) * 1e4;
      worstAmm = Math.max(worstAmm, dev - d.fee * 1e4);
    }
  }
  console.log(`  AMM price vs book mid: worst ${worstAmm.toFixed(2)} bps beyond the fee band`);
  assert.ok(worstAmm < 8, `AMM price vs book mid: worst ${worstAmm.toFixed(2)} bps beyond the pool's fee band (outside the AMM triangular windows)`);
  checkArbitrageLabels(events, labels, venues);
}

/**
 * The triangular, yield-arbitrage and statistical labels match the data: inside each label's window
 * the dislocation, the rate gap or the spread move it describes is in the events.
 */
function checkArbitrageLabels(events: MarketEvent[], labels: FixtureLabels, venues: number): void {
  const kinds = new Set(labels.opportunities.map((l) => l.kind));
  for (const k of ['triangular', 'yield_arb', 'statistical'] as const) assert.ok(kinds.has(k), `${k} labels present`);
  // replay: per venue the USDT mids; per pool the price; yields by key
  const mid = new Map<string, number>(); // venue:BASE/QUOTE or pool key → mid
  const usd = (venue: string, asset: string): number => (asset === 'USDT' || asset === 'USDC' ? 1 : mid.get(`${venue}:${asset}/USDT`)!);
  const yieldsByKey = new Map<string, Record<string, any>>();
  const pending = labels.opportunities.filter((l) => l.kind === 'triangular' || l.kind === 'statistical' || l.kind === 'yield_arb')
    .sort((a, b) => a.startTs - b.startTs);
  let next = 0;
  const checked = new Set<string>();
  const spread = (l: { leader: string; follower: string; beta: number }): number =>
    Math.log(usd('binance', l.follower)) - l.beta * Math.log(usd('binance', l.leader));
  // per open label: the spread before it (statistical) and the extreme move seen (per venue for books)
  const before = new Map<string, number>();
  const extreme = new Map<string, number>(); // `${id}|${venue}` → signed offset of largest size (bps)
  const note = (k: string, v: number): void => { if (!(Math.abs(v) <= Math.abs(extreme.get(k) ?? 0))) extreme.set(k, v); };
  const open: typeof labels.opportunities = [];
  let i = 0;
  while (i < events.length) {
    const ts = events[i]!.ts;
    for (; next < pending.length && pending[next]!.startTs <= ts; next++) {
      const l = pending[next]!;
      if (l.kind === 'statistical') before.set(l.id, spread(l));
      open.push(l);
    }
    for (; i < events.length && events[i]!.ts === ts; i++) {
      const e = events[i]!;
      const d = e.data as Record<string, any>;
      if (e.type === 'price_update') mid.set(e.key, (d.bid + d.ask) / 2);
      else if (e.type === 'pool_update') mid.set(e.key, d.reserve1 / d.reserve0);
      else if (e.type === 'yield_update' || e.type === 'yield_opportunity_detected') yieldsByKey.set(e.key, d);
    }
    for (const l of open) {
      if (l.kind === 'triangular' && l.key === null) {
        for (const [key, m] of mid) {
          if (!key.endsWith(`:${l.base}/${l.quote}`)) continue;
          const v = key.slice(0, key.indexOf(':'));
          note(`${l.id}|${v}`, (m / (usd(v, l.base) / usd(v, l.quote)) - 1) * 1e4);
        }
      } else if (l.kind === 'triangular') {
        const [t0, t1] = [l.base, l.quote].map((t) => kTokenAsset[t] ?? null);
        const implied = (t0 === null ? 1 : usd('binance', t0)) / (t1 === null ? 1 : usd('binance', t1));
        note(l.id, (mid.get(l.key!)! / implied - 1) * 1e4);
      } else if (l.kind === 'statistical') {
        note(l.id, (spread(l) - before.get(l.id)!) * 1e4);
      } else if (l.kind === 'yield_arb' && ts === l.startTs) {
        const key = l.borrowKey ?? l.supplyKey!;
        const y = yieldsByKey.get(key);
        assert.ok(y, `${l.id}: ${key} published at startTs`);
        assert.ok(l.grossSpread >= 5, `${l.id}: a clear gap (${l.grossSpread} points)`);
        if (l.borrowKey !== null) assert.ok(y!.apyBorrow <= y!.apy + 1 && typeof y!.ltv === 'number', `${l.id}: the borrow APY fell`);
        // the gap in the data: some supply APY of the group minus some borrow APY of the group
        const group = [...yieldsByKey.entries()].filter(([, v]) => v.chain === l.chain && v.symbol === l.symbol);
        const bestSupply = Math.max(...group.map(([k, v]) => (k === l.borrowKey ? -Infinity : v.apy)));
        const cheapest = Math.min(...group.map(([k, v]) => (typeof v.apyBorrow === 'number' && k !== l.supplyKey ? v.apyBorrow : Infinity)));
        assert.ok(bestSupply - cheapest > 4, `${l.id}: supply ${bestSupply} vs borrow ${cheapest}`);
        checked.add(l.id);
      }
    }
    for (let k = open.length - 1; k >= 0; k--) {
      const l = open[k]!;
      if (l.endTs > ts) continue;
      open.splice(k, 1);
      if (l.kind === 'triangular' && l.key === null) {
        // every venue carried the dislocation, at its labelled size
        const seen = [...extreme.entries()].filter(([key]) => key.startsWith(`${l.id}|`));
        assert.is(seen.length, venues, `${l.id}: every venue quotes the pair`);
        for (const [key, off] of seen) assert.ok(Math.abs(off - l.dislocationBps) < 15, `${key}: ${off.toFixed(1)} bps off at most, label ${l.dislocationBps}`);
        checked.add(l.id);
      } else if (l.kind === 'triangular') {
        const off = extreme.get(l.id)!;
        assert.ok(Math.abs(off - l.dislocationBps) < 20, `${l.id}: pool ${l.key} ${off.toFixed(1)} bps off at most, label ${l.dislocationBps}`);
        checked.add(l.id);
      } else if (l.kind === 'statistical') {
        const move = extreme.get(l.id)!;
        assert.ok(Math.abs(move - l.deviationBps) < 25, `${l.id}: the spread moved ${move.toFixed(1)} bps at most, label ${l.deviationBps}`);
        checked.add(l.id);
      }
    }
  }
  const expected = labels.opportunities.filter((l) => l.kind === 'triangular' || l.kind === 'yield_arb' || l.kind === 'statistical');
  assert.is(checked.size, expected.length, 'every triangular, yield-arbitrage and statistical label was checked');
  // outside the yield windows no lending market lends cheaper than another pool of its group supplies
  const windows = labels.opportunities.filter((l) => l.kind === 'yield_arb' || l.kind === 'yield_spike');
  const state = new Map<string, Record<string, any>>();
  let worst = -Infinity;
  for (const e of events) {
    if (e.type !== 'yield_update' && e.type !== 'yield_opportunity_detected') continue;
    const d = e.data as Record<string, any>;
    state.set(e.key, d);
    if (windows.some((l) => e.ts >= l.startTs && e.ts <= l.endTs)) continue;
    if (d.exposure !== 'single') continue;
    const group = [...state.entries()].filter(([, v]) => v.chain === d.chain && v.symbol === d.symbol);
    for (const [kb, b] of group) {
      if (typeof b.apyBorrow !== 'number') continue;
      for (const [ks, sp] of group) if (ks !== kb) worst = Math.max(worst, sp.apy - b.apyBorrow);
    }
  }
  assert.ok(worst < 0, `outside the windows borrowing never pays: best supply − borrow is at most ${worst.toFixed(3)} points`);
}

test('same seed → same bytes; another seed → other bytes', async () => {
  const a = join(tmp, 'a.jsonl.gz');
  const b = join(tmp, 'b.jsonl.gz');
  const c = join(tmp, 'c.jsonl.gz');
  await writeFixture({ seed: 5, events: 20_000 }, a);
  await writeFixture({ seed: 5, events: 20_000 }, b);
  await writeFixture({ seed: 6, events: 20_000 }, c);
  const [ha, hb, hc] = await Promise.all([sha256File(a), sha256File(b), sha256File(c)]);
  assert.is(ha, hb);
  assert.is.not(ha, hc);
  assert.is(readFileSync(labelsPathFor(a), 'utf8'), readFileSync(labelsPathFor(b), 'utf8'));
  assert.is.not(readFileSync(labelsPathFor(a), 'utf8'), readFileSync(labelsPathFor(c), 'utf8'));
});

test('a written fixture follows the envelope, and its labels match its data', async () => {
  const out = join(tmp, 'check.jsonl.gz');
  const r = await writeFixture({ seed: 11, events: 30_000 }, out);
  const events = await readFixture(out);
  assert.is(events.length, 30_000);
  checkFixture(events, r.labels, 4);
  const onDisk = JSON.parse(readFileSync(labelsPathFor(out), 'utf8')) as FixtureLabels;
  assert.equal(onDisk, r.labels);
});

test('a larger universe (6 venues × 16 bases) holds the same properties', () => {
  const run = generateFixture({ seed: 3, events: 40_000, venues: 6, bases: 16 });
  const events = [...run.events()];
  const labels = run.labels();
  checkFixture(events, labels, 6);
  const venues = new Set(events.filter((e) => e.type === 'price_update').map((e) => (e.data as { venue: string }).venue));
  assert.is(venues.size, 6);
  assert.ok(venues.has('bitstamp') && venues.has('bybit'));
});

test('options and flags are checked with messages that name them', () => {
  assert.throws(() => generateFixture({ venues: 1 }), /options\.venues must be an integer in 2\.\.1000/);
  assert.throws(() => generateFixture({ events: 500 }), /options\.events must be at least/);
  assert.throws(() => generateFixture({ durationS: 1 }), /options\.durationS/);
  for (const [args, message] of [
    [['--events', 'many'], /--events must be an integer \(got "many"\)/],
    [['--venus', '4'], /unknown flag --venus/],
    [['--bases', '1'], /--bases must be at least 2/],
    [['--out'], /--out needs a value/],
  ] as const) {
    const r = spawnSync(nodeBin, [script, ...args], { encoding: 'utf8' });
    assert.is(r.status, 2, `exit status for ${args.join(' ')}`);
    assert.match(r.stderr, message);
  }
  const help = spawnSync(nodeBin, [script, '--help'], { encoding: 'utf8' });
  assert.is(help.status, 0);
  assert.match(help.stdout, /--seed <int>/);
});

test('the committed default fixture equals a fresh generation with default options', async () => {
  assert.ok(existsSync(kDefaultFixturePath), `${kDefaultFixturePath} is missing: run node scripts/gen-fixture.ts`);
  const out = join(tmp, 'default.jsonl.gz');
  const r = await writeFixture({}, out);
  const [fresh, committed] = await Promise.all([sha256File(out), sha256File(kDefaultFixturePath)]);
  if (fresh !== committed) {
    // say whether the content or only the compression differs
    const same = JSON.stringify(await readFixture(out)) === JSON.stringify(await readFixture(kDefaultFixturePath));
    assert.unreachable(same
      ? 'fixtures/default.jsonl.gz has the right events but other gzip bytes (another zlib build?): regenerate it with node scripts/gen-fixture.ts'
      : 'fixtures/default.jsonl.gz is stale: regenerate it with node scripts/gen-fixture.ts');
  }
  assert.is(readFileSync(labelsPathFor(kDefaultFixturePath), 'utf8'), readFileSync(r.labelsOut, 'utf8'), 'fixtures/default.labels.json is stale');
  assert.is(r.labels.events, 120_000);
  const arbs = r.labels.opportunities.filter((l) => l.kind === 'cross_exchange').length;
  assert.ok(arbs >= 40 && arbs <= 60, `${arbs} cross-exchange episodes`);
  assert.is(r.labels.startTs, Date.UTC(2024, 7, 8) * 1000);
});

test.run();
