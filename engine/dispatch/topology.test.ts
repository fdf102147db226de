// Agent-to-thread topology: round robin over a thread count, an explicit spec, and its errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OptionError } from '../../protocol/errors.ts';
import { kMaxThreads } from '../../protocol/layout.ts';
import { planShares, planTopology } from './topology.ts';

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

test('planShares: a main: group runs on the main thread, the rest on threads; errors name what is wrong', () => {
  assert.equal(planShares(agents, 2, 'main:yield_hunter,risk_assessor;arbitrage_detector;portfolio_rebalancer'),
    { threads: [['arbitrage_detector'], ['portfolio_rebalancer']], main: ['yield_hunter', 'risk_assessor'] });
  assert.equal(planShares(agents, 2, `main:${agents.join(',')}`), { threads: [], main: agents });
  assert.equal(planShares(agents, 2, 'yield_hunter,risk_assessor;arbitrage_detector,portfolio_rebalancer').main, [], 'no main: group, nothing on main');
  assert.match(messageOf(() => planShares(agents, 2, 'main:yield_hunter;main:risk_assessor;arbitrage_detector,portfolio_rebalancer')), /two "main:" groups/);
  assert.match(messageOf(() => planShares(agents, 2, 'main:yield_hunter;yield_hunter,risk_assessor,arbitrage_detector,portfolio_rebalancer')), /"yield_hunter" on two threads/);
  assert.match(messageOf(() => planShares(agents, 2, 'main:oracle;yield_hunter,risk_assessor,arbitrage_detector,portfolio_rebalancer')), /unknown agent "oracle"/);
  assert.match(messageOf(() => planShares(agents, 2, 'main:yield_hunter')), /leaves out agent\(s\) risk_assessor, arbitrage_detector, portfolio_rebalancer/);
});

test('planShares: from measured costs, the main thread takes a share and a thread only what finishes the cycle sooner', () => {
  const costs = new Map([['yield_hunter', 5], ['risk_assessor', 24], ['arbitrage_detector', 25], ['portfolio_rebalancer', 2]]);
  // No hand-off cost: longest first onto the least loaded (ties to the main thread): 25 → main, 24 → T1, 5 → T1 (29), 2 → main (27).
  assert.equal(planShares(agents, 1, undefined, costs, 0), { threads: [['yield_hunter', 'risk_assessor']], main: ['arbitrage_detector', 'portfolio_rebalancer'] });
  // A hand-off dearer than the whole cycle inline: nothing goes to a thread.
  assert.equal(planShares(agents, 2, undefined, costs, 100), { threads: [], main: agents });
  // A moderate hand-off (10): 25 → main; 24 → T1 (34); 5 → T2 (15); 2 → T2 (17): the cycle ≈ 34.
  const s = planShares(agents, 2, undefined, costs, 10);
  assert.equal(s.threads, [['risk_assessor'], ['yield_hunter', 'portfolio_rebalancer']]);
  assert.equal(s.main, ['arbitrage_detector']);
  // A hand-off of 30: 25 → main; 24 → main (49 < 54); 5 → T1 (35); 2 → T2 (32): the big agents stay on main.
  const h30 = planShares(agents, 2, undefined, costs, 30);
  assert.equal(h30.threads, [['yield_hunter'], ['portfolio_rebalancer']]);
  assert.equal(h30.main, ['risk_assessor', 'arbitrage_detector']);
  // Without costs: round robin over the threads, nothing on main (the former placement).
  assert.equal(planShares(agents, 2), { threads: planTopology(agents, 2), main: [] });
  // Every agent is placed exactly once, whatever the costs.
  for (let t = 1; t <= 6; t++) {
    const p = planShares(agents, t, undefined, costs, t);
    assert.equal([...p.main, ...p.threads.flat()].sort(), [...agents].sort());
    assert.ok(p.threads.every((g) => g.length > 0));
  }
});

test.run();
