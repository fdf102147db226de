// A child process for the crash test: appends to an embedded log from four concurrent loops (one
// stream each, random batch sizes, exact expected revisions) until it is killed, and prints one
// line per acknowledged append ("ack <id> <id> ...") with a synchronous write, after the append's
// promise resolved. Usage: node crash_child.ts <log path> <fsync policy>
import { randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { openEmbeddedStore } from '../embedded/embedded_store.ts';
import type { FsyncPolicy } from '../embedded/group_commit.ts';

const [path, fsync] = process.argv.slice(2);
const store = await openEmbeddedStore({ path, fsync: fsync as FsyncPolicy });
writeSync(1, `ready ${store.eventCount}\n`);

async function loop(stream: string): Promise<void> {
  let rev = (await store.streamRevision(stream)) ?? -1;
  for (let i = 0; ; i++) {
    const n = 1 + Math.floor(Math.random() * 20);
    const events = Array.from({ length: n }, (_, k) => ({ id: randomUUID(), type: 'decision', data: { stream, i, k, pad: 'p'.repeat(Math.floor(Math.random() * 400)) } }));
    const r = await store.append(stream, events, { expectedRevision: rev < 0 ? 'no_stream' : rev });
    rev = r.nextExpectedRevision;
    writeSync(1, `ack ${events.map((e) => e.id).join(' ')}\n`);
  }
}

await Promise.all(['decisions', 'outcomes', 'agent-performance-yield_hunter', 'control'].map(loop));
