// The engine's recorder: one per thread, over that thread's region of the metrics block. Series
// are resolved to slots once, here; the hot path passes small integer indices (agent index,
// kStage*, reason index, ...) and a number. No allocation, no message, no prom-client call.
// An index outside the schema is refused and counted (lucent_metrics_rejected_total).
import { BlockLayout, type HistogramSlot } from './block_layout.ts';
import { MetricsWriter } from './block_writer.ts';
import {
  engineBlockSpec, kAgentStatusNames, kMetricAgentStatus, kMetricDeadLetters, kMetricDecisionAccuracy, kMetricDecisionDuration, kMetricEventsIngested, kMetricLoss,
  kMetricProfit, kMetricQueueDepth, kMetricRingDepth, kMetricSinkBacklog, kMetricSinkOverflow, kMetricStageDuration,
  kMetricThreadBusy, kStageNames, reasonsOf, type EngineMetricsSchema,
} from './catalogue.ts';

/** What a thread is handed once, at start. */
export interface EngineMetricsHandoff {
  readonly schema: EngineMetricsSchema;
  readonly buffer: SharedArrayBuffer;
  readonly region: number;
}

export class EngineMetrics {
  readonly writer: MetricsWriter;
  readonly #decision: HistogramSlot[];
  readonly #accuracy: number[];
  readonly #profit: number[][];
  readonly #loss: number[][];
  readonly #stage: HistogramSlot[];
  readonly #events: number[];
  readonly #dead: number[];
  readonly #queue: number[];
  readonly #ring: number[];
  readonly #backlog: number[];
  readonly #overflow: number[];
  readonly #busy: number;
  readonly #status: number[][];

  constructor(h: EngineMetricsHandoff) {
    const s = h.schema;
    const layout = new BlockLayout(engineBlockSpec(s));
    this.writer = new MetricsWriter(layout, h.buffer, h.region);
    const agent = (a: { id: string; type: string }): string[] => [a.id, a.type];
    this.#decision = s.agents.map((a) => layout.histogram(kMetricDecisionDuration, agent(a)));
    this.#accuracy = s.agents.map((a) => layout.gauge(kMetricDecisionAccuracy, agent(a)));
    this.#profit = s.agents.map((a) => a.strategies.map((st) => layout.counter(kMetricProfit, [a.id, a.type, st])));
    this.#loss = s.agents.map((a) => a.strategies.map((st) => layout.counter(kMetricLoss, [a.id, a.type, st])));
    this.#stage = kStageNames.map((st) => layout.histogram(kMetricStageDuration, [st]));
    this.#events = s.eventTypes.map((t) => layout.counter(kMetricEventsIngested, [t]));
    this.#dead = reasonsOf(s).map((r) => layout.counter(kMetricDeadLetters, [r]));
    this.#queue = s.queues.map((q) => layout.gauge(kMetricQueueDepth, [q]));
    this.#ring = s.rings.map((r) => layout.gauge(kMetricRingDepth, [r]));
    this.#backlog = s.sinks.map((k) => layout.gauge(kMetricSinkBacklog, [k]));
    this.#overflow = s.sinks.map((k) => layout.counter(kMetricSinkOverflow, [k]));
    this.#busy = layout.counter(kMetricThreadBusy, [s.threads[h.region]]);
    this.#status = s.agents.map((a) => kAgentStatusNames.map((st) => layout.gauge(kMetricAgentStatus, [a.id, a.type, st])));
  }

  /** One agent's evaluation time for a cycle, seconds. */
  decision(agent: number, seconds: number): void {
    const h = this.#decision[agent];
    if (h === undefined) this.writer.reject();
    else this.writer.observe(h, seconds);
  }

  /** An agent's accuracy ratio, 0..1 (a value outside is refused and counted). */
  accuracy(agent: number, ratio: number): void {
    const slot = this.#accuracy[agent];
    if (slot === undefined || !(ratio >= 0 && ratio <= 1)) this.writer.reject();
    else this.writer.set(slot, ratio);
  }

  /** An agent's learning status (index into kAgentStatusNames): its series 1, the others 0. */
  status(agent: number, status: number): void {
    const slots = this.#status[agent];
    if (slots === undefined || slots[status] === undefined) { this.writer.reject(); return; }
    for (let k = 0; k < slots.length; k++) this.writer.set(slots[k]!, k === status ? 1 : 0);
  }

  /** Realised P&L in USD: a gain adds to the profit counter, a loss (negative) to the loss counter. */
  pnl(agent: number, strategy: number, usd: number): void {
    const p = this.#profit[agent];
    const slot = p === undefined ? undefined : usd >= 0 ? p[strategy] : this.#loss[agent][strategy];
    if (slot === undefined) this.writer.reject();
    else this.writer.add(slot, usd >= 0 ? usd : -usd);
  }

  /** A pipeline stage's time for one triggering tick (kStageIngest .. kStageTotal), seconds. */
  stage(stage: number, seconds: number): void {
    const h = this.#stage[stage];
    if (h === undefined) this.writer.reject();
    else this.writer.observe(h, seconds);
  }

  ingested(type: number, n: number): void {
    this.#add(this.#events, type, n);
  }

  deadLetter(reason: number): void {
    this.#add(this.#dead, reason, 1);
  }

  queueDepth(queue: number, depth: number): void {
    this.#set(this.#queue, queue, depth);
  }

  ringDepth(ring: number, depth: number): void {
    this.#set(this.#ring, ring, depth);
  }

  sinkBacklog(sink: number, n: number): void {
    this.#set(this.#backlog, sink, n);
  }

  /** Sets a sink's overflow counter to the sink's own running total (it never goes down). */
  sinkOverflowTotal(sink: number, total: number): void {
    this.#set(this.#overflow, sink, total);
  }

  /** Time this thread spent working, seconds. */
  busy(seconds: number): void {
    this.writer.add(this.#busy, seconds);
  }

  #add(slots: number[], i: number, v: number): void {
    const slot = slots[i];
    if (slot === undefined) this.writer.reject();
    else this.writer.add(slot, v);
  }

  #set(slots: number[], i: number, v: number): void {
    const slot = slots[i];
    if (slot === undefined) this.writer.reject();
    else this.writer.set(slot, v);
  }
}

