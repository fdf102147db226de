// Raw EVM log recordings (CSV) → fixture format (gzip JSON Lines, fixtures/SCHEMA.md).
//   node scripts/convert-onchain.ts [--in <dir-or-file> ...] [--out .cache/onchain-2024-01.jsonl.gz]
// Defaults: every *.raw.csv in ../shared/data/onchain-logs-2024-01 (beside the repository), written
// to .cache/ (ignored by git: converted copies of the shared data are never committed).
// Events are sorted by block timestamp, then block number, then log index (then input order).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OptionError } from '../protocol/errors.ts';
import { csvRecords } from '../engine/source/csv.ts';
import { EvmLogDecoder, type EmitterInfo } from '../engine/source/evm_decoder.ts';
import { csvRecordToLog, emitterOfFile, kSampleEmitters } from '../engine/source/evm_log_csv.ts';
import type { DeadLetter, MarketEvent } from '../protocol/events.ts';
import { flagHelp, parseFlags, type FlagSpec } from './lib/cli_flags.ts';
import { writeFixtureWithDeadLetters } from '../fixtures/jsonl_gz.ts';

const kRepoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const kDefaultOnchainDir = fileURLToPath(new URL('../../shared/data/onchain-logs-2024-01', import.meta.url));
export const kDefaultOnchainOut = resolve(kRepoRoot, '.cache/onchain-2024-01.jsonl.gz');
const kGzipLevel = 6;
const kListed = 20;

export interface OnchainFileSummary {
  file: string;
  emitter: string;
  logs: number;
  events: Record<string, number>; // by log name
  ignored: Record<string, number>; // by log name
  bad: number;
}

export interface OnchainSummary {
  files: OnchainFileSummary[];
  eventsWritten: number;
  eventsByType: Record<string, number>;
  bad: number;
  badRows: DeadLetter[]; // every bad row, source = file:line
  firstTs: number;
  lastTs: number;
}

/** Files to convert: a directory contributes its *.raw.csv files (by name); files are taken as given. */
export function resolveOnchainInputs(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try { st = statSync(p); } catch { throw new OptionError(`--in ${p}: no such file or directory`); }
    if (st.isDirectory()) {
      const files = readdirSync(p).filter((n) => n.endsWith('.raw.csv')).sort().map((n) => join(p, n));
      if (files.length === 0) throw new OptionError(`--in ${p}: the directory has no .raw.csv files`);
      out.push(...files);
    } else {
      out.push(p);
    }
  }
  return out;
}

interface Keyed { ts: number; block: number; index: number; order: number; event: MarketEvent }

/** Decodes every file (each in its own order) and returns the events sorted, with the summary. */
export function convertOnchainFiles(files: readonly string[], emitters: Readonly<Record<string, EmitterInfo>> = kSampleEmitters): { events: MarketEvent[]; summary: OnchainSummary } {
  const decoder = new EvmLogDecoder({ emitters });
  const keyed: Keyed[] = [];
  const summary: OnchainSummary = { files: [], eventsWritten: 0, eventsByType: {}, bad: 0, badRows: [], firstTs: NaN, lastTs: NaN };
  const bad = (fs: OnchainFileSummary, file: string, line: number, reason: string, raw: string): void => {
    fs.bad++;
    summary.bad++;
    summary.badRows.push({ source: `${file}:${line}`, reason, raw: raw.length > 4096 ? raw.slice(0, 4096) : raw });
  };
  for (const file of files) {
    const emitter = emitterOfFile(basename(file));
    if (emitter === null) throw new OptionError(`cannot tell the emitting contract of ${file} from its name (expected <chain>-<pool>-<date>.raw.csv or <chain>-aave_v3-<reserve>-<date>.raw.csv)`);
    const fs: OnchainFileSummary = { file, emitter, logs: 0, events: {}, ignored: {}, bad: 0 };
    summary.files.push(fs);
    for (const row of csvRecords(readFileSync(file, 'utf8'))) {
      if ('error' in row) { bad(fs, file, row.line, row.error, ''); continue; }
      fs.logs++;
      const raw = JSON.stringify(row.record);
      const log = csvRecordToLog(row.record, emitter);
      if (typeof log === 'string') { bad(fs, file, row.line, log, raw); continue; }
      const d = decoder.decode(log);
      if (d.status === 'rejected') { bad(fs, file, row.line, d.reason, raw); continue; }
      if (d.status === 'ignored') { fs.ignored[d.name] = (fs.ignored[d.name] ?? 0) + 1; continue; }
      fs.events[d.name] = (fs.events[d.name] ?? 0) + 1;
      keyed.push({ ts: d.event.ts, block: log.blockNumber, index: log.logIndex, order: keyed.length, event: d.event });
    }
  }
  keyed.sort((a, b) => a.ts - b.ts || a.block - b.block || a.index - b.index || a.order - b.order);
  const events = keyed.map((k) => k.event);
  for (const e of events) summary.eventsByType[e.type] = (summary.eventsByType[e.type] ?? 0) + 1;
  summary.eventsWritten = events.length;
  if (events.length > 0) { summary.firstTs = events[0]!.ts; summary.lastTs = events[events.length - 1]!.ts; }
  return { events, summary };
}

/** Converts `files` into a gzip JSON Lines fixture at `out`; bad rows go to `deadLetters` (JSON Lines). */
export async function convertOnchainToFile(files: readonly string[], out: string, deadLetters: string | null): Promise<OnchainSummary> {
  const { events, summary } = convertOnchainFiles(files);
  await writeFixtureWithDeadLetters(out, events, deadLetters, summary.badRows, kGzipLevel);
  return summary;
}

const count = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ') || '—';

export function formatOnchainSummary(s: OnchainSummary, out: string): string {
  const lines: string[] = [];
  for (const f of s.files) {
    lines.push(`${basename(f.file)}  (emitter ${f.emitter})`);
    lines.push(`  logs ${f.logs.toLocaleString('en-US')}: events ${count(f.events)}; ignored ${count(f.ignored)}; bad ${f.bad}`);
  }
  lines.push(`events written: ${s.eventsWritten.toLocaleString('en-US')} (${count(s.eventsByType)}) to ${out}`);
  lines.push(`bad rows: ${s.bad}`);
  for (const b of s.badRows.slice(0, kListed)) lines.push(`  ${b.source}: ${b.reason}`);
  if (s.bad > kListed) lines.push(`  … ${s.bad - kListed} more`);
  if (s.eventsWritten > 0) lines.push(`time range: ${new Date(s.firstTs / 1000).toISOString()} – ${new Date(s.lastTs / 1000).toISOString()}`);
  return lines.join('\n');
}

const kFlags: Record<string, FlagSpec> = {
  in: { kind: 'strings', help: 'directory of *.raw.csv or one file (repeatable; default ../shared/data/onchain-logs-2024-01)' },
  out: { kind: 'string', help: 'output fixture (default .cache/onchain-2024-01.jsonl.gz)' },
  'dead-letters': { kind: 'string', help: 'bad rows with reasons, JSON Lines (default: beside --out, .dead-letters.jsonl)' },
  help: { kind: 'bool', help: 'print this help' },
};

async function main(argv: string[]): Promise<number> {
  let files: string[], out: string, dead: string;
  try {
    const flags = parseFlags(argv, kFlags);
    if (flags.help) {
      console.log(flagHelp('Usage: node scripts/convert-onchain.ts [flags]\nDecodes raw Uniswap V2/V3 and Aave V3 logs (CSV) into fixture events (fixtures/SCHEMA.md).', kFlags));
      return 0;
    }
    files = resolveOnchainInputs((flags.in as string[] | undefined) ?? [kDefaultOnchainDir]);
    out = resolve(typeof flags.out === 'string' ? flags.out : kDefaultOnchainOut);
    dead = resolve(typeof flags['dead-letters'] === 'string' ? flags['dead-letters'] : out.replace(/\.jsonl(\.gz)?$/, '') + '.dead-letters.jsonl');
  } catch (err) {
    if (err instanceof OptionError) { console.error(`convert-onchain: ${err.message}`); return 2; }
    throw err;
  }
  const began = performance.now();
  let summary: OnchainSummary;
  try {
    summary = await convertOnchainToFile(files, out, dead);
  } catch (err) {
    if (err instanceof OptionError) { console.error(`convert-onchain: ${err.message}`); return 2; }
    throw err;
  }
  console.log(formatOnchainSummary(summary, relative(process.cwd(), out) || out));
  console.log(`dead letters: ${relative(process.cwd(), dead) || dead}`);
  console.log(`done in ${((performance.now() - began) / 1000).toFixed(2)} s`);
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
