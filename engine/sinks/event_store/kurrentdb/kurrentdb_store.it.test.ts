// The KurrentDB adapter against a real server: the event store contract. No KurrentDB server can be
// installed on this project's machines, so this file runs only when LUCENT_KURRENTDB_URL names one
// (e.g. kurrentdb://127.0.0.1:2113?tls=false) and skips otherwise, under CI too. Streams are random
// per test, so a server shared with other users is fine (reads of all look only at ours).
import { test } from 'uvu';
import { eventStoreContract } from '../testing/contract.ts';
import { openKurrentStore } from './kurrentdb_store.ts';

const kKurrentEnv = 'LUCENT_KURRENTDB_URL';
const url = process.env[kKurrentEnv];

if (url) {
  eventStoreContract('kurrentdb', async () => ({
    open: () => openKurrentStore({ url, pollMs: 200 }),
    dispose: async () => undefined,
    shared: true,
  })).run();
} else {
  console.log(`SKIP engine/sinks/event_store/kurrentdb/kurrentdb_store.it.test.ts: set ${kKurrentEnv} to a KurrentDB connection string ` +
    '(e.g. kurrentdb://127.0.0.1:2113?tls=false) to run the event store contract against it; no KurrentDB server can be installed on these ' +
    'machines, so this skips under CI too (the client and the mapping are tested without a server in kurrentdb_client.test.ts)');
  test.skip('KurrentDB event store contract (needs LUCENT_KURRENTDB_URL)', () => undefined);
}

test.run();
