// The ready transaction of an approved action, from the execution optimizer's table, encoded with
// ethers (finance/calldata.ts) and attached to its decision as `tx` (the execution stage: the
// pipeline's decision chain asks for it). Nothing is signed or sent; a signer downstream gets
// {to, data, value, gasEstimate}.
//  - yield_entry into an Aave pool of one token: Aave V3 Pool.supply(asset, amount, account, 0),
//    the amount in the token's own decimals (sizeUsd / the token's USD price).
//  - rebalance buy or sell of an asset: when the execution optimizer's table prices a Uniswap V3
//    pool of the asset against a stablecoin cheaper than the book the rebalancer trades on
//    (all-in cost at the reference size, bps), SwapRouter.exactInputSingle on that pool, with
//    amountOutMinimum = the pool's quote for the size (its virtual reserves in the state) less the
//    `execution.slippageToleranceBps` tolerance, and a deadline `execution.deadlineSeconds` after
//    the decision's event time. Otherwise the trade stays on the book and carries no calldata.
// Pools in the fixtures carry no chain: V3 swaps are encoded for Ethereum mainnet addresses.
import { kAsk, kBid, kFee, kKindAmm, kReserve0, kReserve1 } from '../../protocol/layout.ts';
import type { Decision } from '../types.ts';
import { representativeBooks } from '../../finance/representative_books.ts';
import { kExecTableCostBps } from '../../protocol/records.ts';
import { assetOfToken, isStable, symbolTokens } from '../../finance/tokens.ts';
import { cpAmountOut } from '../../finance/amm.ts';
import { encodeAaveSupply, encodeExactInputSingle, tokenOn, type ReadyTx } from '../../finance/calldata.ts';
import { kGasUnits } from '../../finance/gas.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { AgentConfig } from '../../workers/agents/index.ts';

const kSwapChain = 'ethereum';

export interface TransactionEncoderDeps {
  registry: RegistrySnapshot;
  view: MarketView;
  /** The execution optimizer's reader (its per-slot table prices each venue). */
  execution: ResultReader | undefined;
  config: AgentConfig;
}

export class TransactionEncoder {
  readonly #ctx: TransactionEncoderDeps;
  readonly #table: Float64Array | null;
  readonly #cap: number;
  readonly #slotOf = new Map<string, number>();
  readonly #repOf = new Map<string, number>(); // asset → representative USD book
  readonly #v3Pools = new Map<string, number[]>(); // asset → Uniswap V3 pools against a stablecoin
  readonly #q = new Float64Array(2);
  /** Transactions encoded, and encodings that failed (with the last reason). */
  encoded = 0;
  failed = 0;
  lastFailure = '';

  constructor(ctx: TransactionEncoderDeps) {
    this.#ctx = ctx;
    this.#cap = ctx.registry.capacity;
    this.#table = ctx.execution?.arrays.table ?? null;
    const reps = representativeBooks(ctx.registry);
    reps.names.forEach((n, i) => this.#repOf.set(n, reps.slots[i]!));
    for (let s = 0; s < ctx.registry.size; s++) {
      const m = ctx.registry.meta[s]!;
      this.#slotOf.set(m.key, s);
      if (m.kind !== kKindAmm || m.venue !== 'uniswap_v3' || isStable(m.base) === isStable(m.quote)) continue;
      const asset = assetOfToken(isStable(m.base) ? m.quote : m.base);
      const list = this.#v3Pools.get(asset) ?? [];
      list.push(s);
      this.#v3Pools.set(asset, list);
    }
  }

  /** The ready transaction of an approved decision, or null when it has none. Never throws. */
  transactionFor(d: Decision): ReadyTx | null {
    if (d.status !== 'approved' || !(d.sizeUsd > 0)) return null;
    try {
      let tx: ReadyTx | null = null;
      if (d.kind === 'yield_entry') tx = this.#supply(d);
      else if (d.kind === 'rebalance') tx = this.#swap(d);
      if (tx) this.encoded++;
      return tx;
    } catch (err) {
      this.failed++;
      this.lastFailure = `${d.key}: ${(err as Error).message}`;
      return null;
    }
  }

  #supply(d: Decision): ReadyTx | null {
    const slot = this.#slotOf.get(d.instruments[0]!);
    if (slot === undefined) return null;
    const m = this.#ctx.registry.meta[slot]!;
    if (m.protocol !== 'aave') return null;
    const tokens = symbolTokens(m.symbol);
    if (tokens.length !== 1) return null;
    const token = tokenOn(m.chain, tokens[0]!);
    if (!token) return null;
    const usd = isStable(token.symbol) ? 1 : this.#assetUsd(assetOfToken(token.symbol));
    if (!(usd > 0)) return null;
    const e = this.#ctx.config.execution;
    return encodeAaveSupply(m.chain, token, d.sizeUsd / usd, e.account, kGasUnits.aaveSupply);
  }

  #swap(d: Decision): ReadyTx | null {
    const book = this.#slotOf.get(d.instruments[0]!);
    if (book === undefined || this.#table === null) return null;
    const asset = this.#ctx.registry.meta[book]!.base;
    const pools = this.#v3Pools.get(asset);
    if (!pools) return null;
    const costOf = (s: number): number => this.#table![kExecTableCostBps * this.#cap + s]!;
    let best = -1, bestCost = costOf(book);
    if (!(bestCost === bestCost)) bestCost = Infinity;
    for (const p of pools) {
      const c = costOf(p);
      if (c < bestCost) { bestCost = c; best = p; }
    }
    if (best < 0) return null;
    const m = this.#ctx.registry.meta[best]!;
    const stableIs0 = isStable(m.base);
    const stable = tokenOn(kSwapChain, stableIs0 ? m.base : m.quote), token = tokenOn(kSwapChain, stableIs0 ? m.quote : m.base);
    const assetUsd = this.#assetUsd(asset);
    if (!stable || !token || !(assetUsd > 0)) return null;
    const view = this.#ctx.view;
    view.read2(best, kReserve0, kReserve1, this.#q);
    const rStable = stableIs0 ? this.#q[0]! : this.#q[1]!, rToken = stableIs0 ? this.#q[1]! : this.#q[0]!;
    view.read2(best, kFee, kFee, this.#q);
    const fee = this.#q[0]!;
    const e = this.#ctx.config.execution;
    const keep = 1 - e.slippageToleranceBps * 1e-4;
    const buy = d.action === 'buy';
    const amountIn = buy ? d.sizeUsd : d.sizeUsd / assetUsd;
    const quote = buy ? cpAmountOut(amountIn, rStable, rToken, fee) : cpAmountOut(amountIn, rToken, rStable, fee);
    if (!(quote > 0)) return null;
    return encodeExactInputSingle({
      tokenIn: buy ? stable : token, tokenOut: buy ? token : stable, fee, recipient: e.account,
      deadline: Math.floor(d.ts / 1e6) + e.deadlineSeconds, amountIn, amountOutMinimum: quote * keep,
      gasEstimate: kGasUnits.uniswapV3Swap,
    });
  }

  /** USD mid of an asset from its representative book (1 for stablecoins, NaN when unknown). */
  #assetUsd(asset: string): number {
    if (isStable(asset) || asset === 'USD') return 1;
    const rep = this.#repOf.get(asset);
    if (rep === undefined) return NaN;
    this.#ctx.view.read2(rep, kBid, kAsk, this.#q);
    return 0.5 * (this.#q[0]! + this.#q[1]!);
  }
}
