// Where every control event goes: the `control` stream of the event store (through an AuditWriter,
// so the hot path never waits on I/O) and a bounded in-memory list the page and GET /control show.
// Events are rare (an operator's act, a state change, a breaker's change, an approval's outcome),
// so building one allocates off the hot path. Each carries who did it (a token's name, `signal`,
// `auto:<rule>`, `breaker`, `fail-closed`) and when (wall clock, ISO 8601).
import { registerBound } from '../../protocol/snapshot.ts';
import { AuditWriter } from '../sinks/event_store/audit_writer.ts';
import { kControlStream } from '../sinks/event_store/streams.ts';
import type { EventData, EventStore, RecordedEvent } from '../sinks/event_store/types.ts';

/** Event types of the control stream written here. */
export type ControlEventType = 'kill_switch' | 'trading_state' | 'circuit_breaker' | 'approval' | 'auth';

export interface ControlEvent {
  type: ControlEventType;
  data: Record<string, unknown> & { who: string; at: string };
}

const kRecent = 200;

export class ControlLog {
  readonly #writer: AuditWriter<ControlEvent> | null;
  readonly #store: EventStore | null;
  readonly recent: ControlEvent[] = [];
  /** Events written, by type. */
  readonly counts: Record<ControlEventType, number> = { kill_switch: 0, trading_state: 0, circuit_breaker: 0, approval: 0, auth: 0 };

  /** `store` null: events are kept in memory only (tests, runs without an event store). */
  constructor(store: EventStore | null) {
    this.#store = store;
    this.#writer = store === null ? null : new AuditWriter<ControlEvent>(store, {
      stream: kControlStream, toEvent: (e): EventData => ({ type: e.type, data: e.data }), capacity: 1024, batchSize: 64,
    });
  }

  get store(): EventStore | null { return this.#store; }

  write(type: ControlEventType, who: string, data: Record<string, unknown>): ControlEvent {
    const e: ControlEvent = { type, data: { ...data, who, at: new Date().toISOString() } };
    this.counts[type]++;
    this.recent.push(e);
    if (this.recent.length > kRecent) this.recent.shift();
    // after the run's end (the store closed) an act is still kept here and counted, not persisted
    if (this.#closed) this.afterClose++;
    else this.#writer?.write(e);
    return e;
  }

  /** The control stream's events as stored (empty without a store). */
  async readAll(): Promise<RecordedEvent[]> {
    if (this.#store === null) return [];
    const out: RecordedEvent[] = [];
    let from = 0;
    for (;;) {
      const batch = await this.#store.readStream(kControlStream, { fromRevision: from, maxCount: 4096 });
      out.push(...batch);
      if (batch.length < 4096) return out;
      from = batch[batch.length - 1]!.revision + 1;
    }
  }

  /** Resolves when every event written so far is durable in the store. */
  flush(): Promise<void> { return this.#writer?.flush() ?? Promise.resolve(); }
  /** Control events written after close(): kept in `recent`, not in the store. */
  afterClose = 0;
  #closed = false;

  async close(): Promise<void> { this.#closed = true; await this.#writer?.close(); }
}

registerBound(ControlLog);
