// Walking order-book levels: the one walk of one side of a book (what a taker gets for an input,
// level by level, net of the taker fee, and the marginal rate of the next unit), the largest size
// whose average price stays within a bound, and the walk of two books against each other (a
// cross-venue arbitrage: where its marginal profit falls to zero).
//
// Levels are read from a Float64Array at two offsets, prices and sizes, best first (bids falling,
// asks rising), n levels; this is the layout of a slot's depth record (protocol/layout.ts:
// kDepthBidPrice0 / kDepthBidSize0, kDepthAskPrice0 / kDepthAskSize0) and of a swap path's book leg
// (swap_path.ts). Beyond the last level the book is unknown and nothing more is traded.
// Caller-owned outputs; nothing allocates, and no double travels as an argument of walkLevels
// (V8 boxes a double passed to a call it does not inline; the swap path calls it in a bisection).

const kNaN = NaN;

// Output layout of crossBookWalk (Float64Array of kCbwOutLength):
/** Size traded, base units: where the marginal profit reached zero, the depth ran out, or the capital. */
export const kCbwSize = 0;
/** Profit of the round trip in quote units, after both legs' fees (before any fixed cost). */
export const kCbwProfit = 1;
/** Taker fees paid on both legs, quote units. */
export const kCbwFees = 2;
/** Slippage: the top-of-book net edge times the size, minus the profit (≥ 0), quote units. */
export const kCbwSlippage = 3;
/** Average ask paid (before fee), quote per base; NaN when nothing traded. */
export const kCbwAvgBuy = 4;
/** Average bid received (before fee), quote per base; NaN when nothing traded. */
export const kCbwAvgSell = 5;
/** Net edge per unit at the top of book: bid₀·(1 − fS) − ask₀·(1 + fB), quote units. */
export const kCbwTopEdge = 6;
/** Levels reached by the walk (bids + asks), including the level where it stopped. */
export const kCbwLevels = 7;
export const kCbwOutLength = 8;

/**
 * Cross-venue arbitrage by walking both books: buy on venue B up its asks (each unit at level i
 * costs askᵢ·(1 + fB)), sell on venue S down its bids (each unit at level j yields bidⱼ·(1 − fS)).
 * The marginal profit of the next unit is bidⱼ·(1 − fS) − askᵢ·(1 + fB), a falling step function
 * of the size; the walk takes units while it is positive, so the size is exactly where the
 * marginal profit falls to zero (or a book runs out, or the capital, spent on the buy leg with
 * fees, runs out).
 * Example (fees 0): asks 100×1, 101×1; bids 103×1.5, 100.5×2 → 1 @ (103 − 100) + 0.5 @ (103 − 101)
 * + 0.5 @ (100.5 − 101) stops: size 1.5, profit 4.
 * Writes kCbwOutLength values and returns true when the profit is positive. Invalid fees (outside
 * [0, 1)) or capital (< 0 or NaN) write NaN everywhere and return false; an empty book trades 0.
 */
export function crossBookWalk(
  out: Float64Array,
  bids: Float64Array, bidPriceAt: number, bidSizeAt: number, bidLevels: number,
  asks: Float64Array, askPriceAt: number, askSizeAt: number, askLevels: number,
  sellFee: number, buyFee: number, capital: number,
): boolean {
  if (!(sellFee >= 0 && sellFee < 1 && buyFee >= 0 && buyFee < 1 && capital >= 0)) {
    out.fill(kNaN, 0, kCbwOutLength);
    return false;
  }
  const gS = 1 - sellFee, gB = 1 + buyFee;
  let i = 0, j = 0;
  let remA = askLevels > 0 ? asks[askSizeAt]! : 0;
  let remB = bidLevels > 0 ? bids[bidSizeAt]! : 0;
  let size = 0, cost = 0, proceeds = 0, askNotional = 0, bidNotional = 0, left = capital;
  const topEdge = askLevels > 0 && bidLevels > 0 ? bids[bidPriceAt]! * gS - asks[askPriceAt]! * gB : kNaN;
  while (i < askLevels && j < bidLevels) {
    if (!(remA > 0)) { i++; if (i < askLevels) remA = asks[askSizeAt + i]!; continue; }
    if (!(remB > 0)) { j++; if (j < bidLevels) remB = bids[bidSizeAt + j]!; continue; }
    const ask = asks[askPriceAt + i]!, bid = bids[bidPriceAt + j]!;
    const unitCost = ask * gB;
    if (!(bid * gS - unitCost > 0) || !(left > 0)) break;
    let take = remA < remB ? remA : remB;
    if (take * unitCost > left) take = left / unitCost;
    size += take;
    cost += take * unitCost;
    proceeds += take * bid * gS;
    askNotional += take * ask;
    bidNotional += take * bid;
    left -= take * unitCost;
    remA -= take;
    remB -= take;
  }
  const profit = proceeds - cost;
  out[kCbwSize] = size;
  out[kCbwProfit] = profit;
  out[kCbwFees] = askNotional * buyFee + bidNotional * sellFee;
  out[kCbwSlippage] = size > 0 ? Math.max(0, topEdge * size - profit) : 0;
  out[kCbwAvgBuy] = size > 0 ? askNotional / size : kNaN;
  out[kCbwAvgSell] = size > 0 ? bidNotional / size : kNaN;
  out[kCbwTopEdge] = topEdge;
  out[kCbwLevels] = size > 0 ? (i < askLevels ? i + 1 : i) + (j < bidLevels ? j + 1 : j) : 0;
  return profit > 0;
}

// In/out of walkLevels (Float64Array of kWalkLength): the caller sets kWalkIn and kWalkFee.
/** Input: base units sold into the bids, or quote units spent on the asks. */
export const kWalkIn = 0;
/** Taker fee (fraction), taken from what is received. */
export const kWalkFee = 1;
/** Amount received, net of the fee (quote for a sell, base for a buy). */
export const kWalkOut = 2;
/** Input consumed (less than kWalkIn when the book runs out). */
export const kWalkInUsed = 3;
/** Marginal rate of the next unit of input (output per input, fee included); 0 past the depth. */
export const kWalkMarginal = 4;
/** Price of the last level touched (the first level when nothing traded). */
export const kWalkLastPrice = 5;
export const kWalkLength = 6;

/**
 * The walk of one side of a book. Selling (buy = false) takes io[kWalkIn] base units into the bids:
 * proceeds Σ bidᵢ·takeᵢ·(1 − fee), marginal rate bid·(1 − fee) at the level the next unit would hit.
 * Buying (buy = true) spends io[kWalkIn] quote units on the asks: base received
 * Σ (spendᵢ/askᵢ)·(1 − fee), marginal rate (1 − fee)/ask.
 * Examples: bids 100×1, 99×2, fee 0.001, sell 2 → (100 + 99)·0.999 = 198.801, marginal 99·0.999;
 * asks 100×1, 101×2, fee 0, spend 201 → 1 + 101/101 = 2 base, marginal 1/101.
 */
export function walkLevels(io: Float64Array, lv: Float64Array, priceAt: number, sizeAt: number, n: number, buy: boolean): void {
  const amountIn = io[kWalkIn]!;
  const g = 1 - io[kWalkFee]!;
  let left = amountIn > 0 ? amountIn : 0;
  let got = 0;
  let marginal = 0;
  let last = n > 0 ? lv[priceAt]! : kNaN;
  for (let i = 0; i < n; i++) {
    const p = lv[priceAt + i]!, s = lv[sizeAt + i]!;
    if (!(p > 0 && s > 0)) continue;
    const capacity = buy ? s * p : s; // input this level absorbs
    const rate = buy ? g / p : p * g;
    if (left < capacity) {
      got += left * rate;
      last = p;
      marginal = rate;
      left = 0;
      break;
    }
    got += capacity * rate;
    left -= capacity;
    last = p;
  }
  io[kWalkOut] = got;
  io[kWalkInUsed] = (amountIn > 0 ? amountIn : 0) - left;
  io[kWalkMarginal] = left > 0 ? 0 : marginal;
  io[kWalkLastPrice] = last;
}

/** The input a side of the book can absorb in all: Σ sizes for a sell, Σ price·size for a buy. */
export function bookCapacity(lv: Float64Array, priceAt: number, sizeAt: number, n: number, buy: boolean): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const p = lv[priceAt + i]!, s = lv[sizeAt + i]!;
    if (p > 0 && s > 0) c += buy ? p * s : s;
  }
  return c > 0 ? c : 0;
}

/**
 * The largest quantity whose average price stays within `tolerance` (fraction) of the first
 * level's: walks the levels and, in the level where the average would pass the bound, solves
 * (cost + p·x)/(filled + x) = p₀·(1 + tol) for x. Returns the quantity in base units (the whole
 * book when it never passes the bound).
 */
export function maxQtyWithinSlippage(lv: Float64Array, priceAt: number, sizeAt: number, n: number, tolerance: number): number {
  const p0 = lv[priceAt]!;
  if (!(p0 > 0 && tolerance >= 0)) return 0;
  const bound = p0 * (1 + tolerance);
  let cost = 0, filled = 0;
  for (let i = 0; i < n; i++) {
    const p = lv[priceAt + i]!, s = lv[sizeAt + i]!;
    if (!(p > 0 && s > 0)) continue;
    if (p <= bound || (cost + p * s) / (filled + s) <= bound) { cost += p * s; filled += s; continue; }
    // (cost + p·x) = bound·(filled + x) ⇒ x = (bound·filled − cost)/(p − bound)
    const x = (bound * filled - cost) / (p - bound);
    return filled + (x > 0 ? x : 0);
  }
  return filled;
}
