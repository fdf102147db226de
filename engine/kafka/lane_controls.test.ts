// The operator's plane of a Kafka run and the lanes' planes: an operator's kill and resume reach
// every lane at once, a lane started later (a shard taken over) starts with the operator's
// restrictions, and a lane that stopped follows no more. Each lane's automatic trips stay its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ControlPlane } from '../control/control_plane.ts';
import { resolveOptions } from '../options.ts';
import { LaneControls } from './lane_controls.ts';

const o = resolveOptions({ decisions: null, summary: null, deadLetters: null, progress: false });
const engine = { scope: 'engine', name: '' } as const;
const agent = { scope: 'agent', name: 'portfolio_rebalancer' } as const;

test('kill and resume on the operator\'s plane reach every lane, including lanes started after', () => {
  const operator = new ControlPlane(o.config.control, { capitalUsd: 1e6, capacity: 8, maxAgentErrors: 10 });
  const controls = new LaneControls(operator, o);
  const a = controls.open(4), b = controls.open(4);
  operator.kill(engine, 'ops', { reason: 'test' });
  operator.kill(agent, 'ops', { state: 'REDUCING', mode: 'stop' });
  for (const p of [a, b]) {
    assert.is(p.stateOf(engine), 'HALTED');
    assert.is(p.stateOf(agent), 'REDUCING');
    assert.is(p.effective('portfolio_rebalancer', 'rebalance'), 'HALTED');
  }
  const later = controls.open(4);
  assert.is(later.stateOf(engine), 'HALTED', 'a lane started after the kill starts halted');
  assert.is(later.stateOf(agent), 'REDUCING');
  controls.close(b);
  operator.resume(engine, 'ops');
  assert.is(a.stateOf(engine), 'ACTIVE');
  assert.is(later.stateOf(engine), 'ACTIVE');
  assert.is(b.stateOf(engine), 'HALTED', 'a stopped lane follows no more');
  assert.is(a.stateOf(agent), 'REDUCING', 'the agent scope stays until resumed');
  // a lane's own trip is not the operator's, nor another lane's
  a.setState(engine, 'HALTED', 'auto:drawdown', 'drawdown');
  assert.is(operator.stateOf(engine), 'ACTIVE');
  assert.is(later.stateOf(engine), 'ACTIVE');
});

test.run();
