// Test helpers: run the engine on a fixture into a temporary folder, and read its decisions.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngine, type RunHooks, type Summary } from '../engine.ts';
import { kDefaultFixture, resolveOptions, type OptionsInput } from '../options.ts';
import type { Decision } from '../types.ts';

/** The fixture the engine tests use: the shipped default, or LUCENT_TEST_FIXTURE. */
export const kTestFixture = process.env.LUCENT_TEST_FIXTURE ?? kDefaultFixture;
export const kTestLabels = kTestFixture.replace(/\.jsonl(\.gz)?$/, '.labels.json');

export async function runFixture(input: OptionsInput, hooks: RunHooks = {}): Promise<{ summary: Summary; decisions: Decision[]; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-test-'));
  const opts = resolveOptions({
    fixture: kTestFixture,
    decisions: join(dir, 'decisions.jsonl'),
    summary: join(dir, 'summary.json'),
    deadLetters: join(dir, 'dead-letters.jsonl'),
    progress: false,
    ...input,
  });
  const summary = await runEngine(opts, hooks);
  const text = opts.decisions ? readFileSync(opts.decisions, 'utf8') : '';
  const decisions = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Decision);
  return { summary, decisions, dir };
}
