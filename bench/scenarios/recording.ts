// 6. A real recording: six minutes of Binance book tickers for BTC and ETH (spot, USD-M, COIN-M),
// converted by scripts/convert-binance.ts, replayed at the recorded timing (1×), 10×, 100× and as
// fast as possible, in realtime mode, each design in a process of its own. Skips with a message when ../shared/data is absent.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { kDefaultConfig, type EngineConfig } from '../../engine/options.ts';
import { convertBinanceToFile, resolveCaptureInputs } from '../../fixtures/convert/binance_convert.ts';
import { designSpecs, startDesign, type DesignKey, type DesignSpec } from '../lib/designs.ts';
import { callInChild } from '../lib/isolated.ts';
import type { RunSummary } from '../lib/loop_summary.ts';
import { kBenchCacheDir, kSharedDataDir, loadTapeCached, rowAtTime, sliceTape } from '../lib/tapes.ts';
import { fmtNum, fmtUs } from '../report/format.ts';
import type { Metric } from '../report/types.ts';
import { emptyOutput, failureText, skipped, type Scenario, type ScenarioContext, type ScenarioOutput } from './scenario.ts';

const kCaptureDir = `${kSharedDataDir}binance-ticks-2024-08-08`;
const kConverted = `${kBenchCacheDir}binance-2024-08-08.jsonl.gz`;
const kRecordingTriggerPct = 0.001;

interface Step { speed: number; seconds: number | null } // seconds of recording (null = all)

function stepsFor(oneX: number, quick: boolean): Step[] {
  return [
    { speed: 1, seconds: oneX },
    { speed: 10, seconds: quick ? 10 : 180 },
    { speed: 100, seconds: quick ? 120 : null },
    { speed: 0, seconds: null },
  ];
}

interface StepResult { speed: number; seconds: number; events: number; design: string; label: string; s: RunSummary }

export interface RecordingDesignRequest { key: DesignKey; oneX: number; quick: boolean }
export interface RecordingDesignResult { label: string; results: StepResult[]; cold: RunSummary; warm: RunSummary; lines: string[] }

/**
 * One design over the recording, in the process that calls it (the scenario calls it in a child
 * of its own, bench/lib/fn_child.ts): started (the default runs its warm-up on the warm slice),
 * the warm slice replayed cold, each step replayed in turn, and the warm slice again at the end.
 */
export async function recordingDesign(req: RecordingDesignRequest): Promise<RecordingDesignResult> {
  const rec = await loadTapeCached(kConverted);
  const tape = rec.tape;
  const first = tape.ts(0);
  const spanS = (tape.ts(tape.length - 1) - first) / 1e6;
  // The default trigger (0.05 % mid move) fires 97 times in these six minutes of BTC/ETH: too few
  // decisions to time. A 0.001 % threshold makes about 3 % of the book updates trigger.
  const config: EngineConfig = { ...kDefaultConfig, trigger: { ...kDefaultConfig.trigger, minPriceChangeThreshold: kRecordingTriggerPct } };
  const spec: DesignSpec | undefined = designSpecs().find((d) => d.key === req.key);
  if (!spec) throw new Error(`recording: unknown design "${req.key}"`);
  const warm = sliceTape(tape, Math.max(0, tape.length - (req.quick ? 10_000 : 20_000)), tape.length);
  const results: StepResult[] = [];
  const lines: string[] = [];
  const running = await startDesign(spec, rec.registry, config, warm);
  try {
    const cold = await running.replay(warm, { mode: 'realtime', rate: 0 }); // the first replay after start: cold (excluded from the steps)
    for (const st of stepsFor(req.oneX, req.quick)) {
      const end = st.seconds === null ? tape.length : rowAtTime(tape, first + st.seconds * 1e6);
      const seg = sliceTape(tape, 0, end);
      const s = await running.replay(seg, { mode: 'realtime', rate: 0, speed: st.speed });
      const seconds = st.seconds === null ? spanS : Math.min(st.seconds, spanS);
      results.push({ speed: st.speed, seconds, events: seg.length, design: spec.key, label: running.spec.label, s });
      lines.push(`${spec.key} ${st.speed === 0 ? 'as fast as possible' : `${st.speed}×`} (${seconds.toFixed(0)} s of recording, ${fmtNum(seg.length)} events): p50 ${fmtUs(s.latencyUs.p50)} p99 ${fmtUs(s.latencyUs.p99)} max ${fmtUs(s.latencyUs.max)}, ${fmtNum(s.eventsPerSec)} events/s`);
    }
    const warmAgain = await running.replay(warm, { mode: 'realtime', rate: 0 });
    return { label: running.spec.label, results, cold, warm: warmAgain, lines };
  } finally {
    await running.stop().catch(() => undefined);
  }
}

async function ensureConverted(say: (s: string) => void): Promise<string | null> {
  const files = resolveCaptureInputs([kCaptureDir]);
  const newest = Math.max(...files.map((f) => statSync(f).mtimeMs));
  if (!existsSync(kConverted) || statSync(kConverted).mtimeMs < newest) {
    const t0 = performance.now();
    const s = await convertBinanceToFile(files, kConverted);
    say(`converted ${files.length} capture files into ${fmtNum(s.eventsWritten)} events in ${fmtNum(performance.now() - t0)} ms`);
  }
  return null;
}

export const recording: Scenario = {
  name: 'recording',
  title: '6. Real recording: Binance BTC/ETH book tickers at 1×, 10×, 100× and as fast as possible',
  async run(ctx: ScenarioContext): Promise<ScenarioOutput> {
    if (!existsSync(kCaptureDir) || readdirSync(kCaptureDir).filter((f) => f.endsWith('.gz')).length === 0) {
      return skipped(`${kCaptureDir} is absent (the shared recordings live beside the repository)`);
    }
    const problem = await ensureConverted(ctx.say);
    if (problem) return skipped(problem);
    const out = emptyOutput();
    const q = ctx.quick;
    const rec = await loadTapeCached(kConverted);
    const tape = rec.tape;
    const first = tape.ts(0);
    const spanS = (tape.ts(tape.length - 1) - first) / 1e6;
    const oneX = Number(ctx.options.recordingSeconds ?? (q ? 2 : 20));
    const steps = stepsFor(oneX, q);
    const keys: DesignKey[] = ['auto', 'hybrid', 'inline'];
    const coldWarm: { design: string; label: string; cold: RunSummary; warm: RunSummary }[] = [];
    ctx.say(`recording: ${fmtNum(tape.length)} events over ${spanS.toFixed(0)} s (${fmtNum(tape.length / spanS)} events/s on average), ${rec.registry.size} instruments`);
    const results: StepResult[] = [];
    const warmEvents = Math.min(tape.length, q ? 10_000 : 20_000);
    // Each design in a process of its own (as the saturation's): in one shared process the design
    // replayed first (the engine default) paid the JIT's tier-up and the heap of the ones after it
    // did not, and the designs' threads and heaps stayed alive into the next one's replays.
    for (const key of keys) {
      try {
        const r = await callInChild<RecordingDesignResult>(import.meta.url, 'recordingDesign', { key, oneX, quick: q } satisfies RecordingDesignRequest, `recording ${key}`);
        for (const line of r.lines) ctx.say(line);
        results.push(...r.results);
        coldWarm.push({ design: key, label: r.label, cold: r.cold, warm: r.warm });
      } catch (err) {
        out.notes.push(`FAILED — ${key}: ${failureText(err)}`);
        ctx.say(`${key} FAILED: ${failureText(err)}`);
      }
    }
    out.notes.push(
      `${fmtNum(tape.length)} price updates (${rec.registry.size} books) from ${new Date(first / 1000).toISOString()} over ${spanS.toFixed(0)} s; the recorded receive times set the schedule (speed × recorded timing). realtime mode; each design in a process of its own; a warm-up of the last ${fmtNum(warmEvents)} events runs first (excluded). Trigger threshold lowered to ${kRecordingTriggerPct} % (from the default ${kDefaultConfig.trigger.minPriceChangeThreshold} %, which fires only about 100 times in the whole recording) so there are decisions to time.`,
      `Slices: 1× replays the first ${oneX} s (the whole recording would take ${spanS.toFixed(0)} s; --opt recordingSeconds=${spanS.toFixed(0)} replays all of it), 10× the first ${steps[1]!.seconds} s, 100× ${steps[2]!.seconds === null ? 'all of it' : `the first ${steps[2]!.seconds} s`}.`,
    );
    out.tables.push({
      title: 'Tick-to-decision, realtime mode, recorded timing',
      columns: ['speed', 'recording replayed', 'events', 'design', 'achieved events/s', 'decided ticks', 'p50', 'p90', 'p99', 'p99.9', 'max', 'loop delay p99'],
      rows: results.map((r) => [r.speed === 0 ? 'as fast as possible' : `${r.speed}×`, `${r.seconds.toFixed(0)} s`, r.events, r.label, fmtNum(r.s.eventsPerSec), r.s.latencyUs.count,
        fmtUs(r.s.latencyUs.p50), fmtUs(r.s.latencyUs.p90), fmtUs(r.s.latencyUs.p99), fmtUs(r.s.latencyUs.p999), fmtUs(r.s.latencyUs.max), r.s.eventLoopDelay ? `${r.s.eventLoopDelay.p99Ms} ms` : '–']),
    });
    out.tables.push({
      title: 'Cold and warm tails: the same segment (the warm-up slice, as fast as possible) replayed first after start and again at the end',
      columns: ['design', 'cold p50', 'cold p99', 'cold max', 'warm p50', 'warm p99', 'warm max', 'cold ÷ warm p99'],
      rows: coldWarm.map((c) => [c.label, fmtUs(c.cold.latencyUs.p50), fmtUs(c.cold.latencyUs.p99), fmtUs(c.cold.latencyUs.max),
        fmtUs(c.warm.latencyUs.p50), fmtUs(c.warm.latencyUs.p99), fmtUs(c.warm.latencyUs.max), (c.cold.latencyUs.p99 / c.warm.latencyUs.p99).toFixed(2) + '×']),
    });
    out.notes.push('Cold/warm: the engine default (auto) runs its own warm-up (engine/warmup.ts, a slice through throwaway pipelines on the same worker pool) before its first replay; the fixed designs start cold.');
    const metrics: Record<string, Metric> = {};
    for (const c of coldWarm) {
      metrics[`recording.cold.${c.design}.p99_us`] = { value: c.cold.latencyUs.p99, unit: 'µs', better: 'lower' };
      metrics[`recording.warm.${c.design}.p99_us`] = { value: c.warm.latencyUs.p99, unit: 'µs', better: 'lower' };
    }
    for (const r of results) {
      const k = `recording.${r.speed === 0 ? 'asap' : `${r.speed}x`}.${r.design}`;
      metrics[`${k}.p50_us`] = { value: r.s.latencyUs.p50, unit: 'µs', better: 'lower' };
      metrics[`${k}.p99_us`] = { value: r.s.latencyUs.p99, unit: 'µs', better: 'lower' };
      if (r.speed === 0) metrics[`${k}.events_per_s`] = { value: r.s.eventsPerSec, unit: 'events/s', better: 'higher' };
    }
    out.metrics = metrics;
    out.data = { source: kConverted, events: tape.length, spanS, results };
    return out;
  },
};
