// The per-event step, the main thread's hot path: tick → state → trigger → cycle → consolidation.
// lockstep: each triggering tick waits for its cycle and is consolidated against exactly the
//   state it produced (deterministic decisions).
// realtime: ingest never waits; agents conflate to the newest state, and the main thread
//   consolidates whatever cycle is complete between ticks.
// A tick that fires only the arbitrage detector's leg wake (Trigger.wokenOnly) requests a
// wake-only cycle: only the woken agents run and only their fusion consolidates.
// Every source drives it: the file replay over a whole tape (tape_replay.ts), the Kafka source
// batch by batch. Nothing allocates per tick.
import { kResBusyUs } from '../../protocol/layout.ts';
import type { MarketWriter } from '../state/market_writer.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import type { Trigger } from '../trigger.ts';
import type { Consolidator } from '../consolidate/consolidator.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import { LatencyRecorder } from '../metrics/latency.ts';
import type { EngineMetrics } from '../../protocol/metrics/engine_metrics.ts';
import { kStageAgents, kStageConsolidate, kStageIngest, kStageTotal } from '../../protocol/metrics/catalogue.ts';
import { kTapeLine, kTapeTs, kTapeType, kTapeWidth } from '../../protocol/tape.ts';
import { kTimConsolidateStart, kTimEnd, type CycleBreakdown } from '../dispatch/cycle_breakdown.ts';
import type { PlausibilityGate } from '../plausibility/gate.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export interface LoopStats {
  events: number;
  cycles: number;
  /** Of the cycles, those that only woke the arbitrage detector (a leg's sub-threshold change, engine/arb_wake.ts). */
  wakeCycles: number;
  missedCycles: number;
  consolidations: number;
  derivedEvents: number; // events the engine derived (market analyzer) and replayed as triggers
  runMs: number;
  tickToDecision: LatencyRecorder;
  ingest: LatencyRecorder;
  agents: LatencyRecorder;
  consolidate: LatencyRecorder;
  perAgent: Map<string, LatencyRecorder>;
}

export interface StepperDeps {
  writer: MarketWriter;
  trigger: Trigger;
  dispatcher: Dispatcher;
  consolidator: Consolidator;
  readers: ResultReader[];
  mode: 'lockstep' | 'realtime';
  /**
   * Where the epoch in decision keys comes from. 'writer': the count of source events stepped
   * (file replay; equal to the state's tick count when no event was derived). 'tape': the tape
   * row's kTapeLine column, a sequence number the source assigns that does not depend on which
   * process applies the event (Kafka: the producer's sequence header). Events the engine derives
   * itself (market analyzer) carry the key epoch of the source event that led to them.
   */
  keyEpoch?: 'writer' | 'tape';
  /** Records stage latencies and ingested events into the metrics block (plain stores; null: not recorded). */
  metrics?: EngineMetrics | null;
  /** lockstep: where each cycle's time goes (bench, profile); absent = not measured. */
  breakdown?: CycleBreakdown | undefined;
  /**
   * The plausibility gate every event passes before it enters the state (engine/plausibility/).
   * A refused event is not applied; `EventStepper.refused` holds the reason for the source to
   * dead-letter it.
   */
  gate?: PlausibilityGate | undefined;
}

/** stepRow()'s inputs in EventStepper.clock: when the event entered the engine, and its origin (or NaN). */
export const kClockT0 = 0;
export const kClockOrigin = 1;

const kRingSize = 1 << 16; // realtime: pending triggers awaiting a decision
const kDrainTimeoutMs = 10_000;
/** Rounds of derived events replayed after one source event (a derived event may derive more). */
const kMaxDerivedRounds = 4;

export function newLoopStats(agents: readonly string[]): LoopStats {
  return {
    events: 0, cycles: 0, wakeCycles: 0, missedCycles: 0, consolidations: 0, derivedEvents: 0, runMs: 0,
    tickToDecision: new LatencyRecorder(), ingest: new LatencyRecorder(), agents: new LatencyRecorder(),
    consolidate: new LatencyRecorder(),
    perAgent: new Map(agents.map((a) => [a, new LatencyRecorder()])),
  };
}

/** The per-event step: apply → trigger → cycle → consolidate, with its latency accounting. */
export class EventStepper {
  readonly stats: LoopStats;
  /** From an origin time the source supplies (Kafka: the producer's send time) to the decision. */
  readonly originToDecision: LatencyRecorder;
  readonly #d: StepperDeps;
  readonly #metrics: EngineMetrics | null;
  readonly #perAgent: LatencyRecorder[];
  readonly #lockstep: boolean;
  readonly #tapeEpoch: boolean;
  /** The times of the event being stepped, for stepRow(): [kClockT0, kClockOrigin]. */
  readonly clock = new Float64Array(2);
  readonly #pendEpoch = new Int32Array(kRingSize); // realtime: triggers awaiting a decision
  readonly #pendT0 = new Float64Array(kRingSize);
  readonly #pendOrigin = new Float64Array(kRingSize);
  readonly #pendWake = new Uint8Array(kRingSize); // 1: a wake-only cycle (decided once the woken agents covered it)
  readonly #wakes: Uint8Array; // per reader: 1 when a wake-only cycle runs its agent
  readonly #seenCycle: Int32Array; // realtime: per reader, the cycle whose time was last recorded
  #pendHead = 0;
  #pendTail = 0;
  #requested = 0; // cycles this stepper requested (stats may be shared by several steppers)
  #firstCycle = 0; // dispatcher cycle number of this stepper's first request (a dispatcher may be reused)
  #lastCycle = 0; // dispatcher cycle number of its last request
  #lastConsolidated = 0;
  #lastKeyEpoch = 0;
  #lastTs = 0;
  #sourceSeq = 0;
  #derivedDepth = 0; // > 0 while derived events are being stepped
  /** Why the gate refused the event of the last step() (null: it entered the state). */
  refused: string | null = null;
  /** Events the gate refused (source events and derived ones). */
  refusedCount = 0;

  /** `stats` and `originToDecision` may be shared by the steppers of several pipelines (Kafka lanes). */
  constructor(d: StepperDeps, stats: LoopStats = newLoopStats(d.readers.map((r) => r.name)), originToDecision = new LatencyRecorder()) {
    this.#d = d;
    this.#metrics = d.metrics ?? null;
    this.stats = stats;
    this.originToDecision = originToDecision;
    this.#perAgent = d.readers.map((r) => stats.perAgent.get(r.name)!);
    this.#lockstep = d.mode === 'lockstep';
    this.#tapeEpoch = d.keyEpoch === 'tape';
    const wake = d.dispatcher.wakeAgents ?? [];
    this.#wakes = Uint8Array.from(d.readers, (r) => (wake.includes(r.name) ? 1 : 0));
    this.#seenCycle = new Int32Array(d.readers.length);
  }

  /**
   * Applies tape row `row` and runs whatever it triggers. `t0` is when the event entered the engine
   * (performance.now() time base); `originMs` an earlier origin in the same time base, or NaN.
   * `depth` is the tape's side array of book levels (Tape.depth). Returns the number of the cycle
   * it triggered, or 0 (also when the plausibility gate refused it: then `refused` says why).
   */
  step(rows: Float64Array, row: number, t0: number, originMs: number, depth?: Float64Array): number {
    const clock = this.clock;
    clock[kClockT0] = t0;
    clock[kClockOrigin] = originMs;
    return this.stepRow(rows, row, depth);
  }

  /**
   * step() with its two times taken from `clock` (kClockT0, kClockOrigin) instead of arguments:
   * a double passed to a call that is not inlined is boxed (16 bytes per event), a Float64Array
   * store is not. The replay loop calls this.
   */
  stepRow(rows: Float64Array, row: number, depth?: Float64Array): number {
    // Latencies are recorded rounded to whole ns (recordNs rounds them anyway, so the figures are
    // the same): an integer goes to the recorder as a small integer, a fraction as a boxed double.
    const t0 = this.clock[kClockT0]!, originMs = this.clock[kClockOrigin]!;
    const d = this.#d;
    const stats = this.stats;
    const o = row * kTapeWidth;
    const gate = d.gate;
    let held = 0;
    if (gate !== undefined) {
      const reason = gate.admit(rows, row, depth);
      if (reason !== null) {
        this.refused = reason;
        this.refusedCount++;
        return 0;
      }
      held = gate.held;
    }
    this.refused = null;
    const epoch = d.writer.apply(rows, row, depth, held);
    if (gate !== undefined) gate.accepted(rows, row);
    const derived = this.#derivedDepth > 0;
    if (!derived) this.#sourceSeq++;
    const keyEpoch = derived ? this.#lastKeyEpoch : this.#tapeEpoch ? rows[o + kTapeLine]! : this.#sourceSeq;
    const ts = rows[o + kTapeTs]!;
    this.#lastKeyEpoch = keyEpoch;
    this.#lastTs = ts;
    const fires = d.trigger.fires(rows, row);
    const tIngest = performance.now();
    stats.ingest.recordNs(Math.round((tIngest - t0) * 1e6));
    const m = this.#metrics;
    if (m !== null) {
      m.ingested(rows[o + kTapeType]!, 1);
      m.stage(kStageIngest, (tIngest - t0) * 1e-3);
    }
    let cycle = 0;
    if (fires) {
      const wakeOnly = d.trigger.wokenOnly;
      cycle = d.dispatcher.request(ts, wakeOnly);
      stats.cycles++;
      if (wakeOnly) stats.wakeCycles++;
      if (this.#requested === 0) this.#firstCycle = cycle;
      this.#requested++;
      this.#lastCycle = cycle;
      if (this.#lockstep) {
        if (!d.dispatcher.awaitCycle(cycle)) stats.missedCycles++;
        const tAgents = performance.now();
        d.consolidator.consolidate(cycle, keyEpoch, ts, wakeOnly ? d.dispatcher.fullThrough(cycle) : cycle);
        stats.consolidations++;
        const tDone = performance.now();
        if (d.breakdown !== undefined) {
          const tim = d.dispatcher.timing;
          tim[kTimConsolidateStart] = tAgents;
          tim[kTimEnd] = tDone;
          d.breakdown.record(cycle);
        }
        stats.agents.recordNs(Math.round((tAgents - tIngest) * 1e6));
        stats.consolidate.recordNs(Math.round((tDone - tAgents) * 1e6));
        stats.tickToDecision.recordNs(Math.round((tDone - t0) * 1e6));
        if (originMs === originMs) this.originToDecision.recordNs(Math.round((tDone - originMs) * 1e6));
        if (m !== null) {
          m.stage(kStageAgents, (tAgents - tIngest) * 1e-3);
          m.stage(kStageConsolidate, (tDone - tAgents) * 1e-3);
          m.stage(kStageTotal, (tDone - t0) * 1e-3);
        }
        const perAgent = this.#perAgent, wakes = this.#wakes;
        for (let i = 0; i < perAgent.length; i++) {
          if (wakeOnly && wakes[i] === 0) continue; // did not run
          perAgent[i]!.recordNs(Math.round(d.readers[i]!.arrays.metrics[kResBusyUs]! * 1000));
        }
        if (!derived) this.#stepDerived();
      } else {
        const i = this.#pendHead & (kRingSize - 1);
        this.#pendEpoch[i] = epoch;
        this.#pendT0[i] = t0;
        this.#pendOrigin[i] = originMs;
        this.#pendWake[i] = wakeOnly ? 1 : 0;
        this.#pendHead++;
        if (this.#pendHead - this.#pendTail > kRingSize) this.#pendTail = this.#pendHead - kRingSize; // oldest dropped from latency stats
      }
    }
    if (!this.#lockstep) {
      const c = d.dispatcher.completed();
      if (c > this.#lastConsolidated) {
        this.#lastConsolidated = c;
        this.#consolidateRealtime(c, ts);
        if (!derived) this.#stepDerived();
      }
    }
    return cycle;
  }

  /**
   * Replays the events consolidation derived (the market analyzer's major_price_movement and
   * liquidation_cascade) as triggers, right after the consolidation that derived them: into the
   * state, through the trigger, into a cycle. Bounded to kMaxDerivedRounds rounds.
   */
  #stepDerived(): void {
    const consolidator = this.#d.consolidator;
    let t = consolidator.takeDerived();
    for (let round = 0; t.length > 0 && round < kMaxDerivedRounds; round++) {
      this.#derivedDepth++;
      const n = t.length;
      const clock = this.clock;
      for (let r = 0; r < n; r++) {
        clock[kClockT0] = performance.now();
        clock[kClockOrigin] = NaN;
        this.stepRow(t.rows, r, t.depth);
      }
      this.stats.derivedEvents += n;
      this.#derivedDepth--;
      t = consolidator.takeDerived();
    }
    this.refused = null; // the source event entered the state; a refused derived event is only counted
  }

  /** realtime: waits for the last requested cycle and decides on it (end of input, or before a commit). */
  async drain(): Promise<void> {
    if (this.#lockstep || this.#requested === 0) return;
    const d = this.#d;
    const deadline = performance.now() + kDrainTimeoutMs;
    let c = d.dispatcher.completed();
    while (c < this.#lastCycle && performance.now() < deadline) { await new Promise((r) => setImmediate(r)); c = d.dispatcher.completed(); }
    if (c > this.#lastConsolidated) {
      this.#lastConsolidated = c;
      this.#consolidateRealtime(c, this.#lastTs);
    }
  }

  /** realtime: cycles requested but never consolidated (counted once, at the end). */
  get unconsolidatedCycles(): number {
    return this.#requested === 0 ? 0 : this.#lastCycle - Math.max(this.#lastConsolidated, this.#firstCycle - 1);
  }

  #consolidateRealtime(cycle: number, nowUs: number): void {
    const d = this.#d;
    const stats = this.stats;
    const t = performance.now();
    d.consolidator.consolidate(cycle, this.#lastKeyEpoch, nowUs, d.dispatcher.fullThrough(cycle));
    stats.consolidations++;
    const tDone = performance.now();
    stats.consolidate.recordNs(Math.round((tDone - t) * 1e6));
    const m = this.#metrics;
    if (m !== null) m.stage(kStageConsolidate, (tDone - t) * 1e-3);
    // Every pending trigger whose epoch all agents have evaluated is decided now (a wake-only
    // one: all woken agents).
    let covered = 0x7fffffff, coveredWake = 0x7fffffff;
    const wakes = this.#wakes, seen = this.#seenCycle;
    for (let i = 0; i < d.readers.length; i++) {
      const r = d.readers[i]!;
      const e = r.epoch;
      if (e < covered) covered = e;
      if (wakes[i] === 1 && e < coveredWake) coveredWake = e;
      if (r.cycle !== seen[i]) { // its agent ran since the last record
        seen[i] = r.cycle;
        this.#perAgent[i]!.recordNs(Math.round(r.arrays.metrics[kResBusyUs]! * 1000));
      }
    }
    const mask = kRingSize - 1;
    let tail = this.#pendTail;
    while (tail < this.#pendHead && this.#pendEpoch[tail & mask]! <= (this.#pendWake[tail & mask] === 1 ? coveredWake : covered)) {
      stats.tickToDecision.recordNs(Math.round((tDone - this.#pendT0[tail & mask]!) * 1e6));
      if (m !== null) m.stage(kStageTotal, (tDone - this.#pendT0[tail & mask]!) * 1e-3);
      const origin = this.#pendOrigin[tail & mask]!;
      if (origin === origin) this.originToDecision.recordNs(Math.round((tDone - origin) * 1e6));
      tail++;
    }
    this.#pendTail = tail;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('stats');
    v.b('originToDecision');
    v.b('d');
    v.b('metrics');
    v.b('perAgent');
    v.r('lockstep', this.#lockstep);
    v.r('tapeEpoch', this.#tapeEpoch);
    v.b('clock');
    v.b('pendEpoch');
    v.b('pendT0');
    v.b('pendOrigin');
    v.r('pendWake', this.#pendWake);
    v.r('wakes', this.#wakes);
    v.r('seenCycle', this.#seenCycle);
    v.b('pendHead');
    v.b('pendTail');
    this.#requested = v.f('requested', this.#requested);
    this.#firstCycle = v.f('firstCycle', this.#firstCycle);
    this.#lastCycle = v.f('lastCycle', this.#lastCycle);
    this.#lastConsolidated = v.f('lastConsolidated', this.#lastConsolidated);
    this.#lastKeyEpoch = v.f('lastKeyEpoch', this.#lastKeyEpoch);
    this.#lastTs = v.f('lastTs', this.#lastTs);
    this.#sourceSeq = v.f('sourceSeq', this.#sourceSeq);
    this.#derivedDepth = v.f('derivedDepth', this.#derivedDepth);
    this.refused = v.f('refused', this.refused);
    this.refusedCount = v.f('refusedCount', this.refusedCount);
  }
}
