// The metrics block: every metric series as Float64 slots in one SharedArrayBuffer, laid out once
// at start from plain data (a BlockSpec) that any thread can rebuild the same way.
//
// The block holds one *region* per writer thread (region 0 is the main thread). Every region has
// a slot for every series, so each slot has exactly one writer whatever the agent-to-thread
// topology, and the reader sums the regions at scrape time. Regions are padded to whole 64-byte
// lines, plus one guard line, so two threads never write the same cache line.
//
// Inside a region, a family's series follow each other at a fixed stride:
//   counter, gauge   1 slot:  the value
//   histogram        B + 2:   B bucket counts (value <= bound[i], not cumulative), the +Inf
//                             count, then the sum of observed values
// A counter or histogram's total is the sum over regions. So is a gauge's: give a gauge series one
// writer thread (queue depth on the main thread), or let each thread set its own share of it.
// Slot 0 of every region counts observations the writer refused (NaN, an infinite value, a
// negative counter increment), so a bad value is counted, never silently written or lost.
import { OptionError } from '../errors.ts';
import { checkBuckets } from './buckets.ts';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface FamilySpec {
  readonly name: string;
  readonly help: string;
  readonly kind: MetricKind;
  readonly labelNames: readonly string[];
  /** Label values, one array per series, in `labelNames` order. Fixed at start. */
  readonly series: readonly (readonly string[])[];
  /** Histogram bucket upper bounds (strictly increasing; +Inf is implicit). */
  readonly buckets?: readonly number[];
}

/** Plain data (structured-cloneable): what a worker needs, with the buffer, to open a writer. */
export interface BlockSpec {
  /** Writer regions: 1 + the number of threads that record (region 0 is the main thread). */
  readonly writers: number;
  readonly families: readonly FamilySpec[];
}

/** What a thread is handed once, at start, to record into the block. */
export interface MetricsHandoff {
  readonly spec: BlockSpec;
  readonly buffer: SharedArrayBuffer;
  readonly region: number;
}

/** A histogram series: where its slots start in a region, and its family's bounds. */
export interface HistogramSlot {
  readonly at: number;
  readonly bounds: Float64Array;
}

export interface FamilyLayout {
  readonly spec: FamilySpec;
  /** Slot of the first series within a region. */
  readonly first: number;
  /** Slots per series. */
  readonly stride: number;
  /** Histogram bounds, or null. */
  readonly bounds: Float64Array | null;
}

export const kSlotRejected = 0;
const kReservedSlots = 1;
const kSlotsPerLine = 8; // 64 bytes of Float64
const kMaxWriters = 256;
const kMaxSlots = 1 << 22; // 32 MiB per region: far beyond any sane label cardinality
const kNameRe = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const kLabelRe = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class BlockLayout {
  readonly spec: BlockSpec;
  readonly writers: number;
  /** Float64 slots per region, padded to whole lines plus a guard line. */
  readonly regionSlots: number;
  readonly byteLength: number;
  readonly families: readonly FamilyLayout[];
  readonly #byName = new Map<string, FamilyLayout>();
  readonly #series = new Map<string, Map<string, number>>();

  constructor(spec: BlockSpec) {
    if (spec === null || typeof spec !== 'object') throw new OptionError('metrics spec must be an object');
    if (!Number.isInteger(spec.writers) || spec.writers < 1 || spec.writers > kMaxWriters) {
      throw new OptionError(`metrics.writers must be an integer in 1..${kMaxWriters}, got ${String(spec.writers)}`);
    }
    if (!Array.isArray(spec.families)) throw new OptionError('metrics.families must be an array');
    this.spec = spec;
    this.writers = spec.writers;
    let slot = kReservedSlots;
    const families: FamilyLayout[] = [];
    for (const f of spec.families as readonly FamilySpec[]) {
      checkFamily(f);
      if (this.#byName.has(f.name)) throw new OptionError(`metrics: family ${f.name} is declared twice`);
      const bounds = f.kind === 'histogram' ? Float64Array.from(f.buckets ?? []) : null;
      const stride = bounds === null ? 1 : bounds.length + 2;
      const layout: FamilyLayout = { spec: f, first: slot, stride, bounds };
      const index = new Map<string, number>();
      f.series.forEach((values, i) => {
        const key = values.join('\u0000');
        if (index.has(key)) throw new OptionError(`metrics: ${f.name} lists the series ${formatLabels(f.labelNames, values)} twice`);
        index.set(key, i);
      });
      slot += stride * f.series.length;
      if (slot > kMaxSlots) throw new OptionError(`metrics: the block would need more than ${kMaxSlots} slots per region at ${f.name}`);
      families.push(layout);
      this.#byName.set(f.name, layout);
      this.#series.set(f.name, index);
    }
    this.families = families;
    this.regionSlots = Math.ceil(slot / kSlotsPerLine) * kSlotsPerLine + kSlotsPerLine;
    this.byteLength = this.regionSlots * 8 * this.writers;
  }

  family(name: string): FamilyLayout {
    const f = this.#byName.get(name);
    if (f === undefined) throw new OptionError(`metrics: no family named ${name}`);
    return f;
  }

  /** Slot of series `i` of a family, within a region. */
  slotOf(f: FamilyLayout, i: number): number {
    return f.first + f.stride * i;
  }

  /** The slot of a counter series; labels by name or as values in label order. */
  counter(name: string, labels: LabelsInput = []): number {
    return this.#slot(name, 'counter', labels);
  }

  gauge(name: string, labels: LabelsInput = []): number {
    return this.#slot(name, 'gauge', labels);
  }

  histogram(name: string, labels: LabelsInput = []): HistogramSlot {
    const at = this.#slot(name, 'histogram', labels);
    return { at, bounds: this.family(name).bounds as Float64Array };
  }

  #slot(name: string, kind: MetricKind, labels: LabelsInput): number {
    const f = this.family(name);
    if (f.spec.kind !== kind) throw new OptionError(`metrics: ${name} is a ${f.spec.kind}, not a ${kind}`);
    const values = labelValues(f.spec, labels);
    const i = this.#series.get(name)!.get(values.join('\u0000'));
    if (i === undefined) throw new OptionError(`metrics: ${name} has no series ${formatLabels(f.spec.labelNames, values)}`);
    return this.slotOf(f, i);
  }
}

export type LabelsInput = Readonly<Record<string, string>> | readonly string[];

/** A zeroed block for a layout. */
export function allocateBlock(layout: BlockLayout): SharedArrayBuffer {
  return new SharedArrayBuffer(layout.byteLength);
}

/** Checks that a buffer fits a layout, naming what is wrong. */
export function checkBlock(layout: BlockLayout, buffer: SharedArrayBuffer): void {
  if (!(buffer instanceof SharedArrayBuffer)) throw new OptionError('metrics buffer must be a SharedArrayBuffer');
  if (buffer.byteLength !== layout.byteLength) {
    throw new OptionError(`metrics buffer is ${buffer.byteLength} bytes, the layout needs ${layout.byteLength}`);
  }
}

function labelValues(f: FamilySpec, labels: LabelsInput): readonly string[] {
  if (Array.isArray(labels)) {
    if (labels.length !== f.labelNames.length) {
      throw new OptionError(`metrics: ${f.name} takes ${f.labelNames.length} label values (${f.labelNames.join(', ')}), got ${labels.length}`);
    }
    return labels;
  }
  const rec = labels as Readonly<Record<string, string>>;
  for (const k of Object.keys(rec)) {
    if (!f.labelNames.includes(k)) throw new OptionError(`metrics: ${f.name} has no label ${k} (labels: ${f.labelNames.join(', ') || 'none'})`);
  }
  return f.labelNames.map((n) => {
    const v = rec[n];
    if (typeof v !== 'string') throw new OptionError(`metrics: ${f.name} needs label ${n}`);
    return v;
  });
}

function checkFamily(f: FamilySpec): void {
  const name = f?.name;
  if (typeof name !== 'string' || !kNameRe.test(name)) throw new OptionError(`metrics: family name ${JSON.stringify(name)} is not a valid metric name`);
  if (typeof f.help !== 'string' || f.help === '') throw new OptionError(`metrics: ${name}.help must be a non-empty string`);
  if (f.kind !== 'counter' && f.kind !== 'gauge' && f.kind !== 'histogram') {
    throw new OptionError(`metrics: ${name}.kind must be counter, gauge or histogram, got ${JSON.stringify(f.kind)}`);
  }
  if (!Array.isArray(f.labelNames)) throw new OptionError(`metrics: ${name}.labelNames must be an array`);
  for (const l of f.labelNames) {
    if (typeof l !== 'string' || !kLabelRe.test(l) || l.startsWith('__') || (f.kind === 'histogram' && l === 'le')) {
      throw new OptionError(`metrics: ${name} label name ${JSON.stringify(l)} is not allowed`);
    }
  }
  if (!Array.isArray(f.series) || f.series.length === 0) throw new OptionError(`metrics: ${name}.series must list at least one series`);
  for (const s of f.series) {
    if (!Array.isArray(s) || s.length !== f.labelNames.length || s.some((v) => typeof v !== 'string' || v === '')) {
      throw new OptionError(`metrics: ${name} series ${JSON.stringify(s)} must give a non-empty value for each of ${f.labelNames.join(', ') || 'no labels'}`);
    }
  }
  if (f.kind === 'histogram') checkBuckets(`metrics: ${name}.buckets`, f.buckets ?? []);
  else if (f.buckets !== undefined) throw new OptionError(`metrics: ${name} is a ${f.kind}; only histograms take buckets`);
}

function formatLabels(names: readonly string[], values: readonly string[]): string {
  return `{${names.map((n, i) => `${n}="${values[i]}"`).join(',')}}`;
}
