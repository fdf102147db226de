// The engine's processing core for one universe, wired in one place:
//
//   state (shared memory, one writer) → trigger → dispatch (agents: threads or inline)
//     → consolidate (fusions propose) → validate → execute (paper fills, calldata) → record (sink)
//
// Sources drive it through the per-event step (engine/step/); the file engine builds one, the
// Kafka engine one per lane, the benchmarks and the test harnesses theirs, all with buildPipeline.
import type { EngineOptions } from './options.ts';
import type { InstrumentRegistry, RegistrySnapshot } from '../protocol/registry.ts';
import type { MarketArrays, MarketStateBuffers } from '../protocol/market_state.ts';
import type { MarketView } from '../protocol/market_view.ts';
import { ResultReader } from '../protocol/result_reader.ts';
import { allocateResultRegion, type ResultRegionBuffers } from '../protocol/result_region.ts';
import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import { waitStrategy } from '../protocol/wait_strategy.ts';
import type { MarketWriter } from './state/market_writer.ts';
import { stateForUniverse } from './state/state_for_universe.ts';
import { Trigger } from './trigger.ts';
import { ArbWake } from './arb_wake.ts';
import { createDispatcher, type DispatchMetrics, type Dispatcher, type DispatcherOptions } from './dispatch/dispatcher.ts';
import { planShares, type Shares } from './dispatch/topology.ts';
import { Consolidator } from './consolidate/consolidator.ts';
import type { FusionContext } from './consolidate/fusion.ts';
import { RiskTable } from './consolidate/risk_table.ts';
import { ConsolidationStats } from './consolidate/stats.ts';
import { RiskView } from './validate/risk_view.ts';
import { ControlPlane } from './control/control_plane.ts';
import { Validator } from './validate/validator.ts';
import { PaperExecutor } from './execute/paper_executor.ts';
import { TransactionEncoder } from './execute/transaction_encoder.ts';
import { DecisionRecorder } from './sinks/decision_recorder.ts';
import type { ClosingFill, Decision, DecisionSink, Proposal, Verdict } from './types.ts';
import { usdText } from './usd_text.ts';
import { agentSpec } from '../workers/agents/index.ts';
import { PlausibilityGate } from './plausibility/gate.ts';

export interface Pipeline {
  capacity: number;
  snapshot: RegistrySnapshot;
  buffers: MarketStateBuffers;
  arrays: MarketArrays;
  writer: MarketWriter;
  view: MarketView;
  regions: Map<string, ResultRegionBuffers>;
  readers: ResultReader[];
  stats: ConsolidationStats;
  validator: Validator;
  executor: PaperExecutor;
  /** Trading states per scope, breakers, rate limits, trips (engine/control/). */
  control: ControlPlane;
  /** What every fusion is handed (the test harnesses build single fusions over it). */
  fusionContext: FusionContext;
  consolidator: Consolidator;
  topology: string[][];
  /** Agents the main thread runs itself in each cycle beside the threads (empty when inline or none). */
  mainShare: string[];
  /** Not started: start() starts the agents (threads or inline). */
  dispatcher: Dispatcher;
  trigger: Trigger;
  /** The plausibility checks every event passes before the state, and the pre-trade checks' market view. */
  gate: PlausibilityGate;
  /** Numbers and writes each decision. */
  recorder: DecisionRecorder;
}

/** What a pipeline is built from: the engine's options that concern it. */
export type PipelineOptions = Pick<EngineOptions, 'agents' | 'config' | 'threads' | 'topology' | 'wait' | 'cycleTimeoutMs'> & {
  /** The placement decided beforehand (engine/warmup.ts, from measured costs); wins over threads/topology. */
  shares?: Shares | undefined;
  /** Start the agent threads on this pool's warm workers (engine/warmup.ts keeps the warm-up's pool). */
  pool?: Piscina | undefined;
};

export interface PipelineHooks {
  crashAt?: DispatcherOptions['crashAt'];
  onThreadError?: (thread: number, err: Error) => void;
  /** Changed-slot ring size (default: the layout's). */
  ringSize?: number;
  /** Sees each recorded proposal with its decision. */
  onRecord?: (p: Proposal, d: Decision) => void;
  /** Agent threads record their evaluation times into the metrics block (engine/observe/). */
  metrics?: DispatchMetrics | undefined;
  /** The operator controls to use (default: a control plane of its own from config.control, logging in memory). */
  control?: ControlPlane | undefined;
  /** The learning loop's view of execution: before() and executed() around every fill (engine/learning/). */
  learning?: ExecutionWatch | undefined;
}

/** Sees each fill: before() just before the executor fills a proposal, executed() once its verdict is set. */
export interface ExecutionWatch {
  before(p: Proposal): void;
  executed(p: Proposal): void;
}

/** Builds the pipeline over a frozen registry. Its agents start with dispatcher.start(); stop them with dispatcher.stop(). */
export function buildPipeline(o: PipelineOptions, registry: InstrumentRegistry, sink: DecisionSink, hooks: PipelineHooks = {}): Pipeline {
  // State: shared memory sized once from the universe, its single writer, a reader's view.
  const { capacity, buffers, arrays, writer, view, snapshot } = stateForUniverse(registry, hooks.ringSize);
  // The arbitrage detector's legs wake it at any change that completes a paying route (arb_wake.ts).
  const wake = o.agents.includes('arbitrage_detector') ? new ArbWake(arrays, snapshot, o.config.agents) : null;
  const trigger = new Trigger(capacity, o.config.trigger, wake);
  // Such a wake runs only the arbitrage detector and consolidates only its fusion; the others keep their thresholds.
  const wakeAgents = wake ? ['arbitrage_detector'] : [];
  const gate = new PlausibilityGate(o.config.plausibility, o.config.agents.yield, snapshot);

  // Agents' result regions, and consolidation's readers of them.
  const regions = new Map<string, ResultRegionBuffers>();
  for (const name of o.agents) {
    const spec = agentSpec(name);
    regions.set(name, allocateResultRegion({ maxRecords: spec.maxRecords, tableWidth: spec.tableWidth, capacity }));
  }
  const readers = [...regions].map(([name, r]) => new ResultReader(name, r));
  const byName = new Map(readers.map((r) => [r.name, r]));

  // Validate, execute, record: what happens to every action a fusion proposes.
  const stats = new ConsolidationStats();
  const riskView = new RiskView();
  const validator = new Validator(o.config.limits, o.config.killSwitch, riskView, gate);
  const executor = new PaperExecutor(arrays, view, snapshot, o.config.agents);
  const control = hooks.control ?? new ControlPlane(o.config.control, { capitalUsd: o.config.agents.capitalUsd, capacity, maxAgentErrors: o.config.limits.maxAgentErrors });
  const execution = byName.get('execution_optimizer');
  const txs = execution ? new TransactionEncoder({ registry: snapshot, view, execution, config: o.config.agents }) : null;
  const recorder = new DecisionRecorder(sink, stats, txs, hooks.onRecord);

  // Consolidation: the fusions, handed the next stages.
  const fusionContext: FusionContext = {
    registry: snapshot, view, readers: byName, config: o.config, portfolio: executor,
    risk: new RiskTable(byName.get('risk_assessor'), capacity, o.config.limits), riskView, stats,
    breakers: control.breakers, control,
    decide: decisionChain(validator, executor, recorder, hooks.learning, control),
  };
  const consolidator = new Consolidator(fusionContext, wakeAgents);

  // Dispatch: the agents on threads (or inline), handed the state once.
  const shares = o.shares ?? planShares(o.agents, o.threads, o.topology);
  const topology = shares.threads;
  const mainShare = topology.length === 0 ? [] : shares.main;
  const spinAllowed = availableParallelism() > topology.length; // a core for each thread and the main thread
  const dispatcher = createDispatcher({
    state: buffers, arrays, registry: snapshot, config: o.config.agents, regions, topology, mainAgents: mainShare,
    wait: waitStrategy(o.wait, spinAllowed), spinAllowed, pool: o.pool,
    cycleTimeoutMs: o.cycleTimeoutMs, crashAt: hooks.crashAt, metrics: hooks.metrics, wakeAgents,
    onThreadError: hooks.onThreadError ?? ((t, err) => process.stderr.write(`agent thread ${t} failed: ${err.message}\n`)),
  });
  return {
    capacity, snapshot, buffers, arrays, writer, view, regions, readers, stats, validator, executor, control, fusionContext, consolidator,
    topology, mainShare, dispatcher, trigger, gate, recorder,
  };
}

/**
 * The stages after consolidation, for each proposed action: validate (the fusion's ruling, or the
 * validator), execute (the paper executor fills the order of an action that may go ahead: an
 * approved one, or an exit that was not rejected), then record it (unless it is a rejection the
 * fusion asked to keep quiet). With a control plane, validation passes its gate (scopes' trading
 * states, breakers, rate limits; failing closed), each fill its post-execution check and P&L
 * trips, and an action held for approval joins its queue. The proposal comes back with its
 * reported verdict and its fill.
 */
export function decisionChain(
  validator: Validator, executor: PaperExecutor, recorder: DecisionRecorder, watch?: ExecutionWatch, control: ControlPlane | null = null,
): (p: Proposal) => void {
  return (p: Proposal): void => {
    const verdict = control === null ? validator.review(p) : control.review(p, validator);
    const goes = p.exit ? verdict.status !== 'rejected' : verdict.status === 'approved';
    if (goes && p.order !== null) watch?.before(p);
    const pnl0 = executor.realizedPnlUsd;
    p.fill = goes && p.order !== null ? executor.carryOut(p.order) : null;
    validator.settle(p);
    p.verdict = goes ? carriedOut(p, verdict) : verdict;
    if (p.fill !== null) watch?.executed(p); // its outcome is marked after the horizon (engine/learning/outcomes.ts)
    if (control !== null) {
      if (p.fill !== null) control.filled(p, p.fill, executor.realizedPnlUsd - pnl0);
      if (p.verdict.status === 'pending_approval') control.held(p);
    }
    if (p.verdict.status === 'rejected' && p.quietIfRejected) return;
    recorder.record(p);
    control?.noteDecision(p.verdict.status);
  };
}

/** How an action that went ahead is reported: approved, with the fusion's reason (and a realized round trip). */
function carriedOut(p: Proposal, verdict: Verdict): Verdict {
  const reason = p.approvedReason ?? verdict.reason;
  if (!p.realizesPnl) return { status: 'approved', reason };
  const pnl = p.fill === null ? 0 : (p.fill as ClosingFill).pnlUsd;
  p.expectedProfitUsd = pnl;
  return { status: 'approved', reason: `${reason}; round trip ${usdText(pnl)} after fees in and out` };
}
