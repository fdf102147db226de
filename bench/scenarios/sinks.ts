// 8. Sinks on vs off: the whole engine (runEngine, the default design: default threads, wait
// hybrid) replaying the default fixture with every sink on — the embedded event store (decisions
// with their inputs, outcomes, agent performance), the metrics block recorded by every thread and
// scraped once a second over HTTP, and approved actions published to RabbitMQ when a broker
// answers — against the same run with them off (the decision log is written in both). Lockstep
// throughput (as fast as possible) and realtime p99 tick-to-decision at a fixed offered rate, the
// on and off runs interleaved (off, on, off, on, ...) so that load from elsewhere hits both alike.
// Goal: every sink on moves each figure by less than 5 %.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { runEngine, type Summary } from '../../engine/engine.ts';
import { resolveOptions, type OptionsInput } from '../../engine/options.ts';
import { probeRabbit, kTestUrl } from '../../engine/sinks/bus/rabbit_testing.ts';
import { loadDefaultTape, TapeCursor } from '../lib/tapes.ts';
import { fmtNum, fmtUs } from '../report/format.ts';
import type { Metric } from '../report/types.ts';
import { emptyOutput, type Scenario, type ScenarioContext, type ScenarioOutput } from './scenario.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
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
    // A realtime rate the engine sustains on a loaded 2-core machine, so p99 measures the path, not a backlog.
    const pairs = q ? 2 : 8;
    const rate = 2_000;
    const realtimeEvents = q ? 6_000 : 16_000;
    const lockstepEvents = q ? 20_000 : 60_000;
    const tapeOf = (n: number): { tape: typeof base.tape; registry: typeof base.registry; lines: number } => {
      const tape = n >= base.tape.length ? base.tape : new TapeCursor(base.tape).take(n);
      return { tape, registry: base.registry, lines: tape.length };
    };
    const lockTape = tapeOf(lockstepEvents);
    const rtTape = tapeOf(realtimeEvents);
    let run = 0;
    const cpu: { off: number[]; on: number[] } = { off: [], on: [] };
    // the main thread's own CPU time per event: what the sinks add where the engine's bottleneck is (ingest, consolidation, the drains)
    const mainCpu: { off: number[]; on: number[] } = { off: [], on: [] };
    const once = async (on: boolean, mode: 'lockstep' | 'realtime', counted = true): Promise<Summary> => {
      run++;
      const port = on ? await freePort() : 0;
      const sinkInput: OptionsInput['sinks'] = on
        ? { eventStore: join(dir, `run-${run}`, 'events.log'), http: `127.0.0.1:${port}`, ...(bus !== null ? { bus, busPrefix: `bench${process.pid}.` } : {}) }
        : { eventStore: 'off' };
      const o = resolveOptions({ mode, rate: mode === 'realtime' ? rate : 0, decisions: join(dir, `d-${run}.jsonl`), summary: null, deadLetters: null, progress: false, sinks: sinkInput });
      let scrapes = 0;
      const scraper = on ? setInterval(() => { fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).then(() => { scrapes++; }, () => undefined); }, 1000) : null;
      try {
        const c0 = process.cpuUsage();
        const m0 = process.threadCpuUsage();
        const s = await runEngine(o, { tape: mode === 'lockstep' ? lockTape : rtTape });
        const m = process.threadCpuUsage(m0);
        const c = process.cpuUsage(c0);
        // CPU time of the whole process (main and agent threads) per event: less sensitive than wall time to other load on the machine
        if (mode === 'lockstep' && counted) {
          (on ? cpu.on : cpu.off).push((c.user + c.system) / s.events);
          (on ? mainCpu.on : mainCpu.off).push((m.user + m.system) / s.events);
        }
        if (on) ctx.say(`  (${scrapes} scrapes; ${s.sinks?.eventStore?.appended ?? 0} events appended; bus ${s.sinks?.bus?.confirmed ?? 'off'})`);
        return s;
      } finally {
        if (scraper) clearInterval(scraper);
      }
    };
    const lock: { off: number[]; on: number[] } = { off: [], on: [] };
    const rt: { off: number[]; on: number[] } = { off: [], on: [] };
    const ratiosLock: number[] = [], ratiosRt: number[] = [];
    let last: Summary | null = null;
    try {
      await once(false, 'lockstep', false); // warm-up (JIT, page cache), not counted
      for (let i = 0; i < pairs; i++) {
        // alternate which goes first, so a drift in load does not favour one side
        const order: boolean[] = i % 2 === 0 ? [false, true] : [true, false];
        const got: Record<string, number> = {};
        for (const on of order) {
          const s = await once(on, 'lockstep');
          got[String(on)] = s.eventsPerSec;
          (on ? lock.on : lock.off).push(s.eventsPerSec);
          ctx.say(`lockstep sinks ${on ? 'on ' : 'off'}: ${fmtNum(s.eventsPerSec)} events/s`);
          if (on) last = s;
        }
        ratiosLock.push(got.true! / got.false!);
        const gotRt: Record<string, number> = {};
        for (const on of order) {
          const s = await once(on, 'realtime');
          gotRt[String(on)] = s.latencyUs.p99;
          (on ? rt.on : rt.off).push(s.latencyUs.p99);
          ctx.say(`realtime ${rate / 1000}k ev/s sinks ${on ? 'on ' : 'off'}: p99 ${fmtUs(s.latencyUs.p99)}`);
        }
        ratiosRt.push(gotRt.true! / gotRt.false!);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const lr = median(ratiosLock), rr = median(ratiosRt);
    out.notes.push(
      `The whole engine (runEngine, default threads, wait hybrid) over the default fixture's ${fmtNum(lockstepEvents)} events (lockstep, as fast as possible) and ${fmtNum(realtimeEvents)} events offered at ${fmtNum(rate)} events/s (realtime); ${pairs} interleaved off/on pairs after one warm-up run. "on": embedded event store (fsync batch), metrics block recorded by every thread, /metrics scraped once a second, ${bus !== null ? 'approved actions published to RabbitMQ' : 'no RabbitMQ answered (bus not measured)'}.`,
      `Median of the per-pair ratios on/off: lockstep throughput ${pct(lr)}, realtime p99 ${pct(rr)} (goal: within 5 %).`,
    );
    out.tables.push({
      title: 'sinks off vs on (medians of the runs; ratio = median of per-pair on/off)',
      columns: ['figure', 'sinks off', 'sinks on', 'on / off', 'each pair'],
      rows: [
        ['lockstep events/s', fmtNum(median(lock.off)), fmtNum(median(lock.on)), pct(lr), ratiosLock.map(pct).join(', ')],
        ['lockstep CPU µs per event (process, all threads, run start to end)', median(cpu.off).toFixed(2), median(cpu.on).toFixed(2), pct(median(cpu.on) / median(cpu.off)), cpu.on.map((v, i) => pct(v / cpu.off[i]!)).join(', ')],
        ['lockstep main-thread CPU µs per event (run start to end)', median(mainCpu.off).toFixed(2), median(mainCpu.on).toFixed(2), pct(median(mainCpu.on) / median(mainCpu.off)), mainCpu.on.map((v, i) => pct(v / mainCpu.off[i]!)).join(', ')],
        [`realtime p99 at ${fmtNum(rate)} ev/s`, fmtUs(median(rt.off)), fmtUs(median(rt.on)), pct(rr), ratiosRt.map(pct).join(', ')],
      ],
    });
    const metrics: Record<string, Metric> = {
      'sinks.lockstep.off.events_per_s': { value: median(lock.off), unit: 'events/s', better: 'higher' },
      'sinks.lockstep.on.events_per_s': { value: median(lock.on), unit: 'events/s', better: 'higher' },
      'sinks.realtime.off.p99_us': { value: median(rt.off), unit: 'µs', better: 'lower' },
      'sinks.realtime.on.p99_us': { value: median(rt.on), unit: 'µs', better: 'lower' },
      'sinks.lockstep.on_off_ratio': { value: lr, unit: 'ratio', better: 'higher' },
      'sinks.lockstep.off.cpu_us_per_event': { value: median(cpu.off), unit: 'µs', better: 'lower' },
      'sinks.lockstep.on.cpu_us_per_event': { value: median(cpu.on), unit: 'µs', better: 'lower' },
      'sinks.lockstep.off.main_cpu_us_per_event': { value: median(mainCpu.off), unit: 'µs', better: 'lower' },
      'sinks.lockstep.on.main_cpu_us_per_event': { value: median(mainCpu.on), unit: 'µs', better: 'lower' },
      'sinks.realtime.p99_on_off_ratio': { value: rr, unit: 'ratio', better: 'lower' },
    };
    out.metrics = metrics;
    out.data = { pairs, rate, lockstepEvents, realtimeEvents, bus: bus !== null, lock, rt, cpu, mainCpu, ratiosLock, ratiosRt, lastOn: last?.sinks ?? null };
    return out;
  },
};
