// The bus's small parts: backoff delays, the deque, the de-duplication window, option checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OptionError } from '../../../protocol/errors.ts';
import { backoffDelay, kDefaultBackoff } from './backoff.ts';
import { redactUrl, resolveBusOptions } from './bus_options.ts';
import { Deque } from './deque.ts';
import { RecentIds } from './recent_ids.ts';

test('backoff doubles from initialMs up to maxMs; jitter takes up to its share off', () => {
  const o = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
  assert.equal([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, o, () => 0)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal([0, 1, 4].map((a) => backoffDelay(a, o, () => 1)), [50, 100, 500]);
  for (let i = 0; i < 1000; i++) {
    const d = backoffDelay(3, kDefaultBackoff);
    assert.ok(d >= 400 && d <= 800, `delay ${d}`);
  }
});

test('deque: FIFO with unshift at the front, across growth and wrap-around', () => {
  const d = new Deque<number>(2);
  for (let i = 0; i < 10; i++) d.push(i);
  assert.is(d.shift(), 0);
  assert.is(d.shift(), 1);
  d.unshift(-1);
  d.unshift(-2);
  for (let i = 10; i < 40; i++) d.push(i);
  const out: number[] = [];
  while (d.length > 0) out.push(d.shift() as number);
  assert.equal(out, [-2, -1, ...Array.from({ length: 38 }, (_, i) => i + 2)]);
  assert.is(d.shift(), undefined);
});

test('recent ids: a repeat within the window is caught; the oldest is forgotten past it', () => {
  const r = new RecentIds(3);
  assert.ok(r.add('a') && r.add('b') && r.add('c'));
  assert.not.ok(r.add('a'));
  assert.ok(r.add('d'), 'evicts a');
  assert.ok(r.add('a'), 'a was forgotten');
  assert.not.ok(r.add('d'));
  assert.ok(r.has('d') && !r.has('b'));
  assert.is(r.size, 3);
});

test('bus options: defaults, and every bad key named', () => {
  const o = resolveBusOptions({});
  assert.is(o.url, 'amqp://guest:guest@127.0.0.1:5672');
  assert.is(o.bufferSize, 10_000);
  assert.is(o.maxInFlight, 1000);
  assert.is(o.onOverflow, 'count');
  assert.is(o.durable, true);
  assert.is(resolveBusOptions({ bufferSize: 10 }).maxInFlight, 10, 'the window fits in the buffer');
  const bad = (input: Record<string, unknown>, re: RegExp): void => {
    assert.throws(() => resolveBusOptions(input), (e: Error) => e instanceof OptionError && re.test(e.message), String(re));
  };
  bad({ url: 'http://x' }, /^bus\.url must be an amqp:\/\/ or amqps:\/\/ URL/);
  bad({ prefix: 'a b' }, /^bus\.prefix must be up to 100 characters/);
  bad({ bufferSize: 0 }, /^bus\.bufferSize must be an integer number of messages in 1\.\.10000000, got 0/);
  bad({ bufferSize: 10, maxInFlight: 11 }, /^bus\.maxInFlight must be an integer number of messages \(at most bufferSize\) in 1\.\.10/);
  bad({ onOverflow: 'drop' }, /^bus\.onOverflow must be "count" or "throw", got "drop"/);
  bad({ durable: 'yes' }, /^bus\.durable must be true or false/);
  bad({ backoff: { initialMs: 0 } }, /^bus\.backoff\.initialMs must be a positive number of ms/);
  bad({ backoff: { maxMs: 1 } }, /^bus\.backoff\.maxMs must be a number of ms >= initialMs/);
  bad({ backoff: { jitter: 2 } }, /^bus\.backoff\.jitter must be in 0\.\.1/);
  bad({ backoff: { delay: 2 } }, /^bus\.backoff\.delay is not an option/);
  bad({ bufersize: 2 }, /^bus\.bufersize is not an option/);
  assert.is(redactUrl('amqp://guest:secret@h:5672/v'), 'amqp://guest:***@h:5672/v');
});

test.run();
