// The on-chain log converter: small recordings built here (sorting, bad rows with file:line, dead
// letters, the command line) and the real recordings in ../shared/data (skipped when absent).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeLog } from '../engine/source/evm_decoder.ts';
import type { MarketEvent } from '../protocol/events.ts';
import { convertOnchainFiles, convertOnchainToFile, kDefaultOnchainDir, resolveOnchainInputs } from './convert-onchain.ts';
import { gzLines } from '../fixtures/jsonl_gz.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lucent-convert-onchain-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const script = new URL('./convert-onchain.ts', import.meta.url).pathname;
const kPool = '0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640';
const kUsdcE = '0x2791bca1f2de4661ed88a30c99a7a9449aa84174';
const kOwner = '0x4444444444444444444444444444444444444444';
const Q96 = 1n << 96n;
const kHeader = 'block_number,block_timestamp,transaction_hash,transaction_index,log_index,topics,data';

function row(block: number, time: string, index: number, l: { topics: string[]; data: string }, python = false): string {
  const list = python ? `[${l.topics.map((t) => `'${t}'`).join(', ')}]` : `[${l.topics.map((t) => `""${t}""`).join(', ')}]`;
  return `${block},${time},0x${'ab'.repeat(32)},1,${index},"${list}",${l.data}`;
}
function write(name: string, rows: string[]): string {
  const dir = join(tmp, 'in');
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, `${kHeader}\n${rows.join('\n')}\n`);
  return p;
}

const swap = (sqrt: bigint, liq: bigint, tick: number) => encodeLog('Swap', [kOwner, kOwner, 1n, -1n, sqrt, liq, tick]);
const rdu = (rate: bigint) => encodeLog('ReserveDataUpdated', [kUsdcE, rate, 0n, 2n * rate, 10n ** 27n, 10n ** 27n]);

test('events sorted by time, block, log index; bad rows counted with file:line and dead-lettered', async () => {
  const uni = write(`ethereum-${kPool}-2024-01-05.raw.csv`, [
    row(10, '2024-01-05 00:00:10', 5, swap(2n * Q96, 1000n, 13863)), // line 2
    row(10, '2024-01-05 00:00:10', 7, encodeLog('Mint', [kOwner, kOwner, 13860, 13870, 10n, 1n, 1n])), // 3: in range → event
    row(11, 'yesterday', 1, swap(2n * Q96, 1000n, 13863)), // 4: bad time
    row(12, '2024-01-05 00:00:30', 2, { ...swap(2n * Q96, 1000n, 13863), data: '0x1234' }), // 5: short data
    row(13, '2024-01-05 00:00:40', 3, encodeLog('Collect', [kOwner, kOwner, 1, 2, 1n, 1n])), // 6: ignored
  ]);
  const aave = write(`polygon-aave_v3-${kUsdcE}-2024-01-06.raw.csv`, [
    row(50, '2024-01-05 00:00:10', 2, rdu(10n ** 26n), true), // line 2: same second as the swap, later block
    `51,2024-01-05 00:00:20,0x00,1,1,"['0x12']",0x`, // 3: bad topic
    row(52, '2024-01-05 00:00:05', 9, rdu(2n * 10n ** 26n), true), // 4: earliest
  ]);
  const { events, summary } = convertOnchainFiles([uni, aave]);
  assert.equal(events.map((e) => [e.ts / 1e6 - 1704412800, e.type, (e.data.liquidity as string | undefined) ?? e.data.symbol]), [
    [5, 'yield_update', 'USDC.e'],
    [10, 'pool_update', '1000'],
    [10, 'pool_update', '1010'],
    [10, 'yield_update', 'USDC.e'],
  ]);
  assert.equal(summary.eventsByType, { yield_update: 2, pool_update: 2 });
  assert.is(summary.bad, 3);
  assert.equal(summary.badRows.map((b) => b.source), [`${uni}:4`, `${uni}:5`, `${aave}:3`]);
  assert.match(summary.badRows[0]!.reason, /block_timestamp "yesterday"/);
  assert.match(summary.badRows[1]!.reason, /Swap: data is 2 bytes, expected 160/);
  assert.match(summary.badRows[2]!.reason, /not 32 bytes of hex/);
  assert.equal(summary.files[0]!.ignored, { Collect: 1 });
  assert.equal(summary.files[0]!.events, { Swap: 1, Mint: 1 });

  const out = join(tmp, 'out', 'x.jsonl.gz');
  const dead = join(tmp, 'out', 'x.dead.jsonl');
  const s2 = await convertOnchainToFile([uni, aave], out, dead);
  assert.is(s2.eventsWritten, 4);
  const lines: string[] = [];
  for await (const l of gzLines(out)) lines.push(l);
  assert.equal(lines.map((l) => (JSON.parse(l) as MarketEvent).ts), events.map((e) => e.ts));
  const dl = readFileSync(dead, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { source: string; raw: string });
  assert.is(dl.length, 3);
  assert.ok(dl[0]!.raw.includes('yesterday'));
  assert.equal(resolveOnchainInputs([join(tmp, 'in')]), [uni, aave].sort());
});

test('command line: --help, a missing input, a file whose emitter cannot be told', () => {
  let r = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8' });
  assert.is(r.status, 0);
  assert.match(r.stdout, /--dead-letters/);
  r = spawnSync(process.execPath, [script, '--in', join(tmp, 'nope')], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /--in .*nope: no such file or directory/);
  const odd = join(tmp, 'odd.raw.csv');
  writeFileSync(odd, `${kHeader}\n`);
  r = spawnSync(process.execPath, [script, '--in', odd, '--out', join(tmp, 'o.jsonl.gz')], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /cannot tell the emitting contract of .*odd\.raw\.csv/);
});

if (!existsSync(kDefaultOnchainDir)) {
  console.log(`SKIP real on-chain recordings: ${kDefaultOnchainDir} is absent`);
} else {
  test('the real recordings: every log accounted for, events in time order', () => {
    const files = resolveOnchainInputs([kDefaultOnchainDir]);
    assert.is(files.length, 4);
    const { events, summary } = convertOnchainFiles(files);
    assert.is(summary.bad, 0);
    // SOURCE.md: 6,234 + 304 + 2,111 + 858 logs; Swap 6,046 and 267; ReserveDataUpdated 1,231 and 445
    assert.equal(summary.files.map((f) => f.logs), [6234, 304, 2111, 858]);
    assert.equal(summary.files.map((f) => f.events.Swap ?? f.events.ReserveDataUpdated), [6046, 267, 1231, 445]);
    for (const f of summary.files) {
      const total = Object.values(f.events).reduce((a, b) => a + b, 0) + Object.values(f.ignored).reduce((a, b) => a + b, 0);
      assert.is(total, f.logs, `${f.file}: every log is an event or ignored`);
    }
    let backwards = 0;
    for (let i = 1; i < events.length; i++) if (events[i]!.ts < events[i - 1]!.ts) backwards++;
    assert.is(backwards, 0);
    assert.is(summary.eventsWritten, events.length);
    console.log(`  ${events.length.toLocaleString('en-US')} events: ${JSON.stringify(summary.eventsByType)}`);
  });
}

test.run();
