// A resident worker for the compute-heavy workload, started once through Piscina and driven the
// way the engine drives its agent threads: it waits on the shared cycle counter with a wait
// strategy (protocol/wait.ts), searches its share of the venue graphs, and publishes its
// done counter. Nothing crosses the thread per cycle but counters.
import { kCtlF64Count, kCtlF64Offset, kCtlInt32Count } from '../../protocol/layout.ts';
import { CycleBarrier } from '../../protocol/cycle_barrier.ts';
import { waitStrategy, type WaitName } from '../../protocol/wait_strategy.ts';
import { bellmanFordScratch, findNegativeCycle } from './bellman_ford.ts';

export interface HeavyThreadTask {
  thread: number;
  threads: number;
  graphs: number;
  v: number;
  weights: SharedArrayBuffer; // Float64 [graphs × v × v]
  results: SharedArrayBuffer; // Int32 [graphs]: a node on a negative cycle, or −1
  control: SharedArrayBuffer; // the engine's control-block layout
  wait: WaitName;
}

const kIdleCheckMs = 250;

export default function heavyThread(task: HeavyThreadTask): number {
  const barrier = new CycleBarrier(new Int32Array(task.control, 0, kCtlInt32Count), new Float64Array(task.control, kCtlF64Offset, kCtlF64Count), waitStrategy(task.wait));
  const w = new Float64Array(task.weights);
  const res = new Int32Array(task.results);
  const scratch = bellmanFordScratch(task.v);
  const vv = task.v * task.v;
  let last = barrier.requested(task.thread);
  let cycles = 0;
  barrier.arrive();
  for (;;) {
    const cycle = barrier.next(task.thread, last, kIdleCheckMs);
    if (barrier.stopping()) break;
    if (cycle === last) continue;
    for (let g = task.thread; g < task.graphs; g += task.threads) res[g] = findNegativeCycle(w, g * vv, task.v, scratch);
    last = cycle;
    cycles++;
    barrier.publishDone(task.thread, cycle);
  }
  return cycles;
}
