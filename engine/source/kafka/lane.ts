// A lane: a set of Kafka partitions feeding one per-event step (a LaneTarget: one pipeline,
// built by the Kafka engine) through a reorder buffer. Global scope has one lane for every
// partition; shard scope one lane per shard (partition number). A lane:
//  - decodes each message into a reusable one-row tape and buffers it (or dead-letters it);
//  - releases buffered events in sequence order and runs the step on them, marking the events
//    below the group's committed offset (a rebuild: the lane replays its partitions from their
//    start to rebuild the state, and the decisions of that part were made and made durable
//    before, by this process or by the one that held the partitions);
//  - has the target make its decisions durable, then commits each partition's offset up to what
//    has left the buffer.
// Work on a lane is serialised (one pump at a time); the step itself is synchronous.
import type { KafkaMessage } from 'kafkajs';
import type { EventStepper } from '../../step/event_stepper.ts';
import type { LatencyRecorder } from '../../metrics/latency.ts';
import { Tape } from '../../../protocol/tape.ts';
import type { KafkaDeadLetters } from './dead_letters.ts';
import { ReleasedBatch, ReorderBuffer } from './merge.ts';
import { headerText, MessageDecoder, type MessageDecoderOptions } from './message_decoder.ts';
import { kControlEnd, kControlWatermark, kHeaderControl, kHeaderProducedUs, kHeaderSeq } from './topics.ts';

const kReleaseBatch = 4096;
const kMaxSpinAheadMs = 2;
const kHeartbeatEveryMs = 500;

/**
 * What a lane drives: one pipeline's per-event step, and the decisions it makes (the Kafka engine
 * builds it: engine/kafka/lane_pipeline.ts). The lane knows nothing of pipelines or sinks.
 */
export interface LaneTarget {
  readonly stepper: EventStepper;
  /**
   * Set while the events stepped lie below the group's committed offset (a rebuild): their
   * decisions were made, and made durable, before; they are made again but not written.
   */
  suppress: boolean;
  /** Makes the decisions made so far durable. */
  flush(): Promise<void>;
  /** Replaces agent threads that died; the lane calls it as soon as a cycle is missed (lockstep). */
  recover(): Promise<void>;
  /** Forgets the decisions not yet durable (the partitions went to another member, which makes them). */
  abandon(): void;
  /** Stops the agents and closes the decisions' sink. */
  stop(): Promise<void>;
  /** The decoded event of a tape row as text (the raw part of a dead letter for an event the step refused). */
  describe?(rows: Float64Array, row: number): string;
  /**
   * Takes a snapshot of the state (LaneOptions.snapshotEvery): called between two released
   * batches, every event released so far stepped and every cycle consolidated; `offsets`: per
   * partition (`topic/partition`), the offset of the first event not yet stepped (what the merge
   * still holds is above it, and is read again after a restore); `events`: the lane's events so far.
   */
  snapshot?(offsets: Record<string, string>, events: number): Promise<void>;
  /**
   * Set when the target started from a snapshot (LaneRequest.resume): per partition, the offset
   * the snapshot's state covers up to; the source reads each partition from there instead of its
   * log start.
   */
  readonly resumeFrom?: Record<string, string> | null;
}

export interface LaneOptions<T extends LaneTarget> extends MessageDecoderOptions {
  id: string; // 'all' or 'shard-<p>'
  ordered: boolean;
  bufferPerPartition: number;
  rate: number; // events/s into the state (0 = as fast as possible); a rebuild is never paced
  commitIntervalMs: number; // commit at most this often (a forced pump always commits)
  /**
   * How many partitions the assignment gives this lane when it starts (default 1). The lane
   * releases nothing until that many have been added: the merge can only hold back events for
   * partitions it knows, so a partition fetched before its siblings were added would otherwise run
   * ahead of them, and the interleaving (hence the cycles and decisions) would depend on which
   * fetch came back first.
   */
  partitionsExpected?: number;
  deadLetters: KafkaDeadLetters;
  /** Opens what the lane drives (at start). */
  open: () => Promise<T>;
  /** Counts events into the step across every lane of the process. */
  countEvents: (n: number) => void;
  /** Commits the offsets; false when the group would not take them (a rebalance), to retry later. */
  commit: (offsets: { topic: string; partition: number; offset: string }[]) => Promise<boolean>;
  /** Where an event's time in transit goes (shared by every lane); see Transit. */
  transit?: Transit | undefined;
  /** A snapshot of the target (LaneTarget.snapshot) at the end of the first released batch after every this many events (0: none). */
  snapshotEvery?: number | undefined;
}

/**
 * An event's way from the producer to the lane, split at the broker's append, for every event
 * that carries the producer's send time (header): send → append and append → receive (eachBatch).
 * The append time is the record's timestamp, which is the broker's append time on a topic with
 * message.timestamp.type=LogAppendTime (the Kafka bench creates its topics so; on a CreateTime
 * topic it is the producer's clock, and the split means nothing). The timestamp has millisecond
 * resolution: send → append reads up to 1 ms low and append → receive up to 1 ms high.
 */
export interface Transit {
  produceToAppend: LatencyRecorder;
  appendToReceive: LatencyRecorder;
  /**
   * receive → release: how long an event waited in the lane's reorder buffer (lockstep: for the
   * merge to know no partition holds an earlier one; realtime: only for the pump), every event
   * stepped outside a rebuild. What follows (stepping to the decision) is the stepper's own figure.
   */
  receiveToRelease: LatencyRecorder;
}

interface LanePartition {
  topic: string;
  partition: number;
  suppressBelow: number; // the group's committed offset when the lane took the partition
  committed: number; // the last offset this lane committed
}

/** What a lane did: its partitions and events; `target` holds what it decided. */
export interface LaneReport<T> {
  id: string;
  instruments: number;
  partitions: string[];
  events: number;
  rebuiltEvents: number;
  cycles: number;
  late: number;
  firstStepMs: number;
  lastStepMs: number;
  target: T | null;
}

export class Lane<T extends LaneTarget> {
  readonly o: LaneOptions<T>;
  readonly buffer: ReorderBuffer;
  readonly #parts: LanePartition[] = [];
  readonly #staging = new Tape(1);
  readonly #out: ReleasedBatch;
  readonly #decoder: MessageDecoder;
  #target: T | null = null;
  #chain: Promise<void> = Promise.resolve();
  #settleChain: Promise<void> = Promise.resolve(); // durability and commits, off the fetch path
  #settleQueued = false;
  #settleError: Error | null = null;
  #stepped: number[] = []; // per partition: the offset below which every released event has been stepped
  #stopped = false;
  #frozen = false;
  #lastCommitMs = -Infinity;
  #paceStart = 0;
  #paced = 0;
  #snapshotAt = 0; // this.events at the last snapshot
  events = 0;
  rebuiltEvents = 0;
  firstStepMs = NaN;
  lastStepMs = NaN;

  constructor(o: LaneOptions<T>) {
    this.o = o;
    this.#decoder = new MessageDecoder(o);
    this.buffer = new ReorderBuffer({ ordered: o.ordered, capacityPerPartition: o.bufferPerPartition });
    // Paced: about a tenth of a second of events per released batch, so decisions become durable
    // and offsets are committed that often.
    this.#out = new ReleasedBatch(o.rate > 0 ? Math.max(16, Math.min(kReleaseBatch, Math.ceil(o.rate / 10))) : kReleaseBatch);
  }

  /** What the lane drives (null until start()). */
  get target(): T | null { return this.#target; }
  get partitionNames(): string[] { return this.#parts.map((p) => `${p.topic}/${p.partition}`); }

  /** Opens what the lane drives (its pipeline, its decisions' sink). */
  async start(): Promise<void> {
    this.#target = await this.o.open();
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
    const reason = this.#decoder.decode(m.value, part.topic, part.partition, this.#staging);
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
    const transit = this.o.transit;
    if (transit !== undefined && producedUs === producedUs) {
      const appendUs = Number(m.timestamp) * 1000;
      if (appendUs === appendUs) {
        transit.produceToAppend.recordNs((appendUs - producedUs) * 1000);
        transit.appendToReceive.recordNs(((performance.timeOrigin + recvMs) * 1000 - appendUs) * 1000);
      }
    }
    this.buffer.push(p, this.#staging.rows, 0, this.#staging.depth, offset, seq, recvMs, originMs);
    this.#staging.reset();
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
    const target = this.#target;
    if (this.#stopped || !target) return;
    if (this.#parts.length < (this.o.partitionsExpected ?? 1)) return; // not every partition is in the merge yet
    const stepper = target.stepper;
    const out = this.#out;
    const rate = this.o.rate;
    let lastBeat = performance.now();
    let rebalancing = false;
    let missed = stepper.stats.missedCycles;
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
      const releasedMs = performance.now();
      if (this.firstStepMs !== this.firstStepMs) this.firstStepMs = releasedMs;
      const transit = this.o.transit;
      for (let i = 0; i < n; i++) {
        const suppress = out.offset[i]! < this.#parts[out.partition[i]!]!.suppressBelow;
        target.suppress = suppress;
        if (suppress) this.rebuiltEvents++;
        else {
          if (transit !== undefined) transit.receiveToRelease.recordNs(Math.round((releasedMs - out.recvMs[i]!) * 1e6));
          if (rate > 0) { await this.#pace(); await beat(); }
        }
        stepper.step(rows, i, suppress ? performance.now() : out.recvMs[i]!, suppress ? NaN : out.originMs[i]!, out.tape.depth);
        if (stepper.refused !== null && !suppress) this.#refused(out, i, stepper.refused);
        if (stepper.stats.missedCycles !== missed) { missed = stepper.stats.missedCycles; await target.recover(); }
      }
      target.suppress = false;
      this.events += n;
      this.o.countEvents(n);
      this.lastStepMs = performance.now();
      // Each released batch is made durable (and committed) as it goes, but off this path: the
      // fsync of the decision log and the broker round trips run on their own chain, so they never
      // hold the next fetch or the next batch's decisions. A commit covers only what was stepped
      // before its flush began.
      await stepper.drain();
      // Only now is the whole batch stepped: a settle that runs while this pump waits mid-batch
      // (pacing, a heartbeat, a thread's replacement) must not commit the batch's unstepped rest.
      this.#stepped = this.#committableNow();
      this.#scheduleSettle();
      const every = this.o.snapshotEvery ?? 0;
      if (every > 0 && target.snapshot !== undefined && this.events - this.#snapshotAt >= every) {
        this.#snapshotAt = this.events;
        const offsets: Record<string, string> = {};
        for (let p = 0; p < this.#parts.length; p++) offsets[`${this.#parts[p]!.topic}/${this.#parts[p]!.partition}`] = String(this.#stepped[p]!);
        await target.snapshot(offsets, this.events);
      }
      await beat();
    }
    await stepper.drain();
    this.#stepped = this.#committableNow(); // nothing released is left unstepped (skipped records count)
    if (force) {
      await this.#settleChain;
      await this.#settle(true);
    } else {
      this.#scheduleSettle();
    }
  }

  /** Queues one settle (coalesced: at most one waits behind the one running); its error surfaces at the next pump. */
  #scheduleSettle(): void {
    if (this.#settleError) { const err = this.#settleError; this.#settleError = null; throw err; }
    if (this.#settleQueued) return;
    this.#settleQueued = true;
    this.#settleChain = this.#settleChain.then(async () => {
      this.#settleQueued = false;
      try { await this.#settle(false); } catch (err) { this.#settleError = err as Error; }
    });
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
  /** An event the step refused (the plausibility gate): to the dead-letter topic, with its decoded text. */
  #refused(out: ReleasedBatch, i: number, reason: string): void {
    const part = this.#parts[out.partition[i]!]!;
    const text = this.#target?.describe?.(out.tape.rows, i) ?? '';
    this.o.deadLetters.add({
      topic: part.topic, partition: part.partition, offset: String(out.offset[i]!), key: null, value: Buffer.from(text), headers: {}, reason,
    });
  }

  async #settle(force: boolean): Promise<void> {
    if (this.#frozen) return;
    await this.#target!.stepper.drain();
    // What may be committed is fixed before the flush: what the pump had stepped when its last
    // batch ended (not what it has released: the rest of a batch in progress has no decisions yet),
    // and nothing stepped while the flush runs.
    const upTo = this.#stepped;
    await this.#target!.flush();
    await this.o.deadLetters.flush();
    const now = performance.now();
    if (force || now - this.#lastCommitMs >= this.o.commitIntervalMs) {
      this.#lastCommitMs = now;
      await this.#commit(upTo);
    }
  }

  #committableNow(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.#parts.length; p++) out.push(this.buffer.committable(p));
    return out;
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

  async #commit(upTo: number[]): Promise<void> {
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    for (let p = 0; p < this.#parts.length && p < upTo.length; p++) {
      const part = this.#parts[p]!;
      const c = upTo[p]!;
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
  async stop(revoked = false): Promise<LaneReport<T>> {
    await this.#chain;
    await this.#settleChain;
    this.#stopped = true;
    if (revoked) this.#target?.abandon();
    const report = this.report();
    await this.#target?.stop();
    return report;
  }

  report(): LaneReport<T> {
    return {
      id: this.o.id,
      instruments: this.o.registry.size,
      partitions: this.partitionNames,
      events: this.events,
      rebuiltEvents: this.rebuiltEvents,
      cycles: this.#target?.stepper.stats.cycles ?? 0,
      late: this.buffer.late,
      firstStepMs: this.firstStepMs,
      lastStepMs: this.lastStepMs,
      target: this.#target,
    };
  }
}
