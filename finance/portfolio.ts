// Portfolio construction for the rebalancer: inverse-volatility and risk-parity (risk-budgeting)
// weights, risk contributions, rebalancing trades, and the rule that decides whether a rebalance
// is worth its cost. Vectors and matrices are Float64Array with explicit n; covariance matrices
// are n×n row-major (cov[i·n + j] = Σᵢⱼ), of daily returns. Results go into caller-owned arrays;
// scratch space is passed in, so nothing allocates.

// NaN and Infinity as module constants: V8 keeps a computed double unboxed where it meets one
// of these on a return path, but boxes it (allocates) where it meets the global NaN or Infinity.
const kNaN = NaN;
const kInfinity = Infinity;

/**
 * Inverse-volatility weights: wᵢ = (1/σᵢ) / Σⱼ (1/σⱼ), written to out[0..n).
 * σ in any common unit (daily or annual). Returns false and writes NaN when some σᵢ ≤ 0 or NaN,
 * or n ≤ 0, or an array is shorter than n.
 */
export function inverseVolatilityWeights(sigmas: Float64Array, n: number, out: Float64Array): boolean {
  if (!(n > 0 && sigmas.length >= n && out.length >= n)) return false;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = sigmas[i]!;
    if (!(s > 0 && s < kInfinity)) {
      for (let j = 0; j < n; j++) out[j] = kNaN;
      return false;
    }
    total += 1 / s;
  }
  for (let i = 0; i < n; i++) out[i] = 1 / sigmas[i]! / total;
  return true;
}

/**
 * Risk contributions as fractions of portfolio variance:
 *   RCᵢ = wᵢ·(Σw)ᵢ / (wᵀΣw),  Σᵢ RCᵢ = 1,
 * written to out[0..n). Returns wᵀΣw (the portfolio variance); NaN (and NaN written) when the
 * variance is not positive or an input is invalid.
 */
export function riskContributions(cov: Float64Array, weights: Float64Array, n: number, out: Float64Array): number {
  if (!(n > 0 && cov.length >= n * n && weights.length >= n && out.length >= n)) return kNaN;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += cov[i * n + j]! * weights[j]!;
    out[i] = weights[i]! * row;
    variance += out[i]!;
  }
  if (!(variance > 0 && variance < kInfinity)) {
    for (let i = 0; i < n; i++) out[i] = kNaN;
    return kNaN;
  }
  for (let i = 0; i < n; i++) out[i] = out[i]! / variance;
  return variance;
}

// Defaults of hot functions are module-local constants: V8 boxes a default read from an exported
// binding (allocation per call), not one read from a local const.
const kDefaultTolerance = 1e-10;
const kDefaultMaxSweeps = 10_000;
/** Default convergence tolerance of riskBudgetWeights (largest risk-contribution error). */
export const kRiskParityTolerance = kDefaultTolerance;
/** Default sweep limit of riskBudgetWeights. */
export const kRiskParityMaxSweeps = kDefaultMaxSweeps;

/**
 * Risk-budgeting weights (risk parity when budgets is null): long-only weights w, Σwᵢ = 1, whose
 * risk contributions wᵢ·(Σw)ᵢ/(wᵀΣw) equal the budgets bᵢ (normalised to sum 1; equal 1/n when
 * budgets is null).
 *
 * Method: cyclical coordinate descent (F. Griveau-Billion, J.-C. Richard, T. Roncalli, "A fast
 * algorithm for computing high-dimensional risk parity portfolios", 2013) on the strictly convex
 *   f(x) = ½·xᵀΣx − Σ bᵢ·ln xᵢ,  x > 0,
 * whose minimiser satisfies xᵢ·(Σx)ᵢ = bᵢ (so xᵀΣx = Σbᵢ = 1), and w = x/Σxᵢ. Each coordinate step
 * solves Σᵢᵢ·xᵢ² + cᵢ·xᵢ − bᵢ = 0, cᵢ = (Σx)ᵢ − Σᵢᵢ·xᵢ, for its positive root, written without
 * cancellation as xᵢ = 2bᵢ / (cᵢ + √(cᵢ² + 4·Σᵢᵢ·bᵢ)); (Σx) is updated in O(n) per step and
 * recomputed exactly after every sweep. Start: x ∝ 1/√Σᵢᵢ scaled to xᵀΣx = 1.
 * Stops when maxᵢ |xᵢ·(Σx)ᵢ − bᵢ| < tol, i.e. every risk contribution is within tol of its budget.
 *
 * out[0..n) receives the weights; scratch must hold at least n numbers. Returns the number of
 * sweeps (≥ 1), or −1 with NaN written when the input is invalid (Σᵢᵢ ≤ 0, a budget ≤ 0, NaN,
 * arrays too short) or no convergence within maxSweeps (e.g. Σ not positive definite).
 */
export function riskBudgetWeights(
  cov: Float64Array, n: number, budgets: Float64Array | null, out: Float64Array, scratch: Float64Array,
  tol: number = kDefaultTolerance, maxSweeps: number = kDefaultMaxSweeps,
): number {
  if (!(n > 0 && cov.length >= n * n && out.length >= n && scratch.length >= n && tol > 0 &&
    (budgets === null || budgets.length >= n))) {
    return failWeights(out, n);
  }
  const x = out;
  const sx = scratch; // Σx
  let budgetTotal = 0;
  for (let i = 0; i < n; i++) {
    const d = cov[i * n + i]!;
    const b = budgets === null ? 1 : budgets[i]!;
    if (!(d > 0 && d < kInfinity && b > 0 && b < kInfinity)) return failWeights(out, n);
    budgetTotal += b;
    x[i] = 1 / Math.sqrt(d);
  }
  // scale the start to xᵀΣx = 1
  const q = multiplyInto(cov, x, n, sx);
  if (!(q > 0 && q < kInfinity)) return failWeights(out, n);
  const scale = 1 / Math.sqrt(q);
  for (let i = 0; i < n; i++) {
    x[i] = x[i]! * scale;
    sx[i] = sx[i]! * scale;
  }

  for (let sweep = 1; sweep <= maxSweeps; sweep++) {
    for (let i = 0; i < n; i++) {
      const b = (budgets === null ? 1 : budgets[i]!) / budgetTotal;
      const sii = cov[i * n + i]!;
      const xi = x[i]!;
      const c = sx[i]! - sii * xi;
      const xNew = (2 * b) / (c + Math.sqrt(c * c + 4 * sii * b));
      const delta = xNew - xi;
      if (delta !== 0) {
        x[i] = xNew;
        for (let k = 0; k < n; k++) sx[k] = sx[k]! + cov[k * n + i]! * delta;
      }
    }
    multiplyInto(cov, x, n, sx); // drop the rounding of the incremental updates
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const b = (budgets === null ? 1 : budgets[i]!) / budgetTotal;
      const err = Math.abs(x[i]! * sx[i]! - b);
      if (!(err <= worst)) worst = err; // NaN propagates into worst
    }
    if (worst < tol) {
      let total = 0;
      for (let i = 0; i < n; i++) total += x[i]!;
      for (let i = 0; i < n; i++) out[i] = x[i]! / total;
      return sweep;
    }
    if (Number.isNaN(worst)) break;
  }
  return failWeights(out, n);
}

/**
 * Rebalancing trades in USD: tradeᵢ = (targetᵢ − currentᵢ)·valueUsd (positive = buy), written to
 * out[0..n). Returns the gross turnover Σ|targetᵢ − currentᵢ| (a fraction of the portfolio; the
 * one-way turnover is half of it). NaN when an input is invalid.
 */
export function rebalanceTrades(
  current: Float64Array, target: Float64Array, n: number, valueUsd: number, out: Float64Array,
): number {
  if (!(n > 0 && current.length >= n && target.length >= n && out.length >= n) || Number.isNaN(valueUsd)) return kNaN;
  let turnover = 0;
  for (let i = 0; i < n; i++) {
    const d = target[i]! - current[i]!;
    out[i] = d * valueUsd;
    turnover += Math.abs(d);
  }
  return turnover;
}

// Parameter layout of rebalanceDecision (Float64Array of kRebalParamsLength):
/** Drift band: rebalance only when some |currentᵢ − targetᵢ| exceeds it (weight fraction, e.g. 0.05). */
export const kRebalParamBand = 0;
/** Risk aversion λ of the mean-variance utility E[r] − ½·λ·Var[r] (dimensionless, e.g. 2–6). */
export const kRebalParamRiskAversion = 1;
/** Horizon in days over which the tracking variance would be borne (time to the next review). */
export const kRebalParamHorizonDays = 2;
/** Proportional trading cost, bps of traded notional (fees plus expected slippage). */
export const kRebalParamCostBps = 3;
/** Fixed cost per asset traded, USD (gas, transfer). */
export const kRebalParamFixedCostUsd = 4;
export const kRebalParamsLength = 5;

// Info layout of rebalanceDecision (Float64Array of kRebalInfoLength), for the decision's reason:
/** Largest |currentᵢ − targetᵢ|. */
export const kRebalInfoMaxDrift = 0;
/** Tracking error over the horizon, √(h·dᵀΣd), fraction of value. */
export const kRebalInfoTrackingError = 1;
/** Expected benefit of rebalancing, ½·λ·TE²·V, USD. */
export const kRebalInfoBenefitUsd = 2;
/** Trading cost of rebalancing, USD. */
export const kRebalInfoCostUsd = 3;
/** Gross turnover Σ|dᵢ|. */
export const kRebalInfoTurnover = 4;
export const kRebalInfoLength = 5;

// (a module-private copy for the hot path: an optimized function that reads an exported binding
// holding a non-integer number allocates a heap number per read)
const kRebalMinTradeWeightLocal = 1e-12;
/** Weight differences at or below this count as "no trade" for the fixed cost. */
export const kRebalMinTradeWeight = kRebalMinTradeWeightLocal;

/**
 * Whether to rebalance from current to target weights, and the trades.
 *
 * Rule: rebalance iff  maxᵢ |dᵢ| > band  AND  benefit > cost,  with d = target − current and
 *   TE² = h · dᵀΣd                                   (tracking variance of holding current
 *                                                      instead of target over h days; Σ daily)
 *   benefit = ½ · λ · TE² · V                        (USD)
 *   cost = costBps·1e-4 · Σ|dᵢ| · V + fixedCost · #{i : |dᵢ| > 1e-12}   (USD)
 * Why the benefit is ½·λ·TE²: for mean-variance utility U(w) = μᵀw − ½·λ·wᵀΣw, if the target w* is
 * U's optimum over fully invested portfolios (an interior one: no weight pinned at a bound), then
 * for any drift d with Σdᵢ = 0,
 * U(w*) − U(w* − d) = ½·λ·dᵀΣd exactly (the gradient at w* is parallel to the budget constraint,
 * so the linear term vanishes). So ½·λ·TE² is the certainty-equivalent return, a fraction of V,
 * that removing the drift buys over the horizon; it is compared with the cost of removing it.
 * The band keeps small drifts from being examined at all (and trades from chasing noise in Σ).
 *
 * Inputs: weights current and target (n each), cov (n×n daily), V = valueUsd, params (kRebalParam*).
 * Writes the USD trades (target − current)·V to trades[0..n) when rebalancing, zeros otherwise;
 * writes kRebalInfoLength diagnostics to info. Returns the decision. Invalid input (arrays too
 * short, NaN, negative parameters or value) writes NaN to trades and info and returns false.
 */
export function rebalanceDecision(
  current: Float64Array, target: Float64Array, cov: Float64Array, n: number, valueUsd: number,
  params: Float64Array, trades: Float64Array, info: Float64Array,
): boolean {
  kValueHandOver[0] = valueUsd;
  return decideRebalance(current, target, cov, n, params, trades, info);
}

// Per-thread hand-over of valueUsd to decideRebalance: that function is too large for V8 to inline,
// and V8 boxes (allocates) a computed double passed to a call it does not inline; the small
// wrapper above is inlined and passes the number through this array instead.
const kValueHandOver = new Float64Array(1);

function decideRebalance(
  current: Float64Array, target: Float64Array, cov: Float64Array, n: number, params: Float64Array,
  trades: Float64Array, info: Float64Array,
): boolean {
  const valueUsd = kValueHandOver[0]!;
  const band = params[kRebalParamBand]!;
  const lambda = params[kRebalParamRiskAversion]!;
  const horizon = params[kRebalParamHorizonDays]!;
  const costBps = params[kRebalParamCostBps]!;
  const fixedCost = params[kRebalParamFixedCostUsd]!;
  const ok = n > 0 && params.length >= kRebalParamsLength && current.length >= n && target.length >= n &&
    cov.length >= n * n && trades.length >= n &&
    info.length >= kRebalInfoLength && valueUsd >= 0 && band >= 0 && lambda >= 0 && horizon >= 0 &&
    costBps >= 0 && fixedCost >= 0;
  if (!ok) {
    for (let i = 0; i < n && i < trades.length; i++) trades[i] = kNaN;
    for (let i = 0; i < kRebalInfoLength && i < info.length; i++) info[i] = kNaN;
    return false;
  }
  // d into trades first (as weights), then reuse it for dᵀΣd
  let maxDrift = 0, turnover = 0, traded = 0;
  for (let i = 0; i < n; i++) {
    const d = target[i]! - current[i]!;
    trades[i] = d;
    const a = Math.abs(d);
    if (!(a <= maxDrift)) maxDrift = a; // NaN propagates
    turnover += a;
    if (a > kRebalMinTradeWeightLocal) traded++;
  }
  let quad = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += cov[i * n + j]! * trades[j]!;
    quad += trades[i]! * row;
  }
  if (Number.isNaN(maxDrift) || Number.isNaN(quad) || Number.isNaN(valueUsd)) {
    for (let i = 0; i < n; i++) trades[i] = kNaN;
    for (let i = 0; i < kRebalInfoLength; i++) info[i] = kNaN;
    return false;
  }
  const trackingVariance = horizon * (quad > 0 ? quad : 0);
  const benefit = 0.5 * lambda * trackingVariance * valueUsd;
  const cost = costBps * 1e-4 * turnover * valueUsd + fixedCost * traded;
  info[kRebalInfoMaxDrift] = maxDrift;
  info[kRebalInfoTrackingError] = Math.sqrt(trackingVariance);
  info[kRebalInfoBenefitUsd] = benefit;
  info[kRebalInfoCostUsd] = cost;
  info[kRebalInfoTurnover] = turnover;
  const rebalance = maxDrift > band && benefit > cost;
  for (let i = 0; i < n; i++) trades[i] = rebalance ? trades[i]! * valueUsd : 0;
  return rebalance;
}

/** y = Σx into out[0..n); returns xᵀΣx. */
function multiplyInto(cov: Float64Array, x: Float64Array, n: number, out: Float64Array): number {
  let q = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += cov[i * n + j]! * x[j]!;
    out[i] = row;
    q += x[i]! * row;
  }
  return q;
}

function failWeights(out: Float64Array, n: number): number {
  for (let i = 0; i < n && i < out.length; i++) out[i] = kNaN;
  return -1;
}
