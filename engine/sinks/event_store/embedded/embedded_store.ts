// The embedded event store: a durable, hash-chained, append-only local file (format.ts) that needs
// no server. One process appends to a log at a time (a lock file beside it). On open the whole
// file is scanned and checked (scan.ts), the in-memory index is rebuilt (log_index.ts), and a torn
// tail left by a crash is cut, its bytes kept in a side file; damage inside the log is an error.
// Appends are checked and encoded synchronously (so concurrent appends in one process see each
// other's revisions), then written and made durable by the group committer (group_commit.ts).
// Readers and subscribers see an event once it is durable.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, statSync, truncateSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CorruptLogError, EventStoreError, InvalidEventError, WrongExpectedRevisionError } from '../errors.ts';
import { ChangeSignal, SubscriptionSet, allPages, streamPages } from '../subscription.ts';
import type { AppendOptions, AppendResult, EventData, EventStore, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeOptions, Subscription } from '../types.ts';
import { checkExpectedRevision, checkMaxEventBytes, checkReadAll, checkReadStream, checkStreamName, checkSubscribe, preview, prepareEvents } from '../validate.ts';
import { kFrameHead, kFrameOverhead, makeHeader, payloadBytes, payloadHead, writeEventFrame } from './format.ts';
import { GroupCommitter, type FsyncPolicy } from './group_commit.ts';
import { takeLock } from './lock.ts';
import { LogIndex } from './log_index.ts';
import { describeCorruption, scanLog } from './scan.ts';

export const kDefaultLogPath = 'out/audit/events.log';
const kDefaultMaxBatchBytes = 4 * 1024 * 1024;
/** A slab of frames being encoded and written (embedded_store.ts #slabFor); an append larger than this gets its own. */
const kSlabBytes = 4 * 1024 * 1024;

interface Slab { readonly buf: Buffer; at: number; pending: number }

export interface EmbeddedStoreOptions {
  /** The log file. Default out/audit/events.log (relative to the working directory). */
  path?: string;
  /** Default `batch` (group commit). See group_commit.ts. */
  fsync?: FsyncPolicy;
  /** batch: wait before a write to gather appends (ms). Default 0. */
  maxDelayMs?: number;
  /** batch: largest write in bytes. Default 4 MiB. */
  maxBatchBytes?: number;
  /** Largest event (type + data + metadata, bytes). */
  maxEventBytes?: number;
}

const kOptionKeys = new Set(['path', 'fsync', 'maxDelayMs', 'maxBatchBytes', 'maxEventBytes']);

/** What opening a log cut off its end. */
export interface RecoveryReport {
  /** Offset where the torn tail began (the new end of the file). */
  offset: number;
  bytesCut: number;
  reason: string;
  /** The cut bytes, kept for inspection. */
  savedTo: string;
}

interface Resolved { path: string; fsync: FsyncPolicy; maxDelayMs: number; maxBatchBytes: number; maxEventBytes: number }

function resolveOptions(o: EmbeddedStoreOptions): Resolved {
  if (o === null || typeof o !== 'object') throw new InvalidEventError('embedded event store options must be an object');
  for (const k of Object.keys(o)) {
    if (!kOptionKeys.has(k)) throw new InvalidEventError(`embedded event store: unknown option "${k}" (options: ${[...kOptionKeys].join(', ')})`);
  }
  const path = o.path ?? kDefaultLogPath;
  if (typeof path !== 'string' || path.length === 0) throw new InvalidEventError(`path must be a file path, got ${preview(path)}`);
  const fsync = o.fsync ?? 'batch';
  if (fsync !== 'always' && fsync !== 'batch' && fsync !== 'none') throw new InvalidEventError(`fsync must be 'always', 'batch' or 'none', got ${preview(fsync)}`);
  const maxDelayMs = o.maxDelayMs ?? 0;
  if (typeof maxDelayMs !== 'number' || !Number.isFinite(maxDelayMs) || maxDelayMs < 0 || maxDelayMs > 1000) {
    throw new InvalidEventError(`maxDelayMs must be a number of milliseconds from 0 to 1000, got ${preview(maxDelayMs)}`);
  }
  const maxBatchBytes = o.maxBatchBytes ?? kDefaultMaxBatchBytes;
  if (typeof maxBatchBytes !== 'number' || !Number.isSafeInteger(maxBatchBytes) || maxBatchBytes < 4096 || maxBatchBytes > 256 * 1024 * 1024) {
    throw new InvalidEventError(`maxBatchBytes must be an integer from 4096 to ${256 * 1024 * 1024}, got ${preview(maxBatchBytes)}`);
  }
  return { path: resolve(path), fsync, maxDelayMs, maxBatchBytes, maxEventBytes: checkMaxEventBytes(o.maxEventBytes, 'maxEventBytes') };
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** Creates a log holding only its header, atomically (temporary file, fsync, rename, fsync the directory). */
function createLog(path: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, makeHeader(Date.now(), randomBytes(32)));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Copies [offset, end) of the log into a side file, then truncates the log to offset and syncs it. */
function cutTail(path: string, offset: number, bytes: number): string {
  let savedTo = `${path}.cut-${offset}`;
  for (let i = 1; existsSync(savedTo); i++) savedTo = `${path}.cut-${offset}.${i}`;
  const src = openSync(path, 'r');
  const dst = openSync(savedTo, 'w');
  try {
    const buf = Buffer.allocUnsafe(Math.min(bytes, 1 << 20));
    for (let done = 0; done < bytes;) {
      const n = readSync(src, buf, 0, Math.min(buf.length, bytes - done), offset + done);
      if (n === 0) break;
      writeSync(dst, buf, 0, n);
      done += n;
    }
    fsyncSync(dst);
  } finally {
    closeSync(src);
    closeSync(dst);
  }
  truncateSync(path, offset);
  const fd = openSync(path, 'r+');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  fsyncDir(dirname(path));
  return savedTo;
}

export async function openEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedEventStore> {
  const o = resolveOptions(options);
  mkdirSync(dirname(o.path), { recursive: true });
  const release = takeLock(`${o.path}.lock`, o.path);
  try {
    if (!existsSync(o.path) || statSync(o.path).size === 0) createLog(o.path);
    const index = new LogIndex();
    const scan = scanLog(o.path, (e) => index.add(e.stream, e.offset));
    if (scan.corrupt) {
      throw new CorruptLogError(`event log ${o.path}: ${describeCorruption(scan.corrupt)}; the log is not opened (npm run audit -- verify ${o.path} checks it)`, scan.corrupt.offset, scan.corrupt.index);
    }
    let recovery: RecoveryReport | null = null;
    if (scan.tail) {
      const savedTo = cutTail(o.path, scan.tail.offset, scan.tail.bytes);
      recovery = { offset: scan.tail.offset, bytesCut: scan.tail.bytes, reason: scan.tail.reason, savedTo };
    }
    const fh = await open(o.path, 'r+');
    return new EmbeddedEventStore(o, fh, index, scan.end, scan.lastHash, recovery, release);
  } catch (err) {
    release();
    throw err;
  }
}

export class EmbeddedEventStore implements EventStore {
  readonly kind = 'embedded' as const;
  readonly path: string;
  /** What opening cut off a torn tail, or null when the log ended cleanly. */
  readonly recovery: RecoveryReport | null;
  readonly #opts: Resolved;
  readonly #fh: FileHandle;
  readonly #index: LogIndex;
  readonly #committer: GroupCommitter;
  readonly #signal = new ChangeSignal();
  readonly #subs = new SubscriptionSet();
  readonly #release: () => void;
  #nextOffset: number;
  #lastHash: Buffer;
  #durable: number;
  #durableEnd: number;
  #closed = false;

  constructor(o: Resolved, fh: FileHandle, index: LogIndex, end: number, lastHash: Buffer, recovery: RecoveryReport | null, release: () => void) {
    this.path = o.path;
    this.#opts = o;
    this.#fh = fh;
    this.#index = index;
    this.#nextOffset = end;
    this.#lastHash = lastHash;
    this.#durable = index.count;
    this.#durableEnd = end;
    this.recovery = recovery;
    this.#release = release;
    this.#committer = new GroupCommitter(fh, end, o, (endPosition, endOffset) => {
      this.#durable = endPosition;
      this.#durableEnd = endOffset;
      this.#signal.notify();
    });
  }

  /**
   * Frames are encoded into slabs that are reused once their writes are done (a fresh buffer per
   * append costs more than the encoding: the allocation and the first touch of its pages): the
   * current one, and one spare.
   */
  #slab: Slab | null = null;
  #spare: Slab | null = null;

  #slabFor(bytes: number): Slab {
    const s = this.#slab;
    if (s !== null && s.buf.length - s.at >= bytes) return s;
    if (s !== null && s.pending === 0 && s.buf.length >= bytes) { s.at = 0; return s; }
    let next = this.#spare;
    this.#spare = null;
    if (next === null || next.buf.length < bytes) next = { buf: Buffer.allocUnsafeSlow(Math.max(kSlabBytes, bytes)), at: 0, pending: 0 };
    this.#slab = next;
    return next;
  }

  /** An append's write is done (or failed): its slab may be reused once nothing else in it is in flight. */
  #releaseSlab(s: Slab): void {
    if (--s.pending > 0) return;
    s.at = 0;
    if (s !== this.#slab && s.buf.length === kSlabBytes) this.#spare = s;
  }

  /** Durable events in the log. */
  get eventCount(): number { return this.#durable; }
  /** SHA-256 (hex) of the last event appended: the head of the hash chain. */
  get headHash(): string { return this.#lastHash.toString('hex'); }
  /** Writes and fdatasyncs so far (group commit). */
  get commitStats(): { writes: number; syncs: number } { return { writes: this.#committer.writes, syncs: this.#committer.syncs }; }

  #checkOpen(): void {
    if (this.#closed) throw new EventStoreError(`event log ${this.path} is closed`);
    const f = this.#committer.failed;
    if (f) throw f;
  }

  async append(stream: string, events: EventData | readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    this.#checkOpen();
    checkStreamName(stream);
    const expected = checkExpectedRevision(stream, options?.expectedRevision);
    const prepared = prepareEvents(stream, events, this.#opts.maxEventBytes);
    const cur = this.#index.lastRevision(stream);
    if (expected === 'no_stream' ? cur !== -1 : expected === 'stream_exists' ? cur === -1 : expected !== 'any' && expected !== cur) {
      throw new WrongExpectedRevisionError(stream, expected, cur === -1 ? 'no_stream' : cur);
    }
    const created = Date.now();
    const first = this.#index.count;
    const heads: string[] = new Array(prepared.length);
    const headSizes: number[] = new Array(prepared.length);
    const sizes: number[] = new Array(prepared.length);
    let total = 0;
    for (let i = 0; i < prepared.length; i++) {
      const e = prepared[i];
      heads[i] = payloadHead(first + i, stream, cur + 1 + i, e.id, e.type, created);
      headSizes[i] = Buffer.byteLength(heads[i]);
      sizes[i] = payloadBytes(headSizes[i], e.dataBytes, e.metadataBytes);
      total += sizes[i] + kFrameOverhead;
    }
    const slab = this.#slabFor(total);
    const buf = slab.buf.subarray(slab.at, slab.at + total);
    slab.at += total;
    slab.pending++;
    try {
      let at = 0;
      for (let i = 0; i < prepared.length; i++) {
        const e = prepared[i];
        this.#lastHash = writeEventFrame(buf, at, heads[i], headSizes[i], e.data, e.dataBytes, e.metadata, e.metadataBytes, sizes[i], this.#lastHash);
        this.#index.add(stream, this.#nextOffset + at);
        at += sizes[i] + kFrameOverhead;
      }
      this.#nextOffset += total;
      await this.#committer.commit(buf, this.#index.count);
    } finally {
      this.#releaseSlab(slab);
    }
    return { nextExpectedRevision: cur + prepared.length, position: first + prepared.length - 1 };
  }

  /** Reads the durable events at positions [from, to), contiguous in the file. */
  async #readRun(from: number, to: number): Promise<RecordedEvent[]> {
    if (from >= to) return [];
    const offsets = this.#index.offsets.a;
    const start = offsets[from];
    const end = to < this.#durable ? offsets[to] : this.#durableEnd;
    const buf = Buffer.allocUnsafe(end - start);
    for (let got = 0; got < buf.length;) {
      const { bytesRead } = await this.#fh.read(buf, got, buf.length - got, start + got);
      if (bytesRead === 0) throw new EventStoreError(`event log ${this.path}: unexpected end of file at offset ${start + got}`);
      got += bytesRead;
    }
    const out: RecordedEvent[] = new Array(to - from);
    let at = 0;
    for (let i = 0; i < out.length; i++) {
      const len = buf.readUInt32LE(at + 4);
      const p = JSON.parse(buf.toString('utf8', at + kFrameHead, at + kFrameHead + len)) as RecordedEvent & { created: number };
      out[i] = { stream: p.stream, revision: p.revision, position: p.position, id: p.id, type: p.type, data: p.data, metadata: p.metadata, created: new Date(p.created) };
      at += len + kFrameOverhead;
    }
    return out;
  }

  /** Reads the events at the given positions (ascending), one read per contiguous run. */
  async #readPositions(positions: Float64Array, lo: number, hi: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    let i = lo;
    while (i < hi) {
      let j = i + 1;
      while (j < hi && positions[j] === positions[j - 1] + 1) j++;
      const run = await this.#readRun(positions[i], positions[j - 1] + 1);
      for (const e of run) out.push(e);
      i = j;
    }
    return out;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#checkOpen();
    checkStreamName(stream);
    const r = checkReadStream(stream, options);
    const s = this.#index.stream(stream, this.#durable);
    if (!s) return [];
    if (r.direction === 'forwards') {
      const start = r.from === 'start' ? 0 : r.from === 'end' ? s.count : r.from;
      return this.#readPositions(s.positions, Math.min(start, s.count), Math.min(s.count, start + r.maxCount));
    }
    const last = r.from === 'end' ? s.count - 1 : r.from === 'start' ? 0 : Math.min(r.from, s.count - 1);
    const lo = Math.max(0, last - r.maxCount + 1);
    return (await this.#readPositions(s.positions, lo, last + 1)).reverse();
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.#checkOpen();
    const r = checkReadAll(options);
    const n = this.#durable;
    if (r.direction === 'forwards') {
      const start = r.from === 'start' ? 0 : r.from === 'end' ? n : Math.min(r.from, n);
      return this.#readRun(start, Math.min(n, start + r.maxCount));
    }
    const last = r.from === 'end' ? n - 1 : r.from === 'start' ? Math.min(0, n - 1) : Math.min(r.from, n - 1);
    if (last < 0) return [];
    return (await this.#readRun(Math.max(0, last - r.maxCount + 1), last + 1)).reverse();
  }

  /**
   * The revision an exact append is checked against: it counts appends of this process still in
   * flight (a read shows them once they are durable), so a writer that re-reads it after a
   * conflict can go on at once.
   */
  async streamRevision(stream: string): Promise<number | null> {
    this.#checkOpen();
    checkStreamName(stream);
    const r = this.#index.lastRevision(stream);
    return r < 0 ? null : r;
  }

  subscribeToStream(stream: string, options: SubscribeOptions): Subscription {
    checkStreamName(stream);
    const from = checkSubscribe(`subscribe to stream "${stream}"`, options);
    this.#checkOpen();
    return this.#subs.start(streamPages(this, stream, this.#signal, 0), options, from);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    const from = checkSubscribe('subscribe to all', options);
    this.#checkOpen();
    return this.#subs.start(allPages(this, async () => (this.#durable > 0 ? this.#durable - 1 : null), this.#signal, 0), options, from);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#subs.stopAll();
    await this.#committer.idle();
    try {
      if (!this.#committer.failed) await this.#fh.datasync();
    } finally {
      await this.#fh.close();
      this.#release();
    }
  }
}

