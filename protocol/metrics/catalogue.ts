// The engine's metrics: names, help, labels and buckets, in one place. The first three are the
// architecture record's, with its names; the rest are the engine's own, prefixed `lucent_`.
//
//   agent_decision_duration_seconds  histogram  agent_id, agent_type            one agent's evaluation in a cycle
//   agent_decision_accuracy_ratio    gauge      agent_id, agent_type            share of the agent's decided outcomes that met expectation
//   agent_profit_generated_total     counter    agent_id, agent_type, strategy  realised profit in USD (gains only)
//   agent_loss_generated_total       counter    agent_id, agent_type, strategy  realised loss in USD (a positive amount), so net = profit - loss
//   lucent_stage_duration_seconds    histogram  stage (ingest, agents, consolidate, total)
//   lucent_events_ingested_total     counter    type (event type; rate() of it is the ingest rate)
//   lucent_dead_letters_total        counter    reason (a fixed list of reason codes; "other" for the rest)
//   lucent_queue_depth               gauge      queue
//   lucent_ring_depth                gauge      ring (entries a reader is behind the writer)
//   lucent_thread_busy_seconds_total counter    thread (time a thread spent working, not waiting)
//   lucent_sink_backlog              gauge      sink (messages accepted, not yet acknowledged)
//   lucent_sink_overflow_total       counter    sink (messages refused by a full buffer)
//   lucent_agent_status              gauge      agent_id, agent_type, status    1 for the agent's learning status (ACTIVE, RETRAINING, SHADOW), 0 for the others
//
// agent_id names an agent instance, agent_type its kind (in this engine one instance per kind,
// so both carry the agent's name unless a deployment runs several). Label values are fixed at
// start (the schema), so cardinality is bounded and every series exists from the first scrape.
import { OptionError } from '../errors.ts';
import type { BlockSpec, FamilySpec } from './block_layout.ts';
import { kLatencyBuckets } from './buckets.ts';

export const kMetricDecisionDuration = 'agent_decision_duration_seconds';
export const kMetricDecisionAccuracy = 'agent_decision_accuracy_ratio';
export const kMetricProfit = 'agent_profit_generated_total';
export const kMetricLoss = 'agent_loss_generated_total';
export const kMetricStageDuration = 'lucent_stage_duration_seconds';
export const kMetricEventsIngested = 'lucent_events_ingested_total';
export const kMetricDeadLetters = 'lucent_dead_letters_total';
export const kMetricQueueDepth = 'lucent_queue_depth';
export const kMetricRingDepth = 'lucent_ring_depth';
export const kMetricThreadBusy = 'lucent_thread_busy_seconds_total';
export const kMetricSinkBacklog = 'lucent_sink_backlog';
export const kMetricSinkOverflow = 'lucent_sink_overflow_total';
export const kMetricAgentStatus = 'lucent_agent_status';
/** The learning loop's agent statuses, in the order EngineMetrics.status() takes. */
export const kAgentStatusNames: readonly string[] = ['ACTIVE', 'RETRAINING', 'SHADOW'];

export const kStageIngest = 0;
export const kStageAgents = 1;
export const kStageConsolidate = 2;
export const kStageTotal = 3;
export const kStageNames: readonly string[] = ['ingest', 'agents', 'consolidate', 'total'];

export const kOtherReason = 'other';

export interface AgentSeries {
  readonly id: string;
  readonly type: string;
  /** Values of the `strategy` label for this agent's profit and loss (e.g. cross_exchange, triangular). */
  readonly strategies: readonly string[];
}

/** Plain data, fixed at start; every thread builds the same block layout from it. */
export interface EngineMetricsSchema {
  /** The threads that record, in region order: threads[0] is the main thread. */
  readonly threads: readonly string[];
  readonly agents: readonly AgentSeries[];
  readonly eventTypes: readonly string[];
  /** Dead-letter reason codes; "other" is added when missing. */
  readonly deadLetterReasons: readonly string[];
  readonly queues: readonly string[];
  readonly rings: readonly string[];
  readonly sinks: readonly string[];
  /** Default: 1 µs .. 1 s log-spaced (kLatencyBuckets). */
  readonly decisionBuckets?: readonly number[];
  readonly stageBuckets?: readonly number[];
}

/** The block layout's input for an engine schema. */
export function engineBlockSpec(schema: EngineMetricsSchema): BlockSpec {
  checkSchema(schema);
  const agents = schema.agents.map((a) => [a.id, a.type]);
  const strategies = schema.agents.flatMap((a) => a.strategies.map((s) => [a.id, a.type, s]));
  const one = (values: readonly string[]): string[][] => values.map((v) => [v]);
  const decisionBuckets = schema.decisionBuckets ?? kLatencyBuckets;
  const stageBuckets = schema.stageBuckets ?? kLatencyBuckets;
  const families: FamilySpec[] = [
    { name: kMetricDecisionDuration, kind: 'histogram', help: 'Time an agent took to evaluate one cycle, in seconds', labelNames: ['agent_id', 'agent_type'], series: agents, buckets: decisionBuckets },
    { name: kMetricDecisionAccuracy, kind: 'gauge', help: "Share (0..1) of an agent's decided outcomes that met their expectation", labelNames: ['agent_id', 'agent_type'], series: agents },
    { name: kMetricProfit, kind: 'counter', help: 'Realised profit attributed to an agent, USD (gains only; losses in agent_loss_generated_total)', labelNames: ['agent_id', 'agent_type', 'strategy'], series: strategies },
    { name: kMetricLoss, kind: 'counter', help: 'Realised loss attributed to an agent, USD as a positive amount', labelNames: ['agent_id', 'agent_type', 'strategy'], series: strategies },
    { name: kMetricStageDuration, kind: 'histogram', help: 'Time per pipeline stage for one triggering tick, in seconds', labelNames: ['stage'], series: one(kStageNames), buckets: stageBuckets },
    { name: kMetricEventsIngested, kind: 'counter', help: 'Market events that entered the state, by type', labelNames: ['type'], series: one(schema.eventTypes) },
    { name: kMetricDeadLetters, kind: 'counter', help: 'Messages that could not enter the state, by reason', labelNames: ['reason'], series: one(reasonsOf(schema)) },
    { name: kMetricQueueDepth, kind: 'gauge', help: 'Entries waiting in a queue', labelNames: ['queue'], series: one(schema.queues) },
    { name: kMetricRingDepth, kind: 'gauge', help: 'Entries a ring reader is behind its writer', labelNames: ['ring'], series: one(schema.rings) },
    { name: kMetricThreadBusy, kind: 'counter', help: 'Time a thread spent working (not waiting), seconds', labelNames: ['thread'], series: one(schema.threads) },
    { name: kMetricSinkBacklog, kind: 'gauge', help: 'Messages a sink accepted and has not had acknowledged', labelNames: ['sink'], series: one(schema.sinks) },
    { name: kMetricSinkOverflow, kind: 'counter', help: 'Messages a sink refused because its buffer was full', labelNames: ['sink'], series: one(schema.sinks) },
    {
      name: kMetricAgentStatus, kind: 'gauge', help: "1 for the agent's learning status (ACTIVE, RETRAINING: a retraining job is out, SHADOW: new parameters on trial), 0 for the others",
      labelNames: ['agent_id', 'agent_type', 'status'], series: schema.agents.flatMap((a) => kAgentStatusNames.map((st) => [a.id, a.type, st])),
    },
  ];
  return { writers: schema.threads.length, families };
}

/** The dead-letter reason codes, "other" included. */
export function reasonsOf(schema: EngineMetricsSchema): readonly string[] {
  return schema.deadLetterReasons.includes(kOtherReason) ? schema.deadLetterReasons : [...schema.deadLetterReasons, kOtherReason];
}

function checkSchema(s: EngineMetricsSchema): void {
  if (s === null || typeof s !== 'object') throw new OptionError('metrics schema must be an object');
  const names = (key: string, v: unknown, minimum: number): void => {
    if (!Array.isArray(v) || v.length < minimum || v.some((x) => typeof x !== 'string' || x === '')) {
      throw new OptionError(`metrics.${key} must be an array of non-empty strings${minimum > 0 ? ` (at least ${minimum})` : ''}`);
    }
  };
  names('threads', s.threads, 1);
  names('eventTypes', s.eventTypes, 1);
  names('deadLetterReasons', s.deadLetterReasons, 0);
  names('queues', s.queues, 1);
  names('rings', s.rings, 1);
  names('sinks', s.sinks, 1);
  if (!Array.isArray(s.agents) || s.agents.length === 0) throw new OptionError('metrics.agents must list at least one agent');
  s.agents.forEach((a, i) => {
    if (a === null || typeof a !== 'object' || typeof a.id !== 'string' || a.id === '' || typeof a.type !== 'string' || a.type === '') {
      throw new OptionError(`metrics.agents[${i}] must have a non-empty id and type`);
    }
    names(`agents[${i}].strategies`, a.strategies, 1);
  });
}
