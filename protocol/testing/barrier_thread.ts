// Worker for the cycle-barrier test: an agent thread without agents. It waits at the barrier for
// each cycle, records the epoch the cycle was requested over, and publishes done; with `failAt`
// it publishes a failure at that cycle instead and returns.
import { parentPort, workerData } from 'node:worker_threads';
import { CycleBarrier } from '../cycle_barrier.ts';
import { kCtlCycleEpoch, kCtlF64Count, kCtlF64Offset, kCtlInt32Count } from '../layout.ts';
import { waitStrategy, type WaitName } from '../wait_strategy.ts';

interface Job { control: SharedArrayBuffer; seen: SharedArrayBuffer; thread: number; wait: WaitName; failAt: number }

const job = workerData as Job;
const ctl = new Int32Array(job.control, 0, kCtlInt32Count);
const barrier = new CycleBarrier(ctl, new Float64Array(job.control, kCtlF64Offset, kCtlF64Count), waitStrategy(job.wait));
const seen = new Int32Array(job.seen); // cycle → the epoch this thread saw requested with it
let last = barrier.requested(job.thread);
barrier.arrive();
for (;;) {
  const cycle = barrier.next(job.thread, last, 50);
  if (barrier.stopping()) break;
  if (cycle === last) continue;
  if (cycle === job.failAt) { barrier.publishFailed(job.thread); break; }
  seen[cycle] = Atomics.load(ctl, kCtlCycleEpoch);
  last = cycle;
  barrier.publishDone(job.thread, cycle);
}
parentPort!.postMessage('stopped');
