// The operator controls of a Kafka run. Each lane decides with a control plane of its own (its
// breakers, rate limits, automatic trips and fail-closed halts follow its shard's events alone, so
// a lane's decisions never depend on how another lane's batches interleave with it). The operator's
// plane (--http routes, SIGUSR2, the CLI) holds what a person sets: every change of one of its
// scopes is applied to every lane's plane at once, and a lane started later (a shard taken over)
// starts with the scopes the operator has restricted.
import type { ControlPlane } from '../control/control_plane.ts';
import { ControlPlane as Plane } from '../control/control_plane.ts';
import type { EngineOptions } from '../options.ts';

export class LaneControls {
  readonly operator: ControlPlane;
  readonly #o: EngineOptions;
  readonly #planes = new Set<ControlPlane>();
  readonly #closed = { halted: 0, reducing: 0 }; // refusals of the lanes that stopped

  constructor(operator: ControlPlane, o: EngineOptions) {
    this.operator = operator;
    this.#o = o;
    operator.onState = (ref, state, who, reason, mode) => {
      for (const p of this.#planes) p.setState(ref, state, who, reason, mode);
    };
  }

  /** A lane's control plane (`capacity`: its instruments), holding the operator's restrictions now. */
  open(capacity: number): ControlPlane {
    const o = this.#o;
    const p = new Plane(o.config.control, { capitalUsd: o.config.agents.capitalUsd, capacity: Math.max(1, capacity), maxAgentErrors: o.config.limits.maxAgentErrors });
    for (const s of this.operator.restricted()) p.setState(s.ref, s.state, s.who, s.reason, s.mode);
    this.#planes.add(p);
    return p;
  }

  /** The lane stopped: its plane follows the operator no more. */
  close(p: ControlPlane): void {
    if (!this.#planes.delete(p)) return;
    this.#closed.halted += p.counts.refusedHalted;
    this.#closed.reducing += p.counts.refusedReducing;
  }

  /** The lanes' planes now. */
  get planes(): number { return this.#planes.size; }

  /** Actions the lanes refused because a scope was HALTED or REDUCING, added up. */
  refused(): { halted: number; reducing: number } {
    let { halted, reducing } = this.#closed;
    for (const p of this.#planes) { halted += p.counts.refusedHalted; reducing += p.counts.refusedReducing; }
    return { halted, reducing };
  }
}
