// An agent's expected-return model as the learning loop calibrates it: a linear model over a few
// features of an executed action, all in percent of the action's size,
//
//   expected return = θ · f,   f = [1, the agent's own stated return, the half spread paid at the fill]
//
// The starting parameters θ = [0, 1, 0] are the agent's own model unchanged (its stated return).
// A fit (the trainer) replaces θ with one that explains the realised returns; the engine scores
// every executed action with the active version and, while a new version is on trial, with the
// shadow version too. Pure functions over typed arrays: no allocation per call.

/** Feature names, in order (the trainer's design matrix has these columns). */
export const kFeatureNames: readonly string[] = ['intercept', 'stated_return_pct', 'half_spread_pct'];
export const kFeatureCount = 3;
export const kFIntercept = 0;
export const kFStated = 1;
export const kFHalfSpread = 2;

/** The agent's own model: its stated return, unchanged. */
export function initialTheta(): Float64Array {
  return Float64Array.of(0, 1, 0);
}

/** θ · f over the first kFeatureCount entries of `f` at `at`. */
export function predictReturnPct(theta: Float64Array, f: Float64Array, at = 0): number {
  let s = 0;
  for (let k = 0; k < kFeatureCount; k++) s += theta[k]! * f[at + k]!;
  return s;
}

/** Plausibility of a parameter vector: kFeatureCount finite numbers of a sane size. The problem, or null. */
export function thetaProblem(theta: unknown): string | null {
  if (!Array.isArray(theta) && !(theta instanceof Float64Array)) return `theta must be an array of ${kFeatureCount} numbers`;
  if (theta.length !== kFeatureCount) return `theta must have ${kFeatureCount} entries (${kFeatureNames.join(', ')}), got ${theta.length}`;
  for (let k = 0; k < kFeatureCount; k++) {
    const v = theta[k] as unknown;
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 1e4) return `theta[${k}] (${kFeatureNames[k]}) must be a finite number within ±1e4, got ${String(v)}`;
  }
  return null;
}
