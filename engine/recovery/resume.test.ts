// `npm start -- --resume` after a kill -9: the CLI replays the shipped fixture (agents on a thread,
// paced so the kill lands mid-run), is killed with SIGKILL once its decision log has some lines,
// a torn write is left at the log's end (the first half of the next line, as a crash inside
// write() leaves it), and the same command with --resume completes the log. The log then holds
// exactly the decisions of an uninterrupted run, byte for byte: every key once, none missing.
// A log from another run, or one damaged inside, is refused with an error naming the line.
import { test } from 'uvu';
import { cliChild, fileLines, outputArgs, type Exit } from '../testing/cli_child.ts';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { keyCounts } from './key_counts.ts';
import { join } from 'node:path';
import type { Summary } from '../summary.ts';

const kEvents = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'lucent-resume-'));

const cli = (args: string[], killWhen?: () => boolean): Promise<Exit> => cliChild(kEvents, args, killWhen);
const lines = fileLines;
const outputs = (name: string): string[] => outputArgs(dir, name);


test.after(() => { rmSync(dir, { recursive: true, force: true }); });

test('kill -9 mid-run, then --resume: the log is the uninterrupted run\'s, every key once', async () => {
  const clean = await cli(['--threads', '0', ...outputs('clean'), '--json']);
  assert.is(clean.code, 0, clean.err);
  const want = lines(join(dir, 'clean.jsonl'));
  assert.ok(want.length > 500, `${want.length} decisions in the clean run`);

  // The crashed run: agents on a thread, paced, killed once some decisions are in its log.
  const log = join(dir, 'crashed.jsonl');
  const killed = await cli(['--threads', '1', '--rate', '20000', ...outputs('crashed')], () => lines(log).length >= 200);
  assert.is(killed.signal, 'SIGKILL', `the run was killed, not finished (${killed.code}): ${killed.err}`);
  const before = lines(log);
  assert.ok(before.length >= 200 && before.length < want.length, `killed mid-run with ${before.length} of ${want.length} decisions`);
  // A torn write at the end: the first half of the next decision, without its newline.
  const torn = want[before.length]!.slice(0, Math.floor(want[before.length]!.length / 2));
  appendFileSync(log, torn);

  const resumed = await cli(['--threads', '0', ...outputs('crashed'), '--resume', '--json']);
  assert.is(resumed.code, 0, resumed.err);
  const s = JSON.parse(resumed.out) as Summary;
  const got = lines(log);
  const c = keyCounts(want, got);
  console.log(`  resume: killed with ${before.length} decisions in the log (+${Buffer.byteLength(torn)} torn bytes); expected ${c.expected}, found ${c.found}, duplicated ${c.duplicated}, missing ${c.missing}, extra ${c.extra}`);
  assert.equal({ duplicated: c.duplicated, missing: c.missing, extra: c.extra, found: c.found }, { duplicated: 0, missing: 0, extra: 0, found: c.expected });
  assert.equal(got, want, 'the same decisions, in the same order, with the same content');
  assert.equal(s.resume, { decisionLog: log, found: before.length, verified: before.length, appended: want.length - before.length, tornBytes: Buffer.byteLength(torn), coveredBySnapshot: 0 }); // no snapshots: replayed from the start
  const cleanSummary = JSON.parse(readFileSync(join(dir, 'clean.summary.json'), 'utf8')) as Summary;
  assert.is(s.decisionLogSha256, cleanSummary.decisionLogSha256, 'the summary\'s SHA-256 covers the whole log');

  // Resuming a complete log again changes nothing.
  const again = await cli(['--threads', '0', ...outputs('crashed'), '--resume', '--json']);
  assert.is(again.code, 0, again.err);
  assert.equal((JSON.parse(again.out) as Summary).resume!.appended, 0);
  assert.equal(lines(log), want);
});

test('--resume refuses a log written by another run, or damaged inside, naming the line; nothing is appended', async () => {
  const other = join(dir, 'other.jsonl');
  const want = lines(join(dir, 'clean.jsonl'));
  // Another run's log: the decisions of a shorter replay, one of them edited.
  const edited = want.slice(0, 100);
  edited[41] = edited[41]!.replace(/"seq":(\d+)/, (_, n: string) => `"seq":${Number(n) + 1000}`);
  writeFileSync(other, edited.join('\n') + '\n');
  const r = await cli(['--threads', '0', ...outputs('other'), '--resume']);
  assert.is(r.code, 1, r.err); // an output (the log) that cannot be resumed: exit 1, as other output failures
  assert.match(r.err, /cannot resume: .*other\.jsonl line 42 is not this run's decision 42 \(key "/);
  assert.not.match(r.err, /\n\s+at /, 'no stack trace');
  assert.is(lines(other).length, 100, 'nothing appended');

  writeFileSync(other, want.slice(0, 10).join('\n') + '\nnot a decision\n' + want.slice(11, 20).join('\n') + '\n');
  const d = await cli(['--threads', '0', ...outputs('other'), '--resume']);
  assert.is(d.code, 1, d.err);
  assert.match(d.err, /line 11 is not a decision with a key \(damaged log\)/);
});

test('--resume applies to lockstep file replays only', async () => {
  const r = await cli(['--mode', 'realtime', '--resume', ...outputs('rt')]);
  assert.is(r.code, 2);
  assert.match(r.err, /options\.resume needs mode "lockstep"/);
  const k = await cli(['--source', 'kafka', '--resume']);
  assert.is(k.code, 2);
  assert.match(k.err, /--resume applies to --source file/);
});

test.run();
