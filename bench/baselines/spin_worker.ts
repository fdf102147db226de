// A worker that burns CPU for a given time and reports how much work it did: the far side of the
// parallel-capacity check (do N busy threads really get N cores here?).
import { parentPort } from 'node:worker_threads';

/** Counts loop iterations for `ms` milliseconds. */
export function burn(ms: number): number {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) for (let i = 0; i < 1000; i++) n++;
  return n;
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (ms: number) => port.postMessage(burn(ms)));
}
