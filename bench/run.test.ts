// The runner's argument checks (messages name the flag) and result file names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRunnerArgs, timestampName } from './run.ts';

test('defaults and flags', () => {
  const a = parseRunnerArgs([]);
  assert.is(a.quick, false);
  assert.equal(a.only, []);
  assert.ok(a.out.endsWith('bench/results'));
  const b = parseRunnerArgs(['--quick', '--only', 'handoff,memory', '--out', '/tmp/x', '--opt', 'recordingSeconds=30']);
  assert.is(b.quick, true);
  assert.equal(b.only, ['handoff', 'memory']);
  assert.is(b.out, '/tmp/x');
  assert.equal(b.opts, ['recordingSeconds=30']);
  const c = parseRunnerArgs(['--compare', 'a.json', 'b.json']);
  assert.equal(c.compare, ['a.json', 'b.json']);
});

test('bad arguments are rejected with the flag named', () => {
  assert.throws(() => parseRunnerArgs(['--only', 'nope']), /--only names unknown scenario "nope"/);
  assert.throws(() => parseRunnerArgs(['--compare', 'a.json']), /--compare needs two result files/);
  assert.throws(() => parseRunnerArgs(['--opt', 'novalue']), /--opt must be key=value/);
  assert.throws(() => parseRunnerArgs(['stray']), /unexpected argument/);
});

test('timestampName has no colons', () => {
  assert.is(timestampName(new Date('2026-11-28T07:01:02.345Z')), '2026-11-28T07-01-02');
});

test.run();
