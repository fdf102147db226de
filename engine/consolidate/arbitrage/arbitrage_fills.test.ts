// End to end on the test fixture (lockstep, inline): every approved triangular, yield and
// statistical arbitrage decision fills on paper, and the portfolio moves exactly as its fill says.
// A sink watches the executor's portfolio region at each decision (written right after its fill)
// and checks, per decision:
//  - triangular: cash and realized PnL up by the expected profit, no position; qty = size and
//    qty·(price − 1) − gas = the profit with 0 ≤ gas ≤ feeUsd;
//  - yield carry: the supplied pool + size, the borrow market + collateral − size with collateral =
//    size/λ (λ from the state's LTV and the configured buffer), cash − (collateral + gas), realized − gas;
//  - pair trade: + units on the bought book (the fill's), − units on the sold book, the legs' USD
//    notionals in the ratio β : 1 (or 1 : β), cash by the notionals at the top of book and the fees,
//    nothing realized; its close reverses exactly those units and realizes the round trip's cash;
//  - any other decision realizes nothing, except a cross-exchange arbitrage (its expected profit),
//    and a decision without a fill leaves the portfolio as it was;
//  - no book ever holds less than its open pair-trade legs (the rebalancer's sells never eat into a
//    short or a pair's long leg);
//  - at the end, cash and realized PnL are the sums of the decisions' changes, and realized PnL is
//    the sum of the fills' realized parts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kTestFixture } from '../../testing/run_fixture.ts';
import { resolveOptions } from '../../options.ts';
import { InstrumentRegistry } from '../../../protocol/registry.ts';
import { loadFixture } from '../../source/file/fixture_reader.ts';
import { buildPipeline, type Pipeline } from '../../pipeline.ts';
import { runLoop } from '../../step/tape_replay.ts';
import { kAsk, kBid, kLtv, kPfCashUsd, kPfPositions0, kPfRealizedPnlUsd } from '../../../protocol/layout.ts';
import type { Decision, DecisionSink } from '../../types.ts';
import { reserveDerivedSlots } from '../../state/derived_slots.ts';
import { kUsdQuotes } from '../../../finance/tokens.ts';

const kCent = 0.0051; // decisions round USD to cents
const close = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;

test('every approved triangular, yield and statistical arbitrage fills, and the portfolio follows its fills', async () => {
  const o = resolveOptions({ fixture: kTestFixture, threads: 0, decisions: null, summary: null, deadLetters: null, progress: false });
  const registry = new InstrumentRegistry();
  const load = await loadFixture(o.fixture, registry, {});
  reserveDerivedSlots(registry);
  registry.freeze();
  let p!: Pipeline;
  let prev!: Float64Array;
  const buffer = o.config.agents.arbitrage.yieldArb.liquidationBuffer;
  const problems: string[] = [];
  const counts: Record<string, number> = {};
  const pairUnits = new Map<number, number>(); // book slot → units held by open pair trades (signed)
  const open = new Map<string, { buy: number; sell: number; uBuy: number; uSell: number; cash: number }>();
  let sumCash = 0, sumRealized = 0, realizedOfFills = 0;
  const q = new Float64Array(2);
  const slotOf = (key: string): number => registry.slotOf(key);
  const bidAsk = (slot: number): [number, number] => { p.view.read2(slot, kBid, kAsk, q); return [q[0]!, q[1]!]; };
  const pairKey = (a: number, b: number): string => [p.snapshot.meta[a]!.base, p.snapshot.meta[b]!.base].sort().join('|');
  const bad = (d: Decision, what: string): void => { if (problems.length < 20) problems.push(`${d.key}: ${what}`); };

  const sink: DecisionSink = {
    write(d: Decision): void {
      const pf = p.arrays.portfolio;
      const dCash = pf[kPfCashUsd]! - prev[kPfCashUsd]!, dReal = pf[kPfRealizedPnlUsd]! - prev[kPfRealizedPnlUsd]!;
      const moved = new Map<number, number>();
      for (let s = 0; s < p.snapshot.size; s++) {
        const dp = pf[kPfPositions0 + s]! - prev[kPfPositions0 + s]!;
        if (dp !== 0) moved.set(s, dp);
      }
      const dPos = (s: number): number => moved.get(s) ?? 0;
      sumCash += dCash; sumRealized += dReal;
      const approved = d.status === 'approved';
      if (approved) counts[d.kind] = (counts[d.kind] ?? 0) + 1;
      const arb = d.kind === 'arbitrage_triangular' || d.kind === 'arbitrage_yield' || d.kind === 'arbitrage_statistical';
      if (arb && approved !== (d.fill !== null)) bad(d, `${d.status} with fill ${JSON.stringify(d.fill)}`);
      if (d.fill === null && (dCash !== 0 || dReal !== 0 || moved.size > 0)) bad(d, 'the portfolio moved without a fill');
      const f = d.fill;
      if (d.kind === 'arbitrage_triangular' && f) {
        if (!close(dCash, d.expectedProfitUsd, kCent) || !close(dReal, dCash, 1e-6)) bad(d, `cash ${dCash}, realized ${dReal}, profit ${d.expectedProfitUsd}`);
        if (moved.size > 0) bad(d, 'a triangular cycle left a position');
        if (!close(f.qty, d.sizeUsd, kCent)) bad(d, `qty ${f.qty} vs size ${d.sizeUsd}`);
        const gas = f.qty * (f.price - 1) - dReal;
        const tol = f.qty * 1e-8; // the price is rounded to 8 decimals
        if (!(gas >= -tol && gas <= f.feeUsd + kCent + tol) || !(f.slippageUsd >= 0)) bad(d, `gas ${gas}, fill ${JSON.stringify(f)}`);
        realizedOfFills += dReal;
      } else if (d.kind === 'arbitrage_yield' && f) {
        const b = slotOf(d.instruments[0]!), s = slotOf(d.instruments[1]!);
        p.view.read2(b, kLtv, kLtv, q);
        const lambda = q[0]! * (1 - buffer);
        const size = dPos(s);
        const collateral = size / lambda;
        if (!close(size, d.sizeUsd, kCent) || !close(f.qty, size, 1e-6) || f.price !== 1) bad(d, `supplied ${size}, fill ${JSON.stringify(f)}`);
        if (!close(dPos(b), collateral - size, 1e-6 * collateral)) bad(d, `borrow market moved ${dPos(b)}, expected ${collateral - size}`);
        if (!close(dCash, -(collateral + f.feeUsd), kCent + 1e-6 * collateral)) bad(d, `cash ${dCash}, collateral ${collateral}, gas ${f.feeUsd}`);
        if (!close(dReal, -f.feeUsd, kCent)) bad(d, `realized ${dReal}, gas ${f.feeUsd}`);
        if (moved.size !== 2) bad(d, `${moved.size} positions moved`);
        realizedOfFills += dReal;
      } else if (d.kind === 'arbitrage_statistical' && f) {
        const buy = slotOf(d.instruments[0]!), sell = slotOf(d.instruments[1]!);
        const [, ask] = bidAsk(buy), [bid] = bidAsk(sell);
        for (const s of [buy, sell]) if (!kUsdQuotes.has(p.snapshot.meta[s]!.quote)) bad(d, 'a leg not quoted in USD');
        const uBuy = dPos(buy), uSell = -dPos(sell);
        if (!close(uBuy, f.qty, 1e-8 * uBuy + 1e-8) || !(uSell > 0) || f.price !== ask) bad(d, `units ${uBuy} / ${uSell}, fill ${JSON.stringify(f)}`);
        const beta = Number(/β ([\d.]+)/.exec(d.reason)![1]);
        const [wBuy, wSell] = d.score > 0 ? [beta, 1] : [1, beta];
        if (!close(uBuy * ask, wBuy * d.sizeUsd, 1e-3 * d.sizeUsd) || !close(uSell * bid, wSell * d.sizeUsd, 1e-3 * d.sizeUsd)) {
          bad(d, `legs ${uBuy * ask} / ${uSell * bid} USD for size ${d.sizeUsd}, β ${beta}, z ${d.score}`);
        }
        if (!close(dCash, uSell * bid - uBuy * ask - f.feeUsd, kCent + 1e-9 * d.sizeUsd)) bad(d, `cash ${dCash}`);
        if (dReal !== 0) bad(d, `realized ${dReal} at the entry`);
        open.set(pairKey(buy, sell), { buy, sell, uBuy, uSell, cash: dCash });
        pairUnits.set(buy, (pairUnits.get(buy) ?? 0) + uBuy);
        pairUnits.set(sell, (pairUnits.get(sell) ?? 0) - uSell);
      } else if (d.kind === 'arbitrage_statistical_exit' && f) {
        const buy = slotOf(d.instruments[0]!), sell = slotOf(d.instruments[1]!);
        const t = open.get(pairKey(buy, sell));
        if (!t || t.buy !== buy || t.sell !== sell) bad(d, 'closes no open trade');
        else {
          if (!close(dPos(buy), -t.uBuy, 1e-9 * t.uBuy) || !close(dPos(sell), t.uSell, 1e-9 * t.uSell)) bad(d, `moved ${dPos(buy)} / ${dPos(sell)}`);
          if (!close(dReal, t.cash + dCash, 1e-6) || !close(dReal, d.expectedProfitUsd, kCent)) bad(d, `realized ${dReal}, round trip ${t.cash + dCash}`);
          open.delete(pairKey(buy, sell));
          pairUnits.set(buy, pairUnits.get(buy)! - t.uBuy);
          pairUnits.set(sell, pairUnits.get(sell)! + t.uSell);
        }
        realizedOfFills += dReal;
      } else if (d.kind === 'arbitrage_cross_exchange' && f) {
        if (!close(dReal, d.expectedProfitUsd, kCent)) bad(d, `realized ${dReal}`);
        realizedOfFills += dReal;
      } else if (dReal !== 0) bad(d, `realized ${dReal} by a ${d.kind}`);
      for (const [s, u] of pairUnits) {
        const rest = pf[kPfPositions0 + s]! - u;
        if (rest < -1e-9 * Math.abs(u) - 1e-12) bad(d, `${p.snapshot.meta[s]!.key} holds ${pf[kPfPositions0 + s]}, less than its pair legs ${u}`);
      }
      prev = Float64Array.from(pf);
    },
    flush: async () => {},
    close: async () => {},
  };
  p = buildPipeline(o, registry, sink);
  await p.dispatcher.start();
  prev = Float64Array.from(p.arrays.portfolio);
  const capital = p.executor.cashUsd;
  try {
    await runLoop({
      tape: load.tape, writer: p.writer, trigger: p.trigger, dispatcher: p.dispatcher, consolidator: p.consolidator,
      readers: p.readers, mode: 'lockstep', rate: 0, speed: 0, between: async () => {},
    });
  } finally {
    await p.dispatcher.stop();
  }
  console.log(`  approved and filled: ${JSON.stringify(counts)}; open pair trades at the end: ${open.size}`);
  assert.equal(problems, []);
  for (const k of ['arbitrage_triangular', 'arbitrage_yield', 'arbitrage_statistical', 'arbitrage_statistical_exit']) {
    assert.ok((counts[k] ?? 0) >= 1, `the fixture must approve at least one ${k}`);
  }
  // nothing moved the portfolio outside a decision, and realized PnL is the sum of the fills' realized parts
  assert.ok(close(p.executor.cashUsd - capital, sumCash, 1e-6), `cash ${p.executor.cashUsd - capital} vs Σ ${sumCash}`);
  assert.ok(close(p.executor.realizedPnlUsd, sumRealized, 1e-6), `realized ${p.executor.realizedPnlUsd} vs Σ ${sumRealized}`);
  assert.ok(close(p.executor.realizedPnlUsd, realizedOfFills, 1e-6), `realized ${p.executor.realizedPnlUsd} vs the fills' ${realizedOfFills}`);
});

test.run();
