// A Kafka lane decides a shard as a pure function of the shard's events: however the fetches split
// its partitions into batches, and in whatever order the partitions' batches arrive, the decision
// log is byte for byte the same. The messages are the ones the replay producer writes for shard 0
// of the shipped fixture (topic, partition, sequence header, end record); they are handed to the
// lane as kafkajs hands them to the source (no broker: the property is the lane's). The pipeline,
// agents and decision log are the real ones; only the dead-letter producer is a stand-in.
//
// The arrival that broke it: the source starts a lane's partitions one at a time, and resumes each
// as soon as it is added. The first partition's first fetch could then be pumped before its
// sibling partitions were in the lane's merge, and its events ran ahead of theirs (the cycles and
// the rebalancer's decisions then depended on which fetch came back first).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { decodeEvent } from '../source/codec.ts';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { Tape } from '../../protocol/tape.ts';
import { Lane } from '../source/kafka/lane.ts';
import type { KafkaDeadLetters } from '../source/kafka/dead_letters.ts';
import { kControlEnd, kHeaderControl, kHeaderSeq, matchesFamilies, shardKeyOfEvent, shardOf } from '../source/kafka/topics.ts';
import { fixtureLines, loadUniverse, shardRegistry } from '../source/kafka/universe.ts';
import { newLoopStats } from '../step/event_stepper.ts';
import { LatencyRecorder } from '../metrics/latency.ts';
import { LanePipeline } from './lane_pipeline.ts';

const kPartitions = 4;
const kShard = 0;
const kEvents = 6000; // of the whole fixture; shard 0's first rebalances fall well inside
const kPrefix = 'det.';

/** Shard kShard's messages per topic, as the replay producer writes them (offsets from 0, an end record last). */
async function shardMessages(): Promise<Map<string, KafkaMessage[]>> {
  const byTopic = new Map<string, KafkaMessage[]>();
  const registry = new InstrumentRegistry();
  const tape = new Tape(1);
  let seq = 0, events = 0, line = 0;
  for await (const text of fixtureLines(kDefaultFixture)) {
    line++;
    if (text.length === 0) continue;
    let ev: unknown = null;
    try { ev = JSON.parse(text); } catch { /* sent as it is */ }
    const topic = (ev as { topic?: unknown } | null)?.topic;
    if (typeof topic !== 'string' || !matchesFamilies(topic, '')) continue;
    const ok = decodeEvent(ev, registry, tape, line) === null;
    tape.reset();
    if (ok) { seq++; events++; }
    const key = shardKeyOfEvent(ev);
    const partition = key === null ? 0 : shardOf(key, kPartitions);
    if (partition === kShard) {
      const name = kPrefix + topic;
      let list = byTopic.get(name);
      if (!list) byTopic.set(name, (list = []));
      list.push({
        offset: String(list.length), key: key === null ? null : Buffer.from(key), value: Buffer.from(text), timestamp: '0', attributes: 0,
        headers: ok ? { [kHeaderSeq]: Buffer.from(String(seq)) } : {},
      } as KafkaMessage);
    }
    if (events >= kEvents) break;
  }
  for (const list of byTopic.values()) {
    list.push({ offset: String(list.length), key: null, value: null, timestamp: '0', attributes: 0, headers: { [kHeaderControl]: Buffer.from(kControlEnd), [kHeaderSeq]: Buffer.from(String(seq)) } } as KafkaMessage);
  }
  return new Map([...byTopic].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

const messages = await shardMessages();
const topics = [...messages.keys()];
const universe = await loadUniverse(kDefaultFixture);
const dir = mkdtempSync(join(tmpdir(), 'lucent-lane-det-'));
let runs = 0;

/** A batch of `topic`'s messages: [from, to). */
interface Batch { topic: string; from: number; to: number }

/**
 * Runs one lane over the shard. `schedule` lists the fetches in arrival order; `addFirst` how many
 * partitions (in topic order) are added before the first fetch is pumped, the others being added
 * when their first fetch arrives (the order the source used to start them in). Returns the log.
 */
async function runLane(schedule: Batch[], addFirst: number): Promise<{ log: string; decisions: number }> {
  const path = join(dir, `run-${runs++}.jsonl`);
  const o = resolveOptions({ fixture: kDefaultFixture, threads: 0, decisions: path, summary: null, deadLetters: null, progress: false });
  const registry = shardRegistry(universe, kShard, kPartitions);
  const stats = newLoopStats(o.agents);
  const lane = new Lane<LanePipeline>({
    id: `shard-${kShard}`, shard: kShard, partitions: kPartitions, registry, universe, topicPrefix: kPrefix,
    ordered: true, bufferPerPartition: 1 << 15, rate: 0, commitIntervalMs: 0, partitionsExpected: topics.length,
    // stand-in for the dead-letter topic's producer (no broker here): the fixture's shard has none
    deadLetters: { add: () => undefined, flush: async () => undefined } as unknown as KafkaDeadLetters,
    open: () => LanePipeline.open(o, registry, path, false, stats, new LatencyRecorder()),
    countEvents: () => undefined,
    commit: async () => true,
  });
  await lane.start();
  const index = new Map<string, number>();
  const add = (topic: string): number => {
    let p = index.get(topic);
    if (p === undefined) index.set(topic, (p = lane.addPartition(topic, kShard, 0, 0)));
    return p;
  };
  for (const t of topics.slice(0, addFirst)) add(t);
  for (const b of schedule) {
    const p = add(b.topic);
    const list = messages.get(b.topic)!;
    for (let i = b.from; i < b.to; i++) lane.receive(p, list[i]!, 0);
    await lane.pump();
  }
  for (const t of topics) add(t);
  await lane.pump(undefined, true);
  const report = await lane.stop();
  assert.is(report.events, [...messages.values()].reduce((n, l) => n + l.length - 1, 0), 'every event of the shard was stepped');
  return { log: readFileSync(path, 'utf8'), decisions: report.target!.decisions().decisions };
}

/** Every topic's messages in batches of `size`, the topics' batches taken round-robin from `start`. */
function roundRobin(size: number, start = 0): Batch[] {
  const out: Batch[] = [];
  const order = [...topics.slice(start), ...topics.slice(0, start)];
  for (let from = 0; order.some((t) => from < messages.get(t)!.length); from += size) {
    for (const t of order) {
      const n = messages.get(t)!.length;
      if (from < n) out.push({ topic: t, from, to: Math.min(n, from + size) });
    }
  }
  return out;
}

/** Each topic whole, one after the other (a partition drained before the next is fetched). */
function whole(order: string[]): Batch[] {
  return order.map((t) => ({ topic: t, from: 0, to: messages.get(t)!.length }));
}

test.after(() => { rmSync(dir, { recursive: true, force: true }); });

test('the same shard in different batch splits and arrival orders gives byte-identical decisions', async () => {
  assert.ok(topics.length >= 3, `shard ${kShard} has ${topics.length} topics`);
  const ref = await runLane(whole(topics), topics.length);
  assert.ok(ref.decisions >= 20, `${ref.decisions} decisions in the reference`);
  const rebalances = ref.log.split('\n').filter((l) => l.includes('"agent":"portfolio_rebalancer"')).length;
  assert.ok(rebalances > 0, 'the rebalancer decides in this shard');
  const cases: [string, Batch[], number][] = [
    ['every partition added first, batches of 1, round-robin', roundRobin(1), topics.length],
    ['every partition added first, batches of 37, round-robin from the last topic', roundRobin(37, topics.length - 1), topics.length],
    ['every partition added first, the topics whole in reverse order', whole([...topics].reverse()), topics.length],
    // the arrival the source produced: the first partition added and its first fetch pumped
    // before the other partitions were added
    ['one partition added, its first fetch of 500 pumped, then the others', roundRobin(500), 1],
    ['one partition added and fetched whole before the others', whole(topics), 1],
  ];
  for (const [what, schedule, addFirst] of cases) {
    const got = await runLane(schedule, addFirst);
    assert.is(got.decisions, ref.decisions, `${what}: ${got.decisions} decisions, the reference ${ref.decisions}`);
    assert.ok(got.log === ref.log, `${what}: the decision log differs from the reference's`);
  }
  console.log(`  shard ${kShard}: ${topics.length} partitions (${topics.map((t) => messages.get(t)!.length - 1).join('/')} events), ${ref.decisions} decisions (${rebalances} by portfolio_rebalancer), identical in ${cases.length} batch splits and arrival orders`);
});

test.run();
