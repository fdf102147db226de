// The engine's audit trail: the event store (engine/sinks/event_store/) as the engine writes it.
//
// `Audit` is the small interface every part of the engine appends through (the kill switch,
// approvals, the learning loop): append(stream, type, data, metadata?) queues one event and
// returns at once; flush() resolves when everything appended before it is durable. The engine's
// own streams go through AuditTrail's typed methods:
//
//   decisions                    decision(d): each decision, its data the decision log's line (so
//                                `npm run audit -- export` reproduces the decision log), its
//                                metadata the inputs it was made from (decision_inputs.ts)
//   outcomes                     what became of an executed decision (its fill, a realised PnL)
//   agent-performance-<agentId>  performance(agentId, record): an agent's performance record
//   control                      control(type, data): kill switch, approvals, parameter changes
//
// Off the hot path: each stream has an AuditWriter (a bounded ring, appends in batches from the
// event loop). A decision is serialised once: its event's data is the decision log's line
// (decisionLine), and its inputs (about 160 numbers) are formatted by the inputs worker, one
// message per drained batch (inputs_formatter.ts), or in the drain (option inputsWorker false,
// or should the worker fail).
// Backpressure policy (`whenFull`): `overflow` (default) keeps every event, counts the overflow
// and makes relieve() — called by the engine at its flush boundary, between chunks of
// ticks — wait until the queue is half empty (each wait counted as a stall); `drop` drops and
// counts. A clean stop (close) flushes every stream, then closes the store.
import { AuditWriter, type AuditWriterStats, type WhenFull } from './event_store/audit_writer.ts';
import { InvalidEventError } from './event_store/errors.ts';
import {
  agentPerformanceStream, checkControlType, decisionEvent, kAgentPerformanceType, kControlStream, kControlTypes, kDecisionsStream,
  kOutcomesStream, kOutcomeType, keyedEventId,
} from './event_store/streams.ts';
import type { EventData, EventStore } from './event_store/types.ts';
import { checkStreamName } from './event_store/validate.ts';
import type { Decision } from '../types.ts';
import { decisionInputsText, inputsOf } from './decision_inputs.ts';
import { InputsFormatter } from './inputs_formatter.ts';

/** What other parts of the engine append through. */
export interface Audit {
  /**
   * Queues one event for `stream` (1–200 characters of letters, digits, `- _ . :`); never blocks.
   * `data` and `metadata` are JSON objects. Returns false when the event was dropped (policy
   * `drop` and the stream's queue full); an invalid event is refused later, counted in stats().
   */
  append(stream: string, type: string, data: object, metadata?: object): boolean;
  /** Resolves when every event appended before the call is durable in the store. */
  flush(): Promise<void>;
}

export interface AuditTrailOptions {
  whenFull?: WhenFull;
  /** Queue slots per stream (a power of two; default 8192). */
  capacity?: number;
  /** Format decisions' inputs in the inputs worker, a batch at a time (default true; false: in the drain, on this thread). */
  inputsWorker?: boolean;
}

/** The trail's totals over its streams: AuditWriter's stats summed (maxDepth: the largest), without the per-writer batch and conflict counts. */
export type AuditTrailStats = { store: string; streams: number } & Omit<AuditWriterStats, 'batches' | 'conflicts'> & {
  /**
   * Decisions whose inputs were formatted off the main thread, and the batches that carried them
   * (the inputs worker's, or the audit thread's; 0: formatted on the main thread).
   */
  inputsFormatted: number;
  inputsBatches: number;
  /** The trail ran on the audit thread (event_store/remote/audit_thread.ts). */
  onThread: boolean;
  /** The audit thread's nice value (null: on the main thread, or the system did not allow it). */
  threadNice: number | null;
};

/** What the engine records through: an AuditTrail on this thread, or one served from the audit thread (ThreadTrail). */
export interface Trail extends Audit {
  readonly store: EventStore;
  /** Queues a decision (its captured inputs ride along); executed ones also get an outcome. */
  decision(d: Decision): void;
  performance(agentId: string, record: object): boolean;
  control(type: (typeof kControlTypes)[number], data: object): boolean;
  /** True when a queue is filling up: relieve() will wait. */
  readonly backlogged: boolean;
  /** At a flush boundary: waits while a queue is backlogged (policy overflow), counted. */
  relieve(): Promise<void>;
  /** Flushes every stream, then closes the store. */
  close(): Promise<void>;
  stats(): AuditTrailStats;
}

/** An event, or a function that builds it in the background drain. */
type Item = EventData | (() => EventData);

/** The outcome of an executed decision (keyed by the decision, so a replay appends the same id). */
function outcomeEvent(d: Decision): EventData {
  const realized = inputsOf(d)?.realizesPnl === true;
  return {
    id: keyedEventId(kOutcomesStream, d.key), type: kOutcomeType,
    data: {
      decision: d.key, seq: d.seq, agent: d.agent, kind: d.kind, action: d.action, status: d.status, ts: d.ts, fill: d.fill,
      expectedProfitUsd: realized ? null : d.expectedProfitUsd, realizedPnlUsd: realized ? d.expectedProfitUsd : null,
    },
  };
}

export class AuditTrail implements Trail {
  readonly store: EventStore;
  readonly #options: AuditTrailOptions;
  readonly #writers = new Map<string, AuditWriter<Item>>();
  readonly #decisions: AuditWriter<Decision>;
  #formatter: InputsFormatter | null = null;
  #closed = false;

  constructor(store: EventStore, options: AuditTrailOptions = {}) {
    this.store = store;
    this.#options = options;
    const formatter = options.inputsWorker === false ? null : (this.#formatter = new InputsFormatter());
    this.#decisions = new AuditWriter<Decision>(store, {
      stream: kDecisionsStream, whenFull: options.whenFull, capacity: options.capacity,
      // the inputs of a batch formatted in the inputs worker (one message per batch); its data the decision log's line, reused
      ...(formatter !== null ? { prepare: (ds: readonly Decision[]) => formatter.format(ds) } : {}),
      toEvent: (d) => decisionEvent(d, decisionInputsText(d)),
    });
  }

  /** Queues a decision (its inputs, when captured, ride along on it); executed ones also get an outcome. */
  decision(d: Decision): void {
    this.#decisions.write(d);
    if (d.fill !== null) this.#writer(kOutcomesStream).write(() => outcomeEvent(d)); // built in the drain, once the inputs are on it
  }

  /** An agent's performance record on `agent-performance-<agentId>`. */
  performance(agentId: string, record: object): boolean {
    return this.append(agentPerformanceStream(agentId), kAgentPerformanceType, record);
  }

  /** A control action (kill_switch, approval, parameter_change) on `control`. */
  control(type: (typeof kControlTypes)[number], data: object): boolean {
    return this.append(kControlStream, checkControlType(type), data);
  }

  append(stream: string, type: string, data: object, metadata?: object): boolean {
    return this.#writer(stream).write({ type, data: data as Record<string, unknown>, ...(metadata !== undefined ? { metadata: metadata as Record<string, unknown> } : {}) });
  }

  #writer(stream: string): AuditWriter<Item> {
    if (this.#closed) throw new InvalidEventError(`audit trail is closed: cannot append to "${stream}"`);
    let w = this.#writers.get(stream);
    if (w === undefined) {
      checkStreamName(stream);
      w = new AuditWriter<Item>(this.store, {
        stream, whenFull: this.#options.whenFull, capacity: this.#options.capacity, drainIntervalMs: 20,
        toEvent: (e) => (typeof e === 'function' ? e() : e),
      });
      this.#writers.set(stream, w);
    }
    return w;
  }

  #all(): AuditWriter<unknown>[] {
    return [this.#decisions as AuditWriter<unknown>, ...(this.#writers.values() as Iterable<AuditWriter<unknown>>)];
  }

  /** True when some stream's queue is over three quarters full (relieve() will wait). */
  get backlogged(): boolean {
    return this.#all().some((w) => w.backlogged);
  }

  /** At a flush boundary: waits while a stream's queue is backlogged (policy overflow), counted. */
  async relieve(): Promise<void> {
    if (!this.backlogged) return;
    await Promise.all(this.#all().map((w) => w.relieve()));
  }

  async flush(): Promise<void> {
    await Promise.all(this.#all().map((w) => w.flush()));
  }

  /** Flushes every stream, then closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await Promise.all(this.#all().map((w) => w.close()));
    } finally {
      this.#closed = true;
      await this.#formatter?.close();
      await this.store.close();
    }
  }

  stats(): AuditTrailStats {
    const all = this.#all().map((w) => w.stats());
    const sum = (k: keyof AuditWriterStats): number => all.reduce((a, s) => a + (s[k] as number), 0);
    return {
      store: this.store.kind, streams: all.length, written: sum('written'), appended: sum('appended'), dropped: sum('dropped'),
      overflowed: sum('overflowed'), rejected: sum('rejected'), depth: sum('depth'), maxDepth: Math.max(...all.map((s) => s.maxDepth)),
      stalls: sum('stalls'), stallMs: Math.round(sum('stallMs') * 100) / 100, errors: sum('errors'),
      lastError: all.find((s) => s.lastError !== null)?.lastError ?? null,
      inputsFormatted: this.#formatter?.formatted ?? 0, inputsBatches: this.#formatter?.batches ?? 0, onThread: false, threadNice: null,
    };
  }
}
