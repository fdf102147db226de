// A paced producer through a real broker, into topics whose record timestamps are the broker's
// append (LogAppendTime): every event arrives once and in order (lockstep: the file replay's
// decisions for the same events, byte for byte), the producer reports how long each event waited
// after it was due, and the Kafka summary splits each event's transit at the broker's append —
// send → append and append → receive, one figure per event, none negative beyond the timestamp's
// millisecond resolution. And realtime while the producer writes: every event once, each split.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngine } from '../engine.ts';
import { runKafkaEngine } from './kafka_engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { resolveKafkaOptions } from '../source/kafka/options.ts';
import { createKafka } from '../source/kafka/client.ts';
import { ensureTopics, replayToKafka, scanFixture } from '../source/kafka/producer.ts';
import { deadLetterTopic } from '../source/kafka/topics.ts';
import { cleanUp, freshGroup, freshPrefix, kTestBrokers, requireBroker } from '../source/kafka/testing.ts';

const kFile = 'engine/kafka/kafka_transit.it.test.ts';
const kEvents = 3000;
const kRate = 2000;

/** The fixture's topics under `prefix` (and its dead-letter topic), 2 partitions each, stamped by the broker (LogAppendTime). */
async function logAppendTopics(prefix: string, clientId: string): Promise<void> {
  const { topics } = await scanFixture({ fixture: kDefaultFixture, topicPrefix: prefix, limit: kEvents });
  const admin = createKafka({ brokers: kTestBrokers, clientId }).admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [...topics, deadLetterTopic(prefix)], 2, [{ name: 'message.timestamp.type', value: 'LogAppendTime' }]);
  } finally {
    await admin.disconnect();
  }
}

if (await requireBroker(test, kFile)) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-kafka-transit-'));
  const prefix = freshPrefix();
  const group = freshGroup('transit');

  const livePrefix = freshPrefix();
  const liveGroup = freshGroup('transit-rt');
  test.after(async () => {
    await cleanUp(livePrefix, [liveGroup]);
    await cleanUp(prefix, [group]);
    rmSync(dir, { recursive: true, force: true });
  });

  test(`paced at ${kRate} events/s into LogAppendTime topics: in order, the producer's wait reported, the transit split per event`, async () => {
    await logAppendTopics(prefix, 'lucent-test-transit');
    const replay = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: prefix, partitions: 2, rate: kRate, speed: 0, limit: kEvents,
      watermarkMs: 10, endMarkers: true, batchSize: 2000, universeOut: null,
    });
    assert.is(replay.events, kEvents);
    const behind = replay.behindScheduleUs;
    assert.ok(behind !== null && behind.count === kEvents, `the producer reports every event's wait: ${JSON.stringify(behind)}`);

    const o = resolveOptions({ fixture: kDefaultFixture, threads: 0, decisions: join(dir, 'kafka.jsonl'), summary: null, deadLetters: null, progress: false });
    const k = resolveKafkaOptions({ brokers: kTestBrokers, group, topicPrefix: prefix, universe: kDefaultFixture, untilEnd: true, topicRefreshMs: 0 }, o);
    const kafka = await runKafkaEngine(o, k, { log: () => undefined });
    const file = await runEngine(resolveOptions({ fixture: kDefaultFixture, threads: 0, decisions: join(dir, 'file.jsonl'), summary: null, deadLetters: null, progress: false, limit: kEvents }));
    assert.is(kafka.events, kEvents, 'every event reached the state');
    assert.is(kafka.kafka.late, 0, 'nothing out of order');
    assert.is(kafka.decisionLogSha256, file.decisionLogSha256, 'the file replay\'s decisions for the same events');

    const { produceToAppendUs: toAppend, appendToReceiveUs: toReceive } = kafka.kafka;
    assert.is(toAppend.count, kEvents, 'send → append: one figure per event');
    assert.is(toReceive.count, kEvents, 'append → receive: one figure per event');
    assert.is(kafka.kafka.receiveToReleaseUs.count, kEvents, 'receive → release (the merge): one figure per event stepped');
    // Both are recorded from 1 ns up; a clock that ran backwards would pile them at the floor.
    // The broker appends after the send: the median send → append is above the floor unless the
    // timestamp's ms truncation hid it, so only its 1 ms resolution is allowed below.
    assert.ok(toAppend.max > 0 && toReceive.max > 0);
    assert.ok(toReceive.p50 >= 1, `append → receive p50 ${toReceive.p50} µs`);
    assert.ok(kafka.kafka.produceToDecisionUs.count > 0 && kafka.kafka.produceToDecisionUs.p50 + 1000 >= toReceive.p50,
      'the whole is not shorter than its part (within the 1 ms resolution)');
  });

  test(`realtime, consuming while the producer writes at ${kRate} events/s (the realtime fetch defaults): every event once, each with its transit split`, async () => {
    await logAppendTopics(livePrefix, 'lucent-test-transit-rt');
    const o = resolveOptions({ fixture: kDefaultFixture, threads: 0, mode: 'realtime', decisions: join(dir, 'realtime.jsonl'), summary: null, deadLetters: null, progress: false });
    const k = resolveKafkaOptions({ brokers: kTestBrokers, group: liveGroup, topicPrefix: livePrefix, universe: kDefaultFixture, untilEnd: true, topicRefreshMs: 0 }, o);
    assert.is(k.fetch.maxWaitMs, 100, 'realtime holds an idle fetch 100 ms');
    let started = false;
    const engine = runKafkaEngine(o, k, { log: () => undefined, onStarted: () => { started = true; } });
    const t0 = performance.now();
    while (!started && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    const replay = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: livePrefix, partitions: 2, rate: kRate, speed: 0, limit: kEvents,
      watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null,
    });
    assert.is(replay.events, kEvents);
    const kafka = await engine;
    assert.is(kafka.events, kEvents, 'every event reached the state once');
    assert.is(kafka.kafka.produceToAppendUs.count, kEvents, 'send → append: one figure per event');
    assert.is(kafka.kafka.appendToReceiveUs.count, kEvents, 'append → receive: one figure per event');
    assert.is(kafka.kafka.receiveToReleaseUs.count, kEvents, 'receive → release: one figure per event');
    assert.ok(kafka.kafka.produceToDecisionUs.count > 0, 'decisions were made, and timed from the producer\'s send');
  });
}

test.run();
