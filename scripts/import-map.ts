// Prints which folders import which (engine/ by subfolder and root file), the imports of test
// code apart, and whether the import rules hold (scripts/lib/import_graph.ts; the test
// scripts/import-map.test.ts checks the same rules).
//   node scripts/import-map.ts        exit code 1 when a rule is broken
import { fileURLToPath } from 'node:url';
import { checkRules, formatImportMap, readImportGraph } from './lib/import_graph.ts';

const kRoot = fileURLToPath(new URL('../', import.meta.url));

export function main(): number {
  const g = readImportGraph(kRoot);
  console.log(formatImportMap(g));
  return checkRules(g).some((r) => r.broken.length > 0) ? 1 : 0;
}

if (import.meta.main) process.exitCode = main();
