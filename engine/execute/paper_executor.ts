// The paper executor: fills approved actions against the current state, with taker fees and the
// slippage the agents priced in, and keeps the portfolio (cash, positions, realized PnL) in its
// shared region, which the agents read. Nothing here signs or sends a transaction.
import { kAsk, kBid, kPfCashUsd, kPfPositions0, kPfRealizedPnlUsd } from '../state/layout.ts';
import type { MarketArrays } from '../state/market_state.ts';
import type { MarketView } from '../state/market_view.ts';
import type { RegistrySnapshot } from '../state/registry.ts';
import { takerFee, type AgentConfig } from '../../workers/agents/config.ts';

export interface Fill {
  price: number;
  qty: number;
  feeUsd: number;
  slippageUsd: number;
}

export class PaperExecutor {
  readonly #pf: Float64Array;
  readonly #view: MarketView;
  readonly #fee: Float64Array; // slot → taker fee
  readonly #q = new Float64Array(2);
  fills = 0;

  constructor(arrays: MarketArrays, view: MarketView, registry: RegistrySnapshot, cfg: AgentConfig) {
    this.#pf = arrays.portfolio;
    this.#view = view;
    this.#fee = new Float64Array(registry.capacity);
    for (let s = 0; s < registry.size; s++) this.#fee[s] = takerFee(cfg, registry.meta[s]!.venue);
    this.#pf[kPfCashUsd] = cfg.capitalUsd;
  }

  get cashUsd(): number { return this.#pf[kPfCashUsd]!; }
  get realizedPnlUsd(): number { return this.#pf[kPfRealizedPnlUsd]!; }
  position(slot: number): number { return this.#pf[kPfPositions0 + slot]!; }

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
    this.fills++;
    return { price: ask, qty, feeUsd, slippageUsd };
  }

  /** Supplies USD into a yield pool (position in USD). */
  enterPool(slot: number, sizeUsd: number): Fill {
    this.#pf[kPfPositions0 + slot] = this.#pf[kPfPositions0 + slot]! + sizeUsd;
    this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! - sizeUsd;
    this.fills++;
    return { price: 1, qty: sizeUsd, feeUsd: 0, slippageUsd: 0 };
  }

  /** Withdraws the whole position of a pool. */
  exitPool(slot: number): Fill {
    const held = this.#pf[kPfPositions0 + slot]!;
    this.#pf[kPfPositions0 + slot] = 0;
    this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! + held;
    this.fills++;
    return { price: 1, qty: held, feeUsd: 0, slippageUsd: 0 };
  }

  /** Buys (tradeUsd > 0) or sells on a USD-quoted book at the top of book, with the taker fee. */
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
    const qty = Math.min(held, -tradeUsd / price);
    const proceeds = qty * price;
    const feeUsd = proceeds * fee;
    this.#pf[kPfPositions0 + slot] = held - qty;
    this.#pf[kPfCashUsd] = this.#pf[kPfCashUsd]! + proceeds - feeUsd;
    this.fills++;
    return { price, qty: -qty, feeUsd, slippageUsd: 0.5 * (q[1]! - q[0]!) * qty };
  }
}
