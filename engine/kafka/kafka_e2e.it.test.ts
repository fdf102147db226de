// End to end through a real broker: the default fixture replayed into Kafka (fresh topics), the
// engine consuming it in lockstep, and the decision log byte for byte the one a file replay of the
// same fixture writes. Then restarts: the same group again writes nothing twice, and a log that
// holds only part of the decisions (a crash before any commit) is completed without duplicates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { runEngine } from '../engine.ts';
import { runKafkaEngine } from './kafka_engine.ts';
import { kDefaultFixture, resolveOptions, type OptionsInput } from '../options.ts';
import { resolveKafkaOptions } from '../source/kafka/options.ts';
import { replayToKafka } from '../source/kafka/producer.ts';
import { cleanUp, freshGroup, freshPrefix, kTestBrokers, requireBroker } from '../source/kafka/testing.ts';

const kFile = 'engine/kafka/kafka_e2e.it.test.ts';
const kRestartEvents = 20_000; // the restart tests use the first events only, in topics of their own

if (await requireBroker(test, kFile)) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-kafka-e2e-'));
  const prefix = freshPrefix();
  const restartPrefix = freshPrefix();
  const groups: string[] = [];
  const engineOptions = (decisions: string, threads: number, limit = 0): ReturnType<typeof resolveOptions> =>
    resolveOptions({ fixture: kDefaultFixture, threads, decisions, summary: null, deadLetters: null, progress: false, limit } satisfies OptionsInput);
  const consume = async (group: string, decisions: string, threads: number, topicPrefix = prefix): ReturnType<typeof runKafkaEngine> => {
    groups.push(group);
    const o = engineOptions(decisions, threads);
    const k = resolveKafkaOptions({ brokers: kTestBrokers, group, topicPrefix, universe: kDefaultFixture, untilEnd: true, topicRefreshMs: 0 }, o);
    return runKafkaEngine(o, k, { log: () => undefined });
  };
  const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
  let restartGroup = '';
  let restartSha = '';
  let restartDecisions = 0;

  test.after(async () => {
    await cleanUp(prefix, groups);
    await cleanUp(restartPrefix, []);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the default fixture replayed into Kafka, consumed in lockstep: the file replay\'s decision log, byte for byte', async () => {
    const replay = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: prefix, partitions: 3, rate: 0, speed: 0, limit: 0,
      watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null,
    });
    assert.ok(replay.events > 100_000, `events sent: ${replay.events}`);
    assert.is(replay.rejected, 0);
    const file = await runEngine(engineOptions(join(dir, 'file.jsonl'), 0));
    assert.ok(file.decisions > 10, `the fixture makes decisions (${file.decisions})`);

    const kafka = await consume(freshGroup('e2e'), join(dir, 'kafka.jsonl'), 0);
    assert.is(kafka.events, replay.events, 'every event reached the state');
    assert.is(kafka.deadLetters, 0);
    assert.is(kafka.kafka.late, 0, 'the merge released nothing out of order');
    assert.is(kafka.decisions, file.decisions);
    assert.is(kafka.decisionLogSha256, file.decisionLogSha256);
    assert.is(sha(join(dir, 'kafka.jsonl')), sha(join(dir, 'file.jsonl')), 'the files are the same bytes');
    assert.ok(kafka.kafka.produceToDecisionUs.count > 0, 'produce-to-decision latency was measured');
  });

  test('a restart of the same group: the state is rebuilt from the start, nothing is written twice', async () => {
    const replay = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: restartPrefix, partitions: 2, rate: 0, speed: 0, limit: kRestartEvents,
      watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null,
    });
    const file = await runEngine(engineOptions(join(dir, 'restart-file.jsonl'), 0, kRestartEvents));
    restartSha = file.decisionLogSha256;
    restartDecisions = file.decisions;
    restartGroup = freshGroup('restart');
    const first = await consume(restartGroup, join(dir, 'restart.jsonl'), 0, restartPrefix);
    assert.is(first.events, replay.events);
    assert.is(first.decisionLogSha256, restartSha);
    const again = await consume(restartGroup, join(dir, 'restart.jsonl'), 0, restartPrefix);
    assert.is(again.kafka.rebuiltEvents, again.events, 'every event was below the committed offsets');
    assert.is(again.kafka.decisionsSuppressed, restartDecisions);
    assert.is(again.kafka.lanes[0]!.decisionsWritten, 0);
    assert.is(sha(join(dir, 'restart.jsonl')), restartSha, 'the log is unchanged');
  });

  test('a log cut short by a crash before any commit (a torn last line too) is completed without duplicates', async () => {
    const full = readFileSync(join(dir, 'restart-file.jsonl'), 'utf8');
    const lines = full.split('\n').filter((l) => l !== '');
    const cut = Math.floor(lines.length / 2);
    const partial = join(dir, 'partial.jsonl');
    writeFileSync(partial, lines.slice(0, cut).join('\n') + '\n' + lines[cut]!.slice(0, 40));
    const run = await consume(freshGroup('resume'), partial, 0, restartPrefix);
    assert.is(run.kafka.lanes[0]!.decisionsWritten, lines.length - cut);
    assert.is(run.kafka.decisionsSuppressed, cut, 'the decisions already in the log were skipped by key');
    assert.is(readFileSync(partial, 'utf8'), full, 'the log is now the whole run\'s log, each decision once');
  });
}

test.run();
