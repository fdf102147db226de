// A shard taken over from a state snapshot, through a real broker and PostgreSQL (the shared event
// store): a single process decides a topic set with lane snapshots on (--snapshot-every, kept in
// the event store, stream snapshot-lane-0). Then two processes take the shard over afresh, each in
// a consumer group whose committed offsets are those of a snapshot in the middle of the run (as if
// the process that held the shard had died right after committing there):
//   - B (--snapshot-every): restores that snapshot (the newer ones lie past the committed offsets
//     and are not usable) and reads each partition from the snapshot's offsets;
//   - C (no snapshots): rebuilds the shard's state from the oldest retained offset.
// Both write exactly the reference's decisions after the snapshot, byte for byte and in order; B
// consumed only the events after the snapshot's offsets, C all of them. The line printed compares
// the events each replayed, the time each took from its process's start to its first decision and
// to its end, and the time its lane spent stepping (first to last event).
// LUCENT_SNAPSHOT_EVENTS sets the number of events (default 100,000).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { laneSnapshotName, runKafkaEngine, shardDecisionPath, type KafkaSummary } from './kafka_engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { createKafka } from '../source/kafka/client.ts';
import { resolveKafkaOptions } from '../source/kafka/options.ts';
import { replayToKafka } from '../source/kafka/producer.ts';
import { cleanUp, freshGroup, freshPrefix, kTestBrokers, lines, requireBroker, spawnEngine } from '../source/kafka/testing.ts';
import { dropSchema, freshSchema, kTestPgUrl, requirePostgres } from '../sinks/event_store/testing/pg_testing.ts';
import { openEventStore } from '../sinks/event_store/open.ts';
import { snapshotStream, type SnapshotEvent } from '../snapshot/snapshot_store.ts';

const kFile = 'engine/kafka/kafka_lane_snapshot.it.test.ts';
const kCli = new URL('../cli.ts', import.meta.url).pathname;
const kEvents = Number(process.env.LUCENT_SNAPSHOT_EVENTS ?? 100_000);
const kEvery = Math.ceil(kEvents / 5);

if (await requireBroker(test, kFile) && await requirePostgres(test, kFile)) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-kafka-lanesnap-'));
  const prefix = freshPrefix();
  const groups = { ref: freshGroup('snap-ref'), a: freshGroup('snap-a'), b: freshGroup('snap-b'), c: freshGroup('snap-c') };
  const schema = freshSchema();
  const storeUrl = `${kTestPgUrl}?schema=${schema}`;

  test.after(async () => {
    await dropSchema(schema).catch(() => undefined);
    await cleanUp(prefix, Object.values(groups));
    if (process.env.LUCENT_KEEP_TMP) console.log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  test('a shard taken over from a snapshot: the reference\'s decisions after it, from only the events after its offsets', async () => {
    const replay = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: prefix, partitions: 1, rate: 0, speed: 0, limit: kEvents,
      watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null,
    });
    assert.is(replay.events, kEvents);

    // The reference (no snapshots), then the same run taking snapshots: snapshots change nothing.
    const run = async (group: string, path: string, snapshotEvery: number): Promise<KafkaSummary> => {
      const o = resolveOptions({ fixture: kDefaultFixture, threads: 0, decisions: path, summary: null, deadLetters: null, progress: false, snapshotEvery });
      return runKafkaEngine(o, resolveKafkaOptions({ brokers: kTestBrokers, group, topicPrefix: prefix, scope: 'shard', untilEnd: true, topicRefreshMs: 0 }, o),
        { log: () => undefined, eventStore: snapshotEvery > 0 ? storeUrl : undefined });
    };
    if (process.env.LUCENT_TRACE) console.log(`  trace: produced at ${Math.round(performance.now())} ms`);
    const refSummary = await run(groups.ref, join(dir, 'ref', 'decisions.jsonl'), 0);
    const ref = lines(shardDecisionPath(join(dir, 'ref', 'decisions.jsonl'), 0));
    assert.is(refSummary.events, kEvents);
    assert.ok(ref.length > 100, `the reference decides: ${ref.length}`);
    const a = await run(groups.a, join(dir, 'a', 'decisions.jsonl'), kEvery);
    assert.equal(lines(shardDecisionPath(join(dir, 'a', 'decisions.jsonl'), 0)), ref, 'a run that takes snapshots decides what the reference decides');
    const taken = a.kafka.lanes[0]!.snapshots!.taken;
    if (process.env.LUCENT_TRACE) console.log(`  trace: reference and snapshot runs done at ${Math.round(performance.now())} ms`);
    assert.ok(taken >= 3, `snapshots taken: ${taken}`);

    // The snapshots A stored; the takeover's group is committed at one in the middle.
    const store = await openEventStore(storeUrl);
    let snaps: SnapshotEvent[];
    try {
      snaps = (await store.readStream(snapshotStream(laneSnapshotName(0)), { maxCount: 100_000 })).filter((e) => e.type === 'snapshot').map((e) => e.data as SnapshotEvent);
    } finally {
      await store.close();
    }
    assert.is(snaps.length, taken);
    const mid = snaps[Math.floor(snaps.length / 2)]!.header;
    assert.ok(mid.events > 0 && mid.events < kEvents && mid.offsets !== undefined);
    assert.is(Object.keys(mid.offsets!).sort().join(','), replay.topics.map((t) => `${t}/0`).sort().join(','), 'the snapshot has every partition\'s offset');
    // Each group commits the snapshot's offsets through a member of its own that reads nothing
    // (admin.setOffsets costs a consumer per topic); the member then leaves.
    const kafka = createKafka({ brokers: kTestBrokers, clientId: 'lucent-it-lanesnap' });
    const commitAt = async (groupId: string): Promise<void> => {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 20 });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => {
        consumer.pause(replay.topics.map((topic) => ({ topic })));
        resolve();
      }));
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: replay.topics, fromBeginning: true });
        await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
        await joined;
        await consumer.commitOffsets(replay.topics.map((topic) => ({ topic, partition: 0, offset: mid.offsets![`${topic}/0`]! })));
      } finally {
        await consumer.disconnect();
      }
    };
    if (process.env.LUCENT_TRACE) console.log(`  trace: setting offsets at ${Math.round(performance.now())} ms`);
    await commitAt(groups.b);
    await commitAt(groups.c);
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const g of [groups.b, groups.c]) {
        const got = await admin.fetchOffsets({ groupId: g, topics: replay.topics });
        for (const t of got) assert.is(t.partitions[0]!.offset, mid.offsets![`${t.topic}/0`], `${g} committed at the snapshot`);
      }
    } finally {
      await admin.disconnect();
    }

    // The takeovers: separate processes, B from the snapshot, C from the log start.
    const takeover = async (who: 'b' | 'c'): Promise<{ summary: KafkaSummary; log: string[]; firstMs: number; endMs: number; err: string }> => {
      const path = join(dir, who, 'decisions.jsonl');
      const shard = shardDecisionPath(path, 0);
      const t0 = performance.now();
      const child = spawnEngine(kCli, [
        '--source', 'kafka', '--scope', 'shard', '--brokers', kTestBrokers.join(','), '--group', groups[who], '--topic-prefix', prefix,
        '--universe', kDefaultFixture, '--threads', '0', '--until-end', '--topic-refresh', '0',
        '--decisions', path, '--summary', join(dir, `summary-${who}.json`), '--dead-letters', join(dir, `dl-${who}.jsonl`), '--json',
        '--event-store', storeUrl, // both read the shard's audit stream when they start
        ...(who === 'b' ? ['--snapshot-every', String(kEvery)] : []),
      ]);
      let firstMs = NaN;
      let exited = false;
      void child.exited.then(() => { exited = true; });
      while (!exited && firstMs !== firstMs) {
        if (existsSync(shard) && statSync(shard).size > 0) firstMs = performance.now() - t0;
        else await new Promise((r) => setTimeout(r, 10));
      }
      const code = await child.exited;
      const endMs = performance.now() - t0;
      assert.is(code, 0, `${who} exits 0:\n${child.err.slice(-2000)}`);
      return { summary: JSON.parse(readFileSync(join(dir, `summary-${who}.json`), 'utf8')) as KafkaSummary, log: lines(shard), firstMs, endMs, err: child.err };
    };
    if (process.env.LUCENT_TRACE) console.log(`  trace: takeovers start at ${Math.round(performance.now())} ms`);
    const b = await takeover('b');
    const c = await takeover('c');
    const after = ref.slice(mid.decisions ?? 0);
    const bLane = b.summary.kafka.lanes[0]!;
    const cLane = c.summary.kafka.lanes[0]!;
    assert.equal(bLane.snapshots?.resumedFrom?.events, mid.events, `B restored the snapshot within the committed offsets (at event ${mid.events}), not a newer one:\n${b.err.slice(-1500)}`);
    assert.is(bLane.events, kEvents - mid.events, 'B consumed only the events after the snapshot\'s offsets');
    assert.is(bLane.rebuiltEvents, 0);
    assert.equal(b.log, after, 'B: the reference\'s decisions after the snapshot, byte for byte');
    assert.is(cLane.events, kEvents, 'C replayed from the start');
    assert.is(cLane.rebuiltEvents, mid.events);
    assert.equal(c.log, after, 'C: the same decisions');
    const keys = new Set(b.log.map((l) => (JSON.parse(l) as { key: string }).key));
    assert.is(keys.size, b.log.length, 'each key once');

    const f = (n: number): string => Math.round(n).toLocaleString('en-US');
    console.log(`  ${f(kEvents)} events, snapshot at event ${f(mid.events)} (${f(mid.decisions ?? 0)} decisions before it, ${f(a.kafka.lanes[0]!.snapshots!.lastBytes)} bytes): ` +
      `from the snapshot ${f(bLane.events)} events replayed, read+restore ${f(bLane.snapshots!.restoreMs)} ms, first decision ${f(b.firstMs)} ms, end ${f(b.endMs)} ms, stepping ${f(bLane.lastStepMs - bLane.firstStepMs)} ms; ` +
      `from the start ${f(cLane.events)} events replayed, first decision ${f(c.firstMs)} ms, end ${f(c.endMs)} ms, stepping ${f(cLane.lastStepMs - cLane.firstStepMs)} ms (process start to exit; ${f(after.length)} decisions after the snapshot; load ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  });
}

test.run();
