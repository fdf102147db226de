// The run's metrics schema and the dead-letter reason codes (real reasons the decoders give).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kEventTypeNames } from '../../protocol/events.ts';
import { resolveOptions } from '../options.ts';
import { deadLetterReason, kDeadLetterReasons, metricsSchema } from './engine_sinks.ts';
import { DeadLetterLog } from '../sinks/dead_letters.ts';

const code = (reason: string): string => [...kDeadLetterReasons, 'other'][deadLetterReason(reason)]!;

test('dead letters are counted under a fixed list of reasons', () => {
  assert.is(code('undecodable: Unexpected token } in JSON at position 3'), 'malformed');
  assert.is(code('log must be an object'), 'malformed');
  assert.is(code('pool id is missing'), 'invalid_field');
  assert.is(code('blockTimestamp must be a positive integer (seconds)'), 'invalid_field');
  assert.is(code('unknown emitter 0xabc'), 'unknown_reference');
  assert.is(code('tvl_usd -5 is negative'), 'implausible');
  assert.is(code('Swap: sqrtPriceX96 is 0'), 'implausible');
  assert.is(code('something new'), 'other');
});

test('a dead-letter log tells its listener about each dead letter', () => {
  const seen: string[] = [];
  const log = new DeadLetterLog(null, (dl) => seen.push(dl.reason));
  log.add({ source: 'x:1', reason: 'pool id is missing', raw: '{}' });
  log.add({ source: 'x:2', reason: 'tvl_usd -1 is negative', raw: '{}' });
  assert.equal(seen, ['pool id is missing', 'tvl_usd -1 is negative']);
  assert.is(log.count, 2);
});

test('the schema: main plus one region per agent thread, every agent with its strategies and "other"', () => {
  const o = resolveOptions({ decisions: null });
  const s = metricsSchema(o, 2);
  assert.equal(s.threads, ['main', 'agent-0', 'agent-1']);
  assert.equal(s.agents.map((a) => a.id), o.agents);
  const arb = s.agents.find((a) => a.id === 'arbitrage_detector')!;
  assert.ok(arb.strategies.includes('arbitrage_triangular') && arb.strategies.at(-1) === 'other');
  assert.equal(s.eventTypes, [...kEventTypeNames]);
  assert.ok(s.sinks.includes('bus') && s.sinks.includes('event_store'));
});

test.run();
