// The probe endpoints.
//   /health  liveness: the process is up and its event loop responsive. Answering at all proves
//            the loop turns; the reply also fails (503) when the loop stalled for longer than the
//            limit since the previous probe (a wedged main thread that recovers between probes
//            still shows), or when the engine reports itself broken.
//   /ready   readiness: the market state is warm and every agent thread is running.
//   /metrics the Prometheus text exposition of a prom-client registry.
import type { Registry } from 'prom-client';
import { OptionError } from '../../protocol/errors.ts';
import { jsonReply, oneLine, type Reply, type Route } from './router.ts';

export interface ReadyState {
  /** The market state has seen enough ticks for agents' decisions to mean something. */
  readonly warm: boolean;
  readonly agentThreads: { readonly running: number; readonly expected: number };
}

export interface ProbeDeps {
  /** Readiness inputs, read at each probe. */
  readonly ready: () => ReadyState;
  /** A reason the engine is broken beyond recovery (liveness fails), or null. */
  readonly broken?: () => string | null;
  /** Liveness fails when the event loop stalled longer than this since the last probe. Default 2000 ms. */
  readonly stallLimitMs?: number;
}

export interface MetricsDeps {
  readonly registry: Registry;
  /** Called before each scrape, e.g. to copy a sink's counters into the metrics block. */
  readonly refresh?: () => void;
}

export const kDefaultStallLimitMs = 2000;
const kLoopPeriodMs = 100;

/**
 * The longest event-loop stall since the previous read: a 100 ms unref'd interval timer notes how
 * late it fires. (perf_hooks' monitorEventLoopDelay does not report a long block on Node 26: after
 * a 400 ms busy loop it recorded one 20 ms sample.) A read also counts the stall in progress,
 * since a probe can be served before the timer catches up.
 */
export class LoopWatch {
  readonly #timer: NodeJS.Timeout;
  #last = performance.now();
  #maxMs = 0;
  constructor() {
    this.#timer = setInterval(() => {
      const now = performance.now();
      const late = now - this.#last - kLoopPeriodMs;
      if (late > this.#maxMs) this.#maxMs = late;
      this.#last = now;
    }, kLoopPeriodMs);
    this.#timer.unref();
  }
  /** The longest stall (ms) since the previous call, then starts a new window. */
  take(): { maxMs: number } {
    const now = performance.now();
    const maxMs = Math.max(this.#maxMs, now - this.#last - kLoopPeriodMs, 0);
    this.#maxMs = 0;
    this.#last = now;
    return { maxMs: Math.round(maxMs * 100) / 100 };
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

export function healthRoute(deps: ProbeDeps, loop: LoopWatch): Route {
  const limit = deps.stallLimitMs ?? kDefaultStallLimitMs;
  if (!Number.isFinite(limit) || limit <= 0) throw new OptionError(`http.stallLimitMs must be a positive number of ms, got ${String(limit)}`);
  const started = Date.now();
  return {
    method: 'GET',
    path: '/health',
    handler: (): Reply => {
      const loopDelay = loop.take();
      let broken: string | null;
      try {
        broken = deps.broken?.() ?? null;
      } catch (err) {
        broken = `the liveness check failed: ${oneLine(err)}`;
      }
      const stalled = loopDelay.maxMs > limit;
      const status = broken !== null ? 'broken' : stalled ? 'stalled' : 'ok';
      const body = { status, uptimeS: Math.round((Date.now() - started) / 1000), eventLoopDelayMs: loopDelay, stallLimitMs: limit, ...(broken !== null ? { reason: broken } : {}) };
      return jsonReply(status === 'ok' ? 200 : 503, body);
    },
  };
}

export function readyRoute(deps: ProbeDeps): Route {
  if (typeof deps.ready !== 'function') throw new OptionError('http deps.ready must be a function returning {warm, agentThreads: {running, expected}}');
  return {
    method: 'GET',
    path: '/ready',
    handler: (): Reply => {
      let s: ReadyState;
      try {
        s = deps.ready();
      } catch (err) {
        return jsonReply(503, { ready: false, reason: `the readiness check failed: ${oneLine(err)}` });
      }
      const { running, expected } = s.agentThreads;
      const ready = s.warm === true && running === expected;
      const reasons: string[] = [];
      if (s.warm !== true) reasons.push('market state not warm');
      if (running !== expected) reasons.push(`${running} of ${expected} agent threads running`);
      return jsonReply(ready ? 200 : 503, { ready, warm: s.warm === true, agentThreads: { running, expected }, ...(ready ? {} : { reason: reasons.join('; ') }) });
    },
  };
}

export function metricsRoute(deps: MetricsDeps): Route {
  if (deps === undefined || deps.registry === undefined || typeof deps.registry.metrics !== 'function') {
    throw new OptionError('http deps.metrics.registry must be a prom-client Registry');
  }
  return {
    method: 'GET',
    path: '/metrics',
    handler: async (): Promise<Reply> => {
      deps.refresh?.();
      const text = await deps.registry.metrics();
      return { status: 200, body: text, contentType: deps.registry.contentType };
    },
  };
}
