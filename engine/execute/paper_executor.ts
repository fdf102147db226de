// The paper executor: fills approved actions against the current state, with taker fees and the
// slippage the agents priced in, and keeps the portfolio (cash, positions, realized PnL) in its
// shared region, which the agents read. Nothing here signs or sends a transaction.
//
// Units: cash and realized PnL in USD; a slot's position in base units for a book, USD for a yield
// or AMM pool. A negative book position is a short (a pair trade's sold leg); a negative pool
// position is debt (a carry's borrow leg, net of the collateral supplied there).
//
// Hedged positions: part of a slot's position may belong to a two-legged position whose legs must
// move together (a yield carry, an open pair trade). That part is kept per slot (#hedged, in the
// shared portfolio region after the positions: layout.ts pfHedged, so agents see it too) and the
// one-legged actions act on the rest only (free(slot)): trade() never sells more than the free
// long (so it cannot sell a short further, nor a pair trade's long leg), exitPool() never
// withdraws a carry's supply. Only the hedged actions' own fills move the hedged part.
//
// Taken quotes: a paper fill does not move the market, so the quote it traded against would still
// be there for the next decision. A flat arbitrage (cross-exchange, triangular) marks each leg's
// quote as taken (the slot's epoch, kEpoch); takenLeg() tells when a quote was traded at all.
// Consolidation counts how much of each quote the fills used (consolidate/arbitrage/quote_use.ts):
// the rest stays available until the venue or pool publishes a new one. Without this, one stale
// quote could be "filled" again and again.
import {
  kAsk, kBid, kEpoch, kFee, kKindAmm, kLtv, kPfCashUsd, kPfPositions0, kPfRealizedPnlUsd, pfHedged,
} from '../../protocol/layout.ts';
import type { MarketArrays } from '../../protocol/market_state.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import type { ClosingFill, Fill, Order } from '../types.ts';
import { type AgentConfig, takerFee } from '../../workers/agents/index.ts';
import type { Fields } from '../../protocol/snapshot.ts';

// Fields of PaperExecutor.pair after pairOpen / pairClose
/** Base units of the bought leg (pairOpen: bought; pairClose: sold back). */
export const kPairBuyUnits = 0;
/** Base units of the sold leg (pairOpen: sold short; pairClose: bought back). */
export const kPairSellUnits = 1;
/** Cash flow of the fill (USD, fees included; + received). */
export const kPairCashUsd = 2;
/** pairClose: realized PnL of the round trip (USD, the entry's and the exit's cash flows). */
export const kPairPnlUsd = 3;
export const kPairLength = 4;

export class PaperExecutor {
  readonly #pf: Float64Array;
  readonly #view: MarketView;
  readonly #fee: Float64Array; // slot → taker fee (books)
  readonly #isAmm: Uint8Array; // slot → 1 for an AMM pool (its fee is the pool's, read from the state)
  readonly #hedged: Float64Array; // slot → part of the position held by carries and pair trades (see the header)
  readonly #carryBuffer: number; // fraction of a lending market's max LTV left unused (the yield arbitrage's model)
  readonly #q = new Float64Array(2);
  readonly #takenAt: Float64Array; // slot → the epoch (kEpoch) of the quote a flat arbitrage last took, NaN none
  readonly #columns: Float64Array;
  readonly #cap: number;
  /** The legs of the last pairOpen / pairClose (kPair* fields). */
  readonly pair = new Float64Array(kPairLength);
  fills = 0;

  constructor(arrays: MarketArrays, view: MarketView, registry: RegistrySnapshot, cfg: AgentConfig) {
    this.#pf = arrays.portfolio;
    this.#view = view;
    this.#fee = new Float64Array(registry.capacity);
    this.#isAmm = new Uint8Array(registry.capacity);
    // the hedged block of the shared portfolio region (layout.ts pfHedged)
    this.#hedged = arrays.portfolio.subarray(pfHedged(arrays.capacity, 0), pfHedged(arrays.capacity, arrays.capacity));
    this.#takenAt = new Float64Array(registry.capacity).fill(NaN);
    this.#columns = arrays.columns;
    this.#cap = arrays.capacity;
    for (let s = 0; s < registry.size; s++) {
      const m = registry.meta[s]!;
      this.#fee[s] = takerFee(cfg, m.venue);
      if (m.kind === kKindAmm) this.#isAmm[s] = 1;
    }
    this.#carryBuffer = cfg.arbitrage.yieldArb.liquidationBuffer;
    this.#pf[kPfCashUsd] = cfg.capitalUsd;
  }

  /** The execution stage of an approved action: the fill of its order. */
  carryOut(o: Order): Fill {
    switch (o.op) {
      case 'arbitrage': return this.arbitrage(o.buy, o.sell, o.qty, o.quoteUsd, o.expectedProfitUsd);
      case 'triangular': return this.triangular(o.legs, o.n, o.sizeUsd, o.expectedProfitUsd, o.gasUsd, o.costsUsd);
      case 'carry': return this.yieldCarry(o.borrow, o.supply, o.sizeUsd, o.gasUsd);
      case 'pair_open': return this.pairOpen(o.buy, o.sell, o.buyUsd, o.sellUsd, o.quoteUsdBuy, o.quoteUsdSell);
      case 'pair_close': return this.pairClose(o.buy, o.sell, o.unitsBuy, o.unitsSell, o.quoteUsdBuy, o.quoteUsdSell, o.entryCashUsd);
      case 'enter_pool': return this.enterPool(o.slot, o.sizeUsd);
      case 'exit_pool': return this.exitPool(o.slot);
      case 'trade': return this.trade(o.slot, o.tradeUsd);
    }
  }

  get cashUsd(): number { return this.#pf[kPfCashUsd]!; }
  get realizedPnlUsd(): number { return this.#pf[kPfRealizedPnlUsd]!; }
  position(slot: number): number { return this.#pf[kPfPositions0 + slot]!; }
  /** The part of a slot's position held by carries and pair trades (same units as the position). */
  hedged(slot: number): number { return this.#hedged[slot]!; }
  /** The position less its hedged part: what trade() may sell and exitPool() withdraws. */
  free(slot: number): number { return this.#pf[kPfPositions0 + slot]! - this.#hedged[slot]!; }

  /** The first of legs[0..n) whose current quote a fill already took (see the header), or -1. */
  takenLeg(legs: Int32Array, n: number): number {
    for (let k = 0; k < n; k++) {
      const s = legs[k]!;
      if (this.#takenAt[s] === this.#columns[kEpoch * this.#cap + s]) return s;
    }
    return -1;
  }

  #take(slot: number): void {
    this.#takenAt[slot] = this.#columns[kEpoch * this.#cap + slot]!;
  }

  /** Both legs of a cross-venue arbitrage: market-neutral, the net profit is realized at once. */
  arbitrage(buy: number, sell: number, qty: number, quoteUsd: number, expectedProfitUsd: number): Fill {
    const q = this.#q;
    this.#view.read2(buy, kBid, kAsk, q);
    const ask = q[1]!;
    this.#view.read2(sell, kBid, kAsk, q);
    const bid = q[0]!;
    const feeUsd = qty * (ask * this.#fee[buy]! + bid * this.#fee[sell]!) * quoteUsd;
    const grossUsd = qty * (bid - ask) * quoteUsd;
    const slippageUsd = Math.max(0, grossUsd - feeUsd - expectedProfitUsd);
    this.#pf[kPfRealizedPnlUsd] = this.#pf[kPfRealizedPnlUsd]! + expectedProfitUsd;
    this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! + expectedProfitUsd;
    this.#take(buy);
    this.#take(sell);
    this.fills++;
    return { price: ask, qty, feeUsd, slippageUsd };
  }

  /**
   * A triangular cycle (legs[0..n) inside one venue, from and back to its start asset): flat at
   * once, so, as for arbitrage(), its net profit is realized and added to cash at once.
   *
   * Taken from the detector's figures (it priced every leg, book levels or pool curve, net of fees
   * and slippage, at this size against the state it read; in lockstep the fill reads that same
   * state): `expectedProfitUsd` (net of fees, slippage and gas, at sizeUsd), `gasUsd`, and
   * `costsUsd`, the legs' fees and slippage at sizeUsd (size·Π top rates − output). Re-read from the
   * state: only the fee rates, to split those costs (books: the venue's taker fee from the config;
   * AMM pools: the pool's fee).
   *
   * The fill: qty = sizeUsd (the input, USD), price = output/input of the cycle at that size (net
   * of the legs' fees and slippage, before gas), feeUsd = the legs' fees + gas, slippageUsd = the
   * rest of the costs. So qty·(price − 1) − gasUsd = expectedProfitUsd, and the gross edge
   * qty·(Π top rates − 1) = expectedProfitUsd + feeUsd + slippageUsd. The fees are those of the
   * frictionless flow, gross·(1 − Π(1 − fᵢ)), with gross = output + costs (capped at the costs).
   */
  triangular(legs: Int32Array, n: number, sizeUsd: number, expectedProfitUsd: number, gasUsd: number, costsUsd: number): Fill {
    const q = this.#q;
    let keep = 1;
    for (let k = 0; k < n; k++) {
      const slot = legs[k]!;
      let f = this.#fee[slot]!;
      if (this.#isAmm[slot] === 1) { this.#view.read2(slot, kFee, kFee, q); f = q[0]!; }
      if (f >= 0 && f < 1) keep *= 1 - f;
    }
    const outUsd = sizeUsd + expectedProfitUsd + gasUsd;
    const grossUsd = outUsd + costsUsd;
    const tradingFeeUsd = Math.max(0, Math.min(costsUsd, grossUsd * (1 - keep)));
    this.#pf[kPfRealizedPnlUsd] = this.#pf[kPfRealizedPnlUsd]! + expectedProfitUsd;
    this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! + expectedProfitUsd;
    for (let k = 0; k < n; k++) this.#take(legs[k]!);
    this.fills++;
    return {
      price: sizeUsd > 0 ? outUsd / sizeUsd : NaN, qty: sizeUsd,
      feeUsd: tradingFeeUsd + gasUsd, slippageUsd: Math.max(0, costsUsd - tradingFeeUsd),
    };
  }

  /**
   * λ of a lending market: USD it lends per USD of collateral, as the yield arbitrage sizes a carry
   * (its max LTV from the state, less the configured liquidation buffer). NaN while the LTV is unknown.
   */
  carryLtv(borrow: number): number {
    this.#view.read2(borrow, kLtv, kLtv, this.#q);
    const ltv = this.#q[0]!;
    return ltv > 0 && ltv <= 1 ? ltv * (1 - this.#carryBuffer) : NaN;
  }

  /** The largest carry the cash can collateralise after paying `gasUsd` (USD borrowed; 0 when none). */
  maxCarryUsd(borrow: number, gasUsd: number): number {
    const v = (this.#pf[kPfCashUsd]! - gasUsd) * this.carryLtv(borrow);
    return v > 0 ? v : 0;
  }

  /**
   * A yield carry: borrow sizeUsd on lending market `borrow`, supply it on pool `supply`. The
   * detector sizes a carry against collateral from the capital at λ (carryLtv: sizes up to
   * capital·λ), so the collateral sizeUsd/λ leaves cash for the borrow market, where the loan is
   * taken against it: that slot's position becomes collateral − debt (USD, negative would be net
   * debt), the supplied pool's goes up by sizeUsd. The borrowed principal itself never touches the
   * cash (what is borrowed is what is supplied). Gas, in and out (the detector's figure, which its
   * expected profit is net of), is paid from cash and realized now: the carry is not unwound within
   * a run. Interest accrual is not modelled (positions stay at their USD principal); the carry's
   * expected income is in the decision.
   * The fill: qty = sizeUsd, price 1 (USD in USD), feeUsd = gas, no slippage (a lending market has
   * none at its rate). Nothing happens (an empty fill) when λ is unknown: maxCarryUsd is 0 then.
   */
  yieldCarry(borrow: number, supply: number, sizeUsd: number, gasUsd: number): Fill {
    const lambda = this.carryLtv(borrow);
    if (!(lambda > 0)) return { price: 1, qty: 0, feeUsd: 0, slippageUsd: 0 };
    const collateralUsd = sizeUsd / lambda;
    const size = sizeUsd;
    const pf = this.#pf;
    pf[kPfPositions0 + supply] = pf[kPfPositions0 + supply]! + size;
    pf[kPfPositions0 + borrow] = pf[kPfPositions0 + borrow]! + collateralUsd - size;
    this.#hedged[supply] = this.#hedged[supply]! + size;
    this.#hedged[borrow] = this.#hedged[borrow]! + collateralUsd - size;
    pf[kPfCashUsd] = pf[kPfCashUsd]! - collateralUsd - gasUsd;
    pf[kPfRealizedPnlUsd] = pf[kPfRealizedPnlUsd]! - gasUsd;
    this.fills++;
    return { price: 1, qty: size, feeUsd: gasUsd, slippageUsd: 0 };
  }

  /**
   * Opens a pair trade: buys buyUsd of the `buy` book at its ask and sells sellUsd of the `sell`
   * book at its bid (short, where nothing is held: margin or a perpetual, as the detector assumes),
   * both at the current top of book with the taker fees. `quoteUsd*` convert each book's quote
   * currency to USD. Positions: + base units on the buy slot, − on the sell slot (hedged); cash
   * moves by the notionals and the fees (a short's proceeds are credited). Nothing is realized until
   * the pair is closed. The fill: the bought leg's ask and units; feeUsd both legs' fees;
   * slippageUsd both legs' half-spreads (against the mids). Both legs' units and the cash flow are
   * in `pair` afterwards.
   */
  pairOpen(buy: number, sell: number, buyUsd: number, sellUsd: number, quoteUsdBuy: number, quoteUsdSell: number): Fill {
    const q = this.#q;
    this.#view.read2(buy, kBid, kAsk, q);
    const ask = q[1]!, spreadBuy = q[1]! - q[0]!;
    this.#view.read2(sell, kBid, kAsk, q);
    const bid = q[0]!, spreadSell = q[1]! - q[0]!;
    const unitsBuy = buyUsd / (ask * quoteUsdBuy);
    const unitsSell = sellUsd / (bid * quoteUsdSell);
    const feeUsd = buyUsd * this.#fee[buy]! + sellUsd * this.#fee[sell]!;
    const slippageUsd = 0.5 * (spreadBuy * unitsBuy * quoteUsdBuy + spreadSell * unitsSell * quoteUsdSell);
    const cashUsd = sellUsd - buyUsd - feeUsd;
    this.#move(buy, unitsBuy);
    this.#move(sell, -unitsSell);
    this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! + cashUsd;
    const p = this.pair;
    p[kPairBuyUnits] = unitsBuy; p[kPairSellUnits] = unitsSell; p[kPairCashUsd] = cashUsd; p[kPairPnlUsd] = 0;
    this.fills++;
    return { price: ask, qty: unitsBuy, feeUsd, slippageUsd };
  }

  /**
   * Closes a pair trade opened by pairOpen: sells the `buy` leg's units back at its bid and buys the
   * `sell` leg's units back at its ask, at the current top of book with the taker fees. The round
   * trip's PnL (`entryCashUsd`, the cash flow pairOpen reported, plus this one) is realized. The
   * fill: the bought leg's bid, −units (sold); feeUsd both legs' fees; slippageUsd both legs'
   * half-spreads. `pair` holds the units, the cash flow and the realized PnL afterwards.
   */
  pairClose(buy: number, sell: number, unitsBuy: number, unitsSell: number, quoteUsdBuy: number, quoteUsdSell: number, entryCashUsd: number): ClosingFill {
    const q = this.#q;
    this.#view.read2(buy, kBid, kAsk, q);
    const bid = q[0]!, spreadBuy = q[1]! - q[0]!;
    this.#view.read2(sell, kBid, kAsk, q);
    const ask = q[1]!, spreadSell = q[1]! - q[0]!;
    const proceedsUsd = unitsBuy * bid * quoteUsdBuy;
    const costUsd = unitsSell * ask * quoteUsdSell;
    const feeUsd = proceedsUsd * this.#fee[buy]! + costUsd * this.#fee[sell]!;
    const slippageUsd = 0.5 * (spreadBuy * unitsBuy * quoteUsdBuy + spreadSell * unitsSell * quoteUsdSell);
    const cashUsd = proceedsUsd - costUsd - feeUsd;
    const pnlUsd = entryCashUsd + cashUsd;
    this.#move(buy, -unitsBuy);
    this.#move(sell, unitsSell);
    this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! + cashUsd;
    this.#pf[kPfRealizedPnlUsd] = this.#pf[kPfRealizedPnlUsd]! + pnlUsd;
    const p = this.pair;
    p[kPairBuyUnits] = unitsBuy; p[kPairSellUnits] = unitsSell; p[kPairCashUsd] = cashUsd; p[kPairPnlUsd] = pnlUsd;
    this.fills++;
    return { price: bid, qty: -unitsBuy, feeUsd, slippageUsd, pnlUsd };
  }

  /** Moves a slot's position and its hedged part together. */
  #move(slot: number, units: number): void {
    this.#pf[kPfPositions0 + slot] = this.#pf[kPfPositions0 + slot]! + units;
    this.#hedged[slot] = this.#hedged[slot]! + units;
  }

  /** Supplies USD into a yield pool (position in USD). */
  enterPool(slot: number, sizeUsd: number): Fill {
    this.#pf[kPfPositions0 + slot] = this.#pf[kPfPositions0 + slot]! + sizeUsd;
    this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! - sizeUsd;
    this.fills++;
    return { price: 1, qty: sizeUsd, feeUsd: 0, slippageUsd: 0 };
  }

  /** Withdraws the whole free position of a pool (a carry's part stays). */
  exitPool(slot: number): Fill {
    const free = this.free(slot);
    const amount = free > 0 ? free : 0;
    this.#pf[kPfPositions0 + slot] = this.#pf[kPfPositions0 + slot]! - amount;
    this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! + amount;
    this.fills++;
    return { price: 1, qty: amount, feeUsd: 0, slippageUsd: 0 };
  }

  /**
   * Buys (tradeUsd > 0) or sells on a USD-quoted book at the top of book, with the taker fee. A
   * sell sells at most the free long (free(slot)): never into a short, never a pair trade's leg.
   */
  trade(slot: number, tradeUsd: number): Fill {
    const q = this.#q;
    this.#view.read2(slot, kBid, kAsk, q);
    const fee = this.#fee[slot]!;
    if (tradeUsd > 0) {
      const price = q[1]!;
      const qty = tradeUsd / price;
      const feeUsd = tradeUsd * fee;
      this.#pf[kPfPositions0 + slot] = this.#pf[kPfPositions0 + slot]! + qty;
      this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! - tradeUsd - feeUsd;
      this.fills++;
      return { price, qty, feeUsd, slippageUsd: 0.5 * (q[1]! - q[0]!) * qty };
    }
    const price = q[0]!;
    const held = this.#pf[kPfPositions0 + slot]!;
    const free = held - this.#hedged[slot]!;
    const qty = Math.min(free > 0 ? free : 0, -tradeUsd / price);
    const proceeds = qty * price;
    const feeUsd = proceeds * fee;
    this.#pf[kPfPositions0 + slot] = held - qty;
    this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! + proceeds - feeUsd;
    this.fills++;
    return { price, qty: qty > 0 ? -qty : 0, feeUsd, slippageUsd: 0.5 * (q[1]! - q[0]!) * qty };
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('pf');
    v.r('view', this.#view);
    v.r('fee', this.#fee);
    v.r('isAmm', this.#isAmm);
    v.b('hedged');
    v.r('carryBuffer', this.#carryBuffer);
    v.r('q', this.#q);
    v.r('takenAt', this.#takenAt);
    v.b('columns');
    v.r('cap', this.#cap);
    v.r('pair', this.pair);
    this.fills = v.f('fills', this.fills);
  }
}
