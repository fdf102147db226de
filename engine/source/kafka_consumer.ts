// The Kafka source: a kafkajs consumer in a consumer group, subscribed to the four topic families
// by pattern, feeding lanes (engine/source/kafka_lane.ts). It owns the partition bookkeeping:
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
import { LucentError } from '../../protocol/errors.ts';
import type { EngineOptions } from '../options.ts';
import type { DeadLetterLog } from '../sinks/dead_letters.ts';
import type { InstrumentRegistry } from '../../protocol/registry.ts';
import { laneAssigner, type LaneScope } from './kafka_assigner.ts';
import { createKafka } from './kafka_client.ts';
import { newLoopStats, type LoopStats } from '../step/event_stepper.ts';
import { LatencyRecorder } from '../metrics/latency.ts';
import { KafkaDeadLetters } from './kafka_dead_letters.ts';
import { Lane, type LaneReport } from './kafka_lane.ts';
import { deadLetterTopic, matchesFamilies, topicPatterns } from './kafka_topics.ts';
import { shardRegistry } from './kafka_universe.ts';

export interface KafkaSourceOptions {
  brokers: string[];
  groupId: string;
  clientId: string;
  topicPrefix: string;
  scope: LaneScope;
  universe: InstrumentRegistry;
  engine: EngineOptions;
  /** Decision log; in shard scope each shard writes `<name>.shard-<p>.jsonl` beside it. */
  decisions: string | null;
  durable: boolean;
  bufferPerPartition: number;
  mergeIdleMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  topicRefreshMs: number;
  untilEnd: boolean;
  rate: number;
  commitIntervalMs: number;
  waitForTopicsMs: number;
  localDeadLetters: DeadLetterLog;
  log: (line: string) => void;
}

interface PartState {
  topic: string;
  partition: number;
  laneId: string;
  lane: Lane | null;
  p: number; // index in the lane's buffer
  ready: boolean;
  expected: number; // next offset to take in
  hw: number; // high watermark last seen
  endOffset: number; // high watermark when the partition was taken
  lastRecvMs: number;
  paused: boolean; // paused by backpressure
  idle: boolean;
}

export interface KafkaSourceReport {
  groupId: string;
  scope: LaneScope;
  topics: string[];
  partitionsPerTopic: number;
  lanes: LaneReport[];
  deadLettersProduced: number;
  assignments: number;
  pauses: number;
  commitFailures: number;
  resubscribes: number;
}

const kTickMs = 20;
const kAdminRetryMs = 30_000;
const name = (topic: string, partition: number): string => `${topic}/${partition}`;

export function shardDecisionPath(decisions: string, shard: number): string {
  const base = decisions.endsWith('.jsonl') ? decisions.slice(0, -'.jsonl'.length) : decisions;
  return `${base}.shard-${shard}.jsonl`;
}

export class KafkaSource {
  readonly o: KafkaSourceOptions;
  readonly #kafka: Kafka;
  readonly #admin: Admin;
  readonly #dl: KafkaDeadLetters;
  #consumer: Consumer | null = null;
  readonly #lanes = new Map<string, Lane>();
  readonly #laneStarts = new Map<string, Promise<Lane>>();
  readonly #laneStops = new Map<string, Promise<LaneReport>>();
  readonly #finished: LaneReport[] = [];
  readonly #parts = new Map<string, PartState>();
  #topics: string[] = [];
  #partitionsPerTopic = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  #refreshTimer: ReturnType<typeof setInterval> | null = null;
  #stopping = false;
  #finishing = false;
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

  constructor(o: KafkaSourceOptions) {
    this.o = o;
    this.stats = newLoopStats(o.engine.agents);
    this.#kafka = createKafka({ brokers: o.brokers, clientId: o.clientId });
    this.#admin = this.#kafka.admin();
    this.#dl = new KafkaDeadLetters(this.#kafka, deadLetterTopic(o.topicPrefix), o.localDeadLetters);
    this.done = new Promise<void>((resolve, reject) => { this.#resolveDone = resolve; this.#rejectDone = reject; });
    this.done.catch(() => undefined);
  }

  /** Step figures of every lane together. */
  readonly stats: LoopStats;
  readonly originToDecision = new LatencyRecorder();

  get lanes(): Lane[] { return [...this.#lanes.values()]; }
  get deadLetters(): KafkaDeadLetters { return this.#dl; }

  async start(): Promise<void> {
    await this.#admin.connect();
    await this.#dl.start();
    this.#topics = await this.#waitForTopics();
    this.#partitionsPerTopic = await this.#checkPartitions(this.#topics);
    await this.#run();
    this.#timer = setInterval(() => this.#tick(), kTickMs);
    if (this.o.topicRefreshMs > 0) this.#refreshTimer = setInterval(() => { void this.#refreshTopics(); }, this.o.topicRefreshMs);
  }

  async #waitForTopics(): Promise<string[]> {
    const deadline = performance.now() + this.o.waitForTopicsMs;
    let said = false;
    for (;;) {
      const topics = (await this.#admin.listTopics()).filter((t) => matchesFamilies(t, this.o.topicPrefix)).sort();
      if (topics.length > 0) return topics;
      if (performance.now() > deadline) {
        throw new LucentError('ERR_KAFKA', `no topic matches ${topicPatterns(this.o.topicPrefix).map(String).join(', ')} on ${this.o.brokers.join(',')} (create them first, e.g. with scripts/replay-to-kafka.ts)`);
      }
      if (!said) { this.o.log(`waiting for topics matching ${topicPatterns(this.o.topicPrefix).map(String).join(', ')}`); said = true; }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Shard scope needs one partition count for every topic: partition p of each topic is shard p. */
  async #checkPartitions(topics: string[]): Promise<number> {
    const meta = await this.#admin.fetchTopicMetadata({ topics });
    const counts = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    const distinct = [...new Set(counts.values())];
    if (this.o.scope === 'shard' && distinct.length > 1) {
      const list = [...counts].map(([t, n]) => `${t}: ${n}`).join(', ');
      throw new LucentError('ERR_KAFKA', `shard scope needs the same partition count on every topic (partition p of each topic is shard p); found ${list}`);
    }
    return distinct[0] ?? 0;
  }

  async #run(): Promise<void> {
    const consumer = this.#kafka.consumer({
      groupId: this.o.groupId,
      sessionTimeout: this.o.sessionTimeoutMs,
      heartbeatInterval: this.o.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(this.o.sessionTimeoutMs, 30_000),
      partitionAssigners: [laneAssigner(this.o.scope, { held: () => this.#held() })],
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
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
      for (const lane of this.#lanes.values()) lane.freeze();
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
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  #held(): number[] {
    const out = new Set<number>();
    for (const st of this.#parts.values()) if (st.ready) out.add(st.partition);
    return [...out].sort((a, b) => a - b);
  }

  #laneIdOf(partition: number): string {
    return this.o.scope === 'global' ? 'all' : `shard-${partition}`;
  }

  /** Runs inside kafkajs's join, before the first fetch of the new generation: synchronous. */
  #onAssignment(assignment: Record<string, number[]>): void {
    const consumer = this.#consumer!;
    this.assignments++;
    const now = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) now.add(name(topic, p));
    // A lane that lost any partition is dropped whole; what it still holds is rebuilt by a new one.
    const drop = new Set<string>();
    for (const [n, st] of this.#parts) if (!now.has(n)) drop.add(st.laneId);
    for (const id of drop) {
      for (const [n, st] of [...this.#parts]) if (st.laneId === id) this.#parts.delete(n);
      const lane = this.#lanes.get(id);
      if (lane) {
        this.#lanes.delete(id);
        const stop = lane.stop(true).then((r) => { this.#finished.push(r); return r; });
        this.#laneStops.set(id, stop);
        this.o.log(`${id}: partitions taken away; lane stopped`);
      }
    }
    for (const lane of this.#lanes.values()) {
      lane.thaw();
      void lane.pump().catch(() => undefined); // what was decided during the rebalance becomes durable
    }
    const pending: PartState[] = [];
    for (const n of [...now].sort()) {
      const st = this.#parts.get(n);
      if (st && st.ready) {
        consumer.seek({ topic: st.topic, partition: st.partition, offset: String(st.expected) });
        continue;
      }
      const slash = n.lastIndexOf('/');
      const topic = n.slice(0, slash), partition = Number(n.slice(slash + 1));
      const fresh: PartState = {
        topic, partition, laneId: this.#laneIdOf(partition), lane: null, p: -1, ready: false,
        expected: 0, hw: 0, endOffset: 0, lastRecvMs: performance.now(), paused: false, idle: false,
      };
      this.#parts.set(n, fresh);
      pending.push(fresh);
      consumer.pause([{ topic, partitions: [partition] }]);
    }
    if (pending.length > 0) this.#prepare(pending).catch((err: unknown) => this.#rejectDone(err as Error));
  }

  async #laneFor(id: string, partition: number): Promise<Lane> {
    const existing = this.#lanes.get(id);
    if (existing) return existing;
    let starting = this.#laneStarts.get(id);
    if (!starting) {
      starting = (async () => {
        await this.#laneStops.get(id); // the lane this one replaces has closed its log
        const shard = this.o.scope === 'shard' ? partition : -1;
        const registry = shard >= 0 ? shardRegistry(this.o.universe, shard, this.#partitionsPerTopic) : this.o.universe;
        const lane = new Lane({
          id, shard, partitions: this.#partitionsPerTopic, registry, universe: this.o.universe, engine: this.o.engine,
          decisionsPath: this.o.decisions === null ? null : shard >= 0 ? shardDecisionPath(this.o.decisions, shard) : this.o.decisions,
          durable: this.o.durable, ordered: this.o.engine.mode === 'lockstep', bufferPerPartition: this.o.bufferPerPartition,
          rate: this.o.rate, commitIntervalMs: this.o.commitIntervalMs, topicPrefix: this.o.topicPrefix, deadLetters: this.#dl,
          stats: this.stats, originToDecision: this.originToDecision,
          commit: (offsets) => this.#commit(offsets),
        });
        await lane.start();
        this.#lanes.set(id, lane);
        this.#laneStarts.delete(id);
        this.o.log(`${id}: lane started (${registry.size} instruments)`);
        return lane;
      })();
      this.#laneStarts.set(id, starting);
    }
    return starting;
  }

  /** An admin request, tried again while the error is retriable (a topic just created has no leader yet). */
  async #retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + kAdminRetryMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      try {
        return await fn();
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable === true;
        if (!retriable || performance.now() > deadline || this.#stopping) {
          throw new LucentError('ERR_KAFKA', `${what}: ${(err as Error).message}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** New partitions: start their lanes, then read each from its first offset. */
  async #prepare(pending: PartState[]): Promise<void> {
    const topics = [...new Set(pending.map((s) => s.topic))];
    const bounds = new Map<string, { low: number; high: number }>();
    for (const t of topics) {
      const offsets = await this.#retry(`offsets of ${t}`, () => this.#admin.fetchTopicOffsets(t));
      for (const x of offsets) bounds.set(name(t, x.partition), { low: Number(x.low), high: Number(x.high) });
    }
    const committed = new Map<string, number>();
    const groupOffsets = await this.#retry(`committed offsets of ${this.o.groupId}`, () => this.#admin.fetchOffsets({ groupId: this.o.groupId, topics }));
    for (const t of groupOffsets) {
      for (const x of t.partitions) committed.set(name(t.topic, x.partition), Number(x.offset));
    }
    for (const st of pending) {
      const lane = await this.#laneFor(st.laneId, st.partition);
      const n = name(st.topic, st.partition);
      if (this.#parts.get(n) !== st || this.#stopping) continue; // taken away meanwhile
      const b = bounds.get(n) ?? { low: 0, high: 0 };
      const c = committed.get(n) ?? -1;
      st.lane = lane;
      st.p = lane.addPartition(st.topic, st.partition, b.low, c < 0 ? b.low : c);
      st.expected = b.low;
      st.hw = b.high;
      st.endOffset = b.high;
      st.lastRecvMs = performance.now();
      st.ready = true;
      if (c > b.low) this.o.log(`${n}: rebuilding from offset ${b.low}; decisions resume at committed offset ${c}`);
      this.#consumer!.seek({ topic: st.topic, partition: st.partition, offset: String(b.low) });
      this.#consumer!.resume([{ topic: st.topic, partitions: [st.partition] }]);
    }
  }

  async #eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.#stopping || !isRunning() || isStale()) return;
    const st = this.#parts.get(name(batch.topic, batch.partition));
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
    for (const st of this.#parts.values()) {
      if (!st.paused || !st.lane) continue;
      if (st.lane.buffer.space(st.p) * 2 >= st.lane.buffer.capacityPerPartition) {
        st.paused = false;
        this.#consumer!.resume([{ topic: st.topic, partitions: [st.partition] }]);
      }
    }
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
    const toPump = new Set<Lane>();
    for (const st of this.#parts.values()) {
      if (!st.ready || !st.lane || st.idle) continue;
      if (st.expected >= st.hw && !st.lane.buffer.ended(st.p) && now - st.lastRecvMs > this.o.mergeIdleMs) {
        st.idle = true;
        st.lane.buffer.setIdle(st.p, true);
        toPump.add(st.lane);
      }
    }
    for (const lane of this.#lanes.values()) if (lane.commitDue(now)) toPump.add(lane);
    for (const lane of toPump) lane.pump().then(() => this.#resumeDrained(), () => undefined);
    if (this.o.untilEnd && !this.#finishing && this.#atEnd()) {
      this.#finishing = true;
      Promise.all(this.lanes.map((l) => l.pump(undefined, true))).then(() => this.#resolveDone(), (err: unknown) => this.#rejectDone(err as Error));
    }
  }

  /**
   * --until-end: every partition read past the end offset it had when this run took it, and then
   * either its end record seen or quiet (caught up, nothing for mergeIdleMs); nothing buffered.
   */
  #atEnd(): boolean {
    if (this.#parts.size === 0 || this.#laneStarts.size > 0) return false;
    for (const st of this.#parts.values()) {
      if (!st.ready || !st.lane) return false;
      if (st.expected < st.endOffset || !(st.lane.buffer.ended(st.p) || st.idle)) return false;
    }
    for (const lane of this.#lanes.values()) if (lane.buffer.buffered > 0) return false;
    return true;
  }

  async #refreshTopics(): Promise<void> {
    if (this.#stopping) return;
    try {
      const topics = (await this.#admin.listTopics()).filter((t) => matchesFamilies(t, this.o.topicPrefix)).sort();
      const fresh = topics.filter((t) => !this.#topics.includes(t));
      if (fresh.length === 0 || this.#stopping) return;
      if (this.o.scope === 'shard') {
        const meta = await this.#admin.fetchTopicMetadata({ topics: fresh });
        for (const t of meta.topics) {
          if (t.partitions.length !== this.#partitionsPerTopic) {
            this.o.log(`new topic ${t.name} has ${t.partitions.length} partitions, the shards ${this.#partitionsPerTopic}: not consumed`);
            fresh.splice(fresh.indexOf(t.name), 1);
          }
        }
        if (fresh.length === 0) return;
      }
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
  async stop(): Promise<KafkaSourceReport> {
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
    await Promise.all([...this.#laneStarts.values()].map((p) => p.catch(() => undefined)));
    const reports = await Promise.all(this.lanes.map((l) => l.stop()));
    await Promise.all([...this.#laneStops.values()]);
    this.#lanes.clear();
    await quietly('the dead-letter producer', () => this.#dl.stop());
    await quietly('the admin client', () => this.#admin.disconnect());
    return {
      groupId: this.o.groupId,
      scope: this.o.scope,
      topics: this.#topics,
      partitionsPerTopic: this.#partitionsPerTopic,
      lanes: [...this.#finished, ...reports],
      deadLettersProduced: this.#dl.produced,
      assignments: this.assignments,
      pauses: this.pauses,
      commitFailures: this.commitFailures,
      resubscribes: this.resubscribes,
    };
  }
}
