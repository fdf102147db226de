// A lane: one pipeline (state, agents, consolidation) fed by a set of Kafka partitions through a
// reorder buffer. Global scope has one lane for every partition; shard scope one lane per shard
// (partition number). A lane:
//  - decodes each message into a reusable one-row tape and buffers it (or dead-letters it);
//  - releases buffered events in sequence order and runs the per-event step on them;
//  - writes decisions to its decision log, skipping any whose idempotency key is already there
//    and any caused by an event below the group's committed offset (a rebuild: the lane replays its
//    partitions from their start to rebuild the state, and the decisions of that part were made
//    and made durable before, by this process or by the one that held the partitions);
//  - makes the log durable, then commits each partition's offset up to what has left the buffer.
// Work on a lane is serialised (one pump at a time); the step itself is synchronous.
import type { KafkaMessage } from 'kafkajs';
import type { EngineOptions } from '../options.ts';
import { buildPipeline, type Pipeline } from '../pipeline.ts';
import { EventStepper, type LoopStats } from '../step/event_stepper.ts';
import type { LatencyRecorder } from '../metrics/latency.ts';
import type { OpportunitySummary } from '../consolidate/stats.ts';
import { DecisionLog, readDecisionKeys } from '../sinks/decision_log.ts';
import type { InstrumentRegistry } from '../../protocol/registry.ts';
import type { Decision, DecisionSink } from '../types.ts';
import { decodeEvent } from './codec.ts';
import type { KafkaDeadLetters } from './kafka_dead_letters.ts';
import { ReleasedBatch, ReorderBuffer } from './kafka_merge.ts';
import { kControlEnd, kControlWatermark, kHeaderControl, kHeaderProducedUs, kHeaderSeq } from './kafka_topics.ts';
import { shardOfInstrument } from './kafka_universe.ts';
import { Tape } from '../../protocol/tape.ts';

/** A message above this size is dead-lettered unread. */
export const kMaxEventBytes = 64 * 1024;
const kReleaseBatch = 4096;
const kMaxSpinAheadMs = 2;
const kHeartbeatEveryMs = 500;

/**
 * Decisions pass through here to the log. The ones made before (a rebuild) are counted and
 * dropped: those whose key the log already holds, and all of them while `suppress` is set (the
 * event is below the committed offset). Kept here until flush(), so a lane that loses its
 * partitions can drop what it has not made durable: the next owner makes those decisions again.
 */
class LaneSink implements DecisionSink {
  readonly log: DecisionLog;
  #keys: Set<string>;
  #pending: Decision[] = [];
  #refreshed = false;
  suppress = false;
  suppressed = 0;
  written = 0;
  constructor(log: DecisionLog, keys: Set<string>) { this.log = log; this.#keys = keys; }
  write(d: Decision): void {
    if (this.suppress) { this.suppressed++; return; }
    if (!this.#refreshed) {
      // The first decision after a rebuild: read the log again, in case the member that held the
      // partitions before wrote more after this lane started.
      this.#refreshed = true;
      if (this.log.path !== null) for (const k of readDecisionKeys(this.log.path, false)) this.#keys.add(k);
    }
    if (this.#keys.has(d.key)) { this.suppressed++; return; }
    this.#pending.push(d);
  }
  async flush(): Promise<void> {
    for (const d of this.#pending) this.log.write(d);
    this.written += this.#pending.length;
    this.#pending = [];
    await this.log.flush();
  }
  /** Forgets what is not durable yet (the partitions were taken away). */
  abandon(): void { this.#pending = []; }
  close(): Promise<void> { return this.log.close(); }
}

export interface LaneOptions {
  id: string; // 'all' or 'shard-<p>'
  shard: number; // -1 in global scope
  partitions: number; // partitions per topic (shard scope), for naming mis-partitioned instruments
  registry: InstrumentRegistry; // frozen: this lane's universe
  universe: InstrumentRegistry; // the whole universe
  engine: EngineOptions;
  decisionsPath: string | null;
  durable: boolean;
  ordered: boolean;
  bufferPerPartition: number;
  rate: number; // events/s into the state (0 = as fast as possible); a rebuild is never paced
  commitIntervalMs: number; // commit at most this often (a forced pump always commits)
  topicPrefix: string;
  deadLetters: KafkaDeadLetters;
  /** Shared by every lane of the process, so the figures add up. */
  stats: LoopStats;
  originToDecision: LatencyRecorder;
  /** Commits the offsets; false when the group would not take them (a rebalance), to retry later. */
  commit: (offsets: { topic: string; partition: number; offset: string }[]) => Promise<boolean>;
}

interface LanePartition {
  topic: string;
  partition: number;
  suppressBelow: number; // the group's committed offset when the lane took the partition
  committed: number; // the last offset this lane committed
}

export interface LaneReport {
  id: string;
  instruments: number;
  partitions: string[];
  events: number;
  rebuiltEvents: number;
  cycles: number;
  decisions: number;
  decisionsWritten: number;
  decisionsSuppressed: number;
  decisionsByStatus: Record<string, number>;
  decisionsByAgent: Record<string, number>;
  opportunitiesByAgent: Record<string, number>;
  topOpportunities: OpportunitySummary[];
  cashUsd: number;
  realizedPnlUsd: number;
  late: number;
  firstStepMs: number;
  lastStepMs: number;
  decisionLog: string | null;
  decisionLogSha256: string;
}

export class Lane {
  readonly o: LaneOptions;
  readonly buffer: ReorderBuffer;
  readonly #parts: LanePartition[] = [];
  readonly #staging = new Tape(1);
  readonly #out: ReleasedBatch;
  #pipeline: Pipeline | null = null;
  #stepper: EventStepper | null = null;
  #sink: LaneSink | null = null;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  #frozen = false;
  #lastCommitMs = -Infinity;
  #paceStart = 0;
  #paced = 0;
  events = 0;
  rebuiltEvents = 0;
  firstStepMs = NaN;
  lastStepMs = NaN;

  constructor(o: LaneOptions) {
    this.o = o;
    this.buffer = new ReorderBuffer({ ordered: o.ordered, capacityPerPartition: o.bufferPerPartition });
    // Paced: about a tenth of a second of events per released batch, so decisions become durable
    // and offsets are committed that often.
    this.#out = new ReleasedBatch(o.rate > 0 ? Math.max(16, Math.min(kReleaseBatch, Math.ceil(o.rate / 10))) : kReleaseBatch);
  }

  get pipeline(): Pipeline | null { return this.#pipeline; }
  get stepper(): EventStepper | null { return this.#stepper; }
  get partitionNames(): string[] { return this.#parts.map((p) => `${p.topic}/${p.partition}`); }

  /** Opens the decision log (reading the keys it holds) and starts the pipeline's agents. */
  async start(): Promise<void> {
    const path = this.o.decisionsPath;
    const keys = path === null ? new Set<string>() : readDecisionKeys(path);
    const log = new DecisionLog(path, { durable: this.o.durable, append: true });
    await log.open();
    this.#sink = new LaneSink(log, keys);
    const p = buildPipeline(this.o.engine, this.o.registry, this.#sink);
    await p.dispatcher.start();
    this.#pipeline = p;
    this.#stepper = new EventStepper({
      writer: p.writer, trigger: p.trigger, dispatcher: p.dispatcher, consolidator: p.consolidator, readers: p.readers,
      mode: this.o.engine.mode, keyEpoch: 'tape',
    }, this.o.stats, this.o.originToDecision);
  }

  /**
   * Adds a partition, read from `startOffset`; decisions caused by its events below
   * `suppressBelow` were made before and are not written again. Returns its buffer index.
   */
  addPartition(topic: string, partition: number, startOffset: number, suppressBelow: number): number {
    const p = this.buffer.add(`${topic}/${partition}`, startOffset);
    this.#parts[p] = { topic, partition, suppressBelow, committed: suppressBelow };
    return p;
  }

  /** Takes one message of partition p into the lane: buffered, a control record, or a dead letter. */
  receive(p: number, m: KafkaMessage, recvMs: number): void {
    const part = this.#parts[p]!;
    const offset = Number(m.offset);
    const headers = m.headers ?? {};
    const control = headerText(headers[kHeaderControl]);
    if (control !== null) {
      if (control === kControlEnd) this.buffer.end(p);
      else if (control === kControlWatermark) {
        const w = Number(headerText(headers[kHeaderSeq]));
        if (Number.isFinite(w)) this.buffer.watermark(p, w);
      }
      this.buffer.skip(p, offset);
      return;
    }
    const reason = this.#decode(part, m);
    if (reason !== null) {
      this.o.deadLetters.add({
        topic: part.topic, partition: part.partition, offset: m.offset, key: m.key ?? null, value: m.value ?? null,
        headers: headers as Record<string, unknown>, reason,
      });
      this.buffer.skip(p, offset);
      return;
    }
    const seqText = headerText(headers[kHeaderSeq]);
    const seq = seqText === null ? NaN : Number(seqText);
    const producedUs = Number(headerText(headers[kHeaderProducedUs]) ?? NaN);
    const originMs = producedUs === producedUs ? producedUs / 1000 - performance.timeOrigin : NaN;
    this.buffer.push(p, this.#staging.rows, 0, this.#staging.depth, offset, seq, recvMs, originMs);
    this.#staging.reset();
  }

  #decode(part: LanePartition, m: KafkaMessage): string | null {
    const value = m.value;
    if (value === null || value === undefined || value.length === 0) return 'empty message: no event and no control header';
    if (value.length > kMaxEventBytes) return `payload of ${value.length} bytes is above the ${kMaxEventBytes}-byte limit for one event`;
    let ev: unknown;
    try {
      ev = JSON.parse(value.toString('utf8'));
    } catch (err) {
      return `invalid JSON: ${(err as Error).message}`;
    }
    if (ev !== null && typeof ev === 'object' && typeof (ev as { topic?: unknown }).topic === 'string') {
      const want = this.o.topicPrefix + (ev as { topic: string }).topic;
      if (want !== part.topic) return `envelope topic ${JSON.stringify((ev as { topic: string }).topic)} does not match the Kafka topic ${part.topic}`;
    }
    this.#staging.reset();
    const reason = decodeEvent(ev, this.o.registry, this.#staging, NaN);
    if (reason === null) return null;
    if (this.o.shard >= 0 && reason.startsWith('unknown instrument ')) {
      const m2 = /^unknown instrument ("(?:[^"\\]|\\.)*")/.exec(reason);
      const key = m2 ? JSON.parse(m2[1]!) as string : '';
      const home = shardOfInstrument(this.o.universe, key, this.o.partitions);
      if (home >= 0) return `instrument ${JSON.stringify(key)} belongs to shard ${home}, not to shard ${this.o.shard} (partition ${part.partition}): mis-partitioned`;
    }
    return reason;
  }

  /**
   * Releases what the buffer allows, runs it through the pipeline, makes the decisions durable,
   * sends pending dead letters and commits (at most every commitIntervalMs, unless `force`).
   * Serialised: a call waits for the one before it.
   */
  pump(heartbeat?: () => Promise<void>, force = false): Promise<void> {
    const next = this.#chain.then(() => this.#pumpOnce(heartbeat, force));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #pumpOnce(heartbeat: (() => Promise<void>) | undefined, force: boolean): Promise<void> {
    if (this.#stopped || !this.#stepper) return;
    const stepper = this.#stepper;
    const sink = this.#sink!;
    const out = this.#out;
    const rate = this.o.rate;
    let lastBeat = performance.now();
    let rebalancing = false;
    // Keeps the group membership alive through long pumps (a rebuild, a paced run). An error means
    // the group is rebalancing: make what was decided durable and return, so the member rejoins
    // soon; the rest stays buffered (or goes to the next owner).
    const beat = async (): Promise<void> => {
      if (!heartbeat || performance.now() - lastBeat < kHeartbeatEveryMs) return;
      lastBeat = performance.now();
      try { await heartbeat(); } catch { rebalancing = true; }
    };
    while (!rebalancing && !this.#frozen) {
      out.reset();
      const n = this.buffer.release(out);
      if (n === 0) break;
      const rows = out.tape.rows;
      if (this.firstStepMs !== this.firstStepMs) this.firstStepMs = performance.now();
      for (let i = 0; i < n; i++) {
        const suppress = out.offset[i]! < this.#parts[out.partition[i]!]!.suppressBelow;
        sink.suppress = suppress;
        if (suppress) this.rebuiltEvents++;
        else if (rate > 0) { await this.#pace(); await beat(); }
        stepper.step(rows, i, suppress ? performance.now() : out.recvMs[i]!, suppress ? NaN : out.originMs[i]!, out.tape.depth);
      }
      sink.suppress = false;
      this.events += n;
      this.o.stats.events += n;
      this.lastStepMs = performance.now();
      // Each released batch is made durable before the next, so a long pump (a backlog, a rebuild)
      // commits as it goes.
      await this.#settle(false);
      await beat();
    }
    await this.#settle(force);
  }

  /**
   * A rebalance began: stop stepping and writing until the new assignment says whether this lane
   * keeps its partitions (thaw) or loses them (stop, dropping what is not durable). kafkajs waits
   * for eachBatch before it rejoins, but not for pumps the timer started; this keeps those from
   * writing decisions for partitions another member may be taking.
   */
  freeze(): void { this.#frozen = true; }
  thaw(): void { this.#frozen = false; }

  /** Decisions durable, dead letters acknowledged, then (at most every commitIntervalMs) the commit. */
  async #settle(force: boolean): Promise<void> {
    if (this.#frozen) return;
    await this.#stepper!.drain();
    await this.#sink!.flush();
    await this.o.deadLetters.flush();
    const now = performance.now();
    if (force || now - this.#lastCommitMs >= this.o.commitIntervalMs) {
      this.#lastCommitMs = now;
      await this.#commit();
    }
  }

  async #pace(): Promise<void> {
    const now = performance.now();
    if (this.#paced === 0) this.#paceStart = now;
    const intended = this.#paceStart + (this.#paced++ * 1000) / this.o.rate;
    if (intended - now > kMaxSpinAheadMs) await new Promise((r) => setTimeout(r, intended - now));
  }

  /** Whether offsets wait to be committed and the commit interval has passed (the timer then pumps). */
  commitDue(now: number): boolean {
    if (this.#stopped || now - this.#lastCommitMs < this.o.commitIntervalMs) return false;
    for (let p = 0; p < this.#parts.length; p++) if (this.buffer.committable(p) > this.#parts[p]!.committed) return true;
    return false;
  }

  async #commit(): Promise<void> {
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    for (let p = 0; p < this.#parts.length; p++) {
      const part = this.#parts[p]!;
      const c = this.buffer.committable(p);
      if (c > part.committed) offsets.push({ topic: part.topic, partition: part.partition, offset: String(c) });
    }
    if (offsets.length === 0 || !(await this.o.commit(offsets))) return;
    for (const x of offsets) {
      const p = this.buffer.indexOf(`${x.topic}/${x.partition}`);
      this.#parts[p]!.committed = Number(x.offset);
    }
  }

  /**
   * Waits for the pump in flight, then stops the agents and closes the log. `revoked`: the
   * partitions went to another member; decisions not yet durable are dropped (that member makes them).
   */
  async stop(revoked = false): Promise<LaneReport> {
    await this.#chain;
    this.#stopped = true;
    if (revoked) this.#sink?.abandon();
    const report = this.report();
    if (this.#pipeline) await this.#pipeline.dispatcher.stop();
    if (this.#sink) await this.#sink.close();
    return report;
  }

  report(): LaneReport {
    const s = this.#sink;
    const st = this.#pipeline?.stats;
    return {
      id: this.o.id,
      instruments: this.o.registry.size,
      partitions: this.partitionNames,
      events: this.events,
      rebuiltEvents: this.rebuiltEvents,
      cycles: this.#stepper?.stats.cycles ?? 0,
      decisions: this.#pipeline?.stats.decisions ?? 0,
      decisionsWritten: s?.written ?? 0,
      decisionsSuppressed: s?.suppressed ?? 0,
      decisionsByStatus: { ...(st?.decisionsByStatus ?? {}) },
      decisionsByAgent: { ...(st?.decisionsByAgent ?? {}) },
      opportunitiesByAgent: { ...(st?.opportunitiesByAgent ?? {}) },
      topOpportunities: [...(st?.top ?? [])],
      cashUsd: this.#pipeline?.executor.cashUsd ?? 0,
      realizedPnlUsd: this.#pipeline?.executor.realizedPnlUsd ?? 0,
      late: this.buffer.late,
      firstStepMs: this.firstStepMs,
      lastStepMs: this.lastStepMs,
      decisionLog: this.o.decisionsPath,
      decisionLogSha256: s ? s.log.sha256() : '',
    };
  }
}

function headerText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0) return headerText(v[0]);
  return null;
}
