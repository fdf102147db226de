// Compares two benchmark result files: node bench/compare.ts <a.json> <b.json> [--markdown] [--band 0.1]
// (also: npm run bench -- --compare a.json b.json). Prints every shared metric with the ratio b/a.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compareResults, formatComparison, kNoiseBand } from './report/compare.ts';
import type { BenchResult } from './report/types.ts';

export function loadResult(path: string): BenchResult {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read result file ${path}: ${(err as Error).message}`);
  }
  const r = raw as Partial<BenchResult>;
  if (r.schema !== 1 || !Array.isArray(r.scenarios)) throw new Error(`${path} is not a benchmark result file (schema 1)`);
  return r as BenchResult;
}

export function compareMain(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { markdown: { type: 'boolean' }, band: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals.length !== 2) {
    process.stdout.write('Usage: node bench/compare.ts <a.json> <b.json> [--markdown] [--band 0.1]\n' +
      'Prints every metric the two result files share, with the ratio b/a and a verdict\n' +
      `(better / worse / same within ±band, default ${kNoiseBand}).\n`);
    return values.help ? 0 : 2;
  }
  const band = values.band === undefined ? kNoiseBand : Number(values.band);
  if (!(band >= 0 && band < 1)) throw new Error(`--band must be a fraction in [0, 1), got ${values.band}`);
  const a = loadResult(positionals[0]!);
  const b = loadResult(positionals[1]!);
  process.stdout.write(formatComparison(a, b, compareResults(a, b, band), values.markdown ?? false, band));
  return 0;
}

if (import.meta.main) {
  try {
    process.exitCode = compareMain(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`compare: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
