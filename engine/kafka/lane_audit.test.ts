// A Kafka lane's audit stream on a real embedded event store: each key once across a crash
// between the decision log's write and the stream's, and fencing: a member that lost its lane (a
// stalled zombie) cannot append after the new owner claimed the stream, and writes nothing to the
// decision log either.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../sinks/event_store/embedded/embedded_store.ts';
import { exportStream } from '../sinks/event_store/export.ts';
import { kLaneClaimType } from '../sinks/event_store/streams.ts';
import type { EventStore } from '../sinks/event_store/types.ts';
import type { Decision } from '../types.ts';
import { FencedError, LaneAudit, laneStream } from './lane_audit.ts';
import { openLaneSink } from './lane_sink.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-lane-audit-'));
let store: EventStore;

test.before(async () => { store = await openEmbeddedStore({ path: join(dir, 'events.log') }); });
test.after(async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); });

function decision(i: number): Decision {
  return {
    key: `arbitrage_cross_exchange:binance:BTC/USDT>kraken:BTC/USDT@${1000 + i}`, seq: i + 1, cycle: i + 1, epoch: 1000 + i, ts: 1723075200000000 + i,
    agent: 'arbitrage_detector', kind: 'arbitrage_cross_exchange', action: 'buy binance, sell kraken', instruments: ['binance:BTC/USDT', 'kraken:BTC/USDT'],
    sizeUsd: 1000 + i, expectedProfitUsd: 3.5, score: 0.5, status: 'approved', reason: 'ok', fill: null,
  };
}

const keysOf = (lines: string[]): string[] => lines.map((l) => (JSON.parse(l) as { key: string }).key);
const logLines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
async function streamLines(stream: string): Promise<string[]> {
  let text = '';
  await exportStream(store, stream, (t) => { text += t; });
  return text.split('\n').filter((l) => l !== '');
}

test('global and shard streams are named', () => {
  assert.is(laneStream(-1), 'decisions');
  assert.is(laneStream(3), 'decisions-shard-3');
});

test('a crash between the log and the stream: on restart each gets what it lacks, every key once in both', async () => {
  const stream = laneStream(0);
  const log = join(dir, 'shard-0.jsonl');
  const all = Array.from({ length: 30 }, (_, i) => decision(i));
  // Before the crash: the stream holds decisions 0..19 (appended first), the log 0..14 (the
  // crash came between the two writes of the last flush) with a torn 16th line.
  {
    const audit = await LaneAudit.open(store, stream, 'member-a');
    for (const d of all.slice(0, 20)) audit.add(d);
    await audit.flush();
    writeFileSync(log, all.slice(0, 15).map((d) => JSON.stringify(d)).join('\n') + '\n' + JSON.stringify(all[15]).slice(0, 40));
  }
  // Restart: the lane replays from the committed offset (decision 10 on), making every decision again.
  const audit = await LaneAudit.open(store, stream, 'member-a');
  assert.equal(audit.stats(), { stream, found: 20, appended: 0, epoch: 2, fenced: false });
  const sink = await openLaneSink(log, true, audit);
  sink.suppress = true;
  for (const d of all.slice(0, 10)) sink.write(d); // below the committed offset
  sink.suppress = false;
  for (const d of all.slice(10)) sink.write(d);
  await sink.flush();
  await sink.close();
  const want = all.map((d) => JSON.stringify(d));
  assert.equal(logLines(log), want, 'the log: torn line cut, 15..29 appended once');
  assert.equal(await streamLines(stream), want, 'the stream: 20..29 appended once (its data export is the log)');
  assert.equal(audit.stats().appended, 10);
  assert.is(sink.written, 15);
  const records = await store.readStream(stream);
  assert.is(records.filter((e) => e.type === kLaneClaimType).length, 2, 'two claims (epochs 1 and 2), left out of the data export');
});

test('a stalled member is fenced once another has claimed its stream: it writes neither to the stream nor to its log', async () => {
  const stream = laneStream(1);
  const logA = join(dir, 'a-shard-1.jsonl');
  const logB = join(dir, 'b-shard-1.jsonl');
  const all = Array.from({ length: 40 }, (_, i) => decision(100 + i));
  const a = await openLaneSink(logA, true, await LaneAudit.open(store, stream, 'member-a'));
  for (const d of all.slice(0, 10)) a.write(d);
  await a.flush();
  // A stalls past the session timeout; B takes the shard over and claims its stream.
  for (const d of all.slice(10, 15)) a.write(d); // decided by A but not yet flushed when it stalled
  const bAudit = await LaneAudit.open(store, stream, 'member-b');
  assert.is(bAudit.stats().epoch, 2);
  assert.is(bAudit.stats().found, 10);
  const b = await openLaneSink(logB, true, bAudit);
  for (const d of all.slice(10)) b.write(d);
  await b.flush();
  // A wakes up and flushes: fenced.
  try {
    await a.flush();
    assert.unreachable('the zombie\'s flush must fail');
  } catch (err) {
    assert.instance(err, FencedError);
    assert.match((err as Error).message, /lane fenced off audit stream "decisions-shard-1" \(epoch 1\): another member claimed it/);
  }
  assert.ok(a.audit!.fenced);
  let again: unknown = null;
  await a.flush().catch((err: unknown) => { again = err; });
  assert.instance(again, FencedError, 'and stays fenced');
  await a.close();
  await b.close();
  assert.equal(keysOf(logLines(logA)), all.slice(0, 10).map((d) => d.key), 'nothing more in the zombie\'s log');
  const got = keysOf(await streamLines(stream));
  assert.equal(got, all.map((d) => d.key), 'the stream: every key once, in order, none from the zombie after the claim');
});

test.run();
