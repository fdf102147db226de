// The warm-up leaves no agent thread running that the run does not use: when inline is chosen,
// every worker thread the threaded candidate started has exited before prepareDispatch returns;
// when threaded is chosen, the pool handed on is the only one alive, and its threads exit when it
// is destroyed; a warm-up that fails part-way takes its threads down with it. Threads are counted
// from Node's 'worker_threads' diagnostics channel (every Worker created in this process) and
// their 'exit' events.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dc from 'node:diagnostics_channel';
import type { Worker } from 'node:worker_threads';
import { kAgentNames } from '../workers/agents/index.ts';
import { loadDefaultTape } from '../bench/lib/tapes.ts';
import { kDefaultConfig } from './options.ts';
import { chooseDesign, kConfirmRounds, kCostMargin, kRealtimeInlineShare, kThreadedMargin, offeredNeedsThreads, offeredRate, predictCycle, prepareDispatch, threadsPay, warmCosts } from './warmup.ts';
import { kTapeTs, kTapeWidth, Tape } from '../protocol/tape.ts';
import { planShares } from './dispatch/topology.ts';

const base = await loadDefaultTape();
const opts = { agents: [...kAgentNames], config: kDefaultConfig, threads: 1, topology: undefined, wait: 'adaptive' as const, cycleTimeoutMs: 10_000 };

/** Every worker thread created from now on, and which have exited. */
function watchWorkers(): { started: () => number; alive: () => number; stop: () => void } {
  const workers: { w: Worker; exited: boolean }[] = [];
  const onWorker = (m: unknown): void => {
    const rec = { w: (m as { worker: Worker }).worker, exited: false };
    rec.w.once('exit', () => { rec.exited = true; });
    workers.push(rec);
  };
  dc.subscribe('worker_threads', onWorker);
  return {
    started: () => workers.length,
    alive: () => workers.filter((r) => !r.exited).length,
    stop: () => dc.unsubscribe('worker_threads', onWorker),
  };
}

/** The exit events land on the event loop: a few turns for them. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

test('inline chosen: the threaded candidate ran on worker threads, and none of them is alive when the warm-up returns', async () => {
  const w = watchWorkers();
  try {
    const passes: string[] = [];
    const p = await prepareDispatch(opts, base.registry, base.tape, { automatic: true, warm: true, threadedMargin: Infinity, onPass: (d) => passes.push(d) });
    assert.ok(passes.includes('threaded'), `passes: ${passes.join(', ')}`);
    assert.ok(w.started() >= 1, 'the threaded candidate started no worker thread');
    assert.is(p.report?.chosen, 'inline');
    assert.is(p.pool, undefined);
    assert.equal(p.shares.threads, []);
    await settle();
    assert.is(w.alive(), 0, `${w.alive()} of ${w.started()} worker thread(s) left running after inline was chosen`);
  } finally {
    w.stop();
  }
});

test('threaded chosen: only the pool handed on is alive, and destroying it ends its threads', async () => {
  const w = watchWorkers();
  try {
    const p = await prepareDispatch(opts, base.registry, base.tape, { automatic: true, warm: true, threadedMargin: 0, costMargin: 0 });
    assert.is(p.report?.chosen, 'threaded');
    assert.is(p.report?.why, 'rounds');
    assert.ok(p.pool !== undefined);
    assert.is(p.shares.threads.length, 1);
    await settle();
    assert.is(w.alive(), p.pool!.threads.length, 'worker threads alive beyond the pool handed on');
    await p.pool!.destroy();
    await settle();
    assert.is(w.alive(), 0);
  } finally {
    w.stop();
  }
});

test('a warm-up that fails after its threaded pass rejects and leaves no worker thread running', async () => {
  const w = watchWorkers();
  try {
    const err = await prepareDispatch(opts, base.registry, base.tape, {
      automatic: true, warm: true,
      onPass: (d) => { if (d === 'threaded') throw new Error('progress callback failed'); },
    }).then(() => null, (e: Error) => e);
    assert.ok(err !== null && /progress callback failed/.test(err.message), `rejection: ${String(err)}`);
    assert.ok(w.started() >= 1);
    await settle();
    assert.is(w.alive(), 0, `${w.alive()} worker thread(s) left running after the warm-up failed`);
  } finally {
    w.stop();
  }
});

test('the choice: threaded only when it beats inline by the margin in each of the confirming rounds', () => {
  assert.ok(kThreadedMargin > 1 && kConfirmRounds >= 2);
  const won = { inline: 100_000, threaded: 100_000 * kThreadedMargin };
  const lost = { inline: 100_000, threaded: 90_000 };
  // measured under load in one round: threaded kept, and its run spent twice the main thread's CPU per event
  assert.is(chooseDesign([{ inline: 56_328, threaded: 62_887 }]), 'inline');
  assert.is(chooseDesign(Array(kConfirmRounds).fill(won)), 'threaded');
  assert.is(chooseDesign([won, { inline: 100_000, threaded: 250_000 }]), 'threaded');
  assert.is(chooseDesign([won, lost]), 'inline');
  assert.is(chooseDesign([lost, won]), 'inline');
  assert.is(chooseDesign([won, { inline: 100_000, threaded: 105_000 }]), 'inline'); // a near tie keeps inline
  assert.is(chooseDesign([]), 'inline');
  assert.is(chooseDesign([{ inline: 0, threaded: 0 }, { inline: 0, threaded: 0 }]), 'inline');
  assert.is(chooseDesign([won, won], Infinity), 'inline');
  assert.is(chooseDesign([lost, lost], 0), 'threaded');
});

test('inline winning the first round ends the warm-up there: one inline and one threaded pass after the two that measure', async () => {
  const passes: string[] = [];
  const p = await prepareDispatch(opts, base.registry, base.tape, { automatic: true, warm: true, threadedMargin: Infinity, costMargin: 0, onPass: (d) => passes.push(d) });
  assert.equal(passes, ['inline', 'threaded', 'inline', 'threaded']);
  assert.is(p.report?.chosen, 'inline');
  assert.is(p.report?.why, 'rounds');
});

test('the cost gate: when the warm costs leave no thread worth its hand-off, inline is chosen after the third pass, with no round and no thread left', async () => {
  const w = watchWorkers();
  try {
    const passes: string[] = [];
    const p = await prepareDispatch(opts, base.registry, base.tape, { automatic: true, warm: true, costMargin: Infinity, threadedMargin: 0, onPass: (d) => passes.push(d) });
    assert.equal(passes, ['inline', 'threaded', 'inline']);
    assert.is(p.report?.chosen, 'inline');
    assert.is(p.report?.why, 'cost');
    assert.is(p.pool, undefined);
    assert.equal(p.shares.threads, []);
    assert.equal(p.shares.main, [...kAgentNames]);
    assert.ok(p.report!.handoffUs > 0, `hand-off ${p.report!.handoffUs}`);
    assert.ok(p.report!.predictedCycleUs.inline > 0, JSON.stringify(p.report!.predictedCycleUs));
    assert.equal(Object.keys(p.report!.agentCostUs).sort(), [...kAgentNames].sort());
    await settle();
    assert.is(w.alive(), 0, `${w.alive()} worker thread(s) left running after the cost gate chose inline`);
  } finally {
    w.stop();
  }
});

test('warm costs: the lower of the two passes per agent; an agent measured once keeps its figure', () => {
  const first = new Map([['a', 40], ['b', 3], ['c', 7]]);
  const later = new Map([['a', 5], ['b', 4], ['d', 2]]);
  assert.equal([...warmCosts(first, later)].sort(), [['a', 5], ['b', 3], ['c', 7], ['d', 2]]);
});

test('the cost gate: predicted cycles from the placement, and threads measured only when they shorten the cycle by the margin', () => {
  const agents = ['a', 'b', 'c', 'd'];
  // Warm costs and the hand-off measured on the 2-core machine under load (sum 27 µs, hand-off 89 µs): no agent goes to a thread.
  const costs = new Map([['a', 8], ['b', 7], ['c', 8], ['d', 4]]);
  const loaded = planShares(agents, 1, undefined, costs, 89);
  assert.equal(loaded.threads, []);
  assert.equal(predictCycle(agents, loaded, costs, 89), { inline: 27, threaded: 27 });
  assert.is(threadsPay(loaded, predictCycle(agents, loaded, costs, 89)), false);
  // A cheap hand-off (2 µs): the placement splits the agents, the predicted cycle is 27 / 15 = 1.8x shorter.
  const quiet = planShares(agents, 1, undefined, costs, 2);
  assert.ok(quiet.threads.length === 1, JSON.stringify(quiet));
  const pq = predictCycle(agents, quiet, costs, 2);
  assert.is(pq.inline, 27);
  assert.ok(pq.threaded < 27 / kCostMargin && pq.threaded >= 27 / 2, JSON.stringify(pq));
  assert.is(threadsPay(quiet, pq), true);
  assert.is(threadsPay(quiet, pq, Infinity), false);
  // A thread that saves too little: 10 % is the margin (a near tie keeps inline).
  assert.is(threadsPay(quiet, { inline: 27, threaded: 26 }), false);
  assert.is(threadsPay(quiet, { inline: 27, threaded: 26 }, 0), true);
  assert.is(threadsPay({ threads: [], main: agents }, { inline: 27, threaded: 1 }, 0), false); // nothing placed on a thread
  assert.is(threadsPay(quiet, { inline: 0, threaded: 0 }), false);
});

test('threaded is kept only after it won every confirming round', async () => {
  const passes: string[] = [];
  const p = await prepareDispatch(opts, base.registry, base.tape, { automatic: true, warm: true, threadedMargin: 0, costMargin: 0, onPass: (d) => passes.push(d) });
  assert.equal(passes, ['inline', 'threaded', ...Array(kConfirmRounds).fill(['inline', 'threaded']).flat()]);
  assert.is(p.report?.chosen, 'threaded');
  await p.pool?.destroy();
});

test('realtime at an offered rate above inline\'s headroom: every agent on the threads, by rate, on a live pool; a low rate keeps the other rules', async () => {
  const w = watchWorkers();
  try {
    const high = await prepareDispatch(opts, base.registry, base.tape, { automatic: true, warm: true, offeredPerSec: 1e9 });
    assert.is(high.report?.chosen, 'threaded');
    assert.is(high.report?.why, 'rate');
    assert.is(high.report?.offeredPerSec, 1e9);
    assert.equal(high.shares.main, [], 'the main thread keeps no agent when the rate needs it for ingest');
    assert.equal(high.shares.threads.flat().sort(), [...kAgentNames].sort());
    assert.ok(high.pool !== undefined);
    await settle();
    assert.is(w.alive(), high.pool!.threads.length, 'worker threads alive beyond the pool handed on');
    await high.pool!.destroy();
    await settle();
    assert.is(w.alive(), 0);
    // one event a second is far inside inline's headroom: the rate rule does not decide
    const low = await prepareDispatch(opts, base.registry, base.tape, { automatic: true, warm: true, offeredPerSec: 1 });
    assert.ok(low.report?.why !== 'rate', `why ${low.report?.why}`);
    assert.is(low.report?.offeredPerSec, 1);
    await low.pool?.destroy();
  } finally {
    w.stop();
  }
});

test('offeredNeedsThreads: above kRealtimeInlineShare of inline\'s rate, with a thread, a known positive rate', () => {
  assert.ok(offeredNeedsThreads(60_000, 100_000, 1));
  assert.not.ok(offeredNeedsThreads(100_000 * kRealtimeInlineShare, 100_000, 1)); // at the share: inline still
  assert.not.ok(offeredNeedsThreads(60_000, 100_000, 0)); // no thread to go to
  assert.not.ok(offeredNeedsThreads(null, 100_000, 1)); // unknown (live) or as fast as possible
  assert.not.ok(offeredNeedsThreads(0, 100_000, 1));
  assert.not.ok(offeredNeedsThreads(Number.POSITIVE_INFINITY, 100_000, 1));
  assert.not.ok(offeredNeedsThreads(Number.NaN, 100_000, 1));
  assert.not.ok(offeredNeedsThreads(60_000, 0, 1)); // inline measured nothing
});

test('offeredRate: --rate as given; at --speed the tape\'s own rate times the speed; null for lockstep, as fast as possible, or no span', () => {
  // 11 events 0.1 s apart: 10 intervals over 1 s, 10 events/s recorded
  const t = new Tape();
  for (let i = 0; i < 11; i++) t.rows[t.push() * kTapeWidth + kTapeTs] = 1_700_000_000_000_000 + i * 100_000;
  assert.is(offeredRate('realtime', 2_000, 0, t), 2_000);
  assert.is(offeredRate('realtime', 0, 100, t), 1_000);
  assert.is(offeredRate('realtime', 0, 1, t), 10);
  assert.is(offeredRate('realtime', 0, 0, t), null); // as fast as possible
  assert.is(offeredRate('lockstep', 2_000, 0, t), null);
  const flat = new Tape();
  for (let i = 0; i < 3; i++) flat.rows[flat.push() * kTapeWidth + kTapeTs] = 5;
  assert.is(offeredRate('realtime', 0, 10, flat), null); // every event at one instant: no span
});

test.run();
