// A hostile corpus of files, options, configurations and output paths, through the command line's
// main() as a user would give them. Each case has an expected outcome: refused (a non-zero exit
// with one line on stderr that names what is wrong, no stack trace) or accepted (exit 0, and for
// files: every bad line dead-lettered with a reason). Counts are printed by class.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { main } from './cli.ts';
import { kTestFixture } from './testing/run_fixture.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lucent-hostile-cli-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const some = gunzipSync(readFileSync(kTestFixture)).toString('utf8').split('\n').filter((l) => l !== '').slice(0, 1500);
const good = some.join('\n') + '\n';
let n = 0;

function file(content: string | Buffer): string {
  const p = join(tmp, `f-${++n}`);
  writeFileSync(p, content);
  return p;
}
function named(name: string, content: string | Buffer): string {
  const p = join(tmp, `${++n}-${name}`);
  writeFileSync(p, content);
  return p;
}

interface Outcome { code: number; stdout: string; stderr: string; threw: unknown }

/** main(argv) with stdout and stderr captured; outputs go to a fresh folder unless given. */
async function run(argv: string[]): Promise<Outcome & { dir: string }> {
  const dir = join(tmp, `out-${++n}`);
  const outs = ['--decisions', '--summary', '--dead-letters'].some((o) => argv.includes(o))
    ? [] : ['--decisions', join(dir, 'd.jsonl'), '--summary', join(dir, 's.json'), '--dead-letters', join(dir, 'dl.jsonl')];
  let stdout = '', stderr = '';
  const out = process.stdout.write.bind(process.stdout), err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => { stdout += String(s); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { stderr += String(s); return true; }) as typeof process.stderr.write;
  let code = -1, threw: unknown = null;
  try {
    code = await main(['--quiet', '--threads', '0', ...outs, ...argv]);
  } catch (e) {
    threw = e;
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return { code, stdout, stderr, threw, dir };
}

type Expect = { refused: RegExp } | { accepted: true; deadLetters?: number };
interface Case { cls: string; name: string; argv: string[]; expect: Expect }

const cases: Case[] = [];
const fx = (name: string, path: string, expect: Expect): void => { cases.push({ cls: 'files', name, argv: ['--fixture', path], expect }); };
const opt = (name: string, argv: string[], expect: Expect): void => { cases.push({ cls: 'options', name, argv: ['--fixture', named('ok.jsonl', good), '--limit', '200', ...argv], expect }); };
const cfg = (name: string, content: string, refused: RegExp): void => {
  cases.push({ cls: 'configs', name, argv: ['--fixture', named('ok.jsonl', good), '--limit', '200', '--config', named('config.json', content)], expect: { refused } });
};
const out = (name: string, argv: string[], refused: RegExp): void => { cases.push({ cls: 'output paths', name, argv: ['--fixture', named('ok.jsonl', good), '--limit', '200', ...argv], expect: { refused } }); };

// ---- files ----
const gz = gzipSync(good);
const line0 = JSON.parse(some[0]!) as Record<string, unknown>;
fx('empty file', file(''), { refused: /holds no events \(the file is empty\)$/ });
fx('blank lines only', file('\n\n\r\n\n'), { refused: /holds no events \(only blank lines\)$/ });
fx('empty gzip', named('e.jsonl.gz', gzipSync('')), { refused: /holds no events/ });
fx('UTF-8 BOM', file('\uFEFF' + good), { accepted: true, deadLetters: 0 });
fx('UTF-16 LE', file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good, 'utf16le')])), { refused: /is UTF-16 text; JSON Lines must be UTF-8$/ });
fx('truncated gzip', named('t.jsonl.gz', gz.subarray(0, gz.length >> 1)), { refused: /the gzip stream is truncated \(unexpected end of file\) after line/ });
fx('gzip cut inside its header', named('h.jsonl.gz', gz.subarray(0, 5)), { refused: /gzip stream is truncated|no event could be read/ });
const flipped = Buffer.from(gz);
for (let i = 200; i < 260; i++) flipped[i] = flipped[i]! ^ 0xa5;
fx('corrupt gzip', named('c.jsonl.gz', flipped), { refused: /the gzip stream is corrupt/ });
fx('.gz that is not gzip', named('p.jsonl.gz', good), { refused: /is named \.gz but is not gzip data$/ });
fx('gzip without the .gz suffix', named('g.jsonl', gz), { accepted: true, deadLetters: 0 });
fx('a directory', tmp, { refused: /is a directory, not a file$/ });
fx('a missing file', join(tmp, 'absent.jsonl'), { refused: /fixture not found: / });
fx('every line bad', file('nope\n[1,2]\n"str"\nnull\n42\n{}\n'), { refused: /none of its 6 non-blank lines is a valid event/ });
fx('CRLF line ends', file(some.join('\r\n') + '\r\n'), { accepted: true, deadLetters: 0 });
fx('no newline at the end', file(some.join('\n')), { accepted: true, deadLetters: 0 });
fx('binary garbage among good lines', file(some.slice(0, 700).join('\n') + '\n\u0000\u0001\u0002\u00ff garbage\n' + some.slice(700).join('\n') + '\n'), { accepted: true, deadLetters: 1 });
fx('NUL bytes inside a line', file(some.slice(0, 10).join('\n') + '\n' + some[10]!.replace('"type"', '"ty\u0000pe"') + '\n'), { accepted: true, deadLetters: 1 });
fx('a 10 MB line', file(some.slice(0, 20).join('\n') + '\n' + JSON.stringify({ ...line0, data: { venue: 'x'.repeat(10 << 20) } }) + '\n'), { accepted: true, deadLetters: 1 });
fx('a 1 MB key', file(some.slice(0, 20).join('\n') + '\n' + JSON.stringify({ ...line0, key: 'k'.repeat(1 << 20) }) + '\n'), { accepted: true, deadLetters: 1 });
fx('deeply nested JSON', file(some.slice(0, 20).join('\n') + '\n' + '['.repeat(100_000) + ']'.repeat(100_000) + '\n'), { accepted: true, deadLetters: 1 });
fx('JSON values that are not events', file(some.slice(0, 20).join('\n') + '\nnull\n[]\n"x"\ntrue\n{"ts":null}\n'), { accepted: true, deadLetters: 5 });
fx('timestamps in ms and ns', file(some.slice(0, 20).join('\n') + '\n' + JSON.stringify({ ...line0, ts: 1_723_075_200_000 }) + '\n' + JSON.stringify({ ...line0, ts: 1.7e18 }) + '\n'), { accepted: true, deadLetters: 2 });

// ---- options ----
opt('--threads abc', ['--threads', 'abc'], { refused: /^--threads must be a number, got "abc"$/ });
opt('--threads -1', ['--threads=-1'], { refused: /^options\.threads must be an integer in 0\.\.64/ });
opt('--threads 1.5', ['--threads', '1.5'], { refused: /^options\.threads must be an integer/ });
opt('--threads 1e9', ['--threads', '1e9'], { refused: /^options\.threads must be an integer in 0\.\.64/ });
opt('--inline --threads 2', ['--inline', '--threads', '2'], { refused: /^--inline and --threads cannot both be given/ });
opt('--inline --threads abc', ['--inline', '--threads', 'abc'], { refused: /^--threads must be a number, got "abc"$/ });
opt('--rate -1', ['--rate=-1'], { refused: /^options\.rate must be a non-negative number/ });
opt('--rate with --speed', ['--rate', '100', '--speed', '2'], { refused: /^options\.rate and options\.speed cannot both be set/ });
opt('--speed Infinity', ['--speed', 'Infinity'], { refused: /^--speed must be a number, got "Infinity"$/ });
opt('--speed empty', ['--speed', ''], { refused: /^--speed must be a number, got ""$/ });
opt('--limit 1.5', ['--limit', '1.5'], { refused: /^options\.limit must be a non-negative integer/ });
opt('--cycle-timeout 1e300', ['--cycle-timeout', '1e300'], { refused: /^options\.cycleTimeoutMs must be a number in \(0, 3600000\]/ });
opt('--max-pause without --speed', ['--max-pause', '100'], { refused: /^options\.maxPauseMs applies to a replay paced by options\.speed only$/ });
opt('--max-pause 0', ['--speed', '1000', '--max-pause', '0'], { refused: /^options\.maxPauseMs must be a number in \(0, 3600000\]/ });
opt('--mode fast', ['--mode', 'fast'], { refused: /^options\.mode must be "lockstep" or "realtime"/ });
opt('--agents nobody', ['--agents', 'nobody'], { refused: /^options\.agents names unknown agent "nobody"/ });
opt('--agents ,', ['--agents', ','], { refused: /^options\.agents must name at least one agent$/ });
opt('--source ftp', ['--source', 'ftp'], { refused: /^--source must be "file" or "kafka"/ });
opt('--brokers in file mode', ['--brokers', 'x:1'], { refused: /^--brokers applies to --source kafka only$/ });
opt('--fetch-max-wait in file mode', ['--fetch-max-wait', '100'], { refused: /^--fetch-max-wait applies to --source kafka only$/ });
opt('an unknown option', ['--colour', 'red'], { refused: /Unknown option '--colour'/ });
opt('a positional argument', ['extra'], { refused: /Unexpected argument 'extra'/ });

// ---- configurations ----
cfg('__proto__ under agents.fees.venues', '{"agents":{"fees":{"venues":{"__proto__":{"binance":0.5}}}}}', /^config\.agents\.fees\.venues\.__proto__ is not allowed/);
cfg('__proto__ at the top', '{"__proto__":{"killSwitch":true}}', /^config\.__proto__ is not allowed/);
cfg('constructor under limits', '{"limits":{"constructor":{"prototype":{"x":1}}}}', /^config\.limits\.constructor is not allowed/);
cfg('prototype under a venue fee', '{"agents":{"fees":{"venues":{"kraken":{"prototype":0.1}}}}}', /^config\.agents\.fees\.venues\.kraken\.prototype is not allowed/);
cfg('limits of 1e300', '{"limits":{"maxPositionUsd":1e300,"maxTotalExposureUsd":1e300}}', /^config\.limits\.maxPositionUsd must be a finite number no larger than/);
cfg('maxAgentErrors 0.5', '{"limits":{"maxAgentErrors":0.5}}', /^config\.limits\.maxAgentErrors must be an integer in \[1, 1000000\], got 0\.5$/);
cfg('maxYieldPositions 1.5', '{"limits":{"maxYieldPositions":1.5}}', /^config\.limits\.maxYieldPositions must be an integer/);
cfg('a negative threshold', '{"trigger":{"minLiquidationUsd":-5}}', /^config\.trigger\.minLiquidationUsd must be a number in \[0, 1000000000000\], got -5$/);
cfg('an agent setting of -1e300', '{"agents":{"risk":{"riskBudgetUsd":-1e300}}}', /^config\.agents\.risk\.riskBudgetUsd must be a finite number no larger than/);
cfg('a number as a string', '{"agents":{"yield":{"minApy":"5"}}}', /^config\.agents\.yield\.minApy must be a number, got "5"$/);
cfg('an array at the top', '[1,2]', /^config must be an object$/);
cfg('null at the top', 'null', /^config must be an object$/);
cfg('an unknown key', '{"limits":{"maxLeverage":3}}', /^config\.limits\.maxLeverage is not a known setting/);
cfg('not JSON', '{"limits":', /^options\.config: cannot read .*: /);
cfg('empty', '', /^options\.config: cannot read .*: /);
cases.push({ cls: 'configs', name: 'a directory', argv: ['--limit', '200', '--config', tmp], expect: { refused: /^options\.config: cannot read .*EISDIR/ } });

// ---- output paths ----
const inTheWay = file('x');
mkdirSync(join(tmp, 'a-dir'));
out('--decisions is a directory', ['--decisions', join(tmp, 'a-dir')], /^cannot write --decisions .*: is a directory$/);
out('--summary under a file', ['--summary', join(inTheWay, 's.json')], /^cannot write --summary .*: its folder .* cannot be made \(a file is in the way\)$/);
out('--dead-letters two levels under a file', ['--dead-letters', join(inTheWay, 'a', 'b', 'dl.jsonl')], /^cannot write --dead-letters .*: its folder .* cannot be made/);
out('--summary in an unwritable folder', ['--summary', process.getuid?.() === 0 ? '/sys/lucent-s.json' : '/proc/lucent-s.json'], /^cannot write --summary .*: (permission denied|read-only file system|its folder)/);
out('--decisions = --summary', ['--decisions', join(tmp, 'same'), '--summary', join(tmp, 'same'), '--dead-letters', '/dev/null'], /^--summary and --decisions name the same file/);
out('--decisions is the input', ['--fixture', named('in.jsonl', good), '--decisions', join(tmp, `${n}-in.jsonl`)], /^--decisions .* is the input: the run would overwrite it$/);
out('--decisions empty', ['--decisions', ''], /^--decisions must name a file$/);
out('--decisions on a full device', ['--limit', '5000', '--decisions', '/dev/full'], /^cannot write the decision log \/dev\/full: no space left on the device$/);

test('the hostile corpus: each case refused with one clear line, or accepted with its bad lines dead-lettered', async () => {
  const byClass = new Map<string, { tried: number; refused: number; accepted: number; deadLetters: number; wrong: number }>();
  const wrong: string[] = [];
  for (const c of cases) {
    const r = await run(c.argv);
    const k = byClass.get(c.cls) ?? { tried: 0, refused: 0, accepted: 0, deadLetters: 0, wrong: 0 };
    byClass.set(c.cls, k);
    k.tried++;
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    let problem = '';
    if (r.threw !== null) problem = `an exception escaped main(): ${(r.threw as Error).stack}`;
    else if (/\n\s+at /.test(r.stderr)) problem = `a stack trace on stderr:\n${r.stderr}`;
    else if ('refused' in c.expect) {
      const line = (lines[0] ?? '').replace(/^lucent-engine: /, '');
      if (lines[1] === 'Run with --help for the options.') lines.pop(); // a usage error's hint
      if (r.code === 0) problem = 'accepted, expected refused';
      else if (!c.expect.refused.test(line)) problem = `refused with "${line.slice(0, 300)}", expected ${c.expect.refused}`;
      else if (lines.length !== 1) problem = `${lines.length} lines on stderr`;
      else k.refused++;
    } else {
      const s = r.code === 0 ? JSON.parse(readFileSync(join(r.dir, 's.json'), 'utf8')) as { deadLetters: number; events: number } : null;
      if (s === null) problem = `refused (${r.code}): ${r.stderr.slice(0, 300)}`;
      else if (c.expect.deadLetters !== undefined && s.deadLetters !== c.expect.deadLetters) problem = `${s.deadLetters} dead letters, expected ${c.expect.deadLetters}`;
      else if (s.events === 0) problem = 'no events replayed';
      else { k.accepted++; k.deadLetters += s.deadLetters; }
      const dl = readFileSync(join(r.dir, 'dl.jsonl'), 'utf8');
      for (const l of dl.split('\n').filter((x) => x)) {
        const d = JSON.parse(l) as { reason: string };
        if (!(typeof d.reason === 'string' && d.reason.length > 0 && d.reason.length < 1100)) problem ||= `a dead letter without a bounded reason: ${l.slice(0, 200)}`;
      }
      if (dl.length > 64_000) problem ||= `dead letters of ${dl.length} bytes`;
    }
    if (r.stdout.length > 64_000) problem ||= `stdout of ${r.stdout.length} bytes`;
    if (problem) { k.wrong++; wrong.push(`${c.cls} / ${c.name}: ${problem}`); }
  }
  console.log(`  ${'class'.padEnd(14)} ${'tried'.padStart(5)} ${'refused'.padStart(8)} ${'accepted'.padStart(9)} ${'dead letters'.padStart(13)} ${'wrong'.padStart(6)}`);
  for (const [cls, k] of byClass) {
    console.log(`  ${cls.padEnd(14)} ${String(k.tried).padStart(5)} ${String(k.refused).padStart(8)} ${String(k.accepted).padStart(9)} ${String(k.deadLetters).padStart(13)} ${String(k.wrong).padStart(6)}`);
  }
  assert.equal(wrong, []);
  assert.ok(cases.length >= 60, `${cases.length} cases`);
});

test.run();
