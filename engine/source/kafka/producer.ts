// Replays a fixture into Kafka: each event to its topic (with the topic prefix in front), keyed
// by its universe shard (topics.ts), with a header carrying its sequence
// number in the fixture (its epoch in a file replay: the n-th event the codec accepts) and one
// carrying the wall-clock time it was sent (paced: how long events waited after they were due is
// reported apart, behindScheduleUs). Sends are awaited one batch at a time with an idempotent producer, so each
// partition holds its events in file order. Paced by a fixed rate or by the recorded timing (the
// producer sleeps until the next event is due, never spins, and keeps one request in flight while
// it reads on: each request carries every event that fell due during the one before); while paced, every partition gets a watermark record now and then (so
// a lockstep consumer's merge need not wait for quiet partitions), and at the end an end record.
// Lines the codec rejects are sent too, without a sequence header (the consumer dead-letters them).
import { Partitioners } from 'kafkajs';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { LucentError } from '../../../protocol/errors.ts';
import { InstrumentRegistry } from '../../../protocol/registry.ts';
import { decodeEvent } from '../codec.ts';
import { createKafka } from './client.ts';
import {
  deadLetterTopic, kControlEnd, kControlWatermark, kHeaderControl, kHeaderProducedUs, kHeaderSeq, matchesFamilies, shardKeyOfEvent, shardOf,
} from './topics.ts';
import { fixtureLines, writeUniverse } from './universe.ts';
import { Tape } from '../../../protocol/tape.ts';
import { LatencyRecorder, type LatencySummary } from '../../metrics/latency.ts';

export interface ReplayOptions {
  brokers: string[];
  fixture: string;
  topicPrefix: string;
  partitions: number;
  rate: number; // events/s (0 = as fast as possible)
  speed: number; // multiple of the recorded timing (0 = off)
  limit: number; // events (0 = all)
  watermarkMs: number; // while paced: a watermark on every partition this often (0 = never)
  endMarkers: boolean; // an end record on every partition at the end
  batchSize: number; // events per send when not paced
  universeOut: string | null; // write the universe file here
  onProgress?: ((sent: number, total: number) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export interface ReplayReport {
  lines: number;
  events: number; // sent with a sequence number
  rejected: number; // lines the codec rejects (sent without one)
  unroutable: number; // lines with no usable topic (not sent)
  topics: string[];
  partitions: number;
  createdTopics: string[];
  lastSeq: number;
  seconds: number;
  eventsPerSec: number;
  /**
   * Paced: how long each event waited in the producer after it was due, until the request that
   * carried it was sent (the produced-us header is that send's time, so produce-to-decision does
   * not include this wait). Null unpaced.
   */
  behindScheduleUs: LatencySummary | null;
}

interface Item {
  topic: string; partition: number; key: string | null; value: string; seq: number; ts: number;
  /** Paced: when the event was due (performance.now() ms); NaN unpaced. */
  dueMs: number;
}

/** An admin request, tried again while the broker answers with a retriable error (a busy broker, a topic still being made). */
async function retrying<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(2 * delay, 1000)) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || performance.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Creates the topics that are missing; an existing topic must have `partitions` partitions. */
/** Creates the missing topics (with `configEntries`, e.g. message.timestamp.type); checks the partitions of the others. */
export async function ensureTopics(admin: Admin, topics: string[], partitions: number, configEntries: { name: string; value: string }[] = []): Promise<string[]> {
  const existing = new Set(await retrying(() => admin.listTopics()));
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await retrying(() => admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1, configEntries })) }));
  }
  const have = topics.filter((t) => existing.has(t));
  if (have.length > 0) {
    const meta = await retrying(() => admin.fetchTopicMetadata({ topics: have }));
    for (const t of meta.topics) {
      if (t.partitions.length !== partitions) {
        throw new LucentError('ERR_KAFKA', `topic ${t.name} exists with ${t.partitions.length} partitions, not ${partitions}: delete it or replay with --partitions ${t.partitions.length}`);
      }
    }
  }
  return missing;
}

interface Control { topic: string; partition: number; control: string; seq: number }

/** One produce request: the events in order, then control records (after the events of their partition). */
async function sendItems(producer: Producer, items: Item[], controls: Control[] = [], lag: LatencyRecorder | null = null): Promise<void> {
  if (items.length === 0 && controls.length === 0) return;
  const sentMs = performance.now();
  const produced = String(Math.round((performance.timeOrigin + sentMs) * 1000));
  const byTopic = new Map<string, Message[]>();
  const list = (topic: string): Message[] => {
    let l = byTopic.get(topic);
    if (!l) { l = []; byTopic.set(topic, l); }
    return l;
  };
  for (const it of items) {
    const headers: Record<string, string> = { [kHeaderProducedUs]: produced };
    if (it.dueMs === it.dueMs && lag !== null) lag.recordNs((sentMs - it.dueMs) * 1e6);
    if (it.seq > 0) headers[kHeaderSeq] = String(it.seq);
    list(it.topic).push({ key: it.key, value: it.value, partition: it.partition, headers });
  }
  for (const c of controls) {
    list(c.topic).push({ key: null, value: null, partition: c.partition, headers: { [kHeaderControl]: c.control, [kHeaderSeq]: String(c.seq) } });
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

function controlsFor(topics: string[], partitions: number, control: string, seq: number, skip?: (topic: string, p: number) => boolean): Control[] {
  const out: Control[] = [];
  for (const topic of topics) for (let partition = 0; partition < partitions; partition++) {
    if (!skip?.(topic, partition)) out.push({ topic, partition, control, seq });
  }
  return out;
}

/** Reads the fixture once: its topics (with the prefix), its universe, and how many events it has. */
export async function scanFixture(o: { fixture: string; topicPrefix: string; limit: number }): Promise<{ topics: string[]; registry: InstrumentRegistry; events: number }> {
  const registry = new InstrumentRegistry();
  const tape = new Tape(1);
  const topics = new Set<string>();
  let events = 0;
  let line = 0;
  for await (const text of fixtureLines(o.fixture)) {
    line++;
    if (text.length === 0) continue;
    let ev: unknown;
    try { ev = JSON.parse(text); } catch { continue; }
    const topic = (ev as { topic?: unknown } | null)?.topic;
    if (typeof topic === 'string' && matchesFamilies(topic, '')) topics.add(o.topicPrefix + topic);
    if (decodeEvent(ev, registry, tape, line) === null) events++;
    tape.reset();
    if (o.limit > 0 && events >= o.limit) break;
  }
  return { topics: [...topics].sort(), registry, events };
}

export async function replayToKafka(o: ReplayOptions, kafka: Kafka = createKafka({ brokers: o.brokers, clientId: `lucent-replay-${process.pid}` })): Promise<ReplayReport> {
  const t0 = performance.now();
  const { topics, registry, events: total } = await scanFixture(o);
  if (o.universeOut !== null) writeUniverse(o.universeOut, registry);
  const admin = kafka.admin();
  await admin.connect();
  let created: string[];
  try {
    created = await ensureTopics(admin, [...topics, deadLetterTopic(o.topicPrefix)], o.partitions);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({
    idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const paced = o.rate > 0 || o.speed > 0;
  const lag = paced ? new LatencyRecorder() : null;
  const report: ReplayReport = {
    lines: 0, events: 0, rejected: 0, unroutable: 0, topics, partitions: o.partitions, createdTopics: created, lastSeq: 0,
    seconds: 0, eventsPerSec: 0, behindScheduleUs: null,
  };
  const tape = new Tape(1);
  const decodeRegistry = new InstrumentRegistry();
  let batch: Item[] = [];
  let seq = 0;
  let ts0 = NaN;
  let start = 0;
  let lastWatermark = 0;
  // Paced: the request in flight (at most one), and the first error of one.
  let busy = false;
  let last: Promise<void> = Promise.resolve();
  let failed: unknown = null;
  const ship = (items: Item[], controls: Control[] = []): void => {
    busy = true;
    last = sendItems(producer, items, controls, lag).then(() => { busy = false; }, (err: unknown) => { busy = false; failed ??= err; });
  };
  let lastProgress = 0;
  const lastWrite = new Map<string, number>(); // topic/partition → when an event was last sent to it
  try {
    for await (const text of fixtureLines(o.fixture)) {
      if (o.signal?.aborted) break;
      report.lines++;
      if (text.length === 0) continue;
      let ev: unknown = null;
      try { ev = JSON.parse(text); } catch { /* sent as it is, below */ }
      const topic = (ev as { topic?: unknown } | null)?.topic;
      if (typeof topic !== 'string' || !matchesFamilies(topic, '')) { report.unroutable++; continue; }
      const ok = decodeEvent(ev, decodeRegistry, tape, report.lines) === null;
      tape.reset();
      const key = shardKeyOfEvent(ev);
      const item: Item = {
        topic: o.topicPrefix + topic, partition: key === null ? 0 : shardOf(key, o.partitions), key, value: text,
        seq: ok ? ++seq : 0, ts: Number((ev as { ts?: unknown }).ts), dueMs: NaN,
      };
      if (ok) report.events++; else report.rejected++;
      if (paced) {
        if (failed !== null) throw failed;
        if (start === 0) { start = performance.now(); ts0 = item.ts; lastWatermark = start; }
        const intended = start + (o.rate > 0 ? ((seq - 1) * 1000) / o.rate : (item.ts - ts0) / 1000 / o.speed);
        let now = performance.now();
        if (intended > now) {
          // Not due yet: what is due goes now (after the request in flight), then sleep until this
          // event is due. No spinning: a spinning producer takes a core from the broker and the
          // consumer; the events that fall due while it sleeps (~1 ms timer) go together.
          if (batch.length > 0) {
            if (busy) await last.catch(() => undefined);
            ship(batch);
            batch = [];
          }
          now = performance.now();
          if (intended > now) await new Promise((r) => setTimeout(r, intended - now));
        }
        item.dueMs = intended;
        batch.push(item);
        now = performance.now();
        lastWrite.set(`${item.topic}/${item.partition}`, now);
        if (busy) {
          // One request at a time (each partition keeps file order); the next carries all that
          // fell due meanwhile, while this loop goes on reading instead of waiting for the reply.
          if (batch.length >= o.batchSize) { await last.catch(() => undefined); ship(batch); batch = []; }
        } else if (o.watermarkMs > 0 && now - lastWatermark >= o.watermarkMs) {
          // Only partitions without an event for a while need one: the others move the merge on themselves.
          const quiet = (topic: string, p: number): boolean => now - (lastWrite.get(`${topic}/${p}`) ?? -Infinity) >= o.watermarkMs;
          ship(batch, controlsFor(topics, o.partitions, kControlWatermark, seq, (t, p) => !quiet(t, p)));
          batch = [];
          lastWatermark = now;
        } else {
          ship(batch);
          batch = [];
        }
      } else {
        batch.push(item);
        if (batch.length >= o.batchSize) { await sendItems(producer, batch); batch = []; }
      }
      if (o.onProgress && performance.now() - lastProgress > 1000) { lastProgress = performance.now(); o.onProgress(seq, total); }
      if (o.limit > 0 && seq >= o.limit) break;
    }
    await last.catch(() => undefined);
    if (failed !== null) throw failed;
    await sendItems(producer, batch, o.endMarkers ? controlsFor(topics, o.partitions, kControlEnd, seq) : [], lag);
  } finally {
    await last.catch(() => undefined);
    await producer.disconnect();
  }
  report.lastSeq = seq;
  report.seconds = (performance.now() - t0) / 1000;
  report.eventsPerSec = Math.round(report.events / report.seconds);
  report.behindScheduleUs = lag === null ? null : lag.summary();
  o.onProgress?.(seq, total);
  return report;
}
