// Binance raw websocket captures → fixture format (gzip JSON Lines, fixtures/SCHEMA.md).
//   node scripts/convert-binance.ts [--in <dir-or-file> ...] [--out .cache/binance-2024-08-08.jsonl.gz]
// Defaults: every .gz in ../shared/data/binance-ticks-2024-08-08 (beside the repository), written to
// .cache/ (ignored by git: converted copies of the shared data are never committed).
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OptionError } from '../protocol/errors.ts';
import { convertBinanceToFile, resolveCaptureInputs } from '../fixtures/convert/binance_convert.ts';
import type { ConvertSummary } from '../fixtures/convert/binance_convert.ts';
import { flagHelp, parseFlags } from './lib/cli_flags.ts';
import type { FlagSpec } from './lib/cli_flags.ts';

export { convertBinanceCaptures, convertBinanceToFile, kMaxMalformedListed, resolveCaptureInputs } from '../fixtures/convert/binance_convert.ts';
export type { ConvertOptions, ConvertSummary, FileSummary, MalformedLine } from '../fixtures/convert/binance_convert.ts';

const kRepoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const kDefaultCaptureDir = fileURLToPath(new URL('../../shared/data/binance-ticks-2024-08-08', import.meta.url));
export const kDefaultConvertedPath = resolve(kRepoRoot, '.cache/binance-2024-08-08.jsonl.gz');

/** The human-readable summary a run prints. */
export function formatSummary(s: ConvertSummary, out: string): string {
  const lines: string[] = [];
  lines.push('file                                    venue          lines  bookTicker    trade    depth  snapshot  other  malformed');
  for (const f of s.files) {
    lines.push(`${basename(f.file).padEnd(38)}  ${f.venue.padEnd(12)} ${String(f.lines).padStart(7)} ${String(f.bookTicker).padStart(11)} ${String(f.trade).padStart(8)} ${String(f.depth).padStart(8)} ${String(f.snapshot).padStart(9)} ${String(f.other).padStart(6)} ${String(f.malformed).padStart(10)}`);
  }
  lines.push(`events written: ${s.eventsWritten} price_update to ${out}`);
  for (const [key, n] of Object.entries(s.eventsByKey).sort()) lines.push(`  ${key.padEnd(26)} ${n}`);
  lines.push(`skipped: ${s.skipped.trade} trade (carried as last), ${s.skipped.depth} depth, ${s.skipped.snapshot} snapshot, ${s.skipped.other} other`);
  lines.push(`malformed: ${s.malformed}${s.clampedTs > 0 ? `; receive time went backwards ${s.clampedTs} times (clamped)` : ''}`);
  for (const m of s.malformedLines.slice(0, 20)) lines.push(`  ${m.file}:${m.line}: ${m.reason}`);
  if (s.malformed > 20) lines.push(`  … ${s.malformed - 20} more`);
  if (s.eventsWritten > 0) lines.push(`time range: ${new Date(s.firstTs / 1000).toISOString()} – ${new Date(s.lastTs / 1000).toISOString()}`);
  return lines.join('\n');
}

const kFlags: Record<string, FlagSpec> = {
  in: { kind: 'strings', help: 'capture directory or .gz file (repeatable; default ../shared/data/binance-ticks-2024-08-08)' },
  out: { kind: 'string', help: 'output file (default .cache/binance-2024-08-08.jsonl.gz)' },
  help: { kind: 'bool', help: 'print this help' },
};

async function main(argv: string[]): Promise<number> {
  let files: string[];
  let out: string;
  try {
    const flags = parseFlags(argv, kFlags);
    if (flags.help) {
      console.log(flagHelp('Usage: node scripts/convert-binance.ts [flags]\nConverts Binance raw websocket captures into fixture events (fixtures/SCHEMA.md).', kFlags));
      return 0;
    }
    files = resolveCaptureInputs((flags.in as string[] | undefined) ?? [kDefaultCaptureDir]);
    out = resolve(typeof flags.out === 'string' ? flags.out : kDefaultConvertedPath);
  } catch (err) {
    if (err instanceof OptionError) {
      console.error(`convert-binance: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const began = performance.now();
  const summary = await convertBinanceToFile(files, out);
  console.log(formatSummary(summary, relative(process.cwd(), out) || out));
  console.log(`done in ${((performance.now() - began) / 1000).toFixed(2)} s`);
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
