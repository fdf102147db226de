// The audit trail in a real run (the shipped fixture's first events, one agent thread): the
// embedded log beside the decision log holds every decision with its inputs, the outcome of each
// executed one and every agent's performance records; `npm run audit -- export` reproduces the
// decision log byte for byte; the chain verifies; a second run keeps the first log and starts a
// fresh one; the Audit interface appends control events that are durable after flush().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngine } from '../engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { sinkOptionsOf } from './sink_options.ts';
import { openEmbeddedStore } from '../sinks/event_store/embedded/embedded_store.ts';
import { AuditTrail, type Trail } from '../sinks/audit_trail.ts';
import { openStoreThread } from '../sinks/event_store/remote/audit_thread.ts';
import type { Decision } from '../types.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-audit-run-'));
const kLimit = 30_000;
const node = process.execPath;
const root = new URL('../../', import.meta.url).pathname;
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a run appends every decision with its inputs; the export is the decision log byte for byte', async () => {
  const decisions = join(dir, 'decisions.jsonl');
  const o = resolveOptions({ fixture: kDefaultFixture, threads: 1, limit: kLimit, decisions, summary: null, deadLetters: null, progress: false });
  assert.is(sinkOptionsOf(o).eventStore, join(dir, 'audit', 'events.log'), 'the embedded log beside the decision log by default');
  const s = await runEngine(o);
  assert.ok(s.decisions > 50, `decisions made: ${s.decisions}`);
  const logText = readFileSync(decisions);
  assert.is(sha(logText), s.decisionLogSha256);
  const es = s.sinks?.eventStore;
  assert.ok(es, 'the summary reports the event store');
  assert.is(es.dropped, 0);
  assert.ok(es.onThread, 'the trail runs on the audit thread by default');
  assert.is(es.inputsFormatted, s.decisions, 'every decision\'s inputs formatted on the audit thread');
  assert.ok(es.inputsBatches >= 1 && es.inputsBatches < s.decisions, `a message per batch, not per decision: ${es.inputsBatches} batches`);
  assert.is(es.depth, 0, 'a clean stop flushed everything');

  // export through the command line
  const out = join(dir, 'export.jsonl');
  const r = spawnSync(node, ['scripts/audit.ts', 'export', '--stream', 'decisions', '--log', sinkOptionsOf(o).eventStore!, '--out', out], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(sha(readFileSync(out)), s.decisionLogSha256, 'the export of "decisions" has the run\'s decisionLogSha256');
  const v = spawnSync(node, ['scripts/audit.ts', 'verify', sinkOptionsOf(o).eventStore!], { cwd: root, encoding: 'utf8' });
  assert.is(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, `${es.appended} events checked`);

  // the streams, read back from the store
  const store = await openEmbeddedStore({ path: sinkOptionsOf(o).eventStore! });
  try {
    const ds = await store.readStream('decisions', { maxCount: 100_000 });
    assert.is(ds.length, s.decisions);
    const lines = logText.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Decision);
    // a decision's inputs: every instrument's state values and the agent records that name them
    const arb = ds.find((e) => (e.data as unknown as Decision).kind === 'arbitrage_cross_exchange');
    assert.ok(arb, 'an arbitrage decision');
    const d = arb.data as unknown as Decision;
    const meta = arb.metadata as { cycle: number; state: Record<string, { kind: string; bid: number; ask: number; epoch: number }>; records: { slotAKey: string; slotBKey: string; kindName: string }[] };
    assert.is(meta.cycle, d.cycle);
    assert.equal(Object.keys(meta.state).sort(), [...d.instruments].sort());
    for (const k of d.instruments) {
      assert.is(meta.state[k]!.kind, 'book');
      assert.ok(meta.state[k]!.ask >= meta.state[k]!.bid && meta.state[k]!.bid > 0, `${k}: a plausible book ${JSON.stringify(meta.state[k])}`);
      assert.ok(meta.state[k]!.epoch <= d.epoch + 1, 'state as of the decision, not later');
    }
    assert.ok(meta.records.length > 0, 'the agent records it was made from');
    assert.ok(meta.records.some((rec) => d.instruments.includes(rec.slotAKey) || d.instruments.includes(rec.slotBKey)));

    const outcomes = await store.readStream('outcomes', { maxCount: 100_000 });
    assert.is(outcomes.length, lines.filter((x) => x.fill !== null).length, 'one outcome per executed decision');
    assert.equal(new Set(outcomes.map((e) => (e.data as { decision: string }).decision)), new Set(lines.filter((x) => x.fill !== null).map((x) => x.key)));

    for (const agent of o.agents) {
      const perf = await store.readStream(`agent-performance-${agent}`, { direction: 'backwards', maxCount: 1 });
      assert.is(perf.length, 1, `agent-performance-${agent}`);
      const p = perf[0]!.data as { agentId: string; decisions: number; cycles: number };
      assert.is(p.agentId, agent);
      assert.is(p.decisions, s.decisionsByAgent[agent] ?? 0, `${agent}: the final record counts every decision`);
    }
  } finally {
    await store.close();
  }

  // a second file replay keeps the first log beside a fresh one
  const s2 = await runEngine(o);
  assert.is(s2.decisionLogSha256, s.decisionLogSha256);
  const logs = readdirSync(join(dir, 'audit')).filter((f) => f.endsWith('.log'));
  assert.is(logs.length, 2, logs.join(', '));
  const again = spawnSync(node, ['scripts/audit.ts', 'export', '--stream', 'decisions', '--log', sinkOptionsOf(o).eventStore!], { cwd: root, encoding: 'buffer' });
  assert.is(sha(again.stdout), s.decisionLogSha256);
});

test('--audit-thread off: the same events, built on the main thread (or by the inputs worker where a core is free)', async () => {
  const runs: { id: string; type: string; data: unknown; metadata: unknown; revision: number }[][][] = [];
  for (const auditThread of [false, true]) {
    const sub = join(dir, `thread-${auditThread}`);
    const o = resolveOptions({ fixture: kDefaultFixture, threads: 1, limit: 12_000, decisions: join(sub, 'd.jsonl'), summary: null, deadLetters: null, progress: false, sinks: { auditThread } });
    const s = await runEngine(o);
    const es = s.sinks!.eventStore!;
    assert.is(es.onThread, auditThread);
    if (!auditThread) {
      if (availableParallelism() > 2) assert.is(es.inputsFormatted, s.decisions, 'a spare core: the inputs worker formats');
      else assert.is(es.inputsFormatted, 0, 'no spare core: the drain formats the inputs');
    }
    const store = await openEmbeddedStore({ path: sinkOptionsOf(o).eventStore! });
    try {
      const pick = (es2: Awaited<ReturnType<typeof store.readStream>>) => es2.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata, revision: e.revision }));
      runs.push([pick(await store.readStream('decisions', { maxCount: 100_000 })), pick(await store.readStream('outcomes', { maxCount: 100_000 }))]);
    } finally {
      await store.close();
    }
  }
  assert.ok(runs[0]![0]!.length > 20, `decisions: ${runs[0]![0]!.length}`);
  assert.ok(runs[0]![1]!.length > 5, `outcomes: ${runs[0]![1]!.length}`);
  assert.equal(runs[1]![0], runs[0]![0], 'decisions stream: same ids, data and inputs on either thread');
  assert.equal(runs[1]![1], runs[0]![1], 'outcomes stream: the same');
});

test('--event-store off: no trail; a bad spec is an option error naming --event-store', () => {
  const o = resolveOptions({ decisions: join(dir, 'x.jsonl'), sinks: { eventStore: 'off' } });
  assert.is(sinkOptionsOf(o).eventStore, null);
  assert.is(sinkOptionsOf(resolveOptions({ decisions: null })).eventStore ?? null, process.env.LUCENT_EVENT_STORE ?? null);
  assert.throws(() => sinkOptionsOf(resolveOptions({ sinks: { eventStore: 'redis://x' } })), /--event-store: .*unknown scheme/);
  assert.throws(() => sinkOptionsOf(resolveOptions({ sinks: { auditWhenFull: 'block' } })), /--audit-when-full must be "overflow" or "drop"/);
  assert.throws(() => sinkOptionsOf(resolveOptions({ sinks: { auditThread: 'maybe' } })), /--audit-thread must be "on" or "off", got "maybe"/);
  assert.is(sinkOptionsOf(resolveOptions({ sinks: { auditThread: 'off' } })).auditThread, false);
  assert.is(sinkOptionsOf(resolveOptions({})).auditThread, true);
  assert.throws(() => sinkOptionsOf(resolveOptions({ sinks: { busLingerMs: -1 } })), /sinks\.busLingerMs must be an integer number of ms in 0\.\.10000, got -1/);
  assert.throws(() => sinkOptionsOf(resolveOptions({ sinks: { busLingerMs: 2.5 } })), /sinks\.busLingerMs must be an integer/);
  assert.is(sinkOptionsOf(resolveOptions({ sinks: { busLingerMs: 0 } })).busLingerMs, 0);
  assert.is(sinkOptionsOf(resolveOptions({})).busLingerMs, undefined);
  assert.is(sinkOptionsOf(resolveOptions({ sinks: { eventStore: 'postgres://u@127.0.0.1/test' } })).eventStoreKind, 'postgres');
  assert.is(sinkOptionsOf(resolveOptions({ sinks: { eventStore: 'kurrentdb://127.0.0.1:2113?tls=false' } })).eventStoreKind, 'kurrentdb');
});

for (const where of ['main thread', 'audit thread'] as const) test(`the Audit interface (${where}): control events appended by other parts are durable after flush()`, async () => {
  const path = join(dir, `control-${where.replace(' ', '-')}`, 'events.log');
  const trail: Trail = where === 'main thread' ? new AuditTrail(await openEmbeddedStore({ path })) : await (await openStoreThread({ url: path })).trail();
  const store = trail.store;
  assert.ok(trail.control('kill_switch', { on: true, by: 'operator', reason: 'test' }));
  assert.ok(trail.append('control', 'approval', { decision: 'k1', approved: false }));
  assert.throws(() => trail.control('reboot' as 'approval', {}), /control event type must be one of kill_switch, approval, parameter_change/);
  await trail.flush();
  const ev = await store.readStream('control');
  assert.equal(ev.map((e) => [e.type, e.revision]), [['kill_switch', 0], ['approval', 1]]);
  assert.is((ev[0]!.data as { by: string }).by, 'operator');
  await trail.close();
  assert.throws(() => trail.append('control', 'approval', {}), /audit trail is closed/);
});

test.run();
