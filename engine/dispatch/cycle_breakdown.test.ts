// The cycle breakdown's arithmetic over hand-set clock reads and thread timing lines, and that
// recording allocates nothing.
import { test } from 'uvu';
import { getHeapStatistics } from 'node:v8';
import * as assert from 'uvu/assert';
import { ctlThreadTiming, kCtlF64Count, kThrCycle, kThrDoneMs, kThrWakeMs } from '../../protocol/layout.ts';
import { CycleBreakdown, kTimConsolidateStart, kTimEnd, kTimRequest, kTimShareEnd, kTimWaitEnd } from './cycle_breakdown.ts';

test('each part of a cycle from the main thread\'s clock reads and the threads\' timing lines', () => {
  const timing = new Float64Array(8);
  const f64 = new Float64Array(kCtlF64Count);
  const bd = new CycleBreakdown(timing, f64, 2, 8);
  const set = (t: number, cycle: number, wake: number, done: number): void => {
    const o = ctlThreadTiming(t);
    f64[o + kThrWakeMs] = wake; f64[o + kThrDoneMs] = done; f64[o + kThrCycle] = cycle;
  };
  // cycle 1: request at 10.000 ms; main share to 10.030; T0 woke 10.005, done 10.025; T1 woke 10.010, done 10.040;
  // main saw both at 10.042; consolidation 10.042 → 10.050.
  timing[kTimRequest] = 10; timing[kTimShareEnd] = 10.03; timing[kTimWaitEnd] = 10.042;
  set(0, 1, 10.005, 10.025); set(1, 1, 10.01, 10.04);
  timing[kTimConsolidateStart] = 10.042; timing[kTimEnd] = 10.05; bd.record(1);
  // cycle 2, 0.1 ms later; T1's line is stale (cycle 1): only T0 counts.
  timing[kTimRequest] = 10.15; timing[kTimShareEnd] = 10.16; timing[kTimWaitEnd] = 10.17;
  set(0, 2, 10.151, 10.165);
  timing[kTimConsolidateStart] = 10.17; timing[kTimEnd] = 10.18; bd.record(2);
  const s = bd.summary();
  assert.is(s.cycles, 2);
  const near = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  // p50 of two values is the lower (index floor(n/2) of the sorted pair is the upper: 2*0.5 = 1).
  near(s.wake.mean, (10 + 1) / 2); // max over threads: 10 µs, then 1 µs
  near(s.mainAgents.mean, (30 + 10) / 2);
  near(s.threadAgents.mean, (30 + 14) / 2); // T1 10.010 → 10.040; then T0 10.151 → 10.165
  near(s.read.mean, (2 + 5) / 2); // last done 10.040 → seen 10.042; 10.165 → 10.170
  near(s.idle.mean, (12 + 10) / 2);
  near(s.consolidate.mean, (8 + 10) / 2);
  near(s.cycle.mean, (50 + 30) / 2);
  near(s.gap.mean, (0 + 100) / 2); // no previous cycle, then 10.050 → 10.150
});

test('inline: no thread parts; recording a million cycles allocates nothing', () => {
  const timing = new Float64Array(8);
  const bd = new CycleBreakdown(timing, new Float64Array(kCtlF64Count), 0, 1024);
  const allocated = (): number => (getHeapStatistics() as { total_allocated_bytes?: number }).total_allocated_bytes ?? NaN;
  const run = (from: number, to: number): void => {
    for (let c = from; c <= to; c++) {
      const t = c * 0.03; // a local: a captured one would box every new value
      timing[kTimRequest] = t; timing[kTimShareEnd] = t + 0.02; timing[kTimWaitEnd] = t + 0.02;
      timing[kTimConsolidateStart] = t + 0.02; timing[kTimEnd] = t + 0.025; bd.record(c);
    }
  };
  run(1, 50_000); // compiled before measuring
  const a0 = allocated();
  run(50_001, 1_000_000);
  const perRecord = (allocated() - a0) / 950_000;
  assert.ok(Number.isFinite(perRecord), 'v8 reports total_allocated_bytes');
  assert.ok(perRecord < 1, `${perRecord.toFixed(3)} bytes allocated per record()`);
  const s = bd.summary();
  assert.is(s.cycles, 1_000_000);
  assert.is(s.wake.p99, 0);
  assert.is(s.read.p99, 0);
  assert.ok(Math.abs(s.mainAgents.p50 - 20) < 1e-6);
  assert.ok(Math.abs(s.gap.p50 - 5) < 1e-3);
});

test.run();
