// 4. Scaling: agent threads 1..N and agent-to-thread topologies with the real agents; universe
// size from 1,000 to 100,000 instruments (generated in-process); and a compute-heavy workload
// (cyclic-arbitrage search over many venue graphs) where parallel work can pay, to show where
// the crossover lies on this machine. Results are labelled with the CPU and core count.
import { availableParallelism, cpus } from 'node:os';
import type { WaitName } from '../../protocol/wait_strategy.ts';
import { kAgentNames } from '../../workers/agents/index.ts';
import { planShares } from '../../engine/dispatch/topology.ts';
import { EngineRig } from '../lib/engine_rig.ts';
import type { RunSummary } from '../lib/loop_summary.ts';
import { summarizeLoop } from '../lib/loop_summary.ts';
import { generateTape, loadDefaultTape, sliceTape, TapeCursor, type LoadedTape } from '../lib/tapes.ts';
import { contiguous, costBalanced, roundRobin, threadCounts, topologySpec } from '../lib/topologies.ts';
import { runHeavy, type HeavyResult } from '../workloads/heavy_rig.ts';
import { fmtNum, fmtRatio, fmtUs, shortCount } from '../report/format.ts';
import type { Chart, Metric } from '../report/types.ts';
import { emptyOutput, failureText, type Scenario, type ScenarioContext, type ScenarioOutput } from './scenario.ts';
import type { InstrumentRegistry } from '../../protocol/registry.ts';
import type { Tape } from '../../protocol/tape.ts';

interface ThreadRun { label: string; threads: number; wait: WaitName; variant: string; topology: string; s: RunSummary }

/** One lockstep replay on a fresh rig; null (and a line in `failures`) when the engine threw. */
async function replayLockstep(registry: InstrumentRegistry, threads: number, wait: WaitName, topology: string | undefined,
  warm: Tape, measured: Tape, prime: Tape | null, failures: string[], label: string, maxMs: number): Promise<RunSummary | null> {
  let rig: EngineRig | null = null;
  try {
    rig = await EngineRig.start({ registry, threads, wait, topology });
    if (prime) rig.prime(prime);
    await rig.replay(warm, { mode: 'lockstep', maxMs });
    const stats = await rig.replay(measured, { mode: 'lockstep', maxMs });
    const s = summarizeLoop(stats);
    if (stats.breakdown) s.breakdown = stats.breakdown;
    if (stats.stopped) s.aborted = { processedEvents: stats.events, reason: stats.stopped };
    return s;
  } catch (err) {
    failures.push(`${label}: ${failureText(err)}`);
    return null;
  } finally {
    await rig?.stop().catch(() => undefined);
  }
}

/** Waits worth trying at `threads` agent threads: spin only while every spinner has a core. */
function waitsFor(threads: number, cores: number): WaitName[] {
  return threads + 1 <= cores ? ['spin', 'hybrid', 'block'] : ['hybrid', 'block'];
}

export const scaling: Scenario = {
  name: 'scaling',
  title: '4. Scaling: threads, topologies, universe size, compute-heavy work',
  async run(ctx: ScenarioContext): Promise<ScenarioOutput> {
    const out = emptyOutput();
    const q = ctx.quick;
    const cores = availableParallelism();
    const cpu = cpus()[0]?.model.trim() ?? 'unknown';
    const agents = kAgentNames;
    const maxThreads = Math.min(cores, agents.length);
    const metrics: Record<string, Metric> = {};
    const budget = q ? 3_000 : 10_000; // per replay: a configuration that collapses is cut short, and says so
    if (q) out.notes.push('Quick mode: the topology variants, the 100,000-instrument universe and the middle workload sizes run in full mode only.');
    out.notes.push(`Machine: ${cpu}, ${cores} logical cores; agent threads tried 1..${maxThreads} (at most one per agent). Spin is tried only while every spinning thread, the main thread included, has a core of its own: more spinners than cores stall each other for whole scheduler slices.`);

    // ---- A. threads and topologies, default fixture ------------------------------------------
    const base = await loadDefaultTape();
    const cursor = new TapeCursor(base.tape);
    const warm = cursor.take(q ? 10_000 : 20_000);
    const measured = cursor.take(q ? 12_000 : 90_000);
    const runs: ThreadRun[] = [];
    const failures: string[] = [];
    const inline = await replayLockstep(base.registry, 0, 'hybrid', undefined, warm, measured, null, failures, 'threads 0 (inline)', budget);
    if (inline === null) throw new Error(`the inline reference run failed: ${failures[0]}`);
    runs.push({ label: 'inline (threads 0)', threads: 0, wait: 'hybrid', variant: 'inline', topology: '(main thread)', s: inline });
    ctx.say(`threads 0 (inline): ${fmtNum(inline.eventsPerSec)} events/s`);
    const cost = Object.fromEntries(Object.entries(inline.agentsUs).map(([k, v]) => [k, v.mean]));
    for (const t of threadCounts(maxThreads)) {
      for (const wait of waitsFor(t, cores)) {
        const topo = topologySpec(roundRobin(agents, t));
        const s = await replayLockstep(base.registry, t, wait, topo, warm, measured, null, failures, `threads ${t} ${wait}`, budget);
        if (!s) continue;
        runs.push({ label: `${t} thread(s), ${wait}, round-robin`, threads: t, wait, variant: 'round-robin', topology: topo, s });
        ctx.say(`threads ${t} ${wait} round-robin: ${fmtNum(s.eventsPerSec)} events/s, agents stage p50 ${fmtUs(s.stagesUs.agents.p50)}`);
      }
      if (t >= 2 && !q) { // topology variants: full runs only
        const variants: [string, string[][]][] = [['contiguous', contiguous(agents, t)], ['cost-balanced', costBalanced(agents, t, cost)]];
        for (const [name, groups] of variants) {
          const topo = topologySpec(groups);
          if (topo === topologySpec(roundRobin(agents, t))) continue;
          const s = await replayLockstep(base.registry, t, 'hybrid', topo, warm, measured, null, failures, `threads ${t} ${name}`, budget);
          if (!s) continue;
          runs.push({ label: `${t} thread(s), hybrid, ${name}`, threads: t, wait: 'hybrid', variant: name, topology: topo, s });
          ctx.say(`threads ${t} hybrid ${name} [${topo}]: ${fmtNum(s.eventsPerSec)} events/s`);
        }
      }
    }
    // The default design at 1, 2, 4, 8 and 16 threads: the main thread runs its share, the agents
    // are placed from their measured inline cost, adaptive waits. Measured only where the machine
    // has a core for each thread and the main thread (and an agent for each thread).
    const costMap = new Map(Object.entries(inline.agentsUs).map(([k, v]) => [k, v.p50]));
    const scaleRows: (string | number)[][] = [];
    for (const t of [1, 2, 4, 8, 16]) {
      if (t + 1 > cores) { scaleRows.push([t, `not measured: ${cores} cores (needs ${t + 1}: ${t} thread(s) and the main thread)`, '–', '–', '–']); continue; }
      if (t > agents.length) { scaleRows.push([t, `not measured: ${agents.length} agents (at most one thread per agent)`, '–', '–', '–']); continue; }
      const sh = planShares(agents, t, undefined, costMap, 0);
      const topo = [...(sh.main.length ? [`main:${sh.main.join(',')}`] : []), ...sh.threads.map((g) => g.join(','))].join(';');
      const s = await replayLockstep(base.registry, t, 'adaptive', topo, warm, measured, null, failures, `threads ${t} main share`, budget);
      if (!s) { scaleRows.push([t, 'failed', '–', '–', '–']); continue; }
      runs.push({ label: `${t} thread(s) + main share, adaptive, cost-placed`, threads: t, wait: 'adaptive', variant: 'main-share', topology: topo, s });
      scaleRows.push([t, topo, fmtNum(s.eventsPerSec), fmtRatio(s.eventsPerSec / inline.eventsPerSec), s.breakdown ? fmtUs(s.breakdown.cycle.p50) : '–']);
      ctx.say(`threads ${t} main share [${topo}]: ${fmtNum(s.eventsPerSec)} events/s`);
    }
    out.tables.push({
      title: `A0. The default design by thread count (main thread runs its share; ${cores} cores here)`,
      columns: ['threads', 'placement (main: …; threads separated by ;)', 'events/s', 'vs inline', 'cycle p50'],
      rows: scaleRows,
    });
    out.tables.push({
      title: `A. Threads and topologies — default fixture (${base.registry.size} instruments), lockstep, as fast as possible, ${fmtNum(measured.length)} events`,
      columns: ['configuration', 'topology (threads separated by ;)', 'events/s', 'cycles/s', 'vs inline', 'agents stage p50', 'p99', 'tick-to-decision p99'],
      rows: runs.map((r) => [r.label, r.topology, fmtNum(r.s.eventsPerSec) + (r.s.aborted ? ' (cut short)' : ''), fmtNum(r.s.cyclesPerSec), fmtRatio(r.s.eventsPerSec / inline.eventsPerSec),
        fmtUs(r.s.stagesUs.agents.p50), fmtUs(r.s.stagesUs.agents.p99), fmtUs(r.s.latencyUs.p99)]),
      note: `Per-agent mean cycle time inline (the cost-balanced topology's input): ${Object.entries(cost).map(([k, v]) => `${k} ${fmtUs(v)}`).join(', ')}.`,
    });
    for (const r of runs) {
      const k = `scaling.threads.${r.threads}.${r.wait}.${r.variant}`;
      metrics[`${k}.events_per_s`] = { value: r.s.eventsPerSec, unit: 'events/s', better: 'higher' };
    }
    const waitsSeen = [...new Set(runs.filter((r) => r.threads > 0).map((r) => r.wait))];
    out.charts.push({
      file: 'scaling_threads.svg', title: `events/s by agent threads (${cpu.slice(0, 28)}, ${cores} cores)`, xLabel: 'agent threads (0 = inline)', yLabel: 'events/s (lockstep)',
      series: waitsSeen.map((w) => ({
        name: w, points: [[0, inline.eventsPerSec] as [number, number], ...runs.filter((r) => r.wait === w && r.threads > 0 && r.variant === 'round-robin').map((r) => [r.threads, r.s.eventsPerSec] as [number, number])],
      })),
    });

    // ---- B. universe size --------------------------------------------------------------------
    // At each thread count, the wait strategy that did best in A, so the size effect is not
    // hidden by it (A only tries waits that fit the cores).
    const bestWaitFor = (t: number): WaitName => runs.filter((r) => r.threads === t && r.variant === 'round-robin')
      .sort((a, b) => b.s.eventsPerSec - a.s.eventsPerSec)[0]?.wait ?? 'block';
    const sizes = q ? [1_000, 10_000] : [1_000, 10_000, 100_000];
    const measureFor = (size: number): number => (q ? 4_000 : size >= 100_000 ? 6_000 : size >= 10_000 ? 15_000 : 30_000);
    const uniRows: { size: number; instruments: number; design: string; s: RunSummary }[] = [];
    for (const size of sizes) {
      const venues = 10;
      const bases = Math.max(4, Math.round(size / (venues * 2.5)));
      const measureRows = measureFor(size);
      const warmRows = Math.min(5_000, measureRows);
      const events = Math.max(8 * (size + 200), 3 * size + measureRows + warmRows + 1_000);
      let gen: LoadedTape & { genMs: number };
      try {
        gen = generateTape({ venues, bases, events, seed: 7, durationS: 600 });
      } catch (err) {
        out.notes.push(`universe ${shortCount(size)}: could not generate (${(err as Error).message})`);
        continue;
      }
      const n = gen.tape.length;
      const primeRows = Math.min(n - measureRows - warmRows, 3 * gen.registry.size);
      const prime = sliceTape(gen.tape, 0, primeRows);
      const warmU = sliceTape(gen.tape, primeRows, primeRows + warmRows);
      const measU = sliceTape(gen.tape, primeRows + warmRows, primeRows + warmRows + measureRows);
      ctx.say(`universe ${fmtNum(gen.registry.size)} instruments (${venues} venues × ${bases} bases): generated ${fmtNum(n)} events in ${fmtNum(gen.genMs)} ms; measuring ${fmtNum(measureRows)}`);
      const designs: [string, number, WaitName][] = [['inline', 0, 'block'], [`1 thread, ${bestWaitFor(1)}`, 1, bestWaitFor(1)]];
      if (maxThreads > 1) designs.push([`${maxThreads} threads, ${bestWaitFor(maxThreads)}`, maxThreads, bestWaitFor(maxThreads)]);
      for (const [label, threads, wait] of designs) {
        const s = await replayLockstep(gen.registry, threads, wait, undefined, warmU, measU, prime, failures, `universe ${shortCount(size)} ${label}`, budget);
        if (!s) continue;
        uniRows.push({ size, instruments: gen.registry.size, design: label, s });
        metrics[`scaling.universe.${shortCount(size)}.${threads === 0 ? 'inline' : `t${threads}`}.events_per_s`] = { value: s.eventsPerSec, unit: 'events/s', better: 'higher' };
        ctx.say(`  ${label}: ${fmtNum(s.eventsPerSec)} events/s, ${fmtNum(s.cyclesPerSec)} cycles/s, agents p50 ${fmtUs(s.stagesUs.agents.p50)} p99 ${fmtUs(s.stagesUs.agents.p99)}`);
      }
    }
    out.tables.push({
      title: 'B. Universe size — generated markets (10 venues), lockstep, as fast as possible (each thread count waits with the strategy that did best for it in A)',
      columns: ['instruments', 'design', 'events/s', 'cycles/s', 'agents stage p50', 'p99', 'tick-to-decision p99', ...agents.map((a) => `${a} p50`)],
      rows: uniRows.map((u) => [u.instruments, u.design, fmtNum(u.s.eventsPerSec) + (u.s.aborted ? ' (cut short)' : ''), fmtNum(u.s.cyclesPerSec), fmtUs(u.s.stagesUs.agents.p50), fmtUs(u.s.stagesUs.agents.p99), fmtUs(u.s.latencyUs.p99),
        ...agents.map((a) => fmtUs(u.s.agentsUs[a]?.p50 ?? NaN))]),
      note: 'Each market is loaded first (its opening quotes applied without cycles, then one full cycle), then up to 5,000 events warm up and the next ones are measured.',
    });
    const uniDesigns = [...new Set(uniRows.map((u) => u.design))];
    out.charts.push({
      file: 'scaling_universe.svg', title: 'events/s by universe size (lockstep)', xLabel: 'instruments (log)', yLabel: 'events/s (log)', xLog: true, yLog: true,
      series: uniDesigns.map((d) => ({ name: d, points: uniRows.filter((u) => u.design === d).map((u) => [u.instruments, u.s.eventsPerSec] as [number, number]) })),
    });

    // ---- C. compute-heavy workload -------------------------------------------------------------
    const graphs = 16;
    const vs = q ? [8, 128] : [8, 16, 32, 64, 128, 256];
    const heavyThreads = threadCounts(Math.min(cores, graphs));
    const heavy: { v: number; label: string; threads: number; wait: WaitName; r: HeavyResult }[] = [];
    for (const v of vs) {
      const inl = await runHeavy({ graphs, v, threads: 0, wait: 'block', seconds: q ? 0.12 : 0.3, minCycles: 5 });
      heavy.push({ v, label: 'inline', threads: 0, wait: 'block', r: inl });
      for (const t of heavyThreads) {
        for (const wait of waitsFor(t, cores)) {
          const r = await runHeavy({ graphs, v, threads: t, wait, seconds: q ? 0.12 : 0.3, minCycles: 5 });
          heavy.push({ v, label: `${t} thread(s), ${wait}`, threads: t, wait, r });
        }
      }
      const best = heavy.filter((h) => h.v === v && h.threads > 0).sort((a, b) => a.r.meanCycleUs - b.r.meanCycleUs)[0]!;
      ctx.say(`heavy V=${v}: inline ${fmtUs(inl.meanCycleUs)}/cycle; best threaded ${best.label} ${fmtUs(best.r.meanCycleUs)} (${fmtRatio(inl.meanCycleUs / best.r.meanCycleUs)})`);
    }
    const heavyLabels = [...new Set(heavy.filter((h) => h.threads > 0).map((h) => h.label))];
    out.tables.push({
      title: `C. Compute-heavy workload — cyclic-arbitrage search (Bellman–Ford) over ${graphs} venue graphs of V currencies per cycle: mean time per cycle and speedup over inline`,
      columns: ['V (currencies)', 'edges per cycle', 'inline per cycle', ...heavyLabels.map((l) => `${l}`)],
      rows: vs.map((v) => {
        const inl = heavy.find((h) => h.v === v && h.threads === 0)!.r;
        return [v, graphs * v * (v - 1), fmtUs(inl.meanCycleUs), ...heavyLabels.map((l) => {
          const h = heavy.find((x) => x.v === v && x.label === l);
          return h ? `${fmtUs(h.r.meanCycleUs)} (${fmtRatio(inl.meanCycleUs / h.r.meanCycleUs)})` : '–';
        })];
      }),
      note: 'Threads are resident workers driven like the engine\'s agent threads (shared cycle counter, protocol/wait.ts strategies, done counters); each takes every k-th graph. Speedup > 1× means the parallel work paid for the hand-off.',
    });
    const crossover: Record<string, number | null> = {};
    for (const l of heavyLabels) {
      const c = vs.find((v) => {
        const inl = heavy.find((h) => h.v === v && h.threads === 0)!.r.meanCycleUs;
        const h = heavy.find((x) => x.v === v && x.label === l);
        return h !== undefined && inl / h.r.meanCycleUs > 1;
      });
      crossover[l] = c === undefined ? null : heavy.find((h) => h.v === c && h.threads === 0)!.r.meanCycleUs;
    }
    out.notes.push(`Compute-heavy crossover (inline work per cycle at which each configuration first beats inline): ${Object.entries(crossover).map(([l, us]) => `${l}: ${us === null ? 'never in this range' : `≈ ${fmtUs(us)}`}`).join('; ')}.`);
    const chart: Chart = {
      file: 'scaling_heavy_speedup.svg', title: 'compute-heavy: speedup over inline by work per cycle', xLabel: 'inline work per cycle (µs, log)', yLabel: 'speedup (inline time ÷ threaded time)', xLog: true,
      series: heavyLabels.map((l) => ({
        name: l,
        points: vs.flatMap((v) => {
          const inl = heavy.find((h) => h.v === v && h.threads === 0)!.r.meanCycleUs;
          const h = heavy.find((x) => x.v === v && x.label === l);
          return h ? [[inl, inl / h.r.meanCycleUs] as [number, number]] : [];
        }),
      })),
    };
    out.charts.push(chart);
    for (const h of heavy) {
      metrics[`scaling.heavy.v${h.v}.${h.threads === 0 ? 'inline' : `t${h.threads}.${h.wait}`}.cycle_mean_us`] = { value: h.r.meanCycleUs, unit: 'µs', better: 'lower' };
    }
    for (const f of failures) out.notes.push(`FAILED — ${f}`);
    out.metrics = metrics;
    out.data = {
      cpu, cores, threads: runs.map((r) => ({ label: r.label, threads: r.threads, wait: r.wait, topology: r.topology, summary: r.s })),
      universe: uniRows, heavy: heavy.map((h) => ({ v: h.v, label: h.label, threads: h.threads, wait: h.wait, result: h.r })), crossoverInlineUs: crossover,
    };
    return out;
  },
};
