// Loads a recorded fixture (JSON Lines, optionally gzip) into a tape. A malformed line is counted,
// reported with its line number, handed to the dead-letter callback with its raw text, and skipped.
// Gzip is recognised by its magic bytes; a UTF-8 byte-order mark is skipped; a file that cannot be
// read to its end (a truncated or corrupt gzip stream, an I/O error) is an error naming the file,
// or, with `partial`, ends the load there and is reported in `error` with what was read before it.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { LucentError } from '../../../protocol/errors.ts';
import type { InstrumentRegistry } from '../../../protocol/registry.ts';
import type { DeadLetter } from '../../../protocol/events.ts';
import { decodeLine } from '../codec.ts';
import { Tape } from '../../../protocol/tape.ts';

/** Raw text kept in a dead letter, in characters (the callback is told the original length). */
const kMaxRaw = 4096;

export interface FixtureLoad {
  tape: Tape;
  lines: number;
  deadLetters: number;
  bytes: number;
  /** With `partial`: why the file could not be read to its end (null when it was). */
  error: string | null;
}

export interface LoadOptions {
  /** A dead letter, its raw text cut to 4096 characters; `rawLength` is the line's length. */
  onDeadLetter?: (dl: DeadLetter, rawLength: number) => void;
  onProgress?: (lines: number, bytes: number) => void;
  /** Stop after this many events (0 = all). */
  limit?: number;
  /** A read error ends the load and is returned in `error` instead of thrown. */
  partial?: boolean;
  /** Aborted: the load ends there, with the events read so far. */
  signal?: AbortSignal | undefined;
}

/** The first bytes of the file (fewer when it is shorter). */
function head(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** What went wrong reading, in words (zlib's messages say little on their own). */
function readFailure(err: NodeJS.ErrnoException, gzip: boolean): string {
  if (gzip && err.code === 'Z_BUF_ERROR') return 'the gzip stream is truncated (unexpected end of file)';
  if (gzip && err.code === 'Z_DATA_ERROR') return `the gzip stream is corrupt (${err.message})`;
  return err.message;
}

export async function loadFixture(path: string, registry: InstrumentRegistry, opts: LoadOptions = {}): Promise<FixtureLoad> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new LucentError('ERR_FIXTURE', `fixture not found: ${path}`);
  }
  if (st.isDirectory()) throw new LucentError('ERR_FIXTURE', `fixture ${path} is a directory, not a file`);
  let magic: Buffer;
  try {
    magic = head(path);
  } catch (err) {
    throw new LucentError('ERR_FIXTURE', `cannot read fixture ${path}: ${(err as Error).message}`);
  }
  const gzip = magic.length >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  if (!gzip && path.endsWith('.gz') && magic.length > 0) throw new LucentError('ERR_FIXTURE', `fixture ${path} is named .gz but is not gzip data`);
  if (!gzip && magic.length >= 2 && ((magic[0] === 0xff && magic[1] === 0xfe) || (magic[0] === 0xfe && magic[1] === 0xff))) {
    throw new LucentError('ERR_FIXTURE', `fixture ${path} is UTF-16 text; JSON Lines must be UTF-8`);
  }
  const tape = new Tape(1 << 16);
  const file = createReadStream(path);
  let bytes = 0;
  file.on('data', (chunk) => { bytes += chunk.length; });
  const input = gzip ? file.pipe(createGunzip()) : file;
  let failure: NodeJS.ErrnoException | null = null;
  file.on('error', (err) => { failure ??= err; input.destroy(err); });
  input.on('error', (err) => { failure ??= err; });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lines = 0;
  let dead = 0;
  const limit = opts.limit ?? 0;
  try {
    for await (let line of rl) {
      lines++;
      if (lines === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1); // a UTF-8 byte-order mark
      if (line.length === 0) continue;
      const reason = decodeLine(line, registry, tape, lines);
      if (reason !== null) {
        dead++;
        opts.onDeadLetter?.({ source: `${path}:${lines}`, reason, raw: line.length > kMaxRaw ? line.slice(0, kMaxRaw) : line }, line.length);
      }
      if (opts.onProgress && (lines & 0x3fff) === 0) opts.onProgress(lines, bytes);
      if (limit > 0 && tape.length >= limit) break;
      if (opts.signal?.aborted) break;
    }
  } catch (err) {
    failure ??= err as NodeJS.ErrnoException;
  } finally {
    rl.close();
    file.destroy();
  }
  let error: string | null = null;
  if (failure) {
    error = `${path}: ${readFailure(failure, gzip)} after line ${lines.toLocaleString('en-US')}`;
    if (!opts.partial) throw new LucentError('ERR_FIXTURE', `cannot read fixture ${error}`, { cause: failure });
  }
  return { tape, lines, deadLetters: dead, bytes, error };
}
