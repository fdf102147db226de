// Options go in, filled options come out. Every field and cross-field rule is checked at start,
// with a message that names the key.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { OptionError } from '../protocol/errors.ts';
import { kWaitNames, type WaitName } from '../protocol/wait_strategy.ts';
import { checkControlConfig, kDefaultControlConfig, type ControlConfig, type OperatorOptions } from './control_config.ts';
import { checkAgentConfig, kAgentNames, kDefaultAgentConfig, type AgentConfig } from '../workers/agents/index.ts';
import { checkLearningConfig, kDefaultLearningConfig, type LearningConfig } from './learning_config.ts';
import { checkPlausibility, kDefaultPlausibility, type PlausibilityConfig } from './plausibility/config.ts';

/** A speed-paced replay waits at most this long (ms) for one event, by default. */
export const kDefaultMaxPauseMs = 10_000;

export const kDefaultFixture = new URL('../fixtures/default.jsonl.gz', import.meta.url).pathname;

export interface TriggerConfig {
  minPriceChangeThreshold: number; // percent change of a mid since the slot last triggered
  minAPYChangeThreshold: number; // percentage points of APY since the pool last triggered
  minLiquidationUsd: number; // a liquidation at least this large triggers
}

export interface LimitsConfig {
  maxPositionUsd: number; // hard cap per action
  maxTotalExposureUsd: number; // sum of open positions
  approvalThresholdUsd: number; // actions above this wait for a person
  maxAgentErrors: number; // errors (or missed cycles) that open an agent's circuit breaker
  maxPortfolioVarUsd: number; // portfolio VaR above which risk-increasing actions are rejected
  minTradeUsd: number; // rebalance trades below this are skipped
  maxYieldPositions: number; // pools held at once
  protocolCooldownUs: number; // after a risk alert on a protocol, no new entries for this long
}

export interface EngineConfig {
  trigger: TriggerConfig;
  limits: LimitsConfig;
  killSwitch: boolean;
  agents: AgentConfig;
  /** Operator controls: rate limits, automatic trips, breakers, fill check, approval (engine/control/). */
  control: ControlConfig;
  /** The learning loop's settings (used with options.learning; engine/learning/config.ts). */
  learning: LearningConfig;
  plausibility: PlausibilityConfig;
}

export interface EngineOptions {
  fixture: string;
  mode: 'lockstep' | 'realtime';
  threads: number; // 0 = agents inline on the main thread
  /** No --threads/--inline/--topology given: the warm-up measures inline against `threads` threads and keeps the faster. */
  autoDispatch: boolean;
  /** Replay a slice of the input through throwaway pipelines before the first tick (engine/warmup.ts). */
  warmup: boolean;
  wait: WaitName;
  topology: string | undefined;
  rate: number; // open-loop events/s (0 = as fast as possible)
  speed: number; // multiple of recorded timing (0 = off)
  decisions: string | null;
  summary: string | null;
  deadLetters: string | null;
  limit: number; // events to load (0 = all)
  universe: string | null; // file replays: a closed universe (a universe file or a fixture); null: learned from the fixture
  maxPauseMs: number; // a speed-paced replay waits at most this long for one event
  cycleTimeoutMs: number;
  progress: boolean;
  agents: string[];
  config: EngineConfig;
  /**
   * Event store, HTTP endpoints, metrics, bus, as given: engine/observe/sink_options.ts checks
   * them when the run starts (before anything is read) and resolves the defaults.
   */
  sinks: SinkOptionsInput;
  /** Operator controls of the running engine (HTTP endpoints and page, tokens, the control stream); null: none. */
  operator: OperatorOptions | null;
  /** The learning loop (outcomes, tracker, retraining jobs, parameter swaps): off by default. */
  learning: boolean;
  /**
   * Event store (path or URL; default $LUCENT_EVENT_STORE, else out/audit/events.log) of the learning
   * loop when the run has none of its own (sinks.eventStore off); with learning on it is also the
   * run's store unless sinks.eventStore names one (the loop shares the run's store).
   */
  eventStore: string | undefined;
  /** RabbitMQ for retraining jobs (default amqp://guest:guest@127.0.0.1:5672) and a name prefix (default none). */
  busUrl: string | undefined;
  busPrefix: string | undefined;
  /** File replay: resume after a crash, keeping the decision log's complete lines (engine/sinks/resume_log.ts). */
  resume?: boolean;
  /** File replay: a state snapshot every this many events (0: none), kept in `snapshotStore` (engine/snapshot/). */
  snapshotEvery?: number;
  /** The event store that keeps the snapshots (a path or URL; default: <decisions>.snapshots.log beside the decision log). */
  snapshotStore?: string | null;
}

/** The sinks' options as given (--event-store, --audit-when-full, --audit-thread, --http, --bus, --bus-prefix). */
export interface SinkOptionsInput {
  eventStore?: string | undefined;
  auditWhenFull?: string | undefined;
  /** The event store and its trail on a thread of their own ("on", the default) or on the main thread ("off"). */
  auditThread?: string | boolean | undefined;
  /** true: the bare flag. */
  http?: string | true | undefined;
  bus?: string | undefined;
  busPrefix?: string | undefined;
  /** How long an approved action may wait on the bus for others to go out with it, ms (bus_options.ts lingerMs). */
  busLingerMs?: number | undefined;
  /** Record metrics into the shared-memory block even without HTTP (benchmarks). Default: with --http. */
  metrics?: boolean | undefined;
}

export const kDefaultConfig: EngineConfig = {
  trigger: { minPriceChangeThreshold: 0.05, minAPYChangeThreshold: 0.25, minLiquidationUsd: 100_000 },
  limits: {
    maxPositionUsd: 1_000_000, maxTotalExposureUsd: 8_000_000, approvalThresholdUsd: 500_000, maxAgentErrors: 5,
    maxPortfolioVarUsd: 1_000_000, minTradeUsd: 1_000, maxYieldPositions: 5, protocolCooldownUs: 600_000_000,
  },
  killSwitch: false,
  agents: kDefaultAgentConfig,
  control: kDefaultControlConfig,
  learning: kDefaultLearningConfig,
  plausibility: kDefaultPlausibility,
};

export function defaultThreads(): number {
  return Math.max(1, Math.min(kAgentNames.length, availableParallelism() - 1));
}

// Keys that would reach an object's prototype when merged or looked up: refused at any depth.
const kForbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);
// No setting is a number this large (a year in µs is 3.2e13, a trillion dollars 1e12); a larger
// one is a typo or an attack, and would overflow the sums and timers it feeds.
const kMaxMagnitude = 1e15;

/**
 * Walks a parsed configuration: no key may be __proto__, constructor or prototype, at any depth
 * (free-form maps included), and every number is finite and at most kMaxMagnitude in size.
 */
export function checkConfigTree(v: unknown, path = 'config'): void {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Math.abs(v) > kMaxMagnitude) throw new OptionError(`${path} must be a finite number no larger than ${kMaxMagnitude} in size, got ${v}`);
    return;
  }
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkConfigTree(x, `${path}[${i}]`));
    return;
  }
  for (const k of Object.keys(v)) {
    if (kForbiddenKeys.has(k)) throw new OptionError(`${path}.${k} is not allowed: "${k}" is never a setting (it would reach the object's prototype)`);
    checkConfigTree((v as Record<string, unknown>)[k], `${path}.${k}`);
  }
}

/** Deep-merges a partial config over the defaults, rejecting unknown keys. */
export function mergeConfig(base: unknown, patch: unknown, path = 'config'): unknown {
  if (patch === undefined) return base;
  if (path === 'config') checkConfigTree(patch);
  if (base !== null && typeof base === 'object' && !Array.isArray(base)) {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new OptionError(`${path} must be an object`);
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const k of Object.keys(patch)) if (kForbiddenKeys.has(k)) throw new OptionError(`${path}.${k} is not allowed`);
    const isMap = path.endsWith('.venues'); // free-form: venue → fee
    for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
      if (!isMap && !Object.hasOwn(out, k)) throw new OptionError(`${path}.${k} is not a known setting (known: ${Object.keys(out).join(', ')})`);
      out[k] = isMap ? v : mergeConfig(out[k], v, `${path}.${k}`);
    }
    return out;
  }
  if (typeof base === 'number' && (typeof patch !== 'number' || Number.isNaN(patch))) throw new OptionError(`${path} must be a number, got ${JSON.stringify(patch)}`);
  if (typeof base === 'boolean' && typeof patch !== 'boolean') throw new OptionError(`${path} must be true or false, got ${JSON.stringify(patch)}`);
  return patch;
}

export function loadConfigFile(path: string): EngineConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, '')); // a byte-order mark is not JSON
  } catch (err) {
    throw new OptionError(`options.config: cannot read ${path}: ${(err as Error).message}`);
  }
  return checkConfig(mergeConfig(kDefaultConfig, raw) as EngineConfig);
}

/** A number in [lo, hi] (an integer when `int`), or an OptionError naming `key` and the range. */
function inRange(v: number, key: string, lo: number, hi: number, int = false, openLo = false): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && (openLo ? v > lo : v >= lo) && v <= hi && (!int || Number.isInteger(v));
  if (!ok) throw new OptionError(`${key} must be ${int ? 'an integer' : 'a number'} in ${openLo ? '(' : '['}${lo}, ${hi}], got ${JSON.stringify(v)}`);
}

const kMaxUsd = 1e12; // a trillion dollars: above any sane limit
const kYearUs = 365 * 86_400 * 1e6;

/** The range of each limit: [lo, hi], integer, lo excluded. */
const kLimitRanges: Record<keyof LimitsConfig, [number, number, boolean, boolean]> = {
  maxPositionUsd: [0, kMaxUsd, false, true],
  maxTotalExposureUsd: [0, kMaxUsd, false, true],
  approvalThresholdUsd: [0, kMaxUsd, false, true],
  maxAgentErrors: [1, 1_000_000, true, false],
  maxPortfolioVarUsd: [0, kMaxUsd, false, true],
  minTradeUsd: [0, kMaxUsd, false, true],
  maxYieldPositions: [1, 1_000, true, false],
  protocolCooldownUs: [0, kYearUs, true, false],
};

function positive(v: number, key: string, allowZero = false): void {
  if (!(Number.isFinite(v) && (allowZero ? v >= 0 : v > 0))) throw new OptionError(`${key} must be a ${allowZero ? 'non-negative' : 'positive'} finite number, got ${v}`);
}

export function checkConfig(c: EngineConfig): EngineConfig {
  checkConfigTree(c);
  inRange(c.trigger.minPriceChangeThreshold, 'config.trigger.minPriceChangeThreshold', 0, 100);
  inRange(c.trigger.minAPYChangeThreshold, 'config.trigger.minAPYChangeThreshold', 0, 10_000);
  inRange(c.trigger.minLiquidationUsd, 'config.trigger.minLiquidationUsd', 0, kMaxUsd);
  for (const [k, v] of Object.entries(c.limits)) {
    const r = kLimitRanges[k as keyof LimitsConfig];
    if (r === undefined) throw new OptionError(`config.limits.${k} is not a known setting`);
    inRange(v, `config.limits.${k}`, r[0], r[1], r[2], r[3]);
  }
  if (c.limits.minTradeUsd > c.limits.maxPositionUsd) throw new OptionError(`config.limits.minTradeUsd (${c.limits.minTradeUsd}) must not exceed config.limits.maxPositionUsd (${c.limits.maxPositionUsd})`);
  const a = c.agents;
  inRange(a.capitalUsd, 'config.agents.capitalUsd', 0, kMaxUsd, false, true);
  const fee = (v: unknown, key: string): void => {
    if (typeof v !== 'number' || !(v >= 0 && v < 0.1)) throw new OptionError(`${key} must be a fee fraction in [0, 0.1), got ${JSON.stringify(v)}`);
  };
  fee(a.fees.defaultTaker, 'config.agents.fees.defaultTaker');
  for (const [venue, v] of Object.entries(a.fees.venues)) fee(v, `config.agents.fees.venues.${venue}`);
  positive(a.arbitrage.maxQuoteAgeUs, 'config.agents.arbitrage.maxQuoteAgeUs');
  inRange(a.arbitrage.maxQuoteAgeUs, 'config.agents.arbitrage.maxQuoteAgeUs', 0, kYearUs, false, true);
  positive(a.arbitrage.redecideStepPct, 'config.agents.arbitrage.redecideStepPct');
  positive(a.arbitrage.quoteAgeIntervals, 'config.agents.arbitrage.quoteAgeIntervals', true);
  if (typeof a.arbitrage.maxQuoteAgeUsByVenue !== 'object' || a.arbitrage.maxQuoteAgeUsByVenue === null) {
    throw new OptionError(`config.agents.arbitrage.maxQuoteAgeUsByVenue must be an object of venue → µs, got ${JSON.stringify(a.arbitrage.maxQuoteAgeUsByVenue)}`);
  }
  for (const [venue, v] of Object.entries(a.arbitrage.maxQuoteAgeUsByVenue)) positive(v, `config.agents.arbitrage.maxQuoteAgeUsByVenue.${venue}`);
  positive(a.arbitrage.impactBpsPerTopSize, 'config.agents.arbitrage.impactBpsPerTopSize', true);
  positive(a.arbitrage.fixedCostUsd, 'config.agents.arbitrage.fixedCostUsd', true);
  if (!(a.risk.confidence > 0.5 && a.risk.confidence < 1)) throw new OptionError(`config.agents.risk.confidence must be in (0.5, 1), got ${a.risk.confidence}`);
  if (!(a.risk.ewmaLambda > 0 && a.risk.ewmaLambda < 1)) throw new OptionError(`config.agents.risk.ewmaLambda must be in (0, 1), got ${a.risk.ewmaLambda}`);
  if (!(Number.isInteger(a.yield.topK) && a.yield.topK >= 1 && a.yield.topK <= 64)) throw new OptionError(`config.agents.yield.topK must be an integer in 1..64, got ${a.yield.topK}`);
  if (!(a.yield.rewardHaircut >= 0 && a.yield.rewardHaircut <= 1)) throw new OptionError(`config.agents.yield.rewardHaircut must be a fraction in [0, 1], got ${a.yield.rewardHaircut}`);
  if (!(a.yield.quarantineFactor > 1 && Number.isFinite(a.yield.quarantineFactor))) throw new OptionError(`config.agents.yield.quarantineFactor must be a finite number above 1, got ${a.yield.quarantineFactor}`);
  positive(a.yield.quarantineWindowUs, 'config.agents.yield.quarantineWindowUs', true);
  if (c.limits.approvalThresholdUsd > c.limits.maxPositionUsd * 1e6) throw new OptionError('config.limits.approvalThresholdUsd is unreasonably large');
  checkAgentConfig(c.agents);
  checkControlConfig(c.control);
  checkLearningConfig(c.learning);
  checkPlausibility(c.plausibility);
  return c;
}

export interface OptionsInput {
  fixture?: string | undefined;
  mode?: string | undefined;
  threads?: number | undefined;
  warmup?: boolean | undefined;
  wait?: string | undefined;
  topology?: string | undefined;
  rate?: number | undefined;
  speed?: number | undefined;
  config?: EngineConfig | string | undefined;
  decisions?: string | null | undefined;
  summary?: string | null | undefined;
  deadLetters?: string | null | undefined;
  limit?: number | undefined;
  universe?: string | null | undefined;
  maxPauseMs?: number | undefined;
  cycleTimeoutMs?: number | undefined;
  progress?: boolean | undefined;
  agents?: string[] | undefined;
  sinks?: SinkOptionsInput | undefined;
  operator?: OperatorOptions | null | undefined;
  learning?: boolean | undefined;
  eventStore?: string | undefined;
  busUrl?: string | undefined;
  busPrefix?: string | undefined;
  resume?: boolean | undefined;
  snapshotEvery?: number | undefined;
  snapshotStore?: string | undefined;
}

export function resolveOptions(i: OptionsInput): EngineOptions {
  const mode = i.mode ?? 'lockstep';
  if (mode !== 'lockstep' && mode !== 'realtime') throw new OptionError(`options.mode must be "lockstep" or "realtime", got ${JSON.stringify(mode)}`);
  const wait = (i.wait ?? 'adaptive') as WaitName;
  if (!kWaitNames.includes(wait)) throw new OptionError(`options.wait must be one of ${kWaitNames.join(', ')}, got ${JSON.stringify(i.wait)}`);
  const threads = i.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 0 || threads > 64) throw new OptionError(`options.threads must be an integer in 0..64 (0 = inline), got ${i.threads}`);
  const rate = i.rate ?? 0;
  if (!(Number.isFinite(rate) && rate >= 0)) throw new OptionError(`options.rate must be a non-negative number of events/s, got ${i.rate}`);
  const speed = i.speed ?? 0;
  if (!(Number.isFinite(speed) && speed >= 0)) throw new OptionError(`options.speed must be a non-negative multiple of recorded timing, got ${i.speed}`);
  if (rate > 0 && speed > 0) throw new OptionError('options.rate and options.speed cannot both be set: choose a fixed rate or a multiple of the recorded timing');
  const limit = i.limit ?? 0;
  if (!Number.isInteger(limit) || limit < 0) throw new OptionError(`options.limit must be a non-negative integer, got ${i.limit}`);
  const cycleTimeoutMs = i.cycleTimeoutMs ?? 10_000;
  inRange(cycleTimeoutMs, 'options.cycleTimeoutMs', 0, 3_600_000, false, true); // timers take at most 2^31 ms
  const maxPauseMs = i.maxPauseMs ?? kDefaultMaxPauseMs;
  inRange(maxPauseMs, 'options.maxPauseMs', 0, 3_600_000, false, true);
  if (i.maxPauseMs !== undefined && speed === 0) throw new OptionError('options.maxPauseMs applies to a replay paced by options.speed only');
  const agents = i.agents ?? [...kAgentNames];
  for (const a of agents) if (!kAgentNames.includes(a)) throw new OptionError(`options.agents names unknown agent "${a}" (agents: ${kAgentNames.join(', ')})`);
  if (agents.length === 0) throw new OptionError('options.agents must name at least one agent');
  const config = typeof i.config === 'string' ? loadConfigFile(i.config) : checkConfig(i.config ?? kDefaultConfig);
  const decisions = i.decisions === undefined ? 'out/decisions.jsonl' : i.decisions;
  const sinks = { ...i.sinks };
  if (i.learning === true && (i.eventStore === 'off' || i.eventStore === 'none')) {
    throw new OptionError(`options.learning needs an event store (outcomes, retraining jobs and parameter versions are kept there): options.eventStore "${i.eventStore}" cannot be used with it`);
  }
  // the learning loop shares the run's store: the store it is told of is the run's, unless the sinks name one
  if (i.learning === true && sinks.eventStore === undefined && i.eventStore !== undefined) sinks.eventStore = i.eventStore;
  const resume = i.resume ?? false;
  if (resume && mode !== 'lockstep') throw new OptionError('options.resume needs mode "lockstep": a realtime run\'s decisions depend on timing and cannot be replayed to the same log');
  if (resume && i.decisions === null) throw new OptionError('options.resume needs a decision log (options.decisions) to resume');
  const snapshotEvery = i.snapshotEvery ?? 0;
  if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 0) throw new OptionError(`options.snapshotEvery must be a non-negative integer number of events, got ${i.snapshotEvery}`);
  if (snapshotEvery > 0 && mode !== 'lockstep') throw new OptionError('options.snapshotEvery needs mode "lockstep": a snapshot is taken between two events with every cycle decided');
  if (snapshotEvery > 0 && i.learning) throw new OptionError('options.snapshotEvery cannot be used with options.learning: the learning loop\'s state (outcomes, tracker, jobs) is not in a snapshot');
  const snapshotStore = i.snapshotStore ?? (decisions === null ? null : `${decisions}.snapshots.log`);
  if (snapshotEvery > 0 && snapshotStore === null) throw new OptionError('options.snapshotEvery needs options.snapshotStore (where snapshots are kept) when there is no decision log');
  return {
    fixture: i.fixture ?? kDefaultFixture,
    mode,
    threads,
    autoDispatch: i.threads === undefined && (i.topology === undefined || i.topology.trim() === ''),
    warmup: i.warmup ?? true,
    wait,
    topology: i.topology,
    rate,
    speed,
    decisions,
    summary: i.summary === undefined ? 'out/summary.json' : i.summary,
    deadLetters: i.deadLetters === undefined ? 'out/dead-letters.jsonl' : i.deadLetters,
    limit,
    universe: i.universe ?? null,
    maxPauseMs,
    cycleTimeoutMs,
    progress: i.progress ?? true,
    agents,
    config,
    sinks,
    operator: i.operator ?? null,
    learning: i.learning ?? false,
    eventStore: i.eventStore,
    busUrl: i.busUrl,
    busPrefix: i.busPrefix,
    resume,
    snapshotEvery,
    snapshotStore,
  };
}
