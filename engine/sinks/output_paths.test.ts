// Output paths checked before a run, atomic summary writes, and bounded dead-letter text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LucentError } from '../../protocol/errors.ts';
import { checkOutputPaths, writeFileAtomic } from './output_paths.ts';
import { DeadLetterLog } from './dead_letters.ts';
import { DecisionLog, readDecisionKeys } from './decision_log.ts';
import { boundDeadLetter, capText, kMaxRawChars, kMaxReasonChars } from '../source/bounded.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-output-paths-'));

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    assert.instance(err, LucentError);
    return (err as Error).message;
  }
  assert.unreachable('expected a LucentError');
  return '';
}
const check = (flag: string, path: string, inputs: string[] = []): string => messageOf(() => checkOutputPaths([{ flag, path }], inputs));

test('a directory, a file in the way, an input, two outputs on one file: refused with the option and path', () => {
  assert.is(check('--decisions', dir), `cannot write --decisions ${dir}: is a directory`);
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  assert.is(check('--summary', join(file, 'sub', 'summary.json')), `cannot write --summary ${join(file, 'sub', 'summary.json')}: its folder ${join(file, 'sub')} cannot be made (a file is in the way)`);
  assert.is(check('--decisions', file, [file]), `--decisions ${file} is the input: the run would overwrite it`);
  const same = join(dir, 'same.jsonl');
  assert.is(messageOf(() => checkOutputPaths([{ flag: '--decisions', path: same }, { flag: '--dead-letters', path: same }])),
    `--dead-letters and --decisions name the same file ${same}`);
  assert.is(check('--summary', ''), '--summary must name a file');
});

test('a missing folder is made; /dev/null may be shared; nothing is left behind', () => {
  const deep = join(dir, 'new', 'deeper', 'decisions.jsonl');
  checkOutputPaths([{ flag: '--decisions', path: deep }, { flag: '--summary', path: '/dev/null' }, { flag: '--dead-letters', path: '/dev/null' }, { flag: '--x', path: null }]);
  assert.ok(existsSync(join(dir, 'new', 'deeper')));
  assert.equal(readdirSync(join(dir, 'new', 'deeper')), [], 'the probe file is removed');
});

/** A folder this process cannot write: a read-only one of its own, or /sys for root (whom mode bits do not stop). */
function unwritableFolder(): string {
  if (process.getuid?.() === 0) return '/sys';
  const ro = join(dir, 'read-only');
  mkdirSync(ro, { recursive: true });
  chmodSync(ro, 0o555);
  return ro;
}

test('an unwritable folder is refused', () => {
  const ro = unwritableFolder();
  assert.match(check('--summary', join(ro, 's.json')), /^cannot write --summary .*: (permission denied|read-only file system)$/);
  assert.match(check('--decisions', join(ro, 'd.jsonl')), /^cannot write --decisions .*: (permission denied|read-only file system)$/);
});

test('writeFileAtomic replaces the file whole and leaves no temporary file; a failure names the file', () => {
  const p = join(dir, 'summary.json');
  writeFileSync(p, 'old');
  writeFileAtomic(p, '{"new":true}\n', 'the summary');
  assert.is(readFileSync(p, 'utf8'), '{"new":true}\n');
  assert.equal(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
  assert.is(messageOf(() => writeFileAtomic(dir, 'x', 'the summary')), `cannot write the summary ${dir}: is a directory`);
  writeFileAtomic('/dev/null', 'x', 'the summary'); // a device is written in place
  assert.match(messageOf(() => writeFileAtomic('/dev/full', 'x', 'the summary')), /^cannot write the summary \/dev\/full: no space left on the device/);
});

test('the decision log and the dead letters fail with one line naming the file (a full device)', async () => {
  const log = new DecisionLog('/dev/full');
  await log.open();
  log.write({ key: 'k' } as never);
  try {
    await log.flush();
    assert.unreachable('a write to /dev/full fails');
  } catch (err) {
    assert.instance(err, LucentError);
    assert.is((err as Error).message, 'cannot write the decision log /dev/full: no space left on the device');
  }
  await log.close().catch(() => undefined);
  const dl = new DeadLetterLog('/dev/full');
  dl.add({ source: 's', reason: 'r', raw: 'x' });
  assert.is(messageOf(() => dl.flush()), 'cannot write the dead letters /dev/full: no space left on the device');
  // a log on /dev/null closes fine (it cannot be synced, which is not an error)
  const nul = new DecisionLog('/dev/null');
  await nul.open();
  nul.write({ key: 'k' } as never);
  await nul.close();
  assert.is(nul.count, 1);
});

test('a decision log that cannot be resumed (a line that is not JSON) is one clear error, not a SyntaxError', () => {
  const p = join(dir, 'resume.jsonl');
  writeFileSync(p, '{"key":"a"}\n{"key":\n{"key":"c"}\n');
  assert.match(messageOf(() => readDecisionKeys(p)), `the decision log ${p} cannot be resumed: a line is not JSON`);
  writeFileSync(p, '{"key":"a"}\n{"key":"b"}\n{"key":"c"'); // a last line cut short is repaired, not an error
  assert.equal([...readDecisionKeys(p)], ['a', 'b']);
});

test('dead-letter reason and raw text are cut with a note of the original length', () => {
  assert.is(capText('short', 10), 'short');
  assert.is(capText('x'.repeat(20), 10), `${'x'.repeat(10)}… [cut to 10 of 20]`);
  assert.is(capText('x'.repeat(10), 10, 5000), `${'x'.repeat(10)}… [cut to 10 of 5,000]`, 'cut before: the original length is told');
  const huge = 'y'.repeat(10 * 1024 * 1024);
  const b = boundDeadLetter({ source: 'f:1', reason: `data.bid must be a finite number, got "${huge}"`, raw: huge });
  assert.ok(b.reason.length < kMaxReasonChars + 64 && b.reason.endsWith(`of ${(huge.length + 40).toLocaleString('en-US')}]`), b.reason.slice(-60));
  assert.ok(b.raw.length < kMaxRawChars + 64 && b.raw.endsWith('of 10,485,760]'));
  const p = join(dir, 'dead.jsonl');
  const log = new DeadLetterLog(p);
  log.add({ source: 'f:1', reason: `bad ${huge}`, raw: huge.slice(0, 4096) }, huge.length);
  log.flush();
  const written = readFileSync(p, 'utf8');
  assert.ok(written.length < 6000, `one dead letter of a 10 MB line takes ${written.length} bytes`);
  assert.match(written, 'of 10,485,760]');
  assert.ok(log.samples[0]!.reason.length < kMaxReasonChars + 64, 'the summary sample is bounded too');
});

test.run();
