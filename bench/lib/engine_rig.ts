// The engine's own design under benchmark: resident agent threads (or inline agents) dispatched
// through engine/dispatch, driven by the engine's hot loop (engine/step/tape_replay.ts runLoop) over
// one EngineCore that lives across replays — so warm-up runs first and is excluded, and several
// measured replays can share one set of threads.
import type { Dispatcher } from '../../engine/dispatch/dispatcher.ts';
import type { WaitName } from '../../protocol/wait_strategy.ts';
import type { LoopStats } from '../../engine/step/event_stepper.ts';
import { runLoop } from '../../engine/step/tape_replay.ts';
import type { Consolidator } from '../../engine/consolidate/consolidator.ts';
import { kTapeTs, kTapeWidth, type Tape } from '../../protocol/tape.ts';
import { EngineCore, type CoreOptions } from './core.ts';
import { CycleBreakdown, type BreakdownSummary } from '../../engine/dispatch/cycle_breakdown.ts';

export interface RigOptions extends CoreOptions {
  threads: number; // 0 = inline
  wait: WaitName;
  topology?: string | undefined;
  cycleTimeoutMs?: number;
  /** Wraps the dispatcher and the consolidator (tracing); absent = the plain engine pieces. */
  instrument?: (d: Dispatcher, c: Consolidator, core: EngineCore) => { dispatcher: Dispatcher; consolidator: Consolidator };
}

export interface ReplayOptions {
  mode: 'lockstep' | 'realtime';
  rate?: number; // events/s, open loop
  speed?: number; // multiple of recorded timing
  /** Called between chunks of 4096 events, on the event loop (progress, sampling). */
  between?: (done: number, stats: LoopStats) => void | Promise<void>;
  /**
   * Stop at the first chunk boundary after this many ms (a design that collapsed would otherwise
   * hold the benchmark for minutes). The figures then cover the events replayed so far, and
   * `stopped` says so.
   */
  maxMs?: number;
}

/** What replay() returns: the loop's figures, and whether it stopped early (maxMs). */
export type ReplayStats = LoopStats & { stopped: string | null; breakdown: BreakdownSummary | null };

class ReplayBudgetExceeded extends Error {}

export class EngineRig {
  readonly core: EngineCore;
  readonly dispatcher: Dispatcher;
  readonly consolidator: Consolidator;
  readonly topology: string[][];
  readonly wait: WaitName;
  /** Where each lockstep cycle's time goes (reset at every replay). */
  readonly breakdown: CycleBreakdown;

  private constructor(core: EngineCore, dispatcher: Dispatcher, consolidator: Consolidator, topology: string[][], wait: WaitName) {
    this.breakdown = new CycleBreakdown(dispatcher.timing, core.arrays.ctlF64, topology.length);
    this.core = core;
    this.dispatcher = dispatcher;
    this.consolidator = consolidator;
    this.topology = topology;
    this.wait = wait;
  }

  static async start(o: RigOptions): Promise<EngineRig> {
    const core = new EngineCore(o);
    const topology = core.topology;
    let dispatcher = core.dispatcher;
    let consolidator = core.consolidator;
    if (o.instrument) ({ dispatcher, consolidator } = o.instrument(dispatcher, consolidator, core));
    await dispatcher.start();
    return new EngineRig(core, dispatcher, consolidator, topology, o.wait);
  }

  get label(): string {
    return this.topology.length === 0 ? 'inline' : `${this.topology.length} thread(s), ${this.wait}`;
  }

  /**
   * Loads rows into the state without running cycles (an opening snapshot, a warm start), then
   * runs one cycle so every agent has seen them. Returns the rows applied.
   */
  prime(tape: Tape, rows = tape.length): number {
    const { writer, trigger } = this.core;
    const n = Math.min(rows, tape.length);
    let epoch = writer.epoch;
    for (let r = 0; r < n; r++) { epoch = writer.apply(tape.rows, r, tape.depth); trigger.fires(tape.rows, r); }
    if (n > 0) {
      const ts = tape.rows[(n - 1) * kTapeWidth + kTapeTs]!;
      const c = this.dispatcher.request(ts);
      this.dispatcher.awaitCycle(c);
      this.consolidator.consolidate(c, epoch, ts);
    }
    return n;
  }

  async replay(tape: Tape, o: ReplayOptions): Promise<ReplayStats> {
    const between = o.between;
    const t0 = performance.now();
    const maxMs = o.maxMs ?? Infinity;
    let last: LoopStats | null = null;
    const bd = o.mode === 'lockstep' ? this.breakdown : undefined;
    bd?.reset();
    const breakdown = (): BreakdownSummary | null => (bd && bd.cycles > 0 ? bd.summary() : null);
    try {
      const s = await runLoop({
        tape, writer: this.core.writer, trigger: this.core.trigger, dispatcher: this.dispatcher, consolidator: this.consolidator,
        readers: this.core.readers, mode: o.mode, rate: o.rate ?? 0, speed: o.speed ?? 0, breakdown: bd,
        between: async (done, s) => {
          last = s;
          if (between) await between(done, s);
          if (this.dispatcher.threads > 0) await this.dispatcher.supervise();
          if (done < tape.length && performance.now() - t0 > maxMs) throw new ReplayBudgetExceeded();
        },
      });
      return Object.assign(s, { stopped: null, breakdown: breakdown() });
    } catch (err) {
      if (!(err instanceof ReplayBudgetExceeded) || last === null) throw err;
      const s: LoopStats = last;
      s.runMs = performance.now() - t0;
      return Object.assign(s, { breakdown: breakdown(), stopped: `stopped after ${s.events.toLocaleString('en-US')} of ${tape.length.toLocaleString('en-US')} events (${Math.round(s.runMs)} ms budget)` });
    }
  }

  async stop(): Promise<void> {
    await this.dispatcher.stop();
  }
}
