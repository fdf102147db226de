// The publisher with no broker behind its address (a real refused TCP connection, not a mock):
// publish() never blocks, the buffer is bounded, overflow is counted or thrown, bad messages are
// refused and counted, and close() reports what was left unconfirmed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentMessage } from './agent_message.ts';
import type { BusEvent } from './bus_options.ts';
import { freePort } from '../../http/testing/free_port.ts';
import { BusOverflowError, BusPublisher } from './publisher.ts';

/** An address with nothing listening. */
async function deadUrl(): Promise<string> {
  return `amqp://guest:guest@127.0.0.1:${await freePort()}`;
}

function msg(i: number, over: Partial<AgentMessage> = {}): AgentMessage {
  return { id: `m-${i}`, from: 'engine', to: 'risk_assessor', type: 'test', priority: 1, payload: { i }, timestamp: Date.UTC(2026, 0, 1), ttl: 0, ...over };
}

test('broker down: accepted messages wait in the bounded buffer; overflow is counted, never silent', async () => {
  const events: BusEvent[] = [];
  const bus = new BusPublisher({ url: await deadUrl(), bufferSize: 5, backoff: { initialMs: 20, maxMs: 50 }, onEvent: (e) => events.push(e) }).start();
  const accepted = Array.from({ length: 8 }, (_, i) => bus.send(msg(i)));
  assert.equal(accepted, [true, true, true, true, true, false, false, false]);
  await new Promise((r) => setTimeout(r, 150)); // a few reconnect attempts
  const s = bus.stats();
  assert.is(s.connected, false);
  assert.is(s.published, 5);
  assert.is(s.buffered, 5);
  assert.is(s.overflow, 3);
  assert.is(s.confirmed, 0);
  assert.equal(events.filter((e) => e.kind === 'overflow'), [{ kind: 'overflow', overflow: 1, bufferSize: 5 }], 'one event when overflow starts');
  const retries = events.filter((e) => e.kind === 'retry');
  assert.ok(retries.length >= 2, `${retries.length} reconnect attempts`);
  assert.match((retries[0] as { reason: string }).reason, /ECONNREFUSED/);
  const flushError = await bus.flush(50).then(() => 'flushed', (e: Error) => e.message);
  assert.match(flushError, /^bus flush: 5 of 5 messages still unconfirmed after 50 ms \(broker unreachable: .*ECONNREFUSED/);
  const closed = await bus.close(50);
  assert.equal(closed, { unconfirmed: 5 }, 'close says what was left');
  assert.throws(() => bus.send(msg(99)), /^bus publish after close\(\)$/);
});

test("onOverflow 'throw' fails loudly; publishConfirmed rejects when refused", async () => {
  const bus = new BusPublisher({ url: await deadUrl(), bufferSize: 2, onOverflow: 'throw', backoff: { initialMs: 20, maxMs: 50 } }).start();
  assert.ok(bus.send(msg(1)));
  const pending = bus.publishConfirmed(bus.routeFor(msg(2)), msg(2));
  assert.throws(() => bus.send(msg(3)), (e: Error) => e instanceof BusOverflowError && e.message === 'bus buffer full (2 unconfirmed messages): message refused');
  assert.is(bus.stats().overflow, 1);
  await bus.close(20);
  let settled = false;
  void pending.then(() => { settled = true; }, () => { settled = true; });
  await new Promise((r) => setTimeout(r, 20));
  assert.not.ok(settled, 'an accepted message is neither confirmed nor dropped: it stays pending');
});

test('implausible messages are refused, counted and reported; the bus goes on', async () => {
  const events: BusEvent[] = [];
  const bus = new BusPublisher({ url: await deadUrl(), onEvent: (e) => events.push(e) });
  assert.not.ok(bus.send(msg(1, { priority: 12 })));
  assert.not.ok(bus.send(msg(2, { payload: { big: 2n } })));
  assert.ok(bus.send(msg(3)));
  await bus.publishConfirmed(bus.jobRoute, msg(4, { ttl: -5 })).then(() => assert.unreachable('refused'), (e: Error) => assert.match(e.message, /^bus message refused: ttl must be an integer/));
  const s = bus.stats();
  assert.is(s.invalid, 3);
  assert.is(s.published, 1);
  assert.equal(events.map((e) => e.kind), ['invalid', 'invalid', 'invalid']);
  assert.match((events[1] as { reason: string }).reason, /^message m-2: payload is not JSON-serialisable/);
  assert.throws(() => bus.publishAction('Yield Entry', msg(5)), /^action kind must be 1\.\.64 of a-z 0-9 _, got "Yield Entry"/);
  assert.equal(bus.actionRoute('yield_entry'), { exchange: 'lucent.actions.topic', routingKey: 'action.yield_entry' });
  assert.equal(bus.routeFor(msg(6, { to: '*' })), { exchange: 'lucent.agents.fanout', routingKey: '' });
  assert.equal(bus.routeFor(msg(7)), { exchange: 'lucent.agents.direct', routingKey: 'agent.risk_assessor' });
  assert.equal(bus.jobRoute, { exchange: 'lucent.jobs.direct', routingKey: 'ai.training.agent_retraining' });
  await bus.close(10);
});

test.run();
