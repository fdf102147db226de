// Splitting one trade across venues so that its total output is largest (its slippage least):
// the optimum equalises the marginal rate (output per unit of input at the margin) across every
// venue used, and leaves out a venue whose first unit is already worse than that rate.
//  - splitConstantProduct: constant-product pools (and v3 pools inside their current range, with
//    virtual reserves), closed form per active set, the set grown by water-filling.
//  - splitByMarginalRate: pools and order-book levels together, by bisection on the marginal rate.
// Amounts are in the input token's units throughout (outputs in the output token's units).
// Caller-owned arrays in and out; nothing allocates.

import { cpAmountOut } from './amm.ts';

const kNaN = NaN;

/**
 * Marginal output rate of a constant-product pool after `a` of input (fee γ = 1 − fee):
 *   d out/d a = γ·R_in·R_out/(R_in + γ·a)².   At a = 0: γ·R_out/R_in.
 */
export function cpMarginalRate(a: number, reserveIn: number, reserveOut: number, fee: number): number {
  const g = 1 - fee;
  const d = reserveIn + g * a;
  return (g * reserveIn * reserveOut) / (d * d);
}

/**
 * Input that brings a constant-product pool's marginal rate down to m (0 when it starts below):
 *   (R_in + γa)² = γ·R_in·R_out/m  ⇒  a(m) = (√(γ·R_in·R_out/m) − R_in)/γ.
 */
export function cpInputAtRate(m: number, reserveIn: number, reserveOut: number, fee: number): number {
  const g = 1 - fee;
  const a = (Math.sqrt((g * reserveIn * reserveOut) / m) - reserveIn) / g;
  return a > 0 ? a : 0;
}

/**
 * The output-maximising split of amountIn across n constant-product pools (reserves in the input
 * and output token, fees as fractions). With u = 1/√m, every active pool takes
 *   aᵢ = u·√(R_inᵢ·R_outᵢ/γᵢ) − R_inᵢ/γᵢ,   Σ aᵢ = A  ⇒  u = (A + Σ R_inᵢ/γᵢ) / Σ √(R_inᵢ·R_outᵢ/γᵢ).
 * Water-filling: pools sorted by their first-unit rate γ·R_out/R_in; the next pool joins while its
 * first-unit rate beats the common marginal rate m = 1/u² of the current set.
 * Writes each pool's input to amounts[0..n) (0 for pools left out) and returns the total output.
 * order (Int32Array of n) is scratch. Pools with a reserve ≤ 0 or NaN are left out.
 * amountIn ≤ 0 writes zeros and returns 0.
 */
export function splitConstantProduct(
  reserveIn: Float64Array, reserveOut: Float64Array, fee: Float64Array, n: number, amountIn: number,
  amounts: Float64Array, order: Int32Array,
): number {
  let k = 0;
  for (let i = 0; i < n; i++) {
    amounts[i] = 0;
    if (!(reserveIn[i]! > 0 && reserveOut[i]! > 0 && fee[i]! >= 0 && fee[i]! < 1)) continue;
    // insertion by first-unit rate, best first
    const rate = ((1 - fee[i]!) * reserveOut[i]!) / reserveIn[i]!;
    let j = k++;
    while (j > 0) {
      const p = order[j - 1]!;
      if (((1 - fee[p]!) * reserveOut[p]!) / reserveIn[p]! >= rate) break;
      order[j] = p;
      j--;
    }
    order[j] = i;
  }
  if (!(amountIn > 0) || k === 0) return 0;
  let sumIn = 0, sumRoot = 0, active = 0, u = 0;
  for (; active < k; active++) {
    const i = order[active]!;
    const g = 1 - fee[i]!;
    if (active > 0) {
      const m = 1 / (u * u);
      if (!((g * reserveOut[i]!) / reserveIn[i]! > m)) break;
    }
    sumIn += reserveIn[i]! / g;
    sumRoot += Math.sqrt((reserveIn[i]! * reserveOut[i]!) / g);
    u = (amountIn + sumIn) / sumRoot;
  }
  let out = 0;
  for (let x = 0; x < active; x++) {
    const i = order[x]!;
    const g = 1 - fee[i]!;
    const a = u * Math.sqrt((reserveIn[i]! * reserveOut[i]!) / g) - reserveIn[i]! / g;
    amounts[i] = a > 0 ? a : 0;
    out += cpAmountOut(amounts[i]!, reserveIn[i]!, reserveOut[i]!, fee[i]!);
  }
  return out;
}

// Venue kinds of splitByMarginalRate.
/** A constant-product pool: p1 = reserve in, p2 = reserve out, fee. */
export const kVenuePool = 0;
/** One order-book level: p1 = output per unit of input at that level (e.g. 1/ask when paying
 * quote for base), p2 = the level's capacity in input units, fee. */
export const kVenueLevel = 1;

/**
 * The output-maximising split of amountIn across pools and book levels together, by exact
 * water-filling. Every venue's first-unit rate (levels: p1·(1 − fee); pools: γ·R_out/R_in) is a
 * breakpoint; venues are taken in falling rate order. Between breakpoints the amount the chosen set
 * takes at marginal rate m is C + u·ΣSᵢ − ΣR_inᵢ/γᵢ (C: the capacity of the levels already taken,
 * u = 1/√m, Sᵢ = √(R_inᵢ·R_outᵢ/γᵢ) for the pools in the set), so the rate that spends amountIn
 * is solved in closed form in the segment where it falls; when it falls on a level, that level is
 * filled in part. Levels take all or part of their capacity, pools cpInputAtRate(m*).
 * Writes inputs to amounts[0..n) and returns the total output. Levels of one book are separate
 * venues (their rates fall with depth). order (Int32Array of n) is scratch. Invalid venues
 * (price, reserve or capacity ≤ 0, fee outside [0, 1)) are skipped. When the levels alone cannot
 * absorb amountIn and there is no pool, every level is taken whole.
 */
export function splitByMarginalRate(
  kind: Int32Array, p1: Float64Array, p2: Float64Array, fee: Float64Array, n: number, amountIn: number,
  amounts: Float64Array, order: Int32Array,
): number {
  let k = 0;
  for (let i = 0; i < n; i++) {
    amounts[i] = 0;
    const g = 1 - fee[i]!;
    if (!(p1[i]! > 0 && p2[i]! > 0 && g > 0 && g <= 1)) continue;
    const r = firstRate(kind, p1, p2, fee, i);
    let j = k++;
    while (j > 0 && firstRate(kind, p1, p2, fee, order[j - 1]!) < r) { order[j] = order[j - 1]!; j--; }
    order[j] = i;
  }
  if (!(amountIn > 0) || k === 0) return 0;
  let capacity = 0, sumS = 0, sumR = 0;
  let u = 0, partial = -1, partialAmount = 0, used = 0;
  let solved = false;
  for (; used < k; used++) {
    const i = order[used]!;
    const r = firstRate(kind, p1, p2, fee, i);
    const atR = capacity + (sumS > 0 ? sumS / Math.sqrt(r) - sumR : 0); // what the set takes at m = r
    if (atR >= amountIn && sumS > 0) { // the rate falls above r, between the pools already in
      u = (amountIn - capacity + sumR) / sumS;
      solved = true;
      break;
    }
    const g = 1 - fee[i]!;
    if (kind[i] === kVenueLevel) {
      if (atR + p2[i]! >= amountIn) { // this level is the margin: m* = r
        partial = i;
        partialAmount = amountIn - atR;
        u = 1 / Math.sqrt(r);
        solved = true;
        break;
      }
      capacity += p2[i]!;
    } else {
      sumS += Math.sqrt((p1[i]! * p2[i]!) / g);
      sumR += p1[i]! / g;
    }
  }
  if (!solved) u = sumS > 0 ? (amountIn - capacity + sumR) / sumS : 0;
  let out = 0;
  for (let x = 0; x < used; x++) {
    const i = order[x]!;
    const g = 1 - fee[i]!;
    if (kind[i] === kVenueLevel) {
      amounts[i] = p2[i]!;
      out += p2[i]! * p1[i]! * g;
    } else {
      const a = u * Math.sqrt((p1[i]! * p2[i]!) / g) - p1[i]! / g;
      amounts[i] = a > 0 ? a : 0;
      out += cpAmountOut(amounts[i]!, p1[i]!, p2[i]!, fee[i]!);
    }
  }
  if (partial >= 0) {
    const a = partialAmount > 0 ? partialAmount : 0;
    amounts[partial] = a;
    out += a * p1[partial]! * (1 - fee[partial]!);
  }
  return out;
}

function firstRate(kind: Int32Array, p1: Float64Array, p2: Float64Array, fee: Float64Array, i: number): number {
  const g = 1 - fee[i]!;
  return kind[i] === kVenuePool ? (g * p2[i]!) / p1[i]! : g * p1[i]!;
}

/**
 * Output of sending all of amountIn to the single best pool (for comparing with a split).
 * Returns the best output; writes the pool's index to bestOut[0] (−1 when none).
 */
export function bestSinglePool(
  reserveIn: Float64Array, reserveOut: Float64Array, fee: Float64Array, n: number, amountIn: number, bestOut: Int32Array,
): number {
  let best = 0;
  bestOut[0] = -1;
  for (let i = 0; i < n; i++) {
    const o = cpAmountOut(amountIn, reserveIn[i]!, reserveOut[i]!, fee[i]!);
    if (o > best) { best = o; bestOut[0] = i; }
  }
  return best === best ? best : kNaN;
}
