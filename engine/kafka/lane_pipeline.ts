// What a Kafka lane drives: one pipeline (buildPipeline) over the lane's universe, its per-event
// step keyed by the producer's sequence (so decision keys do not depend on which process applies
// an event), and its decision sink (lane_sink.ts). The Kafka source (engine/source/kafka/) sees
// only the LaneTarget side of it.
import type { InstrumentRegistry } from '../../protocol/registry.ts';
import type { OpportunitySummary } from '../consolidate/stats.ts';
import type { LatencyRecorder } from '../metrics/latency.ts';
import type { EngineOptions } from '../options.ts';
import { buildPipeline, type Pipeline, type PipelineHooks } from '../pipeline.ts';
import type { LaneTarget } from '../source/kafka/lane.ts';
import { EventStepper, type LoopStats } from '../step/event_stepper.ts';
import { openLaneSink, type LaneSink } from './lane_sink.ts';
import type { EngineSinks } from '../observe/engine_sinks.ts';
import type { LaneAudit, LaneAuditStats } from './lane_audit.ts';
import type { EventStore } from '../sinks/event_store/types.ts';
import { checkSnapshotHeader, restoreSnapshot, takeSnapshot, type SnapshotHeader } from '../snapshot/engine_snapshot.ts';
import { readNewestSnapshot, writeSnapshot } from '../snapshot/snapshot_store.ts';

/**
 * A lane's state snapshots (--snapshot-every with the Kafka source): kept in `store`, stream
 * `snapshot-<lane>` (engine/snapshot/snapshot_store.ts). `resume`: the lane's partitions as the
 * group stands (LaneRequest.resume); the lane starts from the newest snapshot that covers exactly
 * these partitions with offsets within [oldest retained, committed] of each (a snapshot past a
 * committed offset may cover decisions that were never made durable).
 */
export interface LaneSnapshots {
  store: EventStore;
  lane: string;
  every: number;
  resume: Map<string, { committed: number; low: number }>;
  log: (line: string) => void;
}

/** What a lane's snapshots did (the lane's part of the Kafka summary). */
export interface LaneSnapshotReport {
  /** The snapshot the lane started from (its events, decisions, offsets), or null. */
  resumedFrom: { events: number; decisions: number; offsets: Record<string, string> } | null;
  /** Reading it from the store and restoring it, in ms. */
  restoreMs: number;
  taken: number;
  takeMs: number;
  lastBytes: number;
}

/** Whether a snapshot's offsets are the lane's partitions, each within what the group allows. */
export function snapshotUsable(header: SnapshotHeader, resume: LaneSnapshots['resume']): string | null {
  const offsets = header.offsets ?? {};
  const names = Object.keys(offsets);
  if (names.length !== resume.size) return `it covers ${names.length} partitions, the lane has ${resume.size}`;
  for (const [n, r] of resume) {
    const s = offsets[n];
    if (s === undefined) return `it does not cover ${n}`;
    if (r.committed < 0 || Number(s) > r.committed) return `${n}: its offset ${s} is past the group's committed offset ${r.committed}`;
    if (Number(s) < r.low) return `${n}: its offset ${s} is no longer retained (oldest ${r.low})`;
  }
  return null;
}

/** What a lane decided (its part of the Kafka summary). */
export interface LaneDecisions {
  decisions: number;
  decisionsWritten: number;
  decisionsSuppressed: number;
  decisionsByStatus: Record<string, number>;
  decisionsByAgent: Record<string, number>;
  opportunitiesByAgent: Record<string, number>;
  topOpportunities: OpportunitySummary[];
  cashUsd: number;
  realizedPnlUsd: number;
  decisionLog: string | null;
  decisionLogSha256: string;
  threadRestarts: number;
  cyclesWithoutAgents: number;
  /** The lane's audit stream (with an event store). */
  audit: LaneAuditStats | null;
  /** The lane's state snapshots (with --snapshot-every). */
  snapshots: LaneSnapshotReport | null;
}

export class LanePipeline implements LaneTarget {
  readonly stepper: EventStepper;
  readonly pipeline: Pipeline;
  readonly #sink: LaneSink;
  readonly #path: string | null;
  readonly #onStop: (() => void) | undefined;
  readonly #snapshots: LaneSnapshots | null;
  readonly #eventsBefore: number; // events the restored snapshot covers
  readonly snapshotReport: LaneSnapshotReport = { resumedFrom: null, restoreMs: 0, taken: 0, takeMs: 0, lastBytes: 0 };
  resumeFrom: Record<string, string> | null = null;

  private constructor(
    pipeline: Pipeline, sink: LaneSink, path: string | null, stepper: EventStepper, onStop: (() => void) | undefined,
    snapshots: LaneSnapshots | null, eventsBefore: number,
  ) {
    this.#onStop = onStop;
    this.#snapshots = snapshots;
    this.#eventsBefore = eventsBefore;
    this.pipeline = pipeline;
    this.#sink = sink;
    this.#path = path;
    this.stepper = stepper;
  }

  /**
   * Opens the decision log at `path` (reading the keys it holds), builds the pipeline over
   * `registry` and starts its agents. `stats` and `originToDecision` are shared by every lane.
   * `audit`: the lane's claimed audit stream, or null.
   */
  static async open(
    o: EngineOptions, registry: InstrumentRegistry, path: string | null, durable: boolean, stats: LoopStats, originToDecision: LatencyRecorder,
    audit: LaneAudit | null = null, hooks: Pick<PipelineHooks, 'crashAt' | 'control'> = {}, sinks: EngineSinks | null = null,
    onStop?: () => void, snapshots: LaneSnapshots | null = null,
  ): Promise<LanePipeline> {
    const sink = await openLaneSink(path, durable, audit, sinks);
    const onRecord = sinks?.recorder(() => p);
    const p: Pipeline = buildPipeline(o, registry, sink, { ...hooks, onRecord, metrics: sinks?.threadMetricsOnce() });
    sinks?.attach(p);
    // A snapshot to start from (taking a shard over): shared memory and the agents' states before
    // the agents start, the main thread's objects once the step exists.
    const t0 = performance.now();
    let restored: ReturnType<typeof restoreSnapshot> | null = null;
    if (snapshots !== null && snapshots.resume.size > 0) {
      const found = await readNewestSnapshot(snapshots.store, snapshots.lane, (e) => {
        try { checkSnapshotHeader(e.header, [...p.regions.keys()], p.snapshot.size); } catch { return false; }
        return snapshotUsable(e.header, snapshots.resume) === null;
      });
      for (const why of found?.skipped ?? []) snapshots.log(`${snapshots.lane}: ${why}`);
      if (found !== null) restored = restoreSnapshot(found.bytes, p);
    }
    await p.dispatcher.start();
    const stepper = new EventStepper({
      writer: p.writer, trigger: p.trigger, dispatcher: p.dispatcher, consolidator: p.consolidator, readers: p.readers,
      mode: o.mode, keyEpoch: 'tape', gate: p.gate, metrics: sinks?.metrics ?? null,
    }, stats, originToDecision);
    const lane = new LanePipeline(p, sink, path, stepper, onStop, snapshots, restored?.header.events ?? 0);
    if (restored !== null) {
      restored.restoreMain(stepper);
      const h = restored.header;
      lane.resumeFrom = h.offsets ?? {};
      lane.snapshotReport.resumedFrom = { events: h.events, decisions: h.decisions ?? 0, offsets: lane.resumeFrom };
      lane.snapshotReport.restoreMs = Math.round(performance.now() - t0);
      snapshots!.log(`${snapshots!.lane}: restored the snapshot at event ${h.events} (${h.decisions ?? 0} decisions before it) in ${lane.snapshotReport.restoreMs} ms`);
    }
    return lane;
  }

  /** A snapshot of the lane's state at a commit boundary (Lane: snapshotEvery), appended to the lane's snapshot stream. */
  async snapshot(offsets: Record<string, string>, events: number): Promise<void> {
    const s = this.#snapshots;
    if (s === null || s.every <= 0) return;
    const t = performance.now();
    const bytes = await takeSnapshot(this.pipeline, this.stepper, this.#eventsBefore + events, offsets, this.pipeline.stats.decisions);
    await writeSnapshot(s.store, s.lane, bytes);
    this.snapshotReport.taken++;
    this.snapshotReport.lastBytes = bytes.length;
    this.snapshotReport.takeMs += Math.round(performance.now() - t);
  }

  get suppress(): boolean { return this.#sink.suppress; }
  set suppress(on: boolean) { this.#sink.suppress = on; }

  /** Makes the decisions durable, and replaces an agent thread that died meanwhile. */
  async flush(): Promise<void> {
    await this.#sink.flush();
    await this.recover();
  }

  /**
   * Replaces agent threads that died (at once: the lane calls it when a cycle was missed). Also
   * waits for a replacement already under way (the dispatcher runs one at a time): the step must
   * not request cycles before the new thread is in its loop.
   */
  async recover(): Promise<void> {
    await this.pipeline.dispatcher.supervise();
  }
  describe(rows: Float64Array, row: number): string { return this.pipeline.gate.describe(rows, row); }
  abandon(): void { this.#sink.abandon(); }

  async stop(): Promise<void> {
    this.#onStop?.();
    await this.pipeline.dispatcher.stop();
    await this.#sink.close();
  }

  decisions(): LaneDecisions {
    const st = this.pipeline.stats;
    const s = this.#sink;
    return {
      decisions: st.decisions,
      decisionsWritten: s.written,
      decisionsSuppressed: s.suppressed,
      decisionsByStatus: { ...st.decisionsByStatus },
      decisionsByAgent: { ...st.decisionsByAgent },
      opportunitiesByAgent: { ...st.opportunitiesByAgent },
      topOpportunities: [...st.top],
      cashUsd: this.pipeline.executor.cashUsd,
      realizedPnlUsd: this.pipeline.executor.realizedPnlUsd,
      decisionLog: this.#path,
      decisionLogSha256: s.log.sha256(),
      threadRestarts: this.pipeline.dispatcher.restarts,
      cyclesWithoutAgents: st.cyclesMissingAgents,
      audit: s.audit?.stats() ?? null,
      snapshots: this.#snapshots === null ? null : { ...this.snapshotReport },
    };
  }
}
