// What a scenario is: a named benchmark that runs in its own process and returns its figures.
import type { Say } from '../lib/progress.ts';
import type { ScenarioResult } from '../report/types.ts';

export interface ScenarioContext {
  quick: boolean;
  say: Say;
  /** Extra options from the runner (e.g. recordingSeconds). */
  options: Record<string, string>;
}

export type ScenarioOutput = Omit<ScenarioResult, 'name' | 'title' | 'elapsedMs'>;

export interface Scenario {
  name: string;
  title: string;
  run(ctx: ScenarioContext): Promise<ScenarioOutput>;
}

export function emptyOutput(): ScenarioOutput {
  return { notes: [], tables: [], charts: [], metrics: {}, data: {} };
}

export function skipped(reason: string): ScenarioOutput {
  return { ...emptyOutput(), skipped: reason };
}

/** One line for a design that failed: the message and the first frame in the repository. */
export function failureText(err: unknown): string {
  const e = err as Error;
  const frame = (e?.stack ?? '').split('\n').map((l) => l.trim()).find((l) => /\/(engine|workers|bench)\//.test(l));
  const where = frame ? frame.replace(/^at\s+/, '').replace(/file:\/\/\S*?\/(engine|workers|bench)\//, '$1/') : '';
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${where ? ` (${where})` : ''}`;
}
