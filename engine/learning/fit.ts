// The trainer's method: ridge least squares of the realised return on the expected-return model's
// features (workers/learning/expected_return.ts), shrunk towards the active parameters,
//
//   θ = (XᵀX + λI)⁻¹ (Xᵀy + λ·θ_active)
//
// solved with mathjs (LU), then validated on the held-out revisions (a later stretch of the
// stream: a chronological split, so the validation is on outcomes the fit never saw) against the
// job's targets: success rate, mean |expected − actual| and the time to score one action. The
// baseline (the active parameters) is scored on the same held-out outcomes. Nothing here is random
// (the job's seed is carried for methods that are), so a job gives the same fit byte for byte.
import { add, identity, lusolve, matrix, multiply, transpose, type Matrix } from 'mathjs';
import { kFeatureCount, kFeatureNames, predictReturnPct } from '../../workers/agents/index.ts';
import type { RetrainingJob, RetrainingResult, ValidationScores } from './jobs.ts';

export interface Sample {
  features: number[];
  actualReturnPct: number;
}

/** Ridge least squares towards `prior`. */
export function fitRidge(samples: readonly Sample[], ridge: number, prior: readonly number[]): number[] {
  const X = matrix(samples.map((s) => s.features.slice(0, kFeatureCount)));
  const y = matrix(samples.map((s) => [s.actualReturnPct]));
  const Xt = transpose(X);
  const A = add(multiply(Xt, X), multiply(identity(kFeatureCount), ridge)) as Matrix;
  const b = add(multiply(Xt, y), multiply(matrix(prior.map((p) => [p])), ridge)) as Matrix;
  const theta = (lusolve(A, b) as Matrix).toArray() as number[][];
  return theta.map((r) => r[0]!);
}

/** Success rate and mean |expected − actual| of `theta` on `samples`. */
export function scoreTheta(theta: readonly number[], samples: readonly Sample[], tolerancePct: number): { successRate: number; meanErrorPct: number; rmsePct: number } {
  const t = Float64Array.from(theta);
  const f = new Float64Array(kFeatureCount);
  let ok = 0, err = 0, sq = 0;
  for (const s of samples) {
    for (let k = 0; k < kFeatureCount; k++) f[k] = s.features[k]!;
    const e = predictReturnPct(t, f);
    if (s.actualReturnPct >= e - tolerancePct) ok++;
    err += Math.abs(e - s.actualReturnPct);
    sq += (e - s.actualReturnPct) ** 2;
  }
  const n = samples.length;
  return { successRate: ok / n, meanErrorPct: err / n, rmsePct: Math.sqrt(sq / n) };
}

/** Where latencyMs() leaves its sum, so the scoring loop it times is not optimised away. */
export let latencySink = 0;

/** Mean ms to score one action with `theta` (the model's latency on the decision path). */
function latencyMs(theta: readonly number[], samples: readonly Sample[]): number {
  const t = Float64Array.from(theta);
  const f = new Float64Array(kFeatureCount);
  let sum = 0;
  const t0 = performance.now();
  for (const s of samples) {
    for (let k = 0; k < kFeatureCount; k++) f[k] = s.features[k]!;
    sum += predictReturnPct(t, f);
  }
  latencySink = sum;
  return (performance.now() - t0) / Math.max(1, samples.length);
}

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const r9 = (x: number): number => Number(x.toPrecision(9));

/** Runs one job over its training and validation samples: fit, validate, decide. */
export function runFit(job: RetrainingJob, train: readonly Sample[], valid: readonly Sample[], trainer: string): RetrainingResult {
  const t0 = performance.now();
  const h = job.hyperparameters;
  const base = {
    jobId: job.jobId, agent: job.agent, version: job.version, features: [...kFeatureNames],
    data: { stream: job.data.stream, fromRevision: job.data.training.fromRevision, toRevision: job.data.validation.toRevision }, trainer,
  };
  const failed = (reason: string, extra: Partial<RetrainingResult> = {}): RetrainingResult => ({
    ...base, status: 'failed', reason, theta: null, training: null, validation: null, fitMs: performance.now() - t0, latencyMs: 0, ...extra,
  });
  if (train.length < h.minSamples || valid.length < Math.max(4, Math.floor(h.minSamples / 3))) {
    return failed(`too few outcomes: ${train.length} to train, ${valid.length} to validate (need ${h.minSamples} and ${Math.max(4, Math.floor(h.minSamples / 3))})`);
  }
  const theta = fitRidge(train, h.ridge, job.baseline.theta).map(r9);
  if (!theta.every(Number.isFinite)) return failed('the fit did not converge (singular design)');
  const fitted = scoreTheta(theta, train, h.successTolerancePct);
  const v = scoreTheta(theta, valid, h.successTolerancePct);
  const b = scoreTheta(job.baseline.theta, valid, h.successTolerancePct);
  const validation: ValidationScores = {
    samples: valid.length, successRate: r6(v.successRate), meanErrorPct: r6(v.meanErrorPct),
    baselineSuccessRate: r6(b.successRate), baselineMeanErrorPct: r6(b.meanErrorPct),
  };
  const lat = latencyMs(theta, valid);
  const fitMs = performance.now() - t0;
  const training = { samples: train.length, rmsePct: r6(fitted.rmsePct) };
  const extra = { theta, training, validation, latencyMs: lat };
  if (fitMs > h.timeBudgetMs) return failed(`fit took ${fitMs.toFixed(1)} ms, past its time budget of ${h.timeBudgetMs} ms`, extra);
  const t = job.targets;
  const misses: string[] = [];
  if (v.successRate < t.minSuccess) misses.push(`success ${validation.successRate} < ${t.minSuccess}`);
  if (v.meanErrorPct > t.maxReturnErrorPct) misses.push(`return error ${validation.meanErrorPct} > ${t.maxReturnErrorPct}`);
  if (lat > t.maxLatencyMs) misses.push(`latency ${lat.toFixed(3)} ms > ${t.maxLatencyMs} ms`);
  if (misses.length > 0) return failed(`validation missed the targets: ${misses.join(', ')}`, extra);
  return { ...base, status: 'succeeded', reason: 'validated against the targets', ...extra, fitMs };
}
