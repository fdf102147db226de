// The learning tests' market: the generator's default market (seed 42, 120,000 events, 600 s)
// with a spread regime from 200 s (books quote 12 times their spread), which makes the portfolio
// rebalancer's cost model (costBps, its own stated return of a trade) wrong from then on.
// `toS` ends the regime early (the rejection test: the market goes back to normal spreads).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFixture } from '../../../fixtures/generator/generator.ts';
import { JsonlGzWriter } from '../../../fixtures/jsonl_gz.ts';

export const kRegimeFromS = 200;
export const kRegimeFactor = 12;

/** Writes the regime fixture into a fresh temporary folder; returns its path and the folder. */
export async function writeRegimeFixture(toS?: number): Promise<{ fixture: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-learning-'));
  const fixture = join(dir, 'regime.jsonl.gz');
  const w = new JsonlGzWriter(fixture, 1);
  const run = generateFixture({ spreadRegime: { fromS: kRegimeFromS, toS, factor: kRegimeFactor } });
  for (const e of run.events()) {
    const wait = w.writeLine(JSON.stringify(e));
    if (wait !== undefined) await wait;
  }
  await w.close();
  return { fixture, dir };
}
