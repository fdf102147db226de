// Reads an embedded log from its header to its end and checks every event: the frame (marker,
// length, CRC-32), the payload's fields, the position (counts up by one), the stream revision
// (counts up by one per stream) and the hash chain. Both opening a log and `audit verify` use it.
//
// Damage is classed by what follows it. Bytes after the last good event that hold no valid frame
// are a torn tail (a write cut short by a crash): open() cuts them. Damage followed by a valid
// frame, and any frame whose checksum holds but whose content is wrong (position, revision, hash),
// is corruption inside the log: never cut, always an error that names the event and its offset.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CorruptLogError, EventStoreError } from '../errors.ts';
import { chainHash, checkFrame, kFrameHead, kFrameMarker, kFrameMarkerBytes, kFrameOverhead, kHashBytes, kHeaderBytes, kMaxPayloadBytes, parseHeader, type LogHeader } from './format.ts';

const kChunk = 4 * 1024 * 1024;

export interface ScannedEvent {
  index: number;
  offset: number;
  size: number;
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  created: number;
  /** The payload's bytes (JSON); valid only during the onEvent call. */
  payload: Buffer;
}

/** Bytes after the last good event with no valid frame after them. */
export interface TornTail {
  offset: number;
  bytes: number;
  reason: string;
  /** True when the tail is a frame cut short or zeros (what a crash leaves); false for a full-size frame that fails its checksum. */
  incomplete: boolean;
}

export interface CorruptEvent {
  offset: number;
  index: number;
  reason: string;
  /** The bad event's stream and revision, as far as its payload can be read. */
  stream?: string;
  revision?: number;
}

export interface ScanResult {
  header: LogHeader;
  fileBytes: number;
  /** Good events, from the start up to the first problem. */
  events: number;
  /** Offset just past the last good event. */
  end: number;
  /** The hash of the last good event (the header's hash when there is none): the head of the chain. */
  lastHash: Buffer;
  lastEvent: { stream: string; revision: number } | null;
  tail: TornTail | null;
  corrupt: CorruptEvent | null;
}

/** A window over the file: holds [base, base + buf.length), refilled on demand. */
class FileWindow {
  readonly fd: number;
  readonly size: number;
  buf = Buffer.alloc(0);
  base = 0;
  constructor(fd: number, size: number) { this.fd = fd; this.size = size; }

  /** Makes [off, off + n) readable, or [off, end of file) when the file is shorter. Returns the index of off in buf. */
  ensure(off: number, n: number): number {
    const want = Math.min(off + n, this.size);
    if (off >= this.base && want <= this.base + this.buf.length) return off - this.base;
    const len = Math.min(Math.max(n, kChunk), this.size - off);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const r = readSync(this.fd, buf, got, len - got, off + got);
      if (r === 0) break;
      got += r;
    }
    this.buf = got === len ? buf : buf.subarray(0, got);
    this.base = off;
    return 0;
  }
}

interface Payload { position: number; stream: string; revision: number; id: string; type: string; created: number; data: unknown; metadata: unknown }

/** What is wrong with a parsed payload's fields, or null. */
function payloadProblem(p: Payload): string | null {
  if (p === null || typeof p !== 'object') return 'the record is not a JSON object';
  if (!Number.isSafeInteger(p.position) || p.position < 0) return `position ${JSON.stringify(p.position)} is not an integer >= 0`;
  if (typeof p.stream !== 'string' || p.stream.length === 0) return 'stream is missing';
  if (!Number.isSafeInteger(p.revision) || p.revision < 0) return `revision ${JSON.stringify(p.revision)} is not an integer >= 0`;
  if (typeof p.id !== 'string' || typeof p.type !== 'string') return 'id or type is missing';
  if (!Number.isFinite(p.created)) return 'created is not a time';
  if (p.data === null || typeof p.data !== 'object') return 'data is not a JSON object or array';
  return null;
}

/** Offset of the first valid frame after `from`, or -1. Only called on damage. */
function findValidFrame(w: FileWindow, from: number): number {
  let off = from;
  while (off + kFrameOverhead <= w.size) {
    const at = w.ensure(off, kChunk);
    const i = w.buf.indexOf(kFrameMarkerBytes, at);
    if (i < 0) {
      if (w.base + w.buf.length >= w.size) return -1;
      off = w.base + w.buf.length - (kFrameMarkerBytes.length - 1);
      continue;
    }
    const cand = w.base + i;
    let j = w.ensure(cand, kFrameHead);
    const len = w.buf.length - j >= kFrameHead ? w.buf.readUInt32LE(j + 4) : 0;
    if (len >= 2 && len <= kMaxPayloadBytes) {
      j = w.ensure(cand, len + kFrameOverhead);
      if (checkFrame(w.buf, j).ok) return cand;
    }
    off = cand + 1;
  }
  return -1;
}

function allZero(w: FileWindow, from: number): boolean {
  for (let off = from; off < w.size;) {
    const at = w.ensure(off, kChunk);
    for (let i = at; i < w.buf.length; i++) if (w.buf[i] !== 0) return false;
    off = w.base + w.buf.length;
  }
  return true;
}

/**
 * Scans the log at `path`. `onEvent` sees each good event in order (the index is built from it).
 * Throws EventStoreError when the file cannot be read, CorruptLogError when its header is bad;
 * damage after the header is reported in the result, not thrown.
 */
export function scanLog(path: string, onEvent?: (e: ScannedEvent) => void): ScanResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new EventStoreError(`cannot read event log ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message}`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new EventStoreError(`cannot read event log ${path}: not a file`);
    const size = st.size;
    const w = new FileWindow(fd, size);
    const h0 = w.ensure(0, kHeaderBytes);
    const header = parseHeader(w.buf.subarray(h0, h0 + kHeaderBytes));
    if (typeof header === 'string') throw new CorruptLogError(`event log ${path}: ${header}`, 0, -1);

    const revisions = new Map<string, number>();
    let prev = header.genesis;
    let off = kHeaderBytes;
    let index = 0;
    let lastEvent: { stream: string; revision: number } | null = null;
    let tail: TornTail | null = null;
    let corrupt: CorruptEvent | null = null;

    while (off < size) {
      let at = w.ensure(off, kFrameHead);
      if (w.buf.length - at >= kFrameHead && w.buf.readUInt32LE(at) === kFrameMarker) {
        const len = w.buf.readUInt32LE(at + 4);
        if (len <= kMaxPayloadBytes) at = w.ensure(off, len + kFrameOverhead);
      }
      const c = checkFrame(w.buf, at);
      if (!c.ok) {
        const { stream, revision } = bestEffortIds(w.buf, at);
        const next = findValidFrame(w, off + 1);
        if (next >= 0) {
          corrupt = { offset: off, index, reason: `${c.reason}; a valid record follows at offset ${next}, so this is damage inside the log, not a torn tail`, stream, revision };
        } else {
          tail = { offset: off, bytes: size - off, reason: c.reason, incomplete: c.incomplete || allZero(w, off) };
        }
        break;
      }
      at = w.ensure(off, c.size);
      const raw = w.buf.subarray(at + kFrameHead, at + kFrameHead + c.payloadBytes);
      let p: Payload;
      try {
        p = JSON.parse(raw.toString('utf8')) as Payload;
      } catch (err) {
        corrupt = { offset: off, index, reason: `the record is not valid JSON (${(err as Error).message})` };
        break;
      }
      const bad = payloadProblem(p);
      const ids = { stream: typeof p?.stream === 'string' ? p.stream : undefined, revision: Number.isSafeInteger(p?.revision) ? p.revision : undefined };
      if (bad !== null) { corrupt = { offset: off, index, reason: bad, ...ids }; break; }
      if (p.position !== index) {
        corrupt = { offset: off, index, reason: `position ${p.position} where ${index} was expected (an event was removed, inserted or moved)`, ...ids };
        break;
      }
      const want = (revisions.get(p.stream) ?? -1) + 1;
      if (p.revision !== want) {
        corrupt = { offset: off, index, reason: `revision ${p.revision} where ${want} was expected in stream "${p.stream}" (an event was removed, inserted or moved)`, ...ids };
        break;
      }
      const stored = w.buf.subarray(at + kFrameHead + c.payloadBytes, at + kFrameHead + c.payloadBytes + kHashBytes);
      const hash = chainHash(prev, raw);
      if (!hash.equals(stored)) {
        corrupt = { offset: off, index, reason: 'hash chain broken: the stored hash is not SHA-256 of the previous hash and this record (the record or one before it was changed)', ...ids };
        break;
      }
      onEvent?.({ index, offset: off, size: c.size, position: p.position, stream: p.stream, revision: p.revision, id: p.id, type: p.type, created: p.created, payload: raw });
      revisions.set(p.stream, p.revision);
      lastEvent = { stream: p.stream, revision: p.revision };
      prev = hash;
      index++;
      off += c.size;
    }
    return { header, fileBytes: size, events: index, end: corrupt ? corrupt.offset : tail ? tail.offset : off, lastHash: prev, lastEvent, tail, corrupt };
  } finally {
    closeSync(fd);
  }
}

/** The stream and revision of a damaged frame's payload, where they can still be read. */
function bestEffortIds(buf: Buffer, at: number): { stream?: string; revision?: number } {
  if (buf.length - at < kFrameHead) return {};
  const text = buf.subarray(at + kFrameHead, Math.min(buf.length, at + kFrameHead + 512)).toString('utf8');
  const s = /"stream":("(?:[^"\\]|\\.)*")/.exec(text);
  const r = /"revision":(\d+)/.exec(text);
  const out: { stream?: string; revision?: number } = {};
  try { if (s) out.stream = JSON.parse(s[1]) as string; } catch { /* unreadable */ }
  if (r) out.revision = Number(r[1]);
  return out;
}

/** One line naming a bad event: its number, stream, revision, offset and what is wrong. */
export function describeCorruption(c: CorruptEvent): string {
  const ids = c.stream !== undefined ? ` (stream "${c.stream}"${c.revision !== undefined ? `, revision ${c.revision}` : ''})` : '';
  return `event #${c.index}${ids} at offset ${c.offset}: ${c.reason}`;
}
