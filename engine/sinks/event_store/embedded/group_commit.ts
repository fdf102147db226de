// Group commit: appends hand their frames here; one loop writes them to the file in order and
// makes them durable. An append's promise resolves only after the write (and, unless the policy is
// `none`, the fdatasync) that covers its bytes, so an acknowledged event survives a crash of the
// process (and, with fdatasync, of the machine).
//
// Policies:
// - `always`: each append gets its own write + fdatasync, one after another. Safest, slowest.
// - `batch` (default): appends that arrive while a write + fdatasync is in flight are written
//   together by the next one (at most maxBatchBytes per write); with maxDelayMs > 0 the loop also
//   waits that long before the write to gather more. Same guarantee as `always`, far fewer syncs.
// - `none`: write only, no fdatasync: an acknowledged event survives the process being killed (the
//   kernel holds the bytes) but not a power loss or kernel crash. For benchmarks and tests.
//
// A failed write or fdatasync fails every append in flight and every later one: after a failed
// fsync the kernel may have dropped the dirty pages, so the file's state is unknown until it is
// reopened (and scanned).
import type { FileHandle } from 'node:fs/promises';
import { EventStoreError } from '../errors.ts';

export type FsyncPolicy = 'always' | 'batch' | 'none';

export interface GroupCommitOptions {
  fsync: FsyncPolicy;
  /** batch: wait this long (ms) before a write to gather appends. 0: write at once. */
  maxDelayMs: number;
  /** batch: largest write (bytes); a single append larger than this is written alone. */
  maxBatchBytes: number;
}

interface Pending {
  buf: Buffer;
  /** Events up to (excluding) this position are durable when this write completes. */
  endPosition: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** The batch's buffers as one: a view over them when they lie one after the other in one slab (embedded_store.ts), else a copy. */
function joined(batch: Pending[]): Buffer {
  const first = batch[0].buf;
  let end = first.byteOffset + first.length;
  for (let i = 1; i < batch.length; i++) {
    const b = batch[i].buf;
    if (b.buffer !== first.buffer || b.byteOffset !== end) return Buffer.concat(batch.map((p) => p.buf));
    end += b.length;
  }
  return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
}

export class GroupCommitter {
  readonly #fh: FileHandle;
  readonly #opts: GroupCommitOptions;
  readonly #onDurable: (endPosition: number, endOffset: number) => void;
  #queue: Pending[] = [];
  #offset: number;
  #running = false;
  #failed: Error | null = null;
  #idle: (() => void)[] = [];
  /** Counters for benchmarks and tests. */
  writes = 0;
  syncs = 0;

  constructor(fh: FileHandle, offset: number, opts: GroupCommitOptions, onDurable: (endPosition: number, endOffset: number) => void) {
    this.#fh = fh;
    this.#offset = offset;
    this.#opts = opts;
    this.#onDurable = onDurable;
  }

  get failed(): Error | null { return this.#failed; }

  /** Queues `buf` (whole frames) to be written after everything queued before it. */
  commit(buf: Buffer, endPosition: number): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ buf, endPosition, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        void this.#run();
      }
    });
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        if (this.#opts.fsync === 'batch' && this.#opts.maxDelayMs > 0) {
          await new Promise((r) => setTimeout(r, this.#opts.maxDelayMs));
        }
        const batch = this.#take();
        const buf = batch.length === 1 ? batch[0].buf : joined(batch);
        try {
          await this.#writeAll(buf);
          if (this.#opts.fsync !== 'none') {
            await this.#fh.datasync();
            this.syncs++;
          }
        } catch (err) {
          this.#fail(err, batch);
          return;
        }
        this.#offset += buf.length;
        this.#onDurable(batch[batch.length - 1].endPosition, this.#offset);
        for (const p of batch) p.resolve();
      }
    } finally {
      this.#running = false;
      const w = this.#idle;
      this.#idle = [];
      for (const r of w) r();
    }
  }

  #take(): Pending[] {
    if (this.#opts.fsync === 'always') return [this.#queue.shift()!];
    let n = 0;
    let bytes = 0;
    while (n < this.#queue.length && (n === 0 || bytes + this.#queue[n].buf.length <= this.#opts.maxBatchBytes)) {
      bytes += this.#queue[n].buf.length;
      n++;
    }
    return this.#queue.splice(0, n);
  }

  async #writeAll(buf: Buffer): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.#fh.write(buf, done, buf.length - done, this.#offset + done);
      if (bytesWritten <= 0) throw new Error('the write made no progress');
      done += bytesWritten;
    }
    this.writes++;
  }

  #fail(err: unknown, batch: Pending[]): void {
    const e = new EventStoreError(`event log write failed (${(err as Error).message}); the log must be reopened`, { cause: err });
    this.#failed = e;
    for (const p of batch) p.reject(e);
    for (const p of this.#queue) p.reject(e);
    this.#queue = [];
  }
}
