// The bus publisher: publisher confirms, a bounded buffer, reconnection, at-least-once delivery.
//
// publish() never waits: it checks the message, serialises it (a snapshot: the caller may reuse
// its objects), appends it to the buffer and schedules a background flush: after lingerMs
// (default 25 ms), or on the next turn of the event loop once 500 wait, for publishConfirmed(),
// or at flush()/close().
// The flush sends on a ConfirmChannel while fewer than maxInFlight are unconfirmed, in one socket
// write; a message leaves the bus only when the broker acks it. The linger is for the broker: its
// work per burst (waking its processes, syncing the message store before it confirms) is shared
// by the burst's messages (figures at kDefaultLingerMs, bus_options.ts).
//
// Delivery guarantees and what is counted (stats()):
//   - The bus holds at most bufferSize unconfirmed messages (buffered + in flight). A publish
//     beyond that is refused and counted in `overflow` (or throws, with onOverflow: 'throw');
//     nothing accepted is ever dropped.
//   - While the broker is down, messages wait in the buffer; the link reconnects with
//     exponential backoff and jitter and the buffer is sent on reconnect.
//   - Messages in flight when the connection or channel drops are sent again (`resent`), so a
//     consumer may see a message twice: at-least-once. Each keeps its id (the AMQP message-id),
//     so consumers de-duplicate on it. Order is kept within one connection, not across a drop.
//   - A nacked message is sent again up to maxNackAttempts times, then given up: `failed`,
//     its publishConfirmed promise rejects, an event names it.
//   - A message no queue is bound for (mandatory publish) is returned by the broker and counted
//     in `unroutable`.
import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { LucentError } from '../../../protocol/errors.ts';
import { agentMessageProblem, encodeBody, kBroadcast, publishOptions, type AgentMessage } from './agent_message.ts';
import { resolveBusOptions, type BusOptions, type BusOptionsInput } from './bus_options.ts';
import { Deque } from './deque.ts';
import { Link } from './link.ts';
import { actionKey, agentKey, assertPublisherTopology, busNames, kRetrainingKey, type BusNames } from './topology.ts';

export interface BusRoute {
  readonly exchange: string;
  readonly routingKey: string;
}

export interface BusStats {
  readonly connected: boolean;
  /** Accepted by publish(). */
  readonly published: number;
  /** Acked by the broker. */
  readonly confirmed: number;
  /** Accepted, not yet sent (waiting for the broker or the in-flight window). */
  readonly buffered: number;
  /** Sent, not yet acked. */
  readonly inFlight: number;
  /** Refused because the buffer was full. */
  readonly overflow: number;
  /** Refused because the message was not a plausible AgentMessage. */
  readonly invalid: number;
  /** Sends of a message that had been sent before (after a drop or a nack). */
  readonly resent: number;
  readonly nacked: number;
  /** Returned by the broker: no queue bound for the routing key. */
  readonly unroutable: number;
  /** Given up after maxNackAttempts nacks. */
  readonly failed: number;
  readonly reconnects: number;
}

export class BusOverflowError extends LucentError {
  constructor(bufferSize: number) {
    super('ERR_BUS_OVERFLOW', `bus buffer full (${bufferSize} unconfirmed messages): message refused`, { retriable: true });
    this.name = 'BusOverflowError';
  }
}

interface Pending {
  readonly seq: number;
  readonly id: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly body: string;
  readonly options: Options.Publish;
  sends: number;
  nacks: number;
  /** The channel generation it was last sent on. */
  gen: number;
  settle: { resolve: () => void; reject: (e: Error) => void } | null;
}

interface FlushWaiter {
  readonly upTo: number;
  readonly total: number;
  remaining: number;
  failed: number;
  readonly resolve: (r: { settled: number; failed: number }) => void;
}

const kNacked = 'message nacked';
/** A publish waits no longer than this many messages queued behind the linger. */
const kBurst = 500;
const kActionKindRe = /^[a-z0-9_]{1,64}$/;

export class BusPublisher {
  readonly options: BusOptions;
  readonly names: BusNames;
  readonly #link: Link;
  readonly #queue: Deque<Pending>;
  readonly #retry: Pending[] = [];
  readonly #inFlight = new Set<Pending>();
  readonly #waiters: FlushWaiter[] = [];
  #ch: ConfirmChannel | null = null;
  #gen = 0;
  #blocked = false;
  #draining = false;
  #scheduled = false;
  #closed = false;
  #seq = 0;
  #overflowing = false;
  #lingering: NodeJS.Timeout | null = null;
  readonly #pumpSoon = (): void => { this.#scheduled = false; this.#pump(); };
  readonly #pumpLate = (): void => { this.#lingering = null; this.#pump(); };
  #published = 0; #confirmed = 0; #overflow = 0; #invalid = 0; #resent = 0; #nacked = 0; #unroutable = 0; #failed = 0;

  constructor(input: BusOptionsInput = {}) {
    this.options = resolveBusOptions(input);
    this.names = busNames(this.options.prefix);
    this.#queue = new Deque(Math.min(this.options.bufferSize, 1 << 16));
    this.#link = new Link(this.options, { open: (c) => this.#open(c), down: (r) => this.#down(r) });
  }

  /** Starts connecting in the background; publish() works before the first connection (buffered). */
  start(): this {
    this.#link.start();
    return this;
  }

  /** To one agent's inbox (direct, agent.<to>) or, with to = "*", every agent's (fanout). */
  routeFor(m: AgentMessage): BusRoute {
    return m.to === kBroadcast ? { exchange: this.names.agentsFanout, routingKey: '' } : { exchange: this.names.agentsDirect, routingKey: agentKey(m.to) };
  }

  get jobRoute(): BusRoute {
    return { exchange: this.names.jobsDirect, routingKey: kRetrainingKey };
  }

  actionRoute(kind: string): BusRoute {
    if (!kActionKindRe.test(kind)) throw new LucentError('ERR_BUS_ROUTE', `action kind must be 1..64 of a-z 0-9 _, got ${JSON.stringify(kind)}`);
    return { exchange: this.names.actionsTopic, routingKey: actionKey(kind) };
  }

  /** An agent message, routed on its `to`. */
  send(m: AgentMessage): boolean {
    return this.publish(this.routeFor(m), m);
  }

  /** A retraining job (lucent.jobs.direct, ai.training.agent_retraining). */
  submitJob(m: AgentMessage): boolean {
    return this.publish(this.jobRoute, m);
  }

  /** An approved action for the executor outside the engine (lucent.actions.topic, action.<kind>). */
  publishAction(kind: string, m: AgentMessage): boolean {
    return this.publish(this.actionRoute(kind), m);
  }

  /**
   * Enqueues without waiting. True when accepted (it will be sent and confirmed, at least once);
   * false when refused, and counted: buffer full (`overflow`) or not a plausible message
   * (`invalid`, with an event naming the problem).
   */
  publish(route: BusRoute, m: AgentMessage): boolean {
    return this.#enqueue(route, m, null) === null;
  }

  /** Like publish(), resolving when the broker acks it; rejects (one line) if it is refused or given up. */
  publishConfirmed(route: BusRoute, m: AgentMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const refused = this.#enqueue(route, m, { resolve, reject });
      if (refused !== null) reject(refused);
    });
  }

  /**
   * Resolves when every message accepted before the call is confirmed or given up, with how many
   * were settled and how many failed. Rejects after timeoutMs (if given) naming what is left.
   */
  flush(timeoutMs?: number): Promise<{ settled: number; failed: number }> {
    const pending = this.#queue.length + this.#retry.length + this.#inFlight.size;
    if (pending === 0) return Promise.resolve({ settled: 0, failed: 0 });
    this.#schedule(); // what lingers goes now
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const w: FlushWaiter = {
        upTo: this.#seq,
        total: pending,
        remaining: pending,
        failed: 0,
        resolve: (r) => {
          if (timer !== null) clearTimeout(timer);
          resolve(r);
        },
      };
      this.#waiters.push(w);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const i = this.#waiters.indexOf(w);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(new LucentError('ERR_BUS_FLUSH_TIMEOUT', `bus flush: ${w.remaining} of ${pending} messages still unconfirmed after ${timeoutMs} ms (${this.#link.connected ? 'connected' : `broker unreachable: ${this.#link.lastError || 'connecting'}`})`, { retriable: true }));
        }, timeoutMs);
      }
    });
  }

  /** Flushes (up to timeoutMs), then closes. Returns how many messages were left unconfirmed. */
  async close(timeoutMs = 10_000): Promise<{ unconfirmed: number }> {
    if (!this.#closed) {
      this.#closed = true;
      await this.flush(timeoutMs).catch(() => undefined);
      await this.#link.stop();
      if (this.#lingering !== null) { clearTimeout(this.#lingering); this.#lingering = null; }
    }
    return { unconfirmed: this.#queue.length + this.#retry.length + this.#inFlight.size };
  }

  stats(): BusStats {
    return {
      connected: this.#ch !== null,
      published: this.#published,
      confirmed: this.#confirmed,
      buffered: this.#queue.length + this.#retry.length,
      inFlight: this.#inFlight.size,
      overflow: this.#overflow,
      invalid: this.#invalid,
      resent: this.#resent,
      nacked: this.#nacked,
      unroutable: this.#unroutable,
      failed: this.#failed,
      reconnects: this.#link.reconnects,
    };
  }

  #enqueue(route: BusRoute, m: AgentMessage, settle: Pending['settle']): Error | null {
    if (this.#closed) throw new LucentError('ERR_BUS_CLOSED', 'bus publish after close()');
    const problem = agentMessageProblem(m);
    let body = '';
    if (problem === null) {
      try {
        body = encodeBody(m);
      } catch (err) {
        return this.#refuseInvalid(m, (err as Error).message);
      }
    } else {
      return this.#refuseInvalid(m, problem);
    }
    if (this.#queue.length + this.#retry.length + this.#inFlight.size >= this.options.bufferSize) {
      this.#overflow++;
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.options.onEvent?.({ kind: 'overflow', overflow: this.#overflow, bufferSize: this.options.bufferSize });
      }
      const err = new BusOverflowError(this.options.bufferSize);
      if (this.options.onOverflow === 'throw') throw err;
      return err;
    }
    this.#overflowing = false;
    this.#published++;
    this.#queue.push({ seq: ++this.#seq, id: m.id, exchange: route.exchange, routingKey: route.routingKey, body, options: publishOptions(m), sends: 0, nacks: 0, gen: 0, settle });
    this.#schedule(settle === null); // a caller awaiting the ack (publishConfirmed) does not wait for the linger
    return null;
  }

  #refuseInvalid(m: AgentMessage, problem: string): Error {
    this.#invalid++;
    const id = typeof (m as { id?: unknown })?.id === 'string' ? m.id : '?';
    this.options.onEvent?.({ kind: 'invalid', id, reason: problem });
    return new LucentError('ERR_BUS_MESSAGE', `bus message refused: ${problem}`);
  }

  /**
   * A pump on the next turn of the event loop; a new message (`linger`) waits up to lingerMs for
   * others to go out with it, unless a burst's worth is already waiting. Anything else that wants
   * a pump (a confirm, a drain, a reconnect, flush()) gets it on the next turn.
   */
  #schedule(linger = false): void {
    if (this.#scheduled || this.#ch === null) return;
    const wait = this.options.lingerMs;
    if (linger && wait > 0 && this.#queue.length < Math.min(kBurst, this.options.maxInFlight)) {
      this.#lingering ??= setTimeout(this.#pumpLate, wait);
      return;
    }
    this.#scheduled = true;
    setImmediate(this.#pumpSoon);
  }

  #pump(): void {
    if (this.#lingering !== null) { clearTimeout(this.#lingering); this.#lingering = null; }
    const ch = this.#ch;
    if (ch === null || this.#blocked || this.#draining) return;
    if (this.#retry.length > 0) {
      this.#retry.sort((a, b) => b.seq - a.seq);
      for (const p of this.#retry) this.#queue.unshift(p);
      this.#retry.length = 0;
    }
    const gen = this.#gen;
    while (this.#queue.length > 0 && this.#inFlight.size < this.options.maxInFlight) {
      const p = this.#queue.shift() as Pending;
      let ok: boolean;
      try {
        ok = ch.publish(p.exchange, p.routingKey, Buffer.from(p.body), p.options, (err: Error | null) => this.#onConfirm(p, gen, err));
      } catch {
        this.#queue.unshift(p); // the channel is closing: keep it for the next connection
        return;
      }
      p.gen = gen;
      if (++p.sends > 1) this.#resent++;
      this.#inFlight.add(p);
      if (!ok) {
        this.#draining = true; // the socket's buffer is full: wait for 'drain'
        return;
      }
    }
  }

  #onConfirm(p: Pending, gen: number, err: Error | null): void {
    if (p.gen !== gen || !this.#inFlight.delete(p)) return; // already moved back by a drop
    if (err === null) {
      this.#confirmed++;
      p.settle?.resolve();
      this.#settled(p, false);
    } else if (err.message === kNacked) {
      this.#nacked++;
      if (++p.nacks >= this.options.maxNackAttempts) {
        this.#failed++;
        const reason = `nacked by the broker ${p.nacks} times`;
        p.settle?.reject(new LucentError('ERR_BUS_NACKED', `bus message ${p.id}: ${reason}`));
        this.options.onEvent?.({ kind: 'failed', id: p.id, reason });
        this.#settled(p, true);
      } else {
        this.#retry.push(p);
      }
    } else {
      this.#retry.push(p); // the channel closed before the broker answered: send it again
    }
    this.#schedule();
  }

  #settled(p: Pending, failed: boolean): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i];
      if (p.seq > w.upTo) continue;
      if (failed) w.failed++;
      if (--w.remaining === 0) {
        this.#waiters.splice(i, 1);
        w.resolve({ settled: w.total, failed: w.failed });
      }
    }
  }

  async #open(conn: ChannelModel): Promise<void> {
    coalesceWrites(conn);
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined); // the close that follows is what counts
    ch.on('close', () => { if (this.#ch === ch) this.#link.drop(); });
    ch.on('return', (msg: Message) => this.#onReturn(msg));
    ch.on('drain', () => { this.#draining = false; this.#schedule(); });
    conn.on('blocked', () => { this.#blocked = true; });
    conn.on('unblocked', () => { this.#blocked = false; this.#schedule(); });
    await assertPublisherTopology(ch, this.options);
    this.#gen++;
    this.#blocked = false;
    this.#draining = false;
    this.#ch = ch;
    this.#schedule();
  }

  #down(reason: string): void {
    this.#ch = null;
    const inFlight = this.#inFlight.size;
    for (const p of this.#inFlight) this.#retry.push(p);
    this.#inFlight.clear();
    this.options.onEvent?.({ kind: 'disconnected', reason, buffered: this.#queue.length + this.#retry.length, inFlight });
  }

  #onReturn(msg: Message): void {
    this.#unroutable++;
    const f = msg.fields as { exchange?: string; routingKey?: string };
    this.options.onEvent?.({ kind: 'unroutable', exchange: f.exchange ?? '', routingKey: f.routingKey ?? '', id: String(msg.properties.messageId ?? '') });
  }
}

/**
 * One socket write per batch of frames instead of one per message. amqplib's multiplexer writes
 * each queued frame chunk to the socket with its own write() (a system call each, and on loopback
 * the receiving side's work too); corking the socket around one pass of it turns the pass into a
 * single writev. The frames, their order and the socket's backpressure (write() returning false,
 * then 'drain') are unchanged. A connection whose internals do not look as expected is left as is.
 */
function coalesceWrites(conn: ChannelModel): void {
  const c = (conn as unknown as { connection?: { stream?: unknown; muxer?: unknown } }).connection;
  const sock = c?.stream as { cork?: () => void; uncork?: () => void } | undefined;
  const mux = c?.muxer as { _readIncoming?: () => void; coalesced?: boolean } | undefined;
  if (mux === undefined || sock === undefined || typeof mux._readIncoming !== 'function' || typeof sock.cork !== 'function' || typeof sock.uncork !== 'function' || mux.coalesced) return;
  const pass = mux._readIncoming;
  mux._readIncoming = function (this: unknown): void {
    sock.cork!();
    try {
      pass.call(this);
    } finally {
      sock.uncork!();
    }
  };
  mux.coalesced = true;
}
