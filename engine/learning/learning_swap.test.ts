// Parameters swapped into a running agent on its own thread: the portfolio rebalancer runs on an
// agent thread (--threads 1) while the engine installs a version at a cycle boundary and later
// rolls it back. The version (θ = [−1e4, 0, 0]: every trade predicted to lose far more than any
// rebalance is worth) reaches the thread through the agent's parameter region, and the thread's
// decisions change from the next cycle: no rebalance while it is active, where the run without the
// swap rebalances; before it the decision log is the same byte for byte; after the rollback the
// agent's own cost model is back and it rebalances again. The learning loop itself is quiet here
// (its triggers are set out of reach), so only these two commands change parameters.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runEngine } from '../engine.ts';
import { kDefaultLearningConfig } from '../learning_config.ts';
import { kDefaultConfig, resolveOptions } from '../options.ts';
import { exportLogStream } from '../sinks/event_store/export.ts';
import type { LearningRun } from './setup.ts';
import type { Outcome } from './outcomes.ts';
import { writeRegimeFixture } from './testing/regime_fixture.ts';

const { fixture, dir } = await writeRegimeFixture();
const kAgent = 'portfolio_rebalancer';
const kPromoteAfterS = 250;
const kRollbackAfterS = 420;

interface Decision { key: string; ts: number; agent: string; kind: string; status: string }

async function run(name: string, swap: boolean): Promise<{ lines: string[]; decisions: Decision[]; promotedUs: number; rolledBackUs: number; control: Record<string, unknown>[] }> {
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  const store = join(out, 'events.log');
  const o = resolveOptions({
    fixture, threads: 1, learning: true, eventStore: store, decisions: join(out, 'd.jsonl'), summary: null, deadLetters: null, progress: false,
    config: { ...kDefaultConfig, learning: { ...kDefaultLearningConfig, trainer: 'inline', minSuccess: 0, maxErrorPct: 100 } },
  });
  let learning: LearningRun | null = null;
  let t0 = NaN, promotedUs = NaN, rolledBackUs = NaN;
  const onOutcome = (x: Outcome): void => {
    if (!swap || learning === null) return;
    if (t0 !== t0) t0 = x.ts;
    // staged from the cycle boundary's outcome marks: applied (and installed) at the end of that boundary
    if (promotedUs !== promotedUs && x.markTs >= t0 + kPromoteAfterS * 1e6) {
      promotedUs = x.markTs;
      learning.host.stage({ op: 'shadow', version: { agent: kAgent, version: 7, theta: [-1e4, 0, 0], source: 'test', data: null, validation: null, validatedTs: x.markTs } });
      learning.host.stage({ op: 'promote', agent: kAgent, version: 7 });
    } else if (promotedUs === promotedUs && rolledBackUs !== rolledBackUs && x.markTs >= t0 + kRollbackAfterS * 1e6) {
      rolledBackUs = x.markTs;
      learning.host.stage({ op: 'rollback', agent: kAgent });
    }
  };
  await runEngine(o, { learning: { onOutcome, onStart: (r) => { learning = r; } } });
  const text = readFileSync(join(out, 'd.jsonl'), 'utf8');
  const lines = text.trim().split('\n');
  let c = '';
  exportLogStream(store, 'control', (t) => { c += t; });
  const control = c.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines, decisions: lines.map((l) => JSON.parse(l) as Decision), promotedUs, rolledBackUs, control };
}

const base = await run('base', false);
const swapped = await run('swapped', true);

const rebalances = (ds: Decision[], from: number, to: number): number =>
  ds.filter((d) => d.agent === kAgent && d.status === 'approved' && d.ts > from && d.ts <= to).length;

test('the swap was applied at a cycle boundary and rolled back, both audited with the versions', () => {
  assert.ok(swapped.promotedUs === swapped.promotedUs && swapped.rolledBackUs > swapped.promotedUs, `promoted at ${swapped.promotedUs}, rolled back at ${swapped.rolledBackUs}`);
  const changes = swapped.control.filter((e) => e.agent === kAgent && (e.op === 'promote' || e.op === 'rollback'));
  assert.equal(changes.map((e) => [e.op, e.applied, e.from, e.to]), [['promote', true, 0, 7], ['rollback', true, 7, 0]]);
  assert.equal(changes.map((e) => e.ts), [swapped.promotedUs, swapped.rolledBackUs]);
});

test('before the swap the decisions are the same byte for byte', () => {
  const n = base.decisions.findIndex((d) => d.ts > swapped.promotedUs);
  assert.ok(n > 100, `decisions before the swap: ${n}`);
  assert.ok(rebalances(base.decisions, -Infinity, swapped.promotedUs) > 0, 'the rebalancer rebalanced before the swap');
  assert.equal(swapped.lines.slice(0, n), base.lines.slice(0, n));
});

test('the agent thread stops rebalancing under the installed version, where the run without it rebalances', () => {
  const inBase = rebalances(base.decisions, swapped.promotedUs, swapped.rolledBackUs);
  const inSwapped = rebalances(swapped.decisions, swapped.promotedUs, swapped.rolledBackUs);
  assert.ok(inBase > 0, `rebalances without the swap in that window: ${inBase}`);
  assert.is(inSwapped, 0, `rebalances under version 7: ${inSwapped}`);
  // the other agents still decide in that window: the thread ran, only the rebalancer's rule changed
  assert.ok(swapped.decisions.some((d) => d.agent !== kAgent && d.ts > swapped.promotedUs && d.ts <= swapped.rolledBackUs));
});

test('after the rollback the agent\'s own cost model is back: it rebalances again', () => {
  const after = rebalances(swapped.decisions, swapped.rolledBackUs, Infinity);
  assert.ok(after > 0, `rebalances after the rollback: ${after}`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
