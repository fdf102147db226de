// The event store served from the audit thread passes the same contract as the store it serves:
// the embedded log behind the thread boundary, and PostgreSQL behind it when the server answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventStoreContract } from '../testing/contract.ts';
import { openStoreThread } from './audit_thread.ts';

eventStoreContract('embedded log on the audit thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-remote-es-'));
  const path = join(dir, 'events.log');
  return {
    open: () => openStoreThread({ url: path }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}).run();
