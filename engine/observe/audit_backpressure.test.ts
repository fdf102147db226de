// The audit trail's backpressure policy, against a slow store: a test double around the real
// embedded log that waits before each append (a disk or server slower than the decisions).
// overflow: writes never block, nothing is lost, the overflow and the engine's waits are counted;
// drop: the excess is dropped and counted, the rest stored in order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../sinks/event_store/embedded/embedded_store.ts';
import type { EventStore } from '../sinks/event_store/types.ts';
import { AuditTrail } from '../sinks/audit_trail.ts';
import type { Decision } from '../types.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-audit-bp-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The real embedded store, each append delayed by `ms` (test double for a slow disk or server). */
function slowStore(store: EventStore, ms: number): EventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return async (...args: Parameters<EventStore['append']>) => {
          await new Promise((r) => setTimeout(r, ms));
          return target.append(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const decision = (i: number): Decision => ({
  key: `k${i}`, seq: i + 1, cycle: i, epoch: i, ts: 1_700_000_000_000_000 + i, agent: 'yield_hunter', kind: 'yield_entry', action: 'supply',
  instruments: ['aave:USDC'], sizeUsd: 1000, expectedProfitUsd: 1, score: 1, status: 'rejected', reason: 'test', fill: null,
});

test('overflow: a full queue never blocks a write or loses one; relieve() waits (counted) until it is half empty', async () => {
  const store = await openEmbeddedStore({ path: join(dir, 'overflow', 'events.log') });
  const trail = new AuditTrail(slowStore(store, 20), { capacity: 16, whenFull: 'overflow' });
  for (let i = 0; i < 200; i++) trail.decision(decision(i));
  let s = trail.stats();
  assert.is(s.written, 200);
  assert.ok(s.overflowed >= 200 - 16, `overflowed ${s.overflowed}`);
  assert.ok(trail.backlogged);
  await trail.relieve();
  s = trail.stats();
  assert.is(s.stalls, 1);
  assert.ok(s.depth <= 8, `depth after relieve ${s.depth}`);
  assert.ok(s.stallMs > 0);
  await trail.close();
  s = trail.stats();
  assert.is(s.appended, 200);
  assert.is(s.dropped, 0);
  const reopened = await openEmbeddedStore({ path: join(dir, 'overflow', 'events.log') });
  const ev = await reopened.readStream('decisions', { maxCount: 1000 });
  assert.equal(ev.map((e) => (e.data as { seq: number }).seq), Array.from({ length: 200 }, (_, i) => i + 1), 'every event, in order');
  await reopened.close();
});

test('drop: the excess is dropped and counted; what was kept is stored in order', async () => {
  const store = await openEmbeddedStore({ path: join(dir, 'drop', 'events.log') });
  const trail = new AuditTrail(slowStore(store, 20), { capacity: 16, whenFull: 'drop' });
  let refused = 0;
  for (let i = 0; i < 100; i++) if (!trail.append('control', 'parameter_change', { i })) refused++;
  const s0 = trail.stats();
  assert.is(s0.dropped, refused);
  assert.ok(refused >= 100 - 16, `dropped ${refused}`);
  await trail.close();
  const s = trail.stats();
  assert.is(s.appended + s.dropped, 100);
  const reopened = await openEmbeddedStore({ path: join(dir, 'drop', 'events.log') });
  const ev = await reopened.readStream('control', { maxCount: 1000 });
  assert.is(ev.length, s.appended);
  const seen = ev.map((e) => (e.data as { i: number }).i);
  assert.equal(seen, [...seen].sort((a, b) => a - b));
  await reopened.close();
});

test.run();
