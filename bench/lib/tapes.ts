// Inputs for the benchmarks: the default fixture as a decoded tape (cached in a binary form so
// each benchmark process loads it in milliseconds), tapes generated in-process for larger
// universes, and a cursor that replays a tape endlessly with event time moving forward.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstrumentRegistry, type RegistrySnapshot } from '../../protocol/registry.ts';
import { loadFixture } from '../../engine/source/file/fixture_reader.ts';
import { decodeEvent } from '../../engine/source/codec.ts';
import { reserveDerivedSlots } from '../../engine/state/derived_slots.ts';
import { kTapeTs, kTapeWidth, Tape } from '../../protocol/tape.ts';
import { generateFixture, type FixtureOptions } from '../../fixtures/generator/generator.ts';

export const kRepoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const kDefaultFixturePath = fileURLToPath(new URL('../../fixtures/default.jsonl.gz', import.meta.url));
export const kBenchCacheDir = fileURLToPath(new URL('../../.cache/bench/', import.meta.url));
/** The shared recordings beside the repository (never copied into it). */
export const kSharedDataDir = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export interface LoadedTape {
  tape: Tape;
  registry: InstrumentRegistry; // frozen
  source: string;
  lines: number;
}

// ---- binary tape form: magic, header length, JSON header, padding to 8, Float64 rows ----------
const kMagic = 'LUCTAPE1';

export interface TapeFileHeader {
  rows: number;
  width: number;
  depthValues: number; // length of the book-level side array (Tape.depth) stored after the rows
  registry: RegistrySnapshot;
  source: string;
  sourceKey: string; // size and mtime of the source, to know when the cache is stale
  lines: number;
}

export function encodeTapeBinary(tape: Tape, registry: InstrumentRegistry, source: string, sourceKey: string, lines: number): Buffer {
  const depth = tape.depth;
  const header: TapeFileHeader = { rows: tape.length, width: kTapeWidth, depthValues: depth.length, registry: registry.snapshot(registry.size), source, sourceKey, lines };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headEnd = 12 + json.length;
  const dataOffset = Math.ceil(headEnd / 8) * 8;
  const rowBytes = tape.length * kTapeWidth * 8;
  const out = Buffer.alloc(dataOffset + rowBytes + depth.length * 8);
  out.write(kMagic, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  const rows = new Float64Array(tape.rows.buffer, tape.rows.byteOffset, tape.length * kTapeWidth);
  Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).copy(out, dataOffset);
  Buffer.from(depth.buffer, depth.byteOffset, depth.byteLength).copy(out, dataOffset + rowBytes);
  return out;
}

export interface DecodedTapeFile {
  header: TapeFileHeader;
  rows: Float64Array;
  depth: Float64Array;
}

/** Reads the header and gives a Float64Array over the rows (a view when aligned, else a copy). */
export function decodeTapeBinary(buf: Uint8Array): DecodedTapeFile {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 12 || b.toString('latin1', 0, 8) !== kMagic) throw new Error('not a tape file (bad magic)');
  const len = b.readUInt32LE(8);
  const header = JSON.parse(b.toString('utf8', 12, 12 + len)) as TapeFileHeader;
  if (header.width !== kTapeWidth) throw new Error(`tape file has rows of ${header.width} values; this engine uses ${kTapeWidth}`);
  const dataOffset = Math.ceil((12 + len) / 8) * 8;
  const count = header.rows * kTapeWidth;
  const depthCount = header.depthValues ?? 0;
  if (b.length < dataOffset + (count + depthCount) * 8) throw new Error('tape file is truncated');
  const view = (at: number, n: number): Float64Array => (at % 8 === 0 ? new Float64Array(b.buffer, at, n) : new Float64Array(b.buffer.slice(at, at + n * 8)));
  const at = b.byteOffset + dataOffset;
  return { header, rows: view(at, count), depth: view(at + count * 8, depthCount) };
}

/**
 * A Tape holding a copy of `rows` (n rows) and of the book-level side array their price rows
 * reference (`depth`, indices unchanged).
 */
export function tapeFromRows(rows: Float64Array, n: number, depth?: Float64Array): Tape {
  const t = new Tape(Math.max(1, n));
  for (let i = 0; i < n; i++) t.push();
  t.rows.set(n * kTapeWidth === rows.length ? rows : rows.subarray(0, n * kTapeWidth));
  copyDepth(t, depth);
  return t;
}

function copyDepth(t: Tape, depth: Float64Array | undefined): void {
  if (depth === undefined || depth.length === 0) return;
  t.pushDepth(depth.length);
  t.depth.set(depth);
}

export function registryFrom(snapshot: RegistrySnapshot): InstrumentRegistry {
  const r = InstrumentRegistry.fromSnapshot(snapshot);
  r.freeze();
  return r;
}

/** Modules whose changes change what a decoded tape holds: a cached tape older than them is rebuilt. */
const kDecoderModules = [
  '../../engine/source/codec.ts', '../../engine/state/derived_slots.ts', '../../protocol/tape.ts', '../../protocol/registry.ts', '../../protocol/events.ts',
];

function sourceKey(path: string): string {
  const st = statSync(path);
  const code = kDecoderModules.map((m) => {
    try { return Math.round(statSync(new URL(m, import.meta.url)).mtimeMs); } catch { return 0; }
  });
  return `${st.size}:${Math.round(st.mtimeMs)}:${kTapeWidth}:${code.join(',')}`;
}

/**
 * A fixture file as a tape, through a binary cache in .cache/bench (rebuilt when the fixture
 * changes). `fromCache` says whether the JSON was decoded this time.
 */
export async function loadTapeCached(path: string): Promise<LoadedTape & { fromCache: boolean; loadMs: number }> {
  if (!existsSync(path)) throw new Error(`fixture not found: ${path}`);
  const t0 = performance.now();
  const key = sourceKey(path);
  const cache = `${kBenchCacheDir}${path.replace(/[^A-Za-z0-9_.-]+/g, '_')}.tape`;
  if (existsSync(cache)) {
    try {
      const { header, rows, depth } = decodeTapeBinary(readFileSync(cache));
      if (header.sourceKey === key && header.source === path) {
        return { tape: tapeFromRows(rows, header.rows, depth), registry: registryFrom(header.registry), source: path, lines: header.lines, fromCache: true, loadMs: performance.now() - t0 };
      }
    } catch { /* rebuild below */ }
  }
  const registry = new InstrumentRegistry();
  const load = await loadFixture(path, registry);
  reserveDerivedSlots(registry); // as the engine does: slots for the market analyzer's derived events
  registry.freeze();
  mkdirSync(dirname(cache), { recursive: true });
  writeFileSync(cache, encodeTapeBinary(load.tape, registry, path, key, load.lines));
  return { tape: load.tape, registry, source: path, lines: load.lines, fromCache: false, loadMs: performance.now() - t0 };
}

export function loadDefaultTape(): Promise<LoadedTape & { fromCache: boolean; loadMs: number }> {
  return loadTapeCached(kDefaultFixturePath);
}

/** Generates a market in-process with the fixture generator and decodes it straight into a tape. */
export function generateTape(options: FixtureOptions): LoadedTape & { genMs: number } {
  const t0 = performance.now();
  const registry = new InstrumentRegistry();
  const tape = new Tape(Math.min(1 << 22, Math.max(1024, options.events ?? 1024)));
  let n = 0;
  for (const ev of generateFixture(options).events()) {
    const reason = decodeEvent(ev, registry, tape, ++n);
    if (reason !== null) throw new Error(`generated event ${n} was rejected: ${reason}`);
  }
  reserveDerivedSlots(registry);
  registry.freeze();
  return { tape, registry, source: `generated ${JSON.stringify(options)}`, lines: n, genMs: performance.now() - t0 };
}

/**
 * Endless replay of a base tape: take(n) returns the next n rows as a new tape. Each time the
 * base tape wraps, event times are shifted by its span (plus one mean gap) so time keeps moving
 * forward, as it would in a longer recording.
 */
export class TapeCursor {
  readonly base: Tape;
  readonly #span: number;
  #pos = 0;
  #wraps = 0;

  constructor(base: Tape) {
    if (base.length < 2) throw new Error('TapeCursor needs a tape of at least two rows');
    this.base = base;
    const first = base.ts(0);
    const last = base.ts(base.length - 1);
    this.#span = last - first + Math.max(1, (last - first) / (base.length - 1));
  }

  get position(): number { return this.#wraps * this.base.length + this.#pos; }

  take(n: number): Tape {
    const out = new Tape(Math.max(1, n));
    for (let i = 0; i < n; i++) out.push();
    copyDepth(out, this.base.depth); // rows keep their references into it
    const dst = out.rows;
    const src = this.base.rows;
    const len = this.base.length;
    let done = 0;
    while (done < n) {
      const k = Math.min(n - done, len - this.#pos);
      dst.set(src.subarray(this.#pos * kTapeWidth, (this.#pos + k) * kTapeWidth), done * kTapeWidth);
      if (this.#wraps > 0) {
        const shift = this.#wraps * this.#span;
        for (let r = done; r < done + k; r++) dst[r * kTapeWidth + kTapeTs] = dst[r * kTapeWidth + kTapeTs]! + shift;
      }
      done += k;
      this.#pos += k;
      if (this.#pos === len) { this.#pos = 0; this.#wraps++; }
    }
    return out;
  }
}

/** Rows [from, to) of a tape, as a new tape. */
export function sliceTape(t: Tape, from: number, to: number): Tape {
  const a = Math.max(0, Math.min(from, t.length));
  const b = Math.max(a, Math.min(to, t.length));
  return tapeFromRows(t.rows.subarray(a * kTapeWidth, b * kTapeWidth), b - a, t.depth);
}

/** The first row whose event time is at least `tsUs`, by binary search (tapes are in time order). */
export function rowAtTime(t: Tape, tsUs: number): number {
  let lo = 0, hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.ts(mid) < tsUs) lo = mid + 1; else hi = mid;
  }
  return lo;
}
