// The Kafka source's options: what comes in, checked, with defaults filled in. Every message names
// the key that was wrong.
import { OptionError } from '../../../protocol/errors.ts';
import type { EngineOptions } from '../../options.ts';
import type { LaneScope } from './assigner.ts';

export interface KafkaOptions {
  brokers: string[];
  group: string;
  clientId: string;
  topicPrefix: string; // in front of every topic name (tests use a fresh one per run)
  scope: LaneScope;
  universe: string; // fixture or universe file (.json)
  durable: boolean; // fdatasync the decision log before each commit
  commitIntervalMs: number; // commit offsets at most this often (each commit is a broker round trip)
  bufferPerPartition: number; // events buffered per partition before it is paused
  mergeIdleMs: number; // a caught-up partition quiet this long no longer holds back the merge
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  topicRefreshMs: number; // look for new matching topics this often (0 = never)
  waitForTopicsMs: number; // at start, wait this long for a matching topic to exist
  untilEnd: boolean; // stop once every assigned partition has been read to its end
  /** The consumer's fetch (kafkajs): see KAFKA.md, "Fetching: latency and throughput". */
  fetch: FetchOptions;
}

/** How the consumer fetches (kafkajs consumer options of the same meaning). */
export interface FetchOptions {
  /** Longest the broker holds a fetch when fewer than minBytes are there (kafkajs maxWaitTimeInMs). */
  maxWaitMs: number;
  /** The broker answers a fetch once this many bytes are there (or maxWaitMs passed). */
  minBytes: number;
  /** At most this many bytes per fetch answer, and per partition in it. */
  maxBytes: number;
  maxBytesPerPartition: number;
  /** Batches of this many partitions are handed to the lanes at once (kafkajs partitionsConsumedConcurrently). */
  partitionsConcurrently: number;
}

export interface KafkaOptionsInput {
  brokers?: string | string[] | undefined;
  group?: string | undefined;
  clientId?: string | undefined;
  topicPrefix?: string | undefined;
  scope?: string | undefined;
  universe?: string | undefined;
  durable?: boolean | undefined;
  commitIntervalMs?: number | undefined;
  bufferPerPartition?: number | undefined;
  mergeIdleMs?: number | undefined;
  sessionTimeoutMs?: number | undefined;
  heartbeatIntervalMs?: number | undefined;
  topicRefreshMs?: number | undefined;
  waitForTopicsMs?: number | undefined;
  untilEnd?: boolean | undefined;
  fetchMaxWaitMs?: number | undefined;
  fetchMinBytes?: number | undefined;
  fetchMaxBytes?: number | undefined;
  fetchMaxBytesPerPartition?: number | undefined;
  partitionsConcurrently?: number | undefined;
}

export const kDefaultBrokers = ['127.0.0.1:9092'];

/**
 * The fetch defaults of each mode. Both answer a fetch as soon as one byte is there (minBytes 1):
 * a live partition's events are handed over the moment the broker has them. `maxWaitMs` bounds
 * how long an idle fetch is held; it is also how long a partition resumed or sought while a fetch
 * is held waits for the next one (kafkajs changes a fetch's partitions only between fetches).
 * Lockstep keeps it short (20 ms): with filled topics, partitions are paused and resumed by the
 * reorder buffer's backpressure all the time. Realtime holds an idle fetch longer (100 ms): an idle
 * fetch of every partition costs the consumer and the broker CPU at each round (measured: 43
 * fetches/s at 20 ms, 10 at 100 ms, for the bench's 84 partitions), and while events flow a held
 * fetch is answered as soon as one arrives, so the hold never delays an event.
 */
export const kFetchDefaults: Readonly<Record<'lockstep' | 'realtime', Readonly<FetchOptions>>> = {
  lockstep: { maxWaitMs: 20, minBytes: 1, maxBytes: 10 << 20, maxBytesPerPartition: 1 << 20, partitionsConcurrently: 4 },
  realtime: { maxWaitMs: 100, minBytes: 1, maxBytes: 10 << 20, maxBytesPerPartition: 1 << 20, partitionsConcurrently: 4 },
};

function int(v: number | undefined, key: string, def: number, min: number, max: number): number {
  const x = v ?? def;
  if (!Number.isInteger(x) || x < min || x > max) throw new OptionError(`${key} must be an integer in ${min}..${max}, got ${v}`);
  return x;
}

export function resolveKafkaOptions(i: KafkaOptionsInput, engine: EngineOptions): KafkaOptions {
  const list = typeof i.brokers === 'string' ? i.brokers.split(',') : i.brokers ?? kDefaultBrokers;
  const brokers = list.map((b) => b.trim()).filter((b) => b !== '');
  if (brokers.length === 0) throw new OptionError('options.kafka.brokers must name at least one broker (host:port)');
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new OptionError(`options.kafka.brokers: "${b}" is not host:port`);
  }
  const group = i.group ?? 'lucent-engine';
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(group)) throw new OptionError(`options.kafka.group must be 1-200 characters of letters, digits, ".", "_" or "-", got ${JSON.stringify(i.group)}`);
  const topicPrefix = i.topicPrefix ?? '';
  if (!/^[A-Za-z0-9._-]*$/.test(topicPrefix)) throw new OptionError(`options.kafka.topicPrefix may hold only letters, digits, ".", "_" and "-", got ${JSON.stringify(i.topicPrefix)}`);
  const scope = i.scope ?? 'global';
  if (scope !== 'global' && scope !== 'shard') throw new OptionError(`options.kafka.scope must be "global" or "shard", got ${JSON.stringify(i.scope)}`);
  const sessionTimeoutMs = int(i.sessionTimeoutMs, 'options.kafka.sessionTimeoutMs', 10_000, 6_000, 300_000);
  const heartbeatIntervalMs = int(i.heartbeatIntervalMs, 'options.kafka.heartbeatIntervalMs', 1_000, 100, 60_000);
  if (heartbeatIntervalMs * 3 > sessionTimeoutMs) throw new OptionError(`options.kafka.heartbeatIntervalMs (${heartbeatIntervalMs}) must be at most a third of options.kafka.sessionTimeoutMs (${sessionTimeoutMs})`);
  if (engine.speed > 0) throw new OptionError('options.speed does not apply to the Kafka source (the producer sets the timing: replay-to-kafka --speed); use options.rate to cap events/s into the state');
  if (engine.limit > 0) throw new OptionError('options.limit does not apply to the Kafka source (replay-to-kafka --limit)');
  const d = kFetchDefaults[engine.mode];
  const fetch: FetchOptions = {
    maxWaitMs: int(i.fetchMaxWaitMs, 'options.kafka.fetchMaxWaitMs', d.maxWaitMs, 1, 60_000),
    minBytes: int(i.fetchMinBytes, 'options.kafka.fetchMinBytes', d.minBytes, 1, 1 << 30),
    maxBytes: int(i.fetchMaxBytes, 'options.kafka.fetchMaxBytes', d.maxBytes, 1024, 1 << 30),
    maxBytesPerPartition: int(i.fetchMaxBytesPerPartition, 'options.kafka.fetchMaxBytesPerPartition', d.maxBytesPerPartition, 1024, 1 << 30),
    partitionsConcurrently: int(i.partitionsConcurrently, 'options.kafka.partitionsConcurrently', d.partitionsConcurrently, 1, 1024),
  };
  if (fetch.maxBytesPerPartition > fetch.maxBytes) {
    throw new OptionError(`options.kafka.fetchMaxBytesPerPartition (${fetch.maxBytesPerPartition}) must be at most options.kafka.fetchMaxBytes (${fetch.maxBytes})`);
  }
  if (fetch.maxWaitMs * 3 > sessionTimeoutMs) {
    throw new OptionError(`options.kafka.fetchMaxWaitMs (${fetch.maxWaitMs}) must be at most a third of options.kafka.sessionTimeoutMs (${sessionTimeoutMs}): a held fetch delays the heartbeat`);
  }
  return {
    brokers,
    group,
    clientId: i.clientId ?? `lucent-engine-${process.pid}`,
    topicPrefix,
    scope,
    universe: i.universe ?? engine.fixture,
    durable: i.durable ?? true,
    commitIntervalMs: int(i.commitIntervalMs, 'options.kafka.commitIntervalMs', 200, 0, 600_000),
    bufferPerPartition: int(i.bufferPerPartition, 'options.kafka.bufferPerPartition', 2048, 16, 1 << 20),
    mergeIdleMs: int(i.mergeIdleMs, 'options.kafka.mergeIdleMs', 1000, 0, 3_600_000),
    sessionTimeoutMs,
    heartbeatIntervalMs,
    topicRefreshMs: int(i.topicRefreshMs, 'options.kafka.topicRefreshMs', 10_000, 0, 3_600_000),
    waitForTopicsMs: int(i.waitForTopicsMs, 'options.kafka.waitForTopicsMs', 30_000, 0, 3_600_000),
    untilEnd: i.untilEnd ?? false,
    fetch,
  };
}
