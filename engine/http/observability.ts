// The seam between the engine and its observability: one call allocates the metrics block, starts
// the bus publisher (if configured) and the HTTP endpoints, and copies the bus's counters into the
// block at each scrape; stop() closes them in reverse order (HTTP first, so a scrape never reads a
// closed bus; then the bus, flushing what it holds). Agent threads get their region through
// `metrics.handoff(region)` at start and record with EngineMetrics; nothing else crosses threads.
import { OptionError } from '../../protocol/errors.ts';
import type { BusOptionsInput } from '../sinks/bus/bus_options.ts';
import { BusPublisher } from '../sinks/bus/publisher.ts';
import type { EngineMetricsSchema } from '../../protocol/metrics/catalogue.ts';
import { createMetricsHost, type MetricsHost } from '../sinks/metrics/metrics_host.ts';
import type { ProbeDeps } from './probes.ts';
import { startHttp, type HttpConfig, type HttpHandle } from './server.ts';

export const kBusSink = 'bus';

export interface ObservabilityOptions extends ProbeDeps {
  readonly metrics: EngineMetricsSchema;
  /** null: no HTTP endpoints (the block is still recorded into). */
  readonly http: HttpConfig | null;
  /** null: no bus. With a bus, metrics.sinks must list "bus". */
  readonly bus: BusOptionsInput | null;
  /** Also expose prom-client's process metrics (CPU, memory, GC, event-loop lag). */
  readonly processMetrics?: boolean;
  /** Called before each scrape (after nothing else): the engine copies its gauges into the block. */
  readonly refresh?: () => void;
}

export interface Observability {
  readonly metrics: MetricsHost;
  readonly bus: BusPublisher | null;
  readonly http: HttpHandle | null;
  /** Stops HTTP, then flushes and closes the bus (up to busTimeoutMs); returns what the bus left unconfirmed. */
  stop(busTimeoutMs?: number): Promise<{ busUnconfirmed: number }>;
}

export async function startObservability(o: ObservabilityOptions): Promise<Observability> {
  const metrics = createMetricsHost(o.metrics, { processMetrics: o.processMetrics === true });
  const busSink = o.metrics.sinks.indexOf(kBusSink);
  if (o.bus !== null && busSink < 0) throw new OptionError(`metrics.sinks must list "${kBusSink}" when the bus is on`);
  const bus = o.bus === null ? null : new BusPublisher(o.bus).start();
  const refresh = bus === null ? o.refresh : (): void => {
    o.refresh?.();
    const s = bus.stats();
    metrics.main.sinkBacklog(busSink, s.buffered + s.inFlight);
    metrics.main.sinkOverflowTotal(busSink, s.overflow);
  };
  let http: HttpHandle | null = null;
  try {
    if (o.http !== null) http = await startHttp(o.http, { ...o, metrics: { registry: metrics.registry, refresh } });
  } catch (err) {
    await bus?.close(0);
    throw err;
  }
  return {
    metrics,
    bus,
    http,
    async stop(busTimeoutMs = 10_000) {
      await http?.stop();
      const left = bus === null ? { unconfirmed: 0 } : await bus.close(busTimeoutMs);
      return { busUnconfirmed: left.unconfirmed };
    },
  };
}
