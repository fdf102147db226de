// Dead letters from Kafka: a message that cannot enter the state goes to the dead-letter topic
// whole (its key, value and headers, the value cut only above kMaxValueBytes), with the reason
// and where it came from in headers, and into the local dead-letter log. The lane awaits flush()
// before it commits the offsets past the message, so a dead letter is never lost either.
import type { Kafka, Message, Producer } from 'kafkajs';
import type { DeadLetterLog } from '../sinks/dead_letters.ts';
import { kHeaderDlReason, kHeaderDlSource, kHeaderDlTruncated } from './kafka_topics.ts';

const kMaxValueBytes = 512 * 1024;
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
  readonly #local: DeadLetterLog;
  #pending: Message[] = [];
  #connected = false;
  produced = 0;

  constructor(kafka: Kafka, topic: string, local: DeadLetterLog) {
    this.topic = topic;
    this.#local = local;
    this.#producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
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
    headers[kHeaderDlReason] = d.reason;
    headers[kHeaderDlSource] = source;
    if (cut) headers[kHeaderDlTruncated] = String(value.length);
    this.#pending.push({ key: d.key, value: cut ? value.subarray(0, kMaxValueBytes) : value, headers });
    const raw = value === null ? '' : value.subarray(0, kMaxRawChars * 4).toString('utf8');
    this.#local.add({ source: `kafka:${source}`, reason: d.reason, raw: raw.length > kMaxRawChars ? raw.slice(0, kMaxRawChars) : raw });
  }

  /** Sends what is pending and waits for the broker's acknowledgement (acks = all). */
  async flush(): Promise<void> {
    this.#local.flush();
    if (this.#pending.length === 0) return;
    const messages = this.#pending;
    this.#pending = [];
    await this.#producer.send({ topic: this.topic, messages, acks: -1 });
    this.produced += messages.length;
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
