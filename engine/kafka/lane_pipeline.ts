// What a Kafka lane drives: one pipeline (buildPipeline) over the lane's universe, its per-event
// step keyed by the producer's sequence (so decision keys do not depend on which process applies
// an event), and its decision sink (lane_sink.ts). The Kafka source (engine/source/kafka/) sees
// only the LaneTarget side of it.
import type { InstrumentRegistry } from '../../protocol/registry.ts';
import type { OpportunitySummary } from '../consolidate/stats.ts';
import type { LatencyRecorder } from '../metrics/latency.ts';
import type { EngineOptions } from '../options.ts';
import { buildPipeline, type Pipeline, type PipelineHooks } from '../pipeline.ts';
import type { LaneTarget } from '../source/kafka/lane.ts';
import { EventStepper, type LoopStats } from '../step/event_stepper.ts';
import { openLaneSink, type LaneSink } from './lane_sink.ts';
import type { EngineSinks } from '../observe/engine_sinks.ts';
import type { LaneAudit, LaneAuditStats } from './lane_audit.ts';

/** What a lane decided (its part of the Kafka summary). */
export interface LaneDecisions {
  decisions: number;
  decisionsWritten: number;
  decisionsSuppressed: number;
  decisionsByStatus: Record<string, number>;
  decisionsByAgent: Record<string, number>;
  opportunitiesByAgent: Record<string, number>;
  topOpportunities: OpportunitySummary[];
  cashUsd: number;
  realizedPnlUsd: number;
  decisionLog: string | null;
  decisionLogSha256: string;
  threadRestarts: number;
  cyclesWithoutAgents: number;
  /** The lane's audit stream (with an event store). */
  audit: LaneAuditStats | null;
}

export class LanePipeline implements LaneTarget {
  readonly stepper: EventStepper;
  readonly pipeline: Pipeline;
  readonly #sink: LaneSink;
  readonly #path: string | null;
  readonly #onStop: (() => void) | undefined;

  private constructor(pipeline: Pipeline, sink: LaneSink, path: string | null, stepper: EventStepper, onStop: (() => void) | undefined) {
    this.#onStop = onStop;
    this.pipeline = pipeline;
    this.#sink = sink;
    this.#path = path;
    this.stepper = stepper;
  }

  /**
   * Opens the decision log at `path` (reading the keys it holds), builds the pipeline over
   * `registry` and starts its agents. `stats` and `originToDecision` are shared by every lane.
   * `audit`: the lane's claimed audit stream, or null.
   */
  static async open(
    o: EngineOptions, registry: InstrumentRegistry, path: string | null, durable: boolean, stats: LoopStats, originToDecision: LatencyRecorder,
    audit: LaneAudit | null = null, hooks: Pick<PipelineHooks, 'crashAt' | 'control'> = {}, sinks: EngineSinks | null = null,
    onStop?: () => void,
  ): Promise<LanePipeline> {
    const sink = await openLaneSink(path, durable, audit, sinks);
    const onRecord = sinks?.recorder(() => p);
    const p: Pipeline = buildPipeline(o, registry, sink, { ...hooks, onRecord, metrics: sinks?.threadMetricsOnce() });
    sinks?.attach(p);
    await p.dispatcher.start();
    const stepper = new EventStepper({
      writer: p.writer, trigger: p.trigger, dispatcher: p.dispatcher, consolidator: p.consolidator, readers: p.readers,
      mode: o.mode, keyEpoch: 'tape', gate: p.gate, metrics: sinks?.metrics ?? null,
    }, stats, originToDecision);
    return new LanePipeline(p, sink, path, stepper, onStop);
  }

  get suppress(): boolean { return this.#sink.suppress; }
  set suppress(on: boolean) { this.#sink.suppress = on; }

  /** Makes the decisions durable, and replaces an agent thread that died meanwhile. */
  async flush(): Promise<void> {
    await this.#sink.flush();
    await this.recover();
  }

  /**
   * Replaces agent threads that died (at once: the lane calls it when a cycle was missed). Also
   * waits for a replacement already under way (the dispatcher runs one at a time): the step must
   * not request cycles before the new thread is in its loop.
   */
  async recover(): Promise<void> {
    await this.pipeline.dispatcher.supervise();
  }
  describe(rows: Float64Array, row: number): string { return this.pipeline.gate.describe(rows, row); }
  abandon(): void { this.#sink.abandon(); }

  async stop(): Promise<void> {
    this.#onStop?.();
    await this.pipeline.dispatcher.stop();
    await this.#sink.close();
  }

  decisions(): LaneDecisions {
    const st = this.pipeline.stats;
    const s = this.#sink;
    return {
      decisions: st.decisions,
      decisionsWritten: s.written,
      decisionsSuppressed: s.suppressed,
      decisionsByStatus: { ...st.decisionsByStatus },
      decisionsByAgent: { ...st.decisionsByAgent },
      opportunitiesByAgent: { ...st.opportunitiesByAgent },
      topOpportunities: [...st.top],
      cashUsd: this.pipeline.executor.cashUsd,
      realizedPnlUsd: this.pipeline.executor.realizedPnlUsd,
      decisionLog: this.#path,
      decisionLogSha256: s.log.sha256(),
      threadRestarts: this.pipeline.dispatcher.restarts,
      cyclesWithoutAgents: st.cyclesMissingAgents,
      audit: s.audit?.stats() ?? null,
    };
  }
}
