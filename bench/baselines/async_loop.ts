// The open-loop driver for designs whose agent cycle is asynchronous (a Piscina task per agent,
// a postMessage round trip): the same ingest (MarketWriter, Trigger), the same consolidation and
// the same latency accounting as engine/step/event_stepper.ts, but a cycle is awaited on the event loop.
// lockstep: each triggering tick waits for its cycle, then is consolidated.
// realtime: ingest goes on while one cycle is in flight; when it lands, every pending trigger
//   whose epoch all agents evaluated is decided, and the next cycle starts if triggers remain.
// Latency is measured from each event's intended time, as in the engine.
import { kResBusyUs } from '../../protocol/layout.ts';
import { kTapeTs, kTapeWidth, type Tape } from '../../protocol/tape.ts';
import type { LoopStats } from '../../engine/step/event_stepper.ts';
import type { EngineCore } from '../lib/core.ts';
import { newLoopStats } from '../lib/loop_summary.ts';

/** A dispatch design that runs every agent's cycle `cycle` over the core's state. */
export interface AsyncDesign {
  readonly name: string;
  start(): Promise<void>;
  runCycle(cycle: number): Promise<void>;
  stop(): Promise<void>;
}

export interface AsyncLoopOptions {
  mode: 'lockstep' | 'realtime';
  rate: number; // events/s (0 = as fast as possible)
  /** Give up when the run takes longer than this (the design fell behind the schedule). */
  maxMs: number;
}

const kRingSize = 1 << 16;
const kYieldEvery = 256; // events ingested between event-loop turns while a cycle is in flight
const kSleepAheadMs = 2; // sleep instead of spinning when the next event is further away

const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runAsyncLoop(core: EngineCore, design: AsyncDesign, tape: Tape, o: AsyncLoopOptions): Promise<LoopStats & { aborted: string | null }> {
  const stats = newLoopStats(core.agents);
  const perAgent = core.readers.map((r) => stats.perAgent.get(r.name)!);
  const rows = tape.rows;
  const depth = tape.depth;
  const n = tape.length;
  const { writer, trigger, consolidator, readers } = core;
  const lockstep = o.mode === 'lockstep';
  const msPerEvent = o.rate > 0 ? 1000 / o.rate : 0;
  const pendEpoch = new Int32Array(kRingSize);
  const pendT0 = new Float64Array(kRingSize);
  let pendHead = 0, pendTail = 0;
  let inFlight: Promise<void> | null = null;
  let aborted: string | null = null;
  const start = performance.now();
  let row = 0;

  const recordBusy = (): void => {
    for (let i = 0; i < readers.length; i++) perAgent[i]!.recordUs(readers[i]!.arrays.metrics[kResBusyUs]!);
  };
  const launch = (): void => {
    const ts = rows[Math.max(0, row - 1) * kTapeWidth + kTapeTs]!;
    const c = core.publishCycle(ts);
    const tReq = performance.now();
    inFlight = design.runCycle(c).then(() => {
      const tA = performance.now();
      stats.agents.recordNs((tA - tReq) * 1e6);
      consolidator.consolidate(c, writer.epoch, ts);
      stats.consolidations++;
      const tDone = performance.now();
      stats.consolidate.recordNs((tDone - tA) * 1e6);
      recordBusy();
      let covered = 0x7fffffff;
      for (let i = 0; i < readers.length; i++) if (readers[i]!.epoch < covered) covered = readers[i]!.epoch;
      while (pendTail < pendHead && pendEpoch[pendTail & (kRingSize - 1)]! <= covered) {
        stats.tickToDecision.recordNs((tDone - pendT0[pendTail & (kRingSize - 1)]!) * 1e6);
        pendTail++;
      }
      inFlight = null;
      if (pendTail < pendHead) launch();
    });
  };

  while (row < n) {
    const now0 = performance.now();
    if (now0 - start > o.maxMs) { aborted = `fell behind: ${row.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} events offered in ${Math.round(now0 - start)} ms`; break; }
    let ingested = 0;
    while (row < n && ingested < kYieldEvery) {
      let t0: number;
      if (msPerEvent > 0) {
        t0 = start + row * msPerEvent;
        if (t0 > performance.now()) break;
      } else {
        t0 = performance.now();
      }
      const epoch = writer.apply(rows, row, depth);
      const fires = trigger.fires(rows, row);
      const tIngest = performance.now();
      stats.ingest.recordNs((tIngest - t0) * 1e6);
      const ts = rows[row * kTapeWidth + kTapeTs]!;
      row++;
      ingested++;
      if (!fires) continue;
      stats.cycles++;
      if (lockstep) {
        const c = core.publishCycle(ts);
        await design.runCycle(c);
        const tA = performance.now();
        consolidator.consolidate(c, epoch, ts);
        stats.consolidations++;
        const tDone = performance.now();
        stats.agents.recordNs((tA - tIngest) * 1e6);
        stats.consolidate.recordNs((tDone - tA) * 1e6);
        stats.tickToDecision.recordNs((tDone - t0) * 1e6);
        recordBusy();
      } else {
        pendEpoch[pendHead & (kRingSize - 1)] = epoch;
        pendT0[pendHead & (kRingSize - 1)] = t0;
        pendHead++;
        if (pendHead - pendTail > kRingSize) pendTail = pendHead - kRingSize;
        if (inFlight === null) launch();
      }
    }
    if (row >= n) break;
    // Wait for the next event: on the event loop while a cycle is in flight (its completion
    // needs it), else sleep when far ahead, else spin.
    if (inFlight !== null) { await immediate(); continue; }
    if (msPerEvent > 0) {
      const ahead = start + row * msPerEvent - performance.now();
      if (ahead > kSleepAheadMs) await sleep(ahead - 1);
      else if (ingested === kYieldEvery) await immediate();
    } else if (ingested === kYieldEvery) {
      await immediate();
    }
  }
  // Drain: let the last cycles land.
  const deadline = performance.now() + 10_000;
  while ((inFlight !== null || pendTail < pendHead) && performance.now() < deadline) {
    if (inFlight === null) launch();
    await inFlight;
  }
  stats.events = row;
  stats.runMs = performance.now() - start;
  return Object.assign(stats, { aborted });
}
