// Benchmark of the event store: what durability costs. For each fsync policy of the embedded log
// (always, batch, batch with 2 ms delay, none): one appender awaiting each single-event append
// (latency of an acknowledged append), 32 concurrent single-event appenders (group commit), and
// 512-event batches as the audit writer appends them; then the same batch and single workloads on
// PostgreSQL when it is running, and the audit writer's write() as the hot path sees it (ns and
// bytes allocated per call). Everything in one run on the same machine: compare within the run.
// Usage: node scripts/bench-event-store.ts [--seconds 2] [--dir /tmp] [--no-postgres] [--json file]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { AuditWriter } from '../engine/sinks/event_store/audit_writer.ts';
import { openEmbeddedStore } from '../engine/sinks/event_store/embedded/embedded_store.ts';
import type { FsyncPolicy } from '../engine/sinks/event_store/embedded/group_commit.ts';
import { decisionEvent } from '../engine/sinks/event_store/streams.ts';
import type { EventData, EventStore } from '../engine/sinks/event_store/types.ts';
import { flagHelp, parseFlags, type FlagSpec } from './lib/cli_flags.ts';

const kFlags: Record<string, FlagSpec> = {
  seconds: { kind: 'number', min: 0.2, max: 60, help: 'time per case (default 2)' },
  dir: { kind: 'string', help: 'where the logs go (default the system temp dir); put it on the disk you deploy on' },
  'no-postgres': { kind: 'bool', help: 'skip PostgreSQL' },
  json: { kind: 'string', help: 'also write the results as JSON to this file' },
  help: { kind: 'bool', help: 'this text' },
};

interface Row { store: string; workload: string; events: number; seconds: number; eventsPerS: number; appendsPerS: number; p50us: number; p99us: number; cpuUsPerEvent: number; syncs?: number }

function decision(i: number): { key: string } & Record<string, unknown> {
  return {
    key: `c${i}:arbitrage_cross_exchange:binance:BTC/USDT>kraken:BTC/USDT`, seq: i, cycle: i, epoch: i * 3, ts: 1723075300000000 + i,
    agent: 'arbitrage_detector', kind: 'arbitrage_cross_exchange', action: 'buy_sell', instruments: ['binance:BTC/USDT', 'kraken:BTC/USDT'],
    sizeUsd: 25000 + i, expectedProfitUsd: 12.345678, score: 0.8731, status: 'approved', reason: 'net of fees and slippage 4.9 bps',
    fill: { price: 60012.5, qty: 0.41658, feeUsd: 25.0, slippageUsd: 1.25 },
  };
}
const event = (i: number): EventData => decisionEvent(decision(i));

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Runs `loops` concurrent loops of `batch`-event appends for `seconds`; latency per append. */
async function run(store: EventStore, name: string, workload: string, loops: number, batch: number, seconds: number): Promise<Row> {
  const lat: number[] = [];
  let events = 0;
  let appends = 0;
  let i = 0;
  const end = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: loops }, async (_, l) => {
    const stream = loops === 1 ? 'decisions' : `agent-performance-bench_${l}`;
    while (performance.now() < end) {
      const evs = batch === 1 ? event(i++) : Array.from({ length: batch }, () => event(i++));
      const a = performance.now();
      await store.append(stream, evs);
      lat.push(performance.now() - a);
      events += batch;
      appends++;
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(lat).sort();
  const syncs = (store as { commitStats?: { syncs: number } }).commitStats?.syncs;
  return { store: name, workload, events, seconds: secs, eventsPerS: events / secs, appendsPerS: appends / secs, p50us: pct(sorted, 0.5) * 1000, p99us: pct(sorted, 0.99) * 1000, cpuUsPerEvent: (cpu.user + cpu.system) / events, ...(syncs === undefined ? {} : { syncs }) };
}

async function workloads(open: () => Promise<EventStore>, name: string, seconds: number, rows: Row[]): Promise<void> {
  for (const [workload, loops, batch] of [['1 appender, 1 event/append', 1, 1], ['32 appenders, 1 event/append', 32, 1], ['1 appender, 512 events/append', 1, 512]] as [string, number, number][]) {
    const s = await open();
    try {
      const r = await run(s, name, workload, loops, batch, seconds);
      rows.push(r);
      process.stderr.write(`${name.padEnd(28)} ${workload.padEnd(32)} ${fmt(r.eventsPerS).padStart(9)} events/s  p50 ${fmt(r.p50us).padStart(7)} µs  p99 ${fmt(r.p99us).padStart(7)} µs  cpu ${r.cpuUsPerEvent.toFixed(1)} µs/event\n`);
    } finally {
      await s.close();
    }
  }
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

/** The hot path's cost: ns and bytes allocated per AuditWriter.write(), with the drain not running (a busy main thread). */
async function writerCost(dir: string): Promise<{ nsPerWrite: number; bytesPerWrite: number }> {
  const s = await openEmbeddedStore({ path: join(dir, 'writer.log'), fsync: 'none' });
  const items = Array.from({ length: 1 << 16 }, (_, i) => decision(i));
  const allocated = (): number => (getHeapStatistics() as { total_allocated_bytes?: number }).total_allocated_bytes ?? NaN;
  let best = { nsPerWrite: Infinity, bytesPerWrite: Infinity };
  for (let rep = 0; rep < 5; rep++) {
    const w = new AuditWriter(s, { stream: 'decisions', toEvent: (d: { key: string }) => decisionEvent(d), capacity: 1 << 20 });
    const n = 1 << 20;
    const a0 = allocated();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) w.write(items[i & 0xffff]);
    const ns = Number(process.hrtime.bigint() - t0) / n;
    const bytes = (allocated() - a0) / n;
    if (rep > 0 && ns < best.nsPerWrite) best = { nsPerWrite: ns, bytesPerWrite: bytes };
    await w.close();
  }
  await s.close();
  return best;
}

async function main(argv: string[]): Promise<number> {
  let f;
  try { f = parseFlags(argv, kFlags); } catch (err) { process.stderr.write(`bench-event-store: ${(err as Error).message}\n`); return 2; }
  if (f.help) { process.stdout.write(flagHelp('Usage: node scripts/bench-event-store.ts [flags]', kFlags) + '\n'); return 0; }
  const seconds = (f.seconds as number | undefined) ?? 2;
  const dir = mkdtempSync(join((f.dir as string | undefined) ?? tmpdir(), 'lucent-bench-es-'));
  const rows: Row[] = [];
  let seq = 0;
  try {
    const policies: [string, FsyncPolicy, number][] = [['embedded fsync=always', 'always', 0], ['embedded fsync=batch', 'batch', 0], ['embedded fsync=batch 2ms', 'batch', 2], ['embedded fsync=none', 'none', 0]];
    for (const [name, fsync, maxDelayMs] of policies) {
      await workloads(() => openEmbeddedStore({ path: join(dir, `l${seq++}.log`), fsync, maxDelayMs }), name, seconds, rows);
    }
    if (!f['no-postgres']) {
      const { probePostgres, freshSchema, dropSchema, kTestPgUrl } = await import('../engine/sinks/event_store/testing/pg_testing.ts');
      const why = await probePostgres();
      if (why !== null) {
        process.stderr.write(`PostgreSQL skipped: ${why}\n`);
      } else {
        const { openPostgresStore } = await import('../engine/sinks/event_store/postgres/postgres_store.ts');
        const schema = freshSchema();
        try {
          await workloads(() => openPostgresStore({ url: kTestPgUrl, schema, poolSize: 8 }), 'postgres (synchronous_commit on)', seconds, rows);
        } finally {
          await dropSchema(schema);
        }
      }
    }
    const wc = await writerCost(dir);
    process.stderr.write(`AuditWriter.write(): ${wc.nsPerWrite.toFixed(1)} ns and ${wc.bytesPerWrite.toFixed(3)} bytes allocated per call (1M calls, best of 4)\n`);
    const lines = ['| store | workload | events/s | appends/s | p50 µs | p99 µs | CPU µs/event (this process) | fdatasyncs |', '|---|---|---:|---:|---:|---:|---:|---:|'];
    for (const r of rows) lines.push(`| ${r.store} | ${r.workload} | ${fmt(r.eventsPerS)} | ${fmt(r.appendsPerS)} | ${fmt(r.p50us)} | ${fmt(r.p99us)} | ${r.cpuUsPerEvent.toFixed(1)} | ${r.syncs ?? ''} |`);
    process.stdout.write(`${lines.join('\n')}\n\nAuditWriter.write(): ${wc.nsPerWrite.toFixed(1)} ns, ${wc.bytesPerWrite.toFixed(3)} B allocated per call\n`);
    if (f.json) writeFileSync(f.json as string, JSON.stringify({ seconds, rows, writer: wc, node: process.version, dir }, null, 2));
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
