// Kafka names in one place: the topic families the engine subscribes to, the dead-letter topic,
// the headers the producer and the consumer agree on, and the shard an instrument belongs to.
//
// Sharding: the Kafka message key is the instrument's universe shard, not the instrument, so that
// the inputs of one opportunity land in one partition number across every topic:
//   books, AMM pools, price signals → `asset:<BASE>` (the base asset across venues; wrapped tokens
//     count as their asset: WETH → ETH, WBTC → BTC; for a pool, the token that is not a USD stablecoin)
//   yield pools, liquidations, governance → `protocol:<protocol>`
// The partition is Kafka's default (murmur2, as the Java client computes it) of that key, so
// another producer that keys by shard lands in the same partitions.
import { Partitioners } from 'kafkajs';
import { kKindAmm, kKindBook, kKindSignal } from '../../../protocol/layout.ts';
import type { InstrumentMeta } from '../../../protocol/registry.ts';

export const kFamilies = ['prices', 'yields', 'liquidations', 'governance'] as const;
export const kDeadLetterSuffix = 'market.deadletter';

/** Headers written by the producer (scripts/replay-to-kafka.ts) and read by the consumer. */
export const kHeaderSeq = 'lucent-seq'; // the event's sequence in its fixture (its epoch in a file replay)
export const kHeaderProducedUs = 'lucent-produced-us'; // wall-clock µs when it was sent
export const kHeaderControl = 'lucent-control'; // a control record, not an event: kControlEnd | kControlWatermark
export const kControlEnd = 'end'; // nothing more will be written to this partition by this replay
export const kControlWatermark = 'watermark'; // every event with seq ≤ lucent-seq has been written
/** Headers on a dead letter. */
export const kHeaderDlReason = 'lucent-dl-reason';
export const kHeaderDlSource = 'lucent-dl-source'; // "<topic>/<partition>@<offset>"
export const kHeaderDlTruncated = 'lucent-dl-truncated'; // original size in bytes, when the value was cut

const kUsdStables: ReadonlySet<string> = new Set(['USD', 'USDT', 'USDC', 'DAI', 'BUSD', 'FDUSD']);
const kWrapped: Readonly<Record<string, string>> = { WETH: 'ETH', WBTC: 'BTC', WMATIC: 'MATIC', WBNB: 'BNB', WAVAX: 'AVAX' };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The subscription: one pattern per family, e.g. /^market\.prices\..+/ (with the prefix in front). */
export function topicPatterns(prefix: string): RegExp[] {
  return kFamilies.map((f) => new RegExp(`^${escapeRegExp(prefix)}market\\.${f}\\..+`));
}

export function matchesFamilies(topic: string, prefix: string): boolean {
  return topicPatterns(prefix).some((p) => p.test(topic));
}

export function deadLetterTopic(prefix: string): string {
  return prefix + kDeadLetterSuffix;
}

/** An asset as the shard sees it: wrapped tokens are their asset. */
export function shardAsset(symbol: string): string {
  return kWrapped[symbol] ?? symbol;
}

function pairShard(token0: string, token1: string): string {
  if (!kUsdStables.has(token0)) return `asset:${shardAsset(token0)}`;
  if (!kUsdStables.has(token1)) return `asset:${shardAsset(token1)}`;
  return 'asset:USD';
}

/** The shard key of a market event envelope (null when the envelope is too broken to tell). */
export function shardKeyOfEvent(ev: unknown): string | null {
  if (ev === null || typeof ev !== 'object') return null;
  const e = ev as { type?: unknown; data?: unknown };
  if (e.data === null || typeof e.data !== 'object') return null;
  const d = e.data as Record<string, unknown>;
  const s = (k: string): string | null => (typeof d[k] === 'string' && d[k] !== '' ? d[k] as string : null);
  switch (e.type) {
    case 'price_update':
    case 'major_price_movement': {
      const base = s('base');
      return base === null ? null : `asset:${shardAsset(base)}`;
    }
    case 'pool_update': {
      const t0 = s('token0'), t1 = s('token1');
      return t0 === null || t1 === null ? null : pairShard(t0, t1);
    }
    default: {
      const protocol = s('protocol');
      return protocol === null ? null : `protocol:${protocol}`;
    }
  }
}

/** The shard key of an instrument in the registry; agrees with shardKeyOfEvent for its events. */
export function shardKeyOfMeta(m: InstrumentMeta): string {
  if (m.kind === kKindBook || m.kind === kKindSignal) return `asset:${shardAsset(m.base)}`;
  if (m.kind === kKindAmm) return pairShard(m.base, m.quote);
  return `protocol:${m.protocol}`;
}

const defaultPartitioner = Partitioners.DefaultPartitioner();
const metadataCache = new Map<number, { partitionId: number; leader: number }[]>();

/** The partition (= shard number) of a shard key among `partitions`: Kafka's default partitioner. */
export function shardOf(shardKey: string, partitions: number): number {
  let meta = metadataCache.get(partitions);
  if (!meta) {
    meta = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 }));
    metadataCache.set(partitions, meta);
  }
  return defaultPartitioner({ topic: '', partitionMetadata: meta as never, message: { key: shardKey, value: null } });
}
