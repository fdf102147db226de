// The bus against the real RabbitMQ broker: publish, confirm and consume on each exchange,
// priority order, TTL expiry into the dead letters, handler failures and malformed bodies
// dead-lettered, duplicates caught. Fresh random names per test, deleted afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentMessage } from './agent_message.ts';
import type { BusOptionsInput } from './bus_options.ts';
import { BusConsumer, type ConsumeSource } from './consumer.ts';
import { BusPublisher } from './publisher.ts';
import { freshPrefix, kTestUrl, requireRabbit, withChannel } from './rabbit_testing.ts';
import { assertAgentInbox, assertExchanges, busNames, deleteTopology } from './topology.ts';

const kFile = 'engine/sinks/bus/bus.it.test.ts';
const kAgents = ['risk_assessor', 'yield_hunter'];
let seq = 0;

function busOptions(prefix: string, over: BusOptionsInput = {}): BusOptionsInput {
  return { url: kTestUrl, prefix, durable: false, queueExpiresMs: 120_000, backoff: { initialMs: 50, maxMs: 500 }, ...over };
}

function msg(over: Partial<AgentMessage> = {}): AgentMessage {
  seq++;
  return { id: `it-${process.pid}-${seq}`, from: 'engine', to: 'risk_assessor', type: 'test', priority: 1, payload: { seq }, timestamp: Date.now(), ttl: 0, ...over };
}

/** A consumer that records what it is handed. */
function collector(prefix: string, source: ConsumeSource, over: Partial<ConstructorParameters<typeof BusConsumer>[0]> = {}): { consumer: BusConsumer; got: AgentMessage[] } {
  const got: AgentMessage[] = [];
  const consumer = new BusConsumer({ bus: busOptions(prefix), source, handler: (m) => { got.push(m); }, ...over }).start();
  return { consumer, got };
}

async function until(what: string, f: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The risk assessor's inbox, declared with nothing consuming it yet, so that a backlog builds up. */
async function declareInbox(prefix: string): Promise<void> {
  const topo = { prefix, durable: false, autoDelete: false, queueExpiresMs: 120_000 };
  await withChannel(async (ch) => {
    await assertExchanges(ch, topo);
    await assertAgentInbox(ch, topo, 'risk_assessor');
  });
}

async function cleanUp(prefix: string): Promise<void> {
  await withChannel((ch) => deleteTopology(ch, prefix, kAgents)).catch(() => undefined);
}

if (await requireRabbit(test, kFile)) {
  test('publish, confirm and consume on each exchange: direct, fanout, jobs, actions', async () => {
    const prefix = freshPrefix();
    const bus = new BusPublisher(busOptions(prefix)).start();
    const ra = collector(prefix, { agent: 'risk_assessor' });
    const yh = collector(prefix, { agent: 'yield_hunter' });
    const jobs = collector(prefix, { jobs: true });
    const actions = collector(prefix, { actions: true });
    const consumers = [ra, yh, jobs, actions].map((c) => c.consumer);
    try {
      await Promise.all(consumers.map((c) => c.ready()));
      const direct = msg({ to: 'risk_assessor', priority: 5, payload: { note: 'for the risk assessor' }, ttl: 60_000 });
      const broadcast = msg({ to: '*', type: 'regime_change', payload: { regime: 'trending' } });
      const job = msg({ to: 'trainer', type: 'agent_retraining', payload: { agentId: 'yield_hunter', successRate: 0.62 } });
      const action = msg({ to: 'executor', type: 'action.yield_entry', payload: { key: 'k-1', sizeUsd: 25_000 } });
      await bus.publishConfirmed(bus.routeFor(direct), direct);
      await bus.publishConfirmed(bus.routeFor(broadcast), broadcast);
      await bus.publishConfirmed(bus.jobRoute, job);
      await bus.publishConfirmed(bus.actionRoute('yield_entry'), action);
      await until('deliveries', () => ra.got.length === 2 && yh.got.length === 1 && jobs.got.length === 1 && actions.got.length === 1);
      assert.equal(ra.got.map((m) => m.id).sort(), [direct.id, broadcast.id].sort());
      assert.equal(ra.got.find((m) => m.id === direct.id), direct, 'the whole message arrives');
      assert.equal(yh.got, [broadcast], 'the direct message went to its agent only');
      assert.equal(jobs.got, [job]);
      assert.equal(actions.got, [action]);
      const s = bus.stats();
      assert.is(s.confirmed, 4);
      assert.is(s.unroutable, 0);
      // a message for an agent with no inbox is returned by the broker and counted
      bus.send(msg({ to: 'nobody' }));
      await bus.flush(5000);
      assert.is(bus.stats().unroutable, 1);
      assert.is(bus.stats().confirmed, 5);
    } finally {
      await Promise.all(consumers.map((c) => c.stop()));
      await bus.close(1000);
      await cleanUp(prefix);
    }
  });

  test('priority: a backlog is delivered highest priority first, FIFO within a priority', async () => {
    const prefix = freshPrefix();
    const bus = new BusPublisher(busOptions(prefix)).start();
    let later: ReturnType<typeof collector> | null = null;
    try {
      await declareInbox(prefix);
      const priorities = [0, 9, 3, 5, 9, 1, 7, 3, 0, 5, 2, 8, 4, 6, 1, 9, 0, 7, 2, 6];
      const sent = priorities.map((p) => msg({ priority: p }));
      for (const m of sent) bus.send(m);
      assert.equal(await bus.flush(5000), { settled: sent.length, failed: 0 });
      later = collector(prefix, { agent: 'risk_assessor' }, { prefetch: 1 });
      const got = later.got;
      await until('the backlog', () => got.length === sent.length);
      const want = sent.map((m, i) => ({ m, i })).sort((a, b) => b.m.priority - a.m.priority || a.i - b.i).map((x) => x.m.id);
      assert.equal(got.map((m) => m.id), want);
      assert.equal(got.map((m) => m.priority), [...priorities].sort((a, b) => b - a));
    } finally {
      await later?.consumer.stop();
      await bus.close(1000);
      await cleanUp(prefix);
    }
  });

  test('TTL: an expired message is not delivered; it is dead-lettered with reason "expired"', async () => {
    const prefix = freshPrefix();
    const bus = new BusPublisher(busOptions(prefix)).start();
    let later: ReturnType<typeof collector> | null = null;
    try {
      await declareInbox(prefix);
      const short = msg({ ttl: 200, payload: { expires: true } });
      const keep = msg({ ttl: 0, payload: { expires: false } });
      bus.send(short);
      bus.send(keep);
      await bus.flush(5000);
      await new Promise((r) => setTimeout(r, 800));
      later = collector(prefix, { agent: 'risk_assessor' });
      const got = later.got;
      await until('the surviving message', () => got.length === 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(got.map((m) => m.id), [keep.id], 'only the message without a TTL');
      const dead = await withChannel((ch) => ch.get(busNames(prefix).deadQueue, { noAck: true }));
      assert.ok(dead !== false, 'the expired message is in the dead letters');
      assert.is(dead.properties.messageId, short.id);
      const death = (dead.properties.headers?.['x-death'] as { reason: string; queue: string }[])[0];
      assert.is(death.reason, 'expired');
      assert.is(death.queue, `${prefix}lucent.agent.risk_assessor`);
    } finally {
      await later?.consumer.stop();
      await bus.close(1000);
      await cleanUp(prefix);
    }
  });

  test('consumer: a failing handler and a malformed body are dead-lettered; a duplicate id is handled once', async () => {
    const prefix = freshPrefix();
    const o = busOptions(prefix);
    const bus = new BusPublisher(o).start();
    const handled: string[] = [];
    const dead: string[] = [];
    const c = new BusConsumer({
      bus: o,
      source: { jobs: true },
      handler: (m) => {
        if ((m.payload as { fail?: boolean }).fail === true) throw new Error('trainer out of memory\n    at train()');
        handled.push(m.id);
      },
      onDeadLetter: (id, reason) => dead.push(`${id}: ${reason}`),
    }).start();
    try {
      await c.ready();
      const ok = msg({ to: 'trainer', type: 'agent_retraining' });
      const failing = msg({ to: 'trainer', type: 'agent_retraining', payload: { fail: true } });
      bus.submitJob(ok);
      bus.submitJob(ok); // the same id again, as after a re-send
      bus.submitJob(failing);
      await bus.flush(5000);
      await withChannel(async (ch) => {
        ch.sendToQueue(busNames(prefix).jobsQueue, Buffer.from('not json'), { messageId: 'raw-1' });
        await ch.waitForConfirms();
      });
      await until('four deliveries', () => c.stats().delivered === 4);
      assert.equal(handled, [ok.id]);
      const s = c.stats();
      assert.is(s.duplicates, 1);
      assert.is(s.deadLettered, 2);
      assert.is(s.malformed, 1);
      assert.equal(dead.sort(), [`${failing.id}: handler failed: trainer out of memory`, 'raw-1: malformed: body is not JSON (Unexpected token \'o\', "not json" is not valid JSON)'].sort());
      const reasons: string[] = [];
      await withChannel(async (ch) => {
        for (let i = 0; i < 2; i++) {
          const d = await ch.get(busNames(prefix).deadQueue, { noAck: true });
          if (d !== false) reasons.push(`${String(d.properties.messageId)}:${(d.properties.headers?.['x-death'] as { reason: string }[])[0].reason}`);
        }
      });
      assert.equal(reasons.sort(), [`${failing.id}:rejected`, 'raw-1:rejected'].sort());
    } finally {
      await c.stop();
      await bus.close(1000);
      await cleanUp(prefix);
    }
  });

  test('linger: new messages wait to go out together; a burst, publishConfirmed(), flush() and close() do not wait; every one confirmed and delivered once', async () => {
    const prefix = freshPrefix();
    const bus = new BusPublisher(busOptions(prefix, { lingerMs: 10_000 })).start(); // longer than the test: only a burst or a flush sends
    const actions = collector(prefix, { actions: true });
    try {
      await actions.consumer.ready();
      await until('the connection', () => bus.stats().connected);
      const few = Array.from({ length: 3 }, (_, i) => msg({ to: 'executor', type: 'action.yield_entry', payload: { i } }));
      for (const m of few) assert.ok(bus.publishAction('yield_entry', m));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal([bus.stats().buffered, bus.stats().inFlight, bus.stats().confirmed], [3, 0, 0], 'they linger: not sent yet');
      assert.equal(await bus.flush(5000), { settled: 3, failed: 0 }, 'flush() sends what lingers');
      // publishConfirmed: its caller awaits the ack, so it does not linger
      await bus.publishConfirmed(bus.actionRoute('yield_entry'), msg({ to: 'executor', type: 'action.yield_entry', payload: { confirmed: true } }));
      // a burst's worth (500) goes at once, without a flush
      const burst = Array.from({ length: 500 }, (_, i) => msg({ to: 'executor', type: 'action.yield_entry', payload: { b: i } }));
      for (const m of burst) bus.publishAction('yield_entry', m);
      await until('the burst confirmed', () => bus.stats().confirmed === 504);
      const last = msg({ to: 'executor', type: 'action.yield_entry', payload: { last: true } });
      bus.publishAction('yield_entry', last);
      assert.equal(await bus.close(5000), { unconfirmed: 0 }, 'close() sends what lingers');
      await until('every delivery', () => actions.got.length === 505);
      assert.equal(new Set(actions.got.map((m) => m.id)).size, 505, 'each delivered once');
      assert.equal(actions.got.find((m) => m.id === last.id), last);
    } finally {
      await actions.consumer.stop();
      await bus.close(1000);
      await cleanUp(prefix);
    }
  });

  test('linger 0: a message goes out on the next turn of the event loop', async () => {
    const prefix = freshPrefix();
    const bus = new BusPublisher(busOptions(prefix, { lingerMs: 0 })).start();
    try {
      await until('the connection', () => bus.stats().connected);
      bus.publishAction('yield_entry', msg({ to: 'executor', type: 'action.yield_entry' }));
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      assert.is(bus.stats().buffered, 0, 'sent');
      assert.is((await bus.flush(5000)).settled, 1);
    } finally {
      await bus.close(1000);
      await cleanUp(prefix);
    }
  });
}

test.run();
