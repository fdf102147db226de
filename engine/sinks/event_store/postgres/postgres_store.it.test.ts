// The PostgreSQL adapter against the real server: the event store contract, each test in a fresh
// schema that is dropped after it; and a store's schema opened by two stores at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventStoreContract } from '../testing/contract.ts';
import { dropSchema, freshSchema, kTestPgUrl, requirePostgres } from '../testing/pg_testing.ts';
import { openEventStore } from '../open.ts';
import { openPostgresStore } from './postgres_store.ts';

const kFile = 'engine/sinks/event_store/postgres/postgres_store.it.test.ts';

if (await requirePostgres(test, kFile)) {
  eventStoreContract('postgres', async () => {
    const schema = freshSchema();
    return {
      open: () => openPostgresStore({ url: kTestPgUrl, schema, pollMs: 200 }),
      dispose: () => dropSchema(schema),
    };
  }).run();

  test('two stores (one chosen by openEventStore from its URL) open the same schema at once, as two processes would, and see each other\'s appends', async () => {
    const schema = freshSchema();
    try {
      const [a, b] = await Promise.all([openEventStore(`${kTestPgUrl}?schema=${schema}`), openPostgresStore({ url: kTestPgUrl, schema })]);
      assert.is(a.kind, 'postgres', 'openEventStore chose the PostgreSQL adapter');
      await a.append('decisions', { type: 'decision', data: { from: 'a' } }, { expectedRevision: 'no_stream' });
      const seen: string[] = [];
      const sub = b.subscribeToStream('decisions', { onEvent: (e) => { seen.push((e.data as { from: string }).from); } });
      await sub.caughtUp;
      await b.append('decisions', { type: 'decision', data: { from: 'b' } }, { expectedRevision: 0 });
      const err = await a.append('decisions', { type: 'decision', data: { from: 'a2' } }, { expectedRevision: 0 }).catch((e: Error) => e);
      assert.match(String(err), 'expected revision 0, actual revision 1');
      const t0 = Date.now();
      while (seen.length < 2 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
      assert.equal(seen, ['a', 'b']);
      await sub.stop();
      await Promise.all([a.close(), b.close()]);
    } finally {
      await dropSchema(schema);
    }
  });

  test('bad options and an unreachable server: one-line errors naming what was wrong', async () => {
    for (const [o, msg] of [
      [{ url: 'mysql://x' }, 'url must start with postgres:// or postgresql://'],
      [{ url: 'not a url' }, 'url must be a connection string'],
      [{ url: kTestPgUrl, schema: 'Bad-Name' }, 'schema must be 1 to 55 lower-case letters'],
      [{ url: kTestPgUrl, poolSize: 0 }, 'poolSize must be an integer from 1 to 100, got 0'],
      [{ url: kTestPgUrl, pool: 3 }, 'unknown option "pool"'],
    ] as [Record<string, unknown>, string][]) {
      const err = await openPostgresStore(o as never).catch((e: Error) => e);
      assert.ok(err instanceof Error && err.message.includes(msg), `${String(err)} / ${msg}`);
    }
    const err = await openPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1000 }).catch((e: Error) => e);
    assert.match(String(err), /PostgreSQL event store 127\.0\.0\.1:1\/test \(schema lucent_audit\): cannot open: .*ECONNREFUSED/);
    assert.is((err as { retriable?: boolean }).retriable, true);
  });
}

test.run();
