// The prom-client Registry that exposes the metrics block. Every metric reads the block when it
// is scraped (collect / get), so recording never touches prom-client: workers and the main
// thread write typed arrays; the scrape sums the regions and prom-client formats the text.
//
// Counters and gauges are prom-client's own, filled in their collect() callbacks. prom-client's
// Histogram has no way to be handed bucket counts, so BlockHistogram subclasses it and reports
// the block's counts from get(); prom-client still checks its name, labels and bounds.
//
// The scrape's text: prom-client builds an object per sample line (a labels object per bucket,
// copied again to format it) and escapes every label each time: about 3 ms of the main thread and
// 1.4 MB of garbage per scrape of the engine's block (bench/sink_parts.ts notes). The block's
// series are fixed at start, so BlockRegistry keeps each sample line's text up to its value,
// built once with prom-client's escaping, and a scrape writes the values after them: the same
// text, byte for byte (registry.test.ts compares it with prom-client's own rendering). Other
// metrics in the registry (the operator's control metrics, process metrics) are rendered by
// prom-client as before; so is everything when default labels or OpenMetrics are asked for.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { BlockLayout, FamilyLayout } from '../../../protocol/metrics/block_layout.ts';
import { BlockReader } from './block_reader.ts';

export const kRejectedMetric = 'lucent_metrics_rejected_total';
const kRejectedHelp = 'Metric observations refused by a writer (NaN, infinite, a negative counter increment, an unknown series index)';

export interface BlockRegistryOptions {
  /** Register into this registry instead of a new one. */
  registry?: Registry;
  /** Also expose prom-client's process metrics (CPU, memory, event-loop lag, GC). Default false. */
  processMetrics?: boolean;
}

type Labels = Record<string, string>;

/** Renders a block metric's text (help, type and samples) from the block, without prom-client. */
const kBlockText = Symbol('blockText');
type BlockText = { [kBlockText]?: () => string };

/** A Registry that renders the block's metrics from cached sample-line prefixes (see the file comment). */
export class BlockRegistry extends Registry {
  #defaultLabels = false;
  /** When false, every metric goes through prom-client's formatting (the reference the tests compare with). */
  fastText = true;

  override setDefaultLabels(labels: object): void {
    this.#defaultLabels = Object.keys(labels).length > 0;
    super.setDefaultLabels(labels);
  }

  override async metrics(): Promise<string> {
    if (!this.fastText || this.#defaultLabels || this.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) return super.metrics();
    const slow = this as unknown as { getMetricsAsString(m: unknown): Promise<string> };
    const parts = await Promise.all(this.getMetricsAsArray().map((m) => (m as BlockText)[kBlockText]?.() ?? slow.getMetricsAsString(m)));
    return `${parts.join('\n\n')}\n`;
  }
}

/** A prom-client Registry whose metrics are the block's families, read at scrape time. */
export function createBlockRegistry(layout: BlockLayout, buffer: SharedArrayBuffer, options: BlockRegistryOptions = {}): Registry {
  const reader = new BlockReader(layout, buffer);
  const registry = options.registry ?? new BlockRegistry();
  for (const f of layout.families) {
    const labels = f.spec.series.map((values) => labelObject(f.spec.labelNames, values));
    const base = { name: f.spec.name, help: f.spec.help, labelNames: [...f.spec.labelNames], registers: [registry] };
    let metric: Metric;
    if (f.spec.kind === 'counter') {
      metric = new Counter({
        ...base,
        collect(this: Counter<string>) {
          this.reset();
          for (let i = 0; i < labels.length; i++) this.inc(labels[i], reader.value(f, i));
        },
      });
    } else if (f.spec.kind === 'gauge') {
      metric = new Gauge({
        ...base,
        collect(this: Gauge<string>) {
          for (let i = 0; i < labels.length; i++) this.set(labels[i], reader.value(f, i));
        },
      });
    } else {
      metric = new BlockHistogram(f, labels, reader, registry);
    }
    (metric as BlockText)[kBlockText] = familyText(f, labels, reader);
  }
  const rejected = new Counter({
    name: kRejectedMetric,
    help: kRejectedHelp,
    registers: [registry],
    collect(this: Counter<string>) {
      this.reset();
      this.inc(reader.rejected());
    },
  });
  const rejectedText = `${header(kRejectedMetric, kRejectedHelp, 'counter')}\n${kRejectedMetric} `;
  (rejected as BlockText)[kBlockText] = () => rejectedText + valueText(reader.rejected());
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

/**
 * A family's text renderer: each sample line's text up to its value built once, as prom-client
 * formats it (labels in labelNames order, then le; values escaped), so a scrape only adds numbers.
 */
function familyText(f: FamilyLayout, labels: readonly Labels[], reader: BlockReader): () => string {
  const name = f.spec.name;
  const head = header(name, f.spec.help, f.spec.kind);
  const stride = f.stride;
  const first = reader.layout.slotOf(f, 0);
  if (f.bounds === null) {
    const lines = labels.map((l) => `\n${name}${labelText(l)} `);
    return () => {
      let out = head;
      for (let i = 0; i < lines.length; i++) out += lines[i] + valueText(reader.total(first + i * stride));
      return out;
    };
  }
  const nb = f.bounds.length; // bucket slots nb + 1 (the last is +Inf), then the sum
  const le = [...[...f.bounds].map((b) => String(b)), '+Inf'];
  const buckets = labels.map((l) => le.map((x) => `\n${name}_bucket${labelText({ ...l, le: x })} `));
  const sums = labels.map((l) => `\n${name}_sum${labelText(l)} `);
  const counts = labels.map((l) => `\n${name}_count${labelText(l)} `);
  return () => {
    let out = head;
    for (let i = 0; i < labels.length; i++) {
      const at = first + i * stride;
      const lines = buckets[i]!;
      let acc = 0;
      for (let b = 0; b <= nb; b++) {
        acc += reader.total(at + b);
        out += lines[b] + valueText(acc);
      }
      out += sums[i] + valueText(reader.total(at + nb + 1)) + counts[i] + valueText(acc);
    }
    return out;
  };
}

/** `# HELP` and `# TYPE` as prom-client writes them. */
function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}`;
}

/** `{a="x",b="y"}` (empty for no labels), label values escaped as prom-client escapes them. */
function labelText(l: Labels): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** A sample's value as prom-client writes it. */
function valueText(v: number): string {
  return Number.isNaN(v) ? 'Nan' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`;
}

function labelObject(names: readonly string[], values: readonly string[]): Labels {
  const o: Labels = {};
  names.forEach((n, i) => { o[n] = values[i]; });
  return o;
}
