// lucent-engine's command line: replay a recorded fixture through the whole pipeline and print a
// summary. `node engine/cli.ts --help` lists the options.
import { parseArgs } from 'node:util';
import { LucentError } from './errors.ts';
import { defaultThreads, resolveOptions, type OptionsInput } from './options.ts';
import { runEngine, type Summary } from './engine.ts';
import { kAgentNames } from '../workers/agents/index.ts';
import type { LatencySummary } from './metrics/latency.ts';

const kHelp = `lucent-engine: parallel agents over shared-memory market state

Usage: npm start -- [options]        (or: node engine/cli.ts [options])

Source
  --fixture <file>      recorded ticks, JSON Lines (.jsonl or .jsonl.gz)
                        default: fixtures/default.jsonl.gz (the shipped fixture)
  --limit <n>           replay only the first n events
  --rate <events/s>     open-loop replay at a fixed rate (latency from each event's intended time)
  --speed <x>           replay at x times the recorded timing (1 = real time)
                        neither: as fast as possible
Engine
  --mode <m>            lockstep (default; deterministic: each trigger waits for its cycle)
                        realtime (ingest never waits; agents conflate to the newest state)
  --threads <n>         agent threads (default ${defaultThreads()} here: cores − 1, at most one per agent);
                        0 runs every agent inline on the main thread
  --inline              same as --threads 0
  --wait <w>            spin | block | hybrid (default hybrid): how threads wait for work
  --topology <spec>     agents per thread, e.g. "yield_hunter,risk_assessor;arbitrage_detector,portfolio_rebalancer"
  --agents <list>       comma-separated subset of: ${kAgentNames.join(', ')}
  --config <file>       JSON overriding fees, trigger thresholds, limits, agent parameters
                        (see README "Configuration"); unknown keys are errors
  --cycle-timeout <ms>  a cycle not finished by then counts as missed (default 10000)
Output
  --decisions <file>    decision log, JSON Lines (default out/decisions.jsonl)
  --summary <file>      summary JSON (default out/summary.json)
  --dead-letters <file> rejected input lines with reasons (default out/dead-letters.jsonl)
  --json                print the summary JSON to stdout instead of the table
  --quiet               no progress bar
  -h, --help            this text
`;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new LucentError('ERR_OPTION', `--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        fixture: { type: 'string' }, limit: { type: 'string' }, rate: { type: 'string' }, speed: { type: 'string' },
        mode: { type: 'string' }, threads: { type: 'string' }, inline: { type: 'boolean' }, wait: { type: 'string' },
        topology: { type: 'string' }, agents: { type: 'string' }, config: { type: 'string' }, 'cycle-timeout': { type: 'string' },
        decisions: { type: 'string' }, summary: { type: 'string' }, 'dead-letters': { type: 'string' },
        json: { type: 'boolean' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    process.stderr.write(`lucent-engine: ${(err as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(kHelp);
    return 0;
  }
  try {
    const input: OptionsInput = {
      fixture: v.fixture, mode: v.mode, wait: v.wait, topology: v.topology, config: v.config,
      threads: v.inline ? 0 : num('threads', v.threads), rate: num('rate', v.rate), speed: num('speed', v.speed),
      limit: num('limit', v.limit), cycleTimeoutMs: num('cycle-timeout', v['cycle-timeout']),
      decisions: v.decisions, summary: v.summary, deadLetters: v['dead-letters'],
      progress: !v.quiet && !v.json,
      agents: v.agents?.split(',').map((a) => a.trim()).filter((a) => a !== ''),
    };
    const opts = resolveOptions(input);
    const summary = await runEngine(opts);
    if (v.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else process.stdout.write(formatSummary(summary));
    return 0;
  } catch (err) {
    if (err instanceof LucentError) {
      process.stderr.write(`lucent-engine: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

const f = (x: number): string => x.toLocaleString('en-US');
const us = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(2)} µs`);

function latRow(name: string, l: LatencySummary): string {
  return `  ${name.padEnd(22)} ${f(l.count).padStart(9)} ${us(l.p50).padStart(11)} ${us(l.p99).padStart(11)} ${us(l.p999).padStart(11)} ${us(l.max).padStart(11)}\n`;
}

export function formatSummary(s: Summary): string {
  const rel = s.fixture.startsWith(process.cwd()) ? s.fixture.slice(process.cwd().length + 1) : s.fixture;
  let out = '\n';
  out += `lucent-engine · ${s.mode} · ${s.threads === 0 ? 'agents inline' : `${s.threads} agent thread(s)`} · wait ${s.wait}` +
    (s.rate ? ` · ${f(s.rate)} ev/s offered` : s.speed ? ` · ${s.speed}× recorded timing` : '') + '\n';
  out += `fixture ${rel} (${f(s.instruments)} instruments)\n\n`;
  out += `  events read            ${f(s.lines)}   (dead letters: ${f(s.deadLetters)})\n`;
  out += `  events replayed        ${f(s.events)} in ${f(s.runMs)} ms = ${f(s.eventsPerSec)} events/s\n`;
  out += `  cycles                 ${f(s.cycles)} (${f(s.cyclesPerSec)}/s, missed ${f(s.missedCycles)})\n`;
  out += `  decisions              ${f(s.decisions)}  (approved ${f(s.decisionsByStatus.approved ?? 0)}, rejected ${f(s.decisionsByStatus.rejected ?? 0)}, pending approval ${f(s.decisionsByStatus.pending_approval ?? 0)})\n`;
  out += `  realized PnL (paper)   $${s.portfolio.realizedPnlUsd.toFixed(2)}   portfolio VaR $${f(s.portfolio.varUsd)}  HHI ${s.portfolio.hhi}\n`;
  out += `  decision log sha256    ${s.decisionLogSha256}\n\n`;
  out += `  ${'agent'.padEnd(22)} ${'opportunities'.padStart(13)} ${'decisions'.padStart(10)} ${'p50/cycle'.padStart(11)} ${'p99/cycle'.padStart(11)} ${'errors'.padStart(7)}\n`;
  for (const [name, a] of Object.entries(s.agentsUs)) {
    out += `  ${name.padEnd(22)} ${f(s.opportunitiesByAgent[name] ?? 0).padStart(13)} ${f(s.decisionsByAgent[name] ?? 0).padStart(10)} ${us(a.p50).padStart(11)} ${us(a.p99).padStart(11)} ${f(a.errors).padStart(7)}\n`;
  }
  out += `\n  top opportunities\n`;
  for (const t of s.topOpportunities.slice(0, 5)) {
    out += `    $${t.expectedProfitUsd.toFixed(2).padStart(10)}  ${t.kind.padEnd(26)} ${t.instruments.join(' → ').padEnd(44)} ${t.status}\n`;
  }
  if (s.topOpportunities.length === 0) out += '    (none)\n';
  out += `\n  tick-to-decision       ${'count'.padStart(9)} ${'p50'.padStart(11)} ${'p99'.padStart(11)} ${'p99.9'.padStart(11)} ${'max'.padStart(11)}\n`;
  out += latRow('ingest (state write)', s.stagesUs.ingest);
  out += latRow('agents (cycle)', s.stagesUs.agents);
  out += latRow('consolidate+validate', s.stagesUs.consolidate);
  out += latRow('total', s.latencyUs);
  if (s.deadLetterSamples.length) {
    out += '\n  dead letters (first few)\n';
    for (const d of s.deadLetterSamples) out += `    ${d.source}: ${d.reason}\n`;
  }
  out += `\n  decisions: ${s.decisionLog ?? '(not kept)'}\n`;
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`lucent-engine: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
