// 2. Tick-to-decision latency, open loop: events offered on a schedule at fixed rates, latency
// measured from each event's intended time (coordinated omission is not hidden). Every design
// replays the same tape segments, in realtime and in lockstep mode, each in a process of its own.
import { defaultThreads } from '../../engine/options.ts';
import { kAgentNames } from '../../workers/agents/index.ts';
import { designSpecs, startDesign, type DesignKey, type DesignSpec } from '../lib/designs.ts';
import { callInChild } from '../lib/isolated.ts';
import type { RunSummary } from '../lib/loop_summary.ts';
import { loadDefaultTape, TapeCursor } from '../lib/tapes.ts';
import { fmtNum, fmtRatio, fmtUs, shortCount } from '../report/format.ts';
import type { Chart, Metric, Table } from '../report/types.ts';
import { emptyOutput, failureText, type Scenario, type ScenarioContext, type ScenarioOutput } from './scenario.ts';

type Mode = 'realtime' | 'lockstep';
interface Cell { design: DesignSpec; mode: Mode; rate: number; s: RunSummary }

export function latencyRow(label: string, s: RunSummary): (string | number)[] {
  const l = s.latencyUs;
  return [label, fmtUs(l.p50), fmtUs(l.p90), fmtUs(l.p99), fmtUs(l.p999), fmtUs(l.p9999), fmtUs(l.max)];
}

export interface OpenLoopDesignRequest { key: DesignKey; threads: number; mode: Mode; rates: number[]; seconds: number; warmRows: number; quick: boolean }
export interface OpenLoopDesignResult { label: string; warm: RunSummary | null; cells: { rate: number; s: RunSummary }[]; lines: string[]; failure: string | null }

/**
 * One design in one mode, in the process that calls it (the scenario calls it in a child of its
 * own, bench/lib/fn_child.ts): a warm-up replay as fast as possible, then each offered rate in
 * turn. A failure part-way keeps the figures measured before it and says where it failed.
 */
export async function openLoopDesign(req: OpenLoopDesignRequest): Promise<OpenLoopDesignResult> {
  const spec = designSpecs(req.threads).find((d) => d.key === req.key);
  if (!spec) throw new Error(`open_loop: unknown design "${req.key}"`);
  const base = await loadDefaultTape();
  const lines: string[] = [];
  const cells: { rate: number; s: RunSummary }[] = [];
  // The engine's default in realtime chooses its design for the rate it will be offered (as the
  // engine does from --rate): it is started again for each rate, with its own warm-up replay.
  const perRate = req.key === 'auto' && req.mode === 'realtime';
  const cursor = new TapeCursor(base.tape);
  let warm: RunSummary | null = null;
  const labels: string[] = [];
  let at = 'start';
  let running: Awaited<ReturnType<typeof startDesign>> | null = null;
  const start = async (offered: number | null): Promise<void> => {
    at = offered === null ? 'start' : `start for ${shortCount(offered)} ev/s`;
    running = await startDesign(spec, base.registry, undefined, undefined, offered);
    if (!labels.includes(running.spec.label)) labels.push(running.spec.label);
    at = 'warm-up';
    const w = await running.replay(cursor.take(req.warmRows), { mode: req.mode, rate: 0, maxMs: req.quick ? 3_000 : 10_000 });
    warm ??= w;
  };
  const label = (): string => (labels.length === 0 ? spec.label : perRate ? `${spec.label.replace(/ \(automatic.*$/, '')} (automatic, per offered rate: ${labels.map((l) => l.replace(/^.*\(automatic → /, '').replace(/\)$/, '')).join(' | ')})` : labels[0]!);
  try {
    if (!perRate) await start(null);
    for (const rate of req.rates) {
      if (perRate) {
        if (running !== null) { await (running as { stop(): Promise<void> }).stop(); running = null; }
        await start(rate);
      }
      at = `${shortCount(rate)} ev/s`;
      const seg = cursor.take(Math.round(rate * req.seconds));
      const s = await running!.replay(seg, { mode: req.mode, rate, maxMs: req.quick ? req.seconds * 2000 + 250 : req.seconds * 3000 + 1000 });
      cells.push({ rate, s });
      lines.push(`${req.mode} ${spec.key.padEnd(11)} ${shortCount(rate).padStart(4)} ev/s: p50 ${fmtUs(s.latencyUs.p50)} p99 ${fmtUs(s.latencyUs.p99)} max ${fmtUs(s.latencyUs.max)}` +
        ` achieved ${fmtNum(s.eventsPerSec)} ev/s${s.aborted ? ` (${s.aborted.reason})` : ''}`);
    }
    return { label: label(), warm, cells, lines, failure: null };
  } catch (err) {
    if (at === 'start' && cells.length === 0 && labels.length === 0) return { label: spec.label, warm: null, cells, lines, failure: `could not start: ${failureText(err)}` };
    lines.push(`${req.mode} ${spec.key} FAILED at ${at}: ${failureText(err)}`);
    return { label: label(), warm, cells, lines, failure: `failed at ${at}: ${failureText(err)}` };
  } finally {
    if (running !== null) await (running as { stop(): Promise<void> }).stop().catch(() => undefined);
  }
}

export const openLoop: Scenario = {
  name: 'open_loop',
  title: '2. Tick-to-decision latency, open loop (fixed offered rates)',
  async run(ctx: ScenarioContext): Promise<ScenarioOutput> {
    const out = emptyOutput();
    const q = ctx.quick;
    const rates = q ? [10_000, 100_000] : [10_000, 50_000, 100_000, 200_000];
    const seconds = q ? 0.4 : 1.5;
    const warmRows = q ? 10_000 : 40_000;
    const modes: Mode[] = ['realtime', 'lockstep'];
    const threads = defaultThreads();
    const designs = designSpecs(threads);
    const base = await loadDefaultTape();
    ctx.say(`default fixture: ${base.tape.length.toLocaleString('en-US')} events, ${base.registry.size} instruments; rates ${rates.map(shortCount).join(', ')} ev/s × ${seconds} s; ${threads} agent thread(s)`);
    const cells: Cell[] = [];
    const warm: { design: string; mode: Mode; s: RunSummary }[] = [];
    const failures: string[] = [];
    // Each design and mode in a process of its own (as the saturation's): in one shared process
    // the design replayed first paid the JIT's tier-up that the ones after it inherited.
    for (const mode of modes) {
      for (const design of designs) {
        try {
          const r = await callInChild<OpenLoopDesignResult>(import.meta.url, 'openLoopDesign', { key: design.key, threads, mode, rates, seconds, warmRows, quick: q } satisfies OpenLoopDesignRequest, `open_loop ${mode} ${design.key}`);
          for (const line of r.lines) ctx.say(line);
          if (r.warm) warm.push({ design: design.key, mode, s: r.warm });
          for (const c of r.cells) cells.push({ design: { ...design, label: r.label }, mode, rate: c.rate, s: c.s });
          if (r.failure) failures.push(`${mode} ${design.key} ${r.failure}`);
        } catch (err) {
          failures.push(`${mode} ${design.key}: ${failureText(err)}`);
          ctx.say(`${mode} ${design.key} FAILED: ${failureText(err)}`);
        }
      }
    }
    for (const f of failures) out.notes.push(`FAILED — ${f}; that design's later figures are missing.`);
    const find = (mode: Mode, key: DesignKey, rate: number): RunSummary | undefined =>
      cells.find((c) => c.mode === mode && c.design.key === key && c.rate === rate)?.s;
    // The label the running design gave (the default says what its warm-up chose, per mode).
    const labelOf = (mode: Mode, d: DesignSpec): string => cells.find((c) => c.mode === mode && c.design.key === d.key)?.design.label ?? d.label;

    out.notes.push(
      `Input: the default fixture (${base.tape.length.toLocaleString('en-US')} events, ${base.registry.size} instruments), replayed in a loop with event time moving forward; every design gets the same segments.`,
      `Each design and mode runs in a process of its own and first replays ${warmRows.toLocaleString('en-US')} events as fast as possible (warm-up, excluded, reported below), then ${seconds} s of schedule at each rate in turn.`,
      `Latency is tick-to-decision from each event's intended time; a trigger's decision is the consolidation of the first cycle that evaluated its state. realtime: ingest never waits (agents conflate); lockstep: each triggering tick waits for its cycle.`,
      `Agent threads: ${threads} (the engine default here: cores − 1, at most one per agent). The baselines use the same thread count and run the same agents (AgentRunner over workers/agents/*) and the same consolidation.`,
      'Event-loop delay is the main thread\'s: how late a 1 ms timer fires. The engine\'s hot loop yields only between chunks of 4096 events (threads) or not at all while it replays (inline, unpaced), so it shows how long timers, I/O and HTTP would wait.',
    );
    for (const mode of modes) {
      const t: Table = {
        title: `${mode}: tick-to-decision latency by offered rate`,
        columns: ['design', 'offered', 'achieved', 'decided ticks', 'p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'p99 vs hybrid', 'loop delay p99 / max'],
        rows: [],
      };
      for (const rate of rates) {
        const ref = find(mode, 'hybrid', rate);
        for (const d of designs) {
          const s = find(mode, d.key, rate);
          if (!s) continue;
          const l = s.latencyUs;
          t.rows.push([labelOf(mode, d), shortCount(rate), fmtNum(s.eventsPerSec) + (s.aborted ? ' (gave up)' : ''), l.count, fmtUs(l.p50), fmtUs(l.p90), fmtUs(l.p99), fmtUs(l.p999), fmtUs(l.p9999), fmtUs(l.max),
            ref ? fmtRatio(l.p99 / ref.latencyUs.p99) : '–', s.eventLoopDelay ? `${fmtNum(s.eventLoopDelay.p99Ms)} / ${fmtNum(s.eventLoopDelay.maxMs)} ms` : '–']);
        }
      }
      out.tables.push(t);
      // piscina vs engine ratios
      const r: Table = {
        title: `${mode}: p99 of the baselines ÷ p99 of the engine (higher = the engine wins by more)`,
        columns: ['offered', 'piscina ÷ default (auto)', 'piscina ÷ spin', 'piscina ÷ block', 'piscina ÷ hybrid', 'postMessage ÷ hybrid', 'inline ÷ hybrid', 'inline ÷ default'],
        rows: rates.map((rate) => {
          const p = find(mode, 'piscina', rate)?.latencyUs.p99 ?? NaN;
          const pm = find(mode, 'postMessage', rate)?.latencyUs.p99 ?? NaN;
          const inl = find(mode, 'inline', rate)?.latencyUs.p99 ?? NaN;
          const e = (k: DesignKey): number => find(mode, k, rate)?.latencyUs.p99 ?? NaN;
          return [shortCount(rate), fmtRatio(p / e('auto')), fmtRatio(p / e('spin')), fmtRatio(p / e('block')), fmtRatio(p / e('hybrid')), fmtRatio(pm / e('hybrid')), fmtRatio(inl / e('hybrid')), fmtRatio(inl / e('auto'))];
        }),
      };
      out.tables.push(r);
      const refRate = rates.includes(100_000) ? 100_000 : rates[rates.length - 1]!;
      out.tables.push({
        title: `${mode} at ${shortCount(refRate)} ev/s: time per stage and per agent (p50 / p99)`,
        columns: ['design', 'ingest (state write + trigger)', 'agents (cycle)', 'consolidate', ...kAgentNames],
        rows: designs.map((d) => {
          const s = find(mode, d.key, refRate);
          if (!s) return [d.label];
          const st = s.stagesUs;
          const pair = (l: { count: number; p50: number; p99: number }): string => (l.count === 0 ? '–' : `${fmtUs(l.p50)} / ${fmtUs(l.p99)}`);
          return [labelOf(mode, d), pair(st.ingest), pair(st.agents), pair(st.consolidate),
            ...Object.values(s.agentsUs).map(pair)];
        }),
        note: 'agents (cycle): lockstep — from the end of ingest to the last agent\'s done; realtime — not timed per cycle by the engine loop (baselines: request to completion). Per-agent: each agent\'s own busy time per cycle (kResBusyUs).',
      });
      const chart: Chart = {
        file: `open_loop_${mode}_spectrum_${shortCount(refRate)}.svg`,
        title: `${mode}, ${shortCount(refRate)} ev/s offered: latency by percentile`,
        xLabel: 'percentile', yLabel: 'tick-to-decision (µs, log)', xPercentile: true, yLog: true,
        series: designs.flatMap((d) => {
          const s = find(mode, d.key, refRate);
          return s ? [{ name: d.key, points: s.spectrum.filter(([p]) => p >= 50 && p <= 99.999) }] : [];
        }),
      };
      out.charts.push(chart);
      out.charts.push({
        file: `open_loop_${mode}_p99_by_rate.svg`,
        title: `${mode}: p99 tick-to-decision by offered rate`,
        xLabel: 'offered events/s (log)', yLabel: 'p99 (µs, log)', xLog: true, yLog: true,
        series: designs.map((d) => ({ name: d.key, points: rates.flatMap((rate) => { const s = find(mode, d.key, rate); return s ? [[rate, s.latencyUs.p99] as [number, number]] : []; }) })),
      });
    }
    out.tables.push({
      title: 'Warm-up (excluded from the figures above): as fast as possible',
      columns: ['mode', 'design', 'events', 'time', 'events/s', 'p50', 'p99', 'max'],
      rows: warm.map((w) => [w.mode, w.design, w.s.events, `${fmtNum(w.s.runMs)} ms`, fmtNum(w.s.eventsPerSec), fmtUs(w.s.latencyUs.p50), fmtUs(w.s.latencyUs.p99), fmtUs(w.s.latencyUs.max)]),
    });
    const metrics: Record<string, Metric> = {};
    for (const c of cells) {
      const k = `open_loop.${c.mode}.${shortCount(c.rate)}.${c.design.key}`;
      const l = c.s.latencyUs;
      metrics[`${k}.p50_us`] = { value: l.p50, unit: 'µs', better: 'lower' };
      metrics[`${k}.p99_us`] = { value: l.p99, unit: 'µs', better: 'lower' };
      metrics[`${k}.p999_us`] = { value: l.p999, unit: 'µs', better: 'lower' };
      metrics[`${k}.max_us`] = { value: l.max, unit: 'µs', better: 'lower' };
      metrics[`${k}.achieved_per_s`] = { value: c.s.eventsPerSec, unit: 'events/s', better: 'higher' };
    }
    out.metrics = metrics;
    out.data = { threads, rates, seconds, warmRows, cells: cells.map((c) => ({ design: c.design.key, label: c.design.label, mode: c.mode, rate: c.rate, summary: c.s })), warmup: warm };
    return out;
  },
};
