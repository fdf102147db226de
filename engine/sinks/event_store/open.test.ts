// Choosing the adapter from one setting: nothing → the embedded log at out/audit/events.log; a
// path or file:// URL → an embedded log there; postgres:// and kurrentdb:// → the server adapters;
// an unknown scheme or config key is named.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kEventStoreEnv, eventStoreTarget, openEventStore } from './open.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-es-open-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('each setting selects its adapter', () => {
  assert.equal(eventStoreTarget(undefined), { kind: 'embedded', target: 'out/audit/events.log' });
  assert.equal(eventStoreTarget('  '), { kind: 'embedded', target: 'out/audit/events.log' });
  assert.equal(eventStoreTarget('/var/lib/lucent/events.log'), { kind: 'embedded', target: '/var/lib/lucent/events.log' });
  assert.equal(eventStoreTarget('file:///var/lib/lucent/events.log'), { kind: 'embedded', target: '/var/lib/lucent/events.log' });
  assert.equal(eventStoreTarget('postgres://postgres@127.0.0.1:5432/test?schema=audit'), { kind: 'postgres', target: 'postgres://postgres@127.0.0.1:5432/test?schema=audit' });
  assert.equal(eventStoreTarget('postgresql://db/x'), { kind: 'postgres', target: 'postgresql://db/x' });
  assert.equal(eventStoreTarget('kurrentdb://127.0.0.1:2113?tls=false'), { kind: 'kurrentdb', target: 'kurrentdb://127.0.0.1:2113?tls=false' });
  assert.equal(eventStoreTarget('kurrentdb+discover://a:2113,b:2113'), { kind: 'kurrentdb', target: 'kurrentdb+discover://a:2113,b:2113' });
  assert.throws(() => eventStoreTarget('mysql://x/y'), /event store "mysql:\/\/x\/y": unknown scheme; use a log file path, postgres:\/\/user@host:5432\/db, or kurrentdb:\/\/host:2113\?tls=false/);
});

test('a path, a file:// URL and the environment variable open the embedded log there', async () => {
  const a = join(dir, 'a.log');
  const s1 = await openEventStore(a);
  assert.is(s1.kind, 'embedded');
  await s1.append('decisions', { type: 'decision', data: { n: 1 } });
  await s1.close();
  assert.ok(existsSync(a));
  const s2 = await openEventStore({ url: pathToFileURL(a).href, embedded: { fsync: 'always' } });
  assert.is(await s2.streamRevision('decisions'), 0);
  await s2.close();
  const b = join(dir, 'b.log');
  process.env[kEventStoreEnv] = b;
  try {
    const s3 = await openEventStore();
    assert.is(s3.kind, 'embedded');
    await s3.close();
    assert.ok(existsSync(b));
  } finally {
    delete process.env[kEventStoreEnv];
  }
});

test('an unknown config key is named', async () => {
  const err = await openEventStore({ url: join(dir, 'c.log'), fsync: 'none' } as never).catch((e: Error) => e);
  assert.match(String(err), 'event store config: unknown key "fsync" (keys: url, embedded, postgres, kurrentdb)');
});

test.run();
