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

export class Consolidator {
  readonly #ctx: FusionContext;
  readonly #readers: ResultReader[];
  readonly #fusions: Fusion[];
  /** The market analyzer's consolidation: derived events (takeDerived), regimes, risk factors. */
  readonly market: MarketFusion | null;
  readonly #noDerived = new Tape(1);

  constructor(ctx: FusionContext) {
    this.#ctx = ctx;
    const readers = ctx.readers;
    this.#readers = [...readers.values()];
    const fusions: Fusion[] = [];
    const risk = readers.get('risk_assessor');
    if (risk) fusions.push(new RiskFusion(ctx, risk));
    if (readers.has('arbitrage_detector')) fusions.push(new ArbitrageFusion(ctx));
    const hunter = readers.get('yield_hunter');
    if (hunter) fusions.push(new YieldFusion(ctx, hunter));
    const rebalancer = readers.get('portfolio_rebalancer');
    if (rebalancer) fusions.push(new RebalanceFusion(ctx, rebalancer));
    if (readers.has('liquidity_optimizer')) fusions.push(new LiquidityFusion(ctx));
    this.market = readers.has('market_analyzer') || risk ? new MarketFusion(ctx) : null;
    if (this.market) fusions.push(this.market);
    this.#fusions = fusions;
  }

  /** Runs `f` first in every cycle (the learning loop's cycle boundary: parameter swaps, outcome marks). */
  prepend(f: Fusion): void {
    this.#fusions.unshift(f);
  }

  /**
   * Market events derived since the last call (major_price_movement, liquidation_cascade), decoded
   * into tape rows for the loop to replay as triggers; valid until the next call. See
   * market_fusion.ts for the contract.
   */
  takeDerived(): Tape {
    return this.market ? this.market.takeDerived() : this.#noDerived;
  }

  /** Consolidates the newest published records of every agent. Returns the decisions made. */
  consolidate(cycle: number, epoch: number, nowUs: number): number {
    const stats = this.#ctx.stats;
    const before = stats.decisions;
    const readers = this.#readers;
    const errors = this.#ctx.riskView.agentErrors;
    const breakers = this.#ctx.breakers;
    this.#ctx.control?.onCycle(cycle);
    for (let i = 0; i < readers.length; i++) {
      const r = readers[i]!;
      r.read();
      errors.set(r.name, r.errors());
      // An agent whose breaker is open (or failed its probe) is not heard this cycle.
      if (breakers !== undefined && !breakers.observe(r, cycle, nowUs)) r.count = 0;
    }
    const fusions = this.#fusions;
    for (let i = 0; i < fusions.length; i++) fusions[i]!.consolidate(cycle, epoch, nowUs);
    return stats.decisions - before;
  }
}
