// Loads a recorded fixture (JSON Lines, optionally gzip) into a tape. A malformed line is counted,
// reported with its line number, handed to the dead-letter callback with its raw text, and skipped.
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { LucentError } from '../../../protocol/errors.ts';
import type { InstrumentRegistry } from '../../../protocol/registry.ts';
import type { DeadLetter } from '../../../protocol/events.ts';
import { decodeLine } from '../codec.ts';
import { Tape } from '../../../protocol/tape.ts';

export interface FixtureLoad {
  tape: Tape;
  lines: number;
  deadLetters: number;
  bytes: number;
}

export interface LoadOptions {
  onDeadLetter?: (dl: DeadLetter) => void;
  onProgress?: (lines: number, bytes: number) => void;
  /** Stop after this many events (0 = all). */
  limit?: number;
}

export async function loadFixture(path: string, registry: InstrumentRegistry, opts: LoadOptions = {}): Promise<FixtureLoad> {
  if (!existsSync(path)) throw new LucentError('ERR_FIXTURE', `fixture not found: ${path}`);
  const tape = new Tape(1 << 16);
  const file = createReadStream(path);
  let bytes = 0;
  file.on('data', (chunk) => { bytes += chunk.length; });
  const input = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  let failure: Error | null = null;
  input.on('error', (err) => { failure = err; });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lines = 0;
  let dead = 0;
  const limit = opts.limit ?? 0;
  for await (const line of rl) {
    lines++;
    if (line.length === 0) continue;
    const reason = decodeLine(line, registry, tape, lines);
    if (reason !== null) {
      dead++;
      opts.onDeadLetter?.({ source: `${path}:${lines}`, reason, raw: line.length > 4096 ? line.slice(0, 4096) : line });
    }
    if (opts.onProgress && (lines & 0x3fff) === 0) opts.onProgress(lines, bytes);
    if (limit > 0 && tape.length >= limit) break;
  }
  if (failure) throw new LucentError('ERR_FIXTURE', `cannot read fixture ${path}: ${(failure as Error).message}`, { cause: failure });
  return { tape, lines, deadLetters: dead, bytes };
}
