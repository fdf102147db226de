import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpAmountOut } from './amm.ts';
import {
  bestSinglePool, cpInputAtRate, cpMarginalRate, kVenueLevel, kVenuePool, splitByMarginalRate, splitConstantProduct,
} from './routing.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);

test('marginal rate and its inverse', () => {
  // R_in 1000, R_out 2000, fee 0: rate at 0 = 2; after 1000 in: 1000·2000/2000² = 0.5
  near(cpMarginalRate(0, 1000, 2000, 0), 2, 1e-15, 'first unit');
  near(cpMarginalRate(1000, 1000, 2000, 0), 0.5, 1e-15, 'after 1000');
  near(cpInputAtRate(0.5, 1000, 2000, 0), 1000, 1e-9, 'inverse');
  near(cpInputAtRate(3, 1000, 2000, 0), 0, 0, 'already below the rate');
  // the derivative of cpAmountOut, numerically
  const a = 123, d = 1e-4;
  near(cpMarginalRate(a, 1000, 2000, 0.003), (cpAmountOut(a + d, 1000, 2000, 0.003) - cpAmountOut(a - d, 1000, 2000, 0.003)) / (2 * d), 1e-9, 'derivative');
});

test('two identical pools share the trade equally; a pool twice as deep takes the larger part by the closed form', () => {
  const amounts = new Float64Array(2), order = new Int32Array(2);
  let out = splitConstantProduct(f64([1000, 1000]), f64([1000, 1000]), f64([0, 0]), 2, 100, amounts, order);
  near(amounts[0]!, 50, 1e-9, 'half');
  near(amounts[1]!, 50, 1e-9, 'half');
  near(out, 2 * (50 * 1000) / 1050, 1e-9, 'output: 2 × 47.619');
  // pools (1000, 1000) and (2000, 2000), no fee, A = 300: u = (300 + 3000)/(1000 + 2000) = 1.1
  // → a₁ = 1.1·1000 − 1000 = 100, a₂ = 1.1·2000 − 2000 = 200 (both end at the same price)
  out = splitConstantProduct(f64([1000, 2000]), f64([1000, 2000]), f64([0, 0]), 2, 300, amounts, order);
  near(amounts[0]!, 100, 1e-9, 'shallow pool');
  near(amounts[1]!, 200, 1e-9, 'deep pool');
  near(cpMarginalRate(100, 1000, 1000, 0), cpMarginalRate(200, 2000, 2000, 0), 1e-15, 'equal marginal rates');
});

test('a pool whose first unit is worse than the common rate stays out (water-filling)', () => {
  const amounts = new Float64Array(2), order = new Int32Array(2);
  // pool 1 prices the output 10 % worse; a small trade should all go to pool 0
  splitConstantProduct(f64([1000, 1000]), f64([1000, 900]), f64([0, 0]), 2, 10, amounts, order);
  near(amounts[1]!, 0, 0, 'left out');
  near(amounts[0]!, 10, 1e-12, 'all to the better pool');
  // a large one reaches it: pool 0's rate falls to 0.9 at a = 1000·(√(1/0.9) − 1) = 54.093
  splitConstantProduct(f64([1000, 1000]), f64([1000, 900]), f64([0, 0]), 2, 200, amounts, order);
  assert.ok(amounts[1]! > 0 && amounts[0]! > 54.09, `both used: ${amounts[0]}, ${amounts[1]}`);
  near(cpMarginalRate(amounts[0]!, 1000, 1000, 0), cpMarginalRate(amounts[1]!, 1000, 900, 0), 1e-12, 'equal margins');
});

test('the closed-form split beats every split of a fine brute-force grid (three pools with fees)', () => {
  const rin = f64([5_000, 12_000, 3_000]), rout = f64([10_000, 23_000, 6_300]), fee = f64([0.003, 0.0005, 0.01]);
  const amounts = new Float64Array(3), order = new Int32Array(3), best = new Int32Array(1);
  for (const A of [50, 800, 4_000]) {
    const out = splitConstantProduct(rin, rout, fee, 3, A, amounts, order);
    near(amounts[0]! + amounts[1]! + amounts[2]!, A, 1e-9 * A, 'spends the whole amount');
    let brute = 0;
    const steps = 300;
    for (let i = 0; i <= steps; i++) for (let j = 0; i + j <= steps; j++) {
      const a = (A * i) / steps, b = (A * j) / steps, c = A - a - b;
      const o = cpAmountOut(a, rin[0]!, rout[0]!, fee[0]!) + cpAmountOut(b, rin[1]!, rout[1]!, fee[1]!) + cpAmountOut(c, rin[2]!, rout[2]!, fee[2]!);
      if (o > brute) brute = o;
    }
    assert.ok(out >= brute - 1e-9 * brute, `A = ${A}: split ${out} < brute ${brute}`);
    assert.ok(out >= bestSinglePool(rin, rout, fee, 3, A, best), 'at least the best single pool');
  }
});

test('pools and book levels together: the split by marginal rate against a greedy brute force', () => {
  // buying a token with USD: one pool (2 M USD : 1 000 tokens, 0.3 %) and a book's asks 2 000 × 100, 2 004 × 100, 2 010 × 200
  const kind = Int32Array.from([kVenuePool, kVenueLevel, kVenueLevel, kVenueLevel]);
  const p1 = f64([2_000_000, 1 / 2000, 1 / 2004, 1 / 2010]);
  const p2 = f64([1_000, 2000 * 100, 2004 * 100, 2010 * 200]); // level capacity in USD
  const fee = f64([0.003, 0.001, 0.001, 0.001]);
  const amounts = new Float64Array(4), order = new Int32Array(4);
  for (const A of [50_000, 300_000, 900_000]) {
    const out = splitByMarginalRate(kind, p1, p2, fee, 4, A, amounts, order);
    near(amounts.reduce((s, v) => s + v, 0), A, 1e-6, `spends ${A}`);
    // brute force: spend A in 20 000 increments, each to the venue with the best marginal rate now
    const used = [0, 0, 0, 0];
    const n = 20_000, step = A / n;
    for (let k = 0; k < n; k++) {
      let bi = -1, br = -1;
      for (let i = 0; i < 4; i++) {
        const r = i === 0 ? cpMarginalRate(used[0]!, p1[0]!, p2[0]!, fee[0]!) : used[i]! + step <= p2[i]! + 1e-9 ? p1[i]! * (1 - fee[i]!) : -1;
        if (r > br) { br = r; bi = i; }
      }
      used[bi] = used[bi]! + step;
    }
    const brute = cpAmountOut(used[0]!, p1[0]!, p2[0]!, fee[0]!) + used[1]! * p1[1]! * 0.999 + used[2]! * p1[2]! * 0.999 + used[3]! * p1[3]! * 0.999;
    assert.ok(out >= brute * (1 - 1e-7), `A = ${A}: ${out} vs greedy ${brute}`);
    near(out, brute, brute * 1e-4, `A = ${A}: close to the greedy fill`);
  }
  // books only and more than the book holds: every level whole
  const k2 = Int32Array.from([kVenueLevel, kVenueLevel]);
  const got = splitByMarginalRate(k2, f64([1 / 100, 1 / 101]), f64([100, 202]), f64([0, 0]), 2, 1_000, amounts, order);
  near(amounts[0]!, 100, 0, 'first level');
  near(amounts[1]!, 202, 0, 'second level');
  near(got, 1 + 2, 1e-12, 'all the book: 3 units');
  // a partial level at the margin: 150 USD over 100 × 1 @ 1/100 and 202 @ 1/101
  splitByMarginalRate(k2, f64([1 / 100, 1 / 101]), f64([100, 202]), f64([0, 0]), 2, 150, amounts, order);
  near(amounts[0]!, 100, 0, 'best level whole');
  near(amounts[1]!, 50, 1e-12, 'the next in part');
});

test.run();
