// Two engine-like processes append to one stream of a shared PostgreSQL audit trail, each with
// exact expected revisions, retrying on conflict: the stream ends with every event once, revisions
// 0..n-1 without a gap, and each process's events in its own order.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dropSchema, freshSchema, kTestPgUrl, requirePostgres } from '../testing/pg_testing.ts';
import { openPostgresStore } from './postgres_store.ts';

const kFile = 'engine/sinks/event_store/postgres/postgres_multiprocess.it.test.ts';
const kChild = new URL('../testing/pg_child.ts', import.meta.url).pathname;
const kPerChild = 300;

interface ChildResult { name: string; ids: string[]; appends: number; conflicts: number }

function runChild(schema: string, name: string, startAt: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [kChild, kTestPgUrl, schema, 'decisions', name, String(kPerChild), String(startAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`child ${name} exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.trim()) as ChildResult);
    });
  });
}

if (await requirePostgres(test, kFile)) {
  test('two processes, one stream, exact expected revisions with retry: no lost or duplicate revisions', async () => {
    const schema = freshSchema();
    try {
      const setup = await openPostgresStore({ url: kTestPgUrl, schema }); // create the schema once, before the race
      await setup.close();
      const startAt = Date.now() + 2000; // both start appending at once
      const [a, b] = await Promise.all([runChild(schema, 'a', startAt), runChild(schema, 'b', startAt)]);
      const store = await openPostgresStore({ url: kTestPgUrl, schema });
      const all = await store.readStream('decisions', { maxCount: 10_000 });
      await store.close();
      assert.is(all.length, 2 * kPerChild);
      assert.equal(all.map((e) => e.revision), Array.from({ length: 2 * kPerChild }, (_, i) => i));
      assert.is(new Set(all.map((e) => e.id)).size, 2 * kPerChild, 'no duplicate event');
      for (const r of [a, b]) {
        const mine = all.filter((e) => (e.data as { name: string }).name === r.name);
        assert.equal(mine.map((e) => e.id), r.ids, `${r.name}: every acknowledged event, once, in its order`);
        assert.equal(mine.map((e) => (e.data as { i: number }).i), Array.from({ length: kPerChild }, (_, i) => i));
      }
      for (let i = 1; i < all.length; i++) assert.ok(all[i].position > all[i - 1].position);
      console.log(`two processes: ${a.appends} + ${b.appends} appends, ${a.conflicts} + ${b.conflicts} conflicts retried, ${all.length} events, revisions 0..${all.length - 1} without a gap`);
    } finally {
      await dropSchema(schema);
    }
  });
}

test.run();
