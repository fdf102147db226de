// The trail on the audit thread: nothing lost when its queues fill up (policy overflow, relieved
// at flush boundaries), a store that cannot be opened named with its own error class, and an
// audit thread that dies failing every later flush and write loudly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreError } from '../errors.ts';
import { openEmbeddedStore } from '../embedded/embedded_store.ts';
import { attachInputs } from '../../decision_inputs.ts';
import { kFieldCount, kRecordWidth } from '../../../../protocol/layout.ts';
import type { Decision } from '../../../types.ts';
import { openStoreThread } from './audit_thread.ts';
import { kAuditThreadNice } from './wire.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-audit-thread-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const registry = { meta: Array.from({ length: 40 }, (_, i) => ({ key: `venue:i${i}`, kind: 1 })) };

/** A decision as the engine records it, with captured inputs; every third one executed. */
function decision(i: number): Decision {
  const instruments = [`venue:i${i % 40}`, `venue:i${(i + 1) % 40}`];
  const d = {
    key: `k${i}`, seq: i + 1, cycle: i, epoch: i, ts: 1_700_000_000_000_000 + i, agent: 'arbitrage_detector', kind: 'arbitrage_cross_exchange',
    action: 'buy', instruments, sizeUsd: 1000 + i, expectedProfitUsd: 1.5, score: 0.5, status: i % 3 === 0 ? 'approved' : 'rejected',
    reason: `r${i}`, fill: i % 3 === 0 ? { price: 100 + i, qty: 1, feeUsd: 0.1, slippageUsd: 0 } : null,
  } as unknown as Decision;
  const slots = Int32Array.from([i % 40, (i + 1) % 40]);
  const state = Float64Array.from({ length: 2 * kFieldCount }, (_, k) => i + k / 8);
  const records = Float64Array.from({ length: kRecordWidth }, (_, k) => (k === 1 ? i % 40 : k));
  attachInputs(d, { cycle: i, slots, state, records, realizesPnl: false, registry });
  return d;
}

test('5,000 decisions through queues of 16: every one appended (overflow relieved at the flush boundaries), with its inputs and outcome', async () => {
  const path = join(dir, 'full', 'events.log');
  const store = await openStoreThread({ url: path });
  const trail = await store.trail({ capacity: 16, whenFull: 'overflow' });
  const n = 5000;
  for (let i = 0; i < n; i++) {
    trail.decision(decision(i));
    if (i % 500 === 499) await trail.relieve(); // the engine's flush boundary
  }
  await trail.flush();
  const mid = trail.stats();
  assert.is(mid.written, n + Math.ceil(n / 3), 'each decision, and an outcome per executed one');
  assert.is(mid.appended, mid.written);
  assert.is(mid.dropped, 0);
  assert.ok(mid.maxDepth > 16, `the queue overflowed its 16 slots (max depth ${mid.maxDepth}) and nothing was lost`);
  assert.ok(mid.onThread);
  if (process.platform === 'linux') assert.is(mid.threadNice, kAuditThreadNice, 'the audit thread runs at a lower priority than the hot path');
  assert.is(mid.inputsFormatted, n);
  assert.ok(mid.inputsBatches >= 10 && mid.inputsBatches < n, `batches: ${mid.inputsBatches}`);
  await trail.close();
  const back = await openEmbeddedStore({ path });
  try {
    const ds = await back.readStream('decisions', { maxCount: 10_000 });
    assert.equal(ds.map((e) => (e.data as { key: string }).key), Array.from({ length: n }, (_, i) => `k${i}`), 'in order, each once');
    const m = ds[7]!.metadata as { cycle: number; state: Record<string, { slot: number; ts: number }> };
    assert.is(m.cycle, 7);
    assert.equal(Object.keys(m.state), ['venue:i7', 'venue:i8']);
    assert.is(m.state['venue:i8']!.slot, 8);
    const outs = await back.readStream('outcomes', { maxCount: 10_000 });
    assert.is(outs.length, Math.ceil(n / 3));
    assert.is((outs[1]!.data as { decision: string }).decision, 'k3');
  } finally {
    await back.close();
  }
});

test('a store that cannot be opened: its own error, named (the same log opened twice in one process; a directory as the log)', async () => {
  const path = join(dir, 'twice', 'events.log');
  const first = await openStoreThread({ url: path });
  try {
    const err = await openStoreThread({ url: path }).then(() => null, (e: Error) => e);
    assert.instance(err, EventStoreError);
    assert.match(err!.message, /already open in this process/);
  } finally {
    await first.close();
  }
  const d = join(dir, 'a-directory');
  mkdirSync(d);
  const err2 = await openStoreThread({ url: d }).then(() => null, (e: Error) => e);
  assert.ok(err2 instanceof Error, 'a directory is refused');
  assert.match(err2!.message, /a-directory/);
});

test('the audit thread dies: flush() and every later write fail loudly, naming it', async () => {
  const store = await openStoreThread({ url: join(dir, 'crash', 'events.log') });
  const trail = await store.trail();
  trail.decision(decision(1));
  await trail.flush();
  await store.crashForTest();
  await new Promise((r) => setTimeout(r, 50));
  const err = await trail.flush().then(() => null, (e: Error) => e);
  assert.instance(err, EventStoreError);
  assert.match(err!.message, /audit thread exited/);
  assert.throws(() => trail.decision(decision(2)), /audit thread exited/);
  assert.throws(() => trail.append('control', 'approval', {}), /audit thread exited/);
  const r = await store.readAll().then(() => null, (e: Error) => e);
  assert.match(r!.message, /audit thread exited/);
});

test.run();
