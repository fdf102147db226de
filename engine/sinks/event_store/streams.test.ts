import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonText } from '../json_text.ts';
import { prepareEvents } from './validate.ts';
import { agentPerformanceStream, decisionEvent, isEngineStream, keyedEventId } from './streams.ts';

test('stream names of the engine', () => {
  assert.is(agentPerformanceStream('yield_hunter'), 'agent-performance-yield_hunter');
  assert.throws(() => agentPerformanceStream('Yield Hunter'), /agent id must be lower-case letters, digits and '_' \(e\.g\. yield_hunter\), got "Yield Hunter"/);
  assert.throws(() => agentPerformanceStream(''), /agent id must be/);
  for (const s of ['decisions', 'outcomes', 'control', 'agent-performance-risk_assessor']) assert.ok(isEngineStream(s), s);
  for (const s of ['decision', 'agent-performance-', 'agent-performance-X', 'controls']) assert.not.ok(isEngineStream(s), s);
});

test('a decision\'s event id is a UUID fixed by its key: the same in every run, different for another key', () => {
  const a = keyedEventId('decisions', 'c12:arbitrage:binance:BTC/USDT');
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.is(keyedEventId('decisions', 'c12:arbitrage:binance:BTC/USDT'), a);
  assert.is.not(keyedEventId('decisions', 'c13:arbitrage:binance:BTC/USDT'), a);
  assert.is.not(keyedEventId('outcomes', 'c12:arbitrage:binance:BTC/USDT'), a);
  const d = { key: 'k1', sizeUsd: 5 };
  const e = decisionEvent(d);
  assert.ok(e.data instanceof JsonText); // the decision log's line, reused
  assert.is((e.data as JsonText).text, JSON.stringify(d));
  assert.is(e.type, 'decision');
  assert.is(e.id, keyedEventId('decisions', 'k1'));
});

test('an event whose data is JsonText is stored with that text verbatim; text that is not an object or array is refused', () => {
  const [e] = prepareEvents('decisions', { type: 'decision', data: new JsonText('{"b":1,"a":2.50}'), metadata: new JsonText('[1]') });
  assert.is(e!.data, '{"b":1,"a":2.50}');
  assert.is(e!.metadata, '[1]');
  assert.throws(() => prepareEvents('decisions', { type: 'decision', data: new JsonText('42') }), /data must be a JSON object or array, got "42"/);
  assert.throws(() => prepareEvents('decisions', { type: 'decision', data: new JsonText('{"a":1') }), /data must be a JSON object or array/);
});

test.run();
