// The audit writer against the embedded store: everything written is appended in order with exact
// revisions; when the queue is full it overflows (counted, backlogged, relieved at a boundary) or
// drops (counted); another writer on the same stream causes retried conflicts, not losses or
// doubles; an invalid item is rejected alone; a failed store fails flush() and write() loudly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuditWriter } from './audit_writer.ts';
import { openEmbeddedStore, type EmbeddedEventStore } from './embedded/embedded_store.ts';
import type { FsyncPolicy } from './embedded/group_commit.ts';
import { decisionEvent } from './streams.ts';
import type { RecordedEvent } from './types.ts';

interface Item { key: string; n: number; blob?: string }
const dir = mkdtempSync(join(tmpdir(), 'lucent-es-writer-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;

async function store(fsync: FsyncPolicy = 'batch'): Promise<EmbeddedEventStore> {
  return openEmbeddedStore({ path: join(dir, `w${seq++}.log`), fsync });
}

async function readAll(s: EmbeddedEventStore, stream: string): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (let from = 0; ; from += 10_000) {
    const page = await s.readStream(stream, { fromRevision: from, maxCount: 10_000 });
    out.push(...page);
    if (page.length < 10_000) return out;
  }
}

const items = (n: number, from = 0): Item[] => Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, n: from + i }));
const ns = (list: RecordedEvent[]): number[] => list.map((e) => (e.data as Item).n);

test('10,000 writes in one synchronous burst: all appended in order, in batches, with exact revisions', async () => {
  const s = await store();
  const w = new AuditWriter<Item>(s, { stream: 'decisions', toEvent: (d) => decisionEvent(d), capacity: 16_384 });
  const list = items(10_000);
  for (const d of list) assert.ok(w.write(d));
  await w.flush();
  const got = await readAll(s, 'decisions');
  assert.equal(ns(got), list.map((d) => d.n));
  assert.equal(got.map((e) => e.revision), list.map((_, i) => i));
  const st = w.stats();
  assert.is(st.written, 10_000);
  assert.is(st.appended, 10_000);
  assert.is(st.depth, 0);
  assert.is(st.maxDepth, 10_000);
  assert.is(st.dropped + st.overflowed + st.conflicts + st.errors, 0);
  assert.ok(st.batches >= 10_000 / 512 && st.batches < 100, `batches ${st.batches}`);
  await w.close();
  assert.throws(() => w.write(items(1)[0]), /audit writer for stream "decisions" is closed/);
  await s.close();
});

test('a full queue overflows (counted), is backlogged, and relieve() at a boundary brings it under half; nothing lost', async () => {
  const s = await store('always');
  const w = new AuditWriter<Item>(s, { stream: 'decisions', toEvent: (d) => ({ type: 'decision', data: d }), capacity: 64, batchSize: 16 });
  const list = items(5000);
  for (const d of list) w.write(d); // no await: the drain cannot run, as on a busy main thread
  let st = w.stats();
  assert.is(st.overflowed, 5000 - 64);
  assert.is(st.depth, 5000);
  assert.ok(w.backlogged);
  await w.relieve();
  st = w.stats();
  assert.ok(st.depth <= 32, `depth ${st.depth} after relieve`);
  assert.is(st.stalls, 1);
  assert.ok(st.stallMs > 0);
  assert.not.ok(w.backlogged);
  await w.relieve(); // not backlogged: no stall
  assert.is(w.stats().stalls, 1);
  for (const d of items(100, 5000)) w.write(d);
  await w.close();
  assert.equal(ns(await readAll(s, 'decisions')), items(5100).map((d) => d.n));
  await s.close();
});

test('whenFull drop: the overflow is dropped and counted, write() says so, the rest is appended', async () => {
  const s = await store();
  const w = new AuditWriter<Item>(s, { stream: 'decisions', toEvent: (d) => ({ type: 'decision', data: d }), capacity: 64, whenFull: 'drop' });
  let accepted = 0;
  for (const d of items(200)) if (w.write(d)) accepted++;
  assert.is(accepted, 64);
  await w.flush();
  const st = w.stats();
  assert.is(st.dropped, 136);
  assert.is(st.written, st.appended + st.dropped);
  assert.equal(ns(await readAll(s, 'decisions')), items(64).map((d) => d.n));
  await w.close();
  await s.close();
});

test('another writer on the same stream: conflicts are retried with the new revision, nothing is lost or doubled', async () => {
  const s = await store();
  const a = new AuditWriter<Item>(s, { stream: 'outcomes', toEvent: (d) => ({ type: 'outcome', data: { ...d, by: 'a' } }), batchSize: 8 });
  const b = new AuditWriter<Item>(s, { stream: 'outcomes', toEvent: (d) => ({ type: 'outcome', data: { ...d, by: 'b' } }), batchSize: 8 });
  for (let round = 0; round < 20; round++) {
    for (const d of items(8, round * 8)) { a.write(d); b.write(d); }
    await Promise.all([a.flush(), b.flush()]);
  }
  const got = await readAll(s, 'outcomes');
  assert.is(got.length, 320);
  assert.equal(got.map((e) => e.revision), Array.from({ length: 320 }, (_, i) => i));
  for (const by of ['a', 'b']) assert.equal(got.filter((e) => (e.data as { by: string }).by === by).map((e) => (e.data as Item).n), items(160).map((d) => d.n));
  assert.ok(a.stats().conflicts + b.stats().conflicts > 0, 'the two writers did collide');
  await Promise.all([a.close(), b.close()]);
  await s.close();
});

test('an invalid item is rejected alone (counted, reported); its batch goes in without it', async () => {
  const s = await store();
  const rejected: [Item, string][] = [];
  const w = new AuditWriter<Item>(s, {
    stream: 'decisions',
    toEvent: (d) => { if (d.n === 3) throw new Error('no event for item 3'); return { type: 'decision', data: d }; },
    onRejected: (d, e) => rejected.push([d, e.message]),
  });
  const list = items(10);
  list[6].blob = 'x'.repeat(300_000); // over the store's event size limit
  for (const d of list) w.write(d);
  await w.flush();
  assert.equal(ns(await readAll(s, 'decisions')), [0, 1, 2, 4, 5, 7, 8, 9]);
  assert.equal(rejected.map(([d]) => d.n), [3, 6]);
  assert.match(rejected[1][1], /bytes of type, data and metadata; the limit is/);
  assert.is(w.stats().rejected, 2);
  await w.close();
  await s.close();
});

test('a store that fails for good fails flush() and the next write() loudly, saying how much is not stored', async () => {
  const s = await store();
  const w = new AuditWriter<Item>(s, { stream: 'decisions', toEvent: (d) => ({ type: 'decision', data: d }) });
  w.write(items(1)[0]);
  await w.flush();
  await s.close();
  for (const d of items(5, 1)) w.write(d);
  const err = await w.flush().catch((e: Error) => e);
  assert.match(String(err), /audit writer for stream "decisions": event log .* is closed; 5 events are not in the store/);
  assert.throws(() => w.write(items(1)[0]), /5 events are not in the store/);
  assert.is(w.stats().errors, 1);
  await w.close().catch(() => undefined);
});

test('write() allocates nothing per call: 4M writes of preallocated items grow the heap by less than a byte each', async () => {
  const s = await store('none');
  const pre = Array.from({ length: 1024 }, (_, i) => ({ key: `k${i}`, n: i }));
  const allocated = (): number => (getHeapStatistics() as { total_allocated_bytes?: number }).total_allocated_bytes ?? NaN;
  const n = 1 << 22;
  const warm = new AuditWriter<Item>(s, { stream: 'decisions', toEvent: (d) => ({ type: 'decision', data: d }), capacity: 1 << 16 });
  for (let i = 0; i < 1 << 16; i++) warm.write(pre[i & 1023]); // compile write() before measuring
  const w = new AuditWriter<Item>(s, { stream: 'outcomes', toEvent: (d) => ({ type: 'outcome', data: d }), capacity: n });
  const a0 = allocated();
  for (let i = 0; i < n; i++) w.write(pre[i & 1023]);
  const perWrite = (allocated() - a0) / n;
  assert.ok(Number.isFinite(perWrite), 'v8 reports total_allocated_bytes');
  assert.ok(perWrite < 1, `${perWrite.toFixed(3)} bytes allocated per write()`);
  assert.is(w.stats().depth, n);
  await warm.close();
  await s.close(); // the 4M queued items are not worth appending: the writer fails on the closed store
  await w.close().catch(() => undefined);
});

test('options are checked with messages naming the key', async () => {
  const s = await store();
  for (const [o, msg] of [
    [{ capacity: 100 }, 'capacity must be a power of two from 2 to 4194304, got 100'],
    [{ batchSize: 0 }, 'batchSize must be an integer from 1 to 10000, got 0'],
    [{ whenFull: 'block' }, "whenFull must be 'overflow' or 'drop', got \"block\""],
    [{ drainIntervalMs: 0 }, 'drainIntervalMs must be from 1 to 10000, got 0'],
    [{ stream: 'bad stream' }, 'stream name "bad stream" is invalid'],
  ] as [Record<string, unknown>, string][]) {
    assert.throws(() => new AuditWriter(s, { stream: 'decisions', toEvent: () => ({ type: 't', data: {} }), ...o }), (e: Error) => e.message.includes(msg));
  }
  await s.close();
});

test.run();
