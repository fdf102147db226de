// The audit command line on real logs: verify (good, tampered, torn tail, missing, a directory),
// export (data lines, whole records, to a file), usage errors and exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openEmbeddedStore } from '../engine/sinks/event_store/embedded/embedded_store.ts';
import { kFrameHead } from '../engine/sinks/event_store/embedded/format.ts';
import { scanLog, type ScannedEvent } from '../engine/sinks/event_store/embedded/scan.ts';

const kCli = new URL('./audit.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'lucent-audit-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function audit(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [kCli, ...args], { encoding: 'utf8', env: { ...process.env, LUCENT_EVENT_STORE: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let n = 0;
async function makeLog(): Promise<{ path: string; frames: ScannedEvent[]; head: string; decisions: unknown[] }> {
  const path = join(dir, `events${n++}.log`);
  const s = await openEmbeddedStore({ path });
  const decisions: unknown[] = [];
  for (let i = 0; i < 20; i++) {
    const d = { key: `k${i}`, sizeUsd: i * 1000.25, status: i % 2 ? 'approved' : 'rejected', fill: null };
    if (i % 2 === 0) decisions.push(d);
    await s.append(i % 2 === 0 ? 'decisions' : 'outcomes', { type: 'decision', data: d });
  }
  const head = s.headHash;
  await s.close();
  const frames: ScannedEvent[] = [];
  scanLog(path, (e) => frames.push(e));
  return { path, frames, head, decisions };
}

test('verify: a good log prints the events checked and the chain head, exit 0', async () => {
  const { path, head } = await makeLog();
  const r = audit('verify', path);
  assert.is(r.code, 0, r.err);
  assert.is(r.out.trim(), `OK: 20 events checked in ${path} (2 streams); chain head ${head}`);
});

test('verify: a flipped byte names the first bad event, exit 1', async () => {
  const { path, frames } = await makeLog();
  const file = readFileSync(path);
  file[frames[13].offset + kFrameHead + 60] ^= 0x10;
  writeFileSync(path, file);
  const r = audit('verify', path);
  assert.is(r.code, 1);
  assert.match(r.out, `BAD: 13 events checked in ${path} (2 streams); the first bad event is event #13 (stream "outcomes", revision 6) at offset ${frames[13].offset}: checksum mismatch`);
});

test('verify: a torn tail is a note (exit 0); a full bad record at the end is not (exit 1)', async () => {
  const { path, frames } = await makeLog();
  const file = readFileSync(path);
  const last = frames[19];
  writeFileSync(path, file.subarray(0, last.offset + 10));
  let r = audit('verify', path);
  assert.is(r.code, 0);
  assert.match(r.out, `OK: 19 events checked`);
  assert.match(r.out, `note: 10 bytes after the last event (offset ${last.offset}) are a torn tail`);
  const bad = Buffer.from(file);
  bad[last.offset + kFrameHead + 5] ^= 1;
  writeFileSync(path, bad);
  r = audit('verify', path);
  assert.is(r.code, 1);
  assert.match(r.out, `BAD: 19 events checked in ${path} (2 streams); the record after them, event #19 at offset ${last.offset}`);
});

test('verify: a missing file, a directory, a file that is not a log: one line, exit 2 or 1, no stack', () => {
  let r = audit('verify', join(dir, 'nope.log'));
  assert.is(r.code, 2);
  assert.is(r.err.trim(), `audit: cannot read event log ${join(dir, 'nope.log')}: no such file`);
  r = audit('verify', dir);
  assert.is(r.code, 2);
  assert.is(r.err.trim(), `audit: cannot read event log ${dir}: not a file`);
  const junk = join(dir, 'junk.txt');
  writeFileSync(junk, 'hello, this is not an event log at all, but long enough to have a header...');
  r = audit('verify', junk);
  assert.is(r.code, 1);
  assert.is(r.out.trim(), `BAD: event log ${junk}: it does not start with "LUCENTEV": not an event log`);
});

test('export: the data lines of a stream, byte for byte; whole records; to a file', async () => {
  const { path, decisions } = await makeLog();
  let r = audit('export', '--stream', 'decisions', '--log', path);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, decisions.map((d) => `${JSON.stringify(d)}\n`).join(''));
  assert.match(r.err, 'exported 10 events of stream "decisions"');
  r = audit('export', '--stream', 'outcomes', '--log', path, '--records');
  const recs = r.out.trim().split('\n').map((l) => JSON.parse(l) as { stream: string; revision: number; position: number; type: string; created: string });
  assert.equal(recs.map((x) => x.revision), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(recs.map((x) => x.position), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  assert.ok(recs.every((x) => x.stream === 'outcomes' && x.type === 'decision' && !Number.isNaN(Date.parse(x.created))));
  const out = join(dir, 'decisions.jsonl');
  r = audit('export', '--stream', 'decisions', '--log', path, '--out', out);
  assert.is(r.code, 0);
  assert.is(r.out, '');
  assert.is(readFileSync(out, 'utf8'), decisions.map((d) => `${JSON.stringify(d)}\n`).join(''));
  assert.is(audit('export', '--stream', 'nothing-here', '--log', path).out, '');
});

test('import a decision log, export it again: the same bytes; a bad line is named and nothing is appended', () => {
  const lines = Array.from({ length: 1200 }, (_, i) => JSON.stringify({ key: `c${i}:yield_entry:aave:USDC`, sizeUsd: 1000 / (i + 7), status: 'approved', reason: 'score 0.81 «ok»', fill: null }));
  const src = join(dir, 'decisions.jsonl');
  writeFileSync(src, lines.map((l) => `${l}\n`).join(''));
  const log = join(dir, 'imported.log');
  let r = audit('import', '--stream', 'decisions', '--from', src, '--log', log);
  assert.is(r.code, 0, r.err);
  assert.match(r.err, `imported 1200 events into stream "decisions" (embedded ${log})`);
  r = audit('export', '--stream', 'decisions', '--log', log);
  assert.is(r.out, readFileSync(src, 'utf8'));
  assert.match(audit('verify', log).out, 'OK: 1200 events checked');
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, `${lines[0]}\n{"key":"x", "spaced": true}\n`);
  r = audit('import', '--stream', 'decisions', '--from', bad, '--log', log);
  assert.is(r.code, 1);
  assert.is(r.err.trim(), `audit: ${bad}:2: the line is not in JSON.stringify's form, so an export would not reproduce it byte for byte`);
  writeFileSync(bad, `${lines[0]}\n{"key":\n`);
  r = audit('import', '--stream', 'decisions', '--from', bad, '--log', log);
  assert.is(r.code, 1);
  assert.match(r.err, `${bad}:2: not JSON`);
  assert.match(audit('verify', log).out, 'OK: 1200 events checked', 'nothing appended by the failed imports');
});

test('usage: --help, no command, unknown command, bad flags', () => {
  let r = audit('--help');
  assert.is(r.code, 0);
  assert.match(r.out, 'Usage: npm run audit -- <command>');
  r = audit();
  assert.is(r.code, 2);
  r = audit('frobnicate');
  assert.is(r.code, 2);
  assert.is(r.err.trim(), 'audit: unknown command "frobnicate" (commands: verify, export, import; see --help)');
  r = audit('verify', 'a.log', 'b.log');
  assert.is(r.code, 2);
  r = audit('export', '--log', 'x.log');
  assert.is(r.code, 2);
  assert.is(r.err.trim(), 'audit: export needs --stream <name> (e.g. --stream decisions)');
  r = audit('export', '--stream', 'bad name', '--log', 'x.log');
  assert.is(r.code, 2);
  assert.match(r.err, 'stream name "bad name" is invalid');
  r = audit('export', '--strem', 'decisions');
  assert.is(r.code, 2);
  assert.match(r.err, 'unknown flag --strem');
});

test.run();
