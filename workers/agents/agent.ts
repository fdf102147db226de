// What an agent is, and the thin runner that drives one through a cycle: it feeds the agent the
// slots that changed since its last cycle (from the changed-slot ring; a full scan when the ring
// lapped), lets it emit records, and publishes them. The same runner runs on an agent thread and
// inline on the main thread, so both give the same records.
import {
  kCtlCycleTs, kCtlEpoch, kEventCopyLength, kEventCopySlot, kResBusyTotalUs, kResBusyUs, kResErrors, kResEventsLost, kResLapped,
  kResLastError, kResOverflow, kResParamVersion, kResScanned,
} from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import type { AgentConfig } from './config.ts';
import { ResultWriter, type ResultRegionBuffers } from '../../protocol/result_region.ts';
import { ParamRegionReader } from '../../protocol/param_region.ts';
import type { Fields } from '../../protocol/snapshot.ts';

/** The event time (µs) of the tick that triggered the current cycle. */
export function cycleNowUs(view: MarketView): number {
  return view.arrays.ctlF64[kCtlCycleTs]!;
}

export interface AgentContext {
  view: MarketView;
  registry: RegistrySnapshot;
  config: AgentConfig;
  out: ResultWriter;
  /**
   * The parameters the learning loop installed (protocol/param_region.ts), refreshed by the runner
   * at the start of every cycle: version 0 is the agent's own model. Absent outside a runner.
   */
  params?: ParamRegionReader;
}

export interface Agent {
  /** Called once, before the first cycle. Allocate everything here. */
  init(ctx: AgentContext): void;
  /**
   * A slot changed since the last cycle (each changed slot once per cycle). The cycle's event
   * time is `cycleNowUs(view)`: it is not an argument because V8 boxes a double passed to a call
   * it does not inline, and this call runs once per changed slot.
   */
  onChange(slot: number): void;
  /**
   * Optional: every event applied since the last cycle, in order, before the onChange calls —
   * those that triggered no cycle too — so window rules are evaluated at each event's own time.
   * `ev` is a checked copy of the ring entry of `epoch` (kEventTs, kEventType, kEventV0, kEventV1;
   * valid during the call): MarketView.copyEvent verified by its stamp that the ring still held
   * that epoch's event, so a lapped ring is never misread. The first event the ring no longer holds
   * ends the delivery: the runner calls onEventsLost() and falls back to the full scan of onChange.
   */
  onEvent?(slot: number, epoch: number, ev: Float64Array): void;
  /**
   * Optional: the ring lapped this agent (before or during the delivery of onEvent): the events
   * after the last delivered one will not come. The full scan of onChange follows, in this cycle,
   * at the cycle's time; an agent catches up on what the state holds there.
   */
  onEventsLost?(): void;
  /** Writes this cycle's records through ctx.out (between begin and publish). */
  emit(nowUs: number): void;
}

export class AgentRunner {
  readonly name: string;
  readonly agent: Agent;
  readonly out: ResultWriter;
  readonly params: ParamRegionReader;
  readonly #view: MarketView;
  readonly #seen: Int32Array; // cycle in which a slot was last fed, to feed each slot once
  readonly #size: number;
  readonly #events: boolean; // the agent reads every event (Agent.onEvent)
  readonly #ev = new Float64Array(kEventCopyLength); // the checked copy of the event delivered
  #lastEpoch = 0;

  constructor(name: string, agent: Agent, view: MarketView, registry: RegistrySnapshot, config: AgentConfig, region: ResultRegionBuffers) {
    this.name = name;
    this.agent = agent;
    this.#view = view;
    this.out = new ResultWriter(region);
    this.params = new ParamRegionReader(region.params);
    this.#seen = new Int32Array(view.capacity);
    this.#size = registry.size;
    this.#events = typeof agent.onEvent === 'function';
    agent.init({ view, registry, config, out: this.out, params: this.params });
  }

  /** Runs one cycle against the current state. Never throws: an error is counted in the header. */
  run(cycle: number): void {
    const t0 = performance.now();
    const view = this.#view;
    const h = this.out.arrays.header;
    const m = this.out.arrays.metrics;
    const to = Atomics.load(view.arrays.ctl, kCtlEpoch);
    const nowUs = view.arrays.ctlF64[kCtlCycleTs]!;
    let scanned = 0;
    this.out.begin(cycle);
    this.params.refresh(); // a parameter swap takes effect here, whole, between cycles
    try {
      const from = this.#lastEpoch;
      const seen = this.#seen;
      // A lap (the writer overwrote an entry this agent had not read) is detected exactly: before
      // reading, by the distance; while delivering events, by each entry's stamp. Either way the
      // events from the first one lost on are not delivered (counted in kResEventsLost), the agent
      // is told, and every slot is scanned at the cycle's state instead (counted in kResLapped).
      let lostAt = view.lapped(from, to) ? from + 1 : 0;
      if (lostAt === 0 && this.#events) {
        const ev = this.#ev;
        for (let e = from + 1; e <= to; e++) {
          if (!view.copyEvent(e, ev)) { lostAt = e; break; }
          this.agent.onEvent!(ev[kEventCopySlot]! | 0, e, ev);
        }
      }
      if (lostAt !== 0) {
        Atomics.add(h, kResLapped, 1);
        if (this.#events) { Atomics.add(h, kResEventsLost, to - lostAt + 1); this.agent.onEventsLost?.(); }
        for (let s = 0; s < this.#size; s++) { this.agent.onChange(s); scanned++; }
      } else {
        for (let e = from + 1; e <= to; e++) {
          const s = view.slotAt(e);
          if (seen[s] === cycle) continue;
          seen[s] = cycle;
          this.agent.onChange(s);
          scanned++;
        }
        // The writer may have lapped the ring while we read it (realtime): rescan everything.
        if (view.lapped(from, Atomics.load(view.arrays.ctl, kCtlEpoch))) {
          Atomics.add(h, kResLapped, 1);
          for (let s = 0; s < this.#size; s++) { this.agent.onChange(s); scanned++; }
        }
      }
      this.#lastEpoch = to;
      this.agent.emit(nowUs);
    } catch {
      Atomics.add(h, kResErrors, 1);
      Atomics.store(h, kResLastError, cycle);
      this.out.begin(cycle); // publish an empty result for the failed cycle
    }
    const busy = (performance.now() - t0) * 1000;
    m[kResBusyUs] = busy;
    m[kResBusyTotalUs] = m[kResBusyTotalUs]! + busy;
    m[kResScanned] = scanned;
    m[kResParamVersion] = this.params.version;
    Atomics.store(h, kResOverflow, this.out.overflow);
    this.out.publish(cycle, to);
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('name', this.name);
    v.r('agent', this.agent);
    v.r('out', this.out);
    v.r('params', this.params);
    v.r('view', this.#view);
    v.r('seen', this.#seen);
    v.r('size', this.#size);
    v.r('events', this.#events);
    v.r('ev', this.#ev);
    this.#lastEpoch = v.f('lastEpoch', this.#lastEpoch);
  }
}
