// Runs a hostile corpus mixed into real events through the file path or through Kafka, and counts
// per class: lines tried, dead-lettered, accepted, and the decisions that carry a non-finite, zero
// or out-of-band value (the goal is 0). Dead letters are traced back to their hostile line: by the
// raw text the codec keeps, or, for an event the plausibility gate refused after decoding, by its
// decoded time and instrument key.
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { runEngine } from '../../../engine/engine.ts';
import { runKafkaEngine } from '../../../engine/kafka/kafka_engine.ts';
import { kDefaultConfig, kDefaultFixture, resolveOptions } from '../../../engine/options.ts';
import { createKafka } from '../../../engine/source/kafka/client.ts';
import { resolveKafkaOptions } from '../../../engine/source/kafka/options.ts';
import { replayToKafka } from '../../../engine/source/kafka/producer.ts';
import { deadLetterTopic, matchesFamilies } from '../../../engine/source/kafka/topics.ts';
import type { Envelope, HostileLine, Mixed } from './corpus.ts';

const kRawChars = 4096; // what a dead letter keeps of the raw text
const kMaxMessageBytes = 900 * 1024; // below the broker's default message.max.bytes with the record's overhead

export interface ClassRow {
  cls: string;
  tried: number;
  /** Not sent: a line no topic can carry (Kafka only). */
  notSent: number;
  deadLettered: number;
  accepted: number;
}

export interface BadDecisions {
  decisions: number;
  nonFinite: number;
  zeroSize: number;
  outOfBand: number;
  samples: string[];
}

export interface HostileResult {
  rows: ClassRow[];
  /** Reasons of the real events' dead letters (the first few). */
  realReasons: string[];
  /** Dead letters of real events (a hostile line made a real one look wrong): the goal is 0. */
  realRefused: number;
  bad: BadDecisions;
  /** Yield updates held at the door, and held ones later confirmed (the summary's plausibility). */
  held: number;
  confirmed: number;
}

/** The first `n` events of the shipped fixture, parsed. */
export async function loadReal(n: number, fixture = kDefaultFixture): Promise<Envelope[]> {
  const out: Envelope[] = [];
  const rl = createInterface({ input: createReadStream(fixture).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.length === 0) continue;
    out.push(JSON.parse(line) as Envelope);
    if (out.length >= n) { rl.close(); break; }
  }
  return out;
}

/** The key the state knows an event by (the dead letter of a refused decoded event carries it). */
function stateKey(e: Envelope): string {
  const p = (e.data as { protocol?: unknown }).protocol;
  if (e.type.startsWith('liquidation') || e.type.startsWith('governance')) return `protocol:${String(p)}`;
  if (e.type === 'major_price_movement') return `signal:${e.key}`;
  return e.key;
}

/** Traces dead letters back to hostile lines; what traces to none is a real event's. */
export function attribute(deadLetters: { raw: string; reason: string }[], hostile: HostileLine[]): { perClass: Map<string, number>; real: number; realReasons: string[] } {
  const byRaw = new Map<string, string[]>();
  const byDecoded = new Map<string, string[]>();
  for (const h of hostile) {
    const raw = h.text.slice(0, kRawChars);
    (byRaw.get(raw) ?? byRaw.set(raw, []).get(raw)!).push(h.cls);
    try {
      const e = JSON.parse(h.text) as Envelope;
      if (e && typeof e === 'object' && typeof e.ts === 'number') {
        const k = `${e.ts}|${stateKey(e)}`;
        (byDecoded.get(k) ?? byDecoded.set(k, []).get(k)!).push(h.cls);
      }
    } catch { /* not JSON: traced by its raw text */ }
  }
  const perClass = new Map<string, number>();
  let real = 0;
  const realReasons: string[] = [];
  for (const dl of deadLetters) {
    let cls: string | undefined;
    const raw = dl.raw.slice(0, kRawChars);
    type Decoded = { decoded?: boolean; ts?: number; key?: string } | null;
    let decoded: Decoded = null;
    try { decoded = JSON.parse(raw) as Decoded; } catch { /* raw text */ }
    if (decoded !== null && typeof decoded === 'object' && decoded.decoded === true) cls = byDecoded.get(`${decoded.ts}|${decoded.key}`)?.shift();
    else cls = byRaw.get(raw)?.shift();
    if (cls === undefined) { real++; if (realReasons.length < 5) realReasons.push(`${dl.reason} — ${raw.slice(0, 200)}`); }
    else perClass.set(cls, (perClass.get(cls) ?? 0) + 1);
  }
  return { perClass, real, realReasons };
}

interface Decision {
  ts: number; kind: string; status: string; instruments: string[]; sizeUsd: unknown; expectedProfitUsd: unknown; score: unknown;
  fill: { price: unknown; qty: unknown; feeUsd: unknown; slippageUsd: unknown } | null;
}

/**
 * The decisions that act (approved or pending approval) on a value no clean market has: a
 * non-finite number anywhere (any status), a zero or negative size with a fill, or out of band: an
 * arbitrage edge above plausibility.maxEdgeBps, a single-book fill more than the band from the clean
 * stream's mid of that book, or an instrument only the hostile lines named.
 */
export function badDecisions(path: string, real: Envelope[]): BadDecisions {
  const band = kDefaultConfig.plausibility.bandFraction;
  const maxEdge = kDefaultConfig.plausibility.maxEdgeBps;
  const known = new Set(real.flatMap((e) => [e.key, stateKey(e)]));
  const mids = new Map<string, { ts: number[]; mid: number[] }>();
  for (const e of real) {
    if (e.type !== 'price_update') continue;
    const m = mids.get(e.key) ?? mids.set(e.key, { ts: [], mid: [] }).get(e.key)!;
    m.ts.push(e.ts);
    m.mid.push(((e.data.bid as number) + (e.data.ask as number)) / 2);
  }
  const midAt = (key: string, ts: number): number => {
    const m = mids.get(key);
    if (!m) return NaN;
    let lo = 0, hi = m.ts.length - 1, at = -1;
    while (lo <= hi) { const k = (lo + hi) >> 1; if (m.ts[k]! <= ts) { at = k; lo = k + 1; } else hi = k - 1; }
    return at < 0 ? NaN : m.mid[at]!;
  };
  const out: BadDecisions = { decisions: 0, nonFinite: 0, zeroSize: 0, outOfBand: 0, samples: [] };
  const text = readFileSync(path, 'utf8').trim();
  const fin = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  for (const line of text === '' ? [] : text.split('\n')) {
    const d = JSON.parse(line) as Decision;
    out.decisions++;
    const f = d.fill;
    const note = (what: string): void => { if (out.samples.length < 8) out.samples.push(`${what}: ${line.slice(0, 300)}`); };
    if (!fin(d.sizeUsd) || !fin(d.expectedProfitUsd) || !fin(d.score) || (f !== null && (!fin(f.price) || !fin(f.qty) || !fin(f.feeUsd) || !fin(f.slippageUsd)))) {
      out.nonFinite++; note('non-finite'); continue;
    }
    if (d.status === 'rejected') continue;
    if (f !== null && !((d.sizeUsd as number) > 0)) { out.zeroSize++; note('zero size'); continue; }
    const size = d.sizeUsd as number;
    let off = false;
    if (d.kind.startsWith('arbitrage') && size > 0 && ((d.expectedProfitUsd as number) / size) * 1e4 > maxEdge) off = true;
    if (d.instruments.some((k) => !known.has(k))) off = true;
    if (f !== null && d.instruments.length === 1 && mids.has(d.instruments[0]!)) {
      const mid = midAt(d.instruments[0]!, d.ts);
      if (mid === mid && Math.abs((f.price as number) / mid - 1) > band) off = true;
    }
    if (off) { out.outOfBand++; note('out of band'); }
  }
  return out;
}

function rowsFor(hostile: HostileLine[], perClass: Map<string, number>, notSent: Map<string, number>): ClassRow[] {
  const rows = new Map<string, ClassRow>();
  for (const h of hostile) {
    const r = rows.get(h.cls) ?? rows.set(h.cls, { cls: h.cls, tried: 0, notSent: 0, deadLettered: 0, accepted: 0 }).get(h.cls)!;
    r.tried++;
  }
  for (const r of rows.values()) {
    r.notSent = notSent.get(r.cls) ?? 0;
    r.deadLettered = perClass.get(r.cls) ?? 0;
    r.accepted = r.tried - r.notSent - r.deadLettered;
  }
  return [...rows.values()];
}

function readDeadLetters(path: string): { raw: string; reason: string }[] {
  const text = readFileSync(path, 'utf8').trim();
  return text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as { raw: string; reason: string });
}

/** The file path: the mixed lines as a fixture, replayed inline. `universe`: a closed universe (a fixture of real events). */
export async function runFile(mixed: Mixed, real: Envelope[], dir: string, tag: string, universe?: string): Promise<HostileResult> {
  const fixture = join(dir, `${tag}.jsonl`);
  writeFileSync(fixture, mixed.lines.join('\n') + '\n');
  const o = resolveOptions({
    fixture, threads: 0, progress: false, universe: universe ?? null,
    decisions: join(dir, `${tag}.decisions.jsonl`), summary: null, deadLetters: join(dir, `${tag}.dead-letters.jsonl`),
  });
  const s = await runEngine(o);
  const { perClass, real: realRefused, realReasons } = attribute(readDeadLetters(o.deadLetters!), mixed.hostile);
  return { rows: rowsFor(mixed.hostile, perClass, new Map()), realRefused, realReasons, bad: badDecisions(o.decisions!, real), held: s.plausibility?.held ?? 0, confirmed: s.plausibility?.confirmed ?? 0 };
}

/**
 * The Kafka path: the mixed lines produced into fresh topics of a real broker (replay-to-kafka:
 * a line no topic can carry is not sent), consumed in lockstep until the end over the closed
 * universe of the real events (`universe`, a fixture), inline.
 */
export async function runKafka(mixed: Mixed, real: Envelope[], dir: string, brokers: string[], universe: string): Promise<HostileResult> {
  // A line above the broker's message.max.bytes (1 MiB by default) cannot be produced at all: not sent.
  const fits = (t: string): boolean => Buffer.byteLength(t) < kMaxMessageBytes;
  const fixture = join(dir, 'kafka-mixed.jsonl');
  writeFileSync(fixture, mixed.lines.filter(fits).join('\n') + '\n');
  const prefix = `hostile${process.pid}x${Date.now().toString(36)}.`;
  const group = `lucent-hostile-${process.pid}-${Date.now().toString(36)}`;
  const notSent = new Map<string, number>();
  for (const h of mixed.hostile) {
    let topic: unknown;
    try { topic = (JSON.parse(h.text) as { topic?: unknown } | null)?.topic; } catch { topic = undefined; }
    if (typeof topic !== 'string' || !matchesFamilies(topic, '') || !fits(h.text)) notSent.set(h.cls, (notSent.get(h.cls) ?? 0) + 1);
  }
  const replay = await replayToKafka({
    brokers, fixture, topicPrefix: prefix, partitions: 2, rate: 0, speed: 0, limit: 0, watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null,
  });
  try {
    const o = resolveOptions({
      fixture: universe, threads: 0, progress: false,
      decisions: join(dir, 'kafka.decisions.jsonl'), summary: null, deadLetters: join(dir, 'kafka.dead-letters.jsonl'),
    });
    const k = resolveKafkaOptions({ brokers, group, topicPrefix: prefix, untilEnd: true, topicRefreshMs: 0, universe }, o);
    const s = await runKafkaEngine(o, k, { log: () => undefined });
    const { perClass, real: realRefused, realReasons } = attribute(readDeadLetters(o.deadLetters!), mixed.hostile);
    return { rows: rowsFor(mixed.hostile, perClass, notSent), realRefused, realReasons, bad: badDecisions(o.decisions!, real), held: s.plausibility?.held ?? -1, confirmed: s.plausibility?.confirmed ?? -1 };
  } finally {
    const admin = createKafka({ brokers, clientId: 'lucent-hostile-cleanup', retries: 1 }).admin();
    try {
      await admin.connect();
      await admin.deleteTopics({ topics: [...replay.topics, deadLetterTopic(prefix)] }).catch(() => undefined);
      await admin.deleteGroups([group]).catch(() => undefined);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
