// One catch-up subscription loop for the adapters that read pages themselves (embedded log,
// PostgreSQL): read the events after the checkpoint page by page, deliver them one at a time,
// and when a page comes back short (caught up), wait for the store to signal a commit (or for a
// poll interval) and read again. Catch-up and live delivery are the same code, so nothing falls
// between them: the change counter is read before each page, and a commit signalled during the
// read wakes the wait at once.
import { EventStoreError } from './errors.ts';
import type { RecordedEvent, SubscribeOptions, Subscription } from './types.ts';

/** Events read per page while catching up. */
export const kSubscriptionPage = 512;

/** A counter the store bumps after each commit; subscriptions wait for it to move. */
export class ChangeSignal {
  #seq = 0;
  #waiters: (() => void)[] = [];

  get seq(): number { return this.#seq; }

  notify(): void {
    this.#seq++;
    const w = this.#waiters;
    if (w.length === 0) return;
    this.#waiters = [];
    for (const wake of w) wake();
  }

  /** Resolves once seq differs from `since`, the signal aborts, or `timeoutMs` passes (0: no timeout). */
  wait(since: number, abort: AbortSignal, timeoutMs = 0): Promise<void> {
    if (this.#seq !== since || abort.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        abort.removeEventListener('abort', done);
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve();
      };
      this.#waiters.push(done);
      abort.addEventListener('abort', done, { once: true });
      if (timeoutMs > 0) timer = setTimeout(done, timeoutMs);
    });
  }
}

export interface PageSource {
  /** Events after `after` (exclusive; null: from the first), at most `max`, in order. */
  readAfter(after: number | null, max: number): Promise<RecordedEvent[]>;
  /** The checkpoint of an event: its revision (stream) or position (all). */
  key(e: RecordedEvent): number;
  /** The checkpoint of the last event now, or null when there is none (for from: 'end'). */
  head(): Promise<number | null>;
  signal: ChangeSignal;
  /** Re-read at least this often even without a signal (0: only on signals). */
  pollMs: number;
}

export function runSubscription(source: PageSource, options: SubscribeOptions, from: number | 'start' | 'end', onStopped?: () => void): Subscription {
  const abort = new AbortController();
  let resolveCaughtUp!: () => void;
  let rejectCaughtUp!: (e: Error) => void;
  const caughtUp = new Promise<void>((res, rej) => { resolveCaughtUp = res; rejectCaughtUp = rej; });
  caughtUp.catch(() => undefined); // a caller that never awaits it is not an unhandled rejection
  let isCaughtUp = false;

  const loop = async (): Promise<void> => {
    let after: number | null = from === 'start' ? null : from === 'end' ? await source.head() : from;
    while (!abort.signal.aborted) {
      const seen = source.signal.seq;
      const page = await source.readAfter(after, kSubscriptionPage);
      for (const e of page) {
        if (abort.signal.aborted) return;
        await options.onEvent(e);
        after = source.key(e);
      }
      if (page.length < kSubscriptionPage) {
        if (!isCaughtUp) {
          isCaughtUp = true;
          resolveCaughtUp();
          options.onCaughtUp?.();
        }
        await source.signal.wait(seen, abort.signal, source.pollMs);
      }
    }
  };

  const done = loop().then(
    () => undefined,
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      if (!isCaughtUp) rejectCaughtUp(e);
      if (!abort.signal.aborted) options.onError?.(e);
    },
  ).finally(() => {
    if (!isCaughtUp) rejectCaughtUp(new EventStoreError('the subscription stopped before it caught up'));
    onStopped?.();
  });

  return {
    caughtUp,
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

/** What the page sources need of a store: its own reads. */
export interface PagedReads {
  readStream(stream: string, options: { fromRevision: number; maxCount: number }): Promise<RecordedEvent[]>;
  readAll(options: { fromPosition: number; maxCount: number }): Promise<RecordedEvent[]>;
  streamRevision(stream: string): Promise<number | null>;
}

/** A stream's events after a revision, read through the store. */
export function streamPages(store: PagedReads, stream: string, signal: ChangeSignal, pollMs: number): PageSource {
  return {
    readAfter: (after, max) => store.readStream(stream, { fromRevision: after === null ? 0 : after + 1, maxCount: max }),
    key: (e) => e.revision,
    head: () => store.streamRevision(stream),
    signal,
    pollMs,
  };
}

/** All events after a position (positions dense enough that position + 1 is a valid start), read through the store. */
export function allPages(store: PagedReads, lastPosition: () => Promise<number | null>, signal: ChangeSignal, pollMs: number): PageSource {
  return {
    readAfter: (after, max) => store.readAll({ fromPosition: after === null ? 0 : after + 1, maxCount: max }),
    key: (e) => e.position,
    head: lastPosition,
    signal,
    pollMs,
  };
}

/** A store's live subscriptions, so close() can stop them all. */
export class SubscriptionSet {
  readonly #subs = new Set<Subscription>();

  /** Starts a subscription; `onStop` (e.g. ending a native subscription) runs once when it stops, however it stops. */
  start(source: PageSource, options: SubscribeOptions, from: number | 'start' | 'end', onStop?: () => Promise<void>): Subscription {
    let stopped: Promise<void> | null = null;
    const stopOnce = (): Promise<void> => (stopped ??= onStop ? onStop() : Promise.resolve());
    let sub: Subscription | null = null;
    const inner = runSubscription(source, options, from, () => {
      if (sub) this.#subs.delete(sub);
      void stopOnce();
    });
    sub = { caughtUp: inner.caughtUp, stop: async () => { await inner.stop(); await stopOnce(); } };
    this.#subs.add(sub);
    return sub;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#subs].map((s) => s.stop()));
  }
}
