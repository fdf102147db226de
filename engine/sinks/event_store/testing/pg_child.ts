// A child process for the PostgreSQL multi-process test: appends `count` events, one to three per
// append, to one stream with the exact expected revision it last read, re-reading and retrying on
// a conflict. Prints one JSON line at the end: the ids it appended, appends and conflicts.
// Both children start appending at the same wall-clock time (startAt, ms since the epoch), so they race.
// Usage: node pg_child.ts <url> <schema> <stream> <name> <count> <startAt>
import { randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { WrongExpectedRevisionError } from '../errors.ts';
import { openPostgresStore } from '../postgres/postgres_store.ts';

const [url, schema, stream, name, countText, startAt] = process.argv.slice(2);
const count = Number(countText);
const store = await openPostgresStore({ url, schema });
const ids: string[] = [];
let appends = 0;
let conflicts = 0;
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
let rev = await store.streamRevision(stream);
while (ids.length < count) {
  const n = Math.min(count - ids.length, 1 + Math.floor(Math.random() * 3));
  const events = Array.from({ length: n }, (_, k) => ({ id: randomUUID(), type: 'test-event', data: { name, i: ids.length + k } }));
  try {
    const r = await store.append(stream, events, { expectedRevision: rev === null ? 'no_stream' : rev });
    rev = r.nextExpectedRevision;
    for (const e of events) ids.push(e.id);
    appends++;
  } catch (err) {
    if (!(err instanceof WrongExpectedRevisionError)) throw err;
    conflicts++;
    rev = await store.streamRevision(stream);
  }
}
await store.close();
writeSync(1, `${JSON.stringify({ name, ids, appends, conflicts })}\n`);
