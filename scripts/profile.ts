// Profiles a short engine run: CPU profiles of the main thread and of every agent thread
// (node --cpu-prof, which covers worker threads too), a sampled allocation profile of the main
// thread during the measured replay (inspector HeapProfiler, collected objects included), and a
// Chrome tracing / Perfetto timeline of the cycles across threads with a span per stage (ingest,
// agents, consolidate) and per agent.
//   npm run profile -- [--events 200000] [--threads n] [--wait hybrid] [--mode lockstep] [--rate 0] [--out dir]
// Tracing wraps the dispatcher and consolidator of this run only; the engine's hot loop is the
// unchanged per-event step (engine/step/), and runs without tracing carry no tracing cost.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { defaultThreads } from '../engine/options.ts';
import { kWaitNames, type WaitName } from '../protocol/wait_strategy.ts';
import { planShares } from '../engine/dispatch/topology.ts';
import { prepareDispatch, type DispatchReport } from '../engine/warmup.ts';
import { kBreakdownColumns, kBreakdownLabels } from '../engine/dispatch/cycle_breakdown.ts';
import { kDefaultConfig } from '../engine/options.ts';
import { kAgentNames } from '../workers/agents/index.ts';
import { EngineRig } from '../bench/lib/engine_rig.ts';
import { summarizeLoop } from '../bench/lib/loop_summary.ts';
import { loadDefaultTape, TapeCursor } from '../bench/lib/tapes.ts';
import { CycleTrace } from '../bench/lib/trace.ts';
import { hotFunctions, topAllocators, type CpuProfile, type HeapProfile } from '../bench/report/profiles.ts';
import { fmtBytes, fmtUs, markdownTable, textTable } from '../bench/report/format.ts';
import { timestampName } from '../bench/run.ts';
import type { Table } from '../bench/report/types.ts';

const kRoot = fileURLToPath(new URL('../', import.meta.url));
const kSelf = fileURLToPath(import.meta.url);
/** Frames that are waiting, not working: reported as one share and left out of the hot list. */
const kWaiting = new Set(['waitForChange', '(idle)', 'atomicsWaitLoop', 'wait', '(program)']);

const kHelp = `Usage: npm run profile -- [options]     (or: node scripts/profile.ts [options])

Replays the default fixture through the engine with CPU and allocation profiling on every
thread and a cycle timeline, and prints the hottest functions.

  --events <n>     events to replay after the warm-up (default 200000)
  --warm <n>       warm-up events, not traced (default 20000)
  --threads <n>    agent threads (0 = inline). Default: the engine's automatic choice — a warm-up
                   measures inline against ${defaultThreads()} thread(s) with the main thread running its
                   share, agents placed from their measured cost, and keeps the faster
  --topology <s>   agents per thread, as the engine's --topology ("main:a,b;c,d;e")
  --wait <w>       ${kWaitNames.join(' | ')} (default adaptive)
  --mode <m>       lockstep (default; full per-cycle trace) | realtime (stage spans only)
  --rate <r>       offered events/s (default 0: as fast as possible)
  --interval <us>  CPU sampling interval in µs (default 100)
  --out <dir>      output folder (default bench/results/profile-<timestamp>)
  -h, --help       this text
`;

interface ProfileOptions { events: number; warm: number; threads: number; auto: boolean; topology: string | undefined; wait: WaitName; mode: 'lockstep' | 'realtime'; rate: number; interval: number; out: string }

function parse(argv: string[]): ProfileOptions | null {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      events: { type: 'string' }, warm: { type: 'string' }, threads: { type: 'string' }, auto: { type: 'boolean' }, topology: { type: 'string' }, wait: { type: 'string' }, mode: { type: 'string' },
      rate: { type: 'string' }, interval: { type: 'string' }, out: { type: 'string' }, child: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const int = (name: string, v: string | undefined, def: number, min: number): number => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  const wait = (values.wait ?? 'adaptive') as WaitName;
  if (!kWaitNames.includes(wait)) throw new Error(`--wait must be one of ${kWaitNames.join(', ')}, got ${JSON.stringify(values.wait)}`);
  const mode = values.mode ?? 'lockstep';
  if (mode !== 'lockstep' && mode !== 'realtime') throw new Error(`--mode must be lockstep or realtime, got ${JSON.stringify(mode)}`);
  return {
    events: int('events', values.events, 200_000, 1), warm: int('warm', values.warm, 20_000, 0), threads: int('threads', values.threads, defaultThreads(), 0),
    auto: values.auto ?? (values.threads === undefined && values.topology === undefined), topology: values.topology,
    wait, mode, rate: int('rate', values.rate, 0, 0), interval: int('interval', values.interval, 100, 10),
    out: resolve(values.out ?? join(kRoot, 'bench/results', `profile-${timestampName(new Date())}`)),
  };
}

/** The profiled process: one traced replay, then the trace and the summary are written. */
async function child(o: ProfileOptions): Promise<void> {
  const base = await loadDefaultTape();
  const prep = o.auto
    ? await prepareDispatch({ agents: [...kAgentNames], config: kDefaultConfig, threads: o.threads, topology: undefined, wait: o.wait, cycleTimeoutMs: 10_000 }, base.registry, base.tape, { automatic: true, warm: true })
    : null;
  const shares = prep?.shares ?? planShares(kAgentNames, o.threads, o.topology);
  const topology = shares.threads;
  const trace = new CycleTrace(Math.max(1024, o.events), kAgentNames, topology);
  const rig = await EngineRig.start({
    registry: base.registry, threads: topology.length, wait: o.wait, shares, pool: prep?.pool, instrument: (d, c, core) => trace.instrument(d, c, core),
  });
  const cursor = new TapeCursor(base.tape);
  try {
    if (o.warm > 0) await rig.replay(cursor.take(o.warm), { mode: o.mode });
    const seg = cursor.take(o.events);
    // Allocation sampling on the main thread, collected objects included: where the hot path allocates.
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    // And a CPU profile of the main thread for the measured replay alone (the --cpu-prof one
    // covers the whole process, start-up included).
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: o.interval });
    await session.post('Profiler.start');
    trace.reset(rig.core.writer.epoch);
    const stats = await rig.replay(seg, { mode: o.mode, rate: o.rate });
    const { profile: cpuProfile } = await session.post('Profiler.stop');
    const { profile } = await session.post('HeapProfiler.stopSampling');
    session.disconnect();
    mkdirSync(join(o.out, 'heap'), { recursive: true });
    writeFileSync(join(o.out, 'heap', 'main.heapprofile'), JSON.stringify(profile));
    writeFileSync(join(o.out, 'main-replay.cpuprofile'), JSON.stringify(cpuProfile));
    const summary = summarizeLoop(stats);
    if (stats.breakdown) summary.breakdown = stats.breakdown;
    summary.placement = { threads: topology, main: topology.length ? shares.main : [] };
    writeFileSync(join(o.out, 'trace.json'), JSON.stringify(trace.toChromeTrace({ options: o, topology, events: stats.events })));
    writeFileSync(join(o.out, 'summary.json'), JSON.stringify({ options: o, topology, summary, dispatch: prep?.report ?? null }, null, 1));
  } finally {
    await rig.stop();
  }
}

function spawnChild(o: ProfileOptions): Promise<number> {
  const args = [
    '--cpu-prof', `--cpu-prof-dir=${join(o.out, 'cpu')}`, `--cpu-prof-interval=${o.interval}`,
    kSelf, '--child', '--events', String(o.events), '--warm', String(o.warm), '--threads', String(o.threads), '--wait', o.wait,
    ...(o.auto ? ['--auto'] : []), ...(o.topology ? ['--topology', o.topology] : []),
    '--mode', o.mode, '--rate', String(o.rate), '--interval', String(o.interval), '--out', o.out,
  ];
  return new Promise((r) => spawn(process.execPath, args, { stdio: 'inherit' }).on('close', (code) => r(code ?? 1)));
}

/** CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile → main.cpuprofile / thread-<tid>.cpuprofile */
function renameProfiles(dir: string, ext: string): { file: string; thread: string }[] {
  let names: string[];
  try { names = readdirSync(dir).filter((n) => n.endsWith(ext)).sort(); } catch { return []; }
  return names.map((n) => {
    const parts = n.split('.');
    const tid = parts[parts.length - 3] ?? '?';
    const thread = tid === '0' ? 'main' : `thread-${tid}`;
    const file = join(dir, `${thread}${ext}`);
    renameSync(join(dir, n), file);
    return { file, thread };
  });
}

async function main(argv: string[]): Promise<number> {
  let o: ProfileOptions | null;
  try {
    o = parse(argv);
  } catch (err) {
    process.stderr.write(`profile: ${(err as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (o === null) { process.stdout.write(kHelp); return 0; }
  if (argv.includes('--child')) { await child(o); return 0; }
  mkdirSync(o.out, { recursive: true });
  process.stderr.write(`profiling ${o.events.toLocaleString('en-US')} events (${o.mode}, ${o.auto ? `automatic: inline or ${o.threads} thread(s), wait ${o.wait}` : o.threads === 0 ? 'agents inline' : `${o.threads} agent thread(s), wait ${o.wait}`}${o.rate ? `, ${o.rate} events/s` : ', as fast as possible'}) …\n`);
  const code = await spawnChild(o);
  if (code !== 0) { process.stderr.write(`profile: the profiled run failed (exit ${code})\n`); return 1; }
  const cpu = renameProfiles(join(o.out, 'cpu'), '.cpuprofile');
  const heap = [{ file: join(o.out, 'heap', 'main.heapprofile'), thread: 'main thread, measured replay only' }];
  const { topology, summary, dispatch } = JSON.parse(readFileSync(join(o.out, 'summary.json'), 'utf8')) as { topology: string[][]; summary: ReturnType<typeof summarizeLoop>; dispatch: DispatchReport | null };
  const tables: Table[] = [];
  if (dispatch) {
    tables.push({
      title: `Dispatch chosen by the warm-up: ${dispatch.chosen}${dispatch.why === 'fixed' ? '' : ` by ${dispatch.why}`} (${dispatch.warmupEvents} events per pass, ${dispatch.warmupMs} ms)`,
      columns: ['inline events/s', 'threaded events/s', 'hand-off µs (wake-up + publish → read)', 'predicted cycle µs: inline / threaded', 'main share', 'threads', 'agent cost p50 µs (inline)'],
      rows: [[dispatch.inlineEventsPerSec, dispatch.threadedEventsPerSec, dispatch.handoffUs, `${dispatch.predictedCycleUs.inline} / ${dispatch.predictedCycleUs.threaded}`, dispatch.mainShare.join(', ') || '–', dispatch.topology.map((g) => g.join('+')).join(' | ') || '–',
        Object.entries(dispatch.agentCostUs).map(([k, v]) => `${k} ${v}`).join(', ')]],
    });
  }
  if (summary.breakdown) {
    const b = summary.breakdown;
    const pl = summary.placement;
    tables.push({
      title: `Cycle breakdown (lockstep, ${b.cycles} cycles; ${!pl || pl.threads.length === 0 ? 'all agents on the main thread' : `main: ${pl.main.join(',') || '–'}; ${pl.threads.map((g, t) => `T${t + 1}: ${g.join(',')}`).join('; ')}`})`,
      columns: ['part of the cycle', 'p50 µs', 'mean µs', 'p99 µs'],
      rows: kBreakdownColumns.map((c) => [kBreakdownLabels[c], b[c].p50.toFixed(1), b[c].mean.toFixed(1), b[c].p99.toFixed(1)]),
    });
  }
  tables.push({
    title: 'Stages (µs): tick-to-decision and per stage, per agent (busy time per cycle)',
    columns: ['stage', 'count', 'p50', 'p99', 'max'],
    rows: [
      ['tick-to-decision', summary.latencyUs.count, fmtUs(summary.latencyUs.p50), fmtUs(summary.latencyUs.p99), fmtUs(summary.latencyUs.max)],
      ...Object.entries(summary.stagesUs).map(([k, l]) => [k, l.count, fmtUs(l.p50), fmtUs(l.p99), fmtUs(l.max)]),
      ...Object.entries(summary.agentsUs).map(([k, l]) => [`agent ${k}`, l.count, fmtUs(l.p50), fmtUs(l.p99), fmtUs(l.max)]),
    ],
  });
  const profiles = [{ file: join(o.out, 'main-replay.cpuprofile'), thread: 'main' }, ...cpu.filter((p) => p.thread !== 'main')];
  for (const p of profiles) {
    const h = hotFunctions(JSON.parse(readFileSync(p.file, 'utf8')) as CpuProfile, kRoot, 40);
    const waiting = h.functions.filter((f) => kWaiting.has(f.name));
    const waitPct = waiting.reduce((s, f) => s + f.selfPct, 0);
    const label = p.thread === 'main' ? 'main thread, measured replay only' : `${p.thread}${topology.length ? ` (agent threads: ${topology.map((g) => g.join('+')).join(' | ')})` : ''}`;
    tables.push({
      title: `CPU self time — ${label} — ${h.totalMs.toFixed(0)} ms sampled, ${waitPct.toFixed(1)}% waiting (${waiting.map((f) => f.name).join(', ') || 'none'}; not listed)`,
      columns: ['function', 'where', 'self ms', 'self %'],
      rows: h.functions.filter((f) => !kWaiting.has(f.name)).slice(0, 15).map((f) => [f.name, f.location, f.selfMs, `${f.selfPct}%`]),
    });
  }
  for (const p of heap) {
    const a = topAllocators(JSON.parse(readFileSync(p.file, 'utf8')) as HeapProfile, kRoot, 12);
    tables.push({ title: `Sampled allocations (collected objects included) — ${p.thread} — ${fmtBytes(a.totalBytes)} sampled over ${summary.events.toLocaleString('en-US')} events`, columns: ['function', 'where', 'bytes', '%'], rows: a.functions.map((f) => [f.name, f.location, fmtBytes(f.bytes), `${f.pct}%`]) });
  }
  writeFileSync(join(o.out, 'hotspots.md'), `# Profile ${relative(kRoot, o.out)}\n\n${tables.map((t) => `**${t.title}**\n\n${markdownTable(t)}\n`).join('\n')}`);
  process.stdout.write(tables.map((t) => `\n${t.title}\n${textTable(t)}`).join('\n') + '\n');
  const rel = relative(process.cwd(), o.out) || o.out;
  process.stdout.write(`
profile written to ${rel}/
  trace.json        cycles across threads: open in https://ui.perfetto.dev (Open trace file) or chrome://tracing (Load)
  main-replay.cpuprofile  the main thread during the measured replay only
  cpu/*.cpuprofile  one per thread for the whole process (main, thread-<id>): Chrome DevTools → Performance → Load profile
  heap/main.heapprofile  sampled allocations of the main thread during the measured replay: Chrome DevTools → Memory → Load
  hotspots.md       the tables above
`);
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
