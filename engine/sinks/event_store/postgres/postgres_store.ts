// The PostgreSQL adapter: several engine processes (a Kafka scale-out) share one audit trail, with
// optimistic concurrency on each stream enforced inside the server (schema.ts: one append() call,
// one round trip, all or nothing). Subscriptions read pages through the same queries as reads and
// wake on LISTEN/NOTIFY; they also re-read every pollMs, so a notification lost while the listening
// connection was down delays delivery by at most that interval and loses nothing.
import pg from 'pg';
import { EventStoreError, InvalidEventError, WrongExpectedRevisionError } from '../errors.ts';
import { ChangeSignal, SubscriptionSet, allPages, streamPages } from '../subscription.ts';
import type { AppendOptions, AppendResult, EventData, EventStore, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeOptions, Subscription } from '../types.ts';
import { checkExpectedRevision, checkMaxEventBytes, checkReadAll, checkReadStream, checkStreamName, checkSubscribe, prepareEvents, preview } from '../validate.ts';
import { channelName, kConflictState, kExpectAny, kExpectNoStream, kExpectStreamExists, kSchemaPattern, schemaSql } from './schema.ts';

export const kDefaultSchema = 'lucent_audit';
const kMaxBigint = '9223372036854775807';
const kOptionKeys = new Set(['url', 'schema', 'poolSize', 'pollMs', 'connectTimeoutMs', 'maxEventBytes']);

export interface PostgresStoreOptions {
  /** postgres://user@host:port/database; a `schema` query parameter names the schema. */
  url: string;
  /** Schema holding the tables (default from the URL's ?schema=, else lucent_audit). */
  schema?: string;
  /** Connections in the pool (default 4). */
  poolSize?: number;
  /** Subscriptions re-read at least this often (ms, default 1000). */
  pollMs?: number;
  /** Connecting gives up after this long (ms, default 5000). */
  connectTimeoutMs?: number;
  maxEventBytes?: number;
}

interface Resolved { url: string; where: string; schema: string; poolSize: number; pollMs: number; connectTimeoutMs: number; maxEventBytes: number }

function intOption(o: Record<string, unknown>, key: string, def: number, min: number, max: number): number {
  const v = o[key] ?? def;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new InvalidEventError(`PostgreSQL event store: ${key} must be an integer from ${min} to ${max}, got ${preview(v)}`);
  }
  return v;
}

function resolveOptions(o: PostgresStoreOptions): Resolved {
  for (const k of Object.keys(o)) {
    if (!kOptionKeys.has(k)) throw new InvalidEventError(`PostgreSQL event store: unknown option "${k}" (options: ${[...kOptionKeys].join(', ')})`);
  }
  let u: URL;
  try {
    u = new URL(o.url);
  } catch {
    throw new InvalidEventError(`PostgreSQL event store: url must be a connection string like postgres://user@host:5432/database, got ${preview(o.url)}`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new InvalidEventError(`PostgreSQL event store: url must start with postgres:// or postgresql://, got ${preview(o.url)}`);
  }
  const schema = o.schema ?? u.searchParams.get('schema') ?? kDefaultSchema;
  u.searchParams.delete('schema');
  if (typeof schema !== 'string' || !kSchemaPattern.test(schema)) {
    throw new InvalidEventError(`PostgreSQL event store: schema must be 1 to 55 lower-case letters, digits or '_' (not starting with a digit), got ${preview(schema)}`);
  }
  const r = o as unknown as Record<string, unknown>;
  return {
    url: u.toString(),
    where: `${u.hostname}:${u.port || '5432'}${u.pathname}`,
    schema,
    poolSize: intOption(r, 'poolSize', 4, 1, 100),
    pollMs: intOption(r, 'pollMs', 1000, 10, 600_000),
    connectTimeoutMs: intOption(r, 'connectTimeoutMs', 5000, 100, 600_000),
    maxEventBytes: checkMaxEventBytes(o.maxEventBytes, 'maxEventBytes'),
  };
}

interface Row { position: string; stream: string; revision: string; id: string; type: string; data: unknown; metadata: unknown; created: Date }

function toEvent(r: Row): RecordedEvent {
  return { stream: r.stream, revision: Number(r.revision), position: Number(r.position), id: r.id, type: r.type, data: r.data, metadata: r.metadata, created: r.created };
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresEventStore> {
  const o = resolveOptions(options);
  const pool = new pg.Pool({ connectionString: o.url, max: o.poolSize, connectionTimeoutMillis: o.connectTimeoutMs, application_name: 'lucent-event-store' });
  pool.on('error', () => undefined); // an idle connection dropped by the server: the next query takes a fresh one
  const store = new PostgresEventStore(o, pool);
  let client: pg.PoolClient | null = null;
  try {
    client = await pool.connect();
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`lucent-event-store:${o.schema}`]);
    await client.query(schemaSql(o.schema));
    await client.query('commit');
  } catch (err) {
    await client?.query('rollback').catch(() => undefined);
    client?.release();
    client = null;
    await pool.end().catch(() => undefined);
    throw store.failure('cannot open', err);
  }
  client.release();
  return store;
}

export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  readonly #o: Resolved;
  readonly #pool: pg.Pool;
  readonly #t: string;
  readonly #signal = new ChangeSignal();
  readonly #subs = new SubscriptionSet();
  #listener: pg.Client | null = null;
  #listening: Promise<void> | null = null;
  #closed = false;

  constructor(o: Resolved, pool: pg.Pool) {
    this.#o = o;
    this.#pool = pool;
    this.schema = o.schema;
    this.#t = `"${o.schema}"`;
  }

  /** A one-line error for a failed server call. Connection trouble is retriable. */
  failure(what: string, err: unknown): Error {
    if (err instanceof WrongExpectedRevisionError || err instanceof InvalidEventError) return err;
    const e = err as { message?: string; code?: string };
    const retriable = e.code === undefined || /^(08|57P|53)/.test(e.code) || /ECONNREFUSED|ECONNRESET|timeout|terminat/i.test(e.message ?? '');
    return new EventStoreError(`PostgreSQL event store ${this.#o.where} (schema ${this.#o.schema}): ${what}: ${(e.message ?? String(err)).split('\n')[0]}`, { retriable, cause: err });
  }

  #checkOpen(): void {
    if (this.#closed) throw new EventStoreError(`PostgreSQL event store ${this.#o.where} (schema ${this.#o.schema}) is closed`);
  }

  async #query<R extends pg.QueryResultRow>(what: string, text: string, values: unknown[]): Promise<R[]> {
    try {
      return (await this.#pool.query<R>(text, values)).rows;
    } catch (err) {
      throw this.failure(what, err);
    }
  }

  async append(stream: string, events: EventData | readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    this.#checkOpen();
    checkStreamName(stream);
    const expected = checkExpectedRevision(stream, options?.expectedRevision);
    const prepared = prepareEvents(stream, events, this.#o.maxEventBytes);
    const code = expected === 'any' ? kExpectAny : expected === 'no_stream' ? kExpectNoStream : expected === 'stream_exists' ? kExpectStreamExists : expected;
    let rows: { next_revision: string; last_position: string }[];
    try {
      rows = (await this.#pool.query<{ next_revision: string; last_position: string }>(
        `select next_revision, last_position from ${this.#t}.append($1, $2, $3::uuid[], $4::text[], $5::json[], $6::json[])`,
        [stream, code, prepared.map((e) => e.id), prepared.map((e) => e.type), prepared.map((e) => e.data), prepared.map((e) => e.metadata)],
      )).rows;
    } catch (err) {
      const e = err as { code?: string; detail?: string };
      if (e.code === kConflictState) {
        throw new WrongExpectedRevisionError(stream, expected, e.detail === 'no_stream' || e.detail === undefined ? 'no_stream' : Number(e.detail), { cause: err });
      }
      throw this.failure(`append to stream "${stream}"`, err);
    }
    return { nextExpectedRevision: Number(rows[0].next_revision), position: Number(rows[0].last_position) };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#checkOpen();
    checkStreamName(stream);
    const r = checkReadStream(stream, options);
    const cols = 'position, stream, revision, id, type, data, metadata, created';
    if (r.direction === 'forwards') {
      if (r.from === 'end') return [];
      const rows = await this.#query<Row>(`read stream "${stream}"`, `select ${cols} from ${this.#t}.events where stream = $1 and revision >= $2 order by revision limit $3`, [stream, r.from === 'start' ? 0 : r.from, r.maxCount]);
      return rows.map(toEvent);
    }
    const from = r.from === 'end' ? kMaxBigint : r.from === 'start' ? 0 : r.from;
    const rows = await this.#query<Row>(`read stream "${stream}"`, `select ${cols} from ${this.#t}.events where stream = $1 and revision <= $2 order by revision desc limit $3`, [stream, from, r.maxCount]);
    return rows.map(toEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.#checkOpen();
    const r = checkReadAll(options);
    const cols = 'position, stream, revision, id, type, data, metadata, created';
    if (r.direction === 'forwards') {
      if (r.from === 'end') return [];
      const rows = await this.#query<Row>('read all', `select ${cols} from ${this.#t}.events where position >= $1 order by position limit $2`, [r.from === 'start' ? 0 : r.from, r.maxCount]);
      return rows.map(toEvent);
    }
    const from = r.from === 'end' ? kMaxBigint : r.from === 'start' ? 0 : r.from;
    const rows = await this.#query<Row>('read all', `select ${cols} from ${this.#t}.events where position <= $1 order by position desc limit $2`, [from, r.maxCount]);
    return rows.map(toEvent);
  }

  async streamRevision(stream: string): Promise<number | null> {
    this.#checkOpen();
    checkStreamName(stream);
    const rows = await this.#query<{ revision: string }>(`revision of stream "${stream}"`, `select revision from ${this.#t}.streams where stream = $1`, [stream]);
    return rows.length === 0 ? null : Number(rows[0].revision);
  }

  async #lastPosition(): Promise<number | null> {
    const rows = await this.#query<{ position: string }>('head position', `select position from ${this.#t}.head`, []);
    const p = Number(rows[0]?.position ?? -1);
    return p < 0 ? null : p;
  }

  /** Starts the LISTEN connection once; on loss it reconnects (polling covers the gap). */
  #listen(): void {
    if (this.#listening || this.#closed) return;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: this.#o.url, connectionTimeoutMillis: this.#o.connectTimeoutMs, application_name: 'lucent-event-store-listen' });
      c.on('notification', () => this.#signal.notify());
      c.on('error', () => {
        if (this.#listener === c) this.#listener = null;
        c.end().catch(() => undefined);
        if (!this.#closed) setTimeout(() => { this.#listening = null; this.#listen(); }, this.#o.pollMs).unref();
      });
      await c.connect();
      await c.query(`listen "${channelName(this.#o.schema)}"`);
      if (this.#closed) { await c.end(); return; }
      this.#listener = c;
      this.#signal.notify(); // re-read: something may have been committed while not listening
    };
    this.#listening = connect().catch(() => {
      if (!this.#closed) setTimeout(() => { this.#listening = null; this.#listen(); }, this.#o.pollMs).unref();
    });
  }

  subscribeToStream(stream: string, options: SubscribeOptions): Subscription {
    checkStreamName(stream);
    const from = checkSubscribe(`subscribe to stream "${stream}"`, options);
    this.#checkOpen();
    this.#listen();
    return this.#subs.start(streamPages(this, stream, this.#signal, this.#o.pollMs), options, from);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    const from = checkSubscribe('subscribe to all', options);
    this.#checkOpen();
    this.#listen();
    return this.#subs.start(allPages(this, () => this.#lastPosition(), this.#signal, this.#o.pollMs), options, from);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#subs.stopAll();
    await this.#listening;
    await this.#listener?.end().catch(() => undefined);
    this.#listener = null;
    await this.#pool.end();
  }
}
