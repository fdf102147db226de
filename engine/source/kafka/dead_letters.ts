// Dead letters from Kafka: a message that cannot enter the state goes to the dead-letter topic
// whole (its key, value and headers, the value cut only above kMaxValueBytes), with the reason
// and where it came from in headers, and into the local dead-letter log. The lane awaits flush()
// before it commits the offsets past the message, so a dead letter is never lost either.
import { Partitioners } from 'kafkajs';
import type { Kafka, Message, Producer } from 'kafkajs';
import type { DeadLetterSink } from '../../types.ts';
import { capText, kMaxReasonChars } from '../bounded.ts';
import { kHeaderDlReason, kHeaderDlSource, kHeaderDlTruncated } from './topics.ts';

const kMaxValueBytes = 512 * 1024;
// A produce request's record batch must stay under the broker's message.max.bytes (1 MiB by
// default): sends are cut into chunks of at most this many bytes.
const kMaxSendBytes = 768 * 1024;
const kMaxRawChars = 4096; // in the local log

export interface DeadLetterInput {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown> | undefined;
  reason: string;
}

export class KafkaDeadLetters {
  readonly topic: string;
  readonly #producer: Producer;
  readonly #local: DeadLetterSink;
  #pending: Message[] = [];
  #pendingBytes: number[] = [];
  #connected = false;
  produced = 0;

  constructor(kafka: Kafka, topic: string, local: DeadLetterSink) {
    this.topic = topic;
    this.#local = local;
    this.#producer = kafka.producer({
      idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  get count(): number { return this.#local.count; }
  get pending(): number { return this.#pending.length; }

  async start(): Promise<void> {
    await this.#producer.connect();
    this.#connected = true;
  }

  add(d: DeadLetterInput): void {
    const source = `${d.topic}/${d.partition}@${d.offset}`;
    const value = d.value;
    const cut = value !== null && value.length > kMaxValueBytes;
    const headers: Record<string, string | Buffer> = {};
    if (d.headers) {
      for (const [k, v] of Object.entries(d.headers)) {
        if (typeof v === 'string' || Buffer.isBuffer(v)) headers[k] = v;
      }
    }
    const reason = capText(d.reason, kMaxReasonChars);
    headers[kHeaderDlReason] = reason;
    headers[kHeaderDlSource] = source;
    if (cut) headers[kHeaderDlTruncated] = String(value.length);
    const kept = cut ? value.subarray(0, kMaxValueBytes) : value;
    let bytes = (kept?.length ?? 0) + (d.key?.length ?? 0) + 64;
    for (const [k, v] of Object.entries(headers)) bytes += k.length + (typeof v === 'string' ? Buffer.byteLength(v) : v.length) + 8;
    this.#pending.push({ key: d.key, value: kept, headers });
    this.#pendingBytes.push(bytes);
    const raw = value === null ? '' : value.subarray(0, kMaxRawChars * 4).toString('utf8');
    this.#local.add({ source: `kafka:${source}`, reason, raw: raw.length > kMaxRawChars ? raw.slice(0, kMaxRawChars) : raw }, value?.length ?? 0);
  }

  /** Sends what is pending and waits for the broker's acknowledgement (acks = all). */
  async flush(): Promise<void> {
    this.#local.flush();
    if (this.#pending.length === 0) return;
    const messages = this.#pending;
    const sizes = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = [];
    let from = 0;
    while (from < messages.length) {
      let to = from, bytes = 0;
      while (to < messages.length && (to === from || bytes + sizes[to]! <= kMaxSendBytes)) bytes += sizes[to++]!;
      await this.#producer.send({ topic: this.topic, messages: messages.slice(from, to), acks: -1 });
      this.produced += to - from;
      from = to;
    }
  }

  async stop(): Promise<void> {
    if (!this.#connected) return;
    try {
      await this.flush();
    } finally {
      this.#connected = false;
      await this.#producer.disconnect();
    }
  }
}
