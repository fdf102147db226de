// Gzip JSON Lines: a deterministic writer (fixed level, no file name, mtime 0 in the gzip header,
// the same chunking for the same input) and a streaming line reader that never holds more than a
// chunk of decompressed text plus the current batch of lines.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { constants, createGunzip, createGzip } from 'node:zlib';
import type { Gzip } from 'node:zlib';
import type { WriteStream } from 'node:fs';

export const kGzipLevel = 9;
const kChunkChars = 1 << 18;

/**
 * Writes lines to `<path>.tmp` through gzip and renames it to `path` on close, so a reader never
 * sees a half-written file. Call `writeLine` for each line (without the newline) and `await` the
 * promise it returns only when it is not undefined (the stream asked to drain).
 */
export class JsonlGzWriter {
  readonly path: string;
  readonly #tmp: string;
  readonly #gzip: Gzip;
  readonly #file: WriteStream;
  #buffer = '';
  #lines = 0;
  #closed = false;

  constructor(path: string, level = kGzipLevel) {
    this.path = path;
    this.#tmp = `${path}.tmp`;
    this.#gzip = createGzip({ level, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
    this.#file = createWriteStream(this.#tmp);
    this.#gzip.pipe(this.#file);
  }

  get lines(): number { return this.#lines; }

  /** Appends one line. Returns a promise to await when the compressor is backed up. */
  writeLine(line: string): Promise<void> | undefined {
    this.#buffer += line;
    this.#buffer += '\n';
    this.#lines++;
    if (this.#buffer.length < kChunkChars) return undefined;
    return this.#flushChunk();
  }

  async #flushChunk(): Promise<void> {
    const chunk = this.#buffer;
    this.#buffer = '';
    if (!this.#gzip.write(chunk)) await once(this.#gzip, 'drain');
  }

  /** Flushes, finishes the gzip member and moves the file into place. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#gzip.end(this.#buffer);
    this.#buffer = '';
    await finished(this.#file);
    renameSync(this.#tmp, this.path);
  }

  /** Abandons the output (the temporary file is removed). */
  async abort(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#gzip.destroy();
    this.#file.destroy();
    rmSync(this.#tmp, { force: true });
  }
}

/**
 * Reads a gzip text file as batches of lines (each batch comes from one decompressed chunk).
 * The last line is yielded even without a trailing newline; an empty final line is not.
 */
export async function* gzLineBatches(path: string): AsyncGenerator<string[]> {
  const stream = createReadStream(path).pipe(createGunzip());
  stream.setEncoding('utf8'); // decodes characters split across chunks correctly
  let rest = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = rest + chunk;
    const parts = text.split('\n');
    rest = parts.pop()!;
    if (parts.length > 0) yield parts;
  }
  if (rest.length > 0) yield [rest];
}

/** Line by line over a gzip text file. */
export async function* gzLines(path: string): AsyncGenerator<string> {
  for await (const batch of gzLineBatches(path)) yield* batch;
}

/** sha256 (hex) of a file's bytes, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Writes converted events to a gzip JSON Lines fixture at `out` (a partial file is removed on
 * failure), and the rows that could not be converted to `deadLettersPath` as JSON Lines (skipped
 * when null). The converters' common last step.
 */
export async function writeFixtureWithDeadLetters(
  out: string, events: readonly unknown[], deadLettersPath: string | null, deadLetters: readonly unknown[], level: number,
): Promise<void> {
  mkdirSync(dirname(out), { recursive: true });
  const writer = new JsonlGzWriter(out, level);
  try {
    for (const e of events) {
      const wait = writer.writeLine(JSON.stringify(e));
      if (wait) await wait;
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  if (deadLettersPath !== null) {
    mkdirSync(dirname(deadLettersPath), { recursive: true });
    writeFileSync(deadLettersPath, deadLetters.map((d) => JSON.stringify(d)).join('\n') + (deadLetters.length ? '\n' : ''));
  }
}
