// Checks every argument of the port before an adapter sees it, so all adapters reject the same
// input with the same one-line message, and turns events into the JSON text that is stored.
import { randomUUID } from 'node:crypto';
import { InvalidEventError } from './errors.ts';
import { JsonText } from '../json_text.ts';
import type { Direction, EventData, ExpectedRevision, ReadAllOptions, ReadStreamOptions, SubscribeOptions } from './types.ts';

/** Largest stream name, in characters. */
export const kMaxStreamNameLength = 200;
/** Largest event type, in characters. */
export const kMaxTypeLength = 128;
/** Default cap on one event: type + data + metadata as stored (UTF-8 bytes). A decision is about 0.5 KB. */
export const kDefaultMaxEventBytes = 256 * 1024;
/** Hard cap on one append (all or nothing): events and bytes. */
export const kMaxEventsPerAppend = 10_000;
export const kMaxAppendBytes = 16 * 1024 * 1024;
/** Reads return at most this many events unless maxCount says otherwise. */
export const kDefaultMaxCount = 4096;
export const kMaxReadCount = 100_000;

const kStreamName = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const kEventType = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const kUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An event ready to store: its id, type, and data and metadata as JSON text. */
export interface PreparedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
  /** UTF-8 bytes of data and metadata (measured once here; the embedded log writes the text into its frame without measuring again). */
  dataBytes: number;
  metadataBytes: number;
}

/** A short quoted preview of a bad value for an error message. */
export function preview(v: unknown): string {
  let s: string;
  try { s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(JSON.stringify(v) ?? String(v)); } catch { s = String(v); }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function checkStreamName(stream: unknown): string {
  if (typeof stream !== 'string') throw new InvalidEventError(`stream name must be a string, got ${preview(stream)}`);
  if (stream.length === 0) throw new InvalidEventError('stream name must not be empty');
  if (stream.length > kMaxStreamNameLength) {
    throw new InvalidEventError(`stream name ${preview(stream)} is ${stream.length} characters long; the limit is ${kMaxStreamNameLength}`);
  }
  if (!kStreamName.test(stream)) {
    throw new InvalidEventError(`stream name ${preview(stream)} is invalid: it must start with a letter or digit and hold only letters, digits, '-', '_', '.', ':'`);
  }
  return stream;
}

export function checkExpectedRevision(stream: string, e: unknown): ExpectedRevision {
  if (e === undefined) return 'any';
  if (e === 'any' || e === 'no_stream' || e === 'stream_exists') return e;
  if (typeof e === 'number' && Number.isSafeInteger(e) && e >= 0) return e;
  throw new InvalidEventError(`append to stream "${stream}": expectedRevision must be 'any', 'no_stream', 'stream_exists' or a revision (an integer >= 0), got ${preview(e)}`);
}

/** Where an event is, for an error message (made only then: no string per event). */
function where(stream: string, i: number): string {
  return `append to stream "${stream}", event ${i}`;
}

function jsonText(stream: string, i: number, field: string, v: unknown): string {
  let text: string | undefined;
  if (v instanceof JsonText) {
    // already serialised by the engine (a decision's log line): used verbatim, checked for its shape
    text = v.text;
    if (typeof text !== 'string' || (text[0] !== '{' && text[0] !== '[') || (text.at(-1) !== '}' && text.at(-1) !== ']')) {
      throw new InvalidEventError(`${where(stream, i)}: ${field} must be a JSON object or array, got ${preview(text)}`);
    }
    return text;
  }
  try {
    text = JSON.stringify(v);
  } catch (err) {
    throw new InvalidEventError(`${where(stream, i)}: ${field} is not JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (text === undefined || (text[0] !== '{' && text[0] !== '[')) {
    throw new InvalidEventError(`${where(stream, i)}: ${field} must be a JSON object or array, got ${preview(v)}`);
  }
  return text;
}

/**
 * Checks an append's events and returns them as stored: ids filled in, data and metadata as JSON
 * text (exactly JSON.stringify's output, so a reader can reproduce the text byte for byte; a
 * JsonText is taken as the text it holds).
 */
export function prepareEvents(stream: string, events: EventData | readonly EventData[], maxEventBytes = kDefaultMaxEventBytes): PreparedEvent[] {
  const list = Array.isArray(events) ? events as readonly EventData[] : [events as EventData];
  if (list.length === 0) throw new InvalidEventError(`append to stream "${stream}": no events`);
  if (list.length > kMaxEventsPerAppend) {
    throw new InvalidEventError(`append to stream "${stream}": ${list.length} events in one append; the limit is ${kMaxEventsPerAppend}`);
  }
  const out: PreparedEvent[] = new Array(list.length);
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    if (e === null || typeof e !== 'object') throw new InvalidEventError(`${where(stream, i)}: an event must be an object with type and data, got ${preview(e)}`);
    const type = e.type;
    if (typeof type !== 'string' || type.length === 0 || type.length > kMaxTypeLength || !kEventType.test(type)) {
      throw new InvalidEventError(`${where(stream, i)}: type must be 1 to ${kMaxTypeLength} letters, digits, '-', '_', '.', ':' (starting with a letter or digit), got ${preview(type)}`);
    }
    let id = e.id;
    if (id === undefined) id = randomUUID();
    else if (typeof id !== 'string' || !kUuid.test(id)) throw new InvalidEventError(`${where(stream, i)}: id must be a UUID, got ${preview(id)}`);
    else id = id.toLowerCase();
    const data = jsonText(stream, i, 'data', e.data);
    const metadata = e.metadata === undefined ? '{}' : jsonText(stream, i, 'metadata', e.metadata);
    const dataBytes = Buffer.byteLength(data), metadataBytes = Buffer.byteLength(metadata);
    const bytes = type.length + dataBytes + metadataBytes; // the type is ASCII (checked above)
    if (bytes > maxEventBytes) {
      throw new InvalidEventError(`${where(stream, i)} (type ${type}): ${bytes} bytes of type, data and metadata; the limit is ${maxEventBytes}`);
    }
    total += bytes;
    out[i] = { id, type, data, metadata, dataBytes, metadataBytes };
  }
  if (total > kMaxAppendBytes) {
    throw new InvalidEventError(`append to stream "${stream}": ${total} bytes in one append; the limit is ${kMaxAppendBytes}`);
  }
  return out;
}

export function checkMaxEventBytes(v: unknown, key: string): number {
  if (v === undefined) return kDefaultMaxEventBytes;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 256 || v > kMaxAppendBytes) {
    throw new InvalidEventError(`${key} must be an integer from 256 to ${kMaxAppendBytes}, got ${preview(v)}`);
  }
  return v;
}

function checkDirection(what: string, d: unknown): Direction {
  if (d === undefined) return 'forwards';
  if (d === 'forwards' || d === 'backwards') return d;
  throw new InvalidEventError(`${what}: direction must be 'forwards' or 'backwards', got ${preview(d)}`);
}

function checkMaxCount(what: string, n: unknown): number {
  if (n === undefined) return kDefaultMaxCount;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= kMaxReadCount) return n;
  throw new InvalidEventError(`${what}: maxCount must be an integer from 1 to ${kMaxReadCount}, got ${preview(n)}`);
}

function checkFrom(what: string, key: string, v: unknown, dir: Direction): number | 'start' | 'end' {
  if (v === undefined) return dir === 'forwards' ? 'start' : 'end';
  if (v === 'start' || v === 'end') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new InvalidEventError(`${what}: ${key} must be 'start', 'end' or an integer >= 0, got ${preview(v)}`);
}

export interface ResolvedRead { direction: Direction; from: number | 'start' | 'end'; maxCount: number }

export function checkReadStream(stream: string, o: ReadStreamOptions = {}): ResolvedRead {
  const what = `read stream "${stream}"`;
  const direction = checkDirection(what, o.direction);
  return { direction, from: checkFrom(what, 'fromRevision', o.fromRevision, direction), maxCount: checkMaxCount(what, o.maxCount) };
}

export function checkReadAll(o: ReadAllOptions = {}): ResolvedRead {
  const what = 'read all';
  const direction = checkDirection(what, o.direction);
  return { direction, from: checkFrom(what, 'fromPosition', o.fromPosition, direction), maxCount: checkMaxCount(what, o.maxCount) };
}

export function checkSubscribe(what: string, o: SubscribeOptions): number | 'start' | 'end' {
  if (o === null || typeof o !== 'object' || typeof o.onEvent !== 'function') {
    throw new InvalidEventError(`${what}: options.onEvent must be a function`);
  }
  return checkFrom(what, 'from', o.from, 'forwards');
}
