// 7. Memory and GC: RSS and GC pauses over a long run (10M events in full mode, by replaying a
// 1M-event tape repeatedly with event time moving forward; 1M in quick mode), and the hot path's
// allocation in steady state: bytes allocated per event and young-generation (minor) GCs during
// a pass of 1M events, measured between the hot loop's own chunk boundaries (no setup inside).
import { getHeapStatistics } from 'node:v8';
import { kTapeTs, kTapeWidth, type Tape } from '../../protocol/tape.ts';
import { EngineRig } from '../lib/engine_rig.ts';
import { GcWatch, percentile, type GcEvent } from '../lib/gc_watch.ts';
import { loadDefaultTape, TapeCursor } from '../lib/tapes.ts';
import { fmtBytes, fmtNum } from '../report/format.ts';
import type { Metric } from '../report/types.ts';
import { emptyOutput, failureText, type Scenario, type ScenarioContext, type ScenarioOutput } from './scenario.ts';
import type { WaitName } from '../../protocol/wait_strategy.ts';

interface PassResult {
  pass: number;
  events: number; // events inside the measured window
  ms: number;
  allocatedBytes: number;
  bytesPerEvent: number;
  minorGcs: number;
  majorGcs: number;
  gcPauseMs: number;
}

interface RunResult {
  key: string; // metric key part
  label: string;
  threads: number;
  events: number;
  passes: PassResult[];
  gc: GcEvent[];
  rss: [number, number][]; // [seconds since start, MiB]
  peakRssBytes: number;
}

const allocated = (): number => (getHeapStatistics() as ReturnType<typeof getHeapStatistics> & { total_allocated_bytes?: number }).total_allocated_bytes ?? NaN;
const kMaxRssPoints = 400;

function shiftTime(t: Tape, deltaUs: number): void {
  const rows = t.rows;
  for (let r = 0; r < t.length; r++) rows[r * kTapeWidth + kTapeTs] = rows[r * kTapeWidth + kTapeTs]! + deltaUs;
}

async function longRun(key: string, label: string, threads: number, wait: WaitName, pass: Tape, passes: number, warm: Tape, say: (s: string) => void): Promise<RunResult> {
  const base = await loadDefaultTape();
  const rig = await EngineRig.start({ registry: base.registry, threads, wait });
  const gc = new GcWatch();
  const rss: [number, number][] = [];
  const t0 = performance.now();
  let peak = 0;
  let sampleEvery = 1;
  let chunk = 0;
  const results: PassResult[] = [];
  const span = pass.ts(pass.length - 1) - pass.ts(0) + 1;
  try {
    await rig.replay(warm, { mode: 'lockstep' });
    (globalThis as { gc?: () => void }).gc?.();
    for (let p = 0; p < passes; p++) {
      let first = -1, firstT = 0, firstA = 0, lastT = 0, lastA = 0, lastDone = 0;
      await rig.replay(pass, {
        mode: 'lockstep',
        between: (done) => {
          const r = process.memoryUsage.rss();
          if (r > peak) peak = r;
          if (chunk++ % sampleEvery === 0) {
            rss.push([Math.round((performance.now() - t0) / 10) / 100, Math.round((r / 2 ** 20) * 10) / 10]);
            if (rss.length >= kMaxRssPoints) { // halve the resolution, keep the span
              for (let i = 0; i < rss.length / 2; i++) rss[i] = rss[2 * i]!;
              rss.length = Math.floor(rss.length / 2);
              sampleEvery *= 2;
            }
          }
          if (first < 0) { first = done; firstT = performance.now(); firstA = allocated(); }
          else if (done === pass.length) { lastDone = done; lastT = performance.now(); lastA = allocated(); }
        },
      });
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 10)); // let GC entries land
      const inWindow = gc.between(firstT, lastT);
      const events = lastDone - first;
      const bytes = lastA - firstA;
      results.push({
        pass: p + 1, events, ms: Math.round(lastT - firstT), allocatedBytes: bytes, bytesPerEvent: Math.round((bytes / Math.max(1, events)) * 100) / 100,
        minorGcs: inWindow.filter((e) => e.kind === 'minor').length, majorGcs: inWindow.filter((e) => e.kind === 'major').length,
        gcPauseMs: Math.round(inWindow.reduce((s, e) => s + e.pauseMs, 0) * 100) / 100,
      });
      const last = results[results.length - 1]!;
      say(`${label} pass ${p + 1}/${passes}: ${fmtNum(events)} events in the window, ${fmtBytes(bytes)} allocated (${last.bytesPerEvent} B/event), minor GCs ${last.minorGcs}, major ${last.majorGcs}, RSS ${fmtBytes(process.memoryUsage.rss())}`);
      shiftTime(pass, span);
    }
  } finally {
    await rig.stop();
    gc.stop();
  }
  return { key, label, threads, events: warm.length + passes * pass.length, passes: results, gc: gc.events.filter((e) => e.startMs >= t0), rss, peakRssBytes: peak };
}

export const memory: Scenario = {
  name: 'memory',
  title: '7. Memory and GC: RSS, GC pauses, allocation per event on the hot path',
  async run(ctx: ScenarioContext): Promise<ScenarioOutput> {
    const out = emptyOutput();
    const q = ctx.quick;
    const base = await loadDefaultTape();
    const cursor = new TapeCursor(base.tape);
    const warm = cursor.take(q ? 50_000 : 300_000);
    const passLen = 1_000_000;
    const runs: RunResult[] = [];
    const gc = (globalThis as { gc?: () => void }).gc;
    // Agents inline: the main thread runs everything (ingest, agents, consolidation). Then the
    // engine with an agent thread: the main thread's hot path alone (worker GCs are not seen here).
    const plan: [string, string, number, number][] = [['inline', 'inline (threads 0)', 0, q ? 1 : 10], ['t1', '1 agent thread (block)', 1, q ? 1 : 2]];
    for (const [key, label, threads, passes] of plan) {
      try {
        runs.push(await longRun(key, label, threads, 'block', new TapeCursor(base.tape).take(passLen), passes, warm, ctx.say));
      } catch (err) {
        out.notes.push(`FAILED — ${label}: ${failureText(err)}`);
        ctx.say(`${label} FAILED: ${failureText(err)}`);
      }
      gc?.(); // this run's tape is garbage now: the next starts from a lower RSS
    }

    out.notes.push(
      `Lockstep, as fast as possible. Each run: a warm-up of ${fmtNum(warm.length)} events, then passes of ${fmtNum(passLen)} events (the default fixture repeated, event time moving forward). Total: ${runs.map((r) => `${r.label} ${fmtNum(r.events)} events`).join(', ')}.`,
      'Allocation per event = growth of v8.getHeapStatistics().total_allocated_bytes between the hot loop\'s first and last chunk boundary of a pass (runLoop setup and the final drain are outside the window), divided by the events in between. Reading the counter retires the current allocation buffer, so each reading adds up to ~0.1–0.3 MB: the figure is exact to about ±0.5 B/event over 1M events.',
      'GC counts come from PerformanceObserver \'gc\' entries of the main thread, attributed to the window by start time. With agent threads, their own GCs happen on their isolates and are not counted here.',
      'Issue 6 target: no young-generation GC during 1M events of steady-state hot path.',
      'Both runs share one process (a forced GC between them); each RSS series starts at its own run\'s start.',
    );
    out.tables.push({
      title: 'Steady state per pass (the window inside each pass)',
      columns: ['run', 'pass', 'events in window', 'time', 'allocated', 'bytes/event', 'minor GCs', 'major GCs', 'GC pause total'],
      rows: runs.flatMap((r) => r.passes.map((p) => [r.label, p.pass, p.events, `${fmtNum(p.ms)} ms`, fmtBytes(p.allocatedBytes), p.bytesPerEvent, p.minorGcs, p.majorGcs, `${p.gcPauseMs} ms`])),
    });
    out.tables.push({
      title: 'GC pauses over the whole run (main thread)',
      columns: ['run', 'events', 'minor GCs', 'major GCs', 'other', 'pause total', 'pause p50', 'p99', 'max', 'peak RSS'],
      rows: runs.map((r) => {
        const pauses = r.gc.map((e) => e.pauseMs);
        return [r.label, r.events, r.gc.filter((e) => e.kind === 'minor').length, r.gc.filter((e) => e.kind === 'major').length, r.gc.filter((e) => e.kind !== 'minor' && e.kind !== 'major').length,
          `${pauses.reduce((s, x) => s + x, 0).toFixed(1)} ms`, `${percentile(pauses, 50).toFixed(2)} ms`, `${percentile(pauses, 99).toFixed(2)} ms`, `${Math.max(0, ...pauses).toFixed(2)} ms`, fmtBytes(r.peakRssBytes)];
      }),
    });
    out.charts.push({
      file: 'memory_rss.svg', title: 'RSS over the run', xLabel: 'seconds', yLabel: 'RSS (MiB)',
      series: runs.map((r) => ({ name: r.label, points: r.rss })),
    });
    const metrics: Record<string, Metric> = {};
    runs.forEach((r) => {
      const key = r.key;
      const steady = r.passes.length > 1 ? r.passes.slice(1) : r.passes;
      const bpe = steady.reduce((s, p) => s + p.bytesPerEvent, 0) / steady.length;
      metrics[`memory.${key}.bytes_per_event`] = { value: Math.round(bpe * 100) / 100, unit: 'B/event', better: 'lower' };
      metrics[`memory.${key}.minor_gcs_per_1m`] = { value: steady.reduce((s, p) => s + p.minorGcs * (1e6 / Math.max(1, p.events)), 0) / steady.length, unit: 'GCs per 1M events', better: 'lower' };
      metrics[`memory.${key}.peak_rss_mib`] = { value: Math.round(r.peakRssBytes / 2 ** 20), unit: 'MiB', better: 'lower' };
      metrics[`memory.${key}.gc_pause_max_ms`] = { value: Math.max(0, ...r.gc.map((e) => e.pauseMs)), unit: 'ms', better: 'lower' };
    });
    out.metrics = metrics;
    out.data = { runs: runs.map((r) => ({ ...r, gc: r.gc.map((e) => ({ ...e, startMs: Math.round(e.startMs * 100) / 100 })) })) };
    return out;
  },
};
