// What crosses the thread boundary between the engine's main thread and the audit thread
// (audit_thread.ts, audit_worker.ts): the messages, errors rebuilt with their own class on the
// main thread (so `instanceof WrongExpectedRevisionError` works across the boundary), and events
// whose data or metadata is a JsonText (already serialised text, kept verbatim) sent as their text.
import { JsonText } from '../../json_text.ts';
import { CorruptLogError, EventStoreError, InvalidEventError, WrongExpectedRevisionError } from '../errors.ts';
import type { EventData } from '../types.ts';
import type { AuditTrailStats } from '../../audit_trail.ts';

/** An event as it crosses: a JsonText's text in dataText / metadataText, anything else cloned. */
export interface WireEvent {
  id?: string;
  type: string;
  data?: unknown;
  dataText?: string;
  metadata?: unknown;
  metadataText?: string;
}

export function toWire(e: EventData): WireEvent {
  if (e === null || typeof e !== 'object') return e as WireEvent; // the store names what is wrong with it
  const w: WireEvent = { type: e.type };
  if (e.id !== undefined) w.id = e.id;
  if (e.data instanceof JsonText) w.dataText = e.data.text;
  else w.data = e.data;
  if (e.metadata instanceof JsonText) w.metadataText = e.metadata.text;
  else if (e.metadata !== undefined) w.metadata = e.metadata;
  return w;
}

export function fromWire(w: WireEvent): EventData {
  if (w === null || typeof w !== 'object') return w as EventData;
  const e: EventData = { type: w.type, data: w.dataText !== undefined ? new JsonText(w.dataText) : w.data };
  if (w.id !== undefined) e.id = w.id;
  if (w.metadataText !== undefined) e.metadata = new JsonText(w.metadataText);
  else if ('metadata' in w) e.metadata = w.metadata;
  return e;
}

/** An error as it crosses: its class name and the fields that class carries. */
export interface WireError {
  name: string;
  message: string;
  stream?: string;
  expected?: string | number;
  actual?: number | 'no_stream';
  offset?: number;
  index?: number;
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof WrongExpectedRevisionError) return { name: err.name, message: err.message, stream: err.stream, expected: err.expected, actual: err.actual };
  if (err instanceof CorruptLogError) return { name: err.name, message: err.message, offset: err.offset, index: err.index };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

export function errorFromWire(w: WireError): Error {
  switch (w.name) {
    case 'WrongExpectedRevisionError': return new WrongExpectedRevisionError(w.stream!, w.expected!, w.actual!);
    case 'CorruptLogError': { const e = new CorruptLogError(w.message, w.offset!, w.index!); return e; }
    case 'InvalidEventError': return new InvalidEventError(w.message);
    case 'EventStoreError': return new EventStoreError(w.message);
    default: { const e = new Error(w.message); e.name = w.name; return e; }
  }
}

/** The store methods served across the boundary. */
export type StoreMethod = 'append' | 'readStream' | 'readAll' | 'streamRevision' | 'lastPosition' | 'close';

/** A registry's slot keys and kinds, sent once and then as it grows (meta[from..]). */
export interface WireRegistry { rid: number; from: number; meta: { key: string; kind: number }[] }

/**
 * One batch of the trail, posted by the main thread's drain (never one message per decision).
 * Per decision, in `values`: registry id (-1: no inputs captured), realises PnL (0/1), then with
 * inputs: cycle, n instruments, r record values, n slots, n × kFieldCount state values, r record
 * values. `lines`: the decisions' log lines joined by \n (a log line holds no raw newline; one
 * string clones several times faster than an array of them); a decision's instruments are its line's own. `appends`: the other streams' events (control, performance, ...), in order.
 */
export interface TrailBatch {
  op: 'batch';
  regs: WireRegistry[];
  count: number;
  values: Float64Array;
  lines: string;
  appends: { stream: string; type: string; data: WireEvent }[];
}

export interface TrailOptionsWire {
  whenFull?: 'overflow' | 'drop';
  capacity?: number;
  /** Approved actions published from the audit thread on this bus (RabbitMQ URL and name prefix). */
  bus?: { url: string; prefix: string; lingerMs?: number } | null;
}

/** The bus's counts as the audit thread reports them (its BusPublisher's stats, and what close left). */
export interface WorkerBusStats { published: number; confirmed: number; overflow: number; buffered: number; inFlight: number; unconfirmedAtStop: number }

/** Main thread → audit thread. */
export type ToWorker =
  | { op: 'call'; id: number; method: StoreMethod; args: unknown[] }
  | TrailBatch
  | { op: 'trail'; id: number; options: TrailOptionsWire }
  | { op: 'flush'; id: number }
  | { op: 'relieve'; id: number }
  | { op: 'trailClose'; id: number }
  | { op: 'watch'; on: boolean };

/** Audit thread → main thread. */
export type FromWorker =
  | { op: 'opened'; kind: 'embedded' | 'postgres' | 'kurrentdb' }
  | { op: 'openFailed'; error: WireError }
  | { op: 'reply'; id: number; value?: unknown; error?: WireError; stats?: WorkerTrailStats; bus?: WorkerBusStats }
  | { op: 'changed' }
  | { op: 'failed'; error: WireError };

/** The trail's stats as the audit thread keeps them. */
export type WorkerTrailStats = AuditTrailStats;

/** Status words the audit thread keeps in shared memory for the main thread (read without a message). */
export const kStatusDepth = 0;
export const kStatusBacklogged = 1;
/** The bus's unconfirmed messages (buffered and in flight), and its overflow count. */
export const kStatusBusBacklog = 2;
export const kStatusBusOverflow = 3;
export const kStatusWords = 4;

/**
 * The audit thread's nice value (Linux: per thread). Its work is background work: where the cores
 * are all busy (the main thread, agent threads, V8's own background threads), the scheduler gives
 * the hot path the core first, and the trail catches up in the gaps (falling behind shows as
 * backlog, and the engine's relieve() waits at a chunk boundary, counted).
 */
export const kAuditThreadNice = 10;
