// The decision sink of a Kafka lane: decisions pass through to the lane's decision log, less the
// ones made before (a rebuild), and wait there until the lane makes them durable.
import { DecisionLog, readDecisionKeys } from '../sinks/decision_log.ts';
import type { Decision, DecisionSink } from '../types.ts';
import type { EngineSinks } from '../observe/engine_sinks.ts';
import type { LaneAudit } from './lane_audit.ts';

/**
 * Decisions pass through here to the log. The ones made before (a rebuild) are counted and
 * dropped: those whose key the log already holds, and all of them while `suppress` is set (the
 * event is below the committed offset). Kept here until flush(), so a lane that loses its
 * partitions can drop what it has not made durable: the next owner makes those decisions again.
 * With an audit trail (lane_audit.ts) each decision also goes to the event store unless its stream
 * holds the key: the log and the stream each get what they lack, so a crash between their writes
 * leaves neither a gap nor a double. The stream is appended first: a fenced lane writes nothing.
 */
export class LaneSink implements DecisionSink {
  readonly log: DecisionLog;
  #keys: Set<string>;
  #pending: Decision[] = [];
  #refreshed = false;
  suppress = false;
  suppressed = 0;
  written = 0;
  readonly audit: LaneAudit | null;
  readonly #sinks: EngineSinks | null;
  constructor(log: DecisionLog, keys: Set<string>, audit: LaneAudit | null = null, sinks: EngineSinks | null = null) {
    this.log = log; this.#keys = keys; this.audit = audit; this.#sinks = sinks;
  }
  write(d: Decision): void {
    if (this.suppress) { this.suppressed++; return; }
    if (!this.#refreshed) {
      // The first decision after a rebuild: read the log again, in case the member that held the
      // partitions before wrote more after this lane started.
      this.#refreshed = true;
      if (this.log.path !== null) for (const k of readDecisionKeys(this.log.path, false)) this.#keys.add(k);
    }
    this.audit?.add(d); // unless its stream holds the key
    if (this.#keys.has(d.key)) { this.suppressed++; return; }
    this.#pending.push(d);
  }
  /**
   * The decisions go to the audit trail, then (once it holds them) to the log; resolves once both
   * hold them, and only then are offsets committed. The trail goes first: a crash between the two
   * leaves decisions in the trail that the log lacks, so the next owner makes them again and both
   * get them (the trail a second time, with the same keyed event ids); the other order would leave
   * the log holding decisions the trail never gets, since a restart skips what the log holds.
   */
  async flush(): Promise<void> {
    await this.audit?.flush();
    const sinks = this.#sinks;
    const batch = this.#pending;
    this.#pending = [];
    if (sinks !== null) {
      for (const d of batch) sinks.onDecision(d);
      await sinks.between();
      await sinks.flushAudit();
    }
    for (const d of batch) this.log.write(d);
    this.written += batch.length;
    await this.log.flush();
  }
  /** Forgets what is not durable yet (the partitions were taken away). */
  abandon(): void {
    this.#pending = [];
    this.audit?.abandon();
  }
  close(): Promise<void> { return this.log.close(); }
}

/** Opens the lane's decision log at `path` (appending), with the keys it already holds. */
export async function openLaneSink(path: string | null, durable: boolean, audit: LaneAudit | null = null, sinks: EngineSinks | null = null): Promise<LaneSink> {
  const keys = path === null ? new Set<string>() : readDecisionKeys(path);
  const log = new DecisionLog(path, { durable, append: true });
  await log.open();
  return new LaneSink(log, keys, audit, sinks);
}
