// The topics a Kafka source consumes: waits for the first ones matching the four topic families,
// checks the partition counts shard scope needs (partition p of every topic is shard p), and
// finds matching topics created since (a pattern subscription is resolved only when the consumer
// subscribes, so the source subscribes again when there are new ones). Admin requests that fail
// retriably (a topic just created has no leader yet) are tried again.
import type { Admin } from 'kafkajs';
import { LucentError } from '../../../protocol/errors.ts';
import type { LaneScope } from './assigner.ts';
import { matchesFamilies, topicPatterns } from './topics.ts';

const kAdminRetryMs = 30_000;
const kPollMs = 500;

export interface TopicWatchOptions {
  brokers: string[];
  topicPrefix: string;
  scope: LaneScope;
  waitForTopicsMs: number;
  log: (line: string) => void;
}

export class TopicWatch {
  readonly #admin: Admin;
  readonly #o: TopicWatchOptions;

  constructor(admin: Admin, o: TopicWatchOptions) {
    this.#admin = admin;
    this.#o = o;
  }

  /** The matching topics, sorted; waits up to waitForTopicsMs for the first to appear. */
  async waitForTopics(): Promise<string[]> {
    const o = this.#o;
    const deadline = performance.now() + o.waitForTopicsMs;
    let said = false;
    for (;;) {
      const topics = await this.#matching();
      if (topics.length > 0) return topics;
      if (performance.now() > deadline) {
        throw new LucentError('ERR_KAFKA', `no topic matches ${topicPatterns(o.topicPrefix).map(String).join(', ')} on ${o.brokers.join(',')} (create them first, e.g. with scripts/replay-to-kafka.ts)`);
      }
      if (!said) { o.log(`waiting for topics matching ${topicPatterns(o.topicPrefix).map(String).join(', ')}`); said = true; }
      await new Promise((r) => setTimeout(r, kPollMs));
    }
  }

  /** Shard scope needs one partition count for every topic: partition p of each topic is shard p. */
  async partitionsPerTopic(topics: string[]): Promise<number> {
    const meta = await this.#admin.fetchTopicMetadata({ topics });
    const counts = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    const distinct = [...new Set(counts.values())];
    if (this.#o.scope === 'shard' && distinct.length > 1) {
      const list = [...counts].map(([t, n]) => `${t}: ${n}`).join(', ');
      throw new LucentError('ERR_KAFKA', `shard scope needs the same partition count on every topic (partition p of each topic is shard p); found ${list}`);
    }
    return distinct[0] ?? 0;
  }

  /** Matching topics not in `known`; in shard scope only those with the shards' partition count (the others are said). */
  async fresh(known: string[], partitionsPerTopic: number): Promise<string[]> {
    const fresh = (await this.#matching()).filter((t) => !known.includes(t));
    if (fresh.length === 0 || this.#o.scope !== 'shard') return fresh;
    const meta = await this.#admin.fetchTopicMetadata({ topics: fresh });
    for (const t of meta.topics) {
      if (t.partitions.length !== partitionsPerTopic) {
        this.#o.log(`new topic ${t.name} has ${t.partitions.length} partitions, the shards ${partitionsPerTopic}: not consumed`);
        fresh.splice(fresh.indexOf(t.name), 1);
      }
    }
    return fresh;
  }

  async #matching(): Promise<string[]> {
    return (await this.#admin.listTopics()).filter((t) => matchesFamilies(t, this.#o.topicPrefix)).sort();
  }
}

/** An admin request, tried again while the error is retriable, until kAdminRetryMs or `stopping()`. */
export async function retryAdmin<T>(what: string, fn: () => Promise<T>, stopping: () => boolean): Promise<T> {
  const deadline = performance.now() + kAdminRetryMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await fn();
    } catch (err) {
      const retriable = (err as { retriable?: boolean }).retriable === true;
      if (!retriable || performance.now() > deadline || stopping()) {
        throw new LucentError('ERR_KAFKA', `${what}: ${(err as Error).message}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
