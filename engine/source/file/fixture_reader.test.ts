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
import { LucentError } from '../../../protocol/errors.ts';
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

const good = Array.from({ length: 2000 }, (_, i) => priceLine(i, 2000 + (i % 7), 2001 + (i % 7))).join('\n') + '\n';

test('a UTF-8 byte-order mark before the first line is accepted', async () => {
  const path = join(dir, 'bom.jsonl');
  writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]));
  const { dead, load: l } = await load(path);
  assert.equal(dead, []);
  assert.is(l.tape.length, 2000);
  const gz = join(dir, 'bom.jsonl.gz');
  writeFileSync(gz, gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)])));
  assert.is((await load(gz)).load.tape.length, 2000);
});

test('a truncated gzip: an error naming the file, or with partial the events before it and the reason', async () => {
  const path = join(dir, 'truncated.jsonl.gz');
  const whole = gzipSync(good);
  writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 2)));
  try {
    await load(path);
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, LucentError);
    assert.match((err as Error).message, `cannot read fixture ${path}: the gzip stream is truncated (unexpected end of file) after line`);
  }
  const dead: DeadLetter[] = [];
  const l = await loadFixture(path, new InstrumentRegistry(), { partial: true, onDeadLetter: (d) => dead.push(d) });
  assert.ok(l.error !== null && l.error.startsWith(`${path}: the gzip stream is truncated`), String(l.error));
  assert.ok(l.tape.length > 0 && l.tape.length < 2000, `events before the cut: ${l.tape.length}`);
  assert.ok(dead.length <= 1, 'at most the line cut in half is a dead letter');
  // the whole file reads without an error
  writeFileSync(path, whole);
  assert.is((await loadFixture(path, new InstrumentRegistry(), { partial: true })).error, null);
});

test('corrupt gzip, a .gz that is not gzip, UTF-16, a directory: errors that name the file and the problem', async () => {
  const corrupt = join(dir, 'corrupt.jsonl.gz');
  const whole = gzipSync(good);
  const flipped = Buffer.from(whole);
  for (let i = 100; i < 140; i++) flipped[i] = flipped[i]! ^ 0x5a;
  writeFileSync(corrupt, flipped);
  const l = await loadFixture(corrupt, new InstrumentRegistry(), { partial: true });
  assert.match(String(l.error), `${corrupt}: the gzip stream is corrupt`);
  const fake = join(dir, 'fake.jsonl.gz');
  writeFileSync(fake, good);
  const message = async (p: string): Promise<string> => {
    try { await load(p); } catch (err) { assert.instance(err, LucentError); return (err as Error).message; }
    return assert.unreachable('should have thrown') as never;
  };
  assert.is(await message(fake), `fixture ${fake} is named .gz but is not gzip data`);
  const utf16 = join(dir, 'utf16.jsonl');
  writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good, 'utf16le')]));
  assert.is(await message(utf16), `fixture ${utf16} is UTF-16 text; JSON Lines must be UTF-8`);
  assert.is(await message(dir), `fixture ${dir} is a directory, not a file`);
  // gzip data is recognised by its bytes whatever the name
  const unnamed = join(dir, 'gzip-without-suffix.jsonl');
  writeFileSync(unnamed, whole);
  assert.is((await load(unnamed)).load.tape.length, 2000);
});

test('a dead letter keeps at most 4096 characters of its line and is told the line length', async () => {
  const path = join(dir, 'long.jsonl');
  const long = JSON.stringify({ ts: kTs, type: 'price_update', topic: 'market.prices.x', key: 'x:ETH/USDT', data: { venue: 'x'.repeat(100_000) } });
  writeFileSync(path, long + '\n');
  const seen: [DeadLetter, number][] = [];
  await loadFixture(path, new InstrumentRegistry(), { partial: true, onDeadLetter: (d, n) => seen.push([d, n]) });
  assert.is(seen.length, 1);
  assert.is(seen[0]![0].raw.length, 4096);
  assert.is(seen[0]![1], long.length);
  assert.match(seen[0]![0].reason, /^data\.venue is 100000 characters long, more than 256/);
});

test.run();
