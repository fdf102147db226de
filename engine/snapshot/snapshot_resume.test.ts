// A snapshot of the whole engine (shared memory, the main thread's objects, every agent's state on
// its thread) taken at event N of the shipped fixture, restored into a freshly built engine that
// replays from event N+1: the decision log is byte for byte the uninterrupted run's, for several N
// (none of them a chunk boundary, some in the middle of a burst of decisions), inline and with the
// agents on threads, and across the two (a snapshot taken inline restored onto threads).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture } from '../testing/run_fixture.ts';
import { readSnapshot } from './engine_snapshot.ts';

const kLimit = 60_000;
const kEvery = 7_919; // a prime: the snapshots fall at no chunk boundary

interface Snap { bytes: Uint8Array; events: number; decisions: number }

async function run(threads: number, hooks: Parameters<typeof runFixture>[1] = {}): Promise<string[]> {
  const { dir } = await runFixture({ threads, limit: kLimit }, hooks);
  const lines = readFileSync(join(dir, 'decisions.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  rmSync(dir, { recursive: true, force: true });
  return lines;
}

async function snapshotsOf(threads: number): Promise<{ lines: string[]; snaps: Snap[] }> {
  const snaps: Snap[] = [];
  const lines = await run(threads, { snapshot: { every: kEvery, save: async (bytes, h) => { snaps.push({ bytes, ...h }); } } });
  return { lines, snaps };
}

let full: string[] = [];
let inline: { lines: string[]; snaps: Snap[] };
let threaded: { lines: string[]; snaps: Snap[] };

test.before(async () => {
  full = await run(0);
  inline = await snapshotsOf(0);
  threaded = await snapshotsOf(1);
});

test('taking snapshots changes no decision, and they cover what the header says', () => {
  assert.ok(full.length > 1000, `${full.length} decisions`);
  assert.equal(inline.lines, full);
  assert.equal(threaded.lines, full);
  assert.is(inline.snaps.length, Math.floor((kLimit - 1) / kEvery));
  for (const s of inline.snaps) {
    const { header } = readSnapshot(s.bytes);
    assert.is(header.events, s.events);
    assert.ok(header.events % 4096 !== 0);
  }
  // some snapshot falls inside a burst: decisions made in the events just before and just after it
  const burst = inline.snaps.filter((s) => s.decisions > 0 && s.decisions < full.length);
  assert.ok(burst.length >= 3, `${burst.length} snapshots between decisions`);
});

async function resumeEqual(s: Snap, threads: number, label: string): Promise<void> {
  const resumed = await run(threads, { restoreFrom: s.bytes });
  const joined = [...full.slice(0, s.decisions), ...resumed];
  assert.is(joined.length, full.length, `${label} at event ${s.events}: ${joined.length} decisions, uninterrupted ${full.length}`);
  for (let i = 0; i < full.length; i++) {
    if (joined[i] !== full[i]) assert.unreachable(`${label} at event ${s.events}: decision ${i} differs:\n  resumed  ${joined[i]!.slice(0, 300)}\n  expected ${full[i]!.slice(0, 300)}`);
  }
  assert.ok(resumed.length > 0);
}

test('inline snapshot → inline resume: byte-identical decision log at every N', async () => {
  for (const s of inline.snaps) await resumeEqual(s, 0, 'inline');
});

test('threaded snapshot → threaded resume (agents saved and restored on their threads)', async () => {
  for (const s of threaded.snaps.slice(0, 3)) await resumeEqual(s, 1, 'threads 1');
});

test('a snapshot moves between thread counts: inline → 2 threads, 1 thread → inline', async () => {
  await resumeEqual(inline.snaps[2]!, 2, 'inline → threads 2');
  await resumeEqual(threaded.snaps[4]!, 0, 'threads 1 → inline');
});

test('in the densest burst of decisions: a snapshot between two decisions of the same burst (inline and threads)', async () => {
  // the decision key's epoch is the number of the source event that led to it
  const epochs = full.map((l) => (JSON.parse(l) as { epoch: number }).epoch);
  let best = 10;
  for (let i = 10; i + 10 < epochs.length; i++) if (epochs[i + 10]! - epochs[i - 10]! < epochs[best + 10]! - epochs[best - 10]!) best = i;
  while (epochs[best + 1] === epochs[best]) best++; // one event may lead to several decisions: after its last
  const n = epochs[best]!; // the snapshot covers events 1..n: decisions of the burst on both sides of it
  assert.ok(epochs[best + 1]! > n, 'a later event decides next');
  for (const threads of [0, 1]) {
    const snaps: Snap[] = [];
    await run(threads, { snapshot: { every: n, save: async (bytes, h) => { if (snaps.length === 0) snaps.push({ bytes, ...h }); } } });
    assert.is(snaps[0]!.events, n);
    assert.ok(epochs.filter((e) => e > n - 50 && e <= n).length > 0 && epochs.filter((e) => e > n && e <= n + 50).length > 0, `decisions within 50 events on both sides of event ${n}`);
    await resumeEqual(snaps[0]!, threads, `burst, threads ${threads}`);
  }
});

test('a damaged or foreign snapshot is refused with the reason, before anything runs', async () => {
  const good = inline.snaps[0]!.bytes;
  const bad = Buffer.from(good);
  bad[bad.length - 10] ^= 0xff;
  await run(0, { restoreFrom: bad }).then(() => assert.unreachable('a damaged snapshot was restored'), (e: Error) => assert.match(e.message, /sha256 .* does not match/));
  await run(0, { restoreFrom: good.subarray(0, good.length - 5) }).then(() => assert.unreachable('a truncated snapshot was restored'), (e: Error) => assert.match(e.message, /truncated/));
  await runFixture({ threads: 0, limit: kLimit, agents: ['yield_hunter', 'risk_assessor'] }, { restoreFrom: good })
    .then(() => assert.unreachable('restored into other agents'), (e: Error) => assert.match(e.message, /taken with agents/));
});

test.run();
