// Test runner: runs every *.test.ts file in its own Node process (uvu suites, real threads),
// one at a time, and closes with one summary line "N passed, N failed, N skipped".
// Usage: node scripts/run-tests.ts [filter ...]   (a filter is a substring of the file path)
//        node scripts/run-tests.ts --unit          (skip *.it.test.ts, the tests that need services)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const kRoots = ['protocol', 'finance', 'engine', 'workers', 'bench', 'scripts', 'fixtures'];
const kFileTimeoutMs = Number(process.env.LUCENT_TEST_TIMEOUT_MS ?? 300_000);

function findTests(dir: string, out: string[]): void {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const name of names.sort()) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
}

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));
const files: string[] = [];
for (const r of kRoots) findTests(r, files);
const selected = files.filter((f) => (!unitOnly || !f.endsWith('.it.test.ts')) &&
  (filters.length === 0 || filters.some((s) => f.includes(s))));
if (selected.length === 0) {
  console.error(`no test files matched ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}

interface FileResult { file: string; total: number; passed: number; skipped: number; code: number | null }

function runFile(file: string): Promise<FileResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => { process.stdout.write(d); text += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { process.stderr.write(d); });
    const timer = setTimeout(() => {
      console.error(`\n${file}: timed out after ${kFileTimeoutMs} ms`);
      child.kill('SIGKILL');
    }, kFileTimeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const num = (label: string): number => {
        const m = new RegExp(`${label}:\\s+(\\d+)`).exec(text);
        return m ? Number(m[1]) : 0;
      };
      resolve({ file, total: num('Total'), passed: num('Passed'), skipped: num('Skipped'), code });
    });
  });
}

let passed = 0, failed = 0, skipped = 0;
const broken: string[] = [];
for (const file of selected) {
  console.log(`\n# ${relative('.', file)}`);
  const r = await runFile(file);
  passed += r.passed;
  skipped += r.skipped;
  const f = r.total - r.passed;
  failed += f;
  if (r.code !== 0 || (r.total === 0 && r.skipped === 0)) {
    if (f === 0) failed += 1; // the file crashed or ran nothing: count it as one failure
    broken.push(r.file);
  }
}
console.log('');
if (broken.length) console.log(`failing files: ${broken.join(', ')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 ? 1 : 0;
