// Consolidation (main thread): reads every agent's published records lock-free, tells validation
// each agent's error count, and runs the fusions of the agents present, in the record's order:
// the risk view first (alerts, the portfolio VaR), then arbitrage, yield, rebalancing, liquidity
// and the market analyzer (whose derived events the loop replays as triggers). Each fusion
// proposes actions to the next stages (engine/pipeline.ts decisionChain). Following the record:
//  - yield opportunities are weighed by the risk view and the hunter's confidence;
//  - arbitrage is kept only when its execution risk and its instruments' risk are acceptable;
//  - every action is capped by the risk assessor's max position size and the hard limits;
//  - every approval and rejection carries its reason.
// An opportunity that stays open across cycles is decided once, when it opens.
//
// An agent whose thread died in a cycle (or missed it) has not published that cycle: its fusion,
// and any fusion that reads its records, sits the cycle out (its memory of open opportunities is
// kept, so nothing is decided twice when the agent is back); the decisions the others make name
// the missing agents (Decision.missingAgents), and without the risk assessor's view of the cycle
// nothing is sized above zero (risk_table.ts).
//
// A wake-only cycle (the arbitrage detector woken by a leg of its routes, engine/arb_wake.ts) ran
// only the agents a wake runs: only their readers are read and only the fusions that consume
// nothing else run (the arbitrage fusion; and the fusions of no agent, such as the learning
// loop's boundary). The others' records are those of the newest full cycle, already consolidated.
// Realtime may consolidate a wake together with a full cycle it conflated (fullCycle newer than the
// last consolidated): that is a full consolidation, each reader expected at its own newest cycle.
import type { ResultReader } from '../../protocol/result_reader.ts';
import { Tape } from '../../protocol/tape.ts';
import type { Fusion } from '../types.ts';
import { ArbitrageFusion } from './arbitrage/arbitrage_fusion.ts';
import type { FusionContext } from './fusion.ts';
import { LiquidityFusion } from './liquidity_fusion.ts';
import { MarketFusion } from './market_fusion.ts';
import { RebalanceFusion } from './rebalance_fusion.ts';
import { RiskFusion } from './risk_fusion.ts';
import { YieldFusion } from './yield_fusion.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class Consolidator {
  readonly #ctx: FusionContext;
  readonly #readers: ResultReader[];
  readonly #fusions: Fusion[];
  /** For each fusion, the readers it consumes records of (it sits out a cycle any of them missed). */
  readonly #needs: ResultReader[][];
  /** Per reader: true when it has not published the cycle being consolidated. */
  readonly #missing: boolean[];
  /** Per reader: 1 when a wake-only cycle runs its agent. */
  readonly #wakes: Uint8Array;
  /** Per fusion: 1 when it runs in a wake-only cycle (it consumes only woken agents' records). */
  #onWake: Uint8Array;
  #lastFull = 0; // the newest full cycle consolidated
  /** The market analyzer's consolidation: derived events (takeDerived), regimes, risk factors. */
  readonly market: MarketFusion | null;
  readonly #noDerived = new Tape(1);

  /** `wakeAgents`: the agents a wake-only cycle runs (Dispatcher wakeAgents). */
  constructor(ctx: FusionContext, wakeAgents: readonly string[] = []) {
    this.#ctx = ctx;
    const readers = ctx.readers;
    this.#readers = [...readers.values()];
    const fusions: Fusion[] = [];
    const needs: ResultReader[][] = [];
    const add = (f: Fusion, ...agents: string[]): void => {
      fusions.push(f);
      needs.push(agents.map((a) => readers.get(a)).filter((r): r is ResultReader => r !== undefined));
    };
    const risk = readers.get('risk_assessor');
    if (risk) add(new RiskFusion(ctx, risk), 'risk_assessor');
    if (readers.has('arbitrage_detector')) add(new ArbitrageFusion(ctx), 'arbitrage_detector');
    const hunter = readers.get('yield_hunter');
    if (hunter) add(new YieldFusion(ctx, hunter), 'yield_hunter');
    const rebalancer = readers.get('portfolio_rebalancer');
    if (rebalancer) add(new RebalanceFusion(ctx, rebalancer), 'portfolio_rebalancer');
    if (readers.has('liquidity_optimizer')) add(new LiquidityFusion(ctx), 'liquidity_optimizer');
    this.market = readers.has('market_analyzer') || risk ? new MarketFusion(ctx) : null;
    if (this.market) add(this.market, 'market_analyzer', 'risk_assessor');
    this.#fusions = fusions;
    this.#needs = needs;
    this.#missing = this.#readers.map(() => false);
    this.#wakes = Uint8Array.from(this.#readers, (r) => (wakeAgents.includes(r.name) ? 1 : 0));
    this.#onWake = Uint8Array.from(needs, (n) => (n.every((r) => wakeAgents.includes(r.name)) ? 1 : 0));
  }

  /** Runs `f` first in every cycle (the learning loop's cycle boundary: parameter swaps, outcome marks). */
  prepend(f: Fusion): void {
    this.#fusions.unshift(f);
    this.#needs.unshift([]);
    this.#onWake = Uint8Array.of(1, ...this.#onWake);
  }

  /** Runs `f` last in every cycle (the learning loop's cycle boundary: outcome marks, then parameter swaps). */
  append(f: Fusion): void {
    this.#fusions.push(f);
    this.#needs.push([]);
    this.#onWake = Uint8Array.of(...this.#onWake, 1);
  }

  /**
   * Market events derived since the last call (major_price_movement, liquidation_cascade), decoded
   * into tape rows for the loop to replay as triggers; valid until the next call. See
   * market_fusion.ts for the contract.
   */
  takeDerived(): Tape {
    return this.market ? this.market.takeDerived() : this.#noDerived;
  }

  /**
   * Consolidates the newest published records of every agent. `fullCycle`: the newest full cycle
   * up to `cycle` (Dispatcher.fullThrough); when it was consolidated already, `cycle` is a wake
   * and only the woken agents' fusions run. Returns the decisions made.
   */
  consolidate(cycle: number, epoch: number, nowUs: number, fullCycle = cycle): number {
    const stats = this.#ctx.stats;
    const before = stats.decisions;
    const readers = this.#readers, wakes = this.#wakes;
    const errors = this.#ctx.riskView.agentErrors;
    const breakers = this.#ctx.breakers;
    const full = fullCycle > this.#lastFull;
    if (full) this.#lastFull = fullCycle;
    this.#ctx.control?.onCycle(cycle);
    let missing = 0;
    for (let i = 0; i < readers.length; i++) {
      if (!full && wakes[i] === 0) { this.#missing[i] = false; continue; } // did not run: nothing new
      const r = readers[i]!;
      r.read();
      errors.set(r.name, r.errors());
      // Lockstep: every live agent published this cycle (an agent a wake does not run, the newest
      // full one). Realtime: `cycle` is one every live thread finished, so an agent behind it is
      // on a thread that died or missed the deadline.
      const expected = wakes[i] === 1 ? cycle : fullCycle;
      missing += (this.#missing[i] = r.cycle < expected) ? 1 : 0;
      // An agent whose breaker is open (or failed its probe) is not heard this cycle.
      if (breakers !== undefined && !breakers.observe(r, expected, nowUs)) r.count = 0;
    }
    const fusions = this.#fusions;
    if (missing === 0) {
      if (full) for (let i = 0; i < fusions.length; i++) fusions[i]!.consolidate(cycle, epoch, nowUs);
      else {
        const onWake = this.#onWake;
        for (let i = 0; i < fusions.length; i++) if (onWake[i] === 1) fusions[i]!.consolidate(cycle, epoch, nowUs);
      }
      return stats.decisions - before;
    }
    this.#consolidateWithout(cycle, epoch, nowUs, full);
    return stats.decisions - before;
  }

  /** A cycle some agents did not publish: their fusions sit it out; the others' decisions name them. */
  #consolidateWithout(cycle: number, epoch: number, nowUs: number, full: boolean): void {
    const readers = this.#readers, stats = this.#ctx.stats;
    const names: string[] = [];
    for (let i = 0; i < readers.length; i++) if (this.#missing[i]) names.push(readers[i]!.name);
    stats.noteMissing(names);
    const risk = this.#ctx.risk;
    risk.missing = names.includes('risk_assessor');
    try {
      for (let f = 0; f < this.#fusions.length; f++) {
        if (!full && this.#onWake[f] === 0) continue;
        if (this.#needs[f]!.some((r) => this.#missing[readers.indexOf(r)])) continue;
        this.#fusions[f]!.consolidate(cycle, epoch, nowUs);
      }
    } finally {
      stats.missingAgents = null;
      risk.missing = false;
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('ctx');
    v.r('readers', this.#readers);
    v.r('fusions', this.#fusions);
    v.r('needs', this.#needs);
    v.r('missing', this.#missing);
    v.r('wakes', this.#wakes);
    this.#onWake = v.f('onWake', this.#onWake);
    this.#lastFull = v.f('lastFull', this.#lastFull);
    v.r('market', this.market);
    v.r('noDerived', this.#noDerived);
  }
}
