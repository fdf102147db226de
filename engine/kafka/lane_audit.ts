// A Kafka lane's audit trail: its decisions appended to an event store, each idempotency key once,
// with the lane's owner fenced.
//
// Each key once. On open the lane reads its stream and keeps the keys it holds; a decision whose
// key is there is not appended again. The decision log keeps its own keys (lane_sink.ts), so after
// a crash between the two writes each one gets exactly what it lacks: nothing is lost from either,
// nothing doubled in either.
//
// Fencing. A lane that opens a stream claims it: it appends a `lane_claim` event (who, when) with
// the exact revision it read (re-reading and retrying if someone appended meanwhile), and every
// later append names the exact revision that followed its own last one. A member that has lost
// the lane (stalled past the session timeout while another took its partitions over: a zombie)
// therefore fails its next append with a wrong expected revision: it is fenced. Its decisions are
// then written nowhere (the store is appended before the decision log), its offsets are not
// committed: its flush fails with FencedError, and so does every later one (the lane writes and
// commits nothing more) until the group takes its partitions away. The claim is the epoch; the
// stream's revision is the check.
//
// Streams: `decisions` in global scope (one lane), `decisions-shard-<p>` for shard p. A claim is
// bookkeeping, not a decision: data exports of a stream leave it out (export.ts).
import { LucentError } from '../../protocol/errors.ts';
import { WrongExpectedRevisionError } from '../sinks/event_store/errors.ts';
import { decisionEvent, kDecisionsStream, kDecisionType, kLaneClaimType } from '../sinks/event_store/streams.ts';
import type { EventData, EventStore } from '../sinks/event_store/types.ts';
import type { Decision } from '../types.ts';

const kPage = 4096;
const kClaimTries = 20;

/** The audit stream of a lane: `decisions` (global scope) or `decisions-shard-<p>`. */
export function laneStream(shard: number): string {
  return shard < 0 ? kDecisionsStream : `${kDecisionsStream}-shard-${shard}`;
}

/** The lane lost its stream to another owner: nothing it had not made durable was written. */
export class FencedError extends LucentError {
  readonly stream: string;
  constructor(stream: string, message: string, options: { cause?: unknown } = {}) {
    super('ERR_FENCED', message, options);
    this.name = 'FencedError';
    this.stream = stream;
  }
}

export interface LaneAuditStats {
  stream: string;
  /** Decision events the stream held when the lane claimed it. */
  found: number;
  appended: number;
  /** Claims of the stream so far, this one included (the lane's epoch). */
  epoch: number;
  fenced: boolean;
}

export class LaneAudit {
  readonly stream: string;
  readonly #store: EventStore;
  readonly #keys: Set<string>;
  #revision: number; // the stream's revision after this lane's last append (its claim at first)
  #pending: EventData[] = [];
  #found: number;
  #epoch: number;
  #appended = 0;
  #fenced = false;

  private constructor(store: EventStore, stream: string, keys: Set<string>, revision: number, epoch: number) {
    this.#store = store;
    this.stream = stream;
    this.#keys = keys;
    this.#revision = revision;
    this.#found = keys.size;
    this.#epoch = epoch;
  }

  /** Reads the stream's keys and claims it for `owner` (a member id, a process). */
  static async open(store: EventStore, stream: string, owner: string): Promise<LaneAudit> {
    const keys = new Set<string>();
    let claims = 0;
    let next = 0; // first revision not read yet
    for (let tries = 0; ; tries++) {
      for (;;) {
        const page = await store.readStream(stream, { fromRevision: next, maxCount: kPage });
        for (const e of page) {
          if (e.type === kDecisionType) keys.add((e.data as { key: string }).key);
          else if (e.type === kLaneClaimType) claims++;
        }
        next += page.length;
        if (page.length < kPage) break;
      }
      const claim: EventData = { type: kLaneClaimType, data: { owner, epoch: claims + 1, at: new Date().toISOString() } };
      try {
        const r = await store.append(stream, claim, { expectedRevision: next === 0 ? 'no_stream' : next - 1 });
        return new LaneAudit(store, stream, keys, r.nextExpectedRevision, claims + 1);
      } catch (err) {
        // Someone appended since the read (the previous owner's last flush): read on, claim again.
        if (!(err instanceof WrongExpectedRevisionError) || tries >= kClaimTries) throw err;
      }
    }
  }

  /** True when the stream holds (or this lane has queued) a decision with this key. */
  has(key: string): boolean { return this.#keys.has(key); }

  /** Queues a decision the stream does not hold (appended by flush()). */
  add(d: Decision): void {
    if (this.#keys.has(d.key)) return;
    this.#keys.add(d.key);
    this.#pending.push(decisionEvent(d));
  }

  /** Forgets what is queued (the lane's partitions were taken away: the next owner decides them). */
  abandon(): void {
    for (const e of this.#pending) this.#keys.delete((e.data as Decision).key);
    this.#pending = [];
  }

  /** Appends what is queued, in one batch, at the exact revision this lane left the stream at. */
  async flush(): Promise<void> {
    if (this.#fenced) throw this.#fencedError('it was fenced before');
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    try {
      const r = await this.#store.append(this.stream, batch, { expectedRevision: this.#revision });
      this.#revision = r.nextExpectedRevision;
      this.#appended += batch.length;
    } catch (err) {
      if (!(err instanceof WrongExpectedRevisionError)) {
        this.#pending = batch.concat(this.#pending); // kept for the next try
        throw err;
      }
      this.#fenced = true;
      for (const e of batch) this.#keys.delete((e.data as Decision).key);
      throw this.#fencedError(`another member claimed it (${err.message})`, err);
    }
  }

  get fenced(): boolean { return this.#fenced; }

  stats(): LaneAuditStats {
    return { stream: this.stream, found: this.#found, appended: this.#appended, epoch: this.#epoch, fenced: this.#fenced };
  }

  #fencedError(why: string, cause?: unknown): FencedError {
    return new FencedError(this.stream, `lane fenced off audit stream "${this.stream}" (epoch ${this.#epoch}): ${why}; ` +
      'its decisions since its last flush were written nowhere and its offsets not committed', { cause });
  }
}
