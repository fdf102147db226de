// `--snapshot-every` and `--resume` from a snapshot, through the CLI in real processes: a run that
// takes snapshots (agents on a thread, paced) is killed with SIGKILL mid-run, a torn write is left
// at its decision log's end, and `--resume` starts from the newest snapshot the log covers instead
// of the first event. The log then holds exactly the uninterrupted run's decisions, byte for byte,
// and the resumed run stepped fewer events than the input holds. A log cut shorter than the newest
// snapshot makes the resume take an older one (or the start), never one whose decisions it lacks.
import { test } from 'uvu';
import { cliChild, fileLines, outputArgs, type Exit } from '../testing/cli_child.ts';
import * as assert from 'uvu/assert';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Summary } from '../summary.ts';

const kEvents = 60_000;
const kEvery = 9_973;
const dir = mkdtempSync(join(tmpdir(), 'lucent-snapshot-cli-'));

const cli = (args: string[], killWhen?: () => boolean): Promise<Exit> => cliChild(kEvents, args, killWhen);
const lines = fileLines;
const outputs = (name: string): string[] => outputArgs(dir, name);
const summaryOf = (name: string): Summary => JSON.parse(readFileSync(join(dir, `${name}.summary.json`), 'utf8')) as Summary;
const size = (p: string): number => (existsSync(p) ? statSync(p).size : 0);

test.after(() => { rmSync(dir, { recursive: true, force: true }); });

let want: string[] = [];

test('kill -9 mid-run with snapshots, then --resume: starts from a snapshot, the log is the uninterrupted run\'s', async () => {
  const clean = await cli(['--threads', '0', ...outputs('clean')]);
  assert.is(clean.code, 0, clean.err);
  want = lines(join(dir, 'clean.jsonl'));
  assert.ok(want.length > 500, `${want.length} decisions in the clean run`);

  // The crashed run: agents on a thread, paced, snapshots every kEvery events; killed once two
  // snapshots are stored (the store's file has grown past the first) and the log has more.
  const log = join(dir, 'crashed.jsonl');
  const store = `${log}.snapshots.log`;
  let firstSize = 0;
  const killed = await cli(['--threads', '1', '--rate', '15000', '--snapshot-every', String(kEvery), ...outputs('crashed')], () => {
    const s = size(store);
    if (firstSize === 0 && s > 0) firstSize = s;
    return firstSize > 0 && s > 1.5 * firstSize;
  });
  assert.is(killed.signal, 'SIGKILL', `the run was killed, not finished (${killed.code}): ${killed.err}`);
  const before = lines(log);
  assert.ok(before.length < want.length, `killed mid-run with ${before.length} of ${want.length} decisions`);
  appendFileSync(log, want[before.length]!.slice(0, 40)); // a torn write

  const resumed = await cli(['--threads', '0', ...outputs('crashed'), '--resume']);
  assert.is(resumed.code, 0, resumed.err);
  assert.ok(readFileSync(log, 'utf8') === `${want.join('\n')}\n`, 'the resumed log is byte for byte the uninterrupted run\'s');
  const s = summaryOf('crashed');
  assert.ok(s.snapshots?.resumedFrom !== null && s.snapshots?.resumedFrom !== undefined, 'it started from a snapshot');
  const from = s.snapshots!.resumedFrom!;
  assert.ok(from.events >= kEvery && from.events % kEvery === 0, `from event ${from.events}`);
  assert.is(s.snapshots!.eventsStepped, kEvents - from.events);
  assert.is(s.resume!.coveredBySnapshot, from.decisions);
  assert.is(s.resume!.verified + s.resume!.appended, want.length - from.decisions);
  assert.is(s.decisionLogSha256, summaryOf('clean').decisionLogSha256);
});

test('a log shorter than the newest snapshot\'s decisions: an older snapshot (or the start), never a gap', async () => {
  const log = join(dir, 'short.jsonl');
  copyFileSync(join(dir, 'crashed.jsonl.snapshots.log'), `${log}.snapshots.log`);
  writeFileSync(log, `${want.slice(0, 100).join('\n')}\n`);
  const r = await cli(['--threads', '0', ...outputs('short'), '--resume']);
  assert.is(r.code, 0, r.err);
  assert.ok(readFileSync(log, 'utf8') === `${want.join('\n')}\n`);
  const from = summaryOf('short').snapshots?.resumedFrom ?? null;
  if (from !== null) assert.ok(from.decisions <= 100, `the snapshot it took counts ${from.decisions} decisions, the log held 100`);
});

test('--snapshot-every is refused where a snapshot cannot be taken', async () => {
  const r = await cli(['--mode', 'realtime', '--snapshot-every', '1000', ...outputs('rt')]);
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /snapshotEvery needs mode "lockstep"/);
  const k = await cli(['--snapshot-every', '-5', ...outputs('neg')]);
  assert.ok(k.code !== 0);
  assert.match(k.err, /snapshot-every/);
});

test.run();
