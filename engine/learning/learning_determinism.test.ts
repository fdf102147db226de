// The learning loop in lockstep, fits run inline (no broker): every executed action gets one
// outcome at its horizon (open pool positions a second one at the end of the run), flat
// arbitrage realises exactly what it expected, and two runs of the same fixture (inline agents,
// then two agent threads) write the same outcomes, jobs, fits, promotions and decisions, byte for
// byte. The decisions are those of the run without the loop up to the promotion; from then on the
// rebalancer weighs the fitted cost and decides differently.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runEngine } from '../engine.ts';
import { kDefaultLearningConfig } from '../learning_config.ts';
import { kDefaultConfig, resolveOptions } from '../options.ts';
import { exportLogStream } from '../sinks/event_store/export.ts';
import { writeRegimeFixture } from './testing/regime_fixture.ts';

const { fixture, dir } = await writeRegimeFixture();
const learningAgents = ['yield_hunter', 'risk_assessor', 'arbitrage_detector', 'portfolio_rebalancer', 'liquidity_optimizer', 'market_analyzer', 'execution_optimizer'];

async function run(name: string, threads: number, learning: boolean): Promise<{ decisions: string; sha: string; streams: Record<string, string>; trail: Record<string, string>; summary: Awaited<ReturnType<typeof runEngine>> }> {
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  const store = join(dir, 'events.log'); // the same path every run: the jobs name it
  rmSync(store, { force: true });
  const o = resolveOptions({
    fixture, threads, learning, eventStore: store, decisions: join(out, 'd.jsonl'), summary: null, deadLetters: null, progress: false,
    config: { ...kDefaultConfig, learning: { ...kDefaultLearningConfig, trainer: 'inline' } },
  });
  const summary = await runEngine(o);
  const streams: Record<string, string> = {};
  const trail: Record<string, string> = {}; // the run's own streams, in the store the loop shares
  if (learning) {
    for (const s of ['decisions', 'outcomes']) {
      let text = '';
      exportLogStream(store, s, (t) => { text += t; });
      trail[s] = text;
    }
    for (const s of ['control', ...learningAgents.map((a) => `agent-performance-${a}`)]) {
      let text = '';
      exportLogStream(store, s, (t) => { text += t; });
      streams[s] = text;
    }
  }
  return { decisions: readFileSync(join(out, 'd.jsonl'), 'utf8'), sha: summary.decisionLogSha256, streams, trail, summary };
}

const a = await run('a', 0, true);

test('every executed action of the run has one outcome at its horizon; open positions are marked again at the end', () => {
  const executed = a.decisions.trim().split('\n').map((l) => JSON.parse(l)).filter((d) => d.fill !== null && d.status === 'approved' && d.sizeUsd > 0);
  const outcomes = Object.entries(a.streams).filter(([s]) => s.startsWith('agent-performance-'))
    .flatMap(([, t]) => t.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  const atHorizon = outcomes.filter((o) => o.mark === 'horizon');
  assert.is(atHorizon.length, executed.length, 'one horizon outcome per executed action');
  assert.equal(new Set(atHorizon.map((o) => o.key)), new Set(executed.map((d) => d.key)));
  for (const o of atHorizon) assert.ok(o.markTs >= o.ts + kDefaultLearningConfig.horizonUs || o.markTs === Math.max(...outcomes.map((x) => x.markTs)), `${o.key} marked at its horizon`);
  const open = atHorizon.filter((o) => o.open);
  assert.ok(open.length > 0, 'pool positions (supply, liquidity, carries) are open');
  const ends = outcomes.filter((o) => o.mark === 'end_of_run' && o.open);
  assert.equal(new Set(ends.map((o) => o.key)), new Set(open.map((o) => o.key)), 'each open position marked again at the end of the run');
  // a flat arbitrage realises its expected profit at once: actual = stated
  const flat = atHorizon.filter((o) => o.strategy === 'arbitrage_cross_exchange' || o.strategy === 'arbitrage_triangular');
  assert.ok(flat.length > 50);
  for (const o of flat) assert.ok(Math.abs(o.actualReturnPct - o.statedReturnPct) < 1e-6, `${o.key}: ${o.actualReturnPct} vs ${o.statedReturnPct}`);
  // a rebalance trade pays its fee and half the spread: on average it returns less than −fee
  const rebal = atHorizon.filter((o) => o.strategy === 'rebalance');
  const mean = rebal.reduce((s, o) => s + o.actualReturnPct, 0) / rebal.length;
  assert.ok(mean < -0.1, `mean rebalance return ${mean} % is below the 0.1 % taker fee`);
  for (const o of rebal) assert.ok(o.feesUsd > 0 && o.costsUsd > 0, `${o.key} paid fees and costs`);
});

test('with --learning the run\'s trail shares the store: its decisions (the decision log, byte for byte) and outcomes beside the loop\'s streams', () => {
  assert.ok(a.summary.sinks?.eventStore, 'the run\'s event store is on with --learning');
  assert.is(a.trail.decisions, a.decisions, 'the decisions stream exports as the decision log');
  const executed = a.decisions.trim().split('\n').map((l) => JSON.parse(l)).filter((d) => d.fill !== null);
  const outcomes = a.trail.outcomes!.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.ok(executed.length > 0);
  assert.equal(outcomes.map((o) => o.decision), executed.map((d) => d.key), 'one outcome per executed decision, in order');
  assert.ok(Object.values(a.streams).some((t) => t.length > 0), 'and the loop\'s agent-performance and control streams');
});

test('the loop ran: the rebalancer degraded, a job was fitted, its shadow won and was promoted', () => {
  const control = a.streams.control!.trim().split('\n').map((l) => JSON.parse(l));
  const r = a.summary.learning!.find((x) => x.agent === 'portfolio_rebalancer')!;
  assert.ok(r.jobs >= 1 && r.promotions >= 1, JSON.stringify(r));
  assert.ok(control.some((e) => e.jobId === 'portfolio_rebalancer.job-1' && e.status === 'succeeded'));
  assert.ok(control.some((e) => e.op === 'promote' && e.applied && e.agent === 'portfolio_rebalancer' && e.active.version === 1 && e.previous.includes(0)));
  assert.ok(r.after!.errorPct < kDefaultLearningConfig.targets.maxReturnErrorPct, `error after ${r.after!.errorPct}`);
});

test('the same fixture gives the same outcomes, jobs, fits, promotions and decisions, byte for byte (inline and two agent threads)', async () => {
  const b = await run('b', 2, true);
  assert.is(b.sha, a.sha);
  assert.ok(b.decisions === a.decisions, 'the decision logs differ between inline agents and two agent threads');
  for (const s of Object.keys(a.streams)) assert.ok(a.streams[s] === b.streams[s], `stream ${s} differs between runs`);
  assert.ok(a.streams.control!.length > 1000);
});

test('the promoted parameters change the rebalancer\'s decisions from the promotion on, and nothing before it', async () => {
  const c = await run('c', 0, false);
  assert.ok(c.sha !== a.sha, 'the learned model changed decisions');
  const control = a.streams.control!.trim().split('\n').map((l) => JSON.parse(l));
  const promote = control.find((e) => e.op === 'promote' && e.applied && e.agent === 'portfolio_rebalancer');
  const promotedUs = promote.ts as number;
  const on = a.decisions.trim().split('\n'), off = c.decisions.trim().split('\n');
  const ts = (l: string): number => (JSON.parse(l) as { ts: number }).ts;
  const n = off.findIndex((l) => ts(l) > promotedUs);
  assert.ok(n > 1000, `decisions before the promotion: ${n}`);
  assert.equal(on.slice(0, n), off.slice(0, n), 'the same decisions up to the promotion');
  // the first difference is the rebalancer's, at a cycle after the promotion
  const first = on.findIndex((l, i) => l !== off[i]);
  assert.ok(first >= n, `first difference at ${first}`);
  const d = JSON.parse(on[first] ?? off[first]!) as { agent: string; ts: number };
  const e = JSON.parse(off[first] ?? on[first]!) as { agent: string; ts: number };
  assert.ok(d.agent === 'portfolio_rebalancer' || e.agent === 'portfolio_rebalancer', `first difference: ${on[first]} vs ${off[first]}`);
  const rebal = (ls: string[]): number => ls.filter((l) => ts(l) > promotedUs && (JSON.parse(l) as { agent: string }).agent === 'portfolio_rebalancer').length;
  assert.ok(rebal(on) < rebal(off), `rebalance decisions after the promotion: ${rebal(on)} with the fitted cost, ${rebal(off)} without`);
  const traded = (ls: string[]): number => ls.map((l) => JSON.parse(l) as { agent: string; ts: number; status: string; sizeUsd: number })
    .filter((x) => x.ts > promotedUs && x.agent === 'portfolio_rebalancer' && x.status === 'approved').reduce((t, x) => t + x.sizeUsd, 0);
  console.log(`learning swap: after the promotion the rebalancer made ${rebal(on)} decisions trading ${(traded(on) / 1e6).toFixed(2)} M USD with the fitted cost, ${rebal(off)} trading ${(traded(off) / 1e6).toFixed(2)} M USD without`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
