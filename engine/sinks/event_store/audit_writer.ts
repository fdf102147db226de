// The audit writer: how the engine records into an event store without stalling the hot path.
//
// The main thread calls write(item) once per decision: it stores the reference in a preallocated
// power-of-two ring and returns. No await, no allocation, no serialisation, no I/O. A background
// drain (an unref'd interval, plus one kick per full batch) turns queued items into events and
// appends them in batches with the exact expected revision of the stream (on a conflict, another
// writer appended: it re-reads the revision and retries the same batch, so nothing is lost or
// doubled). It runs whenever the main thread yields to the event loop.
//
// When the ring is full (the store is slower than the decisions, or unreachable):
// - `overflow` (the default, recommended): the item goes to an overflow list (the only allocation,
//   and only under overload), counted in `overflowed`, and `backlogged` turns true. The engine calls
//   `relieve()` at its flush boundary (where it already waits for the decision log), which waits
//   until the queue is back under half full: ingest then stalls at a batch boundary, never inside a
//   tick, and each stall is counted (`stalls`, `stallMs`). Nothing is dropped: an audit trail with
//   holes is worse than a run that slows down when its disk or server does.
// - `drop`: the item is dropped and counted (`dropped`); write() returns false. For latency runs
//   that accept an incomplete trail (the decision log still has every decision).
//
// flush() resolves when everything written before it is durable in the store (the engine commits
// Kafka offsets only after it, so a crash loses at most the unacknowledged tail and that tail is
// consumed again). close() flushes and stops. A store error that may pass (a server restart) is
// retried with backoff, the items staying queued; one that will not (a failed fsync, a closed
// store) fails flush(), close() and every later write() loudly. An item whose event is invalid is rejected alone
// (counted, `onRejected` told), never its batch.
import { EventStoreError, InvalidEventError, WrongExpectedRevisionError } from './errors.ts';
import type { EventData, EventStore, ExpectedRevision } from './types.ts';
import { checkStreamName, preview } from './validate.ts';

export type WhenFull = 'overflow' | 'drop';

export interface AuditWriterOptions<T> {
  stream: string;
  /** Builds the event of an item (runs in the background drain, never in write()). */
  toEvent(item: T): EventData;
  /** Queue slots, a power of two (default 8192). */
  capacity?: number;
  /** Most events per append (default 512). */
  batchSize?: number;
  /** Default `overflow`. */
  whenFull?: WhenFull;
  /** Append with the stream's exact revision (default true) or with `any`. */
  exact?: boolean;
  /** How often the background drain looks at the queue (ms, default 5). */
  drainIntervalMs?: number;
  /** Told about an item whose event the store rejected as invalid. */
  onRejected?(item: T, error: Error): void;
  /**
   * Runs on a batch before its events are built (in the drain; again if the append is retried, so
   * it skips what it already did): work done for the whole batch elsewhere (the engine formats
   * decisions' inputs in a worker). A failure is ignored: toEvent must work whether or not it did
   * its part.
   */
  prepare?(items: readonly T[]): Promise<void>;
}

export interface AuditWriterStats {
  /** Items given to write(). */
  written: number;
  /** Events durable in the store. */
  appended: number;
  dropped: number;
  overflowed: number;
  rejected: number;
  /** Items queued now (ring and overflow). */
  depth: number;
  maxDepth: number;
  batches: number;
  conflicts: number;
  errors: number;
  stalls: number;
  stallMs: number;
  lastError: string | null;
}

const kResolved = Promise.resolve();
const kMaxBackoffMs = 5000;

function powerOfTwo(key: string, v: unknown, def: number, max: number): number {
  const n = v ?? def;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 2 || n > max || (n & (n - 1)) !== 0) {
    throw new InvalidEventError(`audit writer: ${key} must be a power of two from 2 to ${max}, got ${preview(n)}`);
  }
  return n;
}

interface Waiter { target: number; resolve: () => void; reject: (e: Error) => void }

export class AuditWriter<T> {
  readonly #store: EventStore;
  readonly #stream: string;
  readonly #toEvent: (item: T) => EventData;
  readonly #onRejected: ((item: T, error: Error) => void) | undefined;
  readonly #prepare: ((items: readonly T[]) => Promise<void>) | undefined;
  readonly #ring: (T | undefined)[];
  readonly #mask: number;
  readonly #batch: number;
  readonly #drop: boolean;
  readonly #exact: boolean;
  readonly #timer: NodeJS.Timeout;
  readonly #kick: () => void;
  #head = 0; // next to append
  #tail = 0; // next free slot
  #overflow: T[] = [];
  #done = 0; // items appended or rejected, in queue order
  #enqueued = 0;
  #revision: ExpectedRevision | null = null;
  #draining = false;
  #kicked = false;
  #closed = false;
  #failed: Error | null = null;
  #waiters: Waiter[] = [];
  #roomWaiters: Waiter[] = [];
  readonly #stats: AuditWriterStats = { written: 0, appended: 0, dropped: 0, overflowed: 0, rejected: 0, depth: 0, maxDepth: 0, batches: 0, conflicts: 0, errors: 0, stalls: 0, stallMs: 0, lastError: null };

  constructor(store: EventStore, options: AuditWriterOptions<T>) {
    if (typeof options?.toEvent !== 'function') throw new InvalidEventError('audit writer: toEvent must be a function');
    this.#store = store;
    this.#stream = checkStreamName(options.stream);
    this.#toEvent = options.toEvent;
    this.#onRejected = options.onRejected;
    this.#prepare = options.prepare;
    const capacity = powerOfTwo('capacity', options.capacity, 8192, 1 << 22);
    this.#ring = new Array<T | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
    const batch = options.batchSize ?? 512;
    if (typeof batch !== 'number' || !Number.isSafeInteger(batch) || batch < 1 || batch > 10_000) {
      throw new InvalidEventError(`audit writer: batchSize must be an integer from 1 to 10000, got ${preview(batch)}`);
    }
    this.#batch = batch;
    const whenFull = options.whenFull ?? 'overflow';
    if (whenFull !== 'overflow' && whenFull !== 'drop') throw new InvalidEventError(`audit writer: whenFull must be 'overflow' or 'drop', got ${preview(whenFull)}`);
    this.#drop = whenFull === 'drop';
    this.#exact = options.exact ?? true;
    const every = options.drainIntervalMs ?? 5;
    if (typeof every !== 'number' || !Number.isFinite(every) || every < 1 || every > 10_000) {
      throw new InvalidEventError(`audit writer: drainIntervalMs must be from 1 to 10000, got ${preview(every)}`);
    }
    this.#kick = () => { this.#kicked = false; void this.#drain(); };
    this.#timer = setInterval(this.#kick, every);
    this.#timer.unref();
  }

  /**
   * Queues an item; never blocks, never allocates (except into the overflow list when full).
   * Returns false when the item was dropped (whenFull 'drop' and the queue full).
   */
  write(item: T): boolean {
    if (this.#closed) throw new EventStoreError(`audit writer for stream "${this.#stream}" is closed`);
    if (this.#failed) throw this.#failed;
    const s = this.#stats;
    s.written++;
    const depth = this.#tail - this.#head;
    if (depth <= this.#mask && this.#overflow.length === 0) {
      this.#ring[this.#tail & this.#mask] = item;
      this.#tail++;
    } else if (this.#drop) {
      s.dropped++;
      return false;
    } else {
      this.#overflow.push(item);
      s.overflowed++;
    }
    this.#enqueued++;
    const d = this.#tail - this.#head + this.#overflow.length;
    if (d > s.maxDepth) s.maxDepth = d;
    if (d === this.#batch && !this.#kicked && !this.#draining) {
      this.#kicked = true;
      setImmediate(this.#kick); // once per full batch, not per item
    }
    return true;
  }

  /** True when the queue is over three quarters full or overflowing: the engine should relieve() at its next flush boundary. */
  get backlogged(): boolean {
    return this.#overflow.length > 0 || this.#tail - this.#head > (this.#mask + 1) * 0.75;
  }

  /** At a flush boundary: when backlogged, waits until the queue is at most half full (counted as a stall). */
  relieve(): Promise<void> {
    if (!this.backlogged) return kResolved;
    this.#stats.stalls++;
    const t0 = performance.now();
    const target = this.#enqueued - ((this.#mask + 1) >> 1);
    return new Promise<void>((resolve, reject) => {
      this.#roomWaiters.push({ target, resolve: () => { this.#stats.stallMs += performance.now() - t0; resolve(); }, reject });
      void this.#drain();
    });
  }

  /** Resolves when every item written before the call is durable in the store (or rejected as invalid). */
  flush(): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    const target = this.#enqueued;
    if (this.#done >= target) return kResolved;
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ target, resolve, reject });
      void this.#drain();
    });
  }

  /** Flushes, then stops the background drain. The store stays open (its owner closes it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      clearInterval(this.#timer);
    }
  }

  stats(): AuditWriterStats {
    const s = this.#stats;
    s.depth = this.#tail - this.#head + this.#overflow.length;
    return { ...s };
  }

  #settle(): void {
    const done = this.#done;
    if (this.#waiters.length > 0) this.#waiters = this.#waiters.filter((w) => (done >= w.target ? (w.resolve(), false) : true));
    if (this.#roomWaiters.length > 0) this.#roomWaiters = this.#roomWaiters.filter((w) => (done >= w.target ? (w.resolve(), false) : true));
  }

  #fail(e: Error): void {
    this.#failed = e;
    for (const w of this.#waiters) w.reject(e);
    for (const w of this.#roomWaiters) w.reject(e);
    this.#waiters = [];
    this.#roomWaiters = [];
  }

  /** Moves overflowed items into the ring as room frees up. */
  #refill(): void {
    let i = 0;
    while (i < this.#overflow.length && this.#tail - this.#head <= this.#mask) {
      this.#ring[this.#tail & this.#mask] = this.#overflow[i++];
      this.#tail++;
    }
    if (i > 0) this.#overflow = this.#overflow.slice(i);
  }

  async #drain(): Promise<void> {
    if (this.#draining || this.#failed) return;
    this.#draining = true;
    let backoff = 100;
    try {
      while (this.#tail > this.#head || this.#overflow.length > 0) {
        this.#refill();
        const n = Math.min(this.#batch, this.#tail - this.#head);
        const items: T[] = new Array(n);
        for (let i = 0; i < n; i++) items[i] = this.#ring[(this.#head + i) & this.#mask] as T;
        if (this.#prepare !== undefined) await this.#prepare(items).catch(() => undefined);
        try {
          await this.#appendBatch(items);
          backoff = 100;
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          this.#stats.errors++;
          this.#stats.lastError = e.message;
          if (!(e instanceof EventStoreError) || !e.retriable) {
            this.#fail(new EventStoreError(`audit writer for stream "${this.#stream}": ${e.message}; ${this.#tail - this.#head + this.#overflow.length} events are not in the store`, { cause: e }));
            return;
          }
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(kMaxBackoffMs, backoff * 2);
          continue;
        }
        for (let i = 0; i < n; i++) this.#ring[(this.#head + i) & this.#mask] = undefined;
        this.#head += n;
        this.#done += n;
        this.#settle();
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Appends with the expected revision; on a conflict (another writer appended) re-reads it and retries. */
  async #append(events: EventData[]): Promise<void> {
    for (;;) {
      if (this.#revision === null) this.#revision = this.#exact ? ((await this.#store.streamRevision(this.#stream)) ?? 'no_stream') : 'any';
      try {
        const r = await this.#store.append(this.#stream, events, { expectedRevision: this.#revision });
        if (this.#exact) this.#revision = r.nextExpectedRevision;
        this.#stats.appended += events.length;
        this.#stats.batches++;
        return;
      } catch (err) {
        if (!(err instanceof WrongExpectedRevisionError)) throw err;
        this.#stats.conflicts++;
        this.#revision = null;
        await new Promise((r) => setImmediate(r)); // let the other writer's append complete
      }
    }
  }

  /** Appends one batch; an item whose event is invalid is rejected alone, the rest still appended. */
  async #appendBatch(items: T[]): Promise<void> {
    const events: EventData[] = [];
    const kept: T[] = [];
    for (const item of items) {
      try {
        events.push(this.#toEvent(item));
        kept.push(item);
      } catch (err) {
        this.#reject(item, err);
      }
    }
    if (events.length === 0) return;
    try {
      await this.#append(events);
    } catch (err) {
      if (!(err instanceof InvalidEventError)) throw err;
      // One bad event spoils an all-or-nothing batch: append them one by one to find it.
      for (let i = 0; i < events.length; i++) {
        try {
          await this.#append([events[i]]);
        } catch (e) {
          if (!(e instanceof InvalidEventError)) throw e;
          this.#reject(kept[i], e);
        }
      }
    }
  }

  #reject(item: T, err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.#stats.rejected++;
    this.#stats.lastError = e.message;
    this.#onRejected?.(item, e);
  }
}
