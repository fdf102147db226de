// One Kafka message into a tape row, or the reason it cannot enter the state: an empty or
// oversized payload, invalid JSON, an envelope whose topic is not the Kafka topic it came on, a
// codec rejection (engine/source/codec.ts), and in shard scope an instrument that belongs to
// another shard (mis-partitioned). Also the header reading the lane needs.
import type { InstrumentRegistry } from '../../../protocol/registry.ts';
import type { Tape } from '../../../protocol/tape.ts';
import { decodeEvent } from '../codec.ts';
import { shardOfInstrument } from './universe.ts';

/** A message above this size is dead-lettered unread. */
export const kMaxEventBytes = 64 * 1024;

export interface MessageDecoderOptions {
  registry: InstrumentRegistry; // frozen: the lane's universe
  universe: InstrumentRegistry; // the whole universe
  shard: number; // -1 in global scope
  partitions: number; // partitions per topic (shard scope), for naming mis-partitioned instruments
  topicPrefix: string;
}

export class MessageDecoder {
  readonly #o: MessageDecoderOptions;

  constructor(o: MessageDecoderOptions) {
    this.#o = o;
  }

  /** Decodes `value`, read from `topic`/`partition`, into row 0 of `staging` (reset first); null, or why not. */
  decode(value: Buffer | null | undefined, topic: string, partition: number, staging: Tape): string | null {
    const o = this.#o;
    if (value === null || value === undefined || value.length === 0) return 'empty message: no event and no control header';
    if (value.length > kMaxEventBytes) return `payload of ${value.length} bytes is above the ${kMaxEventBytes}-byte limit for one event`;
    let ev: unknown;
    try {
      ev = JSON.parse(value.toString('utf8'));
    } catch (err) {
      return `invalid JSON: ${(err as Error).message}`;
    }
    if (ev !== null && typeof ev === 'object' && typeof (ev as { topic?: unknown }).topic === 'string') {
      const want = o.topicPrefix + (ev as { topic: string }).topic;
      if (want !== topic) return `envelope topic ${JSON.stringify((ev as { topic: string }).topic)} does not match the Kafka topic ${topic}`;
    }
    staging.reset();
    const reason = decodeEvent(ev, o.registry, staging, NaN);
    if (reason === null) return null;
    if (o.shard >= 0 && reason.startsWith('unknown instrument ')) {
      const m = /^unknown instrument ("(?:[^"\\]|\\.)*")/.exec(reason);
      const key = m ? JSON.parse(m[1]!) as string : '';
      const home = shardOfInstrument(o.universe, key, o.partitions);
      if (home >= 0) return `instrument ${JSON.stringify(key)} belongs to shard ${home}, not to shard ${o.shard} (partition ${partition}): mis-partitioned`;
    }
    return reason;
  }
}

/** A header's text (kafkajs gives a Buffer, a string or an array of them), or null. */
export function headerText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0) return headerText(v[0]);
  return null;
}
