// The compute-heavy workload's kernel: finds a planted arbitrage cycle, finds none in consistent
// rates, and repricing keeps rates consistent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bellmanFordScratch, cycleThrough, fillGraph, findNegativeCycle, kBfNoCycle, repriceNode } from './bellman_ford.ts';

function consistent(v: number, fee: number): Float64Array {
  const w = new Float64Array(v * v);
  const prices = Float64Array.from({ length: v }, (_, i) => 1 + i * 0.5);
  fillGraph(w, 0, v, prices, fee, 0, 1);
  return w;
}

test('consistent rates with a fee have no negative cycle', () => {
  const w = consistent(12, 0.001);
  assert.is(findNegativeCycle(w, 0, 12, bellmanFordScratch(12)), kBfNoCycle);
});

test('a planted cycle 2 → 5 → 7 → 2 with a 1% edge is found and measured', () => {
  const v = 10;
  const w = consistent(v, 0.0005);
  const s = bellmanFordScratch(v);
  // Make 2 → 5 pay 1% more than it should: the loop 2 → 5 → x → 2 now gains about 1% − 3 fees.
  w[2 * v + 5] = w[2 * v + 5]! - Math.log(1.01);
  const start = findNegativeCycle(w, 0, v, s);
  assert.ok(start >= 0);
  const c = cycleThrough(w, 0, v, start, s);
  assert.ok(c.nodes.includes(2) && c.nodes.includes(5));
  const idx = c.nodes.indexOf(2);
  assert.is(c.nodes[(idx + 1) % c.nodes.length], 5, 'the cycle trades 2 → 5');
  const fees = c.nodes.length;
  const expected = 1.01 * (1 - 0.0005) ** fees - 1;
  assert.ok(Math.abs(c.gain - expected) < 1e-9, `gain ${c.gain} expected ${expected}`);
});

test('graphs at an offset are searched independently', () => {
  const v = 6;
  const w = new Float64Array(2 * v * v);
  const prices = Float64Array.from({ length: v }, (_, i) => 2 + i);
  fillGraph(w, 0, v, prices, 0.001, 0, 1);
  fillGraph(w, v * v, v, prices, 0.001, 0, 2);
  w[v * v + 1 * v + 3] = w[v * v + 1 * v + 3]! - Math.log(1.05);
  const s = bellmanFordScratch(v);
  assert.is(findNegativeCycle(w, 0, v, s), kBfNoCycle);
  assert.ok(findNegativeCycle(w, v * v, v, s) >= 0);
});

test('repriceNode keeps every two-leg round trip at the fee cost', () => {
  const v = 8;
  const w = consistent(v, 0.002);
  repriceNode(w, 0, v, 3, 1.07);
  for (let j = 0; j < v; j++) {
    if (j === 3) continue;
    const roundTrip = Math.exp(-(w[3 * v + j]! + w[j * v + 3]!));
    assert.ok(Math.abs(roundTrip - (1 - 0.002) ** 2) < 1e-12);
  }
  assert.is(findNegativeCycle(w, 0, v, bellmanFordScratch(v)), kBfNoCycle);
});

test.run();
