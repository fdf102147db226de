// The broker goes away mid-stream and comes back (rabbitmqctl stop_app / start_app on the real
// RabbitMQ): the publisher keeps accepting messages into its buffer, reconnects, re-sends what
// was unconfirmed, and every message whose publish was confirmed, and every message buffered
// during the outage, reaches the consumer. start_app always runs (finally), so the broker is
// left running. Durable queue and persistent messages; fresh random names, deleted afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentMessage } from './agent_message.ts';
import type { BusOptionsInput } from './bus_options.ts';
import { BusConsumer } from './consumer.ts';
import { BusPublisher } from './publisher.ts';
import { freshPrefix, kTestUrl, probeRabbit, rabbitmqctl, requireRabbit, withChannel } from './rabbit_testing.ts';
import { deleteTopology } from './topology.ts';

const kFile = 'engine/sinks/bus/restart.it.test.ts';
const kBatch = 5; // messages per 10 ms: about 500 per second offered
const kBeforeStopMs = 1500;
const kDuringOutageMs = 1500;
const kAfterRestartMs = 1000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, f: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

if (await requireRabbit(test, kFile)) {
  test('stop_app / start_app mid-stream: nothing confirmed or buffered is lost', async () => {
    const prefix = freshPrefix();
    const o: BusOptionsInput = { url: kTestUrl, prefix, durable: true, queueExpiresMs: 600_000, bufferSize: 100_000, heartbeatS: 5, backoff: { initialMs: 100, maxMs: 1000 } };
    const bus = new BusPublisher(o).start();
    const deliveries = new Map<string, number>();
    const consumer = new BusConsumer({ bus: o, source: { jobs: true }, prefetch: 200, dedupeWindow: 0, handler: (m) => { deliveries.set(m.id, (deliveries.get(m.id) ?? 0) + 1); } }).start();
    const published: string[] = [];
    const confirmed = new Set<string>();
    const rejected: string[] = [];
    let bufferedDuringOutage = 0;
    let streaming = true;
    let needStartApp = false;
    let n = 0;
    const stream = (async () => {
      while (streaming) {
        for (let k = 0; k < kBatch; k++) {
          const m: AgentMessage = { id: `${prefix}${++n}`, from: 'engine', to: 'trainer', type: 'agent_retraining', priority: n % 10, payload: { n }, timestamp: Date.now(), ttl: 0 };
          if (!bus.stats().connected) bufferedDuringOutage++;
          published.push(m.id);
          bus.publishConfirmed(bus.jobRoute, m).then(() => confirmed.add(m.id), (e: Error) => rejected.push(`${m.id}: ${e.message}`));
        }
        await sleep(10);
      }
    })();
    try {
      await consumer.ready();
      await sleep(kBeforeStopMs);
      needStartApp = true;
      const stopping = Date.now();
      await rabbitmqctl('stop_app');
      const confirmedAtStop = confirmed.size;
      const publishedAtStop = published.length;
      console.log(`  stop_app took ${Date.now() - stopping} ms; at stop: published ${publishedAtStop}, confirmed ${confirmedAtStop}`);
      await sleep(kDuringOutageMs);
      assert.is(bus.stats().connected, false, 'the broker is down');
      await rabbitmqctl('start_app');
      needStartApp = false;
      await until('the publisher to reconnect', () => bus.stats().connected, 30_000);
      await sleep(kAfterRestartMs);
      streaming = false;
      await stream;
      await bus.flush(60_000);
      await until('every published message to be consumed', () => published.every((id) => deliveries.has(id)), 60_000).catch(() => undefined);
      await sleep(500); // late duplicates, if any

      const consumed = published.filter((id) => deliveries.has(id)).length;
      const duplicates = [...deliveries.values()].reduce((s, c) => s + c - 1, 0);
      const lostConfirmed = [...confirmed].filter((id) => !deliveries.has(id));
      const lost = published.filter((id) => !deliveries.has(id));
      const s = bus.stats();
      const counts = {
        published: published.length,
        confirmed: confirmed.size,
        confirmedBeforeStop: confirmedAtStop,
        bufferedDuringOutage,
        consumed,
        duplicates,
        lostConfirmed: lostConfirmed.length,
        lost: lost.length,
        resent: s.resent,
        publisherReconnects: s.reconnects,
        consumerReconnects: consumer.stats().reconnects,
        overflow: s.overflow,
        failed: s.failed,
      };
      console.log(`  restart counts: ${JSON.stringify(counts)}`);
      assert.is(rejected.length, 0, rejected.slice(0, 3).join('; '));
      assert.ok(bufferedDuringOutage > 0, 'messages were published while the broker was down');
      assert.ok(confirmedAtStop > 0, 'messages were confirmed before the stop');
      assert.is(lostConfirmed.length, 0, `confirmed but never consumed: ${lostConfirmed.slice(0, 5).join(', ')}`);
      assert.is(lost.length, 0, `accepted but never consumed: ${lost.slice(0, 5).join(', ')}`);
      assert.is(confirmed.size, published.length, 'every accepted message was confirmed in the end');
      assert.is(s.overflow, 0);
      assert.ok(s.reconnects >= 1 && consumer.stats().reconnects >= 1, 'both reconnected');
    } finally {
      streaming = false;
      if (needStartApp) await rabbitmqctl('start_app').catch((e: Error) => console.error(`start_app failed: ${e.message}`));
      for (let i = 0; i < 60 && (await probeRabbit(1000)) !== null; i++) await sleep(500);
      await stream;
      await consumer.stop();
      await bus.close(2000);
      await withChannel((ch) => deleteTopology(ch, prefix, [])).catch(() => undefined);
    }
  });
}

test.run();
