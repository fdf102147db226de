// What an agent is, and the thin runner that drives one through a cycle: it feeds the agent the
// slots that changed since its last cycle (from the changed-slot ring; a full scan when the ring
// lapped), lets it emit records, and publishes them. The same runner runs on an agent thread and
// inline on the main thread, so both give the same records.
import {
  kCtlCycleTs, kCtlEpoch, kResBusyTotalUs, kResBusyUs, kResErrors, kResLapped, kResLastError, kResOverflow,
  kResParamVersion, kResScanned,
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
   * those that triggered no cycle too. `epoch` indexes the event ring (view.eventTs(epoch),
   * eventType, eventValue): window rules are evaluated at each event's own time. Not called for
   * events the ring no longer holds (the runner then falls back to the full scan of onChange).
   */
  onEvent?(slot: number, epoch: number): void;
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
      if (view.lapped(from, to)) {
        Atomics.add(h, kResLapped, 1);
        for (let s = 0; s < this.#size; s++) { this.agent.onChange(s); scanned++; }
      } else {
        if (this.#events) for (let e = from + 1; e <= to; e++) this.agent.onEvent!(view.slotAt(e), e);
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
    this.#lastEpoch = v.f('lastEpoch', this.#lastEpoch);
  }
}
