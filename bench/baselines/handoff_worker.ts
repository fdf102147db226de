// The far side of the hand-off floor measurement: echoes each ping back to the main thread by
// one of three mechanisms (busy-spin on a shared slot, Atomics.wait/notify, postMessage).
import { parentPort, workerData } from 'node:worker_threads';

export const kPing = 0; // Int32 index the main thread writes
export const kPong = 16; // Int32 index the worker writes (its own 64-byte line)
export const kStop = -1;

export interface HandoffWorkerData {
  mode: 'spin' | 'atomics' | 'post';
  slots?: SharedArrayBuffer;
}

if (parentPort) {
  const d = workerData as HandoffWorkerData;
  const port = parentPort;
  if (d.mode === 'post') {
    port.on('message', (m: number) => {
      if (m === kStop) port.close();
      else port.postMessage(m);
    });
  } else {
    const a = new Int32Array(d.slots!);
    port.postMessage('ready');
    let last = 0;
    for (;;) {
      let v: number;
      if (d.mode === 'spin') {
        while ((v = Atomics.load(a, kPing)) === last) { /* spin */ }
      } else {
        Atomics.wait(a, kPing, last);
        v = Atomics.load(a, kPing);
        if (v === last) continue;
      }
      if (v === kStop) break;
      last = v;
      Atomics.store(a, kPong, v);
      if (d.mode === 'atomics') Atomics.notify(a, kPong);
    }
    port.close();
  }
}
