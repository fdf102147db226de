// A worker thread for the exposition test: records a fixed set of observations into its region
// of the metrics block, then tells the parent it is done. Nothing is sent per observation.
import { parentPort, workerData } from 'node:worker_threads';
import { EngineMetrics, type EngineMetricsHandoff } from '../../../../protocol/metrics/engine_metrics.ts';

const m = new EngineMetrics(workerData as EngineMetricsHandoff);
for (let i = 0; i < 3; i++) m.decision(0, 2.5e-6);
m.decision(0, 0.8);
m.decision(1, 1e-6);
m.decision(1, 1e-6);
m.decision(1, 5);
m.pnl(1, 1, 120.5);
m.pnl(1, 1, -20);
m.accuracy(1, 0.75);
m.busy(0.25);
m.ringDepth(0, 3);
m.decision(7, 1); // no such agent: refused and counted
parentPort!.postMessage('done');
