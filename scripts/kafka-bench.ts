// Kafka against file replay, in one run, on the same events: the ingest rate (events/s into the
// market state) from topics that are already filled, and the latency from the producer's send to
// the decision while a producer writes at a fixed rate on loopback, next to a file replay's
// tick-to-decision at the same rate. The broker must be running (scripts/kafka-up). Fresh topics;
// deleted at the end. Run with --help for the flags.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runEngine, type Summary } from '../engine/engine.ts';
import { runKafkaEngine, type KafkaSummary } from '../engine/kafka/kafka_engine.ts';
import { kDefaultFixture, resolveOptions, type EngineOptions } from '../engine/options.ts';
import { createKafka, probeBroker } from '../engine/source/kafka/client.ts';
import { resolveKafkaOptions } from '../engine/source/kafka/options.ts';
import { ensureTopics, replayToKafka, scanFixture, type ReplayReport } from '../engine/source/kafka/producer.ts';
import { deadLetterTopic } from '../engine/source/kafka/topics.ts';
import type { LatencySummary } from '../engine/metrics/latency.ts';
import { flagHelp, parseFlags, type FlagSpec } from './lib/cli_flags.ts';

const kFlags: Record<string, FlagSpec> = {
  fixture: { kind: 'string', help: 'fixture (default fixtures/default.jsonl.gz)' },
  brokers: { kind: 'string', help: 'brokers (default 127.0.0.1:9092)' },
  events: { kind: 'int', min: 1000, help: 'events for the ingest-rate runs (default 60000)' },
  'live-events': { kind: 'int', min: 100, help: 'events for the latency runs (default 10000)' },
  rate: { kind: 'number', min: 1, help: 'events/s offered in the latency runs (default 2000)' },
  partitions: { kind: 'int', min: 1, max: 64, help: 'partitions per topic (default 4)' },
  'watermark-ms': { kind: 'int', min: 0, help: 'producer watermark period in the live lockstep run (default 10)' },
  threads: { kind: 'int', min: 0, max: 16, help: 'agent threads in every run (default 0: inline, the same in all runs)' },
  'latency-only': { kind: 'bool', help: 'skip the ingest-rate runs (part 1): only the latency at a fixed rate' },
  live: { kind: 'string', help: 'which latency runs from Kafka: realtime, lockstep or both (default both)' },
  'fetch-max-wait': { kind: 'int', min: 1, help: 'the engine\'s --fetch-max-wait in every Kafka run (default: the mode\'s)' },
  'fetch-min-bytes': { kind: 'int', min: 1, help: 'the engine\'s --fetch-min-bytes in every Kafka run (default: the mode\'s)' },
  'fetch-partition-bytes': { kind: 'int', min: 1024, help: 'the engine\'s --fetch-partition-bytes in every Kafka run (default: the mode\'s)' },
  'partitions-concurrently': { kind: 'int', min: 1, help: 'the engine\'s --partitions-concurrently in every Kafka run (default: the mode\'s)' },
  json: { kind: 'string', help: 'also write the figures to this JSON file' },
  help: { kind: 'bool', help: 'this text' },
};

interface Row { run: string; events: number; eventsPerSec: number; p50Us: number | null; p99Us: number | null; note: string }
/** Where the produce-to-decision time of a live run goes: p50 and p99 of each part, µs. */
interface Split { run: string; parts: [string, LatencySummary][] }

const f = parseFlags(process.argv.slice(2), kFlags);
if (f.help) {
  process.stdout.write(flagHelp('Usage: node scripts/kafka-bench.ts [flags]', kFlags) + '\n');
  process.exit(0);
}
const fixture = (f.fixture as string | undefined) ?? kDefaultFixture;
const brokers = ((f.brokers as string | undefined) ?? '127.0.0.1:9092').split(',');
const events = (f.events as number | undefined) ?? 60_000;
const liveEvents = (f['live-events'] as number | undefined) ?? 10_000;
const rate = (f.rate as number | undefined) ?? 2000;
const partitions = (f.partitions as number | undefined) ?? 4;
const watermarkMs = (f['watermark-ms'] as number | undefined) ?? 10;
const threads = (f.threads as number | undefined) ?? 0;
const live = ((f.live as string | undefined) ?? 'both') as 'realtime' | 'lockstep' | 'both';
if (live !== 'realtime' && live !== 'lockstep' && live !== 'both') {
  process.stderr.write(`kafka-bench: --live must be realtime, lockstep or both, got ${JSON.stringify(live)}\n`);
  process.exit(2);
}
const fetchFlags = {
  fetchMaxWaitMs: f['fetch-max-wait'] as number | undefined, fetchMinBytes: f['fetch-min-bytes'] as number | undefined,
  fetchMaxBytesPerPartition: f['fetch-partition-bytes'] as number | undefined, partitionsConcurrently: f['partitions-concurrently'] as number | undefined,
};
const say = (s: string): void => { process.stderr.write(`kafka-bench: ${s}\n`); };

const down = await probeBroker(brokers, 2500);
if (down !== null) {
  say(`no Kafka broker at ${brokers.join(',')} (${down}); start one with scripts/kafka-up`);
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'lucent-kafka-bench-'));
const run = randomBytes(3).toString('hex');
const prefixes: string[] = [];
const groups: string[] = [];
const rows: Row[] = [];
const splits: Split[] = [];
const opts = (name: string, extra: Partial<Parameters<typeof resolveOptions>[0]> = {}): EngineOptions =>
  resolveOptions({ fixture, threads, decisions: join(dir, `${name}.jsonl`), summary: null, deadLetters: null, progress: false, ...extra });
const fmt = (x: number | null): string => (x === null ? '' : x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(1)} µs`);
const lat = (l: LatencySummary): [number, number] => [l.p50, l.p99];

async function consume(name: string, prefix: string, mode: 'lockstep' | 'realtime', untilEnd: boolean, signal?: AbortSignal,
  onStarted?: (ready: () => boolean) => void): Promise<KafkaSummary> {
  const group = `lucent-bench-${name}-${run}`;
  groups.push(group);
  const o = opts(name, { mode });
  const k = resolveKafkaOptions({ brokers, group, topicPrefix: prefix, universe: fixture, untilEnd, topicRefreshMs: 0, durable: true, ...fetchFlags }, o);
  return runKafkaEngine(o, k, { log: () => undefined, signal, onStarted: (s) => onStarted?.(() => s.lanes.length > 0) });
}

try {
  // 1. Ingest rate: file replay, then the same events from filled topics.
  if (!f['latency-only']) {
  say(`file replay of ${events} events`);
  const file = await runEngine(opts('file', { limit: events }));
  rows.push({ run: 'file replay, lockstep, unpaced', events: file.events, eventsPerSec: file.eventsPerSec, p50Us: null, p99Us: null,
    note: `state only (decoded beforehand); with decoding ${Math.round(file.events / ((file.loadMs + file.runMs) / 1000)).toLocaleString('en-US')}/s; decision log ${file.decisionLogSha256.slice(0, 12)}` });

  const filled = `bench${run}a.`;
  prefixes.push(filled);
  say(`producing ${events} events into ${filled}* (${partitions} partitions)`);
  const produced = await replayToKafka({ brokers, fixture, topicPrefix: filled, partitions, rate: 0, speed: 0, limit: events, watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null });
  rows.push({ run: 'producer (replay-to-kafka), unpaced', events: produced.events, eventsPerSec: produced.eventsPerSec, p50Us: null, p99Us: null, note: 'scan + send, acks=all' });
  for (const mode of ['lockstep', 'realtime'] as const) {
    say(`consuming the filled topics (${mode})`);
    const k = await consume(`filled-${mode}`, filled, mode, true);
    const same = k.decisionLogSha256 === file.decisionLogSha256 ? 'same decision log as file replay' : `decision log ${k.decisionLogSha256.slice(0, 12)}`;
    rows.push({ run: `kafka → state, ${mode}, filled topics`, events: k.events, eventsPerSec: k.eventsPerSec, p50Us: null, p99Us: null,
      note: `fetch + decode + ${mode === 'lockstep' ? `merge + state; ${same}` : 'state, arrival order (no merge)'}` });
  }
  }

  // 2. Latency at a fixed rate: file replay, then a live producer on loopback.
  say(`file replay of ${liveEvents} events at ${rate} events/s`);
  const paced: Summary = await runEngine(opts('file-paced', { limit: liveEvents, rate }));
  const [fp50, fp99] = lat(paced.latencyUs);
  rows.push({ run: `file replay, lockstep, ${rate} ev/s: tick-to-decision`, events: paced.events, eventsPerSec: paced.eventsPerSec, p50Us: fp50, p99Us: fp99, note: 'from each event\'s intended time' });

  const { topics } = await scanFixture({ fixture, topicPrefix: '', limit: liveEvents });
  for (const mode of live === 'both' ? ['realtime', 'lockstep'] as const : [live]) {
    const prefix = `bench${run}${mode === 'realtime' ? 'b' : 'c'}.`;
    prefixes.push(prefix);
    const admin = createKafka({ brokers, clientId: 'lucent-bench' }).admin();
    await admin.connect();
    // LogAppendTime: each record's timestamp is the broker's append, which splits the transit
    await ensureTopics(admin, [...topics.map((t) => prefix + t), deadLetterTopic(prefix)], partitions, [{ name: 'message.timestamp.type', value: 'LogAppendTime' }]);
    await admin.disconnect();
    const stop = new AbortController();
    let ready: () => boolean = () => false;
    say(`live ${mode}: producer at ${rate} events/s into ${prefix}*${mode === 'lockstep' ? ` (watermarks every ${watermarkMs} ms)` : ''}`);
    const engine = consume(`live-${mode}`, prefix, mode, false, stop.signal, (r) => { ready = r; });
    const t0 = performance.now();
    while (!ready() && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    const cpu0 = process.cpuUsage();
    const producer = spawn(process.execPath, [new URL('./replay-to-kafka.ts', import.meta.url).pathname, '--fixture', fixture, '--brokers', brokers.join(','),
      '--topic-prefix', prefix, '--partitions', String(partitions), '--rate', String(rate), '--limit', String(liveEvents),
      '--watermark-ms', String(mode === 'lockstep' ? watermarkMs : 0), '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let reportText = '';
    producer.stdout.on('data', (b: Buffer) => { reportText += b.toString(); });
    const code = await new Promise<number | null>((resolve) => producer.on('close', resolve));
    if (code !== 0) throw new Error(`the producer exited with ${code}`);
    const behind = (JSON.parse(reportText) as ReplayReport).behindScheduleUs;
    await new Promise((r) => setTimeout(r, 1500)); // the last events reach the engine
    const cpu = process.cpuUsage(cpu0);
    stop.abort();
    const k = await engine;
    const [p50, p99] = lat(k.kafka.produceToDecisionUs);
    const [r50, r99] = lat(k.latencyUs);
    rows.push({ run: `kafka, ${mode}, ${rate} ev/s: produce-to-decision`, events: k.events, eventsPerSec: k.eventsPerSec, p50Us: p50, p99Us: p99,
      note: `receive-to-decision p50 ${fmt(r50)}, p99 ${fmt(r99)}; engine process CPU ${((cpu.user + cpu.system) / Math.max(1, k.events)).toFixed(0)} µs/event${k.events < liveEvents ? `; only ${k.events} events consumed` : ''}` });
    splits.push({ run: `kafka, ${mode}, ${rate} ev/s`, parts: [
      ...(behind ? [['due → send (producer)', behind] as [string, LatencySummary]] : []),
      ['send → broker append', k.kafka.produceToAppendUs], ['append → consumer receive', k.kafka.appendToReceiveUs],
      ['receive → release (buffer)', k.kafka.receiveToReleaseUs], ['receive → decision', k.latencyUs], ['send → decision (total)', k.kafka.produceToDecisionUs],
    ] });
  }
} finally {
  const admin = createKafka({ brokers, clientId: 'lucent-bench-cleanup' }).admin();
  try {
    await admin.connect();
    const all = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
    if (all.length > 0) await admin.deleteTopics({ topics: all });
    await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

let out = `\nlucent-engine kafka-bench · ${fixture.split('/').pop()} · ${partitions} partitions/topic · agents ${threads === 0 ? 'inline' : `on ${threads} thread(s)`} · Node ${process.version}\n\n`;
out += `${'run'.padEnd(52)} ${'events'.padStart(8)} ${'events/s'.padStart(10)} ${'p50'.padStart(10)} ${'p99'.padStart(10)}  note\n`;
for (const r of rows) {
  out += `${r.run.padEnd(52)} ${r.events.toLocaleString('en-US').padStart(8)} ${r.eventsPerSec.toLocaleString('en-US').padStart(10)} ${fmt(r.p50Us).padStart(10)} ${fmt(r.p99Us).padStart(10)}  ${r.note}\n`;
}
if (splits.length > 0) {
  out += `\nWhere produce-to-decision goes. due → send: each event's wait in the producer after it was due (not part of produce-to-decision, which starts at the send);\n`;
  out += `send → append and append → receive: every event, split at the record's LogAppendTime (ms resolution, so ±1 ms); receive → release: every event's wait in its lane's buffer (lockstep: the merge);\nreceive → decision and the total: the events that triggered a cycle\n`;
  out += `The producer (replay-to-kafka, a test producer in its own process): kafkajs, idempotent, acks=-1 (every in-sync replica: here the one broker), one request in flight,\n`;
  out += `no linger: each request carries every event that fell due since the one before; the consumer: the engine's fetch options for the mode (KAFKA.md)\n`;
  out += `${'run'.padEnd(28)} ${'part'.padEnd(28)} ${'count'.padStart(8)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(10)}\n`;
  for (const sp of splits) for (const [name, l] of sp.parts) out += `${sp.run.padEnd(28)} ${name.padEnd(28)} ${l.count.toLocaleString('en-US').padStart(8)} ${fmt(l.p50).padStart(10)} ${fmt(l.p99).padStart(10)} ${fmt(l.max).padStart(10)}\n`;
}
process.stdout.write(out);
if (f.json) writeFileSync(f.json as string, JSON.stringify({ fixture, partitions, threads, rate, rows, splits: splits.map((s) => ({ run: s.run, parts: Object.fromEntries(s.parts) })) }, null, 2) + '\n');
