// Seeded recorded-tick fixture generator.
//   node scripts/gen-fixture.ts [--seed 42] [--events 120000] [--venues 4] [--bases 12]
//        [--duration 600] [--spread-regime FROM_S:FACTOR[:TO_S]] [--out fixtures/default.jsonl.gz] [--labels <out minus .jsonl.gz>.labels.json]
// With no flags it rebuilds the committed default fixture. The format is in fixtures/SCHEMA.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OptionError } from '../protocol/errors.ts';
import { flagHelp, parseFlags } from './lib/cli_flags.ts';
import type { FlagSpec } from './lib/cli_flags.ts';
import { fillFixtureOptions, generateFixture, kDefaultFixtureOptions } from '../fixtures/generator/generator.ts';
import type { FixtureLabels, FixtureOptions } from '../fixtures/generator/generator.ts';
import { JsonlGzWriter, kGzipLevel } from '../fixtures/jsonl_gz.ts';

export { buildUniverse, fillFixtureOptions, generateFixture, kDefaultFixtureOptions } from '../fixtures/generator/generator.ts';
export type { FixtureLabels, FixtureOptions, FixtureRun, OpportunityLabel } from '../fixtures/generator/generator.ts';

const kRepoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const kDefaultFixturePath = resolve(kRepoRoot, 'fixtures/default.jsonl.gz');

/** `fixtures/x.jsonl.gz` → `fixtures/x.labels.json`. */
export function labelsPathFor(out: string): string {
  const stem = out.endsWith('.jsonl.gz') ? out.slice(0, -'.jsonl.gz'.length) : out.replace(/\.gz$/, '');
  return `${stem}.labels.json`;
}

export interface WriteFixtureResult {
  out: string;
  labelsOut: string;
  labels: FixtureLabels;
  countsByType: Record<string, number>;
  elapsedMs: number;
}

/** Generates a fixture into `out` (gzip JSON Lines) and its labels into `labelsOut`. */
export async function writeFixture(
  options: FixtureOptions, out: string, labelsOut = labelsPathFor(out), gzipLevel = kGzipLevel,
): Promise<WriteFixtureResult> {
  if (!Number.isInteger(gzipLevel) || gzipLevel < 1 || gzipLevel > 9) throw new OptionError(`gzipLevel must be an integer in 1..9 (got ${gzipLevel})`);
  const began = performance.now();
  const run = generateFixture(options);
  mkdirSync(dirname(out), { recursive: true });
  mkdirSync(dirname(labelsOut), { recursive: true });
  const writer = new JsonlGzWriter(out, gzipLevel);
  const countsByType: Record<string, number> = {};
  try {
    for (const e of run.events()) {
      countsByType[e.type] = (countsByType[e.type] ?? 0) + 1;
      const wait = writer.writeLine(JSON.stringify(e));
      if (wait !== undefined) await wait;
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const labels = run.labels();
  writeFileSync(labelsOut, `${JSON.stringify(labels, null, 2)}\n`);
  return { out, labelsOut, labels, countsByType, elapsedMs: performance.now() - began };
}

const kFlags: Record<string, FlagSpec> = {
  seed: { kind: 'int', min: 0, max: 0xffffffff, help: `PRNG seed (default ${kDefaultFixtureOptions.seed})` },
  events: { kind: 'int', min: 1, help: `number of events to write (default ${kDefaultFixtureOptions.events})` },
  venues: { kind: 'int', min: 2, max: 1000, help: `exchanges quoting every pair (default ${kDefaultFixtureOptions.venues})` },
  bases: { kind: 'int', min: 2, max: 10_000, help: `base assets (default ${kDefaultFixtureOptions.bases})` },
  duration: { kind: 'number', min: 10, max: 864_000, help: `intended market time in seconds (default ${kDefaultFixtureOptions.durationS})` },
  out: { kind: 'string', help: 'output file (default fixtures/default.jsonl.gz)' },
  labels: { kind: 'string', help: 'labels file (default: the output path with .labels.json for .jsonl.gz)' },
  'spread-regime': { kind: 'string', help: 'FROM_S:FACTOR[:TO_S]: books quote FACTOR times their spread from FROM_S (to TO_S) seconds of market time (default none)' },
  'gzip-level': { kind: 'int', min: 1, max: 9, help: `gzip level 1 (fast) .. 9 (small; default ${kGzipLevel})` },
  help: { kind: 'bool', help: 'print this help' },
};

/** `FROM_S:FACTOR[:TO_S]` → a spread regime. */
export function parseSpreadRegime(text: string): NonNullable<FixtureOptions['spreadRegime']> {
  const parts = text.split(':').map(Number);
  if (parts.length < 2 || parts.length > 3 || parts.some((x) => !Number.isFinite(x))) {
    throw new OptionError(`--spread-regime must be FROM_S:FACTOR[:TO_S] (numbers), got ${JSON.stringify(text)}`);
  }
  return { fromS: parts[0]!, factor: parts[1]!, toS: parts[2] };
}

async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(argv, kFlags);
  } catch (err) {
    if (err instanceof OptionError) {
      console.error(`gen-fixture: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (flags.help) {
    console.log(flagHelp('Usage: node scripts/gen-fixture.ts [flags]\nWrites a seeded, labelled market-event fixture (format: fixtures/SCHEMA.md).', kFlags));
    return 0;
  }
  const options: FixtureOptions = {};
  if (flags.seed !== undefined) options.seed = flags.seed as number;
  if (flags.events !== undefined) options.events = flags.events as number;
  if (flags.venues !== undefined) options.venues = flags.venues as number;
  if (flags.bases !== undefined) options.bases = flags.bases as number;
  if (flags.duration !== undefined) options.durationS = flags.duration as number;
  try {
    if (typeof flags['spread-regime'] === 'string') options.spreadRegime = parseSpreadRegime(flags['spread-regime']);
    fillFixtureOptions(options);
  } catch (err) {
    if (err instanceof OptionError) {
      console.error(`gen-fixture: ${err.message.replace(/options\.durationS/, '--duration').replace(/options\.(\w+)/, '--$1')}`);
      return 2;
    }
    throw err;
  }
  const out = resolve(typeof flags.out === 'string' ? flags.out : kDefaultFixturePath);
  const labelsOut = resolve(typeof flags.labels === 'string' ? flags.labels : labelsPathFor(out));
  const r = await writeFixture(options, out, labelsOut, (flags['gzip-level'] as number | undefined) ?? kGzipLevel);
  const kinds: Record<string, number> = {};
  for (const l of r.labels.opportunities) kinds[l.kind] = (kinds[l.kind] ?? 0) + 1;
  console.log(`wrote ${r.out} (${r.labels.events} events, ${((r.labels.endTs - r.labels.startTs) / 1e6).toFixed(1)} s of market time) in ${(r.elapsedMs / 1000).toFixed(2)} s`);
  console.log(`wrote ${r.labelsOut} (${r.labels.opportunities.length} opportunities: ${JSON.stringify(kinds)}, ${r.labels.priceMoves.length} price moves)`);
  for (const [type, n] of Object.entries(r.countsByType).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${type.padEnd(28)} ${String(n).padStart(10)}  ${((100 * n) / r.labels.events).toFixed(2)} %`);
  }
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
