// The contract every event store adapter passes: one uvu suite, parameterised by a harness that
// opens a store on fresh storage (a temporary log file, a fresh PostgreSQL schema, a KurrentDB
// server with random stream names). Stream names are random per test, so a shared server is fine;
// reads of all streams look only at this test's streams.
import { randomBytes, randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidEventError, WrongExpectedRevisionError } from '../errors.ts';
import type { EventData, EventStore, RecordedEvent } from '../types.ts';

export interface ContractHarness {
  /** Opens a store on this harness's storage; after close(), opening again reopens the same storage. */
  open(): Promise<EventStore>;
  /** Removes the storage. */
  dispose(): Promise<void>;
  /** Other clients may write to the same store (reads of all see their events too). */
  shared?: boolean;
}

/** Polls `cond` until true; fails with `what` after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) assert.unreachable(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function freshStream(what: string): string {
  return `t${randomBytes(5).toString('hex')}-${what}`;
}

function evs(n: number, tag: string, from = 0): EventData[] {
  return Array.from({ length: n }, (_, i) => ({ type: 'test-event', data: { tag, n: from + i } }));
}

const ns = (list: RecordedEvent[]): number[] => list.map((e) => (e.data as { n: number }).n);
const revs = (list: RecordedEvent[]): number[] => list.map((e) => e.revision);

async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  assert.unreachable('expected a rejection');
  throw new Error('unreachable');
}

/** Registers the contract tests for one adapter; the caller runs the returned suite. */
export function eventStoreContract(name: string, makeHarness: () => Promise<ContractHarness>): ReturnType<typeof suite> {
  const test = suite(`${name} event store contract`);

  /** Runs `body` with a store on fresh storage, closing and removing it after. */
  const withStore = (title: string, body: (store: EventStore, h: ContractHarness) => Promise<void>): void => {
    test(title, async () => {
      const h = await makeHarness();
      let store: EventStore | null = null;
      try {
        store = await h.open();
        await body(store, h);
      } finally {
        await store?.close().catch(() => undefined);
        await h.dispose();
      }
    });
  };

  withStore('no_stream: the first append creates the stream at revision 0; a second is a conflict naming stream, expected and actual', async (s) => {
    const st = freshStream('decisions');
    const r = await s.append(st, evs(2, 'a'), { expectedRevision: 'no_stream' });
    assert.is(r.nextExpectedRevision, 1);
    const err = await rejects(s.append(st, evs(1, 'b'), { expectedRevision: 'no_stream' }));
    assert.instance(err, WrongExpectedRevisionError);
    const w = err as WrongExpectedRevisionError;
    assert.is(w.stream, st);
    assert.is(w.expected, 'no_stream');
    assert.is(w.actual, 1);
    assert.match(w.message, `append to stream "${st}": expected no_stream, actual revision 1`);
    assert.equal(ns(await s.readStream(st)), [0, 1]);
  });

  withStore('stream_exists: rejected on a stream with no events, accepted on one with events', async (s) => {
    const st = freshStream('control');
    const err = await rejects(s.append(st, evs(1, 'a'), { expectedRevision: 'stream_exists' }));
    assert.instance(err, WrongExpectedRevisionError);
    assert.is((err as WrongExpectedRevisionError).actual, 'no_stream');
    assert.match(err.message, 'expected stream_exists, actual no_stream');
    assert.equal(await s.readStream(st), []);
    await s.append(st, evs(1, 'a'));
    const r = await s.append(st, evs(1, 'b', 1), { expectedRevision: 'stream_exists' });
    assert.is(r.nextExpectedRevision, 1);
  });

  withStore('exact revision: the current one appends; a stale or future one is a conflict and appends nothing', async (s) => {
    const st = freshStream('outcomes');
    let r = await s.append(st, evs(3, 'a'));
    assert.is(r.nextExpectedRevision, 2);
    r = await s.append(st, evs(2, 'b', 3), { expectedRevision: 2 });
    assert.is(r.nextExpectedRevision, 4);
    for (const stale of [2, 0, 7]) {
      const err = await rejects(s.append(st, evs(1, 'c', 99), { expectedRevision: stale }));
      assert.instance(err, WrongExpectedRevisionError);
      assert.is((err as WrongExpectedRevisionError).actual, 4);
      assert.is((err as WrongExpectedRevisionError).expected, stale);
      assert.match(err.message, `expected revision ${stale}, actual revision 4`);
    }
    const missing = await rejects(s.append(freshStream('x'), evs(1, 'd'), { expectedRevision: 0 }));
    assert.match(missing.message, 'expected revision 0, actual no_stream');
    assert.equal(ns(await s.readStream(st)), [0, 1, 2, 3, 4]);
    assert.equal(revs(await s.readStream(st)), [0, 1, 2, 3, 4]);
  });

  withStore('any: appends whatever the stream holds; streamRevision follows', async (s) => {
    const st = freshStream('agent-performance-yield_hunter');
    assert.is(await s.streamRevision(st), null);
    await s.append(st, evs(1, 'a'), { expectedRevision: 'any' });
    await s.append(st, evs(2, 'a', 1));
    assert.is(await s.streamRevision(st), 2);
    assert.equal(revs(await s.readStream(st)), [0, 1, 2]);
  });

  withStore('concurrent appenders with the same exact revision: exactly one wins, the others conflict', async (s) => {
    const st = freshStream('decisions');
    await s.append(st, evs(1, 'seed'));
    const tries = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => s.append(st, evs(3, `w${i}`, 1), { expectedRevision: 0 })));
    const won = tries.filter((t) => t.status === 'fulfilled');
    assert.is(won.length, 1, 'one winner');
    for (const t of tries) {
      if (t.status === 'rejected') {
        assert.instance(t.reason, WrongExpectedRevisionError);
        assert.is((t.reason as WrongExpectedRevisionError).actual, 3);
      }
    }
    const all = await s.readStream(st);
    assert.equal(revs(all), [0, 1, 2, 3]);
    const tags = new Set(all.slice(1).map((e) => (e.data as { tag: string }).tag));
    assert.is(tags.size, 1, 'the stream holds the winner\'s batch only');
  });

  withStore('concurrent appends with any: every batch lands whole, revisions are contiguous, nothing is lost or doubled', async (s) => {
    const st = freshStream('outcomes');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.append(st, evs(5, `b${i}`))));
    const all = await s.readStream(st, { maxCount: 1000 });
    assert.equal(revs(all), Array.from({ length: 50 }, (_, i) => i));
    for (let i = 0; i < 50; i += 5) {
      const tag = (all[i].data as { tag: string }).tag;
      assert.equal(all.slice(i, i + 5).map((e) => (e.data as { tag: string }).tag), Array(5).fill(tag), `batch at ${i} is whole`);
      assert.equal(ns(all.slice(i, i + 5)), [0, 1, 2, 3, 4]);
    }
    assert.equal(new Set(results.map((r) => r.nextExpectedRevision)).size, 10);
    for (let i = 1; i < all.length; i++) assert.ok(all[i].position > all[i - 1].position, 'positions increase with revisions');
  });

  withStore('read a stream forwards and backwards from a revision, with maxCount', async (s) => {
    const st = freshStream('decisions');
    await s.append(st, evs(10, 'a'));
    assert.equal(ns(await s.readStream(st, { fromRevision: 3, maxCount: 4 })), [3, 4, 5, 6]);
    assert.equal(ns(await s.readStream(st, { direction: 'backwards', fromRevision: 6, maxCount: 3 })), [6, 5, 4]);
    assert.equal(ns(await s.readStream(st, { direction: 'backwards', maxCount: 2 })), [9, 8]);
    assert.equal(ns(await s.readStream(st, { direction: 'backwards', fromRevision: 'end', maxCount: 2 })), [9, 8]);
    assert.equal(ns(await s.readStream(st, { direction: 'backwards', fromRevision: 100, maxCount: 2 })), [9, 8]);
    assert.equal(ns(await s.readStream(st, { direction: 'backwards', fromRevision: 1 })), [1, 0]);
    assert.equal(ns(await s.readStream(st)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(ns(await s.readStream(st, { fromRevision: 'start', maxCount: 2 })), [0, 1]);
    assert.equal(await s.readStream(st, { fromRevision: 10 }), []);
    assert.equal(await s.readStream(st, { fromRevision: 'end' }), []);
    assert.equal(await s.readStream(freshStream('missing')), []);
    assert.equal(await s.readStream(freshStream('missing'), { direction: 'backwards' }), []);
  });

  withStore('recorded events keep id, type, data and metadata exactly, and carry stream, revision, position and created', async (s) => {
    const st = freshStream('decisions');
    const id = randomUUID();
    const data = {
      key: 'k1', z: 1, a: [0.1 + 0.2, 1e-7, -0, 1e21, 123456789.123456789, Number.MAX_SAFE_INTEGER], '10': 'integer-like key', '2': true,
      text: 'ünïcødé ✓ "quoted" \\ back\nslash \u2028', nested: { fill: null, tx: { value: '1000000000000000000' } },
    };
    const metadata = { inputs: { bid: 60000.5, seq: 42 }, agent: 'arbitrage_detector' };
    const before = Date.now();
    const r = await s.append(st, { id, type: 'decision', data, metadata });
    const after = Date.now();
    const [e] = await s.readStream(st);
    assert.is(e.id, id);
    assert.is(e.type, 'decision');
    assert.is(e.stream, st);
    assert.is(e.revision, 0);
    assert.is(e.position, r.position);
    assert.is(JSON.stringify(e.data), JSON.stringify(data), 'data text is reproduced byte for byte');
    assert.is(JSON.stringify(e.metadata), JSON.stringify(metadata));
    assert.instance(e.created, Date);
    const skew = 10 * 60_000; // a server's clock may differ from ours
    assert.ok(e.created.getTime() >= before - skew && e.created.getTime() <= after + skew, `created ${e.created.toISOString()} near now`);
    await s.append(st, { type: 'decision', data: [1, 2] });
    const [second] = await s.readStream(st, { fromRevision: 1 });
    assert.equal(second.data, [1, 2]);
    assert.equal(second.metadata, {});
    assert.match(second.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  withStore('read all forwards and backwards from a position: every stream, in commit order, positions inclusive', async (s, h) => {
    const a = freshStream('decisions');
    const b = freshStream('outcomes');
    const mine = (list: RecordedEvent[]): RecordedEvent[] => list.filter((e) => e.stream === a || e.stream === b);
    await s.append(a, evs(2, 'a', 0));
    await s.append(b, evs(1, 'b', 0));
    await s.append(a, evs(1, 'a', 2));
    await s.append(b, evs(2, 'b', 1));
    const first = (await s.readStream(a))[0].position;
    const fwd = mine(await s.readAll({ fromPosition: first, maxCount: 1000 }));
    assert.equal(fwd.map((e) => `${e.stream === a ? 'a' : 'b'}${(e.data as { n: number }).n}`), ['a0', 'a1', 'b0', 'a2', 'b1', 'b2']);
    for (let i = 1; i < fwd.length; i++) assert.ok(fwd[i].position > fwd[i - 1].position, 'positions increase');
    const third = fwd[2];
    const fromThird = mine(await s.readAll({ fromPosition: third.position, maxCount: 1000 }));
    assert.is(fromThird[0].id, third.id, 'fromPosition is inclusive');
    assert.is(fromThird.length, 4);
    const last = fwd[fwd.length - 1];
    const back = mine(await s.readAll({ direction: 'backwards', fromPosition: last.position, maxCount: 1000 }));
    assert.equal(back.slice(0, 6).map((e) => e.id), [...fwd].reverse().map((e) => e.id));
    const backThird = mine(await s.readAll({ direction: 'backwards', fromPosition: third.position, maxCount: 1000 }));
    assert.equal(backThird.slice(0, 3).map((e) => e.id), fwd.slice(0, 3).reverse().map((e) => e.id));
    if (!h.shared) {
      assert.equal((await s.readAll({ fromPosition: first, maxCount: 2 })).map((e) => e.id), fwd.slice(0, 2).map((e) => e.id));
      assert.equal((await s.readAll({ direction: 'backwards', maxCount: 2 })).map((e) => e.id), [last.id, fwd[4].id]);
      assert.equal(await s.readAll({ fromPosition: last.position + 1 }), []);
    }
  });

  withStore('subscribe to a stream: catch-up from the start, then live events in order, until stopped', async (s) => {
    const st = freshStream('decisions');
    await s.append(st, evs(5, 'a'));
    const got: RecordedEvent[] = [];
    let caughtUpCalls = 0;
    const sub = s.subscribeToStream(st, { from: 'start', onEvent: (e) => { got.push(e); }, onCaughtUp: () => { caughtUpCalls++; } });
    await sub.caughtUp;
    assert.equal(ns(got), [0, 1, 2, 3, 4]);
    await s.append(st, evs(2, 'a', 5));
    await s.append(st, evs(1, 'a', 7));
    await until(() => got.length >= 8, 'live events');
    assert.equal(ns(got), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(revs(got), [0, 1, 2, 3, 4, 5, 6, 7]);
    await sub.stop();
    await s.append(st, evs(1, 'a', 8));
    await new Promise((r) => setTimeout(r, 300));
    assert.is(got.length, 8, 'nothing after stop');
    assert.is(caughtUpCalls, 1);
  });

  withStore('subscribe to a stream after a revision (exclusive checkpoint) and from the end', async (s) => {
    const st = freshStream('control');
    await s.append(st, evs(4, 'a'));
    const fromRev: number[] = [];
    const fromEnd: number[] = [];
    const subA = s.subscribeToStream(st, { from: 1, onEvent: (e) => { fromRev.push(e.revision); } });
    const subB = s.subscribeToStream(st, { from: 'end', onEvent: (e) => { fromEnd.push(e.revision); } });
    await Promise.all([subA.caughtUp, subB.caughtUp]);
    assert.equal(fromRev, [2, 3]);
    assert.equal(fromEnd, []);
    await s.append(st, evs(2, 'a', 4));
    await until(() => fromRev.length >= 4 && fromEnd.length >= 2, 'live events on both');
    assert.equal(fromRev, [2, 3, 4, 5]);
    assert.equal(fromEnd, [4, 5]);
    await Promise.all([subA.stop(), subB.stop()]);
  });

  withStore('subscribe to all: catch-up from a position, then live events of every stream in position order', async (s) => {
    const a = freshStream('decisions');
    const b = freshStream('agent-performance-risk_assessor');
    await s.append(a, evs(3, 'a'));
    const checkpoint = (await s.readStream(a))[0].position; // deliver what follows the first event
    await s.append(b, evs(2, 'b'));
    const got: RecordedEvent[] = [];
    const sub = s.subscribeToAll({ from: checkpoint, onEvent: (e) => { if (e.stream === a || e.stream === b) got.push(e); } });
    await sub.caughtUp;
    assert.equal(got.map((e) => `${e.stream === a ? 'a' : 'b'}${e.revision}`), ['a1', 'a2', 'b0', 'b1']);
    await s.append(b, evs(1, 'b', 2));
    await s.append(a, evs(1, 'a', 3));
    await until(() => got.length >= 6, 'live events on all');
    assert.equal(got.map((e) => `${e.stream === a ? 'a' : 'b'}${e.revision}`), ['a1', 'a2', 'b0', 'b1', 'b2', 'a3']);
    for (let i = 1; i < got.length; i++) assert.ok(got[i].position > got[i - 1].position);
    await sub.stop();
  });

  withStore('a subscriber that throws is stopped and told why; other subscribers go on', async (s) => {
    const st = freshStream('outcomes');
    await s.append(st, evs(3, 'a'));
    let error: Error | null = null;
    const seen: number[] = [];
    const ok: number[] = [];
    const bad = s.subscribeToStream(st, { onEvent: (e) => { if (e.revision === 1) throw new Error('boom at 1'); seen.push(e.revision); }, onError: (e) => { error = e; } });
    const good = s.subscribeToStream(st, { onEvent: (e) => { ok.push(e.revision); } });
    await until(() => error !== null && ok.length === 3, 'the error and the other subscriber');
    assert.match(String(error), 'boom at 1');
    assert.equal(seen, [0]);
    await bad.stop();
    await good.stop();
  });

  withStore('close and reopen: every event is there, revisions and positions go on', async (s0, h) => {
    let s = s0;
    const st = freshStream('decisions');
    const r1 = await s.append(st, evs(3, 'a'), { expectedRevision: 'no_stream' });
    await s.close();
    await s.close(); // closing twice is harmless
    s = await h.open();
    try {
      assert.equal(ns(await s.readStream(st)), [0, 1, 2]);
      const r2 = await s.append(st, evs(2, 'a', 3), { expectedRevision: r1.nextExpectedRevision });
      assert.is(r2.nextExpectedRevision, 4);
      assert.ok(r2.position > r1.position);
      assert.equal(ns(await s.readStream(st)), [0, 1, 2, 3, 4]);
    } finally {
      await s.close();
    }
  });

  withStore('a large batch: 2,000 events appended at once with an exact revision, read back in pages', async (s) => {
    const st = freshStream('decisions');
    await s.append(st, evs(1, 'seed'));
    const big = Array.from({ length: 2000 }, (_, i) => ({ type: 'decision', data: { n: i + 1, pad: 'x'.repeat(200), at: i * 0.001 } }));
    const r = await s.append(st, big, { expectedRevision: 0 });
    assert.is(r.nextExpectedRevision, 2000);
    const read: RecordedEvent[] = [];
    for (let from = 0; ; from += 512) {
      const page = await s.readStream(st, { fromRevision: from, maxCount: 512 });
      read.push(...page);
      if (page.length < 512) break;
    }
    assert.is(read.length, 2001);
    assert.equal(ns(read), Array.from({ length: 2001 }, (_, i) => i));
    for (let i = 1; i < read.length; i++) assert.ok(read[i].position > read[i - 1].position);
  });

  withStore('bad input is rejected with a message naming what was wrong, and nothing is appended', async (s) => {
    const st = freshStream('decisions');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const cases: [string, () => Promise<unknown>, string | RegExp][] = [
      ['empty stream name', () => s.append('', evs(1, 'a')), 'stream name must not be empty'],
      ['space in stream name', () => s.append('a b', evs(1, 'a')), /stream name "a b" is invalid/],
      ['system stream', () => s.append('$all', evs(1, 'a')), /stream name "\$all" is invalid/],
      ['long stream name', () => s.append('s'.repeat(201), evs(1, 'a')), /201 characters long; the limit is 200/],
      ['no events', () => s.append(st, []), `append to stream "${st}": no events`],
      ['empty type', () => s.append(st, { type: '', data: {} }), /event 0: type must be/],
      ['data a number', () => s.append(st, { type: 't', data: 5 }), /event 0: data must be a JSON object or array, got 5/],
      ['data with a BigInt', () => s.append(st, [{ type: 't', data: {} }, { type: 't', data: { n: 1n } }]), /event 1: data is not JSON/],
      ['circular data', () => s.append(st, { type: 't', data: circular }), /event 0: data is not JSON/],
      ['metadata a string', () => s.append(st, { type: 't', data: {}, metadata: 'm' }), /metadata must be a JSON object or array/],
      ['bad id', () => s.append(st, { id: 'not-a-uuid', type: 't', data: {} }), /id must be a UUID, got "not-a-uuid"/],
      ['oversize event', () => s.append(st, { type: 't', data: { blob: 'x'.repeat(300_000) } }), /bytes of type, data and metadata; the limit is \d+/],
      ['negative revision', () => s.append(st, evs(1, 'a'), { expectedRevision: -1 }), /expectedRevision must be 'any', 'no_stream', 'stream_exists' or a revision/],
      ['fractional revision', () => s.append(st, evs(1, 'a'), { expectedRevision: 1.5 }), /expectedRevision must be/],
      ['unknown revision word', () => s.append(st, evs(1, 'a'), { expectedRevision: 'latest' as never }), /got "latest"/],
      ['maxCount 0', () => s.readStream(st, { maxCount: 0 }), /maxCount must be an integer from 1/],
      ['bad direction', () => s.readAll({ direction: 'sideways' as never }), /direction must be 'forwards' or 'backwards'/],
      ['negative fromPosition', () => s.readAll({ fromPosition: -5 }), /fromPosition must be 'start', 'end' or an integer >= 0/],
    ];
    for (const [what, call, message] of cases) {
      const err = await rejects(call());
      assert.instance(err, InvalidEventError, what);
      if (typeof message === 'string') assert.ok(err.message.includes(message), `${what}: "${err.message}" should include "${message}"`);
      else assert.match(err.message, message, what);
      assert.not.match(err.message, /\n/, `${what}: one line`);
    }
    assert.throws(() => s.subscribeToStream(st, {} as never), /onEvent must be a function/);
    assert.is(await s.streamRevision(st), null, 'nothing was appended');
  });

  return test;
}
