// Runs one scenario in this process and writes its result as JSON to a file:
//   node bench/lib/child.ts <scenario> <result.json> [--quick] [--opt key=value ...]
// The runner starts one such process per scenario, so JIT state, heap and threads of one
// scenario never leak into the next.
import { writeFileSync } from 'node:fs';
import { scenarioEntry } from '../scenarios/index.ts';
import { progressFor } from './progress.ts';
import type { ScenarioResult } from '../report/types.ts';

async function main(argv: string[]): Promise<number> {
  const [name, resultFile, ...rest] = argv;
  if (!name || !resultFile) {
    process.stderr.write('usage: node bench/lib/child.ts <scenario> <result.json> [--quick] [--opt key=value ...]\n');
    return 2;
  }
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--opt') {
      const kv = rest[++i] ?? '';
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Error(`--opt needs key=value, got ${JSON.stringify(kv)}`);
      options[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  const entry = scenarioEntry(name);
  const scenario = await entry.load();
  const t0 = performance.now();
  const out = await scenario.run({ quick: rest.includes('--quick'), say: progressFor(name), options });
  const result: ScenarioResult = { name: scenario.name, title: scenario.title, elapsedMs: Math.round(performance.now() - t0), ...out };
  writeFileSync(resultFile, JSON.stringify(result));
  return 0;
}

// Exit explicitly: a scenario that failed half-way may leave agent threads behind, and they must
// not keep the process (and the runner waiting on it) alive.
main(process.argv.slice(2)).then((code) => {
  process.exit(code);
}, (err: unknown) => {
  process.stderr.write(`scenario failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
