// 8. Sinks on vs off: the whole engine (runEngine, the default design) replaying the default
// fixture with every sink on — the embedded event store (decisions with their inputs, outcomes,
// agent performance) with its trail on the audit thread, the metrics block recorded by every
// thread and scraped once a second over HTTP (from a process of its own), and approved actions published to RabbitMQ when a
// broker answers — against the same run with them off (the decision log is written in both), and
// against every sink on with the trail on the main thread (--audit-thread off). Lockstep
// throughput (as fast as possible) and realtime p99 tick-to-decision at a fixed offered rate, the
// runs interleaved (off, on, on-main, then reversed) so that load from elsewhere hits all alike.
// Goal: every sink on moves each figure by less than 5 %.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { runEngine, type Summary } from '../../engine/engine.ts';
import { resolveOptions, type OptionsInput } from '../../engine/options.ts';
import { probeRabbit, kTestUrl, withChannel } from '../../engine/sinks/bus/rabbit_testing.ts';
import { busNames, deleteTopology } from '../../engine/sinks/bus/topology.ts';
import { loadDefaultTape, TapeCursor } from '../lib/tapes.ts';
import { fmtNum, fmtUs } from '../report/format.ts';
import type { Metric } from '../report/types.ts';
import { startScraper } from '../lib/scraper.ts';
import { emptyOutput, type Scenario, type ScenarioContext, type ScenarioOutput } from './scenario.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

/**
 * CPU time used so far by a RabbitMQ broker on this machine (the Erlang VM, beam.smp; Linux /proc,
 * clock ticks of 10 ms), or null where none is found. The bus's broker shares the cores here, so
 * what it spends while the engine publishes is shown beside the engine's own figures.
 */
function brokerCpuMs(): number | null {
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let comm = '';
      try { comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { continue; }
      if (comm !== 'beam.smp') continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) * 10; // utime + stime
    }
  } catch { /* not Linux */ }
  return null;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const pct = (r: number): string => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)} %`;

export const sinks: Scenario = {
  name: 'sinks',
  title: '8. Sinks on vs off: event store, metrics + HTTP scrape, bus (interleaved)',
  async run(ctx: ScenarioContext): Promise<ScenarioOutput> {
    const out = emptyOutput();
    const q = ctx.quick;
    const base = await loadDefaultTape();
    const dir = mkdtempSync(join(tmpdir(), 'lucent-bench-sinks-'));
    const bus = (await probeRabbit()) === null ? kTestUrl : null;
    // /metrics is scraped once a second from a process of its own (as Prometheus would), so the
    // client's work is not on the engine's main thread
    const scraper = startScraper(1000);
    const busPrefix = `bench${process.pid}.`;
    const purgeActions = (): Promise<void> => withChannel(async (ch) => {
      const n = busNames(busPrefix);
      await ch.purgeQueue(n.actionsQueue);
      await ch.purgeQueue(n.deadQueue);
    });
    // A realtime rate the engine sustains on a loaded 2-core machine, so p99 measures the path, not a backlog.
    const pairs = q ? 2 : 8;
    const rate = 2_000;
    const realtimeEvents = q ? 6_000 : 16_000;
    // the whole fixture in a full run: a lockstep replay of about a second, so the steady state outweighs
    // what a run pays once (opening the sinks and the audit thread, the warm-up, the final flush), which is
    // shown apart in its own row
    const lockstepEvents = q ? 40_000 : base.tape.length;
    const tapeOf = (n: number): { tape: typeof base.tape; registry: typeof base.registry; lines: number } => {
      const tape = n >= base.tape.length ? base.tape : new TapeCursor(base.tape).take(n);
      return { tape, registry: base.registry, lines: tape.length };
    };
    const lockTape = tapeOf(lockstepEvents);
    const rtTape = tapeOf(realtimeEvents);
    let run = 0;
    // "on": every sink, the event store and its trail on the audit thread (the default); "onMain": the same with
    // --audit-thread off (the trail's work on the main thread), to show what the audit thread saves
    type Variant = 'off' | 'on' | 'onMain';
    const kVariants: readonly Variant[] = ['off', 'on', 'onMain'];
    const cpu: Record<Variant, number[]> = { off: [], on: [], onMain: [] };
    // the main thread's own CPU time per event: what the sinks add where the engine's bottleneck is (ingest, consolidation, the drains)
    const mainCpu: Record<Variant, number[]> = { off: [], on: [], onMain: [] };
    // the RabbitMQ broker's CPU per event of a lockstep run (it runs on these cores too), where one is found
    const brokerCpu: Record<Variant, number[]> = { off: [], on: [], onMain: [] };
    // wall time of a lockstep run outside its replay: opening the sinks, the warm-up, stopping and flushing
    const outside: Record<Variant, number[]> = { off: [], on: [], onMain: [] };
    // the design the default chose in each counted lockstep run (the warm-up decides per run)
    const chose: Record<Variant, string[]> = { off: [], on: [], onMain: [] };
    const once = async (v: Variant, mode: 'lockstep' | 'realtime', counted = true): Promise<Summary> => {
      run++;
      const on = v !== 'off';
      const port = on ? await freePort() : 0;
      const sinkInput: OptionsInput['sinks'] = on
        ? { eventStore: join(dir, `run-${run}`, 'events.log'), auditThread: v === 'on', http: `127.0.0.1:${port}`, ...(bus !== null ? { bus, busPrefix } : {}) }
        : { eventStore: 'off' };
      const o = resolveOptions({ mode, rate: mode === 'realtime' ? rate : 0, decisions: join(dir, `d-${run}.jsonl`), summary: null, deadLetters: null, progress: false, sinks: sinkInput });
      if (on) scraper.scrape(port);
      try {
        const b0 = brokerCpuMs();
        const c0 = process.cpuUsage();
        const m0 = process.threadCpuUsage();
        const w0 = performance.now();
        const s = await runEngine(o, { tape: mode === 'lockstep' ? lockTape : rtTape });
        const wall = performance.now() - w0;
        const m = process.threadCpuUsage(m0);
        const c = process.cpuUsage(c0);
        const b1 = brokerCpuMs();
        // CPU time of the whole process (main, agent and audit threads) per event: less sensitive than wall time to other load on the machine
        if (mode === 'lockstep' && counted) {
          cpu[v].push((c.user + c.system) / s.events);
          mainCpu[v].push((m.user + m.system) / s.events);
          if (b0 !== null && b1 !== null) brokerCpu[v].push(((b1 - b0) * 1000) / s.events);
          outside[v].push(wall - s.runMs);
          chose[v].push(s.dispatch === null ? `${s.threads === 0 ? 'inline' : 'threaded'} (fixed)` : s.dispatch.chosen);
        }
        if (on) {
          // the executor's part, outside the measured run: the published actions are taken off the queue (no
          // consumer here), so they do not expire 60 s later and get dead-lettered by the broker during a later run
          if (bus !== null) await purgeActions();
          const sc = await scraper.stop();
          ctx.say(`  (${sc.scrapes} scrapes, ${sc.failures} failed; ${s.sinks?.eventStore?.appended ?? 0} events appended; bus ${s.sinks?.bus?.confirmed ?? 'off'})`);
        }
        return s;
      } catch (err) {
        if (on) await scraper.stop().catch(() => undefined);
        throw err;
      }
    };
    const lock: Record<Variant, number[]> = { off: [], on: [], onMain: [] };
    const rt: Record<Variant, number[]> = { off: [], on: [], onMain: [] };
    const ratiosLock: number[] = [], ratiosRt: number[] = [], ratiosLockMain: number[] = [], ratiosRtMain: number[] = [];
    const label = (v: Variant): string => (v === 'off' ? 'off             ' : v === 'on' ? 'on              ' : 'on, trail on main');
    let last: Summary | null = null;
    try {
      await once('off', 'lockstep', false); // warm-up (JIT, page cache), not counted
      await once('on', 'lockstep', false);
      for (let i = 0; i < pairs; i++) {
        // alternate the order, so a drift in load does not favour one side
        const order: readonly Variant[] = i % 2 === 0 ? kVariants : [...kVariants].reverse();
        const got: Partial<Record<Variant, number>> = {};
        for (const v of order) {
          const s = await once(v, 'lockstep');
          got[v] = s.eventsPerSec;
          lock[v].push(s.eventsPerSec);
          ctx.say(`lockstep sinks ${label(v)}: ${fmtNum(s.eventsPerSec)} events/s`);
          if (v === 'on') last = s;
        }
        ratiosLock.push(got.on! / got.off!);
        ratiosLockMain.push(got.onMain! / got.off!);
        const gotRt: Partial<Record<Variant, number>> = {};
        for (const v of order) {
          const s = await once(v, 'realtime');
          gotRt[v] = s.latencyUs.p99;
          rt[v].push(s.latencyUs.p99);
          ctx.say(`realtime ${rate / 1000}k ev/s sinks ${label(v)}: p99 ${fmtUs(s.latencyUs.p99)}`);
        }
        ratiosRt.push(gotRt.on! / gotRt.off!);
        ratiosRtMain.push(gotRt.onMain! / gotRt.off!);
      }
    } finally {
      scraper.close();
      if (bus !== null) await withChannel((ch) => deleteTopology(ch, busPrefix, [])).catch((e: Error) => ctx.say(`bus clean-up: ${e.message}`));
      rmSync(dir, { recursive: true, force: true });
    }
    const lr = median(ratiosLock), rr = median(ratiosRt), lrm = median(ratiosLockMain), rrm = median(ratiosRtMain);
    const tally = (xs: string[]): string => [...new Set(xs)].map((d) => `${d} ×${xs.filter((x) => x === d).length}`).join(', ');
    const each = (xs: number[], base: number[]): string => xs.map((v, i) => pct(v / base[i]!)).join(', ');
    out.notes.push(
      `The whole engine (runEngine, the default design) over the default fixture's ${fmtNum(lockstepEvents)} events (lockstep, as fast as possible) and ${fmtNum(realtimeEvents)} events offered at ${fmtNum(rate)} events/s (realtime); ${pairs} interleaved rounds of off / on / on with the trail on the main thread (order reversed every other round) after one warm-up run of off and on. "on": embedded event store (fsync batch) with its trail on the audit thread (the default), metrics block recorded by every thread, /metrics scraped once a second by a process of its own, ${bus !== null ? 'approved actions published to RabbitMQ (from the audit thread; with the trail on the main thread, from the main thread)' : 'no RabbitMQ answered (bus not measured)'}. "on, trail on main": the same with --audit-thread off.`,
      `Median of the per-round ratios on/off: lockstep throughput ${pct(lr)}, realtime p99 ${pct(rr)} (goal: within 5 %). With the trail on the main thread: ${pct(lrm)} and ${pct(rrm)}.`,
      'CPU "run start to end" includes opening and closing the sinks (starting the audit thread, the final flush and fsync) and the warm-up; events/s counts the replay only, and the time a run spends outside its replay is its own row.',
      'The RabbitMQ broker runs on the same two cores in this setup: its CPU while the engine publishes (read from /proc for beam.smp) is the broker\'s, not the engine\'s, but it competes with the engine here.',
    );
    out.tables.push({
      title: 'sinks off vs on (medians of the runs; ratio = median of per-round on/off)',
      columns: ['figure', 'sinks off', 'sinks on', 'on / off', 'each round', 'on, trail on main', 'on main / off', 'each round'],
      rows: [
        ['lockstep events/s', fmtNum(median(lock.off)), fmtNum(median(lock.on)), pct(lr), ratiosLock.map(pct).join(', '), fmtNum(median(lock.onMain)), pct(lrm), ratiosLockMain.map(pct).join(', ')],
        ['lockstep CPU µs per event (process, all threads, run start to end)', median(cpu.off).toFixed(2), median(cpu.on).toFixed(2), pct(median(cpu.on) / median(cpu.off)), each(cpu.on, cpu.off),
          median(cpu.onMain).toFixed(2), pct(median(cpu.onMain) / median(cpu.off)), each(cpu.onMain, cpu.off)],
        ['lockstep main-thread CPU µs per event (run start to end)', median(mainCpu.off).toFixed(2), median(mainCpu.on).toFixed(2), pct(median(mainCpu.on) / median(mainCpu.off)), each(mainCpu.on, mainCpu.off),
          median(mainCpu.onMain).toFixed(2), pct(median(mainCpu.onMain) / median(mainCpu.off)), each(mainCpu.onMain, mainCpu.off)],
        ...(brokerCpu.on.length > 0 && bus !== null ? [['RabbitMQ broker CPU µs per event (beam.smp on this machine, 10 ms ticks)', median(brokerCpu.off).toFixed(2), median(brokerCpu.on).toFixed(2), '', '',
          median(brokerCpu.onMain).toFixed(2), '', '']] : []),
        ['lockstep run outside the replay, ms (open sinks, warm-up, stop, flush)', median(outside.off).toFixed(0), median(outside.on).toFixed(0), '', outside.on.map((x) => x.toFixed(0)).join(', '),
          median(outside.onMain).toFixed(0), '', outside.onMain.map((x) => x.toFixed(0)).join(', ')],
        ['design the default chose (lockstep runs)', tally(chose.off), tally(chose.on), '', '', tally(chose.onMain), '', ''],
        [`realtime p99 at ${fmtNum(rate)} ev/s`, fmtUs(median(rt.off)), fmtUs(median(rt.on)), pct(rr), ratiosRt.map(pct).join(', '), fmtUs(median(rt.onMain)), pct(rrm), ratiosRtMain.map(pct).join(', ')],
      ],
    });
    const metrics: Record<string, Metric> = {
      'sinks.lockstep.off.events_per_s': { value: median(lock.off), unit: 'events/s', better: 'higher' },
      'sinks.lockstep.on.events_per_s': { value: median(lock.on), unit: 'events/s', better: 'higher' },
      'sinks.lockstep.on_main.events_per_s': { value: median(lock.onMain), unit: 'events/s', better: 'higher' },
      'sinks.realtime.off.p99_us': { value: median(rt.off), unit: 'µs', better: 'lower' },
      'sinks.realtime.on.p99_us': { value: median(rt.on), unit: 'µs', better: 'lower' },
      'sinks.realtime.on_main.p99_us': { value: median(rt.onMain), unit: 'µs', better: 'lower' },
      'sinks.lockstep.on_off_ratio': { value: lr, unit: 'ratio', better: 'higher' },
      'sinks.lockstep.on_main_off_ratio': { value: lrm, unit: 'ratio', better: 'higher' },
      'sinks.lockstep.off.cpu_us_per_event': { value: median(cpu.off), unit: 'µs', better: 'lower' },
      'sinks.lockstep.on.cpu_us_per_event': { value: median(cpu.on), unit: 'µs', better: 'lower' },
      'sinks.lockstep.off.main_cpu_us_per_event': { value: median(mainCpu.off), unit: 'µs', better: 'lower' },
      'sinks.lockstep.on.main_cpu_us_per_event': { value: median(mainCpu.on), unit: 'µs', better: 'lower' },
      'sinks.lockstep.off.outside_replay_ms': { value: median(outside.off), unit: 'ms', better: 'lower' },
      'sinks.lockstep.on.outside_replay_ms': { value: median(outside.on), unit: 'ms', better: 'lower' },
      'sinks.lockstep.on_main.main_cpu_us_per_event': { value: median(mainCpu.onMain), unit: 'µs', better: 'lower' },
      'sinks.realtime.p99_on_off_ratio': { value: rr, unit: 'ratio', better: 'lower' },
      'sinks.realtime.p99_on_main_off_ratio': { value: rrm, unit: 'ratio', better: 'lower' },
    };
    out.metrics = metrics;
    out.data = { pairs, rate, lockstepEvents, realtimeEvents, bus: bus !== null, lock, rt, cpu, mainCpu, outside, chose, ratiosLock, ratiosRt, ratiosLockMain, ratiosRtMain, brokerCpu, lastOn: last?.sinks ?? null };
    return out;
  },
};
