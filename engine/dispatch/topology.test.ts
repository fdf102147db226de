// Agent-to-thread topology: round robin over a thread count, an explicit spec, and its errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OptionError } from '../../protocol/errors.ts';
import { kMaxThreads } from '../../protocol/layout.ts';
import { planTopology } from './topology.ts';

const agents = ['yield_hunter', 'risk_assessor', 'arbitrage_detector', 'portfolio_rebalancer'];

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    assert.instance(err, OptionError);
    return (err as Error).message;
  }
  assert.unreachable('expected an OptionError');
  return '';
}

test('round robin: agent i goes to thread i mod n', () => {
  assert.equal(planTopology(agents, 1), [agents]);
  assert.equal(planTopology(agents, 2), [['yield_hunter', 'arbitrage_detector'], ['risk_assessor', 'portfolio_rebalancer']]);
  assert.equal(planTopology(agents, 3), [['yield_hunter', 'portfolio_rebalancer'], ['risk_assessor'], ['arbitrage_detector']]);
  assert.equal(planTopology(agents, 4), agents.map((a) => [a]));
});

test('more threads than agents: one agent per thread, no empty thread', () => {
  assert.equal(planTopology(agents, 8), agents.map((a) => [a]));
  assert.equal(planTopology(['yield_hunter'], kMaxThreads), [['yield_hunter']]);
});

test('threads 0: inline (no threads)', () => {
  assert.equal(planTopology(agents, 0), []);
});

test('an explicit spec: threads by ";", agents by ",", spaces ignored; it wins over the count', () => {
  assert.equal(planTopology(agents, 1, 'yield_hunter,risk_assessor;arbitrage_detector,portfolio_rebalancer'),
    [['yield_hunter', 'risk_assessor'], ['arbitrage_detector', 'portfolio_rebalancer']]);
  assert.equal(planTopology(agents, 4, ' arbitrage_detector ; yield_hunter , risk_assessor,portfolio_rebalancer '),
    [['arbitrage_detector'], ['yield_hunter', 'risk_assessor', 'portfolio_rebalancer']]);
  assert.equal(planTopology(agents, 0, agents.join(',')), [agents], 'a spec gives threads even with threads 0');
  assert.equal(planTopology(agents, 2, '   '), planTopology(agents, 2), 'a blank spec falls back to round robin');
});

test('spec errors name options.topology and what is wrong', () => {
  assert.match(messageOf(() => planTopology(agents, 2, 'yield_hunter,risk_assessor;oracle')),
    /^options\.topology names unknown agent "oracle" \(agents: yield_hunter, risk_assessor, arbitrage_detector, portfolio_rebalancer\)/);
  assert.match(messageOf(() => planTopology(agents, 2, 'yield_hunter,risk_assessor;arbitrage_detector,yield_hunter;portfolio_rebalancer')),
    /^options\.topology places agent "yield_hunter" on two threads/);
  assert.match(messageOf(() => planTopology(agents, 2, 'yield_hunter,risk_assessor;arbitrage_detector')),
    /^options\.topology leaves out agent\(s\) portfolio_rebalancer/);
  assert.match(messageOf(() => planTopology(agents, 2, 'yield_hunter;;risk_assessor,arbitrage_detector,portfolio_rebalancer')),
    /^options\.topology has an empty thread group/);
  assert.match(messageOf(() => planTopology(agents, 2, agents.join(',') + ';')), /^options\.topology has an empty thread group/);
  assert.match(messageOf(() => planTopology(agents, -1)), /^options\.threads must be a non-negative integer, got -1/);
  assert.match(messageOf(() => planTopology(agents, 1.5)), /^options\.threads must be a non-negative integer, got 1\.5/);
});

test('a spec may not ask for more than kMaxThreads threads', () => {
  const many = Array.from({ length: kMaxThreads + 1 }, (_, i) => `agent_${i}`);
  assert.match(messageOf(() => planTopology(many, 1, many.join(';'))), new RegExp(`^options\\.topology has ${kMaxThreads + 1} threads; at most ${kMaxThreads}`));
  assert.is(planTopology(many.slice(0, kMaxThreads), 1, many.slice(0, kMaxThreads).join(';')).length, kMaxThreads);
});

test.run();
