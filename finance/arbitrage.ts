// Cross-exchange arbitrage: buy the base asset on venue B at its ask, sell it on venue S at its
// bid, with taker fees on both legs, a linear price-impact model beyond the top of book, and a
// fixed cost per trade (transfer, gas). Prices in quote units per unit of base (e.g. USDT per BTC),
// sizes in base units, money in quote units.
//
// The hot function, crossVenueArb, takes the four quote numbers as scalars and the slowly
// changing parameters as a Float64Array (built once with makeArbParams), and writes its results
// into a caller-owned Float64Array. It allocates nothing. The model itself lives in
// crossVenueArbQuote, which reads the quote from a Float64Array: it is too large for V8 to inline,
// and V8 boxes (allocates) every computed double passed to or returned from a call it does not
// inline. crossVenueArb is a small wrapper that V8 does inline; it hands the numbers over through
// a per-thread Float64Array, so no double crosses a call boundary.

// NaN and Infinity as module constants: V8 keeps a computed double unboxed where it meets one
// of these on a return path, but boxes it (allocates) where it meets the global NaN or Infinity.
const kNaN = NaN;
const kInfinity = Infinity;

// Quote layout (Float64Array of kArbQuoteLength), copied from the two venues' top of book:
/** Best bid on the sell venue S, quote per base. */
export const kArbQuoteBid = 0;
/** Size at that bid, base units. */
export const kArbQuoteBidSize = 1;
/** Best ask on the buy venue B, quote per base. */
export const kArbQuoteAsk = 2;
/** Size at that ask, base units. */
export const kArbQuoteAskSize = 3;
export const kArbQuoteLength = 4;

// Parameter layout (Float64Array of kArbParamsLength):
/** Taker fee on the sell venue S, fraction (0.001 = 10 bps). */
export const kArbParamSellFee = 0;
/** Taker fee on the buy venue B, fraction. */
export const kArbParamBuyFee = 1;
/**
 * Linear impact, in bps of price per top size traded beyond the top of book (see crossVenueArb).
 * 0 means unlimited depth at the top prices; +Infinity means no trading beyond the top of book.
 */
export const kArbParamImpactBps = 2;
/** Quote capital available for the buy leg (fees and impact included). */
export const kArbParamCapital = 3;
/** Largest position in base units. */
export const kArbParamMaxPosition = 4;
/** Fixed cost per round trip in quote units (transfer, withdrawal, gas). */
export const kArbParamFixedCost = 5;
export const kArbParamsLength = 6;

// Output layout (Float64Array of kArbOutLength):
/** Relative net edge at the top of book, bps: (bid·(1 − fS)/(ask·(1 + fB)) − 1)·1e4. */
export const kArbNetEdgeBps = 0;
/** Profit-maximising size in base units (0 when no size makes a profit). */
export const kArbOptimalSize = 1;
/** Net profit at that size in quote units, after fees, impact and the fixed cost (0 when no trade). */
export const kArbNetProfit = 2;
/** Gross edge at the top of book before fees, bps: (bid/ask − 1)·1e4. */
export const kArbGrossEdgeBps = 3;
/** Net edge per unit of base at the top of book, quote units: bid·(1 − fS) − ask·(1 + fB). */
export const kArbNetEdgePerUnit = 4;
/** Size cap from capital and maxPosition, base units (before the profit optimisation). */
export const kArbSizeCap = 5;
export const kArbOutLength = 6;

export interface ArbParamsOptions {
  sellFee: number;
  buyFee: number;
  impactBps: number;
  capital: number;
  maxPosition: number;
  fixedCost: number;
}

/**
 * Builds the parameter array for crossVenueArb (setup time; allocates). Throws with a message
 * naming the key when a value is out of range: fees in [0, 1), impactBps ≥ 0 (Infinity allowed),
 * capital ≥ 0, maxPosition ≥ 0 (Infinity allowed), fixedCost ≥ 0 and finite.
 */
export function makeArbParams(options: ArbParamsOptions): Float64Array {
  const check = (key: keyof ArbParamsOptions, ok: (v: number) => boolean, rule: string): number => {
    const v = options[key];
    if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) throw new Error(`options.${key} must be ${rule}`);
    return v;
  };
  const p = new Float64Array(kArbParamsLength);
  p[kArbParamSellFee] = check('sellFee', (v) => v >= 0 && v < 1, 'a fraction in [0, 1)');
  p[kArbParamBuyFee] = check('buyFee', (v) => v >= 0 && v < 1, 'a fraction in [0, 1)');
  p[kArbParamImpactBps] = check('impactBps', (v) => v >= 0, 'a number ≥ 0 (Infinity: top of book only)');
  p[kArbParamCapital] = check('capital', (v) => v >= 0, 'a number ≥ 0');
  p[kArbParamMaxPosition] = check('maxPosition', (v) => v >= 0, 'a number ≥ 0');
  p[kArbParamFixedCost] = check('fixedCost', (v) => v >= 0 && v < kInfinity, 'a finite number ≥ 0');
  return p;
}

/**
 * Net edge per unit of base, quote units: bid·(1 − fS) − ask·(1 + fB).
 * fS, fB taker fees as fractions. NaN inputs give NaN.
 */
export function netEdge(bid: number, ask: number, sellFee: number, buyFee: number): number {
  return bid * (1 - sellFee) - ask * (1 + buyFee);
}

/**
 * Relative net edge, dimensionless: bid·(1 − fS) / (ask·(1 + fB)) − 1. Returns NaN when ask ≤ 0.
 */
export function relativeNetEdge(bid: number, ask: number, sellFee: number, buyFee: number): number {
  if (!(ask > 0)) return kNaN;
  return (bid * (1 - sellFee)) / (ask * (1 + buyFee)) - 1;
}

/**
 * Top-of-book size, base units: min(bidSize, askSize, capital/(ask·(1 + fB)), maxPosition).
 * The buy fee is paid from the same capital, so the capital buys capital/(ask·(1 + fB)) units
 * (pass buyFee 0 for capital/ask). Returns NaN when ask ≤ 0 or an input is NaN.
 */
export function topOfBookSize(
  bidSize: number, askSize: number, ask: number, buyFee: number, capital: number, maxPosition: number,
): number {
  if (!(ask > 0)) return kNaN;
  return Math.min(bidSize, askSize, capital / (ask * (1 + buyFee)), maxPosition);
}

// Per-thread hand-over area for crossVenueArb (each worker thread has its own module instance;
// JavaScript runs one call to completion, so it is never used by two calls at once).
const kQuoteHandOver = new Float64Array(kArbQuoteLength);

/**
 * Cross-venue arbitrage, scalar entry point: bid and bidSize on the sell venue S, ask and askSize
 * on the buy venue B, params from makeArbParams. Same model, outputs and return value as
 * crossVenueArbQuote (below), to which it passes the quote through a per-thread Float64Array.
 */
export function crossVenueArb(
  out: Float64Array, bid: number, bidSize: number, ask: number, askSize: number, params: Float64Array,
): boolean {
  const q = kQuoteHandOver;
  q[kArbQuoteBid] = bid;
  q[kArbQuoteBidSize] = bidSize;
  q[kArbQuoteAsk] = ask;
  q[kArbQuoteAskSize] = askSize;
  return crossVenueArbQuote(out, q, params);
}

/**
 * Cross-venue arbitrage with linear impact beyond the top of book. Writes kArbOutLength values to
 * out and returns true when a profitable trade was found (out[kArbNetProfit] > 0). (It returns a
 * boolean, not the profit, so that a call V8 does not inline returns no boxed double.)
 *
 * Model. B = bid·(1 − fS) and A = ask·(1 + fB) are the fee-adjusted top prices, e = B − A the net
 * edge per unit, Q0 = min(bidSize, askSize) the size both tops can fill, κ = impactBps·1e-4.
 * Up to Q0 units trade at the top prices. Beyond it the marginal prices move linearly against us,
 * by κ for every further Q0 units: the x-th unit costs A·(1 + κ·(x − Q0)⁺/Q0) and sells for
 * B·(1 − κ·(x − Q0)⁺/Q0). The marginal profit is therefore
 *   m(x) = e                          for x ≤ Q0,
 *   m(x) = e − κ·(A + B)·(x − Q0)/Q0   for x > Q0,
 * and the net profit of a round trip of q > 0 units (π(0) = 0: no trade, no fixed cost) is
 *   π(q) = e·q − κ·(A + B)/(2·Q0)·((q − Q0)⁺)² − C.
 * π is concave; for e > 0 setting m(q) = 0 gives the unconstrained maximiser
 *   q_u = Q0·(1 + e/(κ·(A + B)))      (q_u = ∞ for κ = 0, q_u = Q0 for κ = ∞),
 * with the profit there π(q_u) = e·Q0 + e²·Q0/(2·κ·(A + B)) − C,
 * and the optimum is q* = min(q_u, qCap). The trade is taken only when π(q*) > 0; otherwise the
 * size and profit written are 0.
 *
 * Caps. qCap = min(maxPosition, qCapital), where qCapital spends exactly the capital K on the buy
 * leg, fees and impact included: cost(q) = A·q + κ·A/(2·Q0)·((q − Q0)⁺)².
 * With c = K/A: qCapital = c when c ≤ Q0; otherwise qCapital = Q0 + d, d the positive root of
 * κ/(2·Q0)·d² + d − (c − Q0) = 0, written in the cancellation-free form
 *   d = 2·(c − Q0) / (1 + √(1 + 2·κ·(c − Q0)/Q0)).
 *
 * Inputs: quote (kArbQuote*: bid, bidSize on S, ask, askSize on B) and params (kArbParam*).
 * Units: bid, ask in quote per base; sizes in base; fees fractions; capital, fixedCost and the
 * profit in quote. Bps are relative to the (fee-adjusted) ask.
 * Invalid input (bid or ask not > 0, a negative or NaN size, NaN parameters) writes NaN to every
 * field and returns false. bid ≤ ask after fees writes the (negative) edges, size 0, profit 0.
 * Zero size at either top (Q0 = 0) means no trade (size cap 0).
 * κ = 0 with unlimited capital and maxPosition gives an unbounded size and profit (Infinity).
 */
export function crossVenueArbQuote(out: Float64Array, quote: Float64Array, params: Float64Array): boolean {
  const bid = quote[kArbQuoteBid]!;
  const bidSize = quote[kArbQuoteBidSize]!;
  const ask = quote[kArbQuoteAsk]!;
  const askSize = quote[kArbQuoteAskSize]!;
  const fS = params[kArbParamSellFee]!;
  const fB = params[kArbParamBuyFee]!;
  const kappa = params[kArbParamImpactBps]! * 1e-4;
  const capital = params[kArbParamCapital]!;
  const maxPosition = params[kArbParamMaxPosition]!;
  const fixedCost = params[kArbParamFixedCost]!;
  if (!(bid > 0 && ask > 0 && bidSize >= 0 && askSize >= 0 && bid < kInfinity && ask < kInfinity &&
    fS >= 0 && fS < 1 && fB >= 0 && fB < 1 && kappa >= 0 && capital >= 0 && maxPosition >= 0 &&
    fixedCost >= 0)) {
    out.fill(kNaN, 0, kArbOutLength);
    return false;
  }
  const sellNet = bid * (1 - fS); // B
  const buyCost = ask * (1 + fB); // A
  const edge = sellNet - buyCost; // e
  const q0 = Math.min(bidSize, askSize);
  out[kArbGrossEdgeBps] = (bid / ask - 1) * 1e4;
  out[kArbNetEdgeBps] = (sellNet / buyCost - 1) * 1e4;
  out[kArbNetEdgePerUnit] = edge;

  // Capital cap (see the doc comment).
  const c = capital / buyCost;
  let qCapital: number;
  if (c <= q0) {
    qCapital = c;
  } else if (!(q0 > 0)) {
    qCapital = 0; // no size at the top: nothing can be bought at a known price
  } else {
    const excess = c - q0;
    qCapital = q0 + (2 * excess) / (1 + Math.sqrt(1 + (2 * kappa * excess) / q0));
  }
  const qCap = Math.min(maxPosition, qCapital);
  out[kArbSizeCap] = qCap;

  let size = 0;
  let profit = 0;
  if (edge > 0 && q0 > 0 && qCap > 0) {
    const slope = kappa * (sellNet + buyCost); // κ·(A + B)
    const qUnconstrained = slope > 0 ? q0 * (1 + edge / slope) : kInfinity;
    const q = Math.min(qUnconstrained, qCap);
    const beyond = q - q0;
    const impactCost = beyond > 0 ? (slope / (2 * q0)) * beyond * beyond : 0;
    const p = edge * q - impactCost - fixedCost;
    if (p > 0) {
      size = q;
      profit = p;
    }
  }
  out[kArbOptimalSize] = size;
  out[kArbNetProfit] = profit;
  return profit > 0;
}
