// The hot path's packed functions (numbers handed over in Float64Arrays rather than as arguments
// and return values, which V8 boxes at a call it does not inline) give the same doubles as the
// plain formulas, bit for bit, and allocate nothing per call. Allocation is counted with V8's
// total_allocated_bytes (not timed), the least of several rounds.
// The reference range search below is the argument-passing version these functions replaced.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeapStatistics } from 'node:v8';
import {
  evaluateRange, kLpEfficiency, kLpFeeReturn, kLpHalfWidth, kLpIlCost, kLpInRange, kLpNetReturn, kLpOutLength, optimiseRange,
} from './lp_range.ts';
import { ilConcentrated, ilConcentratedPacked, kIlOut, kIlP0, kIlP1, kIlPa, kIlPb, kIlSlots } from './impermanent_loss.ts';
import {
  kRiskScoreSlots, kRskApyVol, kRskExposure, kRskIl, kRskOut, kRskReliability, kRskStable, kRskTvl, riskScore0to10, riskScore0to10Packed,
} from './yield_score.ts';
import { kInvSqrt2Pi, normalCdf } from './stats.ts';

const allocated = (): number => getHeapStatistics().total_allocated_bytes;
const kNaN = NaN;

/** Bytes per call of `round(n)` (n calls), the least of `rounds` rounds after a warm-up round. */
function bytesPerCall(round: (n: number) => number, n: number, rounds = 6): number {
  round(n);
  let least = Infinity;
  for (let r = 0; r < rounds; r++) {
    const a0 = allocated();
    round(n);
    least = Math.min(least, (allocated() - a0) / n);
  }
  return least;
}

/** A deterministic stream of doubles in [0, 1) (xorshift). */
function stream(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
}

// ---- reference: the range search with its numbers passed as arguments ----
const kGridPoints = 16;
const kGoldenSteps = 18;
const kInvPhi = 0.6180339887498949;

function refCapitalEfficiency(h: number): number {
  if (!(h > 0)) return kNaN;
  if (h === Infinity) return 1;
  return 1 / -Math.expm1(-h / 2);
}

function refTruncatedMoment(k: number, m: number, s: number, lnA: number, lnB: number): number {
  const shift = m + k * s * s;
  const hi = lnB === Infinity ? 1 : refCdf((lnB - shift) / s);
  const lo = lnA === -Infinity ? 0 : refCdf((lnA - shift) / s);
  return Math.exp(k * m + 0.5 * k * k * s * s) * (hi - lo);
}

function refCdf(x: number): number {
  if (x > 8.3) return 1;
  if (x < -37.5) return 0;
  return normalCdf(x);
}

function refExpectedIlRange(s: number, h: number): number {
  if (!(s >= 0 && h > 0)) return kNaN;
  if (s === 0) return 0;
  if (h === Infinity) return Math.expm1(-s * s / 8);
  const m = -0.5 * s * s;
  const sa = Math.exp(-h / 2), sb = Math.exp(h / 2); // √a, √b
  const lnA = -h, lnB = h;
  const xMax = 1 / sa - 1 / sb, yMax = sb - sa;
  const below = xMax * refTruncatedMoment(1, m, s, -Infinity, lnA);
  const inside = 2 * refTruncatedMoment(0.5, m, s, lnA, lnB) - sa * refTruncatedMoment(0, m, s, lnA, lnB) -
    refTruncatedMoment(1, m, s, lnA, lnB) / sb;
  const above = yMax * refTruncatedMoment(0, m, s, lnB, Infinity);
  const v0 = 2 - sa - 1 / sb;
  return (below + inside + above) / v0 - 1;
}

function refInRangeFraction(sT: number, h: number): number {
  if (!(sT >= 0 && h > 0)) return kNaN;
  if (h === Infinity || sT === 0) return 1;
  const b = h / sT;
  if (b > 40) return 1; // φ(b)·b and b²(1 − Φ(b)) underflow: always in range
  const c = normalCdf(b);
  const f = 2 * (c + b * kInvSqrt2Pi * Math.exp(-0.5 * b * b) - b * b * (1 - c)) - 1;
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

function refEvaluateRange(out: Float64Array, feeRatePerDay: number, sigmaDaily: number, horizonDays: number, h: number): number {
  const sT = sigmaDaily * Math.sqrt(horizonDays);
  const eff = refCapitalEfficiency(h);
  const phi = refInRangeFraction(sT, h);
  const fee = feeRatePerDay * eff * phi * horizonDays;
  const loss = -refExpectedIlRange(sT, h);
  out[kLpHalfWidth] = h;
  out[kLpFeeReturn] = fee;
  out[kLpIlCost] = loss;
  out[kLpNetReturn] = fee - loss;
  out[kLpEfficiency] = eff;
  out[kLpInRange] = phi;
  return fee - loss;
}

function refOptimiseRange(
  out: Float64Array, scratch: Float64Array, feeRatePerDay: number, sigmaDaily: number, horizonDays: number, hMin: number,
): number {
  if (!(feeRatePerDay >= 0 && sigmaDaily > 0 && horizonDays > 0 && hMin >= 0)) {
    out.fill(kNaN, 0, kLpOutLength);
    return kNaN;
  }
  const lo = Math.log(Math.max(hMin, 1e-3)), hi = Math.log(3);
  let bestI = 0, best = -Infinity;
  for (let i = 0; i < kGridPoints; i++) {
    const h = Math.exp(lo + ((hi - lo) * i) / (kGridPoints - 1));
    const v = refEvaluateRange(scratch, feeRatePerDay, sigmaDaily, horizonDays, h);
    if (v > best) { best = v; bestI = i; }
  }
  // golden section on log h between the grid neighbours of the best point
  let a = lo + ((hi - lo) * Math.max(0, bestI - 1)) / (kGridPoints - 1);
  let b = lo + ((hi - lo) * Math.min(kGridPoints - 1, bestI + 1)) / (kGridPoints - 1);
  let c = b - kInvPhi * (b - a), d = a + kInvPhi * (b - a);
  let fc = refEvaluateRange(scratch, feeRatePerDay, sigmaDaily, horizonDays, Math.exp(c));
  let fd = refEvaluateRange(scratch, feeRatePerDay, sigmaDaily, horizonDays, Math.exp(d));
  for (let k = 0; k < kGoldenSteps; k++) {
    if (fc > fd) { b = d; d = c; fd = fc; c = b - kInvPhi * (b - a); fc = refEvaluateRange(scratch, feeRatePerDay, sigmaDaily, horizonDays, Math.exp(c)); }
    else { a = c; c = d; fc = fd; d = a + kInvPhi * (b - a); fd = refEvaluateRange(scratch, feeRatePerDay, sigmaDaily, horizonDays, Math.exp(d)); }
  }
  let hBest = Math.exp(0.5 * (a + b));
  let netBest = refEvaluateRange(out, feeRatePerDay, sigmaDaily, horizonDays, hBest);
  const gridH = Math.exp(lo + ((hi - lo) * bestI) / (kGridPoints - 1));
  if (best > netBest) { hBest = gridH; netBest = refEvaluateRange(out, feeRatePerDay, sigmaDaily, horizonDays, hBest); }
  const full = refEvaluateRange(scratch, feeRatePerDay, sigmaDaily, horizonDays, Infinity);
  if (full > netBest) {
    for (let i = 0; i < kLpOutLength; i++) out[i] = scratch[i]!;
    return full;
  }
  return netBest;
}


function same(a: number, b: number, what: string): void {
  assert.ok(Object.is(a, b), `${what}: ${a} against the reference ${b}`);
}

// First in the file: the equality tests below feed NaN and ∞ through these functions, and the
// optimized code V8 makes after that is not the hot path's.
test('packed calls allocate nothing per call (optimiseRange: at most its boxed arguments and result)', () => {
  // results summed into a Float64Array, not a local: a loop-carried double can be boxed by the test's own loop
  const acc = new Float64Array(1);
  const out = new Float64Array(kLpOutLength), scratch = new Float64Array(kLpOutLength);
  const search = bytesPerCall((n) => {
    for (let i = 0; i < n; i++) acc[0] = acc[0]! + optimiseRange(out, scratch, 2e-4 + (i & 7) * 1e-5, 0.03 + (i & 3) * 0.001, 7, 0.006);
    return acc[0]!;
  }, 20_000, 4);
  const refSearch = bytesPerCall((n) => {
    for (let i = 0; i < n; i++) acc[0] = acc[0]! + refOptimiseRange(out, scratch, 2e-4 + (i & 7) * 1e-5, 0.03 + (i & 3) * 0.001, 7, 0.006);
    return acc[0]!;
  }, 5_000, 2);
  const x = new Float64Array(kRiskScoreSlots);
  const score = bytesPerCall((n) => {
    for (let i = 0; i < n; i++) {
      x[kRskIl] = (i & 1) * 0.5; x[kRskExposure] = 1; x[kRskStable] = i & 1; x[kRskReliability] = 0.9; x[kRskTvl] = 1e6 + i; x[kRskApyVol] = 0.3;
      riskScore0to10Packed(x);
      acc[0] = acc[0]! + x[kRskOut]!;
    }
    return acc[0]!;
  }, 500_000);
  const il = new Float64Array(kIlSlots);
  const loss = bytesPerCall((n) => {
    for (let i = 0; i < n; i++) {
      il[kIlP0] = 2000; il[kIlP1] = 2000 + (i & 255); il[kIlPa] = 1800; il[kIlPb] = 2200;
      ilConcentratedPacked(il);
      acc[0] = acc[0]! + il[kIlOut]!;
    }
    return acc[0]!;
  }, 500_000);
  console.log(`  B per call: optimiseRange ${search.toFixed(1)} (the argument-passing search: ${refSearch.toFixed(0)}), riskScore0to10Packed ${score.toFixed(3)}, ilConcentratedPacked ${loss.toFixed(3)}`);
  // its arguments and result boxed by this loop: up to 64 B; the argument-passing search allocated some 7–16 KB
  assert.ok(search <= 100, `optimiseRange allocates ${search.toFixed(1)} B per call`);
  assert.ok(score < 1, `riskScore0to10Packed allocates ${score.toFixed(3)} B per call`);
  assert.ok(loss < 1, `ilConcentratedPacked allocates ${loss.toFixed(3)} B per call`);
});

test('optimiseRange and evaluateRange: the same doubles as the argument-passing search, every output', () => {
  const out = new Float64Array(kLpOutLength), scratch = new Float64Array(kLpOutLength);
  const ref = new Float64Array(kLpOutLength), refScratch = new Float64Array(kLpOutLength);
  const rnd = stream(7);
  let cases = 0;
  const fees = [0, 1e-5, 3e-4, 0.002, 0.05, NaN], sigmas = [0, 1e-4, 0.01, 0.04, 0.3, NaN], horizons = [0.5, 7, 30], hMins = [0, 1e-4, 0.006, 0.2, NaN];
  for (const fee of fees) for (const sigma of sigmas) for (const T of horizons) for (const hMin of hMins) {
    same(optimiseRange(out, scratch, fee, sigma, T, hMin), refOptimiseRange(ref, refScratch, fee, sigma, T, hMin), `optimiseRange(${fee}, ${sigma}, ${T}, ${hMin})`);
    for (let i = 0; i < kLpOutLength; i++) same(out[i]!, ref[i]!, `optimiseRange(${fee}, ${sigma}, ${T}, ${hMin})[${i}]`);
    cases++;
  }
  for (let k = 0; k < 2000; k++) {
    const fee = rnd() * 0.01, sigma = rnd() * 0.1, T = 1 + rnd() * 30, h = k % 50 === 0 ? Infinity : rnd() * 3;
    same(evaluateRange(out, fee, sigma, T, h), refEvaluateRange(ref, fee, sigma, T, h), `evaluateRange(${fee}, ${sigma}, ${T}, ${h})`);
    for (let i = 0; i < kLpOutLength; i++) same(out[i]!, ref[i]!, `evaluateRange(${fee}, ${sigma}, ${T}, ${h})[${i}]`);
    if (k % 10 === 0) {
      const hMin = rnd() * 0.01;
      same(optimiseRange(out, scratch, fee, sigma, T, hMin), refOptimiseRange(ref, refScratch, fee, sigma, T, hMin), `optimiseRange(${fee}, ${sigma}, ${T}, ${hMin})`);
      for (let i = 0; i < kLpOutLength; i++) same(out[i]!, ref[i]!, `optimiseRange(${fee}, ${sigma}, ${T}, ${hMin})[${i}]`);
    }
    cases++;
  }
  assert.ok(cases > 2000);
});

test('riskScore0to10Packed and ilConcentratedPacked: the same doubles as riskScore0to10 and the IL formula', () => {
  const x = new Float64Array(kRiskScoreSlots), il = new Float64Array(kIlSlots);
  const rnd = stream(11);
  for (let k = 0; k < 20_000; k++) {
    const v = (): number => (k % 97 === 0 ? NaN : rnd() * 1.4 - 0.2);
    const a = v(), b = v(), c = v(), d = v(), tvl = rnd() * 2e9, vol = rnd() * 30;
    x[kRskIl] = a; x[kRskExposure] = b; x[kRskStable] = c; x[kRskReliability] = d; x[kRskTvl] = tvl; x[kRskApyVol] = vol;
    riskScore0to10Packed(x);
    same(x[kRskOut]!, riskScore0to10(a, b, c, d, tvl, vol), 'riskScore0to10Packed');
    const p0 = rnd() * 4000, p1 = p0 * (0.5 + rnd()), pa = p0 * Math.exp(-rnd()), pb = p0 * Math.exp(rnd());
    il[kIlP0] = p0; il[kIlP1] = p1; il[kIlPa] = pa; il[kIlPb] = pb;
    ilConcentratedPacked(il);
    same(il[kIlOut]!, refIlConcentrated(p0, p1, pa, pb), 'ilConcentratedPacked');
    same(ilConcentrated(p0, p1, pa, pb), refIlConcentrated(p0, p1, pa, pb), 'ilConcentrated');
  }
});

/** ilConcentrated with its numbers as arguments (the formula of impermanent_loss.ts). */
function refIlConcentrated(p0: number, p1: number, pa: number, pb: number): number {
  if (!(p0 > 0 && p0 < Infinity && p1 > 0 && p1 < Infinity && pa >= 0 && pb > pa)) return kNaN;
  const sa = Math.sqrt(pa), sb = Math.sqrt(pb);
  const s0 = p0 <= pa ? sa : p0 >= pb ? sb : Math.sqrt(p0);
  const s1 = p1 <= pa ? sa : p1 >= pb ? sb : Math.sqrt(p1);
  const x0 = 1 / s0 - 1 / sb, y0 = s0 - sa;
  const x1 = 1 / s1 - 1 / sb, y1 = s1 - sa;
  return (x1 * p1 + y1) / (x0 * p1 + y0) - 1;
}

test.run();
