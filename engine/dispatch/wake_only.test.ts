// A wake-only cycle (the arbitrage detector woken by a leg of its routes) runs only the arbitrage
// detector, wherever it lives: inline, in the main share or on its thread. A thread holding no
// woken agent is not woken (its request word and done counter stay), its agents and the main
// share's keep their last full cycle, and consolidation does not count them as missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { ctlThreadDone, ctlThreadReq, kThrReqCycle, kThrReqFull } from '../../protocol/layout.ts';
import { loadFixture } from '../source/file/fixture_reader.ts';
import { reserveDerivedSlots } from '../state/derived_slots.ts';
import { buildPipeline, type Pipeline } from '../pipeline.ts';
import { resolveOptions } from '../options.ts';
import { DecisionLog } from '../sinks/decision_log.ts';
import { kTestFixture } from '../testing/run_fixture.ts';

async function pipeline(threads: number, topology?: string): Promise<Pipeline> {
  const registry = new InstrumentRegistry();
  await loadFixture(kTestFixture, registry, { limit: 2000 });
  reserveDerivedSlots(registry);
  registry.freeze();
  const o = resolveOptions({ fixture: kTestFixture, threads, ...(topology ? { topology } : {}), wait: 'block', progress: false, cycleTimeoutMs: 5000 });
  return buildPipeline(o, registry, new DecisionLog(null));
}

/** Each agent's published cycle, after reading its region. */
function published(p: Pipeline): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of p.readers) { r.read(); out[r.name] = r.cycle; }
  return out;
}

const kTs = 1_723_075_200_000_000;

test('threads: a wake runs the arbitrage detector alone on its thread; the other thread and the main share are not woken', async () => {
  const p = await pipeline(2, 'main:risk_assessor;arbitrage_detector,yield_hunter;liquidity_optimizer,market_analyzer,portfolio_rebalancer,execution_optimizer');
  const d = p.dispatcher, ctl = p.arrays.ctl;
  await d.start();
  try {
    assert.ok(d.awaitCycle(d.request(kTs, false)), 'full cycle 1');
    p.consolidator.consolidate(1, 1, kTs, d.fullThrough(1));
    assert.ok(d.awaitCycle(d.request(kTs + 1, true)), 'wake 2');
    assert.ok(d.awaitCycle(d.request(kTs + 2, true)), 'wake 3');
    const after = published(p);
    assert.is(after.arbitrage_detector, 3);
    for (const a of ['risk_assessor', 'yield_hunter', 'liquidity_optimizer', 'market_analyzer', 'portfolio_rebalancer', 'execution_optimizer']) {
      assert.is(after[a], 1, `${a} did not run in the wakes`);
    }
    assert.is(Atomics.load(ctl, ctlThreadReq(1) + kThrReqCycle), 1, 'thread 1 was not asked for the wakes');
    assert.is(Atomics.load(ctl, ctlThreadDone(1)), 1);
    assert.is(Atomics.load(ctl, ctlThreadReq(0) + kThrReqCycle), 3, 'thread 0 was');
    assert.is(Atomics.load(ctl, ctlThreadReq(0) + kThrReqFull), 1, 'as wakes');
    assert.is(d.completed(), 3, 'the untouched thread does not hold completion back');
    assert.is(d.fullThrough(3), 1);
    p.consolidator.consolidate(3, 3, kTs + 2, d.fullThrough(3));
    assert.is(p.stats.cyclesMissingAgents, 0, 'the agents a wake does not run are not missing');
    assert.ok(d.awaitCycle(d.request(kTs + 3, false)), 'full cycle 4');
    assert.equal(new Set(Object.values(published(p))), new Set([4]), 'a full cycle runs everyone again');
    p.consolidator.consolidate(4, 4, kTs + 3, d.fullThrough(4));
    assert.is(p.stats.cyclesMissingAgents, 0);
  } finally {
    await d.stop();
  }
});

test('inline: a wake runs only the arbitrage detector', async () => {
  const p = await pipeline(0);
  const d = p.dispatcher;
  await d.start();
  d.request(kTs, false);
  d.request(kTs + 1, true);
  const after = published(p);
  assert.is(after.arbitrage_detector, 2);
  for (const [a, c] of Object.entries(after)) if (a !== 'arbitrage_detector') assert.is(c, 1, a);
  assert.is(d.fullThrough(2), 1);
  p.consolidator.consolidate(1, 1, kTs, 1);
  p.consolidator.consolidate(2, 2, kTs + 1, d.fullThrough(2));
  assert.is(p.stats.cyclesMissingAgents, 0);
  await d.stop();
});

test.run();
