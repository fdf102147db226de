// The embedded log passes the event store contract, under each fsync policy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventStoreContract } from '../testing/contract.ts';
import { openEmbeddedStore } from './embedded_store.ts';
import type { FsyncPolicy } from './group_commit.ts';

for (const fsync of ['batch', 'always', 'none'] as FsyncPolicy[]) {
  eventStoreContract(`embedded (fsync ${fsync})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lucent-es-'));
    const path = join(dir, 'events.log');
    return {
      open: () => openEmbeddedStore({ path, fsync }),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }).run();
}
