// Drives the compute-heavy workload (cyclic-arbitrage search over many venue graphs) inline on
// the main thread or on resident threads with the engine's dispatch protocol, cycle after cycle,
// and times each cycle from request to the last thread's done.
import { Piscina } from 'piscina';
import { allocateMarketState } from '../../protocol/market_state.ts';
import { kCtlF64Count, kCtlF64Offset, kCtlInt32Count } from '../../protocol/layout.ts';
import { CycleBarrier } from '../../protocol/cycle_barrier.ts';
import { waitStrategy, type WaitName } from '../../protocol/wait_strategy.ts';
import { LatencyRecorder, type LatencySummary } from '../../engine/metrics/latency.ts';
import { bellmanFordScratch, fillGraph, findNegativeCycle, repriceNode } from './bellman_ford.ts';
import type { HeavyThreadTask } from './heavy_thread.ts';

export interface HeavyOptions {
  graphs: number;
  v: number;
  threads: number; // 0 = inline
  wait: WaitName;
  /** Run at least this long and at least minCycles cycles. */
  seconds: number;
  minCycles: number;
}

export interface HeavyResult {
  cycles: number;
  cyclesPerSec: number;
  cycleUs: LatencySummary;
  meanCycleUs: number;
  negativeCycles: number;
}

const kFee = 0.001;
const kNoise = 0.0004;
const kCycleTimeoutMs = 60_000;

export async function runHeavy(o: HeavyOptions): Promise<HeavyResult> {
  const vv = o.v * o.v;
  const weights = new SharedArrayBuffer(o.graphs * vv * 8);
  const results = new SharedArrayBuffer(o.graphs * 4);
  const w = new Float64Array(weights);
  const res = new Int32Array(results);
  const prices = new Float64Array(o.v);
  for (let i = 0; i < o.v; i++) prices[i] = 1 + i * 0.37;
  for (let g = 0; g < o.graphs; g++) fillGraph(w, g * vv, o.v, prices, kFee, kNoise, g + 1);
  const control = allocateMarketState(1).control;
  const barrier = new CycleBarrier(
    new Int32Array(control, 0, kCtlInt32Count), new Float64Array(control, kCtlF64Offset, kCtlF64Count), waitStrategy(o.wait), o.threads,
  );
  let pool: Piscina | null = null;
  let runs: Promise<number>[] = [];
  if (o.threads > 0) {
    pool = new Piscina({ filename: new URL('./heavy_thread.ts', import.meta.url).href, minThreads: o.threads, maxThreads: o.threads, idleTimeout: 2 ** 31 - 1, concurrentTasksPerWorker: 1 });
    runs = Array.from({ length: o.threads }, (_, t) => pool!.run({ thread: t, threads: o.threads, graphs: o.graphs, v: o.v, weights, results, control, wait: o.wait } satisfies HeavyThreadTask));
    const deadline = performance.now() + 30_000;
    while (barrier.arrived() < o.threads) {
      if (performance.now() > deadline) throw new Error('heavy workload threads did not start within 30 s');
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  const scratch = bellmanFordScratch(o.v);
  const rec = new LatencyRecorder();
  let cycle = 0;
  let negatives = 0;
  let busyMs = 0;
  const start = performance.now();
  const runCycle = (): void => {
    cycle++;
    for (let g = 0; g < o.graphs; g++) repriceNode(w, g * vv, o.v, (cycle * 7 + g) % o.v, 1 + (((cycle + g) % 7) - 3) * 0.0003);
    const t0 = performance.now();
    if (o.threads === 0) {
      for (let g = 0; g < o.graphs; g++) res[g] = findNegativeCycle(w, g * vv, o.v, scratch);
    } else {
      const c = barrier.request(0);
      if (!barrier.waitFor(c, kCycleTimeoutMs)) throw new Error(`a heavy workload thread missed cycle ${c}`);
    }
    const dt = performance.now() - t0;
    busyMs += dt;
    rec.recordNs(dt * 1e6);
    for (let g = 0; g < o.graphs; g++) if (res[g]! >= 0) negatives++;
  };
  // Warm-up (excluded): a few cycles so every thread has compiled the search.
  for (let i = 0; i < 3; i++) runCycle();
  rec.reset();
  negatives = 0;
  busyMs = 0;
  let n = 0;
  const t0 = performance.now();
  while (n < o.minCycles || performance.now() - t0 < o.seconds * 1000) {
    runCycle();
    n++;
    if ((n & 63) === 0) await new Promise((r) => setImmediate(r));
  }
  const elapsed = performance.now() - t0;
  if (pool) {
    barrier.stop();
    await Promise.all(runs);
    await pool.destroy();
  }
  void start;
  return { cycles: n, cyclesPerSec: Math.round((n / elapsed) * 1000), cycleUs: rec.summary(), meanCycleUs: Math.round((busyMs / n) * 1000 * 100) / 100, negativeCycles: negatives };
}
