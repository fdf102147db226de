// The learning loop's settings (config.learning in the engine's JSON config; the loop is engine/learning/): every key checked at
// start, with a message that names it. Returns are in percent of an action's size (0.15 = 15 bps).
import { OptionError } from '../protocol/errors.ts';

export interface LearningConfig {
  /** Event time after an executed action at which its outcome is marked, µs. */
  horizonUs: number;
  /** An outcome succeeds when its actual return is at least the expected one less this (percent). */
  successTolerancePct: number;
  /** Outcomes per agent and strategy the tracker looks back over. */
  window: number;
  /** Outcomes a window needs before it may ask for retraining. */
  minOutcomes: number;
  /** Retraining when the success rate falls below this ... */
  minSuccess: number;
  /** ... or the mean |expected − actual| return rises above this (percent). */
  maxErrorPct: number;
  /** Outcomes both versions are scored on before a shadow version is promoted or rejected. */
  shadowWindow: number;
  /** The shadow must beat the active version's mean error by at least this fraction of it. */
  minImprovement: number;
  /** Event time between two jobs for one agent, µs. */
  minJobIntervalUs: number;
  /** Outcomes a job references (the newest ones), split into training and validation. */
  trainingOutcomes: number;
  /** Share of them, the newest, held out for validation. */
  validationFraction: number;
  /** A promoted version expires this long (event time, µs) after its validation; 0 = never. */
  versionMaxAgeUs: number;
  /** Lockstep: how long the engine waits for a job's result before it counts the job failed, ms. */
  resultTimeoutMs: number;
  /** Where fits run: `bus` (trainer processes on RabbitMQ, `npm run trainer`) or `inline` (in the engine, for runs without a broker). */
  trainer: 'bus' | 'inline';
  /** The engine's inbox (agent id on the bus) where results and commands arrive. */
  engineId: string;
  hyperparameters: { ridge: number; seed: number; timeBudgetMs: number; minSamples: number };
  targets: { minSuccess: number; maxReturnErrorPct: number; maxLatencyMs: number };
}

export const kDefaultLearningConfig: LearningConfig = {
  horizonUs: 1_000_000,
  successTolerancePct: 0.1,
  window: 100,
  minOutcomes: 30,
  minSuccess: 0.7,
  maxErrorPct: 0.15,
  shadowWindow: 30,
  minImprovement: 0,
  minJobIntervalUs: 60_000_000,
  trainingOutcomes: 120,
  validationFraction: 0.3,
  versionMaxAgeUs: 0,
  resultTimeoutMs: 30_000,
  trainer: 'bus',
  engineId: 'engine',
  hyperparameters: { ridge: 0.001, seed: 42, timeBudgetMs: 2_000, minSamples: 30 },
  targets: { minSuccess: 0.75, maxReturnErrorPct: 0.1, maxLatencyMs: 100 },
};

export function checkLearningConfig(c: LearningConfig): LearningConfig {
  const k = 'config.learning';
  const num = (v: number, key: string, lo: number, hi: number, loOpen = false): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (loOpen ? v <= lo : v < lo) || v > hi) {
      throw new OptionError(`${k}.${key} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${JSON.stringify(v)}`);
    }
  };
  const int = (v: number, key: string, lo: number, hi: number): void => {
    if (!Number.isSafeInteger(v) || v < lo || v > hi) throw new OptionError(`${k}.${key} must be an integer in ${lo}..${hi}, got ${JSON.stringify(v)}`);
  };
  num(c.horizonUs, 'horizonUs', 0, 86_400e6, true);
  num(c.successTolerancePct, 'successTolerancePct', 0, 100);
  int(c.window, 'window', 4, 100_000);
  int(c.minOutcomes, 'minOutcomes', 1, c.window);
  num(c.minSuccess, 'minSuccess', 0, 1);
  num(c.maxErrorPct, 'maxErrorPct', 0, 100, true);
  int(c.shadowWindow, 'shadowWindow', 1, 100_000);
  num(c.minImprovement, 'minImprovement', 0, 1);
  num(c.minJobIntervalUs, 'minJobIntervalUs', 0, 365 * 86_400e6);
  int(c.trainingOutcomes, 'trainingOutcomes', 8, 100_000);
  num(c.validationFraction, 'validationFraction', 0.05, 0.95);
  num(c.versionMaxAgeUs, 'versionMaxAgeUs', 0, 365 * 86_400e6);
  num(c.resultTimeoutMs, 'resultTimeoutMs', 1, 3_600_000);
  if (c.trainer !== 'bus' && c.trainer !== 'inline') throw new OptionError(`${k}.trainer must be "bus" or "inline", got ${JSON.stringify(c.trainer)}`);
  if (typeof c.engineId !== 'string' || !/^[a-z0-9][a-z0-9_]{0,62}$/.test(c.engineId)) {
    throw new OptionError(`${k}.engineId must be lower-case letters, digits and '_', got ${JSON.stringify(c.engineId)}`);
  }
  num(c.hyperparameters.ridge, 'hyperparameters.ridge', 0, 1e6);
  int(c.hyperparameters.seed, 'hyperparameters.seed', 0, 0xffffffff);
  num(c.hyperparameters.timeBudgetMs, 'hyperparameters.timeBudgetMs', 0, 600_000, true);
  int(c.hyperparameters.minSamples, 'hyperparameters.minSamples', 4, 100_000);
  num(c.targets.minSuccess, 'targets.minSuccess', 0, 1);
  num(c.targets.maxReturnErrorPct, 'targets.maxReturnErrorPct', 0, 100, true);
  num(c.targets.maxLatencyMs, 'targets.maxLatencyMs', 0, 60_000, true);
  const trainN = Math.floor(c.trainingOutcomes * (1 - c.validationFraction));
  if (trainN < c.hyperparameters.minSamples) {
    throw new OptionError(`${k}.trainingOutcomes × (1 − validationFraction) = ${trainN} is below hyperparameters.minSamples (${c.hyperparameters.minSamples}): no job could ever train`);
  }
  return c;
}
