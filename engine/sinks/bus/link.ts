// A connection to the broker that comes back: connect, let the owner open its channels, wait for
// the connection to close, and reconnect after an exponential backoff with jitter, until stop().
// The owner learns of each loss through `down` (with the reason) and of each new connection
// through `open`, where it declares its topology again.
import { connect, type ChannelModel } from 'amqplib';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { BusEvent } from './bus_options.ts';

export interface LinkOptions {
  readonly url: string;
  readonly heartbeatS: number;
  readonly connectTimeoutMs: number;
  readonly backoff: BackoffOptions;
  readonly onEvent: ((e: BusEvent) => void) | null;
}

export interface LinkHooks {
  /** On each new connection: open channels, declare topology. A throw closes it and retries. */
  open(conn: ChannelModel): Promise<void>;
  /** An opened connection was lost (not called for stop()). */
  down(reason: string): void;
}

export class Link {
  readonly #o: LinkOptions;
  readonly #hooks: LinkHooks;
  #conn: ChannelModel | null = null;
  #stopped = false;
  #running: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** Successful connections after the first. */
  reconnects = 0;
  /** The last reason a connection attempt failed or a connection was lost. */
  lastError = '';

  readonly #url: string;

  constructor(o: LinkOptions, hooks: LinkHooks) {
    this.#o = o;
    const u = new URL(o.url); // amqplib takes the heartbeat from the URL's query
    if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(o.heartbeatS));
    this.#url = u.toString();
    this.#hooks = hooks;
  }

  get connected(): boolean {
    return this.#conn !== null;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Closes the current connection so that the next one starts clean (e.g. a channel was lost). */
  drop(): void {
    this.#conn?.close().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#wake?.();
    const c = this.#conn;
    this.#conn = null;
    if (c !== null) await c.close().catch(() => undefined);
    await this.#running;
  }

  async #run(): Promise<void> {
    let attempt = 0;
    let everUp = false;
    while (!this.#stopped) {
      let conn: ChannelModel | null = null;
      try {
        conn = await connect(this.#url, { timeout: this.#o.connectTimeoutMs });
        conn.on('error', () => undefined); // the close that follows carries the reason
        const c = conn;
        const closed = new Promise<string>((resolve) => c.once('close', (err?: Error) => resolve(err ? oneLine(err) : 'connection closed')));
        await this.#hooks.open(conn);
        if (this.#stopped) {
          await conn.close().catch(() => undefined);
          break;
        }
        this.#conn = conn;
        attempt = 0;
        if (everUp) this.reconnects++;
        everUp = true;
        this.#o.onEvent?.({ kind: 'connected', reconnects: this.reconnects });
        this.lastError = await closed;
        if (this.#stopped) break;
        this.#conn = null;
        this.#hooks.down(this.lastError);
      } catch (err) {
        this.lastError = oneLine(err);
        if (conn !== null) conn.close().catch(() => undefined);
      }
      if (this.#stopped) break;
      const delayMs = backoffDelay(attempt++, this.#o.backoff);
      this.#o.onEvent?.({ kind: 'retry', attempt, delayMs: Math.round(delayMs), reason: this.lastError });
      await this.#sleep(delayMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms);
    });
  }
}

export function oneLine(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown };
  const text = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  const first = text.split('\n', 1)[0];
  return typeof e?.code === 'string' && !first.includes(e.code) ? `${first} (${e.code})` : first;
}
