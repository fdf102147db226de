// What the audit trail costs the main thread per decision: the trail on the main thread (its
// drain formats the inputs), on the main thread with the inputs worker, and on the audit thread
// (the default). The decisions are the shipped fixture's, with the inputs they were made from: one
// run of the engine writes them to an embedded log, and each is rebuilt from its event (the line
// as data, the captured values from its metadata), so the work per decision has the real shape.
//
//   node_modules/.bin/node bench/trail_cost.ts [--rounds 5] [--limit 120000]
//
// Prints, per variant, the median main-thread CPU µs per decision over the rounds (from the first
// decision queued to the flush that makes the last durable; process.threadCpuUsage), the whole
// process's CPU µs per decision, and checks that every variant's `decisions` stream holds the
// same ids, data and inputs. These machines are shared and noisy: compare within one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isDeepStrictEqual } from 'node:util';
import { kFieldCount, kKindNames, kRecordWidth } from '../protocol/layout.ts';
import { runEngine } from '../engine/engine.ts';
import { kDefaultFixture, resolveOptions } from '../engine/options.ts';
import { AuditTrail, type Trail } from '../engine/sinks/audit_trail.ts';
import { attachInputs, kFieldNames, kRecFields, type InputsParts } from '../engine/sinks/decision_inputs.ts';
import { adoptLine } from '../engine/sinks/decision_log.ts';
import { openEmbeddedStore } from '../engine/sinks/event_store/embedded/embedded_store.ts';
import { openStoreThread } from '../engine/sinks/event_store/remote/audit_thread.ts';
import type { RecordedEvent } from '../engine/sinks/event_store/types.ts';
import type { Decision } from '../engine/types.ts';

const { values: argv } = parseArgs({ options: { rounds: { type: 'string' }, limit: { type: 'string' } } });
const kRounds = Number(argv.rounds ?? 5);
const kLimit = Number(argv.limit ?? 120_000);

const dir = mkdtempSync(join(tmpdir(), 'lucent-trail-cost-'));
const say = (s: string): void => { process.stderr.write(`${s}\n`); };

/** One engine run writes the decisions with their inputs; read them back. */
async function recorded(): Promise<RecordedEvent[]> {
  const path = join(dir, 'source', 'events.log');
  const o = resolveOptions({ fixture: kDefaultFixture, threads: 0, limit: kLimit, decisions: join(dir, 'source', 'd.jsonl'), summary: null, deadLetters: null, progress: false, sinks: { eventStore: path, auditThread: false } });
  const s = await runEngine(o);
  say(`source run: ${s.events.toLocaleString('en-US')} events, ${s.decisions.toLocaleString('en-US')} decisions`);
  const store = await openEmbeddedStore({ path });
  try {
    return await store.readStream('decisions', { maxCount: 100_000 });
  } finally {
    await store.close();
  }
}

/** Each decision as the engine hands it to the trail: parsed, its line kept, its captured inputs hung on it. */
function rebuild(events: RecordedEvent[]): () => Decision[] {
  const meta: { key: string; kind: number }[] = [];
  const parts = events.map((e) => {
    const d = e.data as Decision;
    const m = e.metadata as { cycle: number; state: Record<string, null | Record<string, number | string>>; records: Record<string, number | string | null>[] };
    const n = d.instruments.length;
    const slots = new Int32Array(n), state = new Float64Array(n * kFieldCount).fill(NaN);
    d.instruments.forEach((inst, i) => {
      const st = m.state[inst];
      if (st == null) { slots[i] = -1; return; }
      const slot = st.slot as number, kind = st.kind as string;
      slots[i] = slot;
      meta[slot] = { key: inst, kind: kKindNames.indexOf(kind as never) };
      (kFieldNames[kind] ?? []).forEach((f, k) => { state[i * kFieldCount + k] = (st[f] as number | null) ?? NaN; });
      state[i * kFieldCount + kFieldCount - 2] = (st.ts as number | null) ?? NaN;
      state[i * kFieldCount + kFieldCount - 1] = (st.epoch as number | null) ?? NaN;
    });
    const records = new Float64Array(m.records.length * kRecordWidth);
    m.records.forEach((r, j) => {
      kRecFields.forEach((f, k) => { records[j * kRecordWidth + k] = (r[f] as number | null) ?? NaN; });
      for (const [f, kf] of [['slotA', 'slotAKey'], ['slotB', 'slotBKey']] as const) {
        const s = r[f] as number | null, key = r[kf] as string | null;
        if (s !== null && s >= 0 && key !== null && meta[s] === undefined) meta[s] = { key, kind: 0 };
      }
    });
    return { line: JSON.stringify(d), cycle: m.cycle, slots, state, records };
  });
  for (let i = 0; i < meta.length; i++) meta[i] ??= { key: `slot${i}`, kind: 0 };
  const registry: InputsParts['registry'] = { meta };
  return () => parts.map((p) => {
    const d = adoptLine(JSON.parse(p.line) as Decision, p.line);
    attachInputs(d, { cycle: p.cycle, slots: p.slots, state: p.state, records: p.records, realizesPnl: false, registry });
    return d;
  });
}

type Variant = 'main' | 'main + inputs worker' | 'audit thread';
const kVariants: readonly Variant[] = ['main', 'main + inputs worker', 'audit thread'];

async function open(v: Variant, path: string): Promise<Trail> {
  if (v === 'audit thread') return (await openStoreThread({ url: path })).trail();
  return new AuditTrail(await openEmbeddedStore({ path }), { inputsWorker: v === 'main + inputs worker' });
}

const source = await recorded();
const make = rebuild(source);
const main: Record<Variant, number[]> = { main: [], 'main + inputs worker': [], 'audit thread': [] };
const proc: Record<Variant, number[]> = { main: [], 'main + inputs worker': [], 'audit thread': [] };
let run = 0;
for (let r = -1; r < kRounds; r++) {
  for (const v of r % 2 === 0 ? kVariants : [...kVariants].reverse()) {
    const ds = make();
    const path = join(dir, `run-${++run}`, 'events.log');
    const trail = await open(v, path);
    const m0 = process.threadCpuUsage(), c0 = process.cpuUsage();
    for (let i = 0; i < ds.length; i++) {
      trail.decision(ds[i]!);
      if ((i & 63) === 63) await new Promise((res) => setImmediate(res)); // the engine yields between chunks of ticks
    }
    await trail.flush();
    const m = process.threadCpuUsage(m0), c = process.cpuUsage(c0);
    await trail.close();
    if (r < 0) continue; // warm-up round
    main[v].push((m.user + m.system) / ds.length);
    proc[v].push((c.user + c.system) / ds.length);
    if (r === 0) {
      const back = await openEmbeddedStore({ path });
      try {
        const got = await back.readStream('decisions', { maxCount: 100_000 });
        const same = got.length === source.length && got.every((e, i) => e.id === source[i]!.id && isDeepStrictEqual(e.data, source[i]!.data) && isDeepStrictEqual(e.metadata, source[i]!.metadata));
        if (!same) throw new Error(`${v}: the decisions stream differs from the engine's own (${got.length} events against ${source.length})`);
      } finally {
        await back.close();
      }
    }
  }
}
rmSync(dir, { recursive: true, force: true });

const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const k = s.length >> 1; return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2; };
console.log(`audit trail cost per decision, ${source.length.toLocaleString('en-US')} decisions of the shipped fixture, ${kRounds} rounds (order alternating), ${availableParallelism()} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`${'variant'.padEnd(22)} ${'main-thread µs/decision'.padStart(24)} ${'process µs/decision'.padStart(20)}   rounds (main thread)`);
for (const v of kVariants) {
  console.log(`${v.padEnd(22)} ${med(main[v]).toFixed(2).padStart(24)} ${med(proc[v]).toFixed(2).padStart(20)}   ${main[v].map((x) => x.toFixed(1)).join(' ')}`);
}
console.log(`main thread, audit thread vs main: ${(med(main['audit thread']) / med(main.main)).toFixed(3)}×; every variant's decisions stream equal to the engine's own (ids, data, inputs)`);
