// Loading a fixture: malformed lines are counted, handed to onDeadLetter with their line number,
// reason and raw text, and skipped; every good line is on the tape, in order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InstrumentRegistry } from '../../../protocol/registry.ts';
import type { DeadLetter } from '../../../protocol/events.ts';
import { loadFixture } from './fixture_reader.ts';
import { kTapeF0, kTapeWidth } from '../../../protocol/tape.ts';

const kTs = 1_723_075_200_000_000;
const dir = mkdtempSync(join(tmpdir(), 'lucent-fixture-reader-'));

function priceLine(i: number, bid: number, ask: number): string {
  return JSON.stringify({
    ts: kTs + i, type: 'price_update', topic: 'market.prices.x', key: 'x:ETH/USDT',
    data: { venue: 'x', base: 'ETH', quote: 'USDT', bid, ask, bidSize: 1, askSize: 1 },
  });
}

// line 1 good, 2 bad JSON, 3 good, 4 blank, 5 crossed book, 6 unknown type, 7 good, 8 ts in ms, 9 good
const lines = [
  priceLine(1, 2000, 2001),
  '{"ts": 1723075200000002, "type": "price_update"',
  priceLine(3, 2000.5, 2001.5),
  '',
  priceLine(5, 2002, 2001),
  JSON.stringify({ ts: kTs + 6, type: 'tweet', topic: 'market.prices.x', key: 'x', data: {} }),
  priceLine(7, 2001, 2002),
  JSON.stringify({ ts: 1_723_075_200_007, type: 'price_update', topic: 'market.prices.x', key: 'x:ETH/USDT', data: {} }),
  priceLine(9, 2003, 2004),
];

async function load(path: string, limit = 0): Promise<{ dead: DeadLetter[]; load: Awaited<ReturnType<typeof loadFixture>> }> {
  const dead: DeadLetter[] = [];
  const l = await loadFixture(path, new InstrumentRegistry(), { onDeadLetter: (d) => dead.push(d), limit });
  return { dead, load: l };
}

test('gzip: malformed lines are counted and reported with their line numbers, the rest loaded', async () => {
  const path = join(dir, 'mixed.jsonl.gz');
  writeFileSync(path, gzipSync(lines.join('\n') + '\n'));
  const { dead, load: l } = await load(path);
  assert.is(l.lines, 9);
  assert.is(l.deadLetters, 4);
  assert.is(l.tape.length, 4);
  assert.equal(dead.map((d) => d.source), [`${path}:2`, `${path}:5`, `${path}:6`, `${path}:8`]);
  assert.match(dead[0]!.reason, /^invalid JSON/);
  assert.match(dead[1]!.reason, /^crossed book: data\.bid 2002 > data\.ask 2001/);
  assert.match(dead[2]!.reason, /^type must be one of/);
  assert.match(dead[3]!.reason, /^ts 1723075200007 is not in microseconds/);
  assert.is(dead[0]!.raw, lines[1]);
  // the good lines, in order, with their line numbers
  assert.equal([0, 1, 2, 3].map((r) => l.tape.ts(r)), [kTs + 1, kTs + 3, kTs + 7, kTs + 9]);
  assert.equal([0, 1, 2, 3].map((r) => l.tape.rows[r * kTapeWidth + kTapeF0]), [2000, 2000.5, 2001, 2003]);
  assert.ok(l.bytes > 0, 'compressed bytes read');
});

test('plain JSON Lines work the same; limit stops after that many events', async () => {
  const path = join(dir, 'mixed.jsonl');
  writeFileSync(path, lines.join('\n'));
  const { dead, load: l } = await load(path);
  assert.is(l.deadLetters, 4);
  assert.is(l.tape.length, 4);
  assert.is(dead.length, 4);
  const limited = await load(path, 2);
  assert.is(limited.load.tape.length, 2);
  assert.is(limited.load.lines, 3, 'stopped at the line that gave the second event');
});

test('a missing fixture is an error that names the path', async () => {
  const path = join(dir, 'absent.jsonl.gz');
  try {
    await load(path);
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.match((err as Error).message, `fixture not found: ${path}`);
  }
});

test.run();
