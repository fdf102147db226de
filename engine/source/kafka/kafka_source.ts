// The Kafka source: a kafkajs consumer in a consumer group, subscribed to the four topic families
// by pattern, feeding lanes (lane.ts), each of which drives one per-event step (a LaneTarget the
// caller opens: the Kafka engine builds a pipeline per lane). It owns the partition bookkeeping
// (partitions.ts), the lanes (lane_set.ts) and the topics (topic_watch.ts):
//  - on each assignment it keeps the lanes whose partitions it still holds (their partitions are
//    sought back to where this process had read, since kafkajs restarts from the committed offset),
//    drops the lanes that lost a partition, and rebuilds new ones: each new partition is paused,
//    read from its first offset, and its decisions below the group's committed offset are not
//    written again;
//  - eachBatch hands messages to the lane and pumps it; offsets are resolved (fetch position) as
//    messages enter the lane, and committed by the lane once their decisions are durable;
//  - backpressure: a partition whose reorder buffer is full is paused and resumed when it drains
//    to half;
//  - a timer marks caught-up, quiet partitions idle so live merges do not wait on them forever,
//    and ends the run (--until-end) when every partition has been read to its end;
//  - a topic-pattern subscription is resolved once, when the consumer subscribes (kafkajs). The
//    source lists the topics every `topicRefreshMs` and re-subscribes when new matching ones
//    appear.
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { LucentError } from '../../../protocol/errors.ts';
import type { InstrumentRegistry } from '../../../protocol/registry.ts';
import { LatencyRecorder } from '../../metrics/latency.ts';
import { newLoopStats, type LoopStats } from '../../step/event_stepper.ts';
import type { DeadLetterSink, Source } from '../../types.ts';
import { laneAssigner, type LaneScope } from './assigner.ts';
import { createKafka } from './client.ts';
import type { FetchOptions } from './options.ts';
import { KafkaDeadLetters } from './dead_letters.ts';
import { Lane, type LaneReport, type LaneTarget } from './lane.ts';
import { LaneSet } from './lane_set.ts';
import { PartitionTable, type PartState } from './partitions.ts';
import { retryAdmin, TopicWatch } from './topic_watch.ts';
import { deadLetterTopic, topicPatterns } from './topics.ts';
import { shardRegistry } from './universe.ts';

/** What the source asks its caller for, for each lane it starts. */
export interface LaneRequest {
  id: string;
  /** The shard (partition number) in shard scope, -1 in global scope. */
  shard: number;
  /** The lane's universe (frozen): the whole one, or the shard's. */
  registry: InstrumentRegistry;
  /** Step figures shared by every lane, so that they add up. */
  stats: LoopStats;
  originToDecision: LatencyRecorder;
  /**
   * The lane's partitions as the group stands when it starts (`topic/partition`): the group's
   * committed offset (-1: none) and the oldest retained offset. A target may start from a state
   * snapshot whose offsets lie within both (LaneTarget.resumeFrom).
   */
  resume: Map<string, { committed: number; low: number }>;
}

export interface KafkaSourceOptions<T extends LaneTarget> {
  brokers: string[];
  groupId: string;
  clientId: string;
  topicPrefix: string;
  scope: LaneScope;
  universe: InstrumentRegistry;
  /** The agents (the step figures are kept per agent). */
  agents: readonly string[];
  mode: 'lockstep' | 'realtime';
  /** Opens what a lane drives: one pipeline's step and its decisions' sink. */
  openLane: (lane: LaneRequest) => Promise<T>;
  bufferPerPartition: number;
  mergeIdleMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  topicRefreshMs: number;
  untilEnd: boolean;
  rate: number;
  commitIntervalMs: number;
  /** How the consumer fetches (options.ts kFetchDefaults: per mode). */
  fetch: FetchOptions;
  /** Each lane's target takes a snapshot every this many events (Lane: snapshotEvery; 0: none). */
  snapshotEvery?: number | undefined;
  waitForTopicsMs: number;
  localDeadLetters: DeadLetterSink;
  log: (line: string) => void;
}

export interface KafkaSourceReport<T> {
  groupId: string;
  scope: LaneScope;
  topics: string[];
  partitionsPerTopic: number;
  lanes: LaneReport<T>[];
  deadLettersProduced: number;
  assignments: number;
  pauses: number;
  commitFailures: number;
  resubscribes: number;
}

const kTickMs = 20;

export class KafkaSource<T extends LaneTarget> implements Source {
  readonly o: KafkaSourceOptions<T>;
  readonly #kafka: Kafka;
  readonly #admin: Admin;
  readonly #dl: KafkaDeadLetters;
  readonly #topicWatch: TopicWatch;
  readonly #parts: PartitionTable<T>;
  readonly #lanes: LaneSet<T>;
  readonly #resume = new Map<string, LaneRequest['resume']>(); // by lane id, for the lane about to start
  #consumer: Consumer | null = null;
  #topics: string[] = [];
  #partitionsPerTopic = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  #refreshTimer: ReturnType<typeof setInterval> | null = null;
  #stopping = false;
  #finishing = false;
  #report: KafkaSourceReport<T> | null = null;
  #resolveDone!: () => void;
  #rejectDone!: (err: Error) => void;
  /** Settles when the run ends by itself (--until-end) or fails. */
  readonly done: Promise<void>;
  /** When the first message arrived (performance.now()); the ingest rate is measured from it. */
  firstReceiveMs = NaN;
  assignments = 0;
  pauses = 0;
  commitFailures = 0;
  resubscribes = 0;
  /** Step figures of every lane together. */
  readonly stats: LoopStats;
  readonly originToDecision = new LatencyRecorder();
  /** Producer's send → broker append → receive, for every event with a send time; receive → release (lane.ts Transit). */
  readonly transit = { produceToAppend: new LatencyRecorder(), appendToReceive: new LatencyRecorder(), receiveToRelease: new LatencyRecorder() };

  constructor(o: KafkaSourceOptions<T>) {
    this.o = o;
    this.stats = newLoopStats(o.agents);
    this.#kafka = createKafka({ brokers: o.brokers, clientId: o.clientId });
    this.#admin = this.#kafka.admin();
    this.#dl = new KafkaDeadLetters(this.#kafka, deadLetterTopic(o.topicPrefix), o.localDeadLetters);
    this.#topicWatch = new TopicWatch(this.#admin, o);
    this.#parts = new PartitionTable(o.scope);
    this.#lanes = new LaneSet((id, partition, expected) => this.#newLane(id, partition, expected), o.log);
    this.done = new Promise<void>((resolve, reject) => { this.#resolveDone = resolve; this.#rejectDone = reject; });
    this.done.catch(() => undefined);
  }

  get lanes(): Lane<T>[] { return this.#lanes.all(); }
  get deadLetters(): KafkaDeadLetters { return this.#dl; }

  async start(): Promise<void> {
    await this.#admin.connect();
    await this.#dl.start();
    this.#topics = await this.#topicWatch.waitForTopics();
    this.#partitionsPerTopic = await this.#topicWatch.partitionsPerTopic(this.#topics);
    await this.#run();
    this.#timer = setInterval(() => this.#tick(), kTickMs);
    if (this.o.topicRefreshMs > 0) this.#refreshTimer = setInterval(() => { void this.#refreshTopics(); }, this.o.topicRefreshMs);
  }

  async #run(): Promise<void> {
    const consumer = this.#kafka.consumer({
      groupId: this.o.groupId,
      sessionTimeout: this.o.sessionTimeoutMs,
      heartbeatInterval: this.o.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(this.o.sessionTimeoutMs, 30_000),
      partitionAssigners: [laneAssigner(this.o.scope, { held: () => this.#parts.held() })],
      allowAutoTopicCreation: false,
      // The broker answers a fetch once minBytes are there (1 by default: at once), an idle fetch
      // after maxWaitMs (kafkajs's own default is 5 s; a partition resumed or sought meanwhile
      // waits for the next fetch).
      maxWaitTimeInMs: this.o.fetch.maxWaitMs,
      minBytes: this.o.fetch.minBytes,
      maxBytes: this.o.fetch.maxBytes,
      maxBytesPerPartition: this.o.fetch.maxBytesPerPartition,
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      try {
        this.#onAssignment(e.payload.memberAssignment as Record<string, number[]>);
      } catch (err) {
        this.#rejectDone(err as Error);
      }
    });
    consumer.on(consumer.events.REBALANCING, () => {
      for (const lane of this.#lanes.all()) lane.freeze();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload as { error: Error; restart: boolean };
      if (!restart && !this.#stopping) this.#rejectDone(new LucentError('ERR_KAFKA', `the Kafka consumer stopped: ${error.message}`, { cause: error }));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: topicPatterns(this.o.topicPrefix), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.fetch.partitionsConcurrently,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  /** Runs inside kafkajs's join, before the first fetch of the new generation: synchronous. */
  #onAssignment(assignment: Record<string, number[]>): void {
    const consumer = this.#consumer!;
    this.assignments++;
    const change = this.#parts.assign(assignment, performance.now());
    for (const id of change.dropLanes) this.#lanes.drop(id);
    for (const lane of this.#lanes.all()) {
      lane.thaw();
      void lane.pump().catch(() => undefined); // what was decided during the rebalance becomes durable
    }
    const pending: PartState<T>[] = [];
    for (const st of change.assigned) {
      if (st.ready) {
        consumer.seek({ topic: st.topic, partition: st.partition, offset: String(st.expected) });
        continue;
      }
      pending.push(st);
      consumer.pause([{ topic: st.topic, partitions: [st.partition] }]);
    }
    if (pending.length > 0) this.#prepare(pending).catch((err: unknown) => this.#rejectDone(err as Error));
  }

  #newLane(id: string, partition: number, partitionsExpected: number): Lane<T> {
    const shard = this.o.scope === 'shard' ? partition : -1;
    const registry = shard >= 0 ? shardRegistry(this.o.universe, shard, this.#partitionsPerTopic) : this.o.universe;
    return new Lane<T>({
      id, shard, partitions: this.#partitionsPerTopic, registry, universe: this.o.universe, topicPrefix: this.o.topicPrefix,
      ordered: this.o.mode === 'lockstep', bufferPerPartition: this.o.bufferPerPartition, rate: this.o.rate,
      commitIntervalMs: this.o.commitIntervalMs, deadLetters: this.#dl, partitionsExpected, transit: this.transit,
      snapshotEvery: this.o.snapshotEvery,
      open: () => this.o.openLane({
        id, shard, registry, stats: this.stats, originToDecision: this.originToDecision, resume: this.#resume.get(id) ?? new Map(),
      }),
      countEvents: (n) => { this.stats.events += n; },
      commit: (offsets) => this.#commit(offsets),
    });
  }

  /** New partitions: start their lanes, then read each from its first offset. */
  async #prepare(pending: PartState<T>[]): Promise<void> {
    const stopping = (): boolean => this.#stopping;
    const topics = [...new Set(pending.map((s) => s.topic))];
    const bounds = new Map<string, { low: number; high: number }>();
    for (const t of topics) {
      const offsets = await retryAdmin(`offsets of ${t}`, () => this.#admin.fetchTopicOffsets(t), stopping);
      for (const x of offsets) bounds.set(`${t}/${x.partition}`, { low: Number(x.low), high: Number(x.high) });
    }
    const committed = new Map<string, number>();
    const groupOffsets = await retryAdmin(`committed offsets of ${this.o.groupId}`, () => this.#admin.fetchOffsets({ groupId: this.o.groupId, topics }), stopping);
    for (const t of groupOffsets) {
      for (const x of t.partitions) committed.set(`${t.topic}/${x.partition}`, Number(x.offset));
    }
    // Every new lane waits for all of its partitions before it releases an event (a lane's merge
    // order must not depend on which partition's first fetch came back before the others were added).
    const perLane = new Map<string, number>();
    for (const st of pending) perLane.set(st.laneId, (perLane.get(st.laneId) ?? 0) + 1);
    // What a lane that starts now may restore a snapshot against (its partitions' committed and oldest offsets).
    for (const st of pending) {
      const n = `${st.topic}/${st.partition}`;
      let r = this.#resume.get(st.laneId);
      if (r === undefined) this.#resume.set(st.laneId, r = new Map());
      r.set(n, { committed: committed.get(n) ?? -1, low: bounds.get(n)?.low ?? 0 });
    }
    for (const st of pending) {
      const lane = await this.#lanes.laneFor(st.laneId, st.partition, perLane.get(st.laneId)!);
      this.#resume.delete(st.laneId);
      const n = `${st.topic}/${st.partition}`;
      if (!this.#parts.holds(st) || this.#stopping) continue; // taken away meanwhile
      const b = bounds.get(n) ?? { low: 0, high: 0 };
      const c = committed.get(n) ?? -1;
      // A lane restored from a snapshot reads on from the snapshot's offsets, not the log start.
      const snap = lane.events === 0 ? lane.target?.resumeFrom?.[n] : undefined;
      const from = snap !== undefined ? Number(snap) : b.low;
      st.lane = lane;
      st.p = lane.addPartition(st.topic, st.partition, from, c < 0 ? from : c);
      st.expected = from;
      st.hw = b.high;
      st.endOffset = b.high;
      st.lastRecvMs = performance.now();
      st.ready = true;
      if (snap !== undefined && from !== b.low) this.o.log(`${n}: restored from a snapshot at offset ${from}${c > from ? `; decisions resume at committed offset ${c}` : ''}`);
      else if (c > b.low) this.o.log(`${n}: rebuilding from offset ${b.low}; decisions resume at committed offset ${c}`);
      this.#consumer!.seek({ topic: st.topic, partition: st.partition, offset: String(from) });
      this.#consumer!.resume([{ topic: st.topic, partitions: [st.partition] }]);
    }
  }

  async #eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.#stopping || !isRunning() || isStale()) return;
    const st = this.#parts.get(batch.topic, batch.partition);
    if (!st || !st.ready || !st.lane) return;
    const fetchedAt = Number((batch as unknown as { fetchedOffset?: string }).fetchedOffset ?? NaN);
    if (fetchedAt === fetchedAt && fetchedAt !== st.expected) {
      // A batch from before a seek: read again from where this lane is.
      this.#consumer!.seek({ topic: st.topic, partition: st.partition, offset: String(st.expected) });
      return;
    }
    const lane = st.lane;
    const recvMs = performance.now();
    if (this.firstReceiveMs !== this.firstReceiveMs) this.firstReceiveMs = recvMs;
    let last = -1;
    let full = false;
    for (const m of batch.messages) {
      const off = Number(m.offset);
      if (off < st.expected) continue;
      if (lane.buffer.space(st.p) === 0) { full = true; break; }
      lane.receive(st.p, m, recvMs);
      st.expected = off + 1;
      last = off;
    }
    if (last >= 0) resolveOffset(String(last));
    st.hw = Math.max(st.hw, Number(batch.highWatermark));
    st.lastRecvMs = recvMs;
    st.idle = false;
    if (full && !st.paused) {
      st.paused = true;
      this.pauses++;
      this.#consumer!.pause([{ topic: st.topic, partitions: [st.partition] }]);
    }
    await lane.pump(heartbeat);
    this.#resumeDrained();
  }

  #resumeDrained(): void {
    for (const st of this.#parts.drained()) this.#consumer!.resume([{ topic: st.topic, partitions: [st.partition] }]);
  }

  async #commit(offsets: { topic: string; partition: number; offset: string }[]): Promise<boolean> {
    try {
      await this.#consumer!.commitOffsets(offsets);
      return true;
    } catch (err) {
      // A rebalance took the partitions: the next owner replays from the last commit and skips
      // what is already decided. Not committing is safe; committing too far would not be.
      this.commitFailures++;
      if (!this.#stopping) this.o.log(`commit failed (${(err as Error).message}); it is retried with the next batch`);
      return false;
    }
  }

  #tick(): void {
    if (this.#stopping) return;
    const now = performance.now();
    const toPump = this.#parts.markIdle(now, this.o.mergeIdleMs);
    for (const lane of this.#lanes.all()) if (lane.commitDue(now)) toPump.add(lane);
    for (const lane of toPump) lane.pump().then(() => this.#resumeDrained(), () => undefined);
    if (this.o.untilEnd && !this.#finishing && this.#lanes.starting === 0 && this.#parts.atEnd(this.#lanes.all())) {
      this.#finishing = true;
      Promise.all(this.lanes.map((l) => l.pump(undefined, true))).then(() => this.#resolveDone(), (err: unknown) => this.#rejectDone(err as Error));
    }
  }

  async #refreshTopics(): Promise<void> {
    if (this.#stopping) return;
    try {
      const fresh = await this.#topicWatch.fresh(this.#topics, this.#partitionsPerTopic);
      if (fresh.length === 0 || this.#stopping) return;
      this.o.log(`new topics ${fresh.join(', ')}: subscribing again (a pattern is resolved when the consumer subscribes)`);
      this.#topics = [...this.#topics, ...fresh].sort();
      this.resubscribes++;
      const old = this.#consumer!;
      await old.disconnect();
      if (!this.#stopping) await this.#run();
    } catch (err) {
      this.o.log(`topic refresh failed: ${(err as Error).message}`);
    }
  }

  /**
   * Stops reading, decides on what was read, commits, leaves the group and closes every lane.
   * Each step runs even when one before it failed (a broken connection must not leave files open).
   */
  async stop(): Promise<void> {
    if (this.#report !== null) return;
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#refreshTimer) clearInterval(this.#refreshTimer);
    const quietly = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try { await fn(); } catch (err) { this.o.log(`stopping: ${what} failed: ${(err as Error).message}`); }
    };
    const consumer = this.#consumer;
    if (consumer) {
      await quietly('pausing', async () => {
        for (const st of this.#parts.values()) consumer.pause([{ topic: st.topic, partitions: [st.partition] }]);
      });
      await Promise.all(this.lanes.map((l) => quietly(`the last pump of ${l.o.id}`, () => l.pump(undefined, true))));
      await quietly('leaving the group', () => consumer.disconnect());
    }
    const lanes = await this.#lanes.stopAll();
    await quietly('the dead-letter producer', () => this.#dl.stop());
    await quietly('the admin client', () => this.#admin.disconnect());
    this.#report = {
      groupId: this.o.groupId,
      scope: this.o.scope,
      topics: this.#topics,
      partitionsPerTopic: this.#partitionsPerTopic,
      lanes,
      deadLettersProduced: this.#dl.produced,
      assignments: this.assignments,
      pauses: this.pauses,
      commitFailures: this.commitFailures,
      resubscribes: this.resubscribes,
    };
  }

  /** What the run did, lane by lane (after stop()). */
  report(): KafkaSourceReport<T> {
    if (this.#report === null) throw new Error('the Kafka source has not stopped');
    return this.#report;
  }
}
