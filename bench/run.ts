// The one benchmark runner: runs each scenario in its own process, on the same inputs, with the
// baselines in the same run, and writes bench/results/<timestamp>.{json,md} (+ SVG charts) and
// latest.{json,md}.
//   npm run bench                      full run (about ten minutes on two cores)
//   npm run bench -- --quick           about a minute: fewer rates, shorter runs
//   npm run bench -- --only open_loop,handoff
//   npm run bench -- --compare a.json b.json
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareMain } from './compare.ts';
import { environment } from './lib/env.ts';
import { kScenarioNames, kScenarios, scenarioEntry } from './scenarios/index.ts';
import { flattenMetrics } from './report/compare.ts';
import { textTable } from './report/format.ts';
import { reportMarkdown } from './report/markdown.ts';
import { lineChartSvg } from './report/svg.ts';
import { checkTargets } from './report/targets.ts';
import type { BenchResult, ScenarioResult } from './report/types.ts';

const kChild = fileURLToPath(new URL('./lib/child.ts', import.meta.url));
export const kDefaultOut = fileURLToPath(new URL('./results/', import.meta.url));

const kHelp = `lucent-engine benchmarks

Usage: npm run bench -- [options]        (or: node bench/run.ts [options])

  --quick                 about a minute: fewer rates, shorter runs, smaller universes
  --only <a,b,...>        run only these scenarios
  --out <dir>             where results go (default bench/results)
  --opt <key=value>       pass an option to the scenarios (repeatable), e.g.
                          recordingSeconds=346 (replay the whole recording at 1×)
  --compare <a> <b>       compare two result files instead of running (see bench/compare.ts)
  --list                  list the scenarios
  -h, --help              this text

Scenarios (in run order):
${kScenarios.map((s) => `  ${s.name.padEnd(12)} ${s.summary}`).join('\n')}

Each scenario runs in its own Node process; progress lines go to stderr. Results:
<out>/<timestamp>.json (every figure + environment), <timestamp>.md (report), <timestamp>-charts/*.svg,
and latest.json / latest.md. Read bench/README.md for how to read them.
`;

export interface RunnerArgs {
  quick: boolean;
  only: string[];
  out: string;
  opts: string[];
  compare: [string, string] | null;
  list: boolean;
  help: boolean;
}

export function parseRunnerArgs(argv: string[]): RunnerArgs {
  const { values, positionals } = parseArgs({
    args: argv, strict: true, allowPositionals: true,
    options: {
      quick: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' }, opt: { type: 'string', multiple: true },
      compare: { type: 'boolean' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  let compare: [string, string] | null = null;
  if (values.compare) {
    if (positionals.length !== 2) throw new Error('--compare needs two result files: --compare a.json b.json');
    compare = [positionals[0]!, positionals[1]!];
  } else if (positionals.length) {
    throw new Error(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  const only = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : [];
  for (const o of only) if (!kScenarioNames.includes(o)) throw new Error(`--only names unknown scenario "${o}" (scenarios: ${kScenarioNames.join(', ')})`);
  for (const kv of values.opt ?? []) if (!/^[A-Za-z][A-Za-z0-9_]*=./.test(kv)) throw new Error(`--opt must be key=value, got ${JSON.stringify(kv)}`);
  return {
    quick: values.quick ?? false, only, out: resolve(values.out ?? kDefaultOut), opts: values.opt ?? [], compare,
    list: values.list ?? false, help: values.help ?? false,
  };
}

/** 2026-11-28T07-01-02 (no colons, so it is a valid file name everywhere). */
export function timestampName(d: Date): string {
  return d.toISOString().slice(0, 19).replace(/:/g, '-');
}

/** A scenario process running longer than this is stopped and reported as failed. */
const kScenarioLimitMs = { quick: 5 * 60_000, full: 20 * 60_000 };

function runScenario(name: string, quick: boolean, opts: string[], dir: string): Promise<ScenarioResult> {
  const entry = scenarioEntry(name);
  const file = join(dir, `${name}.json`);
  const args = [...entry.execArgv, kChild, name, file, ...(quick ? ['--quick'] : []), ...opts.flatMap((o) => ['--opt', o])];
  const t0 = performance.now();
  return new Promise((resolveResult) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    const limit = quick ? kScenarioLimitMs.quick : kScenarioLimitMs.full;
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, limit);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      try {
        if (timedOut) throw new Error(`stopped after ${limit / 60_000} minutes`);
        if (code !== 0) throw new Error(`exited with ${sig ?? `code ${code}`}`);
        resolveResult(JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult);
      } catch (err) {
        resolveResult({
          name, title: name, elapsedMs: Math.round(performance.now() - t0), skipped: `failed: ${(err as Error).message} (see the output above)`,
          notes: [], tables: [], charts: [], metrics: {}, data: null,
        });
      }
    });
  });
}

export async function runBench(a: RunnerArgs): Promise<{ result: BenchResult; json: string; md: string }> {
  const started = new Date();
  const names = a.only.length ? kScenarioNames.filter((n) => a.only.includes(n)) : [...kScenarioNames];
  const env = environment();
  process.stderr.write(`lucent-engine bench (${a.quick ? 'quick' : 'full'}): ${names.join(', ')}\n` +
    `${env.cpu} × ${env.cores} cores, Node ${env.node}, load average ${env.loadAverage.map((x) => x.toFixed(2)).join(' ')}\n`);
  const tmp = mkdtempSync(join(tmpdir(), 'lucent-bench-'));
  const scenarios: ScenarioResult[] = [];
  try {
    for (const [i, name] of names.entries()) {
      process.stderr.write(`\n== ${name} (${i + 1}/${names.length}) ==\n`);
      const r = await runScenario(name, a.quick, a.opts, tmp);
      scenarios.push(r);
      process.stderr.write(`== ${name}: ${r.skipped ? r.skipped : 'done'} in ${(r.elapsedMs / 1000).toFixed(1)} s\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const result: BenchResult = {
    schema: 1, startedAt: started.toISOString(), finishedAt: new Date().toISOString(), quick: a.quick, argv: process.argv.slice(2),
    environment: env, scenarios, targets: [],
  };
  result.targets = checkTargets(flattenMetrics(result));
  mkdirSync(a.out, { recursive: true });
  const stamp = timestampName(started) + (a.quick ? '-quick' : '');
  const chartDir = `${stamp}-charts`;
  mkdirSync(join(a.out, chartDir), { recursive: true });
  for (const s of scenarios) for (const c of s.charts) writeFileSync(join(a.out, chartDir, c.file), lineChartSvg(c));
  const json = join(a.out, `${stamp}.json`);
  const md = join(a.out, `${stamp}.md`);
  writeFileSync(json, JSON.stringify(result, null, 1) + '\n');
  writeFileSync(md, reportMarkdown(result, chartDir));
  copyFileSync(json, join(a.out, 'latest.json'));
  copyFileSync(md, join(a.out, 'latest.md'));
  return { result, json, md };
}

export function summaryText(r: BenchResult): string {
  const out: string[] = [];
  for (const s of r.scenarios) {
    out.push('', `## ${s.title}${s.skipped ? ` — ${s.skipped}` : ''}`);
    for (const t of s.tables) out.push('', t.title, textTable(t));
  }
  out.push('', '## Targets', textTable({
    title: 'targets', columns: ['target', 'measured', 'met?', 'detail'],
    rows: r.targets.map((t) => [t.target, t.measured, t.ok === null ? 'not measured' : t.ok ? 'yes' : 'NO', t.detail]),
  }));
  return out.join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  let a: RunnerArgs;
  try {
    a = parseRunnerArgs(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (a.help) { process.stdout.write(kHelp); return 0; }
  if (a.list) { process.stdout.write(kScenarios.map((s) => `${s.name.padEnd(12)} ${s.summary}`).join('\n') + '\n'); return 0; }
  if (a.compare) return compareMain(a.compare);
  const { result, json, md } = await runBench(a);
  process.stdout.write(summaryText(result));
  process.stdout.write(`\nresults: ${relative(process.cwd(), json)}\nreport:  ${relative(process.cwd(), md)} (charts beside it)\n`);
  return result.scenarios.some((s) => s.skipped?.startsWith('failed')) ? 1 : 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`bench: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
