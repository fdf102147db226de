// The circuit breaker of an agent over its real result region: it opens on errors, missed cycles
// and anomalous records, ignores the agent while open, half-opens after the cool-down (event
// time), closes on a clean probe and opens again on a bad one. Every change is audited.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kResErrors } from '../../protocol/layout.ts';
import { kRecArbCross, kRecYield } from '../../protocol/records.ts';
import { ResultReader } from '../../protocol/result_reader.ts';
import { allocateResultRegion, ResultArrays, ResultWriter } from '../../protocol/result_region.ts';
import { Breakers } from './breakers.ts';
import { kDefaultControlConfig } from '../control_config.ts';
import { ControlLog } from './control_log.ts';

const kCap = 32;
const kT0 = 1_723_075_200_000_000;

function agent(name: string): { w: ResultWriter; r: ResultReader; header: Int32Array | Float64Array; publish(cycle: number, rows?: number[][]): void } {
  const region = allocateResultRegion({ maxRecords: 16, tableWidth: 0, capacity: kCap });
  const w = new ResultWriter(region);
  const r = new ResultReader(name, region);
  const header = new ResultArrays(region).header;
  return {
    w, r, header,
    publish(cycle, rows = []) {
      w.begin(cycle);
      for (const x of rows) w.push(x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, x[5]!, x[6]!, x[7]!);
      w.publish(cycle, cycle);
      r.read();
    },
  };
}

const good = [kRecYield, 3, -1, 0.7, 5, 10_000, 2, 0.9];

test('state changes: errors open it, records ignored, half-open after cool-down, a bad probe reopens, a clean one closes', () => {
  const log = new ControlLog(null);
  const cfg = { ...kDefaultControlConfig.breaker, coolDownUs: 10_000_000 };
  const b = new Breakers(cfg, log, kCap, 3);
  const a = agent('yield_hunter');
  let t = kT0;
  const step = (cycle: number, rows = [good]): boolean => { a.publish(cycle, rows); t += 1_000_000; return b.observe(a.r, cycle, t); };
  assert.is(step(1), true);
  Atomics.store(a.header as Int32Array, kResErrors, 2);
  assert.is(step(2), true, '2 errors < 3');
  Atomics.store(a.header as Int32Array, kResErrors, 3);
  assert.is(step(3), false, 'the third error opens it');
  assert.is(b.state('yield_hunter'), 'OPEN');
  for (let c = 4; c <= 12; c++) assert.is(step(c), false, `ignored while cooling down (cycle ${c})`);
  // cycle 13 is 10 s after the opening: half-open, and the probe carries an anomaly: open again
  assert.is(step(13, [[kRecYield, 3, -1, 1.7, 5, 10_000, 2, 0.9]]), false);
  assert.is(b.state('yield_hunter'), 'OPEN');
  assert.match(b.reason('yield_hunter'), /^probe failed: anomalous output: score 1\.7 out of its range/);
  for (let c = 14; c <= 22; c++) step(c);
  assert.is(step(23), true, 'a clean probe: its records are used');
  assert.is(b.state('yield_hunter'), 'CLOSED');
  assert.equal(b.changes.map((c) => `${c.cycle}:${c.from}->${c.to}`), [
    '3:CLOSED->OPEN', '13:OPEN->HALF_OPEN', '13:HALF_OPEN->OPEN', '23:OPEN->HALF_OPEN', '23:HALF_OPEN->CLOSED',
  ]);
  assert.match(b.changes[0]!.reason, /^3 error\(s\) reported \(limit 3\)/);
  assert.is(log.recent.filter((e) => e.type === 'circuit_breaker').length, 5, 'every change audited');
});

test('missed cycle deadlines and anomalous output open it; other agents are unaffected', () => {
  const log = new ControlLog(null);
  const b = new Breakers({ ...kDefaultControlConfig.breaker, maxMissedCycles: 2 }, log, kCap, 5);
  const slow = agent('risk_assessor');
  slow.publish(1);
  assert.is(b.observe(slow.r, 1, kT0), true);
  assert.is(b.observe(slow.r, 2, kT0), true, 'one cycle missed');
  assert.is(b.observe(slow.r, 3, kT0), false, 'two in a row');
  assert.match(b.reason('risk_assessor'), /missed its cycle deadline 2 cycle\(s\) running \(limit 2\)/);
  const cases: [number[], RegExp][] = [
    [[kRecArbCross, 1, 2, 5, 10, 1e15, 0.1, 5], /size 1000000000000000 above/],
    [[kRecArbCross, 1, 99, 5, 10, 1, 0.1, 5], /slotB 99 is not a slot in -1\.\.31/],
    [[kRecArbCross, 1, 2, 5, Infinity, 1, 0.1, 5], /value is Infinity/],
    [[kRecArbCross, 1, 2, 5, 10, 1, 1.5, 5], /risk 1\.5 out of its range/],
    [[0.5, 1, 2, 5, 10, 1, 0.1, 5], /record kind 0\.5 is not an integer/],
  ];
  for (const [row, re] of cases) {
    const a = agent('arbitrage_detector');
    const bb = new Breakers(kDefaultControlConfig.breaker, log, kCap, 5);
    a.publish(1, [[kRecArbCross, 1, 2, 5, 10, 1, 0.1, NaN]]);
    assert.is(bb.observe(a.r, 1, kT0), true, 'NaN where a field is unknown is not an anomaly');
    a.publish(2, [row]);
    assert.is(bb.observe(a.r, 2, kT0), false, String(row));
    assert.match(bb.reason('arbitrage_detector'), re);
  }
  assert.is(b.state('arbitrage_detector'), 'CLOSED');
});

test.run();
