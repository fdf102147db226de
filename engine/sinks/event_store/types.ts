// The event store port: what every adapter (embedded log, PostgreSQL, KurrentDB) offers, and what
// the contract suite (contract.ts) checks. Revisions count the events of one stream from 0;
// positions order every event of the store (global, strictly increasing in commit order, not
// necessarily dense: each adapter has its own numbering).

/**
 * An event to append. `data` and `metadata` are JSON objects (or arrays), or a JsonText holding one
 * already serialised (stored verbatim); `id` a UUID (one is generated when absent).
 */
export interface EventData {
  id?: string;
  type: string;
  data: unknown;
  metadata?: unknown;
}

/** An event as stored. `data` and `metadata` come back as parsed JSON. */
export interface RecordedEvent {
  stream: string;
  /** 0-based number of the event in its stream. */
  revision: number;
  /** Global position: strictly increasing in commit order across all streams. */
  position: number;
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  /** When the store recorded it (the embedded log: the appending process's clock; servers: theirs). */
  created: Date;
}

/**
 * The stream state an append requires: `any` (no check), `no_stream` (the stream has no event),
 * `stream_exists` (it has at least one), or the exact revision of its last event.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendOptions {
  /** Default `any`. */
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** The revision of the last event appended: the exact expected revision of the next append. */
  nextExpectedRevision: number;
  /** Global position of the last event appended. */
  position: number;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Default `forwards`. */
  direction?: Direction;
  /** Inclusive. Default `start` forwards, `end` backwards. */
  fromRevision?: number | 'start' | 'end';
  /** Default kDefaultMaxCount. */
  maxCount?: number;
}

export interface ReadAllOptions {
  direction?: Direction;
  /** Inclusive: an event at exactly this position is returned. Default `start` forwards, `end` backwards. */
  fromPosition?: number | 'start' | 'end';
  maxCount?: number;
}

/**
 * A catch-up subscription: the events after `from` that exist now, then each new one as it is
 * committed, in order, one at a time (the next is delivered after `onEvent`'s promise settles).
 */
export interface SubscribeOptions {
  /**
   * `start`: every event; `end`: only events appended after the subscription started; a number:
   * the events after it (exclusive: the revision or position of the last event already processed,
   * a checkpoint). Default `start`.
   */
  from?: number | 'start' | 'end';
  onEvent(event: RecordedEvent): void | Promise<void>;
  /** Called once, when the events that existed at the start have been delivered. */
  onCaughtUp?(): void;
  /** The subscription stops after an error (a failing read, or onEvent throwing); this says why. */
  onError?(error: Error): void;
}

export interface Subscription {
  /** Resolves when the subscription has stopped: no onEvent call follows. */
  stop(): Promise<void>;
  /** Resolves when the events that existed at the start have been delivered. */
  readonly caughtUp: Promise<void>;
}

export type EventStoreKind = 'embedded' | 'postgres' | 'kurrentdb';

export interface EventStore {
  readonly kind: EventStoreKind;
  /** Appends all events or none. Rejects with WrongExpectedRevisionError when the stream is not as expected. */
  append(stream: string, events: EventData | readonly EventData[], options?: AppendOptions): Promise<AppendResult>;
  /** The stream's events in order; an empty array for a stream with no events. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of every stream in position order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The revision of the stream's last event, or null when it has none. */
  streamRevision(stream: string): Promise<number | null>;
  subscribeToStream(stream: string, options: SubscribeOptions): Subscription;
  subscribeToAll(options: SubscribeOptions): Subscription;
  /** Stops every subscription, waits for appends in flight, and releases the store. */
  close(): Promise<void>;
}
