// Replacing a dead agent thread is one operation however many callers ask for it (a Kafka lane's
// pump and its flush both do): every caller returns only once the replacement is in its loop. A
// caller that returned earlier would let the step request a cycle the new thread cannot see yet;
// the step then blocks on it (and, the main thread being blocked, Piscina cannot even hand the new
// thread its task), so each such cycle is missed after the full cycle deadline.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { loadFixture } from '../source/file/fixture_reader.ts';
import { reserveDerivedSlots } from '../state/derived_slots.ts';
import { buildPipeline } from '../pipeline.ts';
import { resolveOptions } from '../options.ts';
import { DecisionLog } from '../sinks/decision_log.ts';
import { kTestFixture } from '../testing/run_fixture.ts';

test('two concurrent supervise() calls: both wait until the replaced thread runs; the next cycle completes', async () => {
  const registry = new InstrumentRegistry();
  await loadFixture(kTestFixture, registry, { limit: 2000 });
  reserveDerivedSlots(registry);
  registry.freeze();
  const topology = 'risk_assessor,market_analyzer;arbitrage_detector,yield_hunter,liquidity_optimizer,portfolio_rebalancer,execution_optimizer';
  const o = resolveOptions({ fixture: kTestFixture, topology, threads: 2, wait: 'block', progress: false, cycleTimeoutMs: 3000 });
  const errors: string[] = [];
  const p = buildPipeline(o, registry, new DecisionLog(null), { crashAt: { agent: 'yield_hunter', cycle: 3, how: 'exit' }, onThreadError: (_t, err) => errors.push(err.message) });
  const d = p.dispatcher;
  await d.start();
  try {
    const ok: boolean[] = [];
    for (let i = 0; i < 3; i++) ok.push(d.awaitCycle(d.request(i + 1)));
    assert.equal(ok, [true, true, false], 'the thread died in cycle 3');
    assert.ok(d.lost());
    const first = d.supervise();
    const second = d.supervise();
    await second; // either caller: the replacement is running when it returns
    const c = d.request(4);
    assert.ok(d.awaitCycle(c), 'the cycle after the replacement completes at once');
    assert.equal([await first, await second], [1, 1], 'one replacement, reported to both');
    assert.is(d.restarts, 1);
    assert.is(errors.length, 1, errors.join('; '));
  } finally {
    await d.stop();
  }
});

test.run();
