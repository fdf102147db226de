// Binance raw captures → fixture events. The files are merged by local receive time with a
// streaming k-way merge (one decompressed chunk per file in memory at a time). bookTicker messages
// become price_update events at ts = floor(receive_ns / 1000); the last trade price seen since the
// previous bookTicker of the same symbol rides along as `last`; depth diffs, REST snapshots and
// other streams are counted and skipped; malformed lines are counted with file and line and skipped.
import { basename } from 'node:path';
import type { MarketEvent } from '../../protocol/events.ts';
import { contractsToBase, pairOfSymbol, parseCaptureLine, venueOfCaptureFile } from './binance_capture.ts';
import type { CaptureLine } from './binance_capture.ts';
import { gzLineBatches } from './jsonl_gz.ts';

export interface FileSummary {
  file: string;
  venue: string;
  lines: number;
  bookTicker: number;
  trade: number;
  depth: number;
  snapshot: number;
  other: number;
  malformed: number;
}

export interface MalformedLine {
  file: string;
  line: number;
  reason: string;
}

export interface ConvertSummary {
  files: FileSummary[];
  eventsWritten: number;
  eventsByKey: Record<string, number>;
  /** Lines read but not turned into events, by kind (trades feed `last` instead). */
  skipped: { trade: number; depth: number; snapshot: number; other: number };
  malformed: number;
  /** The first kMaxMalformedListed malformed lines. */
  malformedLines: MalformedLine[];
  /** Events whose receive time went backwards within a file; written at the previous ts. */
  clampedTs: number;
  firstTs: number;
  lastTs: number;
}

export const kMaxMalformedListed = 1000;

interface Head {
  line: string;
  lineNo: number;
  parsed: CaptureLine;
  ns: bigint;
}

/** One file's read position: a batch of lines and the parsed line at the head. */
class CaptureCursor {
  readonly summary: FileSummary;
  readonly order: number;
  head: Head | null = null;
  readonly #batches: AsyncGenerator<string[]>;
  #batch: string[] = [];
  #pos = 0;
  #lastNs = 0n;

  constructor(path: string, venue: string, order: number) {
    this.summary = { file: path, venue, lines: 0, bookTicker: 0, trade: 0, depth: 0, snapshot: 0, other: 0, malformed: 0 };
    this.order = order;
    this.#batches = gzLineBatches(path);
  }

  /** Moves the head to the next line; false when the current batch is used up (call refill()). */
  step(): boolean {
    if (this.#pos >= this.#batch.length) return false;
    const line = this.#batch[this.#pos++]!;
    const lineNo = ++this.summary.lines;
    const parsed = line.length === 0 ? { kind: 'malformed' as const, ns: null, reason: 'empty line' } : parseCaptureLine(line);
    // a line without a readable receive time keeps its file's place in the merge
    const ns = parsed.ns ?? this.#lastNs;
    this.#lastNs = ns;
    this.head = { line, lineNo, parsed, ns };
    return true;
  }

  /** Loads the next batch and steps; false at the end of the file. */
  async refill(): Promise<boolean> {
    for (;;) {
      const r = await this.#batches.next();
      if (r.done) {
        this.head = null;
        return false;
      }
      this.#batch = r.value;
      this.#pos = 0;
      if (this.step()) return true;
    }
  }

  async advance(): Promise<boolean> {
    return this.step() || this.refill();
  }
}

function before(a: CaptureCursor, b: CaptureCursor): boolean {
  const x = a.head!.ns;
  const y = b.head!.ns;
  return x < y || (x === y && a.order < b.order);
}

/** A binary heap of cursors by (head receive time, file order). */
class CursorHeap {
  readonly items: CaptureCursor[] = [];

  push(c: CaptureCursor): void {
    const h = this.items;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** Restores order after the top's head changed (or removes it when its head is null). */
  fixTop(): void {
    const h = this.items;
    if (h[0]!.head === null) {
      const last = h.pop()!;
      if (h.length === 0) return;
      h[0] = last;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, h[i]!)) break;
      [h[i], h[c]] = [h[c]!, h[i]!];
      i = c;
    }
  }
}

export interface ConvertOptions {
  /** Capture files (.gz), merged in this order on equal receive times. */
  files: readonly string[];
  /** Receives each event in ts order; may return a promise to apply backpressure. */
  onEvent: (event: MarketEvent) => void | Promise<void>;
}

/** Converts capture files into price_update events. Malformed lines never stop the run. */
export async function convertBinanceCaptures(options: ConvertOptions): Promise<ConvertSummary> {
  const cursors = options.files.map((file, k) => {
    const venue = venueOfCaptureFile(file);
    if (venue === null) throw new Error(`cannot tell the venue of ${file}: its name must start with spot_, usdm_ or cm_`);
    return new CaptureCursor(file, venue, k);
  });
  const summary: ConvertSummary = {
    files: cursors.map((c) => c.summary),
    eventsWritten: 0,
    eventsByKey: {},
    skipped: { trade: 0, depth: 0, snapshot: 0, other: 0 },
    malformed: 0,
    malformedLines: [],
    clampedTs: 0,
    firstTs: NaN,
    lastTs: NaN,
  };
  const heap = new CursorHeap();
  for (const c of cursors) if (await c.advance()) heap.push(c);
  const lastTrade = new Map<string, number>(); // "<venue> <symbol>" → last trade price since its last bookTicker
  let lastTs = -Infinity;

  const malformed = (c: CaptureCursor, lineNo: number, reason: string): void => {
    c.summary.malformed++;
    summary.malformed++;
    if (summary.malformedLines.length < kMaxMalformedListed) summary.malformedLines.push({ file: basename(c.summary.file), line: lineNo, reason });
  };

  while (heap.items.length > 0) {
    const c = heap.items[0]!;
    const { parsed, lineNo, ns } = c.head!;
    const venue = c.summary.venue;
    switch (parsed.kind) {
      case 'bookTicker': {
        const pair = pairOfSymbol(parsed.symbol);
        if (pair === null) {
          malformed(c, lineNo, `unsupported symbol ${JSON.stringify(parsed.symbol)}`);
          break;
        }
        c.summary.bookTicker++;
        let ts = Number(ns / 1000n);
        if (ts < lastTs) {
          ts = lastTs;
          summary.clampedTs++;
        }
        lastTs = ts;
        const sizeIn = venue === 'binance_cm'
          ? (contracts: number, price: number): number => contractsToBase(contracts, pair.base, price)
          : (size: number): number => size;
        const data: Record<string, unknown> = {
          venue, base: pair.base, quote: pair.quote, bid: parsed.bid, ask: parsed.ask,
          bidSize: sizeIn(parsed.bidSize, parsed.bid), askSize: sizeIn(parsed.askSize, parsed.ask),
        };
        const tradeKey = `${venue} ${parsed.symbol}`;
        const last = lastTrade.get(tradeKey);
        if (last !== undefined) {
          data.last = last;
          lastTrade.delete(tradeKey);
        }
        const key = `${venue}:${pair.base}/${pair.quote}`;
        summary.eventsByKey[key] = (summary.eventsByKey[key] ?? 0) + 1;
        summary.eventsWritten++;
        if (Number.isNaN(summary.firstTs)) summary.firstTs = ts;
        summary.lastTs = ts;
        const wait = options.onEvent({ ts, type: 'price_update', topic: `market.prices.${venue}`, key, data });
        if (wait !== undefined) await wait;
        break;
      }
      case 'trade':
        c.summary.trade++;
        summary.skipped.trade++;
        lastTrade.set(`${venue} ${parsed.symbol}`, parsed.price);
        break;
      case 'depth':
        c.summary.depth++;
        summary.skipped.depth++;
        break;
      case 'snapshot':
        c.summary.snapshot++;
        summary.skipped.snapshot++;
        break;
      case 'other':
        c.summary.other++;
        summary.skipped.other++;
        break;
      case 'malformed':
        malformed(c, lineNo, parsed.reason);
        break;
    }
    if (!c.step()) await c.refill();
    heap.fixTop();
  }
  return summary;
}
