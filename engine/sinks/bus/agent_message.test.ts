// AgentMessage: plausibility checks that name the field, and its AMQP encoding.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonText } from '../json_text.ts';
import { agentMessageProblem, decodeBody, encodeBody, publishOptions, type AgentMessage } from './agent_message.ts';

const kNow = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const good: AgentMessage = { id: 'm-1', from: 'yield_hunter', to: 'risk_assessor', type: 'opportunity', priority: 7, payload: { pool: 'aave-usdc', apy: 4.2 }, timestamp: kNow, ttl: 30_000 };

test('a plausible message passes; the AMQP properties carry id, priority, TTL, persistence, JSON', () => {
  assert.is(agentMessageProblem(good), null);
  const o = publishOptions(good);
  assert.equal(o, { messageId: 'm-1', priority: 7, persistent: true, contentType: 'application/json', timestamp: Math.floor(kNow / 1000), type: 'opportunity', appId: 'lucent-engine', mandatory: true, expiration: '30000' });
  assert.is(publishOptions({ ...good, ttl: 0 }).expiration, undefined, 'ttl 0: no expiry');
  const back = decodeBody(Buffer.from(encodeBody(good)));
  assert.equal(back, { message: good });
});

test('each field is checked for plausibility, not only type, and the problem names it', () => {
  const bad = (patch: Record<string, unknown>, re: RegExp): void => {
    const p = agentMessageProblem({ ...good, ...patch });
    assert.ok(p !== null && re.test(p), `${JSON.stringify(patch)} → ${p}`);
  };
  bad({ id: '' }, /^id must be 1\.\.128 characters/);
  bad({ id: 'a b' }, /^id must be/);
  bad({ from: 7 }, /^from must be an agent id/);
  bad({ to: '' }, /^to must be an agent id or "\*"/);
  bad({ type: 'x'.repeat(101) }, /^type must be 1\.\.100 characters/);
  bad({ priority: 10 }, /^priority must be an integer in 0\.\.9, got 10/);
  bad({ priority: 1.5 }, /^priority must be an integer/);
  bad({ timestamp: kNow / 1000 }, /^timestamp must be integer ms since the Unix epoch \(years 2000\.\.2099\)/);
  bad({ timestamp: kNow * 1000 }, /^timestamp must be integer ms/);
  bad({ ttl: -1 }, /^ttl must be an integer number of ms in 0\.\.604800000/);
  bad({ payload: undefined }, /^payload is missing/);
  assert.is(agentMessageProblem(null), 'message must be an object');
  assert.is(agentMessageProblem({ ...good, to: '*' }), null, 'broadcast');
});

test('bodies that are not JSON or not messages decode to a reason; unserialisable payloads throw one line', () => {
  const a = decodeBody(Buffer.from('{nope'));
  assert.ok('problem' in a && /^body is not JSON/.test(a.problem));
  const b = decodeBody(Buffer.from(JSON.stringify({ ...good, priority: 'high' })));
  assert.ok('problem' in b && /^priority must be an integer/.test(b.problem));
  assert.throws(() => encodeBody({ ...good, payload: { n: 1n } }), /^message m-1: payload is not JSON-serialisable \(Do not know how to serialize a BigInt\)$/);
});

test('a payload already serialised (JsonText) is spliced in: the same body as serialising the value', () => {
  const payload = { key: 'c1:a', sizeUsd: 12.5, note: 'quote " and \\ and é', fill: null, n: [1, -0, 1e21] };
  const m = { id: 'm-1', from: 'arbitrage_detector', to: 'executor', type: 'action.arbitrage_cross_exchange', priority: 5, timestamp: Date.UTC(2024, 7, 8), ttl: 60_000 };
  const body = encodeBody({ ...m, payload: new JsonText(JSON.stringify(payload)) });
  assert.is(body, encodeBody({ ...m, payload }));
  assert.equal(JSON.parse(body).payload, JSON.parse(JSON.stringify(payload)));
  assert.throws(() => encodeBody({ ...m, payload: new JsonText('') }), /payload is empty JSON text/);
});

test.run();
