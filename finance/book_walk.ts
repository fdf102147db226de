// Order-book levels beyond the walk of one side (that walk is swap_path.ts's book leg, walkLeg):
// the walk of two books against each other (a cross-venue arbitrage: where its marginal profit
// falls to zero), what a side can absorb in all, and the largest size whose average price stays
// within a bound.
//
// Levels are read from a Float64Array at two offsets, prices and sizes, best first (bids falling,
// asks rising), n levels; this is the layout of a slot's depth record (protocol/layout.ts:
// kDepthBidPrice0 / kDepthBidSize0, kDepthAskPrice0 / kDepthAskSize0). Beyond the last level the
// book is unknown and nothing more is traded. Caller-owned outputs; nothing allocates.

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
