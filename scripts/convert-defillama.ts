// DefiLlama yields recordings → fixture format (gzip JSON Lines of yield_update, fixtures/SCHEMA.md).
//   node scripts/convert-defillama.ts [--sources history,snapshot,daily] [--out .cache/defillama.jsonl.gz]
// Reads ../shared/data/defillama-yields (beside the repository): the per-pool history
// (pool_chart_history.csv), the /pools snapshot (pools_snapshot_*.json) and the daily snapshots
// (pools_daily_*.csv). Rows without a usable APY or TVL are dead-lettered with the reason.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OptionError } from '../protocol/errors.ts';
import { csvRecords } from '../engine/source/csv.ts';
import {
  dailyRecordToRow, enrichRows, historyRecordToRow, kDefaultEnrichOptions, rowToEvent, snapshotRecordToRow,
  type EnrichOptions, type EnrichSummary, type LlamaRow, type LlamaSource, type RowResult,
} from '../engine/source/defillama.ts';
import type { DeadLetter, MarketEvent } from '../protocol/events.ts';
import { flagHelp, parseFlags, type FlagSpec } from './lib/cli_flags.ts';
import { writeFixtureWithDeadLetters } from '../fixtures/jsonl_gz.ts';

const kRepoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const kDefaultLlamaDir = fileURLToPath(new URL('../../shared/data/defillama-yields', import.meta.url));
export const kDefaultLlamaOut = resolve(kRepoRoot, '.cache/defillama.jsonl.gz');
export const kLlamaSources: readonly LlamaSource[] = ['history', 'snapshot', 'daily'];
const kGzipLevel = 6;
const kListed = 20;

export interface LlamaInputs {
  history: string[];
  snapshot: string[];
  daily: string[];
}

export interface LlamaSummary {
  rowsRead: Record<LlamaSource, number>;
  deadLetters: DeadLetter[];
  deadByReason: Record<string, number>;
  droppedFields: Record<string, number>; // optional fields present but unreadable
  enrich: EnrichSummary;
  eventsWritten: number;
  pools: number;
  protocols: Record<string, number>; // events per protocol slug
  firstTs: number;
  lastTs: number;
}

/** The recordings of `dir` by source (sorted by name). */
export function llamaInputsOf(dir: string, sources: readonly LlamaSource[]): LlamaInputs {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir).sort();
  } catch {
    throw new OptionError(`--dir ${dir}: no such directory`);
  }
  const pick = (s: LlamaSource, re: RegExp): string[] => (sources.includes(s) ? names.filter((n) => re.test(n)).map((n) => join(dir, n)) : []);
  const inputs = {
    history: pick('history', /^pool_chart_history.*\.csv$/),
    snapshot: pick('snapshot', /^pools_snapshot_.*\.json$/),
    daily: pick('daily', /^pools_daily_.*\.csv$/),
  };
  for (const s of sources) if (inputs[s].length === 0) throw new OptionError(`--sources ${s}: ${dir} has no ${s} file`);
  return inputs;
}

function reasonKey(reason: string): string {
  return reason.replace(/ \(.*\)$/, '').replace(/ -?[0-9.e+]+ /, ' <n> ');
}

/** Parses every input into rows; unusable rows become dead letters. */
export function readLlamaRows(inputs: LlamaInputs): { rows: LlamaRow[]; summary: Omit<LlamaSummary, 'enrich' | 'eventsWritten' | 'pools' | 'protocols' | 'firstTs' | 'lastTs'> } {
  const rows: LlamaRow[] = [];
  const summary = { rowsRead: { history: 0, snapshot: 0, daily: 0 }, deadLetters: [] as DeadLetter[], deadByReason: {} as Record<string, number>, droppedFields: {} as Record<string, number> };
  const take = (res: RowResult, source: string, raw: () => string): void => {
    if ('reason' in res) {
      summary.deadLetters.push({ source, reason: res.reason, raw: raw().slice(0, 4096) });
      const k = reasonKey(res.reason);
      summary.deadByReason[k] = (summary.deadByReason[k] ?? 0) + 1;
      return;
    }
    for (const f of res.row.dropped ?? []) summary.droppedFields[f] = (summary.droppedFields[f] ?? 0) + 1;
    rows.push(res.row);
  };
  for (const file of inputs.snapshot) {
    let list: unknown;
    try { list = JSON.parse(readFileSync(file, 'utf8')); } catch (err) { throw new OptionError(`cannot read ${file}: ${(err as Error).message}`); }
    if (!Array.isArray(list)) throw new OptionError(`${file}: expected a JSON array of pools`);
    list.forEach((rec, i) => {
      summary.rowsRead.snapshot++;
      const where = `${file}#${i}`;
      take(snapshotRecordToRow(rec, where), where, () => JSON.stringify(rec));
    });
  }
  const csv = (files: string[], source: 'history' | 'daily', parse: (r: Record<string, string>, where: string) => RowResult): void => {
    for (const file of files) {
      for (const r of csvRecords(readFileSync(file, 'utf8'))) {
        summary.rowsRead[source]++;
        const where = `${file}:${r.line}`;
        if ('error' in r) { take({ reason: r.error }, where, () => ''); continue; }
        take(parse(r.record, where), where, () => JSON.stringify(r.record));
      }
    }
  };
  csv(inputs.history, 'history', historyRecordToRow);
  csv(inputs.daily, 'daily', dailyRecordToRow);
  return { rows, summary };
}

/** Reads, joins and orders the rows; returns the events in time order and the summary. */
export function convertLlama(inputs: LlamaInputs, opts: EnrichOptions = kDefaultEnrichOptions): { events: MarketEvent[]; summary: LlamaSummary } {
  const { rows, summary: read } = readLlamaRows(inputs);
  const { rows: kept, summary: enrich } = enrichRows(rows, opts);
  const events = kept.map(rowToEvent);
  const protocols: Record<string, number> = {};
  const pools = new Set<string>();
  for (const e of events) {
    const p = e.data.protocol as string;
    protocols[p] = (protocols[p] ?? 0) + 1;
    pools.add(e.key);
  }
  return {
    events,
    summary: {
      ...read, enrich, eventsWritten: events.length, pools: pools.size, protocols,
      firstTs: events.length ? events[0]!.ts : NaN, lastTs: events.length ? events[events.length - 1]!.ts : NaN,
    },
  };
}

export async function convertLlamaToFile(inputs: LlamaInputs, out: string, deadLetters: string | null, opts: EnrichOptions = kDefaultEnrichOptions): Promise<LlamaSummary> {
  const { events, summary } = convertLlama(inputs, opts);
  await writeFixtureWithDeadLetters(out, events, deadLetters, summary.deadLetters, kGzipLevel);
  return summary;
}

const f = (n: number): string => n.toLocaleString('en-US');

export function formatLlamaSummary(s: LlamaSummary, out: string): string {
  const lines: string[] = [];
  lines.push(`rows read: ${kLlamaSources.map((k) => `${k} ${f(s.rowsRead[k])}`).join(', ')}`);
  lines.push(`dead letters: ${f(s.deadLetters.length)}${Object.keys(s.deadByReason).length ? ` (${Object.entries(s.deadByReason).map(([k, v]) => `${k}: ${f(v)}`).join('; ')})` : ''}`);
  for (const d of s.deadLetters.slice(0, kListed)) lines.push(`  ${d.source}: ${d.reason}`);
  if (s.deadLetters.length > kListed) lines.push(`  … ${f(s.deadLetters.length - kListed)} more`);
  if (Object.keys(s.droppedFields).length) lines.push(`unreadable optional fields dropped: ${Object.entries(s.droppedFields).map(([k, v]) => `${k} ${f(v)}`).join(', ')}`);
  const e = s.enrich;
  lines.push(`duplicates skipped: ${f(e.duplicates)} (a pool repeated at the same time in another daily file)`);
  lines.push(`joined: flags from the snapshot on ${f(e.flagsJoined)} rows, exposure from the symbol on ${f(e.exposureFromSymbol)}, ` +
    `mu/sigma from the history on ${f(e.statsDerived)}, a snapshot prediction on ${f(e.predictionsCarried)}`);
  lines.push(`events written: ${f(s.eventsWritten)} yield_update for ${f(s.pools)} pools to ${out}`);
  lines.push(`  by protocol: ${Object.entries(s.protocols).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f(v)}`).join(', ')}`);
  if (s.eventsWritten > 0) lines.push(`time range: ${new Date(s.firstTs / 1000).toISOString()} – ${new Date(s.lastTs / 1000).toISOString()}`);
  return lines.join('\n');
}

const kFlags: Record<string, FlagSpec> = {
  dir: { kind: 'string', help: 'the recordings (default ../shared/data/defillama-yields)' },
  sources: { kind: 'string', help: 'comma-separated: history, snapshot, daily (default: all three)' },
  out: { kind: 'string', help: 'output fixture (default .cache/defillama.jsonl.gz)' },
  'dead-letters': { kind: 'string', help: 'unusable rows with reasons, JSON Lines (default: beside --out, .dead-letters.jsonl)' },
  'no-derived-stats': { kind: 'bool', help: 'do not attach mu/sigma computed from the history' },
  'prediction-days': { kind: 'int', min: 0, max: 3650, help: `days a snapshot prediction goes with the pool's later rows (default ${kDefaultEnrichOptions.predictionHorizonDays}; 0: its own row only)` },
  help: { kind: 'bool', help: 'print this help' },
};

async function main(argv: string[]): Promise<number> {
  let inputs: LlamaInputs, out: string, dead: string, opts: EnrichOptions;
  try {
    const flags = parseFlags(argv, kFlags);
    if (flags.help) {
      console.log(flagHelp('Usage: node scripts/convert-defillama.ts [flags]\nConverts DefiLlama yields recordings into yield_update fixture events (fixtures/SCHEMA.md).', kFlags));
      return 0;
    }
    const sources = typeof flags.sources === 'string' ? flags.sources.split(',').map((s) => s.trim()).filter((s) => s !== '') : [...kLlamaSources];
    for (const s of sources) if (!kLlamaSources.includes(s as LlamaSource)) throw new OptionError(`--sources: unknown source "${s}" (sources: ${kLlamaSources.join(', ')})`);
    if (sources.length === 0) throw new OptionError('--sources must name at least one source');
    inputs = llamaInputsOf(resolve(typeof flags.dir === 'string' ? flags.dir : kDefaultLlamaDir), sources as LlamaSource[]);
    out = resolve(typeof flags.out === 'string' ? flags.out : kDefaultLlamaOut);
    dead = resolve(typeof flags['dead-letters'] === 'string' ? flags['dead-letters'] : out.replace(/\.jsonl(\.gz)?$/, '') + '.dead-letters.jsonl');
    opts = {
      ...kDefaultEnrichOptions,
      deriveStats: flags['no-derived-stats'] !== true,
      predictionHorizonDays: typeof flags['prediction-days'] === 'number' ? flags['prediction-days'] : kDefaultEnrichOptions.predictionHorizonDays,
    };
  } catch (err) {
    if (err instanceof OptionError) { console.error(`convert-defillama: ${err.message}`); return 2; }
    throw err;
  }
  const began = performance.now();
  let summary: LlamaSummary;
  try {
    summary = await convertLlamaToFile(inputs, out, dead, opts);
  } catch (err) {
    if (err instanceof OptionError) { console.error(`convert-defillama: ${err.message}`); return 2; }
    throw err;
  }
  console.log(`inputs: ${[...inputs.history, ...inputs.snapshot, ...inputs.daily].map((p) => basename(p)).join(', ')}`);
  console.log(formatLlamaSummary(summary, relative(process.cwd(), out) || out));
  console.log(`dead letters: ${relative(process.cwd(), dead) || dead}`);
  console.log(`done in ${((performance.now() - began) / 1000).toFixed(2)} s`);
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
