// PostgreSQL served from the audit thread passes the event store contract against the real server
// (each test in a fresh schema, dropped after it), as the engine uses it with --event-store postgres://.
import { test } from 'uvu';
import { eventStoreContract } from '../testing/contract.ts';
import { dropSchema, freshSchema, kTestPgUrl, requirePostgres } from '../testing/pg_testing.ts';
import { openStoreThread } from './audit_thread.ts';

const kFile = 'engine/sinks/event_store/remote/remote_postgres.it.test.ts';

if (await requirePostgres(test, kFile)) {
  eventStoreContract('postgres on the audit thread', async () => {
    const schema = freshSchema();
    return {
      open: () => openStoreThread({ url: kTestPgUrl, postgres: { schema, pollMs: 200 } }),
      dispose: () => dropSchema(schema),
    };
  }).run();
}
