// A full kafkajs round trip through a real broker, the way lucent-engine uses Kafka: create
// topics, produce a batch (idempotent producer), consume it in a consumer group subscribed by a
// topic pattern, commit and read back the offsets, then let a second member join the group and
// check that the rebalance splits the partitions and the next batch is read exactly once.
// First it compares the broker's protocol API versions with the ones kafkajs implements. It prints
// one line per step and the protocol API versions kafkajs negotiated with the broker.
//
// Usage: node scripts/kafka/check-kafkajs.ts [--apis] [--verbose] [host:port]
//        (default 127.0.0.1:$KAFKA_PORT, or 127.0.0.1:9092; --apis prints the whole API table,
//        --verbose prints kafkajs's own log lines as they come)
// Exit 0 when every step passes; 1 at the first failure, with the step and the broker's error.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Consumer, EachMessagePayload, LogEntry, RequestEvent } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { compareApis, fetchBrokerApiVersions } from './api_versions.ts';
import type { ApiCompat } from './api_versions.ts';

const kPartitionsPerTopic = 3;
const kTopicSuffixes = ['btc-usdt', 'eth-usdt'];
const kMessagesPerTopic = 50;
const kStepTimeoutMs = 30_000;
const kPollMs = 50;

// The APIs this round trip (and the engine's consumer and producer) cannot do without.
const kCoreApis = new Set(['Produce', 'Fetch', 'ListOffsets', 'Metadata', 'OffsetCommit', 'OffsetFetch',
  'GroupCoordinator', 'JoinGroup', 'Heartbeat', 'LeaveGroup', 'SyncGroup', 'DescribeGroups', 'ApiVersions',
  'CreateTopics', 'DeleteTopics', 'InitProducerId', 'DeleteGroups']);

const args = process.argv.slice(2);
const printApiTable = args.includes('--apis');
const verbose = args.includes('--verbose');
const broker = args.find((a) => !a.startsWith('--')) ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`;
const runId = randomBytes(4).toString('hex');
const topicPrefix = `market.prices.check${runId}.`;
const topics = kTopicSuffixes.map((s) => topicPrefix + s);
// The engine subscribes to families such as /^market\.prices\..*/; this run narrows the family
// to its own topics so that leftovers from other runs do not join in.
const topicPattern = new RegExp(`^market\\.prices\\.check${runId}\\..*`);
const groupId = `lucent-check-${runId}`;
const totalPartitions = topics.length * kPartitionsPerTopic;

// Which version of each protocol API kafkajs chose (after its ApiVersions negotiation).
const apiVersionsUsed = new Map<string, Set<number>>();
function recordRequest(event: RequestEvent): void {
  const { apiName, apiVersion } = event.payload;
  let versions = apiVersionsUsed.get(apiName);
  if (!versions) apiVersionsUsed.set(apiName, (versions = new Set()));
  versions.add(apiVersion);
}

// kafkajs logs every error answer at ERROR, including the retriable ones that any start-up
// shows (coordinator loading, group rebalancing). The lines are kept and printed only when a
// step fails, or as they come with --verbose.
const kKeptLogLines = 60;
const keptLog: string[] = [];
function logCreator(): (entry: LogEntry) => void {
  return ({ namespace, level, log }) => {
    const { message, error, stack: _stack, timestamp: _ts, logger: _logger, ...extra } = log as
      Record<string, unknown> & { message: string };
    const name = level === logLevel.ERROR ? 'ERROR' : level === logLevel.WARN ? 'WARN' : 'INFO';
    const detail = Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : '';
    const line = `  [kafkajs ${name} ${namespace}] ${message}${error ? `: ${String(error)}` : ''}${detail}`;
    if (verbose) console.error(line);
    keptLog.push(line);
    if (keptLog.length > kKeptLogLines) keptLog.shift();
  };
}

// kafkajs arms a timer with a negative delay when it has nothing pending; Node 24+ warns about
// it (TimeoutNegativeWarning) and uses 1 ms. Harmless; keep every other warning.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') console.error(`${w.name}: ${w.message}`);
});

const kafka = new Kafka({
  clientId: 'lucent-check-kafkajs',
  brokers: [broker],
  connectionTimeout: 3000,
  requestTimeout: 5000,
  retry: { initialRetryTime: 200, retries: 3 }, // a stuck broker fails a step in about 25 s
  logLevel: logLevel.WARN,
  logCreator,
});

function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e instanceof Error) {
      const info = e as Error & { type?: string; code?: number; retriable?: boolean; cause?: unknown;
        originalError?: unknown };
      const tags = [info.type && `type=${info.type}`, info.code !== undefined && `code=${info.code}`,
        info.retriable !== undefined && `retriable=${info.retriable}`].filter(Boolean).join(' ');
      parts.push(`${e.name}: ${e.message}${tags ? ` (${tags})` : ''}`);
      e = info.originalError ?? info.cause;
    } else {
      parts.push(String(e));
      e = undefined;
    }
  }
  return parts.join(' <- ');
}

async function step<T>(name: string, run: () => Promise<T>, describe: (value: T) => string): Promise<T> {
  const t0 = performance.now();
  try {
    const value = await run();
    console.log(`ok   ${name} (${Math.round(performance.now() - t0)} ms): ${describe(value)}`);
    return value;
  } catch (err) {
    console.log(`FAIL ${name} (${Math.round(performance.now() - t0)} ms): ${describeError(err)}`);
    throw new Error(`step failed: ${name}`, { cause: err });
  }
}

async function waitFor(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + kStepTimeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${kStepTimeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, kPollMs));
  }
}

interface Member {
  name: string;
  consumer: Consumer;
  received: Map<string, number>; // message value -> times received
  lastOffsets: Map<string, bigint>; // "topic:partition" -> highest offset seen
  joins: number;
  assignment: Record<string, number[]>;
}

function createMember(name: string): Member {
  const consumer = kafka.consumer({
    groupId,
    heartbeatInterval: 500,
    sessionTimeout: 10_000,
    rebalanceTimeout: 20_000,
    maxWaitTimeInMs: 250,
  });
  const member: Member = { name, consumer, received: new Map(), lastOffsets: new Map(), joins: 0, assignment: {} };
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    member.joins += 1;
    member.assignment = event.payload.memberAssignment;
  });
  consumer.on(consumer.events.REQUEST, recordRequest);
  return member;
}

async function startMember(member: Member): Promise<void> {
  await member.consumer.connect();
  await member.consumer.subscribe({ topics: [topicPattern], fromBeginning: true });
  await member.consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
      const value = message.value?.toString() ?? '';
      member.received.set(value, (member.received.get(value) ?? 0) + 1);
      const key = `${topic}:${partition}`;
      const offset = BigInt(message.offset);
      if ((member.lastOffsets.get(key) ?? -1n) < offset) member.lastOffsets.set(key, offset);
    },
  });
}

async function commitSeen(member: Member): Promise<number> {
  const offsets = [...member.lastOffsets].map(([key, offset]) => {
    const cut = key.lastIndexOf(':');
    return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)), offset: String(offset + 1n) };
  });
  if (offsets.length) await member.consumer.commitOffsets(offsets);
  return offsets.length;
}

function batchValues(batch: number): string[] {
  const values: string[] = [];
  for (const topic of topics) {
    for (let i = 0; i < kMessagesPerTopic; i++) values.push(`${batch}|${topic}|${i}`);
  }
  return values;
}

function countOf(members: Member[], values: string[]): { distinct: number; duplicates: number } {
  let distinct = 0, duplicates = 0;
  for (const v of values) {
    let times = 0;
    for (const m of members) times += m.received.get(v) ?? 0;
    if (times > 0) distinct += 1;
    if (times > 1) duplicates += times - 1;
  }
  return { distinct, duplicates };
}

function partitionsOf(assignment: Record<string, number[]>): string[] {
  return Object.entries(assignment).flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`));
}

const admin = kafka.admin();
admin.on(admin.events.REQUEST, recordRequest);
const producer = kafka.producer({
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
});
producer.on(producer.events.REQUEST, recordRequest);
const first = createMember('consumer-1');
const second = createMember('consumer-2');

async function produceBatch(batch: number): Promise<number> {
  const result = await producer.sendBatch({
    acks: -1,
    topicMessages: topics.map((topic) => ({
      topic,
      messages: Array.from({ length: kMessagesPerTopic }, (_, i) => ({
        key: `instrument-${i % 10}`,
        value: `${batch}|${topic}|${i}`,
        partition: i % kPartitionsPerTopic,
        headers: { 'lucent-check': runId },
      })),
    })),
  });
  const failed = result.filter((r) => r.errorCode !== 0);
  if (failed.length) throw new Error(`produce answered error codes ${JSON.stringify(failed)}`);
  return result.length;
}

async function committedTotal(): Promise<number> {
  const rows = await admin.fetchOffsets({ groupId, topics });
  let total = 0;
  for (const row of rows) {
    for (const p of row.partitions) total += Math.max(0, Number(p.offset));
  }
  return total;
}

function formatApiTable(rows: ApiCompat[]): string {
  const range = (r: { min: number; max: number } | null): string => (r ? `v${r.min}-v${r.max}` : 'absent');
  return rows.map((r) => `  ${r.name.padEnd(28)} kafkajs ${range(r.kafkajs).padEnd(8)} broker ${range(r.broker).padEnd(8)} ` +
    (r.problem ? `BROKEN: ${r.problem}` : `uses v${r.chosen}`)).join('\n');
}

async function checkApiVersions(): Promise<string> {
  const cut = broker.lastIndexOf(':');
  const ranges = await fetchBrokerApiVersions(broker.slice(0, cut), Number(broker.slice(cut + 1)), kStepTimeoutMs);
  const rows = compareApis(ranges);
  if (printApiTable) console.log(formatApiTable(rows));
  const broken = rows.filter((r) => r.problem);
  const core = broken.filter((r) => kCoreApis.has(r.name));
  const describe = (list: ApiCompat[]): string => list.map((r) => `${r.name} (${r.problem})`).join('; ');
  if (core.length) throw new Error(`kafkajs cannot use ${describe(core)}`);
  if (broken.length) {
    return `${rows.length - broken.length} of ${rows.length} kafkajs APIs usable; not usable (unused here): ${describe(broken)}`;
  }
  return `all ${rows.length} APIs kafkajs implements are in the broker's ranges`;
}

async function main(): Promise<void> {
  console.log(`check-kafkajs: broker ${broker}, topics ${topicPrefix}{${kTopicSuffixes.join(',')}}, group ${groupId}`);
  await step('broker ApiVersions vs kafkajs', checkApiVersions, (text) => text);
  await step('admin connect + describeCluster', async () => {
    await admin.connect();
    return admin.describeCluster();
  }, (c) => `${c.brokers.length} broker(s), controller ${c.controller}, cluster ${c.clusterId}`);

  await step('admin createTopics', () => admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: kPartitionsPerTopic, replicationFactor: 1 })),
  }), (created) => `created=${created}, ${topics.length} topics x ${kPartitionsPerTopic} partitions`);

  await step('admin fetchTopicMetadata', () => admin.fetchTopicMetadata({ topics }), (m) =>
    m.topics.map((t) => `${t.name.slice(topicPrefix.length)}:${t.partitions.length}p`).join(' '));

  await step('producer connect (idempotent)', () => producer.connect(), () => 'connected');
  await step('producer sendBatch #1', () => produceBatch(1), (n) =>
    `${topics.length * kMessagesPerTopic} messages, ${n} partition results, acks=-1`);

  await step('admin fetchTopicOffsets', async () => {
    let total = 0;
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high) - Number(p.low);
    }
    if (total !== topics.length * kMessagesPerTopic) throw new Error(`expected ${topics.length * kMessagesPerTopic} messages on the topics, offsets say ${total}`);
    return total;
  }, (total) => `${total} messages between low and high watermarks`);

  const batch1 = batchValues(1);
  await step('consumer-1 join (pattern subscription) + consume batch #1', async () => {
    await startMember(first);
    await waitFor('consumer-1 to receive batch #1', () => countOf([first], batch1).distinct === batch1.length);
    return partitionsOf(first.assignment).length;
  }, (n) => `${batch1.length} messages, ${n} partitions assigned to consumer-1 by ${topicPattern}`);

  await step('consumer-1 commitOffsets + admin fetchOffsets', async () => {
    const partitions = await commitSeen(first);
    const total = await committedTotal();
    if (total !== batch1.length) throw new Error(`committed offsets sum to ${total}, expected ${batch1.length}`);
    return partitions;
  }, (n) => `${n} partitions committed, offsets sum to ${batch1.length}`);

  const joinsBefore = first.joins;
  await step('consumer-2 joins the group (rebalance)', async () => {
    await startMember(second);
    await waitFor('both members to (re)join with a split assignment', () => {
      if (first.joins <= joinsBefore || second.joins === 0) return false;
      const a = partitionsOf(first.assignment), b = partitionsOf(second.assignment);
      const all = new Set([...a, ...b]);
      return a.length > 0 && b.length > 0 && all.size === totalPartitions && a.length + b.length === totalPartitions;
    });
    return [partitionsOf(first.assignment).length, partitionsOf(second.assignment).length];
  }, ([a, b]) => `consumer-1 has ${a} partitions, consumer-2 has ${b}`);

  await step('admin describeGroups', async () => {
    const { groups } = await admin.describeGroups([groupId]);
    const g = groups[0];
    if (!g || g.state !== 'Stable' || g.members.length !== 2) {
      throw new Error(`expected a Stable group with 2 members, got ${g ? `${g.state} with ${g.members.length}` : 'nothing'}`);
    }
    return g;
  }, (g) => `${g.state}, ${g.members.length} members, protocol ${g.protocolType}/${g.protocol}`);

  const batch2 = batchValues(2);
  await step('producer sendBatch #2 + both consumers read it once', async () => {
    await produceBatch(2);
    await waitFor('batch #2 to be consumed', () => countOf([first, second], batch2).distinct === batch2.length);
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for a duplicate to show up
    const { duplicates } = countOf([first, second], batch2);
    const again = countOf([second], batch1).distinct;
    if (duplicates > 0 || again > 0) throw new Error(`${duplicates} duplicates of batch #2, ${again} of batch #1 read again after the commit`);
    return [countOf([first], batch2).distinct, countOf([second], batch2).distinct];
  }, ([a, b]) => `consumer-1 read ${a}, consumer-2 read ${b}, no duplicates`);

  await step('commitOffsets (both) + admin fetchOffsets', async () => {
    await commitSeen(first);
    await commitSeen(second);
    const total = await committedTotal();
    if (total !== batch1.length + batch2.length) throw new Error(`committed offsets sum to ${total}, expected ${batch1.length + batch2.length}`);
    return total;
  }, (total) => `offsets sum to ${total}`);

  await step('consumers leave the group', async () => {
    await second.consumer.disconnect();
    await first.consumer.disconnect();
  }, () => 'disconnected');

  await step('admin deleteTopics + deleteGroups', async () => {
    await admin.deleteTopics({ topics });
    await admin.deleteGroups([groupId]);
  }, () => 'cleaned up');
}

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  if (!(err instanceof Error && err.message.startsWith('step failed'))) console.log(`FAIL ${describeError(err)}`);
}
const used = [...apiVersionsUsed].sort(([a], [b]) => a.localeCompare(b))
  .map(([name, versions]) => `${name} v${[...versions].sort((a, b) => a - b).join('/')}`);
console.log(`check-kafkajs: protocol APIs used: ${used.join(', ') || 'none'}`);
if (failed && !verbose && keptLog.length) {
  console.log(`check-kafkajs: kafkajs log (last ${keptLog.length} lines):\n${keptLog.join('\n')}`);
}
const kDisconnectTimeoutMs = 5000;
await Promise.race([
  Promise.allSettled([first.consumer.disconnect(), second.consumer.disconnect(), producer.disconnect(), admin.disconnect()]),
  new Promise((resolve) => setTimeout(resolve, kDisconnectTimeoutMs)),
]);
console.log(failed ? 'check-kafkajs: FAILED' : 'check-kafkajs: all steps passed');
process.exit(failed ? 1 : 0);
