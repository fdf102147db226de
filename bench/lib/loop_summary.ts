// What one replay measured, as plain data: tick-to-decision percentiles and spectrum, stage and
// per-agent times, throughput, and the event-loop delay seen while it ran.
import type { BreakdownSummary } from '../../engine/dispatch/cycle_breakdown.ts';
import type { LoopStats } from '../../engine/step/event_stepper.ts';
import { LatencyRecorder, type LatencySummary } from '../../engine/metrics/latency.ts';

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RunSummary {
  events: number;
  cycles: number;
  missedCycles: number;
  runMs: number;
  eventsPerSec: number;
  cyclesPerSec: number;
  latencyUs: LatencySummary;
  spectrum: [number, number][];
  stagesUs: { ingest: LatencySummary; agents: LatencySummary; consolidate: LatencySummary };
  agentsUs: Record<string, LatencySummary>;
  eventLoopDelay: LoopDelay | null;
  /** The run was cut short (a baseline that fell too far behind the schedule). */
  aborted?: { processedEvents: number; reason: string };
  /** lockstep, engine designs: where a cycle's time went (engine/dispatch/cycle_breakdown.ts). */
  breakdown?: BreakdownSummary | undefined;
  /** Where the agents ran (engine designs). */
  placement?: { threads: string[][]; main: string[] } | undefined;
  /**
   * CPU time per event of the measured replay (µs): the main thread's, and the whole process's
   * (agent threads, GC and JIT threads included). Steadier than rates on a loaded machine.
   */
  cpu?: { mainUsPerEvent: number; processUsPerEvent: number } | undefined;
}

export function newLoopStats(agents: readonly string[]): LoopStats {
  return {
    events: 0, cycles: 0, wakeCycles: 0, missedCycles: 0, consolidations: 0, derivedEvents: 0, runMs: 0,
    tickToDecision: new LatencyRecorder(), ingest: new LatencyRecorder(), agents: new LatencyRecorder(),
    consolidate: new LatencyRecorder(), perAgent: new Map(agents.map((a) => [a, new LatencyRecorder()])),
  };
}

export function summarizeLoop(s: LoopStats, delay: LoopDelay | null = null): RunSummary {
  const secs = Math.max(1e-9, s.runMs / 1000);
  return {
    events: s.events,
    cycles: s.cycles,
    missedCycles: s.missedCycles,
    runMs: Math.round(s.runMs * 10) / 10,
    eventsPerSec: Math.round(s.events / secs),
    cyclesPerSec: Math.round(s.cycles / secs),
    latencyUs: s.tickToDecision.summary(),
    spectrum: s.tickToDecision.spectrum(),
    stagesUs: { ingest: s.ingest.summary(), agents: s.agents.summary(), consolidate: s.consolidate.summary() },
    agentsUs: Object.fromEntries([...s.perAgent].map(([k, r]) => [k, r.summary()])),
    eventLoopDelay: delay,
  };
}

/**
 * Starts watching the event loop: a 1 ms timer records how late each of its firings is. The
 * returned function stops it and gives the figures. A loop that never turned while watched (a
 * hot loop that never yields) reports the whole watched time as its delay, where
 * monitorEventLoopDelay would report nothing.
 */
export function watchEventLoop(): () => LoopDelay {
  const kIntervalMs = 1;
  const late: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    late.push(Math.max(0, now - last - kIntervalMs));
    last = now;
  }, kIntervalMs);
  return () => {
    clearInterval(timer);
    late.push(Math.max(0, performance.now() - last - kIntervalMs));
    late.sort((a, b) => a - b);
    const at = (p: number): number => late[Math.min(late.length - 1, Math.max(0, Math.ceil((p / 100) * late.length) - 1))]!;
    const r = (ms: number): number => Math.round(ms * 100) / 100;
    return { p50Ms: r(at(50)), p99Ms: r(at(99)), maxMs: r(late[late.length - 1]!) };
  };
}
