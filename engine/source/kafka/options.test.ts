// The Kafka source's options: defaults filled in, and every bad value rejected with a message that
// names its key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveOptions } from '../../options.ts';
import { kFetchDefaults, resolveKafkaOptions } from './options.ts';

const engine = resolveOptions({ threads: 0, progress: false });

test('defaults: the local broker, global scope, the fixture as universe, durable commits', () => {
  const k = resolveKafkaOptions({}, engine);
  assert.equal(k.brokers, ['127.0.0.1:9092']);
  assert.is(k.scope, 'global');
  assert.is(k.universe, engine.fixture);
  assert.is(k.durable, true);
  assert.is(k.topicPrefix, '');
  assert.ok(k.heartbeatIntervalMs * 3 <= k.sessionTimeoutMs);
});

test('fetch defaults follow the mode: lockstep a short idle hold, realtime a longer one; both answer at the first byte', () => {
  const lockstep = resolveKafkaOptions({}, engine).fetch;
  const realtime = resolveKafkaOptions({}, resolveOptions({ threads: 0, progress: false, mode: 'realtime' })).fetch;
  assert.equal(lockstep, kFetchDefaults.lockstep);
  assert.equal(realtime, kFetchDefaults.realtime);
  assert.is(lockstep.maxWaitMs, 20);
  assert.is(realtime.maxWaitMs, 100);
  assert.is(lockstep.minBytes, 1);
  assert.is(realtime.minBytes, 1);
  assert.ok(lockstep.maxBytesPerPartition <= lockstep.maxBytes);
});

test('fetch options given win over the mode\'s defaults', () => {
  const k = resolveKafkaOptions({ fetchMaxWaitMs: 5, fetchMinBytes: 4096, fetchMaxBytes: 1 << 20, fetchMaxBytesPerPartition: 65536, partitionsConcurrently: 1 }, engine);
  assert.equal(k.fetch, { maxWaitMs: 5, minBytes: 4096, maxBytes: 1 << 20, maxBytesPerPartition: 65536, partitionsConcurrently: 1 });
});

test('brokers from a comma list', () => {
  assert.equal(resolveKafkaOptions({ brokers: 'a:1, b:2' }, engine).brokers, ['a:1', 'b:2']);
});

test('bad values name their key', () => {
  const bad: [Parameters<typeof resolveKafkaOptions>[0], RegExp][] = [
    [{ brokers: 'nohostport' }, /options\.kafka\.brokers: "nohostport" is not host:port/],
    [{ brokers: '' }, /options\.kafka\.brokers must name at least one broker/],
    [{ group: 'a b' }, /options\.kafka\.group must be/],
    [{ topicPrefix: 'x/' }, /options\.kafka\.topicPrefix may hold only/],
    [{ scope: 'all' }, /options\.kafka\.scope must be "global" or "shard"/],
    [{ sessionTimeoutMs: 1000 }, /options\.kafka\.sessionTimeoutMs must be an integer in 6000\.\.300000/],
    [{ sessionTimeoutMs: 6000, heartbeatIntervalMs: 3000 }, /heartbeatIntervalMs \(3000\) must be at most a third of options\.kafka\.sessionTimeoutMs/],
    [{ bufferPerPartition: 1 }, /options\.kafka\.bufferPerPartition must be an integer/],
    [{ commitIntervalMs: -1 }, /options\.kafka\.commitIntervalMs must be an integer/],
    [{ fetchMaxWaitMs: 0 }, /options\.kafka\.fetchMaxWaitMs must be an integer in 1\.\.60000, got 0/],
    [{ fetchMinBytes: 0.5 }, /options\.kafka\.fetchMinBytes must be an integer/],
    [{ fetchMaxBytes: 100 }, /options\.kafka\.fetchMaxBytes must be an integer in 1024\.\./],
    [{ partitionsConcurrently: 0 }, /options\.kafka\.partitionsConcurrently must be an integer in 1\.\.1024/],
    [{ fetchMaxBytes: 65536, fetchMaxBytesPerPartition: 131072 }, /fetchMaxBytesPerPartition \(131072\) must be at most options\.kafka\.fetchMaxBytes \(65536\)/],
    [{ fetchMaxWaitMs: 5000 }, /fetchMaxWaitMs \(5000\) must be at most a third of options\.kafka\.sessionTimeoutMs \(10000\)/],
  ];
  for (const [input, message] of bad) assert.throws(() => resolveKafkaOptions(input, engine), message, JSON.stringify(input));
});

test('file-replay-only engine options are refused for the Kafka source', () => {
  assert.throws(() => resolveKafkaOptions({}, resolveOptions({ speed: 2, progress: false })), /options\.speed does not apply to the Kafka source/);
  assert.throws(() => resolveKafkaOptions({}, resolveOptions({ limit: 10, progress: false })), /options\.limit does not apply to the Kafka source/);
});

test.run();
