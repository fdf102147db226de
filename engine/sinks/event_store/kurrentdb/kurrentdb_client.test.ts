// The KurrentDB adapter without a server (none can run on these machines): the client loads and
// builds from a connection string although npm held back protobufjs's install script (it only
// prints a version warning), the mapping of expected revisions, positions, events and errors, and
// a clear retriable error when no server answers. The contract itself runs in
// kurrentdb_store.it.test.ts when LUCENT_KURRENTDB_URL points at a server.
import { KurrentDBClient, NO_STREAM, ANY, STREAM_EXISTS, START, END, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventStoreError, InvalidEventError, WrongExpectedRevisionError } from '../errors.ts';
import { openKurrentStore } from './kurrentdb_store.ts';
import { isKurrentUrl } from './url.ts';
import { mapError, toReadPosition, toReadRevision, toRecorded, toStreamState } from './mapping.ts';

test('the client builds from a connection string (gRPC, protobuf and the native bridge load)', async () => {
  const c = KurrentDBClient.connectionString('kurrentdb://127.0.0.1:2113?tls=false');
  assert.type(c.appendToStream, 'function');
  assert.type(c.subscribeToAll, 'function');
  await c.dispose();
  assert.throws(() => KurrentDBClient.connectionString('http://127.0.0.1:2113'), /kurrentdb:\/\//);
});

test('expected revisions, read revisions and positions map onto the client\'s constants', () => {
  assert.is(toStreamState('any'), ANY);
  assert.is(toStreamState('no_stream'), NO_STREAM);
  assert.is(toStreamState('stream_exists'), STREAM_EXISTS);
  assert.is(toStreamState(41), 41n);
  assert.is(toReadRevision('start'), START);
  assert.is(toReadRevision('end'), END);
  assert.is(toReadRevision(7), 7n);
  assert.equal(toReadPosition(1234), { commit: 1234n, prepare: 1234n });
});

test('a recorded KurrentDB event becomes a port event; a link without its event is skipped', () => {
  const created = new Date('2024-08-08T00:00:00Z');
  const e = toRecorded({
    event: { streamId: 'decisions', id: '00000000-0000-4000-8000-000000000000', isJson: true, revision: 5n, type: 'decision', created, data: { a: 1 }, metadata: undefined, position: { commit: 900n, prepare: 900n } },
    commitPosition: 900n,
  });
  assert.equal(e, { stream: 'decisions', revision: 5, position: 900, id: '00000000-0000-4000-8000-000000000000', type: 'decision', data: { a: 1 }, metadata: {}, created });
  assert.is(toRecorded({}), null);
});

test('WrongExpectedVersionError becomes the port\'s conflict error, naming stream, expected and actual', () => {
  const exact = mapError('append', 'decisions', 3, new WrongExpectedVersionError(undefined as never, { streamName: 'decisions', expected: 3n, current: 7n }));
  assert.instance(exact, WrongExpectedRevisionError);
  assert.is(exact.message, 'append to stream "decisions": expected revision 3, actual revision 7');
  const missing = mapError('append', 'control', 'stream_exists', new WrongExpectedVersionError(undefined as never, { streamName: 'control', expected: STREAM_EXISTS, current: NO_STREAM }));
  assert.is((missing as WrongExpectedRevisionError).actual, 'no_stream');
  assert.is(missing.message, 'append to stream "control": expected stream_exists, actual no_stream (the stream has no events)');
  const other = mapError('read all', '$all', 'any', new Error('boom\nsecond line'));
  assert.instance(other, EventStoreError);
  assert.is(other.message, 'KurrentDB event store: read all: boom');
});

test('connection strings: which select KurrentDB, and bad ones named', async () => {
  for (const u of ['kurrentdb://127.0.0.1:2113?tls=false', 'kurrentdb+discover://a,b:2113', 'esdb://x:2113', 'kdb://x']) assert.ok(isKurrentUrl(u), u);
  for (const u of ['postgres://x/y', 'out/audit/events.log', 'http://x:2113']) assert.not.ok(isKurrentUrl(u), u);
  for (const [o, msg] of [
    [{ url: 'http://x:2113' }, 'url must be a connection string like kurrentdb://host:2113?tls=false'],
    [{ url: 'kurrentdb://127.0.0.1:2113', pollMs: 1 }, 'pollMs must be an integer from 10 to 600000, got 1'],
    [{ url: 'kurrentdb://127.0.0.1:2113', poll: 1 }, 'unknown option "poll"'],
  ] as [Record<string, unknown>, string][]) {
    const err = await openKurrentStore(o as never).catch((e: Error) => e);
    assert.instance(err, InvalidEventError);
    assert.ok((err as Error).message.includes(msg), (err as Error).message);
  }
});

test('no server at the address: open fails with a one-line retriable error', async () => {
  const err = await openKurrentStore({ url: 'kurrentdb://127.0.0.1:1?tls=false&maxDiscoverAttempts=1&defaultDeadline=3000' }).catch((e: Error) => e);
  assert.instance(err, EventStoreError);
  assert.is((err as Error).message, 'KurrentDB event store: read stream "lucent-probe": the server is unavailable (is KurrentDB running at that address?)');
  assert.is((err as EventStoreError).retriable, true);
  assert.not.match((err as Error).message, /\n/);
});

test.run();
