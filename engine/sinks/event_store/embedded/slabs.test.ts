// The embedded log encodes frames into reused slabs (4 MiB, embedded_store.ts): appends in flight
// together across several slabs, older ones completing while newer ones are in flight, and one
// larger than a slab, are all stored as given, in order,
// the chain intact (scanned from the file), and readable after a reopen.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from './embedded_store.ts';
import { scanLog } from './scan.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-es-slabs-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('appends in flight across slabs, and one larger than a slab, are stored as given', async () => {
  const path = join(dir, 'events.log');
  const store = await openEmbeddedStore({ path, maxEventBytes: 1024 * 1024 });
  const pad = (i: number, n: number): string => `${String(i).padStart(6, '0')}-${'é€x'.repeat(n)}`;
  const expected = new Map<string, unknown[]>();
  const appends: Promise<unknown>[] = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 40; i++) {
      const stream = `s-${i % 3}`;
      const data = { i, round, text: pad(i, 20_000 + i * 97) }; // ~120 KB each: a slab holds about 35
      (expected.get(stream) ?? expected.set(stream, []).get(stream)!).push(data);
      appends.push(store.append(stream, { type: 't', data }));
      // some older appends complete while newer ones are in flight: their slab is reused under them
      if (appends.length % 7 === 0) await appends[appends.length - 5];
    }
    // one append of 8 events of ~700 KB: larger than a slab on its own
    const big = Array.from({ length: 8 }, (_, k) => ({ i: k, round, big: pad(k, 115_000) }));
    (expected.get('big') ?? expected.set('big', []).get('big')!).push(...big);
    appends.push(store.append('big', big.map((data) => ({ type: 't', data }))));
  }
  await Promise.all(appends);
  await store.close();
  const scan = scanLog(path);
  assert.is(scan.corrupt, null);
  assert.is(scan.tail, null);
  assert.is(scan.events, 3 * 48);
  const again = await openEmbeddedStore({ path, maxEventBytes: 1024 * 1024 });
  try {
    for (const [stream, list] of expected) {
      const got = await again.readStream(stream, { maxCount: 1000 });
      assert.equal(got.map((e) => e.data), list, stream);
    }
  } finally {
    await again.close();
  }
});

test('a slab is not written over while an append in it is still queued or being written', async () => {
  const path = join(dir, 'queued.log');
  const store = await openEmbeddedStore({ path, maxEventBytes: 1024 * 1024 });
  const big = (tag: string): { tag: string; text: string } => ({ tag, text: tag.repeat(300_000) });
  const a = store.append('s', { type: 't', data: { tag: 'a' } }); // written at once
  const queued = ['b', 'c', 'd'].map((tag) => store.append('s', { type: 't', data: big(tag) })); // queued behind it, in the same slab
  await a; // a's write is done: b, c, d are now being written
  const later = store.append('s', { type: 't', data: big('e') }); // encoded while they are: after them, not over them
  await Promise.all([...queued, later]);
  await store.close();
  assert.is(scanLog(path).corrupt, null);
  const again = await openEmbeddedStore({ path, maxEventBytes: 1024 * 1024 });
  try {
    const got = await again.readStream('s');
    assert.equal(got.map((e) => (e.data as { tag: string }).tag), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(got.slice(1).map((e) => e.data), ['b', 'c', 'd', 'e'].map(big));
  } finally {
    await again.close();
  }
});

test.run();
