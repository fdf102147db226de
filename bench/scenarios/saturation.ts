// 3. Saturation: the highest sustained events/s and cycles/s, replaying as fast as possible
// (lockstep: every triggering tick waits for its cycle; realtime: agents conflate).
// Each design runs in a process of its own (lib/isolated.ts) after a warm-up of one whole pass
// over the fixture and then some: in one shared process the design measured first (the engine's
// default) paid the main thread's JIT tier-up and the ones after it did not.
import { spawn } from 'node:child_process';
import { defaultThreads } from '../../engine/options.ts';
import { designSpecs, type DesignKey, type DesignSpec } from '../lib/designs.ts';
import { measureInChild } from '../lib/isolated.ts';
import type { RunSummary } from '../lib/loop_summary.ts';
import { loadDefaultTape } from '../lib/tapes.ts';
import { fmtNum, fmtRatio, fmtUs } from '../report/format.ts';
import type { Metric } from '../report/types.ts';
import { emptyOutput, failureText, type Scenario, type ScenarioContext, type ScenarioOutput } from './scenario.ts';

type Mode = 'lockstep' | 'realtime';

export const saturation: Scenario = {
  name: 'saturation',
  title: '3. Saturation: events/s and cycles/s as fast as possible',
  async run(ctx: ScenarioContext): Promise<ScenarioOutput> {
    const out = emptyOutput();
    const q = ctx.quick;
    const base = await loadDefaultTape();
    const threads = defaultThreads();
    const designs = designSpecs(threads);
    const engineRows = q ? 40_000 : 2 * base.tape.length;
    const baselineRows = q ? 5_000 : 30_000;
    const warmRows = q ? 10_000 : 40_000;
    const modes: Mode[] = q ? ['lockstep'] : ['lockstep', 'realtime']; // realtime: full runs only
    const results: { mode: Mode; key: DesignKey; label: string; s: RunSummary }[] = [];
    // Engine designs warm up over the whole fixture and then warmRows more, so that every one is
    // measured on the same rows as the baselines (after warmRows) with its code already optimised.
    const engineWarmRows = base.tape.length + warmRows;
    const measure = (d: DesignSpec, mode: Mode, maxMs: number): Promise<{ label: string; summary: RunSummary }> => {
      const isBaseline = d.key === 'piscina' || d.key === 'postMessage';
      return measureInChild({
        key: d.key, threads, mode, warmRows: isBaseline ? warmRows : engineWarmRows, warmMaxMs: q ? 4_000 : 20_000,
        rows: isBaseline ? baselineRows : engineRows, maxMs,
      });
    };
    for (const mode of modes) {
      for (const d of designs) {
        try {
          const { label, summary: s } = await measure(d, mode, q ? 3_000 : 10_000);
          results.push({ mode, key: d.key, label, s });
          ctx.say(`${mode} ${d.key.padEnd(11)} ${fmtNum(s.eventsPerSec)} events/s, ${fmtNum(s.cyclesPerSec)} cycles/s (${fmtNum(s.events)} events, ${fmtNum(s.runMs)} ms)`);
        } catch (err) {
          out.notes.push(`FAILED — ${mode} ${d.key}: ${failureText(err)}`);
          ctx.say(`${mode} ${d.key} FAILED: ${failureText(err)}`);
        }
      }
    }
    // With one CPU-bound process beside it: the default and inline again (the goal: keep at least half).
    const contended: { key: DesignKey; label: string; s: RunSummary }[] = [];
    const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      for (const d of designs.filter((x) => x.key === 'auto' || x.key === 'inline')) {
        try {
          const { label, summary: s } = await measure(d, 'lockstep', q ? 4_000 : 10_000);
          contended.push({ key: d.key, label, s });
          ctx.say(`lockstep ${d.key} beside a CPU-bound process: ${fmtNum(s.eventsPerSec)} events/s`);
        } catch (err) {
          out.notes.push(`FAILED — contended ${d.key}: ${failureText(err)}`);
        }
      }
    } finally {
      hog.kill();
    }
    if (contended.length) {
      out.tables.push({
        title: 'lockstep beside one CPU-bound process (node -e "for(;;){}"), as fast as possible',
        columns: ['design', 'events/s', 'quiet events/s (above)', 'kept', 'p99', 'main-thread CPU µs/event'],
        rows: contended.map((c) => {
          const quiet = results.find((r) => r.mode === 'lockstep' && r.key === c.key)?.s.eventsPerSec ?? NaN;
          return [c.label, fmtNum(c.s.eventsPerSec), fmtNum(quiet), fmtRatio(c.s.eventsPerSec / quiet), fmtUs(c.s.latencyUs.p99), c.s.cpu ? c.s.cpu.mainUsPerEvent.toFixed(2) : '–'];
        }),
      });
    }
    out.notes.push(
      `The default fixture (${base.registry.size} instruments, ${fmtNum(base.tape.length)} events, about one triggering tick in ten) replayed as fast as possible, each design in a process of its own, after a warm-up of ${fmtNum(engineWarmRows)} events for the engine designs (the whole fixture, then ${fmtNum(warmRows)}) and ${fmtNum(warmRows)} for the baselines, so that all are measured from the same row; engine designs replay ${fmtNum(engineRows)} events, the baselines ${fmtNum(baselineRows)} (they are slower; rates are per second either way).`,
      'Issue 6 target: ≥ 1M events/s lockstep with the default agents.',
      'realtime: cycles/s counts triggers (requests); agents conflate them into fewer cycles. Missed cycles are not shown for realtime: each design replays twice through one dispatcher (warm-up, then measured), and runLoop counts realtime misses against the dispatcher\'s absolute cycle numbers (see the report to the lead).',
    );
    for (const mode of modes) {
      const inline = results.find((r) => r.mode === mode && r.key === 'inline')?.s ?? { eventsPerSec: NaN };
      out.tables.push({
        title: `${mode}, as fast as possible`,
        columns: ['design', 'events/s', 'cycles/s', 'vs inline (events/s)', 'CPU µs/event: main thread / process', 'tick-to-decision p50', 'p99', 'max', 'agents stage p50 / p99', 'missed cycles'],
        rows: results.filter((r) => r.mode === mode).map((r) => [r.label, fmtNum(r.s.eventsPerSec) + (r.s.aborted ? ' (cut short)' : ''), fmtNum(r.s.cyclesPerSec), fmtRatio(r.s.eventsPerSec / inline.eventsPerSec),
          r.s.cpu ? `${r.s.cpu.mainUsPerEvent.toFixed(2)} / ${r.s.cpu.processUsPerEvent.toFixed(2)}` : '–',
          fmtUs(r.s.latencyUs.p50), fmtUs(r.s.latencyUs.p99), fmtUs(r.s.latencyUs.max),
          mode === 'lockstep' ? `${fmtUs(r.s.stagesUs.agents.p50)} / ${fmtUs(r.s.stagesUs.agents.p99)}` : '–', mode === 'lockstep' ? r.s.missedCycles : '–']),
      });
    }
    const withBd = results.filter((r) => r.mode === 'lockstep' && r.s.breakdown);
    if (withBd.length) {
      const cols = ['gap', 'wake', 'mainAgents', 'threadAgents', 'read', 'idle', 'consolidate', 'cycle'] as const;
      out.tables.push({
        title: 'lockstep cycle breakdown, µs per cycle: p50 / mean (p99) — measured per cycle (engine/dispatch/cycle_breakdown.ts)',
        columns: ['design', 'where the agents ran', 'cycles', 'gap (ingest, between cycles)', 'wake-up', 'agents on main', 'agents on slowest thread', 'publish → read', 'main idle', 'consolidate', 'cycle (request → decided)'],
        rows: withBd.map((r) => {
          const b = r.s.breakdown!;
          const pl = r.s.placement;
          const where = !pl || pl.threads.length === 0 ? 'all on main' : `main: ${pl.main.length ? pl.main.join(',') : '–'}; ${pl.threads.map((g, t) => `T${t + 1}: ${g.join(',')}`).join('; ')}`;
          return [r.label, where, fmtNum(b.cycles), ...cols.map((c) => `${b[c].p50.toFixed(1)} / ${b[c].mean.toFixed(1)} (${b[c].p99.toFixed(1)})`)];
        }),
      });
      out.notes.push('Cycle breakdown: gap = the main thread between the previous decision and this request (ingest of the events in between); wake-up = request → the slowest thread saw the cycle; agents on main / on slowest thread = compute; publish → read = the last thread done → the main thread saw it; main idle = the main thread waiting for threads after its own share; consolidate = result read, fusions, validation, execution, recording.');
    }
    const metrics: Record<string, Metric> = {};
    for (const c of contended) {
      metrics[`saturation.contended.${c.key}.events_per_s`] = { value: c.s.eventsPerSec, unit: 'events/s', better: 'higher' };
      if (c.s.cpu) metrics[`saturation.contended.${c.key}.main_cpu_us_per_event`] = { value: c.s.cpu.mainUsPerEvent, unit: 'µs', better: 'lower' };
    }
    for (const r of results) {
      if (r.s.breakdown) for (const c of ['gap', 'wake', 'mainAgents', 'threadAgents', 'read', 'idle', 'consolidate', 'cycle'] as const) {
        metrics[`saturation.${r.mode}.${r.key}.breakdown.${c}_mean_us`] = { value: r.s.breakdown[c].mean, unit: 'µs', better: 'lower' };
        metrics[`saturation.${r.mode}.${r.key}.breakdown.${c}_p50_us`] = { value: r.s.breakdown[c].p50, unit: 'µs', better: 'lower' };
      }
      metrics[`saturation.${r.mode}.${r.key}.events_per_s`] = { value: r.s.eventsPerSec, unit: 'events/s', better: 'higher' };
      if (r.s.cpu) {
        metrics[`saturation.${r.mode}.${r.key}.main_cpu_us_per_event`] = { value: r.s.cpu.mainUsPerEvent, unit: 'µs', better: 'lower' };
        metrics[`saturation.${r.mode}.${r.key}.process_cpu_us_per_event`] = { value: r.s.cpu.processUsPerEvent, unit: 'µs', better: 'lower' };
      }
      metrics[`saturation.${r.mode}.${r.key}.cycles_per_s`] = { value: r.s.cyclesPerSec, unit: 'cycles/s', better: 'higher' };
    }
    out.metrics = metrics;
    out.data = { threads, engineRows, baselineRows, warmRows, engineWarmRows, results: results.map((r) => ({ mode: r.mode, design: r.key, label: r.label, summary: r.s })) };
    return out;
  },
};
