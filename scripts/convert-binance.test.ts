// The Binance capture converter: on the real captures in ../shared/data (skipped when absent) and
// on small synthetic captures with malformed lines.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MarketEvent } from '../protocol/events.ts';
import { convertBinanceCaptures, convertBinanceToFile, kDefaultCaptureDir, resolveCaptureInputs } from './convert-binance.ts';
import { pairOfSymbol } from '../fixtures/convert/binance_capture.ts';
import { gzLines } from '../fixtures/jsonl_gz.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lucent-convert-binance-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const script = new URL('./convert-binance.ts', import.meta.url).pathname;

function writeCapture(name: string, lines: string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, gzipSync(`${lines.join('\n')}\n`));
  return path;
}

const book = (sym: string, b: string, a: string, B = '1.5', A = '2'): string =>
  JSON.stringify({ stream: `${sym}@bookTicker`, data: { u: 1, s: sym.toUpperCase(), b, B, a, A } });

test('symbols map to BASE/QUOTE', () => {
  assert.equal(pairOfSymbol('btcusdt'), { base: 'BTC', quote: 'USDT' });
  assert.equal(pairOfSymbol('BTCUSD_PERP'), { base: 'BTC', quote: 'USD' });
  assert.equal(pairOfSymbol('ethbtc'), { base: 'ETH', quote: 'BTC' });
  assert.equal(pairOfSymbol('btcfdusd'), { base: 'BTC', quote: 'FDUSD' });
  assert.is(pairOfSymbol('btcusd_240927'), null);
  assert.is(pairOfSymbol('usdt'), null);
});

test('malformed lines are counted with file and line, skipped, and the run goes on', async () => {
  const spot = writeCapture('spot_btcusdt_test.gz', [
    `1000000 ${book('btcusdt', '100.00', '100.50')}`, // 1: event
    'garbage', // 2: no separator
    `12ab {"stream":"btcusdt@trade","data":{"p":"1"}}`, // 3: bad receive time
    '2000000 {not json', // 4: invalid JSON
    `3000000 ${JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', p: '100.20', q: '0.1' } })}`, // 5: trade
    `4000000 ${JSON.stringify({ stream: 'btcusdt@bookTicker', data: { b: 'x', a: '1', B: '1', A: '1' } })}`, // 6: bad bid
    `5000000 ${JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { b: [], a: [] } })}`, // 7: depth
    `6000000 ${JSON.stringify({ lastUpdateId: 5, bids: [], asks: [] })}`, // 8: snapshot
    `7000000 ${book('btcusdt', '101.00', '100.00')}`, // 9: crossed book
    `8000000 ${book('btcusdt', '100.10', '100.30')}`, // 10: event, last = 100.2
    '', // 11: empty line
    `9000000 ${JSON.stringify({ stream: 'btcusdt@aggTrade', data: {} })}`, // 12: other stream
    `9500000 ${book('btcusdt', '100.11', '100.31')}`, // 13: event, no new trade → no last
    `9600000 ${JSON.stringify({ data: {} })}`, // 14: no stream, not a snapshot
  ]);
  const cm = writeCapture('cm_btcusd_perp_test.gz', [
    `1500000 ${book('btcusd_perp', '50000.0', '50000.1', '35', '1645')}`,
    `8000000 ${book('btcusd_perp', '50001.0', '50001.1', '10', '20')}`,
  ]);
  const events: MarketEvent[] = [];
  const s = await convertBinanceCaptures({ files: [spot, cm], onEvent: (e) => { events.push(e); } });
  assert.equal(s.malformedLines, [
    { file: 'spot_btcusdt_test.gz', line: 2, reason: 'no "<receive-ns> <json>" separator' },
    { file: 'spot_btcusdt_test.gz', line: 3, reason: 'receive time "12ab" is not an integer' },
    { file: 'spot_btcusdt_test.gz', line: 4, reason: s.malformedLines[2]!.reason },
    { file: 'spot_btcusdt_test.gz', line: 6, reason: 'btcusdt@bookTicker: bid/ask (b, a) must be positive numbers' },
    { file: 'spot_btcusdt_test.gz', line: 9, reason: 'btcusdt@bookTicker: bid 101 is not below ask 100' },
    { file: 'spot_btcusdt_test.gz', line: 11, reason: 'empty line' },
    { file: 'spot_btcusdt_test.gz', line: 14, reason: 'no "stream" key and not a depth snapshot' },
  ]);
  assert.match(s.malformedLines[2]!.reason, /^invalid JSON/);
  assert.is(s.malformed, 7);
  assert.equal(s.skipped, { trade: 1, depth: 1, snapshot: 1, other: 1 });
  assert.is(s.files[0]!.lines, 14);
  assert.is(s.files[0]!.bookTicker, 3);
  assert.is(s.files[1]!.bookTicker, 2);
  assert.is(s.eventsWritten, 5);
  // merged by receive time; on the tie at 8,000,000 ns the file given first comes first
  assert.equal(events.map((e) => [e.ts, e.key]), [
    [1000, 'binance_spot:BTC/USDT'],
    [1500, 'binance_cm:BTC/USD'],
    [8000, 'binance_spot:BTC/USDT'],
    [8000, 'binance_cm:BTC/USD'],
    [9500, 'binance_spot:BTC/USDT'],
  ]);
  assert.equal(events[0], {
    ts: 1000, type: 'price_update', topic: 'market.prices.binance_spot', key: 'binance_spot:BTC/USDT',
    data: { venue: 'binance_spot', base: 'BTC', quote: 'USDT', bid: 100, ask: 100.5, bidSize: 1.5, askSize: 2 },
  });
  assert.is((events[2]!.data as { last?: number }).last, 100.2);
  assert.is('last' in events[4]!.data, false);
  // COIN-M sizes: contracts of 100 USD → BTC
  assert.is((events[1]!.data as { bidSize: number }).bidSize, 0.07);
  assert.is((events[1]!.data as { askSize: number }).askSize, Number((1645 * 100 / 50000.1).toPrecision(10)));
});

test('the written file holds exactly the events, and the CLI names bad inputs', async () => {
  const spot = writeCapture('spot_ethusdt_w.gz', [`1000000 ${book('ethusdt', '2600.1', '2600.2')}`, `2000000 ${book('ethusdt', '2600.2', '2600.3')}`]);
  const out = join(tmp, 'out', 'converted.jsonl.gz');
  const s = await convertBinanceToFile([spot], out);
  const lines: string[] = [];
  for await (const l of gzLines(out)) lines.push(l);
  assert.is(lines.length, s.eventsWritten);
  assert.is((JSON.parse(lines[1]!) as MarketEvent).ts, 2000);
  assert.equal(resolveCaptureInputs([tmp]).filter((f) => f.endsWith('spot_ethusdt_w.gz')), [spot]);
  const r = spawnSync(process.execPath, [script, '--in', join(tmp, 'nope')], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /--in .*nope: no such file or directory/);
  const bad = writeCapture('perp_btcusdt.gz', [`1 ${book('btcusdt', '1', '2')}`]);
  let message = '';
  try { await convertBinanceCaptures({ files: [bad], onEvent: () => {} }); } catch (err) { message = (err as Error).message; }
  assert.match(message, /cannot tell the venue of .*perp_btcusdt\.gz/);
});

if (!existsSync(kDefaultCaptureDir)) {
  console.log(`SKIP real Binance captures: ${kDefaultCaptureDir} is absent`);
} else {
  test('the real captures: one price_update per bookTicker, in receive-time order', async () => {
    const files = resolveCaptureInputs([kDefaultCaptureDir]);
    assert.is(files.length, 6);
    let prev = -Infinity;
    let backwards = 0;
    let firstSpotBtc: MarketEvent | null = null;
    let firstCmBtc: MarketEvent | null = null;
    let withLast = 0;
    const s = await convertBinanceCaptures({
      files,
      onEvent: (e) => {
        if (e.ts < prev) backwards++;
        prev = e.ts;
        if (e.key === 'binance_spot:BTC/USDT' && firstSpotBtc === null) firstSpotBtc = e;
        if (e.key === 'binance_cm:BTC/USD' && firstCmBtc === null) firstCmBtc = e;
        if ('last' in e.data) withLast++;
      },
    });
    assert.is(backwards, 0, 'ts never goes back');
    assert.is(s.clampedTs, 0);
    assert.is(s.malformed, 0);
    // the bookTicker counts of SOURCE.md
    assert.equal(s.eventsByKey, {
      'binance_spot:BTC/USDT': 28_040,
      'binance_spot:ETH/USDT': 24_077,
      'binance_usdm:BTC/USDT': 66_089,
      'binance_usdm:ETH/USDT': 53_992,
      'binance_cm:BTC/USD': 19_136,
      'binance_cm:ETH/USD': 15_812,
    });
    assert.is(s.eventsWritten, 207_146);
    const byFile = Object.fromEntries(s.files.map((f) => [f.file.split('/').pop()!, f]));
    assert.is(byFile['spot_btcusdt_20240808.gz']!.lines, 41_249);
    assert.is(byFile['usdm_btcusdt_20240808.gz']!.lines, 93_954);
    assert.is(byFile['cm_ethusd_perp_20240808.gz']!.lines, 40_454);
    assert.equal(s.skipped, { trade: 55_270, depth: 69_778, snapshot: 6, other: 0 });
    const spotBtc = firstSpotBtc as MarketEvent | null;
    assert.ok(spotBtc);
    assert.is((spotBtc!.data as { bid: number }).bid, 61837.63);
    assert.is((spotBtc!.data as { ask: number }).ask, 61837.64);
    assert.is(spotBtc!.ts, 1723161254087891);
    const cmBtc = firstCmBtc as MarketEvent | null;
    assert.is((cmBtc!.data as { bid: number }).bid, 61804.7);
    assert.is((cmBtc!.data as { bidSize: number }).bidSize, Number((35 * 100 / 61804.7).toPrecision(10)));
    assert.ok(withLast > 10_000, `trades ride along as last (${withLast})`);
    assert.is(new Date(s.firstTs / 1000).toISOString(), '2024-08-08T23:54:14.024Z');
  });
}

test.run();
