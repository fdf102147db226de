// Engine snapshots kept in an event store, one stream per lane (`snapshot-<lane>`): a snapshot is
// appended as its chunks (`snapshot_chunk`: base64, at most kChunkBytes each, under the store's
// per-event limit) followed by one `snapshot` event that names them and carries the header (the
// events and decisions it covers, the source offsets). A reader trusts only a snapshot whose
// `snapshot` event exists, reassembles its chunks and checks the body's hash (engine_snapshot.ts),
// so a writer that died half-way leaves chunks nobody reads. A snapshot that fits one append
// (16 MB) is appended atomically.
import { randomUUID } from 'node:crypto';
import type { EventData, EventStore, RecordedEvent } from '../sinks/event_store/types.ts';
import { readSnapshot, type SnapshotHeader } from './engine_snapshot.ts';

const kChunkBytes = 180 * 1024; // base64 of it stays under the store's default 256 KiB per event
const kAppendBytes = 12 * 1024 * 1024; // chunks per append (the store takes 16 MiB at most)
const kScan = 64; // events read per step while looking backwards for the newest snapshot

export function snapshotStream(lane: string): string {
  return `snapshot-${lane}`;
}

/** What a `snapshot` event holds. */
export interface SnapshotEvent {
  id: string;
  /** The stream revision of its first chunk, and how many there are. */
  firstChunk: number;
  chunks: number;
  bytes: number;
  header: SnapshotHeader & { decisions?: number };
}

/** Appends snapshot bytes to the lane's stream; returns the `snapshot` event written. */
export async function writeSnapshot(store: EventStore, lane: string, bytes: Uint8Array, extra: { decisions?: number } = {}): Promise<SnapshotEvent> {
  const { header } = readSnapshot(bytes);
  const stream = snapshotStream(lane);
  const id = randomUUID();
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: EventData[] = [];
  for (let at = 0, i = 0; at < buf.length; at += kChunkBytes, i++) {
    chunks.push({ type: 'snapshot_chunk', data: { snapshot: id, index: i, base64: buf.subarray(at, at + kChunkBytes).toString('base64') } });
  }
  const rev = await store.streamRevision(stream);
  const firstChunk = rev === null ? 0 : rev + 1;
  const event: SnapshotEvent = { id, firstChunk, chunks: chunks.length, bytes: buf.length, header: { ...header, ...extra } };
  const done: EventData = { type: 'snapshot', data: event };
  const perAppend = Math.max(1, Math.floor(kAppendBytes / (kChunkBytes * 4 / 3)));
  if (chunks.length < perAppend) {
    await store.append(stream, [...chunks, done], { expectedRevision: rev === null ? 'no_stream' : rev });
    return event;
  }
  let expected: number | 'no_stream' = rev === null ? 'no_stream' : rev;
  for (let i = 0; i < chunks.length; i += perAppend) {
    const r = await store.append(stream, chunks.slice(i, i + perAppend), { expectedRevision: expected });
    expected = r.nextExpectedRevision;
  }
  await store.append(stream, done, { expectedRevision: expected });
  return event;
}

/**
 * The newest snapshot of the lane that `accept` takes (default: any), its bytes checked; null when
 * the stream holds none. A snapshot whose chunks are missing or damaged is skipped for an older one,
 * and `skipped` says why.
 */
export async function readNewestSnapshot(
  store: EventStore, lane: string, accept: (e: SnapshotEvent) => boolean = () => true,
): Promise<{ bytes: Uint8Array; event: SnapshotEvent; skipped: string[] } | null> {
  const stream = snapshotStream(lane);
  const last = await store.streamRevision(stream);
  const skipped: string[] = [];
  if (last === null) return null;
  for (let from = last; from >= 0; from -= kScan) {
    const batch = await store.readStream(stream, { direction: 'backwards', fromRevision: from, maxCount: kScan });
    for (const ev of batch) {
      if (ev.type !== 'snapshot') continue;
      const s = ev.data as SnapshotEvent;
      if (!accept(s)) { skipped.push(`snapshot at event ${s.header.events}: not usable here`); continue; }
      const chunks = await store.readStream(stream, { fromRevision: s.firstChunk, maxCount: s.chunks });
      const bytes = assemble(s, chunks);
      if (typeof bytes === 'string') { skipped.push(`snapshot at event ${s.header.events}: ${bytes}`); continue; }
      try {
        readSnapshot(bytes);
      } catch (err) {
        skipped.push(`snapshot at event ${s.header.events}: ${(err as Error).message}`);
        continue;
      }
      return { bytes, event: s, skipped };
    }
  }
  return null;
}

function assemble(s: SnapshotEvent, chunks: RecordedEvent[]): Uint8Array | string {
  const parts: Buffer[] = [];
  for (let i = 0; i < s.chunks; i++) {
    const c = chunks[i];
    const d = c?.data as { snapshot?: string; index?: number; base64?: string } | undefined;
    if (c === undefined || c.type !== 'snapshot_chunk' || d?.snapshot !== s.id || d.index !== i || typeof d.base64 !== 'string') return `chunk ${i} of ${s.chunks} is missing`;
    parts.push(Buffer.from(d.base64, 'base64'));
  }
  const bytes = Buffer.concat(parts);
  return bytes.length === s.bytes ? bytes : `${bytes.length} bytes reassembled, ${s.bytes} written`;
}
