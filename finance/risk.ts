// Risk measures for the risk assessor: concentration, liquidity risk, parametric VaR and CVaR (one
// position and a portfolio), position limits, stop-loss levels and a composite 0–10 score.
// Scalars in, scalars out; vectors and matrices as Float64Array with explicit lengths. No
// allocation, no library calls on these paths.
//
// Conventions: σ is the standard deviation of daily simple returns (0.02 = 2 %), horizons are in
// days, confidence α is a fraction (0.99), money is in USD (any one currency works), and returns
// are taken as zero-mean normal over the horizon with σ scaled by √h.

import { normalInv, normalPdf } from './stats.ts';

// NaN and Infinity as module constants: V8 keeps a computed double unboxed where it meets one
// of these on a return path, but boxes it (allocates) where it meets the global NaN or Infinity.
const kNaN = NaN;
const kInfinity = Infinity;

// Memo of the last confidence level: [α, z_α = Φ⁻¹(α), φ(z_α)/(1 − α)]. A risk assessor uses one or
// two fixed α, so the inverse cdf runs once per change of α instead of once per call (and its
// result is read from here, not returned boxed by a call V8 may not inline). Per thread: each
// worker has its own module instance.
const kQuantileMemo = new Float64Array([kNaN, kNaN, kNaN]);

/** z_α = Φ⁻¹(α), through the memo. α must already be checked to lie in (0, 1). */
function quantileOf(confidence: number): number {
  if (confidence !== kQuantileMemo[0]) fillQuantileMemo(confidence);
  return kQuantileMemo[1]!;
}

/** φ(z_α)/(1 − α), the normal expected-shortfall multiplier, through the memo. */
function shortfallFactorOf(confidence: number): number {
  if (confidence !== kQuantileMemo[0]) fillQuantileMemo(confidence);
  return kQuantileMemo[2]!;
}

function fillQuantileMemo(confidence: number): void {
  const z = normalInv(confidence);
  kQuantileMemo[0] = confidence;
  kQuantileMemo[1] = z;
  kQuantileMemo[2] = normalPdf(z) / (1 - confidence);
}

/**
 * Herfindahl–Hirschman index of weights[0..n): Σ sᵢ², sᵢ = |wᵢ| / Σ|wⱼ| (shares of the absolute
 * exposure, so shorts count as exposure). Ranges from 1/n (equal) to 1 (one position).
 * Returns NaN when n ≤ 0, n > weights.length, the weights sum to 0, or one is NaN.
 */
export function hhi(weights: Float64Array, n: number): number {
  if (!(n > 0 && n <= weights.length)) return kNaN;
  let total = 0;
  for (let i = 0; i < n; i++) total += Math.abs(weights[i]!);
  if (!(total > 0 && total < kInfinity)) return kNaN;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.abs(weights[i]!) / total;
    h += s * s;
  }
  return h;
}

/**
 * HHI rescaled to [0, 1]: (H − 1/n)/(1 − 1/n); 0 for equal weights, 1 for a single position.
 * n = 1 gives 1. NaN as hhi.
 */
export function hhiNormalized(weights: Float64Array, n: number): number {
  const h = hhi(weights, n);
  if (n === 1) return h === h ? 1 : kNaN;
  return (h - 1 / n) / (1 - 1 / n);
}

// Defaults of hot functions are module-local constants: V8 boxes a default read from an exported
// binding (allocation per call), not one read from a local const.
const kDefaultHalfRiskShare = 0.05;
const kDefaultFullVol = 1;

/** Share of depth at which liquidityRisk is 0.5 by default (5 % of depth or TVL). */
export const kLiquidityHalfRiskShare = kDefaultHalfRiskShare;

/**
 * Liquidity risk of a position in [0, 1] from its share of the market it must trade against:
 *   ρ = positionUsd / depthUsd,   risk = 1 − 2^(−ρ/ρ½)
 * depthUsd is the order-book depth within the acceptable slippage, or the pool's TVL for an AMM
 * or yield pool. ρ½ (default 0.05) is the share at which the risk is 0.5; 1 % of depth gives 0.13,
 * 10 % gives 0.75, 20 % gives 0.94. Position 0 → 0; depth 0 with a position → 1.
 * |positionUsd| is used. NaN, negative depth or ρ½ ≤ 0 → NaN.
 */
export function liquidityRisk(positionUsd: number, depthUsd: number, halfRiskShare: number = kDefaultHalfRiskShare): number {
  if (!(depthUsd >= 0 && halfRiskShare > 0) || Number.isNaN(positionUsd)) return kNaN;
  const position = Math.abs(positionUsd);
  if (position === 0) return 0;
  if (depthUsd === 0) return 1;
  return 1 - Math.pow(2, -(position / depthUsd) / halfRiskShare);
}

/**
 * Parametric (normal) Value at Risk of one position, USD:
 *   VaR = z_α · σ · √h · |V|,   z_α = Φ⁻¹(α).
 * σ = 2 %, V = 1 000 000, α = 0.99, h = 1: 2.3263479 · 0.02 · 1e6 = 46 526.96.
 * Returns NaN for α outside (0, 1), σ < 0, h < 0 or NaN.
 */
export function varParametric(valueUsd: number, sigmaDaily: number, confidence: number, horizonDays: number): number {
  if (!(confidence > 0 && confidence < 1 && sigmaDaily >= 0 && horizonDays >= 0) || Number.isNaN(valueUsd)) return kNaN;
  return quantileOf(confidence) * sigmaDaily * Math.sqrt(horizonDays) * Math.abs(valueUsd);
}

/**
 * Parametric (normal) Conditional VaR / expected shortfall of one position, USD:
 *   CVaR = φ(z_α)/(1 − α) · σ · √h · |V|.
 * σ = 2 %, V = 1 000 000, α = 0.99, h = 1: 2.6652142 · 0.02 · 1e6 = 53 304.28.
 * Returns NaN as varParametric.
 */
export function cvarParametric(valueUsd: number, sigmaDaily: number, confidence: number, horizonDays: number): number {
  if (!(confidence > 0 && confidence < 1 && sigmaDaily >= 0 && horizonDays >= 0) || Number.isNaN(valueUsd)) return kNaN;
  return shortfallFactorOf(confidence) * sigmaDaily * Math.sqrt(horizonDays) * Math.abs(valueUsd);
}

/**
 * Portfolio variance wᵀΣw for an n×n covariance matrix stored row-major in a flat Float64Array
 * (cov[i·n + j] = Σᵢⱼ) and weights[0..n). Units: those of Σ times weights² (daily return² for
 * fractional weights). Plain loops; the matrix is taken as given (symmetry not checked).
 * Returns NaN when n ≤ 0 or an array is too short.
 */
export function portfolioVariance(cov: Float64Array, weights: Float64Array, n: number): number {
  if (!(n > 0 && weights.length >= n && cov.length >= n * n)) return kNaN;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const wi = weights[i]!;
    let row = 0;
    const base = i * n;
    for (let j = 0; j < n; j++) row += cov[base + j]! * weights[j]!;
    total += wi * row;
  }
  return total;
}

/**
 * Portfolio parametric VaR, USD: z_α · √(wᵀΣw) · √h · V, with w the fractional weights of a
 * portfolio worth V USD (or w in USD and V = 1) and Σ the daily return covariance (flat n×n).
 * Returns NaN for invalid α, h < 0, a negative variance (Σ not positive semi-definite) or NaN.
 */
export function portfolioVaR(
  cov: Float64Array, weights: Float64Array, n: number, valueUsd: number, confidence: number, horizonDays: number,
): number {
  const variance = portfolioVariance(cov, weights, n);
  if (!(variance >= 0 && confidence > 0 && confidence < 1 && horizonDays >= 0) || Number.isNaN(valueUsd)) return kNaN;
  return quantileOf(confidence) * Math.sqrt(variance * horizonDays) * Math.abs(valueUsd);
}

/**
 * Largest position in USD allowed by three limits:
 *   min( riskBudgetUsd / varPerDollar,          (VaR budget; varPerDollar = varParametric(1, σ, α, h))
 *        liquidityCapShare · depthUsd,           (share of book depth or pool TVL)
 *        concentrationCapShare · capitalUsd )    (share of capital)
 * varPerDollar = 0 (riskless) leaves only the other two limits. Returns 0 for no budget, depth or
 * capital; NaN for a negative or NaN input.
 */
export function maxPositionSize(
  riskBudgetUsd: number, varPerDollar: number, depthUsd: number, liquidityCapShare: number,
  capitalUsd: number, concentrationCapShare: number,
): number {
  if (!(riskBudgetUsd >= 0 && varPerDollar >= 0 && depthUsd >= 0 && liquidityCapShare >= 0 && capitalUsd >= 0 &&
    concentrationCapShare >= 0)) {
    return kNaN;
  }
  const byRisk = varPerDollar > 0 ? riskBudgetUsd / varPerDollar : kInfinity;
  return Math.min(byRisk, liquidityCapShare * depthUsd, concentrationCapShare * capitalUsd);
}

/**
 * Stop-loss price for a long position, k standard deviations of the h-day move below entry:
 *   stop = entry · (1 − k·σ·√h), floored at 0.
 * Entry 2000, σ = 3 %, h = 1, k = 2: 2000 · 0.94 = 1880. NaN for a non-positive entry or negative
 * σ, h, k, or NaN.
 */
export function stopLossLong(entry: number, sigmaDaily: number, horizonDays: number, k: number): number {
  if (!(entry > 0 && sigmaDaily >= 0 && horizonDays >= 0 && k >= 0)) return kNaN;
  const stop = entry * (1 - k * sigmaDaily * Math.sqrt(horizonDays));
  return stop > 0 ? stop : 0;
}

/**
 * Stop-loss price for a short position, k standard deviations of the h-day move above entry:
 *   stop = entry · (1 + k·σ·√h).  Entry 2000, σ = 3 %, h = 1, k = 2: 2120. NaN as stopLossLong.
 */
export function stopLossShort(entry: number, sigmaDaily: number, horizonDays: number, k: number): number {
  if (!(entry > 0 && sigmaDaily >= 0 && horizonDays >= 0 && k >= 0)) return kNaN;
  return entry * (1 + k * sigmaDaily * Math.sqrt(horizonDays));
}

/** Annualised volatility (fraction) at which market risk is 1 (100 %). */
export const kMarketRiskFullVol = kDefaultFullVol;
/** Trading days per year for annualising (crypto markets trade every day). */
export const kDaysPerYear = 365;

/**
 * Market risk in [0, 1] from daily volatility: min(1, σ·√365 / fullVol), fullVol the annualised
 * volatility that counts as maximal (default 1 = 100 %). σ = 2 % daily → 38.2 % a year → 0.382.
 * NaN or negative σ, fullVol ≤ 0 → NaN.
 */
export function marketRiskFromVolatility(sigmaDaily: number, fullVol: number = kDefaultFullVol): number {
  if (!(sigmaDaily >= 0 && fullVol > 0)) return kNaN;
  const r = (sigmaDaily * Math.sqrt(kDaysPerYear)) / fullVol;
  return r < 1 ? r : 1;
}

// (a module-private copy for the hot path: an optimized function that reads an exported binding
// holding a non-integer number allocates a heap number per read)
const kRiskWeightConcentrationLocal = 0.3;
/** Weights of the composite risk score. */
export const kRiskWeightConcentration = kRiskWeightConcentrationLocal;
const kRiskWeightLiquidityLocal = 0.3;
export const kRiskWeightLiquidity = kRiskWeightLiquidityLocal;
const kRiskWeightMarketLocal = 0.4;
export const kRiskWeightMarket = kRiskWeightMarketLocal;

/**
 * Composite risk score on 0–10 (10 = riskiest):
 *   score = 10 · (0.3·concentration + 0.3·liquidity + 0.4·market)
 * concentration: hhiNormalized of the portfolio after the trade; liquidity: liquidityRisk;
 * market: marketRiskFromVolatility. Each input is clamped to [0, 1]. NaN → NaN.
 */
export function compositeRiskScore(concentration: number, liquidity: number, market: number): number {
  return 10 * (kRiskWeightConcentrationLocal * clamp01(concentration) + kRiskWeightLiquidityLocal * clamp01(liquidity) +
    kRiskWeightMarketLocal * clamp01(market));
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
