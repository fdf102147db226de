// The command line as a user runs it, in real processes: signals stop a replay cleanly (the
// decisions made are on disk, synced, and the summary says so), a second signal exits at once, an
// input cut short is replayed up to the cut and reported in one line, empty or all-bad input and
// bad output paths fail before the replay with one line and no stack trace, a far-future
// timestamp does not hang a paced replay, and a huge field does not grow the output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { kTestFixture } from './testing/run_fixture.ts';

const cli = new URL('./cli.ts', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'lucent-cli-stops-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const fixtureLines = gunzipSync(readFileSync(kTestFixture)).toString('utf8').split('\n').filter((l) => l !== '');
let runs = 0;

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; dir: string }

/**
 * Runs the CLI with its outputs in a fresh folder. `onStart(child, dir)` may send signals.
 * `outputs: false` leaves the output options to `args`.
 */
function runCli(args: string[], o: { onStart?: (pid: number, dir: string) => void; outputs?: boolean; node?: string[]; onStderr?: (pid: number, text: string) => void } = {}): Promise<Run> {
  const dir = join(tmp, `run-${++runs}`);
  const outs = o.outputs === false ? [] : ['--decisions', join(dir, 'd.jsonl'), '--summary', join(dir, 's.json'), '--dead-letters', join(dir, 'dl.jsonl')];
  const child = spawn(process.execPath, [...(o.node ?? []), cli, '--quiet', ...outs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); o.onStderr?.(child.pid!, stderr); });
  if (o.onStart) o.onStart(child.pid!, dir);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, dir })));
}

/** Resolves once `path` exists and is not empty (the replay has written decisions). */
async function whenWritten(path: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (existsSync(path) && statSync(path).size > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} was never written`);
}

function decisionsOnDisk(dir: string): { lines: string[]; sha: string } {
  const text = readFileSync(join(dir, 'd.jsonl'), 'utf8');
  return { lines: text.split('\n').filter((l) => l !== ''), sha: createHash('sha256').update(text).digest('hex') };
}

function summaryOf(dir: string): Record<string, unknown> & { decisions: number; events: number; decisionLogSha256: string } {
  return JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
}

/** stderr is the given number of lines, none of them a stack frame. */
function cleanLines(r: Run, n: number): string[] {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.not.match(r.stderr, /\n\s+at /, `a stack trace reached the user:\n${r.stderr}`);
  assert.is(lines.length, n, `stderr:\n${r.stderr}`);
  return lines;
}

function writeLines(name: string, lines: string[]): string {
  const p = join(tmp, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

let fullLog: string[] | null = null;

test('SIGTERM during a replay: exit 143, every decision made is on disk, synced, and the summary says so', async () => {
  const r = await runCli(['--threads', '1', '--rate', '20000'], {
    onStart: (pid, dir) => { void whenWritten(join(dir, 'd.jsonl')).then(() => process.kill(pid, 'SIGTERM')); },
  });
  assert.is(r.code, 143, r.stderr);
  const s = summaryOf(r.dir);
  const disk = decisionsOnDisk(r.dir);
  console.log(`  SIGTERM: ${disk.lines.length} decisions on disk, ${s.decisions} made (summary), after ${s.events} of ${fixtureLines.length} events`);
  assert.is(s.stoppedBy, 'SIGTERM');
  assert.ok(s.events < fixtureLines.length, 'stopped before the end');
  assert.ok(s.decisions > 0);
  assert.is(disk.lines.length, s.decisions, 'decisions on disk = decisions made');
  assert.is(disk.sha, s.decisionLogSha256);
  const lines = cleanLines(r, 2);
  assert.match(lines[0]!, /^lucent-engine: SIGTERM: stopping/);
  assert.match(lines[1]!, `stopped by SIGTERM after ${s.events.toLocaleString('en-US')} events; ${s.decisions.toLocaleString('en-US')} decisions written`);
  assert.match(r.stdout, `stopped by SIGTERM after ${s.events.toLocaleString('en-US')} events`);
  assert.equal(readdirSync(r.dir).filter((f) => f.includes('.tmp-') || f.includes('.probe-')), [], 'the summary was renamed into place');
  // lockstep is deterministic: the decisions on disk are the first ones of a whole replay
  const whole = await runCli(['--threads', '0']);
  assert.is(whole.code, 0, whole.stderr);
  fullLog = decisionsOnDisk(whole.dir).lines;
  assert.equal(disk.lines, fullLog.slice(0, disk.lines.length));
});

test('SIGINT during a paced pause: exit 130 at once, decisions on disk = decisions made', async () => {
  // --speed 1: the fixture spans minutes, so the replay is mostly waiting when the signal comes
  const r = await runCli(['--threads', '0', '--speed', '1'], {
    onStart: (pid, dir) => { void whenWritten(join(dir, 'd.jsonl')).then(() => process.kill(pid, 'SIGINT')); },
  });
  assert.is(r.code, 130, r.stderr);
  const s = summaryOf(r.dir);
  const disk = decisionsOnDisk(r.dir);
  console.log(`  SIGINT (paced): ${disk.lines.length} decisions on disk, ${s.decisions} made (summary), after ${s.events} events`);
  assert.is(s.stoppedBy, 'SIGINT');
  assert.is(disk.lines.length, s.decisions);
  assert.is(disk.sha, s.decisionLogSha256);
  if (fullLog) assert.equal(disk.lines, fullLog.slice(0, disk.lines.length));
  cleanLines(r, 2);
});

test('a second signal exits at once', async () => {
  const r = await runCli(['--threads', '1', '--rate', '20000'], {
    onStart: (pid, dir) => {
      void whenWritten(join(dir, 'd.jsonl')).then(() => { process.kill(pid, 'SIGINT'); process.kill(pid, 'SIGTERM'); });
    },
  });
  // two different signals are never merged into one; which one the process sees first is its own
  const second = /second signal \((SIGINT|SIGTERM)\): exiting now/.exec(r.stderr);
  assert.ok(second, r.stderr);
  assert.is(r.code, second![1] === 'SIGINT' ? 130 : 143, r.stderr);
  assert.match(r.stderr, /^lucent-engine: SIG(INT|TERM): stopping/);
  assert.not.match(r.stderr, 'stopped by', 'it did not wait for the run to stop');
  assert.not.match(r.stderr, /\n\s+at /);
});

// The harness (engine/testing/hold_engine_import.ts, preloaded) holds the loading of engine/engine.ts,
// which engine/cli.ts imports after its early stop handlers: the signal comes while the command line
// is still loading, before main() runs. Without the early handlers the process dies by the signal.
for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`${sig} while the command line is still loading (before main): exit ${code} with one line, nothing written`, async () => {
    let sent = false;
    const r = await runCli(['--threads', '0'], {
      node: ['--import', new URL('./testing/hold_engine_import.ts', import.meta.url).pathname],
      onStderr: (pid, text) => { if (!sent && text.includes('lucent-test: import held\n')) { sent = true; process.kill(pid, sig); } },
    });
    console.log(`  ${sig} before main(): exit ${r.code}${r.signal ? ` (killed by ${r.signal})` : ''}; stderr ${JSON.stringify(r.stderr.trim().split('\n').at(-1))}`);
    assert.ok(sent, `the hold was never reached: ${r.stderr}`);
    assert.is(r.signal, null, 'not killed by the signal');
    assert.is(r.code, code, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '' && l !== 'lucent-test: import held');
    assert.equal(lines, [`lucent-engine: ${sig} while starting, before the run began: exiting (nothing was read or written)`]);
    assert.is(existsSync(r.dir), false, 'no output was written');
  });
}

test('a truncated gzip: the events before the cut are replayed, decisions and summary written, one line names the file', async () => {
  const whole = readFileSync(kTestFixture);
  const path = join(tmp, 'truncated.jsonl.gz');
  writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 3)));
  const r = await runCli(['--threads', '0', '--fixture', path]);
  assert.is(r.code, 1, r.stderr);
  const [line] = cleanLines(r, 1);
  assert.match(line!, `lucent-engine: ${path}: the gzip stream is truncated (unexpected end of file) after line `);
  const s = summaryOf(r.dir);
  const disk = decisionsOnDisk(r.dir);
  console.log(`  truncated gzip: ${s.events} events replayed, ${disk.lines.length} decisions on disk, ${s.decisions} in the summary`);
  assert.ok(s.events > 1000 && s.events < fixtureLines.length);
  assert.ok(s.decisions > 0);
  assert.is(disk.lines.length, s.decisions);
  assert.match(String(s.inputError), 'the gzip stream is truncated');
  if (fullLog) assert.equal(disk.lines.slice(0, 10), fullLog.slice(0, 10));
});

test('a byte-order mark is accepted; an empty or all-bad input exits 1 with one line', async () => {
  const some = fixtureLines.slice(0, 3000);
  const bom = join(tmp, 'bom.jsonl');
  writeFileSync(bom, '\uFEFF' + some.join('\n') + '\n');
  const plain = writeLines('plain.jsonl', some);
  const a = await runCli(['--threads', '0', '--fixture', bom, '--json']);
  const b = await runCli(['--threads', '0', '--fixture', plain, '--json']);
  assert.is(a.code, 0, a.stderr);
  const sa = JSON.parse(a.stdout) as { deadLetters: number; events: number; decisionLogSha256: string };
  const sb = JSON.parse(b.stdout) as { decisionLogSha256: string };
  assert.is(sa.deadLetters, 0);
  assert.is(sa.events, 3000);
  assert.is(sa.decisionLogSha256, sb.decisionLogSha256, 'a BOM changes nothing');

  const empty = writeLines('empty.jsonl', []);
  writeFileSync(empty, '');
  const e = await runCli(['--threads', '0', '--fixture', empty]);
  assert.is(e.code, 1);
  assert.is(cleanLines(e, 1)[0], `lucent-engine: fixture ${empty} holds no events (the file is empty)`);
  const gzEmpty = join(tmp, 'empty.jsonl.gz');
  writeFileSync(gzEmpty, gzipSync(''));
  assert.is((await runCli(['--threads', '0', '--fixture', gzEmpty])).code, 1);

  const bad = writeLines('all-bad.jsonl', ['not json', '{"ts":1}', JSON.stringify({ ...JSON.parse(some[0]!), type: 'tweet' })]);
  const x = await runCli(['--threads', '0', '--fixture', bad]);
  assert.is(x.code, 1);
  assert.match(cleanLines(x, 1)[0]!, `lucent-engine: fixture ${bad}: none of its 3 non-blank lines is a valid event (dead letters in `);
  assert.is(readFileSync(join(x.dir, 'dl.jsonl'), 'utf8').split('\n').filter((l) => l).length, 3, 'the dead letters are written');
});

test('output paths are checked before the replay: a directory, a file in the way, an unwritable folder', async () => {
  const file = writeLines('in-the-way', ['x']);
  const ro = process.getuid?.() === 0 ? '/sys' : null; // root writes anywhere but /sys
  const cases: [string[], RegExp][] = [
    [['--decisions', tmp], /^lucent-engine: cannot write --decisions .*: is a directory$/],
    [['--summary', join(file, 'summary.json')], /^lucent-engine: cannot write --summary .*: its folder .* cannot be made \(a file is in the way\)$/],
    [['--dead-letters', join(file, 'x', 'dl.jsonl')], /^lucent-engine: cannot write --dead-letters .*: its folder .* cannot be made/],
  ];
  if (ro) cases.push([['--summary', join(ro, 'lucent-summary.json')], /^lucent-engine: cannot write --summary .*: (permission denied|read-only file system)$/]);
  for (const [args, pattern] of cases) {
    const dir = join(tmp, `paths-${runs}`);
    const r = await runCli(['--threads', '0', '--decisions', join(dir, 'd.jsonl'), '--summary', join(dir, 's.json'), '--dead-letters', join(dir, 'dl.jsonl'), ...args], { outputs: false });
    assert.is(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(cleanLines(r, 1)[0]!, pattern);
    // found before anything was read or written
    assert.is(existsSync(join(dir, 'd.jsonl')), false, `${args.join(' ')}: the replay did not start`);
  }
});

test('a far-future timestamp does not hang a paced replay: the pause is cut to --max-pause and reported', async () => {
  const lines = fixtureLines.slice(0, 3000);
  const far = JSON.parse(lines[1500]!) as { ts: number };
  far.ts = 9_000_000_000_000_000; // the year 2255
  lines.splice(1500, 0, JSON.stringify(far));
  const path = writeLines('far-future.jsonl', lines);
  const r = await runCli(['--threads', '0', '--fixture', path, '--speed', '20', '--max-pause', '200', '--json']);
  assert.is(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { events: number; pacing: { pausesCut: number; longestCutLine: number; longestCutMs: number } };
  assert.is(s.events, 3001);
  assert.is(s.pacing.longestCutLine, 1501, 'the far-future line is named');
  assert.ok(s.pacing.pausesCut >= 1);
  assert.ok(s.pacing.longestCutMs > 1e9, `cut ${s.pacing.longestCutMs} ms`);
  assert.not.match(r.stderr, 'TimeoutOverflowWarning');
  // a real gap (the stream goes on an hour later) is cut once, and the replay paces on from there
  const gap = fixtureLines.slice(0, 3000).map((l, i) => {
    if (i < 1500) return l;
    const e = JSON.parse(l) as { ts: number };
    e.ts += 3_600_000_000;
    return JSON.stringify(e);
  });
  const g = await runCli(['--threads', '0', '--fixture', writeLines('hour-gap.jsonl', gap), '--speed', '20', '--max-pause', '200', '--json']);
  assert.is(g.code, 0, g.stderr);
  const gs = JSON.parse(g.stdout) as { events: number; pacing: { pausesCut: number; longestCutLine: number } };
  assert.is(gs.events, 3000);
  assert.is(gs.pacing.pausesCut, 1, 'only the first event after the gap waits less than recorded');
  assert.is(gs.pacing.longestCutLine, 1501);
});

test('one huge field (10 MB) does not grow stdout, the summary or the dead letters', async () => {
  const lines = fixtureLines.slice(0, 3000);
  const big = 'x'.repeat(10 * 1024 * 1024);
  const a = JSON.parse(lines[10]!) as { data: Record<string, unknown>; key: string };
  a.data.bid = big;
  const b = JSON.parse(lines[11]!) as { key: string };
  b.key = 'k'.repeat(1024 * 1024);
  lines.splice(20, 0, JSON.stringify(a), JSON.stringify(b));
  const path = writeLines('huge-field.jsonl', lines);
  const r = await runCli(['--threads', '0', '--fixture', path]);
  assert.is(r.code, 0, r.stderr);
  const dl = readFileSync(join(r.dir, 'dl.jsonl'), 'utf8');
  const sizes = { stdout: r.stdout.length, summary: statSync(join(r.dir, 's.json')).size, deadLetters: dl.length };
  console.log(`  10 MB field, 1 MB key: stdout ${sizes.stdout} B, summary ${sizes.summary} B, dead letters ${sizes.deadLetters} B`);
  assert.ok(sizes.stdout < 16_384 && sizes.summary < 32_768 && sizes.deadLetters < 16_384, JSON.stringify(sizes));
  assert.match(dl, /key is 1048576 characters long, more than 256/);
  assert.match(dl, /\[cut to 4,096 of 10,48\d,\d{3}\]/, 'the raw line is cut with its length');
  assert.match(dl, /\[cut to 1,024 of 10,48\d,\d{3}\]/, 'the reason is cut with its length');
});

test('--inline with --threads is refused, and a bad --threads is named even with --inline', async () => {
  const a = await runCli(['--inline', '--threads', 'abc']);
  assert.is(a.code, 2);
  assert.is(cleanLines(a, 1)[0], 'lucent-engine: --threads must be a number, got "abc"');
  const b = await runCli(['--inline', '--threads', '2']);
  assert.is(b.code, 2);
  assert.is(cleanLines(b, 1)[0], 'lucent-engine: --inline and --threads cannot both be given (--inline is --threads 0)');
});

test.run();
