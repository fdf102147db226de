// The market analyzer on constructed markets whose figures are known by hand.
//  - σ: a mid alternating m ↔ m·(1 + x) each second has |r| = ln(1 + x) on the 1 s clock, so the
//    EWMA ratio estimator gives exactly σ_daily = ln(1 + x)·√86 400 (covariance.ts).
//  - Regime: exactly alternating returns have two-period sums of 0: VR(2) = 0, a mean-reverting
//    series; blocks of three equal returns (+ + + − − −) have ρ₁ = 1/3 → VR(2) ≈ 4/3, trending.
//  - Moves: majorMovePct (1 %) from the lowest / highest sampled mid of the last 30 s.
//  - Cascades: ≥ 5 liquidations totalling ≥ 1 M USD within 60 s; severity 5 + 5·USD/(4·1 M).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentConfig } from './config.ts';
import {
  kMarketEventCascade, kMarketEventMajorMove, kMarketTableCorrToRef, kMarketTableRegime, kMarketTableSigmaDaily,
  kMarketTableVarianceRatio, kMarketTableZ, kRecMarketEvent, kRecMarketRegime,
} from '../../protocol/records.ts';
import { createHarness, type Harness, type Rec } from '../../engine/testing/agent_harness.ts';
import { kSecUs, kT0, liquidation, price } from '../../fixtures/events.ts';
import { correlation, kVrOutLength, kVrRatio, kVrZRobust, varianceRatio } from '../../finance/regime.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

const btc = (ts: number, mid: number): object => price(ts, 'X', 'BTC', 'USDT', mid - 0.5, mid + 0.5, 1, 1);
const eth = (ts: number, mid: number): object => price(ts, 'X', 'ETH', 'USDT', mid - 0.05, mid + 0.05, 1, 1);

function harness(patch?: (c: AgentConfig) => void): Harness {
  return createHarness('market_analyzer', [btc(kT0, 60_000), eth(kT0, 3_000), liquidation(kT0, 'aave', 1)], patch);
}

function events(recs: Rec[]): Rec[] {
  return recs.filter((r) => r.kind === kRecMarketEvent);
}

test('a major price movement: 1 % above the window low, published once; the window restarts from there', () => {
  const h = harness();
  const slot = h.slot('X:BTC/USDT');
  for (let k = 0; k <= 5; k++) { h.feed([btc(kT0 + k * kSecUs, 60_000)]); assert.equal(events(h.cycle()), []); }
  // +0.9 %: nothing
  h.feed([btc(kT0 + 5.5 * kSecUs, 60_540)]);
  assert.equal(events(h.cycle()), []);
  // 60 600.6 = +1.001 % over the low 60 000 (sampled mids: the one just above is not a sample yet)
  h.feed([btc(kT0 + 6 * kSecUs, 60_600.6)]);
  const e = events(h.cycle());
  assert.is(e.length, 1);
  assert.is(e[0]!.slotA, slot);
  near(e[0]!.score, (60_600.6 / 60_000 - 1) * 100, 1e-9, 'change %');
  near(e[0]!.score, 1.001, 1e-9, 'change % (number)');
  near(e[0]!.value, 60_600.6, 1e-9, 'price now');
  near(e[0]!.size, 60_000, 0, 'reference: the window low');
  near(e[0]!.risk, 1.001, 1e-9, 'severity = |change %|');
  assert.is(e[0]!.aux, kMarketEventMajorMove);
  // the same price again: the window restarted at 60 600.6, nothing new
  h.feed([btc(kT0 + 6.5 * kSecUs, 60_610)]);
  assert.equal(events(h.cycle()), []);
  // a fall of 1 % from the new high (60 610 was sampled at 7 s? no: samples are per second, the high is 60 610 after 7 s)
  h.feed([btc(kT0 + 7 * kSecUs, 60_610)]);
  h.cycle();
  h.feed([btc(kT0 + 8 * kSecUs, 60_000)]); // −1.0064 % from 60 610
  const down = events(h.cycle());
  assert.is(down.length, 1);
  near(down[0]!.score, (60_000 / 60_610 - 1) * 100, 1e-9, 'fall %');
  near(down[0]!.size, 60_610, 0, 'reference: the window high');
});

test('a move spread over more than the window is not a major move', () => {
  const h = harness((c) => { c.market.moveWindowUs = 5 * kSecUs; });
  // +0.25 % every 2 s: 1 % takes 8 s, longer than the 5 s window
  for (let k = 0; k <= 16; k++) {
    h.feed([btc(kT0 + 2 * k * kSecUs, 60_000 * (1 + 0.0025 * k))]);
    assert.equal(events(h.cycle()), [], `step ${k}`);
  }
});

test('a liquidation cascade: five liquidations totalling 1.5 M within the window, once', () => {
  const h = harness();
  const proto = h.slot('protocol:aave');
  h.feed([liquidation(kT0, 'aave', 300_000), liquidation(kT0 + 1, 'aave', 300_000)]);
  assert.equal(events(h.cycle()), [], '2 liquidations');
  h.feed([liquidation(kT0 + 10 * kSecUs, 'aave', 300_000), liquidation(kT0 + 11 * kSecUs, 'aave', 300_000)]);
  assert.equal(events(h.cycle()), [], '4 liquidations, 1.2 M: too few');
  h.feed([liquidation(kT0 + 20 * kSecUs, 'aave', 300_000)]);
  const e = events(h.cycle());
  assert.is(e.length, 1);
  assert.equal(e[0], {
    kind: kRecMarketEvent, slotA: proto, slotB: -1, score: 0, value: 5, size: 1_500_000, risk: 5 + (5 * 1.5) / 4, aux: kMarketEventCascade,
  });
  h.feed([liquidation(kT0 + 21 * kSecUs, 'aave', 2_000_000)]);
  assert.equal(events(h.cycle()), [], 'the count restarted after the event');
});

test('liquidations older than the window do not count', () => {
  const h = harness();
  for (let k = 0; k < 4; k++) { h.feed([liquidation(kT0 + k * kSecUs, 'aave', 400_000)]); h.cycle(); }
  // 61 s after the first it has left the 60 s window: 1, 2, 3 and 61 s are in it (4)
  h.feed([liquidation(kT0 + 61 * kSecUs, 'aave', 400_000)]);
  assert.equal(events(h.cycle()), []);
  // at 62 s the one of 1 s leaves too: 2, 3, 61 s and these two are five (2 M)
  h.feed([liquidation(kT0 + 62 * kSecUs, 'aave', 400_000), liquidation(kT0 + 62 * kSecUs, 'aave', 400_000)]);
  const e = events(h.cycle());
  assert.is(e.length, 1, 'five inside the window again');
  near(e[0]!.size, 2_000_000, 0, 'the window\'s total');
});

test('every liquidation counts at its own time: five of $20k an hour apart, then $1M, are no cascade of six', () => {
  const h = harness();
  const kHourUs = 3600 * kSecUs;
  // none of the small ones triggers a cycle (under minLiquidationUsd): the agent sees all six at the
  // cycle of the $1M one, and reads each at its own time from the event ring
  h.feed([1, 2, 3, 4, 5].map((k) => liquidation(kT0 + k * kHourUs, 'aave', 20_000)));
  h.feed([liquidation(kT0 + 6 * kHourUs, 'aave', 1_000_000)]);
  assert.equal(events(h.cycle()), [], 'one liquidation in the last 60 s');
});

test('a cascade completed by liquidations that triggered no cycle is found at the cycle after them, with the window\'s own figures', () => {
  const h = harness();
  // five of $300k within 40 s, then nothing triggers for two hours
  h.feed([0, 10, 20, 30, 40].map((k) => liquidation(kT0 + k * kSecUs, 'aave', 300_000)));
  h.feed([btc(kT0 + 7200 * kSecUs, 60_000)]);
  const e = events(h.cycle());
  assert.is(e.length, 1);
  assert.is(e[0]!.value, 5);
  near(e[0]!.size, 1_500_000, 0, 'the five in the window');
});

test('σ, variance ratio, regime and correlation on the 1 s clock', () => {
  const h = harness((c) => { c.market.varianceRatioLag = 2; c.market.windowSamples = 60; });
  const xb = 1e-4, xe = 2e-4;
  // BTC alternates; ETH moves in blocks of three: + + + − − −
  const ethMid = (k: number): number => { const m = k % 6; return 3_000 * (1 + xe) ** (m <= 3 ? m : 6 - m); };
  let regimes: Rec[] = [];
  for (let k = 0; k <= 61; k++) {
    h.feed([btc(kT0 + k * kSecUs, k % 2 === 0 ? 60_000 : 60_000 * (1 + xb)), eth(kT0 + k * kSecUs, ethMid(k))]);
    regimes = regimes.concat(h.cycle().filter((r) => r.kind === kRecMarketRegime));
    h.cycle(kT0 + k * kSecUs + 1); // a second cycle in the same second: the regime work of the other asset
  }
  const bs = h.slot('X:BTC/USDT'), es = h.slot('X:ETH/USDT');
  near(h.table(kMarketTableSigmaDaily, bs), Math.log(1 + xb) * Math.sqrt(86_400), 1e-12, 'σ BTC');
  // exactly alternating returns: every two-period sum is 0 → VR(2) = 0, z* = −√T
  near(h.table(kMarketTableVarianceRatio, bs), 0, 1e-12, 'VR(2) BTC');
  assert.ok(h.table(kMarketTableZ, bs) < -5, `z* BTC ${h.table(kMarketTableZ, bs)}`);
  assert.is(h.table(kMarketTableRegime, bs), -1, 'BTC mean-reverting');
  assert.is(h.table(kMarketTableCorrToRef, bs), 1, 'BTC is the reference');
  // ETH: the window's returns are ±ln(1 + xe) in blocks of three; the statistics by the module's own
  // functions on that series, and the regime it implies
  const r = new Float64Array(60);
  for (let t = 0; t < 60; t++) { const k = 61 - 59 + t; r[t] = Math.log(ethMid(k) / ethMid(k - 1)); }
  const vr = new Float64Array(kVrOutLength);
  varianceRatio(r, 0, 60, 2, vr);
  near(h.table(kMarketTableVarianceRatio, es), vr[kVrRatio]!, 1e-10, 'VR(2) ETH');
  assert.ok(vr[kVrRatio]! > 1.25 && vr[kVrRatio]! < 1.4, `VR(2) ETH ≈ 4/3: ${vr[kVrRatio]}`);
  near(h.table(kMarketTableZ, es), vr[kVrZRobust]!, 1e-9, 'z* ETH');
  assert.is(h.table(kMarketTableRegime, es), 1, 'ETH trending');
  const rb = new Float64Array(60);
  for (let t = 0; t < 60; t++) rb[t] = (61 - 59 + t) % 2 === 1 ? Math.log(1 + xb) : -Math.log(1 + xb);
  near(h.table(kMarketTableCorrToRef, es), correlation(r, 0, rb, 0, 60), 1e-9, 'rolling correlation ETH–BTC');
  // regime records: one per asset when it first became known (and changed)
  const byslot = new Map(regimes.map((x) => [x.slotA, x]));
  assert.is(byslot.get(bs)!.aux, -1);
  assert.is(byslot.get(es)!.aux, 1);
});

test.run();
