// A consumer for the bus's queues (an agent's inbox, retraining jobs, approved actions), for the
// processes that act on them (trainers, executors, agents in other processes).
//
// At most `prefetch` messages are in the handler at once. A message is acked after its handler
// resolves; a handler that throws, or a body that is not a plausible AgentMessage, is nacked
// without requeue, so the broker dead-letters it (lucent.dead → lucent.dead.letters) with the
// reason in x-death, and the consumer goes on. Delivery is at-least-once: a message whose id is in
// the handler now, or was handled within the last `dedupeWindow` messages, is acked and counted as
// a duplicate without calling the handler. An id is remembered only once handled, so a message
// whose handler failed and whose nack was lost with the channel is tried again when it comes back.
// The consumer reconnects like the publisher and declares its queue again on each connection.
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { LucentError, OptionError } from '../../../protocol/errors.ts';
import { decodeBody, type AgentMessage } from './agent_message.ts';
import { resolveBusOptions, type BusOptions, type BusOptionsInput } from './bus_options.ts';
import { Link, oneLine } from './link.ts';
import { RecentIds } from './recent_ids.ts';
import { assertActionsQueue, assertAgentInbox, assertExchanges, assertJobsQueue } from './topology.ts';

export type ConsumeSource = { readonly agent: string } | { readonly jobs: true } | { readonly actions: true };

export interface Delivery {
  /** The broker delivered it before (a consumer dropped it unacked). */
  readonly redelivered: boolean;
  readonly raw: ConsumeMessage;
}

export interface ConsumerOptions {
  /** Connection and topology settings, as for the publisher. */
  readonly bus?: BusOptionsInput;
  readonly source: ConsumeSource;
  readonly handler: (m: AgentMessage, d: Delivery) => void | Promise<void>;
  /** Unacked messages the broker sends ahead (default 16). */
  readonly prefetch?: number;
  /** Message ids remembered for de-duplication (default 100,000; 0 = off). */
  readonly dedupeWindow?: number;
  /** A message that was dead-lettered, and why (handler error or malformed body). */
  readonly onDeadLetter?: (id: string, reason: string) => void;
}

export interface ConsumerStats {
  readonly connected: boolean;
  readonly delivered: number;
  readonly handled: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  readonly malformed: number;
  readonly reconnects: number;
}

export class BusConsumer {
  readonly options: BusOptions;
  readonly #source: ConsumeSource;
  readonly #handler: ConsumerOptions['handler'];
  readonly #prefetch: number;
  readonly #seen: RecentIds | null;
  readonly #inHandler = new Set<string>();
  readonly #onDeadLetter: ConsumerOptions['onDeadLetter'];
  readonly #link: Link;
  #ch: Channel | null = null;
  #queue = '';
  #delivered = 0; #handled = 0; #duplicates = 0; #deadLettered = 0; #malformed = 0;

  constructor(o: ConsumerOptions) {
    if (o === null || typeof o !== 'object') throw new OptionError('consumer options must be an object');
    this.options = resolveBusOptions(o.bus ?? {}, 'consumer.bus');
    const s = o.source as Record<string, unknown>;
    const ok = s !== null && typeof s === 'object' && ((typeof s.agent === 'string' && /^[A-Za-z0-9_.:\-]{1,100}$/.test(s.agent)) || s.jobs === true || s.actions === true);
    if (!ok) throw new OptionError('consumer.source must be {agent: "<agentId>"}, {jobs: true} or {actions: true}');
    if (typeof o.handler !== 'function') throw new OptionError('consumer.handler must be a function');
    const prefetch = o.prefetch ?? 16;
    if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65535) throw new OptionError(`consumer.prefetch must be an integer in 1..65535, got ${String(prefetch)}`);
    const window = o.dedupeWindow ?? 100_000;
    if (!Number.isInteger(window) || window < 0 || window > 10_000_000) throw new OptionError(`consumer.dedupeWindow must be an integer in 0..10000000, got ${String(window)}`);
    this.#source = o.source;
    this.#handler = o.handler;
    this.#prefetch = prefetch;
    this.#seen = window > 0 ? new RecentIds(window) : null;
    this.#onDeadLetter = o.onDeadLetter;
    this.#link = new Link(this.options, { open: (c) => this.#open(c), down: () => { this.#ch = null; } });
  }

  /** Starts consuming (in the background; the queue is declared on each connection). */
  start(): this {
    this.#link.start();
    return this;
  }

  /** The queue's name once connected. */
  get queue(): string {
    return this.#queue;
  }

  /** Resolves once connected and consuming (or rejects after timeoutMs). */
  async ready(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.#ch === null) {
      if (Date.now() > until) throw new LucentError('ERR_BUS_CONNECT', `consumer not connected after ${timeoutMs} ms: ${this.#link.lastError || 'connecting'}`, { retriable: true });
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    await this.#link.stop();
    this.#ch = null;
  }

  stats(): ConsumerStats {
    return {
      connected: this.#ch !== null,
      delivered: this.#delivered,
      handled: this.#handled,
      duplicates: this.#duplicates,
      deadLettered: this.#deadLettered,
      malformed: this.#malformed,
      reconnects: this.#link.reconnects,
    };
  }

  async #open(conn: ChannelModel): Promise<void> {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    ch.on('close', () => { if (this.#ch === ch) this.#link.drop(); });
    await assertExchanges(ch, this.options);
    const s = this.#source;
    this.#queue = 'agent' in s ? await assertAgentInbox(ch, this.options, s.agent) : 'jobs' in s ? await assertJobsQueue(ch, this.options) : await assertActionsQueue(ch, this.options);
    await ch.prefetch(this.#prefetch);
    await ch.consume(this.#queue, (raw) => {
      if (raw !== null) void this.#deliver(ch, raw);
      else this.#link.drop(); // the broker cancelled the consumer (its queue went away): reconnect and declare it again
    }, { noAck: false });
    this.#ch = ch;
  }

  async #deliver(ch: Channel, raw: ConsumeMessage): Promise<void> {
    this.#delivered++;
    const decoded = decodeBody(raw.content);
    if ('problem' in decoded) {
      this.#malformed++;
      this.#deadLetter(ch, raw, String(raw.properties.messageId ?? '?'), `malformed: ${decoded.problem}`);
      return;
    }
    const m = decoded.message;
    const seen = this.#seen;
    if (seen !== null && (seen.has(m.id) || this.#inHandler.has(m.id))) {
      this.#duplicates++;
      settle(ch, raw, true);
      return;
    }
    if (seen !== null) this.#inHandler.add(m.id);
    try {
      await this.#handler(m, { redelivered: raw.fields.redelivered, raw });
    } catch (err) {
      this.#deadLetter(ch, raw, m.id, `handler failed: ${oneLine(err)}`);
      return;
    } finally {
      this.#inHandler.delete(m.id);
    }
    // Remembered once handled: a message whose handler failed and whose nack was lost with the
    // channel comes back and is tried again, not skipped as a duplicate.
    seen?.add(m.id);
    this.#handled++;
    settle(ch, raw, true);
  }

  #deadLetter(ch: Channel, raw: ConsumeMessage, id: string, reason: string): void {
    this.#deadLettered++;
    settle(ch, raw, false);
    this.#onDeadLetter?.(id, reason);
  }
}

/** Ack, or nack without requeue (→ dead letters). On a closed channel the broker redelivers it. */
function settle(ch: Channel, raw: ConsumeMessage, ack: boolean): void {
  try {
    if (ack) ch.ack(raw);
    else ch.nack(raw, false, false);
  } catch {
    // the channel closed under the handler: the broker redelivers the message
  }
}
