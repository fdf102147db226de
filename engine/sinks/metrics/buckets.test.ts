// Bucket bounds: log-spaced from decimal text, checked with messages that name the key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OptionError } from '../../../protocol/errors.ts';
import { checkBuckets, kLatencyBuckets, logBuckets } from '../../../protocol/metrics/buckets.ts';

test('the default latency bounds run 1 µs .. 1 s, six per decade, exact decimals', () => {
  assert.is(kLatencyBuckets.length, 37);
  assert.equal(kLatencyBuckets.slice(0, 7), [1e-6, 1.5e-6, 2e-6, 3e-6, 5e-6, 7e-6, 1e-5]);
  assert.is(kLatencyBuckets[kLatencyBuckets.length - 1], 1);
  assert.is(kLatencyBuckets[kLatencyBuckets.length - 2], 0.7);
  assert.is(String(kLatencyBuckets[1]), '0.0000015', 'the le label reads as the decimal');
  assert.ok(Object.isFrozen(kLatencyBuckets));
});

test('logBuckets with other mantissas', () => {
  assert.equal(logBuckets(-3, -1, [1, 5]), [0.001, 0.005, 0.01, 0.05, 0.1]);
});

test('bad bounds are refused with the key named', () => {
  assert.throws(() => logBuckets(0, 0), (e: Error) => e instanceof OptionError && /fromExp < toExp/.test(e.message));
  assert.throws(() => checkBuckets('x.buckets', []), /x\.buckets must be a non-empty array/);
  assert.throws(() => checkBuckets('x.buckets', [1, 1]), /x\.buckets must be strictly increasing: x\.buckets\[1\] = 1 follows 1/);
  assert.throws(() => checkBuckets('x.buckets', [1, NaN]), /x\.buckets\[1\] must be a finite number, got NaN/);
  assert.throws(() => checkBuckets('x.buckets', [1, Infinity]), /x\.buckets\[1\] must be a finite number/);
});

test.run();
