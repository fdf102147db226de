// A resident worker for the compute-heavy workload, started once through Piscina and driven the
// way the engine drives its agent threads: it waits on the shared cycle counter with a wait
// strategy (protocol/wait.ts), searches its share of the venue graphs, and publishes its
// done counter. Nothing crosses the thread per cycle but counters.
import { ctlThreadDone, kCtlCycle, kCtlMainSleeping, kCtlReady, kCtlSleepers, kCtlStop, kCtlInt32Count } from '../../protocol/layout.ts';
import { signal, waitForChange } from '../../protocol/wait.ts';
import { bellmanFordScratch, findNegativeCycle } from './bellman_ford.ts';

export interface HeavyThreadTask {
  thread: number;
  threads: number;
  graphs: number;
  v: number;
  weights: SharedArrayBuffer; // Float64 [graphs × v × v]
  results: SharedArrayBuffer; // Int32 [graphs]: a node on a negative cycle, or −1
  control: SharedArrayBuffer; // the engine's control-block layout
  wait: number;
}

const kIdleCheckMs = 250;

export default function heavyThread(task: HeavyThreadTask): number {
  const ctl = new Int32Array(task.control, 0, kCtlInt32Count);
  const w = new Float64Array(task.weights);
  const res = new Int32Array(task.results);
  const scratch = bellmanFordScratch(task.v);
  const vv = task.v * task.v;
  const done = ctlThreadDone(task.thread);
  let last = Atomics.load(ctl, kCtlCycle);
  let cycles = 0;
  Atomics.add(ctl, kCtlReady, 1);
  for (;;) {
    const cycle = waitForChange(ctl, kCtlCycle, last, task.wait, kCtlSleepers, kIdleCheckMs);
    if (Atomics.load(ctl, kCtlStop) !== 0) break;
    if (cycle === last) continue;
    for (let g = task.thread; g < task.graphs; g += task.threads) res[g] = findNegativeCycle(w, g * vv, task.v, scratch);
    last = cycle;
    cycles++;
    signal(ctl, done, cycle, kCtlMainSleeping);
  }
  return cycles;
}
