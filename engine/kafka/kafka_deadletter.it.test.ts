// Malformed and hostile messages through a real broker: each one lands on the dead-letter topic
// whole, with its reason and where it came from in headers; the engine goes on with the good
// events around them and counts the bad ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKafkaEngine } from './kafka_engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { createKafka } from '../source/kafka/client.ts';
import { resolveKafkaOptions } from '../source/kafka/options.ts';
import { replayToKafka } from '../source/kafka/producer.ts';
import { kHeaderControl, kHeaderDlReason, kHeaderDlSource, kHeaderDlTruncated, kHeaderSeq, kControlEnd } from '../source/kafka/topics.ts';
import { cleanUp, freshGroup, freshPrefix, kTestBrokers, requireBroker } from '../source/kafka/testing.ts';

const kFile = 'engine/kafka/kafka_deadletter.it.test.ts';
const kGoodEvents = 400;

const ts = 1723075300000000;
// the good event after the bad ones: in time with the fixture's first events (the plausibility gate
// refuses an event further ahead of the stream than plausibility.maxAheadUs), at BTC's price then
const kGoodTs = 1723075202000000;
const price = (key: string, data: Record<string, unknown>, at = ts): string =>
  JSON.stringify({ ts: at, type: 'price_update', topic: 'market.prices.binance', key, data: { venue: 'binance', base: 'BTC', quote: 'USDT', bidSize: 1, askSize: 1, ...data } });

/** The hostile set: what is sent, and what its reason must say. */
const kBad: { name: string; value: string | null; reason: RegExp }[] = [
  { name: 'invalid JSON', value: '{"ts":1723075300000000,"type":"price_upd', reason: /^invalid JSON/ },
  { name: 'wrong type of a field', value: price('binance:BTC/USDT', { bid: 'cheap', ask: 60000 }), reason: /data\.bid must be a finite number/ },
  { name: 'crossed book', value: price('binance:BTC/USDT', { bid: 60010, ask: 60000 }), reason: /crossed book/ },
  { name: 'ts in milliseconds', value: JSON.stringify({ ts: 1723075300000, type: 'price_update', topic: 'market.prices.binance', key: 'binance:BTC/USDT', data: {} }), reason: /not in microseconds/ },
  { name: 'unknown instrument', value: price('binance:DOGE/USDT', { base: 'DOGE', bid: 0.1, ask: 0.11 }), reason: /unknown instrument "binance:DOGE\/USDT"/ },
  { name: 'a yield event on a prices topic', value: JSON.stringify({ ts, type: 'yield_update', topic: 'market.yields.aave', key: 'aave:x', data: {} }), reason: /envelope topic "market\.yields\.aave" does not match the Kafka topic/ },
  { name: 'unknown event type', value: JSON.stringify({ ts, type: 'rug_pull', topic: 'market.prices.binance', key: 'x', data: {} }), reason: /type must be one of/ },
  { name: 'huge payload', value: price('binance:BTC/USDT', { bid: 60000, ask: 60001, junk: 'x'.repeat(200_000) }), reason: /payload of \d+ bytes is above the 65536-byte limit/ },
  { name: 'empty message', value: null, reason: /empty message/ },
  { name: 'a JSON array', value: '[1,2,3]', reason: /event must be an object/ },
];

if (await requireBroker(test, kFile)) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-kafka-dl-'));
  const prefix = freshPrefix();
  const group = freshGroup('dl');

  test.after(async () => {
    await cleanUp(prefix, [group]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('each malformed message goes to the dead-letter topic with its reason; the good events still reach the state', async () => {
    const replay = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: prefix, partitions: 2, rate: 0, speed: 0, limit: kGoodEvents,
      watermarkMs: 0, endMarkers: false, batchSize: 500, universeOut: null,
    });
    assert.is(replay.events, kGoodEvents);
    const kafka = createKafka({ brokers: kTestBrokers, clientId: 'lucent-it-dl' });
    const producer = kafka.producer();
    await producer.connect();
    const topic = `${prefix}market.prices.binance`;
    // Bad messages in between good ones (partition 0), then an end record on every partition.
    await producer.send({ topic, acks: -1, messages: kBad.map((b, i) => ({ key: `bad-${i}`, value: b.value, partition: 0, headers: { 'x-test': b.name } })) });
    await producer.send({ topic, acks: -1, messages: [{ value: price('binance:BTC/USDT', { bid: 60000, ask: 60001 }, kGoodTs), partition: 0, headers: { [kHeaderSeq]: String(kGoodEvents + 1) } }] });
    await producer.sendBatch({
      acks: -1,
      topicMessages: replay.topics.map((t) => ({ topic: t, messages: [0, 1].map((partition) => ({ value: null, partition, headers: { [kHeaderControl]: kControlEnd } })) })),
    });
    await producer.disconnect();

    const deadLetters = join(dir, 'dead-letters.jsonl');
    const o = resolveOptions({ fixture: kDefaultFixture, threads: 0, decisions: join(dir, 'decisions.jsonl'), summary: null, deadLetters, progress: false });
    const k = resolveKafkaOptions({ brokers: kTestBrokers, group, topicPrefix: prefix, untilEnd: true, topicRefreshMs: 0 }, o);
    const run = await runKafkaEngine(o, k, { log: () => undefined });
    assert.is(run.events, kGoodEvents + 1, 'the good event after the bad ones was applied too');
    assert.is(run.deadLetters, kBad.length, 'counted');
    assert.is(run.kafka.deadLettersProduced, kBad.length, 'produced');
    const local = readFileSync(deadLetters, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { source: string; reason: string });
    assert.is(local.length, kBad.length, 'and kept in the local dead-letter log');

    // Read the dead-letter topic back.
    const consumer = kafka.consumer({ groupId: freshGroup('dl-reader'), maxWaitTimeInMs: 200 });
    const got: { test: string; reason: string; source: string; truncated: string | null; bytes: number; key: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [`${prefix}market.deadletter`], fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const h = message.headers ?? {};
          const text = (v: unknown): string | null => (v === undefined ? null : String(v));
          got.push({
            test: text(h['x-test'])!, reason: text(h[kHeaderDlReason])!, source: text(h[kHeaderDlSource])!,
            truncated: text(h[kHeaderDlTruncated]), bytes: message.value?.length ?? 0, key: message.key?.toString() ?? '',
          });
          if (got.length >= kBad.length) resolve();
        },
      });
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((_, reject) => { timer = setTimeout(() => reject(new Error(`only ${got.length} dead letters read back`)), 20_000); });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
      await consumer.disconnect();
    }
    assert.is(got.length, kBad.length);
    for (const [i, b] of kBad.entries()) {
      const d = got.find((g) => g.test === b.name);
      assert.ok(d, `${b.name} is on the dead-letter topic`);
      assert.match(d!.reason, b.reason, `${b.name}: ${d!.reason}`);
      assert.match(d!.source, new RegExp(`^${topic.replace(/\./g, '\\.')}/0@\\d+$`), 'where it came from');
      assert.is(d!.key, `bad-${i}`, 'the original key is kept');
      assert.is(d!.bytes, b.value === null ? 0 : Buffer.byteLength(b.value), 'the value is kept whole');
      assert.is(d!.truncated, null);
    }
  });
}

test.run();
