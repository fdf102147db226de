// The retraining job and its result: what travels over the bus between the engine and a trainer.
//
// A job (type agent_retraining, lucent.jobs.direct, key ai.training.agent_retraining) names the
// agent, where its outcomes are (the event store and the revisions of its agent-performance
// stream to train and to validate on: a chronological held-out split), the hyperparameters, the
// targets a fit must meet, and the active parameters it must be compared with. The result (type
// agent_retraining_result) goes back to the engine's inbox (`replyTo`), and says succeeded with the
// fitted parameters and their validation scores, or failed with the reason (targets missed, time
// budget exceeded, too little data). Both are checked on receipt; a bad one is refused with a
// message that names the field.

export const kJobType = 'agent_retraining';
export const kResultType = 'agent_retraining_result';
export const kRollbackType = 'parameter_rollback';

export interface StreamRange { fromRevision: number; toRevision: number }

export interface RetrainingJob {
  jobId: string;
  agent: string;
  strategy: string;
  reason: string;
  /** Event time (µs) of the trigger. */
  requestedTs: number;
  /** Agent id of the engine's inbox, where the result goes. */
  replyTo: string;
  data: { store: string; stream: string; training: StreamRange; validation: StreamRange };
  hyperparameters: {
    method: 'ridge_least_squares';
    ridge: number;
    features: string[];
    seed: number;
    timeBudgetMs: number;
    minSamples: number;
    successTolerancePct: number;
  };
  targets: { minSuccess: number; maxReturnErrorPct: number; maxLatencyMs: number };
  baseline: { version: number; theta: number[] };
  /** The version number the fitted parameters will carry. */
  version: number;
}

export interface ValidationScores {
  samples: number;
  successRate: number;
  meanErrorPct: number;
  baselineSuccessRate: number;
  baselineMeanErrorPct: number;
}

export interface RetrainingResult {
  jobId: string;
  agent: string;
  version: number;
  status: 'succeeded' | 'failed';
  reason: string;
  theta: number[] | null;
  features: string[];
  data: { stream: string; fromRevision: number; toRevision: number };
  training: { samples: number; rmsePct: number } | null;
  validation: ValidationScores | null;
  /** Wall time of the fit and validation, ms, and the mean time to score one action with the fitted model, ms (checked against the latency target; kept out of the audited version: they vary run to run). */
  fitMs: number;
  latencyMs: number;
  trainer: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const nonNegInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function range(v: unknown, key: string): string | null {
  if (!isObj(v) || !nonNegInt(v.fromRevision) || !nonNegInt(v.toRevision) || v.toRevision < v.fromRevision) {
    return `${key} must be {fromRevision, toRevision} with 0 ≤ fromRevision ≤ toRevision`;
  }
  return null;
}

/** The reason a payload is not a plausible retraining job, or null. */
export function jobProblem(j: unknown): string | null {
  if (!isObj(j)) return 'job payload must be an object';
  for (const k of ['jobId', 'agent', 'strategy', 'replyTo'] as const) if (typeof j[k] !== 'string' || j[k] === '') return `job.${k} must be a non-empty string`;
  if (!nonNegInt(j.requestedTs)) return 'job.requestedTs must be event time in µs';
  if (!Number.isSafeInteger(j.version) || (j.version as number) < 1) return 'job.version must be a positive integer';
  const d = j.data;
  if (!isObj(d) || typeof d.store !== 'string' || d.store === '' || typeof d.stream !== 'string') return 'job.data must name the store and the stream';
  const r = range(d.training, 'job.data.training') ?? range(d.validation, 'job.data.validation');
  if (r !== null) return r;
  const h = j.hyperparameters;
  if (!isObj(h)) return 'job.hyperparameters must be an object';
  if (h.method !== 'ridge_least_squares') return `job.hyperparameters.method must be "ridge_least_squares", got ${JSON.stringify(h.method)}`;
  if (!finite(h.ridge) || h.ridge < 0 || h.ridge > 1e6) return 'job.hyperparameters.ridge must be a number in 0..1e6';
  if (!finite(h.timeBudgetMs) || h.timeBudgetMs <= 0 || h.timeBudgetMs > 600_000) return 'job.hyperparameters.timeBudgetMs must be in (0, 600000]';
  if (!nonNegInt(h.minSamples) || h.minSamples < 4) return 'job.hyperparameters.minSamples must be an integer ≥ 4';
  if (!finite(h.successTolerancePct) || h.successTolerancePct < 0) return 'job.hyperparameters.successTolerancePct must be a non-negative number';
  if (!Array.isArray(h.features)) return 'job.hyperparameters.features must be an array of feature names';
  const t = j.targets;
  if (!isObj(t) || !finite(t.minSuccess) || t.minSuccess < 0 || t.minSuccess > 1 || !finite(t.maxReturnErrorPct) || t.maxReturnErrorPct <= 0 ||
    !finite(t.maxLatencyMs) || t.maxLatencyMs <= 0) {
    return 'job.targets must be {minSuccess in 0..1, maxReturnErrorPct > 0, maxLatencyMs > 0}';
  }
  const b = j.baseline;
  if (!isObj(b) || !nonNegInt(b.version) || !Array.isArray(b.theta) || !b.theta.every(finite)) return 'job.baseline must be {version, theta: numbers}';
  return null;
}

/** The reason a payload is not a plausible retraining result, or null. */
export function resultProblem(r: unknown): string | null {
  if (!isObj(r)) return 'result payload must be an object';
  for (const k of ['jobId', 'agent', 'reason', 'trainer'] as const) if (typeof r[k] !== 'string') return `result.${k} must be a string`;
  if (r.status !== 'succeeded' && r.status !== 'failed') return `result.status must be "succeeded" or "failed", got ${JSON.stringify(r.status)}`;
  if (!Number.isSafeInteger(r.version) || (r.version as number) < 1) return 'result.version must be a positive integer';
  if (r.status === 'succeeded') {
    if (!Array.isArray(r.theta) || !r.theta.every(finite)) return 'result.theta must be an array of finite numbers';
    const v = r.validation;
    if (!isObj(v) || !finite(v.meanErrorPct) || !finite(v.successRate)) return 'result.validation must carry meanErrorPct and successRate';
  }
  if (!finite(r.fitMs) || r.fitMs < 0) return 'result.fitMs must be a non-negative number';
  if (!finite(r.latencyMs) || r.latencyMs < 0) return 'result.latencyMs must be a non-negative number';
  return null;
}
