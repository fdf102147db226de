// Worker for the parameter-region test: writes versions 1..n into the region as fast as it can,
// every parameter of version v equal to v, then posts 'done'.
import { parentPort, workerData } from 'node:worker_threads';
import { ParamRegionWriter } from '../param_region.ts';
import { kParamValuesF64 } from '../layout.ts';

const { buffer, n } = workerData as { buffer: SharedArrayBuffer; n: number };
const w = new ParamRegionWriter(buffer);
const values = new Float64Array(kParamValuesF64);
for (let v = 1; v <= n; v++) {
  values.fill(v);
  w.write(v, values);
}
parentPort!.postMessage('done');
