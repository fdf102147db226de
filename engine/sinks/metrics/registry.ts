// The prom-client Registry that exposes the metrics block. Every metric reads the block when it
// is scraped (collect / get), so recording never touches prom-client: workers and the main
// thread write typed arrays; the scrape sums the regions and prom-client formats the text.
//
// Counters and gauges are prom-client's own, filled in their collect() callbacks. prom-client's
// Histogram has no way to be handed bucket counts, so BlockHistogram subclasses it and reports
// the block's counts from get(); prom-client still checks its name, labels and bounds.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BlockLayout, FamilyLayout } from '../../../protocol/metrics/block_layout.ts';
import { BlockReader } from './block_reader.ts';

export const kRejectedMetric = 'lucent_metrics_rejected_total';

export interface BlockRegistryOptions {
  /** Register into this registry instead of a new one. */
  registry?: Registry;
  /** Also expose prom-client's process metrics (CPU, memory, event-loop lag, GC). Default false. */
  processMetrics?: boolean;
}

type Labels = Record<string, string>;

/** A prom-client Registry whose metrics are the block's families, read at scrape time. */
export function createBlockRegistry(layout: BlockLayout, buffer: SharedArrayBuffer, options: BlockRegistryOptions = {}): Registry {
  const reader = new BlockReader(layout, buffer);
  const registry = options.registry ?? new Registry();
  for (const f of layout.families) {
    const labels = f.spec.series.map((values) => labelObject(f.spec.labelNames, values));
    const base = { name: f.spec.name, help: f.spec.help, labelNames: [...f.spec.labelNames], registers: [registry] };
    if (f.spec.kind === 'counter') {
      new Counter({
        ...base,
        collect(this: Counter<string>) {
          this.reset();
          for (let i = 0; i < labels.length; i++) this.inc(labels[i], reader.value(f, i));
        },
      });
    } else if (f.spec.kind === 'gauge') {
      new Gauge({
        ...base,
        collect(this: Gauge<string>) {
          for (let i = 0; i < labels.length; i++) this.set(labels[i], reader.value(f, i));
        },
      });
    } else {
      new BlockHistogram(f, labels, reader, registry);
    }
  }
  new Counter({
    name: kRejectedMetric,
    help: 'Metric observations refused by a writer (NaN, infinite, a negative counter increment, an unknown series index)',
    registers: [registry],
    collect(this: Counter<string>) {
      this.reset();
      this.inc(reader.rejected());
    },
  });
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  return registry;
}

interface ValueLine {
  value: number;
  labels: Labels;
  metricName: string;
}

type HistogramGet = ReturnType<Histogram<string>['get']>;

class BlockHistogram extends Histogram<string> {
  readonly #family: FamilyLayout;
  readonly #labels: readonly Labels[];
  readonly #reader: BlockReader;
  readonly #le: readonly string[];

  constructor(f: FamilyLayout, labels: readonly Labels[], reader: BlockReader, registry: Registry) {
    const bounds = [...(f.bounds as Float64Array)];
    super({ name: f.spec.name, help: f.spec.help, labelNames: [...f.spec.labelNames], buckets: bounds, registers: [registry] });
    this.#family = f;
    this.#labels = labels;
    this.#reader = reader;
    this.#le = [...bounds.map((b) => String(b)), '+Inf'];
  }

  override async get(): HistogramGet {
    const name = this.#family.spec.name;
    const values: ValueLine[] = [];
    for (let i = 0; i < this.#labels.length; i++) {
      const h = this.#reader.histogram(this.#family, i);
      const labels = this.#labels[i];
      for (let b = 0; b < this.#le.length; b++) {
        values.push({ value: h.cumulative[b], labels: { ...labels, le: this.#le[b] }, metricName: `${name}_bucket` });
      }
      values.push({ value: h.sum, labels, metricName: `${name}_sum` });
      values.push({ value: h.count, labels, metricName: `${name}_count` });
    }
    // prom-client's typings declare `type` as an enum; its runtime (and the text format) uses the word.
    const out = { name, help: this.#family.spec.help, type: 'histogram', aggregator: 'sum', values };
    return out as unknown as Awaited<HistogramGet>;
  }

  /** The registry formats text from this when present; the block's lines need no splaying. */
  async getForPromString(): Promise<unknown> {
    return this.get();
  }
}

function labelObject(names: readonly string[], values: readonly string[]): Labels {
  const o: Labels = {};
  names.forEach((n, i) => { o[n] = values[i]; });
  return o;
}
