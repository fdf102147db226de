// The event store and the audit trail served from a thread of their own (audit_worker.ts), so that
// the per-decision work of the trail never runs on the engine's main thread: there a decision
// costs a reference pushed on a list and, once per drained batch (every few milliseconds, or 512
// decisions), a copy of its captured inputs into one Float64Array whose buffer is transferred with
// one message. Parsing, inputs formatting, event building, hashing, writing and fsync happen on
// the audit thread.
//
// RemoteEventStore is an EventStore like the others (it passes the same contract suite): the
// store the rest of the engine reaches (the operator's control stream, the learning loop, reads),
// each call one message. Its trail() is the Trail the engine records through. Errors come back
// with their own class. If the audit thread dies, every later call and write fails loudly, as a
// store that cannot write does.
import { getCompileCacheDir } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkControlType, kControlTypes, agentPerformanceStream, kAgentPerformanceType, kControlStream } from '../streams.ts';
import { EventStoreError, InvalidEventError } from '../errors.ts';
import { checkStreamName, checkSubscribe } from '../validate.ts';
import { ChangeSignal, SubscriptionSet, allPages, streamPages } from '../subscription.ts';
import type {
  AppendOptions, AppendResult, EventData, EventStore, EventStoreKind, ReadAllOptions, ReadStreamOptions, RecordedEvent,
  SubscribeOptions, Subscription,
} from '../types.ts';
import type { EventStoreConfig } from '../open.ts';
import { decisionLine } from '../../decision_log.ts';
import { inputsOf, packedInputsLength, packInputs, type InputsParts } from '../../decision_inputs.ts';
import type { Decision } from '../../../types.ts';
import type { AuditTrailOptions, AuditTrailStats, Trail } from '../../audit_trail.ts';
import {
  errorFromWire, kStatusBacklogged, kStatusBusBacklog, kStatusBusOverflow, kStatusDepth, kStatusWords, toWire, type WorkerBusStats, type FromWorker, type StoreMethod, type ToWorker,
  type TrailBatch, type WireRegistry, type WorkerTrailStats,
} from './wire.ts';

/** Decisions per batch message at most (a full batch is sent at once, not at the next drain tick). */
const kBatch = 512;
/** How often the main thread's drain sends what is queued (ms). */
const kDrainMs = 5;
/** A subscription re-reads this often even without a commit signal (commits by other processes). */
const kPollMs = 100;

interface Pending { resolve(v: unknown): void; reject(e: Error): void; onStats?(s: WorkerTrailStats | undefined, bus: WorkerBusStats | undefined): void }

/**
 * The audit thread's environment: the process's, with Node's module compile cache on (unless
 * NODE_DISABLE_COMPILE_CACHE is set). A new thread loads and type-strips its ~30 modules afresh;
 * with the cache (the process's own directory, NODE_COMPILE_CACHE, or Node's default under the
 * temporary directory) it reads them back instead, about half the thread's start-up CPU, which
 * the hot path shares the cores with.
 */
function workerEnv(): NodeJS.ProcessEnv {
  if (process.env.NODE_DISABLE_COMPILE_CACHE !== undefined) return process.env;
  const dir = getCompileCacheDir() ?? process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'node-compile-cache');
  return { ...process.env, NODE_COMPILE_CACHE: dir };
}

/** Opens the store named by `config` on a new audit thread; rejects with the store's own error if it cannot be opened. */
export async function openStoreThread(config: EventStoreConfig): Promise<RemoteEventStore> {
  const status = new SharedArrayBuffer(kStatusWords * 4);
  const worker = new Worker(new URL('./audit_worker.ts', import.meta.url), { workerData: { config, status }, env: workerEnv() });
  const kind = await new Promise<EventStoreKind>((resolve, reject) => {
    const onExit = (code: number): void => reject(new EventStoreError(`the audit thread exited (code ${code}) before the event store opened`));
    const onError = (err: Error): void => reject(new EventStoreError(`the audit thread failed to start: ${err.message}`, { cause: err }));
    worker.once('exit', onExit);
    worker.once('error', onError);
    worker.once('message', (m: FromWorker) => {
      worker.off('exit', onExit);
      worker.off('error', onError);
      if (m.op === 'opened') resolve(m.kind);
      else if (m.op === 'openFailed') { void worker.terminate(); reject(errorFromWire(m.error)); }
      else { void worker.terminate(); reject(new EventStoreError(`the audit thread answered ${m.op} before opening the store`)); }
    });
  });
  return new RemoteEventStore(worker, kind, new Int32Array(status));
}

export class RemoteEventStore implements EventStore {
  readonly kind: EventStoreKind;
  readonly #worker: Worker;
  readonly #status: Int32Array;
  readonly #calls = new Map<number, Pending>();
  readonly #signal = new ChangeSignal();
  readonly #subs = new SubscriptionSet();
  #watchers = 0;
  #seq = 0;
  #failed: Error | null = null;
  #closed = false;
  #trail: ThreadTrail | null = null;

  constructor(worker: Worker, kind: EventStoreKind, status: Int32Array) {
    this.#worker = worker;
    this.kind = kind;
    this.#status = status;
    worker.unref(); // it holds the process up only while an answer is awaited (a flush, a read), as a socket would
    worker.on('message', (m: FromWorker) => this.#onMessage(m));
    worker.on('error', (err: Error) => this.#fail(new EventStoreError(`the audit thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => { if (!this.#closed) this.#fail(new EventStoreError(`the audit thread exited (code ${code})`)); });
  }

  #onMessage(m: FromWorker): void {
    if (m.op === 'changed') { this.#signal.notify(); return; }
    if (m.op === 'failed') { this.#fail(errorFromWire(m.error)); return; }
    if (m.op !== 'reply') return;
    const p = this.#calls.get(m.id);
    if (p === undefined) return;
    this.#calls.delete(m.id);
    if (this.#calls.size === 0) this.#worker.unref();
    p.onStats?.(m.stats, m.bus);
    if (m.error !== undefined) p.reject(errorFromWire(m.error));
    else p.resolve(m.value);
  }

  #fail(err: Error): void {
    if (this.#failed !== null) return;
    this.#failed = err;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const c of calls) c.reject(err);
    this.#signal.notify();
  }

  /** Why the audit thread can no longer be used (it died, or its trail failed), or null. */
  get failure(): Error | null { return this.#failed; }

  /** Ends the audit thread at once, as a crash of it would (for tests of what the engine does then). */
  async crashForTest(): Promise<void> {
    await this.#worker.terminate();
  }

  /** Sends a message (with transferables); throws the failure if the audit thread is gone. */
  post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    if (this.#failed !== null) throw this.#failed;
    this.#worker.postMessage(m, transfer);
  }

  /** A request that the audit thread answers. */
  request<T>(make: (id: number) => ToWorker, onStats?: Pending['onStats']): Promise<T> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    const id = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      this.#calls.set(id, { resolve: resolve as (v: unknown) => void, reject, onStats });
      if (this.#calls.size === 1) this.#worker.ref();
      try {
        this.#worker.postMessage(make(id));
      } catch (err) {
        this.#calls.delete(id);
        reject(err as Error);
      }
    });
  }

  #call<T>(method: StoreMethod, args: unknown[]): Promise<T> {
    if (this.#closed && method !== 'close') return Promise.reject(new EventStoreError('event store is closed'));
    return this.request<T>((id) => ({ op: 'call', id, method, args }));
  }

  /** The audit thread's status words: the trail's queued items and whether it is backlogged. */
  get queued(): number { return Atomics.load(this.#status, kStatusDepth); }
  get backloggedThere(): boolean { return Atomics.load(this.#status, kStatusBacklogged) === 1; }
  /** The audit thread's bus: unconfirmed messages now, and those refused with its buffer full. */
  get busBacklog(): number { return Atomics.load(this.#status, kStatusBusBacklog); }
  get busOverflow(): number { return Atomics.load(this.#status, kStatusBusOverflow); }

  async append(stream: string, events: EventData | readonly EventData[], options?: AppendOptions): Promise<AppendResult> {
    const wire = Array.isArray(events) ? (events as readonly EventData[]).map(toWire) : toWire(events as EventData);
    const r = await this.#call<AppendResult>('append', [stream, wire, options]);
    this.#signal.notify();
    return r;
  }

  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> { return this.#call('readStream', [stream, options]); }
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> { return this.#call('readAll', [options]); }
  streamRevision(stream: string): Promise<number | null> { return this.#call('streamRevision', [stream]); }

  #watch(): () => Promise<void> {
    if (this.#watchers++ === 0 && this.#failed === null) this.#worker.postMessage({ op: 'watch', on: true } satisfies ToWorker);
    return async () => {
      if (--this.#watchers === 0 && this.#failed === null && !this.#closed) this.#worker.postMessage({ op: 'watch', on: false } satisfies ToWorker);
    };
  }

  subscribeToStream(stream: string, options: SubscribeOptions): Subscription {
    checkStreamName(stream);
    const from = checkSubscribe(`subscribe to stream "${stream}"`, options);
    return this.#subs.start(streamPages(this, stream, this.#signal, kPollMs), options, from, this.#watch());
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    const from = checkSubscribe('subscribe to all', options);
    return this.#subs.start(allPages(this, () => this.#call<number | null>('lastPosition', []), this.#signal, kPollMs), options, from, this.#watch());
  }

  /** The audit trail on this store, kept on the audit thread (one per store). */
  async trail(options: AuditTrailOptions & { bus?: { url: string; prefix: string; lingerMs?: number } | null } = {}): Promise<ThreadTrail> {
    if (this.#trail !== null) throw new EventStoreError('this event store already has its audit trail');
    await this.request((id) => ({ op: 'trail', id, options: { whenFull: options.whenFull, capacity: options.capacity, bus: options.bus ?? null } }));
    this.#trail = new ThreadTrail(this, options);
    return this.#trail;
  }

  /** Stops the subscriptions, closes the store (through its trail, flushed, if it has one) and ends the audit thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#subs.stopAll();
    try {
      if (this.#trail !== null) await this.#trail.close();
      else if (this.#failed === null) await this.#call('close', []);
    } finally {
      this.#closed = true;
      await this.#worker.terminate();
    }
  }

  /** Marks the store closed once the trail has closed it on the audit thread. */
  async closedByTrail(): Promise<void> {
    await this.#subs.stopAll();
    this.#closed = true;
    await this.#worker.terminate();
  }
}

/**
 * The Trail of a RemoteEventStore: decisions and other appends queued on the main thread and sent
 * to the audit thread in batches; flush, relieve and close answered from there.
 */
export class ThreadTrail implements Trail {
  readonly store: RemoteEventStore;
  readonly #options: AuditTrailOptions;
  #decisions: Decision[] = [];
  #appends: TrailBatch['appends'] = [];
  readonly #regs = new WeakMap<InputsParts['registry'], { rid: number; sent: number }>();
  #nextReg = 0;
  readonly #timer: NodeJS.Timeout;
  #kicked = false;
  #closed = false;
  #written = 0;
  #last: WorkerTrailStats | undefined;
  #bus: WorkerBusStats | undefined;
  readonly #keep = (s: WorkerTrailStats | undefined, b: WorkerBusStats | undefined): void => { this.#last = s; if (b !== undefined) this.#bus = b; };

  constructor(store: RemoteEventStore, options: AuditTrailOptions) {
    this.store = store;
    this.#options = options;
    this.#timer = setInterval(() => this.#send(), kDrainMs);
    this.#timer.unref();
  }

  #check(what: string): void {
    if (this.#closed) throw new InvalidEventError(`audit trail is closed: cannot append ${what}`);
    const f = this.store.failure;
    if (f !== null) throw f; // the audit thread is gone: every later write fails loudly
  }

  /** Queues a decision (its captured inputs ride along); executed ones also get an outcome, on the audit thread. */
  decision(d: Decision): void {
    this.#check('a decision');
    this.#decisions.push(d);
    this.#written++;
    if (this.#decisions.length === kBatch && !this.#kicked) {
      this.#kicked = true;
      setImmediate(() => { this.#kicked = false; this.#send(); }); // once per full batch, not per decision
    }
  }

  performance(agentId: string, record: object): boolean {
    return this.append(agentPerformanceStream(agentId), kAgentPerformanceType, record);
  }

  control(type: (typeof kControlTypes)[number], data: object): boolean {
    return this.append(kControlStream, checkControlType(type), data);
  }

  append(stream: string, type: string, data: object, metadata?: object): boolean {
    this.#check(`to "${stream}"`);
    checkStreamName(stream);
    this.#appends.push({ stream, type, data: toWire({ type, data, ...(metadata !== undefined ? { metadata } : {}) }) });
    this.#written++;
    return !(this.#options.whenFull === 'drop' && this.store.backloggedThere && this.store.queued >= (this.#options.capacity ?? 8192));
  }

  /** Sends what is queued: one message, the inputs' numbers in one transferred buffer. */
  #send(): void {
    const ds = this.#decisions, appends = this.#appends;
    if (ds.length === 0 && appends.length === 0) return;
    if (this.store.failure !== null) return; // kept: flush() and the next write report the failure
    this.#decisions = [];
    this.#appends = [];
    const regs: WireRegistry[] = [];
    let size = 0;
    for (const d of ds) {
      const x = inputsOf(d);
      size += 2;
      if (x === undefined) continue;
      size += packedInputsLength(x);
      let r = this.#regs.get(x.registry);
      if (r === undefined) { r = { rid: this.#nextReg++, sent: 0 }; this.#regs.set(x.registry, r); }
      const meta = x.registry.meta;
      if (meta.length > r.sent) { // new, or grown (an open universe): the slots it has not sent yet
        const add: { key: string; kind: number }[] = [];
        for (let s = r.sent; s < meta.length; s++) add.push({ key: meta[s]!.key, kind: meta[s]!.kind });
        regs.push({ rid: r.rid, from: r.sent, meta: add });
        r.sent = meta.length;
      }
    }
    const values = new Float64Array(size);
    const lines: string[] = new Array(ds.length);
    let at = 0;
    for (let i = 0; i < ds.length; i++) {
      const d = ds[i]!;
      lines[i] = decisionLine(d);
      const x = inputsOf(d);
      if (x === undefined) { values[at] = -1; values[at + 1] = 0; at += 2; continue; }
      values[at] = this.#regs.get(x.registry)!.rid;
      values[at + 1] = x.realizesPnl ? 1 : 0;
      at = packInputs(values, at + 2, x);
    }
    try {
      this.store.post({ op: 'batch', regs, count: ds.length, values, lines: lines.join('\n'), appends }, [values.buffer as ArrayBuffer]);
    } catch {
      // the audit thread is gone: store.failure says why, and flush() and the next write throw it
    }
  }

  get backlogged(): boolean {
    return this.#decisions.length + this.#appends.length >= kBatch * 4 || this.store.backloggedThere;
  }

  async relieve(): Promise<void> {
    this.#send();
    if (!this.store.backloggedThere) return;
    await this.store.request((id) => ({ op: 'relieve', id }), this.#keep);
  }

  async flush(): Promise<void> {
    this.#send();
    await this.store.request((id) => ({ op: 'flush', id }), this.#keep);
  }

  /** Flushes every stream, closes the store on the audit thread and ends the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    try {
      this.#send();
      await this.store.request((id) => ({ op: 'trailClose', id }), this.#keep);
    } finally {
      this.#closed = true;
      await this.store.closedByTrail();
    }
  }

  /** The bus of the audit thread (approved actions), as of the last flush or the close; undefined: none. */
  busStats(): WorkerBusStats | undefined { return this.#bus; }

  stats(): AuditTrailStats {
    const s = this.#last;
    const queuedHere = this.#decisions.length + this.#appends.length;
    return {
      store: this.store.kind, streams: s?.streams ?? 0, written: Math.max(this.#written, s?.written ?? 0), appended: s?.appended ?? 0,
      dropped: s?.dropped ?? 0, overflowed: s?.overflowed ?? 0, rejected: s?.rejected ?? 0,
      depth: this.#closed ? (s?.depth ?? 0) : this.store.queued + queuedHere, maxDepth: s?.maxDepth ?? 0,
      stalls: s?.stalls ?? 0, stallMs: s?.stallMs ?? 0, errors: s?.errors ?? 0, lastError: s?.lastError ?? null,
      inputsFormatted: s?.inputsFormatted ?? 0, inputsBatches: s?.inputsBatches ?? 0, onThread: true, threadNice: s?.threadNice ?? null,
    };
  }
}
