// The main thread's hot loop: tick → state → trigger → cycle → consolidation, over a tape.
// lockstep: each triggering tick waits for its cycle and is consolidated against exactly the
//   state it produced (deterministic decisions).
// realtime: ingest never waits; agents conflate to the newest state, and the main thread
//   consolidates whatever cycle is complete between ticks.
// Pacing: `rate` (events/s, open loop) or `speed` (multiple of recorded timing); latency is then
// measured from each event's intended time, so a stall is not hidden. Nothing allocates per tick.
import { kResBusyUs } from './state/layout.ts';
import type { MarketWriter } from './state/market_writer.ts';
import type { Dispatcher } from './dispatch/dispatcher.ts';
import type { Trigger } from './trigger.ts';
import type { Consolidator } from './consolidate/consolidator.ts';
import type { ResultReader } from './consolidate/result_reader.ts';
import { LatencyRecorder } from './metrics/latency.ts';
import { kTapeTs, kTapeWidth, type Tape } from './source/tape.ts';

export interface LoopStats {
  events: number;
  cycles: number;
  missedCycles: number;
  consolidations: number;
  runMs: number;
  tickToDecision: LatencyRecorder;
  ingest: LatencyRecorder;
  agents: LatencyRecorder;
  consolidate: LatencyRecorder;
  perAgent: Map<string, LatencyRecorder>;
}

export interface LoopDeps {
  tape: Tape;
  writer: MarketWriter;
  trigger: Trigger;
  dispatcher: Dispatcher;
  consolidator: Consolidator;
  readers: ResultReader[];
  mode: 'lockstep' | 'realtime';
  rate: number;
  speed: number;
  /** Called between chunks (progress, flushing sinks, supervision). */
  between: (done: number, stats: LoopStats) => Promise<void>;
}

const kChunk = 4096;
const kRingSize = 1 << 16; // realtime: pending triggers awaiting a decision
const kMaxSpinAheadMs = 2; // pacing: sleep instead of spinning when further ahead than this

export async function runLoop(d: LoopDeps): Promise<LoopStats> {
  const stats: LoopStats = {
    events: 0, cycles: 0, missedCycles: 0, consolidations: 0, runMs: 0,
    tickToDecision: new LatencyRecorder(), ingest: new LatencyRecorder(), agents: new LatencyRecorder(),
    consolidate: new LatencyRecorder(), perAgent: new Map(d.readers.map((r) => [r.name, new LatencyRecorder()])),
  };
  const perAgent = d.readers.map((r) => stats.perAgent.get(r.name)!);
  const rows = d.tape.rows;
  const n = d.tape.length;
  const { writer, trigger, dispatcher, consolidator } = d;
  const lockstep = d.mode === 'lockstep';
  const paced = d.rate > 0 || d.speed > 0;
  const msPerEvent = d.rate > 0 ? 1000 / d.rate : 0;
  const ts0 = n > 0 ? rows[kTapeTs]! : 0;
  const pendEpoch = new Int32Array(kRingSize); // realtime
  const pendT0 = new Float64Array(kRingSize);
  let pendHead = 0, pendTail = 0;
  let lastConsolidated = 0;
  const start = performance.now();
  let row = 0;

  while (row < n) {
    const end = Math.min(n, row + kChunk);
    let sleepMs = 0;
    for (; row < end; row++) {
      let t0: number;
      if (paced) {
        const intended = start + (msPerEvent > 0 ? row * msPerEvent : (rows[row * kTapeWidth + kTapeTs]! - ts0) / 1000 / d.speed);
        let now = performance.now();
        if (intended - now > kMaxSpinAheadMs) { sleepMs = intended - now - 1; break; }
        while (now < intended) now = performance.now();
        t0 = intended;
      } else {
        t0 = performance.now();
      }
      const epoch = writer.apply(rows, row);
      const fires = trigger.fires(rows, row);
      const tIngest = performance.now();
      stats.ingest.recordNs((tIngest - t0) * 1e6);
      if (fires) {
        const cycle = dispatcher.request(rows[row * kTapeWidth + kTapeTs]!);
        stats.cycles++;
        if (lockstep) {
          if (!dispatcher.awaitCycle(cycle)) stats.missedCycles++;
          const tAgents = performance.now();
          consolidator.consolidate(cycle, epoch, rows[row * kTapeWidth + kTapeTs]!);
          stats.consolidations++;
          const tDone = performance.now();
          stats.agents.recordNs((tAgents - tIngest) * 1e6);
          stats.consolidate.recordNs((tDone - tAgents) * 1e6);
          stats.tickToDecision.recordNs((tDone - t0) * 1e6);
          for (let i = 0; i < perAgent.length; i++) perAgent[i]!.recordUs(d.readers[i]!.arrays.metrics[kResBusyUs]!);
        } else {
          pendEpoch[pendHead & (kRingSize - 1)] = epoch;
          pendT0[pendHead & (kRingSize - 1)] = t0;
          pendHead++;
          if (pendHead - pendTail > kRingSize) pendTail = pendHead - kRingSize; // oldest dropped from latency stats
        }
      }
      if (!lockstep) {
        const c = dispatcher.completed();
        if (c > lastConsolidated) {
          lastConsolidated = c;
          pendTail = consolidateRealtime(d, stats, perAgent, c, rows[row * kTapeWidth + kTapeTs]!, pendEpoch, pendT0, pendTail, pendHead);
        }
      }
    }
    stats.events = row;
    await d.between(row, stats);
    if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
  }

  if (!lockstep && stats.cycles > 0) {
    // Drain: wait for the last requested cycle, then decide on it.
    const deadline = performance.now() + 10_000;
    let c = dispatcher.completed();
    while (c < stats.cycles && performance.now() < deadline) { await new Promise((r) => setImmediate(r)); c = dispatcher.completed(); }
    if (c > lastConsolidated) {
      const lastTs = n > 0 ? rows[(n - 1) * kTapeWidth + kTapeTs]! : 0;
      consolidateRealtime(d, stats, perAgent, c, lastTs, pendEpoch, pendT0, pendTail, pendHead);
    }
    stats.missedCycles += stats.cycles - c;
  }
  stats.events = n;
  stats.runMs = performance.now() - start;
  return stats;
}

function consolidateRealtime(
  d: LoopDeps, stats: LoopStats, perAgent: LatencyRecorder[], cycle: number, nowUs: number,
  pendEpoch: Int32Array, pendT0: Float64Array, tail: number, head: number,
): number {
  const t = performance.now();
  d.consolidator.consolidate(cycle, d.writer.epoch, nowUs);
  stats.consolidations++;
  const tDone = performance.now();
  stats.consolidate.recordNs((tDone - t) * 1e6);
  // Every pending trigger whose epoch all agents have evaluated is decided now.
  let covered = 0x7fffffff;
  for (let i = 0; i < d.readers.length; i++) {
    const e = d.readers[i]!.epoch;
    if (e < covered) covered = e;
    perAgent[i]!.recordUs(d.readers[i]!.arrays.metrics[kResBusyUs]!);
  }
  while (tail < head && pendEpoch[tail & (kRingSize - 1)]! <= covered) {
    stats.tickToDecision.recordNs((tDone - pendT0[tail & (kRingSize - 1)]!) * 1e6);
    tail++;
  }
  return tail;
}
