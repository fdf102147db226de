// The KurrentDB adapter, for production event sourcing: the port mapped onto appendToStream (with
// the expected revision as the stream state), readStream and readAll (system events excluded).
// Subscriptions deliver through the same page loop as the other adapters (so the catch-up to live
// hand-off and the exclusive checkpoint behave identically everywhere); a native subscribeToStream
// or subscribeToAll from the end wakes the loop on each commit, and it re-reads every pollMs in
// case a wake-up was missed while the native subscription was starting or reconnecting.
import { BACKWARDS, FORWARDS, END, KurrentDBClient, excludeSystemEvents, jsonEvent, type AllStreamSubscription, type StreamSubscription } from '@kurrent/kurrentdb-client';
import { EventStoreError, InvalidEventError } from '../errors.ts';
import { ChangeSignal, SubscriptionSet, streamPages } from '../subscription.ts';
import type { AppendOptions, AppendResult, EventData, EventStore, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeOptions, Subscription } from '../types.ts';
import { checkExpectedRevision, checkMaxEventBytes, checkReadAll, checkReadStream, checkStreamName, checkSubscribe, prepareEvents, preview } from '../validate.ts';
import { isKurrentUrl } from './url.ts';
import { isStreamNotFound, mapError, positionNumber, toReadPosition, toReadRevision, toRecorded, toStreamState } from './mapping.ts';

const kOptionKeys = new Set(['url', 'pollMs', 'probe', 'maxEventBytes']);

export interface KurrentStoreOptions {
  /** A KurrentDB connection string, e.g. kurrentdb://127.0.0.1:2113?tls=false. */
  url: string;
  /** Subscriptions re-read at least this often (ms, default 500). */
  pollMs?: number;
  /** Read once on open so a wrong address fails at start (default true). */
  probe?: boolean;
  maxEventBytes?: number;
}

export async function openKurrentStore(options: KurrentStoreOptions): Promise<KurrentEventStore> {
  for (const k of Object.keys(options)) {
    if (!kOptionKeys.has(k)) throw new InvalidEventError(`KurrentDB event store: unknown option "${k}" (options: ${[...kOptionKeys].join(', ')})`);
  }
  const { url } = options;
  if (typeof url !== 'string' || !isKurrentUrl(url)) {
    throw new InvalidEventError(`KurrentDB event store: url must be a connection string like kurrentdb://host:2113?tls=false, got ${preview(url)}`);
  }
  const pollMs = options.pollMs ?? 500;
  if (typeof pollMs !== 'number' || !Number.isSafeInteger(pollMs) || pollMs < 10 || pollMs > 600_000) {
    throw new InvalidEventError(`KurrentDB event store: pollMs must be an integer from 10 to 600000, got ${preview(pollMs)}`);
  }
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(url);
  } catch (err) {
    throw new InvalidEventError(`KurrentDB event store: bad connection string ${preview(url)}: ${((err as Error).message ?? '').split('\n')[0]}`);
  }
  const store = new KurrentEventStore(client, pollMs, checkMaxEventBytes(options.maxEventBytes, 'maxEventBytes'));
  if (options.probe !== false) {
    try {
      await store.streamRevision('lucent-probe');
    } catch (err) {
      await client.dispose().catch(() => undefined);
      throw err;
    }
  }
  return store;
}

export class KurrentEventStore implements EventStore {
  readonly kind = 'kurrentdb' as const;
  readonly #client: KurrentDBClient;
  readonly #pollMs: number;
  readonly #maxEventBytes: number;
  readonly #subs = new SubscriptionSet();
  #closed = false;

  constructor(client: KurrentDBClient, pollMs: number, maxEventBytes: number) {
    this.#client = client;
    this.#pollMs = pollMs;
    this.#maxEventBytes = maxEventBytes;
  }

  #checkOpen(): void {
    if (this.#closed) throw new EventStoreError('KurrentDB event store is closed');
  }

  async append(stream: string, events: EventData | readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    this.#checkOpen();
    checkStreamName(stream);
    const expected = checkExpectedRevision(stream, options?.expectedRevision);
    const list = Array.isArray(events) ? events as readonly EventData[] : [events as EventData];
    const prepared = prepareEvents(stream, list, this.#maxEventBytes);
    // The client serialises data with JSON.stringify, which gives back the checked text exactly
    // (a JsonText serialises through its toJSON(): the value its text parses to).
    const data = prepared.map((e, i) => jsonEvent({ id: e.id, type: e.type, data: list[i].data as Record<string, unknown>, metadata: (list[i].metadata ?? {}) as Record<string, unknown> }));
    try {
      const r = await this.#client.appendToStream(stream, data, { streamState: toStreamState(expected) });
      return { nextExpectedRevision: Number(r.nextExpectedRevision), position: positionNumber(r.position, undefined) };
    } catch (err) {
      throw mapError(`append to stream "${stream}"`, stream, expected, err);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#checkOpen();
    checkStreamName(stream);
    const r = checkReadStream(stream, options);
    if (r.direction === 'forwards' && r.from === 'end') return [];
    const out: RecordedEvent[] = [];
    try {
      for await (const e of this.#client.readStream(stream, { direction: r.direction === 'forwards' ? FORWARDS : BACKWARDS, fromRevision: toReadRevision(r.from), maxCount: r.maxCount })) {
        const rec = toRecorded(e);
        if (rec) out.push(rec);
      }
    } catch (err) {
      if (isStreamNotFound(err)) return [];
      throw mapError(`read stream "${stream}"`, stream, 'any', err);
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.#checkOpen();
    const r = checkReadAll(options);
    if (r.direction === 'forwards' && r.from === 'end') return [];
    const out: RecordedEvent[] = [];
    try {
      for await (const e of this.#client.readAll({ direction: r.direction === 'forwards' ? FORWARDS : BACKWARDS, fromPosition: toReadPosition(r.from), maxCount: r.maxCount, filter: excludeSystemEvents() })) {
        const rec = toRecorded(e);
        if (rec && !rec.stream.startsWith('$')) out.push(rec);
      }
    } catch (err) {
      throw mapError('read all', '$all', 'any', err);
    }
    return out;
  }

  async streamRevision(stream: string): Promise<number | null> {
    const last = await this.readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 });
    return last.length === 0 ? null : last[0].revision;
  }

  /** A native subscription from the end whose only job is to wake the page loop; returns its stop. */
  #wakeOn(native: StreamSubscription | AllStreamSubscription, signal: ChangeSignal): () => Promise<void> {
    native.on('data', () => signal.notify());
    native.on('error', () => undefined); // polling goes on; a stopped store ends it
    return async () => { await native.unsubscribe().catch(() => undefined); };
  }

  subscribeToStream(stream: string, options: SubscribeOptions): Subscription {
    checkStreamName(stream);
    const from = checkSubscribe(`subscribe to stream "${stream}"`, options);
    this.#checkOpen();
    const signal = new ChangeSignal();
    const stopNative = this.#wakeOn(this.#client.subscribeToStream(stream, { fromRevision: END }), signal);
    return this.#subs.start(streamPages(this, stream, signal, this.#pollMs), options, from, stopNative);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    const from = checkSubscribe('subscribe to all', options);
    this.#checkOpen();
    const signal = new ChangeSignal();
    const stopNative = this.#wakeOn(this.#client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() }), signal);
    return this.#subs.start({
      // Read from the checkpoint itself (a real log position) and drop it: a made-up position such
      // as checkpoint + 1 need not fall on a record boundary of the server's log.
      readAfter: async (after, max) => {
        if (after === null) return this.readAll({ fromPosition: 'start', maxCount: max });
        const page = await this.readAll({ fromPosition: after, maxCount: max + 1 });
        return page.filter((e) => e.position > after).slice(0, max);
      },
      key: (e) => e.position,
      head: async () => {
        const last = await this.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 });
        return last.length === 0 ? null : last[0].position;
      },
      signal,
      pollMs: this.#pollMs,
    }, options, from, stopNative);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#subs.stopAll();
    await this.#client.dispose();
  }
}
