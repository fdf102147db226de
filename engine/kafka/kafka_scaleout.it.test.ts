// Scale-out through a real broker: two engine processes in one consumer group (shard scope) split
// the shards; one is killed (SIGKILL) mid-run; the other takes its shards over, rebuilds their
// state by replaying them from their first offset (decisions below the committed offsets are not
// written again, nor any whose key the shard's log holds), and finishes. The shards' decision logs
// are then line for line those of a single process that consumed everything: nothing lost,
// nothing decided twice. With PostgreSQL at hand both processes also keep the audit trail in one
// store (--event-store): each shard's stream `decisions-shard-<p>` then holds exactly the same
// decisions, each key once, however the shard moved between the processes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKafkaEngine, shardDecisionPath, type KafkaSummary } from './kafka_engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { createKafka } from '../source/kafka/client.ts';
import { resolveKafkaOptions } from '../source/kafka/options.ts';
import { replayToKafka } from '../source/kafka/producer.ts';
import {
  cleanUp, freshGroup, freshPrefix, kTestBrokers, lines, requireBroker, spawnEngine, until, type EngineChild,
} from '../source/kafka/testing.ts';
import { dropSchema, freshSchema, kTestPgUrl, probePostgres } from '../sinks/event_store/testing/pg_testing.ts';
import { openEventStore } from '../sinks/event_store/open.ts';
import { exportStream } from '../sinks/event_store/export.ts';
import { kLaneClaimType } from '../sinks/event_store/streams.ts';
import { laneStream } from './lane_audit.ts';
import { keyCounts } from '../recovery/key_counts.ts';

const kFile = 'engine/kafka/kafka_scaleout.it.test.ts';
const kCli = new URL('../cli.ts', import.meta.url).pathname;
const kEvents = 30_000;
const kPartitions = 4;
// events/s per shard: A slow, so that it is still mid-run when it is killed however long B takes
// to start and join on a loaded machine (shard 0 lasts about 30 s at this rate); B faster
const kRateA = 300;
const kRateB = 2000;

if (await requireBroker(test, kFile)) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-kafka-scale-'));
  const prefix = freshPrefix();
  const refGroup = freshGroup('scale-ref');
  const group = freshGroup('scale');
  const children: EngineChild[] = [];
  const pgDown = await probePostgres();
  const schema = freshSchema();
  const storeUrl = `${kTestPgUrl}?schema=${schema}`;
  if (pgDown !== null) console.log(`  (no PostgreSQL at ${kTestPgUrl}: ${pgDown}; the audit trail part is left out)`);

  test.after(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    if (pgDown === null) await dropSchema(schema).catch(() => undefined);
    await cleanUp(prefix, [refGroup, group]);
    if (process.env.LUCENT_KEEP_TMP) console.log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  test('two processes split the shards; one is killed; the other takes over: the union is the single process\'s decisions, each once', async () => {
    const replay = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: prefix, partitions: kPartitions, rate: 0, speed: 0, limit: kEvents,
      watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null,
    });
    assert.is(replay.events, kEvents);

    // The single process: every shard, start to end.
    const refLog = join(dir, 'ref', 'decisions.jsonl');
    const o = resolveOptions({ fixture: kDefaultFixture, threads: 0, decisions: refLog, summary: null, deadLetters: null, progress: false });
    const ref = await runKafkaEngine(o, resolveKafkaOptions({ brokers: kTestBrokers, group: refGroup, topicPrefix: prefix, scope: 'shard', untilEnd: true, topicRefreshMs: 0 }, o), { log: () => undefined });
    assert.is(ref.events, kEvents);
    const refShards = Array.from({ length: kPartitions }, (_, p) => lines(shardDecisionPath(refLog, p)));
    assert.ok(refShards.filter((l) => l.length > 0).length >= 3, `decisions in most shards: ${refShards.map((l) => l.length).join(' ')}`);

    // Two processes in one group, writing their shards' logs in one folder.
    const log = join(dir, 'group', 'decisions.jsonl');
    const args = (who: 'a' | 'b'): string[] => [
      '--source', 'kafka', '--scope', 'shard', '--brokers', kTestBrokers.join(','), '--group', group, '--topic-prefix', prefix,
      '--universe', kDefaultFixture, '--threads', '0', '--rate', String(who === 'a' ? kRateA : kRateB), '--session-timeout', '6000', '--topic-refresh', '0',
      '--decisions', log, '--summary', join(dir, `summary-${who}.json`), '--dead-letters', join(dir, `dl-${who}.jsonl`), '--json',
      ...(pgDown === null ? ['--event-store', storeUrl] : []),
    ];
    const a = spawnEngine(kCli, args('a'));
    children.push(a);
    // the limits below guard against a hang; a loaded machine needs the margin
    await until('A to start its lanes', () => (a.err.match(/lane started/g) ?? []).length >= kPartitions, 60_000);
    const b = spawnEngine(kCli, args('b'));
    children.push(b);
    await until('B to take shards', () => /lane started/.test(b.err), 60_000, () => b.err.slice(-500));
    await until('A to give shards up', () => /partitions taken away/.test(a.err), 60_000, () => a.err.slice(-500));
    await new Promise((r) => setTimeout(r, 500));
    const aShards = [...a.err.matchAll(/shard-(\d+): lane started/g)].map((m) => Number(m[1]))
      .filter((p) => !new RegExp(`shard-${p}: partitions taken away`).test(a.err));
    assert.ok(aShards.length > 0, 'A kept shards');
    assert.is(a.proc.exitCode, null, 'A is still running');
    const beforeKill = aShards.map((p) => lines(shardDecisionPath(log, p)).length);
    a.proc.kill('SIGKILL');
    await a.exited;

    const admin = createKafka({ brokers: kTestBrokers, clientId: 'lucent-it-scale' }).admin();
    await admin.connect();
    try {
      // A was killed mid-run: some partition of its shards is not committed to its end.
      let behind = 0;
      for (const topic of replay.topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const committed = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions;
        for (const e of ends) {
          if (!aShards.includes(e.partition)) continue;
          const c = Number(committed.find((x) => x.partition === e.partition)?.offset ?? -1);
          behind += Math.max(0, Number(e.high) - Math.max(c, 0));
        }
      }
      assert.ok(behind > 1000, `A was killed mid-run: ${behind} messages of its shards not committed`);
      // B finishes everything: the group's committed offsets reach every partition's end.
      await until('the group to commit every partition to its end', async () => {
        for (const topic of replay.topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          const committed = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions;
          for (const e of ends) {
            const c = committed.find((x) => x.partition === e.partition);
            if (!c || Number(c.offset) < Number(e.high)) return false;
          }
        }
        return true;
      }, 120_000);
    } finally {
      await admin.disconnect();
    }
    b.proc.kill('SIGTERM');
    assert.is(await b.exited, 143, `B stopped cleanly by SIGTERM (exit 143, README 'Stops, errors and exit status'):\n${b.err.slice(-2000)}`);
    const bSummary = JSON.parse(readFileSync(join(dir, 'summary-b.json'), 'utf8')) as KafkaSummary;
    const taken = bSummary.kafka.lanes.filter((l) => aShards.includes(Number(l.id.slice('shard-'.length))));
    assert.ok(taken.length > 0, 'B ran lanes for the shards A held');
    assert.ok(taken.some((l) => l.rebuiltEvents > 0), 'B rebuilt their state from the partitions before deciding on them');
    assert.ok(taken.some((l) => l.events > l.rebuiltEvents), 'and went on past the committed offsets');

    // The union of both processes' decisions, shard by shard: exactly the single process's.
    const seen = new Set<string>();
    for (let p = 0; p < kPartitions; p++) {
      const got = lines(shardDecisionPath(log, p));
      assert.equal(got, refShards[p], `shard ${p}: same decisions, same order, none missing, none twice`);
      for (const l of got) {
        const key = (JSON.parse(l) as { key: string }).key;
        assert.not.ok(seen.has(key), `key ${key} once`);
        seen.add(key);
      }
    }
    assert.is(seen.size, ref.kafka.lanes.reduce((s, l) => s + l.decisionsWritten, 0));

    // The audit trail both processes kept: each shard's stream is that shard's decisions, each key once.
    if (pgDown === null) {
      const store = await openEventStore(storeUrl);
      try {
        const counts: string[] = [];
        for (let p = 0; p < kPartitions; p++) {
          let text = '';
          await exportStream(store, laneStream(p), (t) => { text += t; });
          const trail = text.split('\n').filter((l) => l !== '');
          const c = keyCounts(refShards[p]!, trail);
          const claims = (await store.readStream(laneStream(p), { maxCount: 100_000 })).filter((e) => e.type === kLaneClaimType).length;
          counts.push(`shard ${p}: expected ${c.expected}, found ${c.found}, duplicated ${c.duplicated}, missing ${c.missing} (${claims} claims)`);
          assert.equal(trail, refShards[p], `audit stream of shard ${p}: the single process's decisions, each once`);
          assert.ok(claims >= 1, `shard ${p} was claimed`);
        }
        console.log(`  audit trail (PostgreSQL, both processes): ${counts.join('; ')}`);
      } finally {
        await store.close();
      }
    }
    console.log(`  A held shards ${aShards.join(',')} with ${beforeKill.join('/')} of ${aShards.map((p) => refShards[p]!.length).join('/')} decisions written when killed; ` +
      `B rebuilt ${taken.map((l) => `${l.id} from ${l.rebuiltEvents} events (${l.decisionsSuppressed} decisions not written again, ${l.decisionsWritten} written)`).join(', ')}; ` +
      `${seen.size} decisions in all`);
  });
}

test.run();
