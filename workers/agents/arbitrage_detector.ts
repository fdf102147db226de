// Arbitrage detector: four strategies over the same state, each in its own module under
// ./arbitrage/, every opportunity priced as a trader would trust it — net of every leg's fees, of
// slippage at the chosen size (book levels walked, AMM curves followed), of gas at the configured
// gas price, with token units from each token's decimals, and only on fresh inputs (an opportunity
// resting on an input older than its max age is dropped and counted in the result region's
// kResStale metric).
//  - cross-exchange: one pair bought on one venue and sold on another (arbitrage/cross_exchange.ts);
//  - triangular: negative cycles of −ln rates inside each venue, books and AMM pools (triangular.ts);
//  - yield: borrow on one lending market, supply at a higher APY elsewhere, net of risk (yield_arb.ts);
//  - statistical: mean-reverting spreads of asset pairs with a least-squares hedge ratio (stat_arb.ts).
// Records (protocol/records.ts): kRecArbCross, kRecArbTriangular, kRecArbYield,
// kRecArbStatistical, each followed by a kRecArbDetail (duration, gas, max size, costs, input age);
// kRecArbStatExit when a published pair's spread has reverted, flipped or expired (close it).
import { kKindAmm, kKindBook, kKindYield, kResStale, kTs } from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { Agent, AgentContext } from './agent.ts';
import { CrossExchange } from './arbitrage/cross_exchange.ts';
import { BookReader } from './arbitrage/book_reader.ts';
import type { ArbContext } from './arbitrage/context.ts';
import { InputClock } from './arbitrage/input_clock.ts';
import { QuoteAges } from './arbitrage/quote_ages.ts';
import { StatArb } from './arbitrage/stat_arb.ts';
import { Triangular } from './arbitrage/triangular.ts';
import { YieldArb } from './arbitrage/yield_arb.ts';
import { AssetPrices } from './asset_prices.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class ArbitrageDetector implements Agent {
  #view!: MarketView;
  #ctx!: ArbContext;
  #kinds!: Int32Array;
  #cross!: CrossExchange;
  #tri!: Triangular;
  #yield!: YieldArb;
  #stat!: StatArb;
  readonly #ts2 = new Float64Array(2);

  init(ctx: AgentContext): void {
    this.#view = ctx.view;
    const prices = new AssetPrices(ctx.view, ctx.registry);
    const clock = new InputClock(ctx.registry.capacity);
    this.#ctx = {
      view: ctx.view, out: ctx.out, cfg: ctx.config, registry: ctx.registry, prices,
      books: new BookReader(ctx.view), clock, ages: new QuoteAges(ctx.registry, ctx.config, clock),
      ethAsset: prices.indexOf(ctx.config.arbitrage.gas.ethPriceAsset), stale: { count: 0 },
    };
    this.#kinds = new Int32Array(ctx.registry.capacity);
    for (let s = 0; s < ctx.registry.size; s++) this.#kinds[s] = ctx.registry.meta[s]!.kind;
    this.#cross = new CrossExchange(this.#ctx);
    this.#tri = new Triangular(this.#ctx);
    this.#yield = new YieldArb(this.#ctx);
    this.#stat = new StatArb(this.#ctx);
  }

  onChange(slot: number): void {
    const kind = this.#kinds[slot]!;
    if (kind !== kKindBook && kind !== kKindAmm && kind !== kKindYield) return;
    this.#view.read2(slot, kTs, kTs, this.#ts2);
    this.#ctx.clock.note(slot, this.#ts2[0]!);
    if (kind === kKindBook) {
      this.#ctx.prices.onBook(slot);
      this.#cross.onBook(slot);
      this.#tri.onChange(slot);
    } else if (kind === kKindAmm) {
      this.#tri.onChange(slot);
    } else {
      this.#yield.onChange(slot);
    }
  }

  emit(nowUs: number): void {
    this.#cross.emit(nowUs);
    this.#tri.emit(nowUs);
    this.#yield.emit(nowUs);
    this.#stat.emit(nowUs);
    this.#ctx.out.arrays.metrics[kResStale] = this.#ctx.stale.count;
  }

  /** Counters for reports and tests: graph size, searches, cycles found, refits, stale drops. */
  stats(): { edges: number; searches: number; cyclesFound: number; statPairs: number; refits: number; stale: number } {
    return {
      edges: this.#tri.edgeCount, searches: this.#tri.searches, cyclesFound: this.#tri.cyclesFound,
      statPairs: this.#stat.pairCount, refits: this.#stat.refits, stale: this.#ctx.stale.count,
    };
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    this.#view = v.f('view', this.#view);
    this.#ctx = v.f('ctx', this.#ctx);
    this.#kinds = v.f('kinds', this.#kinds);
    this.#cross = v.f('cross', this.#cross);
    this.#tri = v.f('tri', this.#tri);
    this.#yield = v.f('yield', this.#yield);
    this.#stat = v.f('stat', this.#stat);
    v.r('ts2', this.#ts2);
  }
}
