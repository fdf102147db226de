// The learning loop's parts without the engine: the tracker's windows and triggers, the ridge
// fit (it recovers known parameters), validation against targets and the time budget, the job and
// result checks, and the parameter host driven through its comlink control plane.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ParamHost, type ParamVersion } from '../../workers/agents/index.ts';
import { kFeatureNames } from '../../workers/agents/index.ts';
import { checkLearningConfig, kDefaultLearningConfig } from '../learning_config.ts';
import { openControlPlane } from './control_plane.ts';
import { fitRidge, runFit, scoreTheta, type Sample } from './fit.ts';
import { jobProblem, resultProblem, type RetrainingJob } from './jobs.ts';
import { PerformanceTracker, Window } from './tracker.ts';

/** A seeded generator (mulberry32) and a normal draw: fixed data every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function samples(n: number, theta: number[], noise: number, seed: number): Sample[] {
  const r = prng(seed);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const f = [1, -0.1 + 0.05 * r(), 0.3 * r()];
    const e = (r() + r() + r() - 1.5) * noise;
    out.push({ features: f, actualReturnPct: theta[0]! * f[0]! + theta[1]! * f[1]! + theta[2]! * f[2]! + e });
  }
  return out;
}

function job(over: Partial<RetrainingJob> = {}): RetrainingJob {
  return {
    jobId: 'a.job-1', agent: 'portfolio_rebalancer', strategy: 'rebalance', reason: 'test', requestedTs: 1_723_075_200_000_000, replyTo: 'engine',
    data: { store: '/tmp/x.log', stream: 'agent-performance-portfolio_rebalancer', training: { fromRevision: 0, toRevision: 99 }, validation: { fromRevision: 100, toRevision: 139 } },
    hyperparameters: { method: 'ridge_least_squares', ridge: 1e-6, features: [...kFeatureNames], seed: 1, timeBudgetMs: 2000, minSamples: 30, successTolerancePct: 0.1 },
    targets: { minSuccess: 0.75, maxReturnErrorPct: 0.1, maxLatencyMs: 100 },
    baseline: { version: 0, theta: [0, 1, 0] }, version: 1, ...over,
  };
}

test('a window keeps the last N outcomes: success rate and mean error', () => {
  const w = new Window(4);
  for (const [ok, e] of [[true, 0.1], [false, 0.3], [true, 0.2], [true, 0.2], [false, 0.5]] as const) w.add(ok, e);
  // the first (true, 0.1) fell out
  assert.is(w.count, 4);
  assert.is(w.successRate, 0.5);
  assert.ok(Math.abs(w.meanErrorPct - 0.3) < 1e-12);
});

test('the tracker asks for retraining below minSuccess or above maxErrorPct, once the window has minOutcomes', () => {
  const t = new PerformanceTracker({ window: 10, minOutcomes: 5, minSuccess: 0.7, maxErrorPct: 0.15 });
  for (let i = 0; i < 4; i++) assert.is(t.add('a', 's', false, 1).retrain, false, 'too few outcomes yet');
  const v = t.add('a', 's', false, 1);
  assert.is(v.retrain, true);
  assert.match(v.reason, /success 0\.000 < 0\.7, return error 1\.0000 > 0\.15/);
  const u = new PerformanceTracker({ window: 10, minOutcomes: 5, minSuccess: 0.7, maxErrorPct: 0.15 });
  for (let i = 0; i < 10; i++) u.add('a', 's', true, 0.05);
  assert.is(u.verdict(u.window('a', 's')).retrain, false, 'healthy');
  for (let i = 0; i < 4; i++) u.add('a', 's', false, 0.05);
  assert.is(u.verdict(u.window('a', 's')).retrain, true, '6/10 < 0.7');
  // strategies are tracked apart, the agent's window holds them all
  u.add('a', 'other', true, 0.01);
  assert.is(u.window('a', 'other').count, 1);
  assert.is(u.agentWindow('a').count, 10);
  u.reset('a');
  assert.is(u.window('a', 's').count, 0);
});

test('the ridge fit recovers known parameters; its validation says how it did against the targets', () => {
  const truth = [-0.02, 1, -1];
  const fitted = fitRidge(samples(400, truth, 0.02, 7), 1e-9, [0, 1, 0]);
  fitted.forEach((v, k) => assert.ok(Math.abs(v - truth[k]!) < 0.05, `θ${k} = ${v}, truth ${truth[k]}`));
  const s = scoreTheta(truth, samples(100, truth, 0.02, 8), 0.1);
  assert.is(s.successRate, 1);
  assert.ok(s.meanErrorPct < 0.02);
  const ok = runFit(job(), samples(100, truth, 0.02, 9), samples(40, truth, 0.02, 10), 'unit');
  assert.is(ok.status, 'succeeded', ok.reason);
  assert.ok(ok.validation!.meanErrorPct < ok.validation!.baselineMeanErrorPct, 'beats the baseline on held-out data');
  // pure noise the features cannot explain: the fit misses the error target and is reported failed
  const noisy = runFit(job(), samples(100, truth, 2, 11), samples(40, truth, 2, 12), 'unit');
  assert.is(noisy.status, 'failed');
  assert.match(noisy.reason, /validation missed the targets: .*return error/);
  assert.ok(noisy.theta !== null, 'the failed fit is still reported with its parameters');
  // a fit past its time budget fails
  const slow = runFit(job({ hyperparameters: { ...job().hyperparameters, timeBudgetMs: 1e-6 } }), samples(100, truth, 0.02, 9), samples(40, truth, 0.02, 10), 'unit');
  assert.is(slow.status, 'failed');
  assert.match(slow.reason, /past its time budget of 0\.000001 ms/);
  const few = runFit(job(), samples(10, truth, 0.02, 9), samples(40, truth, 0.02, 10), 'unit');
  assert.match(few.reason, /too few outcomes: 10 to train/);
});

test('jobs, results and the configuration are checked, with messages that name the field', () => {
  assert.is(jobProblem(job()), null);
  assert.match(jobProblem({ ...job(), version: 0 })!, /job\.version/);
  assert.match(jobProblem({ ...job(), data: { ...job().data, training: { fromRevision: 5, toRevision: 2 } } })!, /job\.data\.training/);
  assert.match(jobProblem({ ...job(), hyperparameters: { ...job().hyperparameters, method: 'magic' } })!, /method must be "ridge_least_squares"/);
  assert.match(resultProblem({ jobId: 'x', agent: 'a', reason: '', trainer: 't', status: 'maybe', version: 1, fitMs: 1, latencyMs: 0 })!, /result\.status/);
  assert.match(resultProblem({ jobId: 'x', agent: 'a', reason: '', trainer: 't', status: 'succeeded', version: 1, fitMs: 1, latencyMs: 0, theta: [NaN] })!, /result\.theta/);
  assert.throws(() => checkLearningConfig({ ...kDefaultLearningConfig, maxErrorPct: 0 }), /config\.learning\.maxErrorPct/);
  assert.throws(() => checkLearningConfig({ ...kDefaultLearningConfig, trainer: 'x' as 'bus' }), /config\.learning\.trainer/);
  assert.throws(() => checkLearningConfig({ ...kDefaultLearningConfig, trainingOutcomes: 20 }), /no job could ever train/);
});

test('parameter changes go through the comlink control plane and apply only at a cycle boundary', async () => {
  const host = new ParamHost(['a', 'b'], 0);
  const plane = openControlPlane(host);
  try {
    const v1: ParamVersion = { agent: 'a', version: 1, theta: [0.1, 1, -1], source: 'a.job-1', data: null, validation: null, validatedTs: 5 };
    assert.is(await plane.remote.stage({ op: 'shadow', version: v1 }), 1);
    assert.is(host.shadow('a'), null, 'not before the boundary');
    let ch = host.applyStaged();
    assert.equal(ch.map((c) => [c.op, c.applied]), [['shadow', true]]);
    assert.equal(Array.from(host.shadow('a')!), [0.1, 1, -1]);
    assert.equal(Array.from(host.active('a')), [0, 1, 0]);
    const before = host.active('a');
    await plane.remote.stage({ op: 'promote', agent: 'a', version: 1 });
    assert.is(host.active('a'), before, 'the active parameters are the same object until the boundary');
    ch = host.applyStaged();
    assert.equal(ch[0], { op: 'promote', agent: 'a', applied: true, reason: 'promoted', from: 0, to: 1, version: 1 });
    assert.equal(Array.from(host.active('a')), [0.1, 1, -1]);
    assert.is(host.shadow('a'), null);
    // a promote of a version not on trial is refused (said, not thrown)
    await plane.remote.stage({ op: 'promote', agent: 'a', version: 7 });
    assert.equal(host.applyStaged().map((c) => [c.applied, c.reason]), [[false, 'version 7 is not on trial']]);
    // rollback restores the previous version; a second has nothing to go back to
    await plane.remote.stage({ op: 'rollback', agent: 'a' });
    await plane.remote.stage({ op: 'rollback', agent: 'a' });
    ch = host.applyStaged();
    assert.equal(ch.map((c) => [c.op, c.applied, c.from, c.to]), [['rollback', true, 1, 0], ['rollback', false, 0, 0]]);
    assert.equal(Array.from(host.active('a')), [0, 1, 0]);
    assert.equal(host.describe('a').previous, []);
    // malformed commands are refused at the control plane, with the reason
    const refused = async (f: () => Promise<unknown>): Promise<string> => {
      try { await f(); } catch (err) { return (err as Error).message; }
      return 'not refused';
    };
    assert.match(await refused(() => plane.remote.stage({ op: 'shadow', version: { ...v1, theta: [1, 2] } })), /theta must have 3 entries/);
    assert.match(await refused(() => plane.remote.stage({ op: 'rollback', agent: 'zz' })), /unknown agent "zz"/);
    assert.is(host.staged, 0);
  } finally {
    plane.close();
  }
});

test.run();
