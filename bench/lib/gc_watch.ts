// Garbage-collection and memory watching: every GC of this thread (kind, start, pause) from
// PerformanceObserver 'gc' entries, and samples of RSS, heap use and bytes allocated so far
// (v8.getHeapStatistics().total_allocated_bytes) taken at chosen points.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

export interface GcEvent {
  kind: 'minor' | 'major' | 'incremental' | 'weakcb' | 'other';
  startMs: number; // performance.now() time base
  pauseMs: number;
}

export interface MemSample {
  tMs: number;
  events: number;
  rssBytes: number;
  heapUsedBytes: number;
  allocatedBytes: number;
}

export function gcKindName(kind: number): GcEvent['kind'] {
  if (kind === constants.NODE_PERFORMANCE_GC_MINOR) return 'minor';
  if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) return 'major';
  if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) return 'incremental';
  if (kind === constants.NODE_PERFORMANCE_GC_WEAKCB) return 'weakcb';
  return 'other';
}

export class GcWatch {
  readonly events: GcEvent[] = [];
  readonly #obs: PerformanceObserver;

  constructor() {
    this.#obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1;
        this.events.push({ kind: gcKindName(kind), startMs: e.startTime, pauseMs: e.duration });
      }
    });
    this.#obs.observe({ entryTypes: ['gc'] });
  }

  /** Entries are delivered on the event loop: call after yielding to it. */
  between(fromMs: number, toMs: number): GcEvent[] {
    return this.events.filter((e) => e.startMs >= fromMs && e.startMs <= toMs);
  }

  stop(): void { this.#obs.disconnect(); }
}

export function sampleMemory(events: number): MemSample {
  const h = getHeapStatistics() as ReturnType<typeof getHeapStatistics> & { total_allocated_bytes?: number };
  return { tMs: performance.now(), events, rssBytes: process.memoryUsage.rss(), heapUsedBytes: h.used_heap_size, allocatedBytes: h.total_allocated_bytes ?? NaN };
}

/** Bytes that one sampleMemory() call itself allocates (subtracted from allocation figures). */
export function samplingCostBytes(): number {
  const n = 200;
  for (let i = 0; i < 20; i++) sampleMemory(0);
  const a = sampleMemory(0).allocatedBytes;
  for (let i = 0; i < n; i++) sampleMemory(0);
  const b = sampleMemory(0).allocatedBytes;
  return Math.max(0, (b - a) / (n + 1));
}

/** Exact percentile (nearest rank) of a small array. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((x, y) => x - y);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}
