// The Kafka source's options: defaults filled in, and every bad value rejected with a message that
// names its key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveOptions } from '../../options.ts';
import { resolveKafkaOptions } from './options.ts';

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
  ];
  for (const [input, message] of bad) assert.throws(() => resolveKafkaOptions(input, engine), message, JSON.stringify(input));
});

test('file-replay-only engine options are refused for the Kafka source', () => {
  assert.throws(() => resolveKafkaOptions({}, resolveOptions({ speed: 2, progress: false })), /options\.speed does not apply to the Kafka source/);
  assert.throws(() => resolveKafkaOptions({}, resolveOptions({ limit: 10, progress: false })), /options\.limit does not apply to the Kafka source/);
});

test.run();
