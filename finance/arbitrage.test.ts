import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  crossVenueArb, crossVenueArbQuote, kArbGrossEdgeBps, kArbQuoteAsk, kArbQuoteAskSize, kArbQuoteBid, kArbQuoteBidSize,
  kArbQuoteLength, kArbNetEdgeBps, kArbNetEdgePerUnit, kArbNetProfit, kArbOptimalSize,
  kArbOutLength, kArbParamImpactBps, kArbSizeCap, makeArbParams, netEdge, relativeNetEdge, topOfBookSize,
} from './arbitrage.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

// The worked example used throughout: buy BTC on B at ask 30 000, sell on S at bid 30 100,
// taker fees 10 bps on both legs.
//   B = 30 100·0.999 = 30 069.9, A = 30 000·1.001 = 30 030, e = B − A = 39.9 USDT per BTC
//   net edge = 30 069.9/30 030 − 1 = 0.00132867… = 13.2867 bps; gross = 100/30 000 = 33.3333 bps
// Top sizes: bid 2 BTC, ask 1.5 BTC → Q0 = 1.5. Impact 10 bps per top size → κ = 0.001,
// κ·(A + B) = 0.001·60 099.9 = 60.0999.
const kBid = 30_100, kAsk = 30_000, kBidSize = 2, kAskSize = 1.5;
const base = { sellFee: 0.001, buyFee: 0.001, impactBps: 10, capital: 1_000_000, maxPosition: 10, fixedCost: 15 };

test('edge formulas by hand', () => {
  near(netEdge(kBid, kAsk, 0.001, 0.001), 39.9, 1e-9, 'net edge per BTC');
  near(relativeNetEdge(kBid, kAsk, 0.001, 0.001), 39.9 / 30_030, 1e-15, 'relative net edge');
  // bid below ask after fees: 30 030·0.999 − 30 000·1.001 = 29 999.97 − 30 030 = −30.03
  near(netEdge(30_030, 30_000, 0.001, 0.001), -30.03, 1e-9, 'negative edge');
  assert.ok(Number.isNaN(relativeNetEdge(1, 0, 0, 0)), 'ask 0 → NaN');
  // min(2, 1.5, 1e6/30 030 = 33.3, 10) = 1.5; with 30 000 USDT: 30 000/30 030 = 0.999001
  near(topOfBookSize(2, 1.5, 30_000, 0.001, 1e6, 10), 1.5, 0, 'size limited by the ask size');
  near(topOfBookSize(2, 1.5, 30_000, 0.001, 30_000, 10), 30_000 / 30_030, 1e-15, 'size limited by capital');
  near(topOfBookSize(2, 1.5, 30_000, 0, 30_000, 10), 1, 1e-15, 'buyFee 0 gives capital/ask');
});

test('optimal size under linear impact, by hand', () => {
  const out = new Float64Array(kArbOutLength);
  const found = crossVenueArb(out, kBid, kBidSize, kAsk, kAskSize, makeArbParams(base));
  near(out[kArbNetEdgePerUnit]!, 39.9, 1e-9, 'edge per unit');
  near(out[kArbNetEdgeBps]!, 13.286713286713, 1e-9, 'net edge bps');
  near(out[kArbGrossEdgeBps]!, 33.333333333333, 1e-9, 'gross edge bps');
  // q* = Q0·(1 + e/(κ(A+B))) = 1.5·(1 + 39.9/60.0999) = 2.4958419232
  near(out[kArbOptimalSize]!, 2.495841923198, 1e-9, 'optimal size');
  // π* = e·Q0 + e²·Q0/(2κ(A+B)) − C = 59.85 + 1592.01·1.5/120.1998 − 15 = 59.85 + 19.867046 − 15
  near(out[kArbNetProfit]!, 64.717046367810, 1e-8, 'net profit');
  assert.is(found, true, 'a profitable trade is reported');
  // capital 1e6 → c = 33.3 BTC; cap = min(10, …) = 10
  near(out[kArbSizeCap]!, 10, 0, 'size cap');
});

test('caps: max position, capital, top of book only, no impact', () => {
  const out = new Float64Array(kArbOutLength);
  // maxPosition 2: q* = 2, π = 39.9·2 − 60.0999/3·0.5² − 15 = 79.8 − 5.008325 − 15 = 59.791675
  crossVenueArb(out, kBid, kBidSize, kAsk, kAskSize, makeArbParams({ ...base, maxPosition: 2 }));
  near(out[kArbOptimalSize]!, 2, 0, 'size at max position');
  near(out[kArbNetProfit]!, 59.791675, 1e-8, 'profit at max position');
  // capital 60 000: c = 60 000/30 030 = 1.998002 > Q0; d = 2·0.498002/(1 + √(1 + 2·0.001·0.498002/1.5))
  //   = 0.996004/2.000332 = 0.4979194 → cap 1.9979194; its cost 30 030·q + 0.001·30 030/3·d² = 60 000
  crossVenueArb(out, kBid, kBidSize, kAsk, kAskSize, makeArbParams({ ...base, capital: 60_000 }));
  near(out[kArbSizeCap]!, 1.9979193567734, 1e-10, 'capital cap');
  near(out[kArbOptimalSize]!, 1.9979193567734, 1e-10, 'size at the capital cap');
  const d = out[kArbOptimalSize]! - 1.5;
  near(30_030 * out[kArbOptimalSize]! + (0.001 * 30_030 / 3) * d * d, 60_000, 1e-7, 'the capital is spent exactly');
  near(out[kArbNetProfit]!, 59.750252759537, 1e-8, 'profit at the capital cap');
  // impact ∞: top of book only → 1.5 BTC, π = 39.9·1.5 − 15 = 44.85
  crossVenueArb(out, kBid, kBidSize, kAsk, kAskSize, makeArbParams({ ...base, impactBps: Infinity }));
  near(out[kArbOptimalSize]!, 1.5, 0, 'top of book only');
  near(out[kArbNetProfit]!, 44.85, 1e-9, 'profit at the top only');
  // impact ∞ with capital for 1 BTC: min(1.5, 30 030/30 030) = 1 → π = 39.9 − 15 = 24.9
  crossVenueArb(out, kBid, kBidSize, kAsk, kAskSize, makeArbParams({ ...base, impactBps: Infinity, capital: 30_030 }));
  near(out[kArbOptimalSize]!, 1, 1e-15, 'top of book, capital bound');
  near(out[kArbNetProfit]!, 24.9, 1e-9, 'profit, capital bound');
  // impact 0: unlimited depth at the top prices → size = max position 10, π = 399 − 15 = 384
  crossVenueArb(out, kBid, kBidSize, kAsk, kAskSize, makeArbParams({ ...base, impactBps: 0 }));
  near(out[kArbOptimalSize]!, 10, 0, 'no impact → cap');
  near(out[kArbNetProfit]!, 384, 1e-9, 'profit with no impact');
});

test('no trade: bid ≤ ask after fees, fixed cost too high, zero depth', () => {
  const out = new Float64Array(kArbOutLength);
  const params = makeArbParams(base);
  // bid 30 030 vs ask 30 000: gross +10 bps, net −30.03 per BTC → −10.0 bps
  assert.is(crossVenueArb(out, 30_030, 5, 30_000, 5, params), false, 'no trade reported');
  near(out[kArbGrossEdgeBps]!, 10, 1e-9, 'gross edge positive');
  near(out[kArbNetEdgeBps]!, (29_999.97 / 30_030 - 1) * 1e4, 1e-9, 'net edge negative');
  assert.is(out[kArbOptimalSize], 0, 'no size');
  assert.is(out[kArbNetProfit], 0, 'no profit');
  // crossed the other way: bid < ask
  crossVenueArb(out, 29_900, 5, 30_000, 5, params);
  assert.ok(out[kArbNetEdgeBps]! < 0 && out[kArbOptimalSize] === 0 && out[kArbNetProfit] === 0, 'bid < ask');
  // fixed cost 100 > best gross profit 79.717 → no trade
  crossVenueArb(out, kBid, kBidSize, kAsk, kAskSize, makeArbParams({ ...base, fixedCost: 100 }));
  assert.is(out[kArbOptimalSize], 0, 'fixed cost eats the profit');
  assert.is(out[kArbNetProfit], 0);
  // zero size at the top of one venue
  crossVenueArb(out, kBid, 0, kAsk, kAskSize, params);
  assert.is(out[kArbOptimalSize], 0, 'zero bid size');
  assert.is(out[kArbSizeCap], 0, 'zero bid size → cap 0');
  crossVenueArb(out, kBid, kBidSize, kAsk, kAskSize, makeArbParams({ ...base, impactBps: 0, capital: 0 }));
  assert.is(out[kArbOptimalSize], 0, 'no capital');
});

test('the quote-array entry point gives the same results', () => {
  const a = new Float64Array(kArbOutLength), b = new Float64Array(kArbOutLength);
  const params = makeArbParams(base);
  const quote = new Float64Array(kArbQuoteLength);
  quote[kArbQuoteBid] = kBid;
  quote[kArbQuoteBidSize] = kBidSize;
  quote[kArbQuoteAsk] = kAsk;
  quote[kArbQuoteAskSize] = kAskSize;
  assert.is(crossVenueArbQuote(a, quote, params), crossVenueArb(b, kBid, kBidSize, kAsk, kAskSize, params));
  assert.equal(Array.from(a), Array.from(b));
  near(a[kArbOptimalSize]!, 2.495841923198, 1e-9, 'same optimal size');
});

test('invalid input writes NaN', () => {
  const out = new Float64Array(kArbOutLength);
  const params = makeArbParams(base);
  for (const [bid, bs, ask, as] of [[NaN, 1, 1, 1], [1, 1, 0, 1], [-1, 1, 1, 1], [1, -1, 1, 1], [1, 1, 1, NaN]]) {
    assert.is(crossVenueArb(out, bid!, bs!, ask!, as!, params), false, 'returns false');
    for (let i = 0; i < kArbOutLength; i++) assert.ok(Number.isNaN(out[i]!), `field ${i} NaN`);
  }
  const bad = makeArbParams(base);
  bad[kArbParamImpactBps] = -1;
  assert.is(crossVenueArb(out, kBid, kBidSize, kAsk, kAskSize, bad), false, 'negative impact → false');
  assert.ok(Number.isNaN(out[kArbNetProfit]!), 'negative impact → NaN written');
});

test('makeArbParams names the bad key', () => {
  assert.throws(() => makeArbParams({ ...base, sellFee: 1 }), /options\.sellFee must be a fraction/);
  assert.throws(() => makeArbParams({ ...base, buyFee: -0.1 }), /options\.buyFee/);
  assert.throws(() => makeArbParams({ ...base, impactBps: NaN }), /options\.impactBps/);
  assert.throws(() => makeArbParams({ ...base, capital: -5 }), /options\.capital/);
  assert.throws(() => makeArbParams({ ...base, maxPosition: -1 }), /options\.maxPosition/);
  assert.throws(() => makeArbParams({ ...base, fixedCost: Infinity }), /options\.fixedCost/);
});

// Brute force: fill unit slices one by one at the marginal prices of the model (midpoint rule, with
// a slice boundary at the kink Q0 so that each slice sees a linear price), independent of the
// closed forms, and search a grid of sizes for the best profit.
function simulate(q: number, bid: number, ask: number, q0: number, fS: number, fB: number, kappa: number,
  steps: number): { proceeds: number; cost: number } {
  let proceeds = 0, cost = 0;
  const pieces = q > q0 ? [0, q0, q] : [0, q];
  for (let j = 0; j + 1 < pieces.length; j++) {
    const h = (pieces[j + 1]! - pieces[j]!) / steps;
    for (let i = 0; i < steps; i++) {
      const x = pieces[j]! + (i + 0.5) * h;
      const away = Math.max(0, x - q0) / q0;
      cost += ask * (1 + fB) * (1 + kappa * away) * h;
      proceeds += bid * (1 - fS) * (1 - kappa * away) * h;
    }
  }
  return { proceeds, cost };
}

test('optimal size and profit match a brute-force grid search', () => {
  const out = new Float64Array(kArbOutLength);
  const cases = [
    { bid: 30_100, ask: 30_000, bs: 2, as: 1.5, fS: 0.001, fB: 0.001, imp: 10, cap: 1e6, maxP: 10, c: 15 },
    { bid: 2_005, ask: 2_000, bs: 30, as: 12, fS: 0.0004, fB: 0.0002, imp: 4, cap: 1e6, maxP: 1e3, c: 3 },
    { bid: 1.0012, ask: 1.0, bs: 5e4, as: 8e4, fS: 0.0001, fB: 0.0001, imp: 2, cap: 1e6, maxP: 1e7, c: 1 },
    { bid: 30_100, ask: 30_000, bs: 2, as: 1.5, fS: 0.001, fB: 0.001, imp: 10, cap: 60_000, maxP: 10, c: 15 },
  ];
  for (const k of cases) {
    crossVenueArb(out, k.bid, k.bs, k.ask, k.as, makeArbParams({
      sellFee: k.fS, buyFee: k.fB, impactBps: k.imp, capital: k.cap, maxPosition: k.maxP, fixedCost: k.c,
    }));
    const q0 = Math.min(k.bs, k.as);
    const kappa = k.imp * 1e-4;
    const upper = Math.min(k.maxP, 6 * q0); // the capital limit is checked by simulation below
    let bestQ = 0, bestP = 0;
    const grid = 2000;
    for (let i = 1; i <= grid; i++) {
      const q = (upper * i) / grid;
      const s = simulate(q, k.bid, k.ask, q0, k.fS, k.fB, kappa, 400);
      if (s.cost > k.cap * (1 + 1e-9)) continue; // over the capital
      const p = s.proceeds - s.cost - k.c;
      if (p > bestP) { bestP = p; bestQ = q; }
    }
    const gridStep = upper / grid;
    assert.ok(Math.abs(out[kArbOptimalSize]! - bestQ) <= 1.01 * gridStep,
      `size ${out[kArbOptimalSize]} vs grid ${bestQ} (step ${gridStep}) for bid ${k.bid}`);
    // The grid can only do worse than the true optimum…
    assert.ok(out[kArbNetProfit]! >= bestP - 1e-9 * Math.abs(bestP), `closed form ≥ grid for bid ${k.bid}`);
    // …and no better than the grid by more than one step at the top marginal profit e.
    assert.ok(out[kArbNetProfit]! - bestP <= out[kArbNetEdgePerUnit]! * gridStep,
      `profit ${out[kArbNetProfit]} vs grid ${bestP} for bid ${k.bid}`);
  }
});

test.run();
