// Statistical arbitrage on a synthetic tied pair: BBB = AAA·e^{u}, u an AR(1) noise of a few bps.
// The hedge ratio is fitted on a schedule; a 200 bps jump of BBB opens a trade: buy the cheap AAA,
// sell the rich BBB, sized by walking both books.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ArbitrageDetector } from '../arbitrage_detector.ts';
import { kRecArbDetail, kRecArbStatistical } from '../../../protocol/records.ts';
import { createHarness, type Harness, type Rec } from '../../../engine/testing/agent_harness.ts';
import { kSecUs, kT0 } from '../../../fixtures/events.ts';
import { tiedPairConfig, tiedPairPath, tiedPairQuote } from '../testing/tied_pair.ts';

const cfg = tiedPairConfig;
const statRecs = (recs: Rec[]): Rec[] => recs.filter((r) => r.kind === kRecArbStatistical || r.kind === kRecArbDetail);

const path = tiedPairPath;
const quote = tiedPairQuote;

function run(h: Harness, a: number[], b: number[]): Rec[][] {
  const out: Rec[][] = [];
  for (let k = 0; k < a.length; k++) {
    h.feed([quote(kT0 + k * kSecUs, 'AAA', a[k]!, 1_000), quote(kT0 + k * kSecUs, 'BBB', b[k]!, 2_000)]);
    out.push(statRecs(h.cycle()));
  }
  return out;
}

test('a tied pair is fitted on a schedule and traded when its spread jumps', () => {
  const { a, b } = path(100);
  const universe = [quote(kT0, 'AAA', a[0]!, 1_000), quote(kT0, 'BBB', b[0]!, 2_000)];
  const h = createHarness('arbitrage_detector', universe, cfg);
  const before = run(h, a, b);
  assert.ok(before.every((r) => r.length === 0), 'no opportunity while the spread stays within its noise');
  const det = h.runner.agent as ArbitrageDetector;
  const st = det.stats();
  assert.is(st.statPairs, 1);
  // samples from the first cycle; fits start at 40 samples and repeat every 5 s of market time: 13 in 100 s
  assert.ok(st.refits >= 10 && st.refits <= 14, `refitted on the schedule, not per tick: ${st.refits} refits in 100 cycles`);
  // BBB jumps 200 bps: ln AAA − α − β·ln BBB falls by about β·200 bps → AAA is cheap
  const t = kT0 + 100 * kSecUs;
  h.feed([quote(t, 'AAA', a[99]!, 1_000), quote(t, 'BBB', b[99]! * Math.exp(0.02), 2_000)]);
  const recs = statRecs(h.cycle());
  assert.is(recs.length, 2, 'the trade and its detail');
  const [r, d] = recs as [Rec, Rec];
  assert.is(r.slotA, h.slot('X:AAA/USDT'), 'buy the cheap AAA');
  assert.is(r.slotB, h.slot('X:BBB/USDT'), 'sell the rich BBB');
  assert.ok(r.score < -30, `z far below −3: ${r.score}`);
  const beta = r.aux;
  assert.ok(beta > 0.9 && beta < 1.1, `hedge ratio near 1: ${beta}`);
  // size: the AAA ask holds 1 000·100 = 100 000 USD of y, the BBB bid 2 000·50/β of y-notional
  const askA = a[99]! * (1 + 1e-4), bidB = b[99]! * Math.exp(0.02) * (1 - 1e-4);
  const n = Math.min(1_000 * askA, (2_000 * bidB) / beta);
  assert.ok(Math.abs(r.size - n) < 1e-6 * n, `size ${r.size} vs ${n}`);
  // profit: about 2 % of reversion per y dollar, less fees in and out (0.2 % per leg dollar) and
  // twice the 1 bp half-spread, on both legs (1 + β dollars)
  const perDollar = r.value / r.size;
  const costs = (1 + beta) * (2 * 0.001 + 2 * 1e-4);
  assert.ok(perDollar > 0.019 - costs - 0.002 && perDollar < 0.02 - costs + 0.001, `profit per y dollar ${perDollar}`);
  assert.ok(r.risk >= 0 && r.risk <= 1, 'risk 0..1');
  assert.ok(d.score > 0 && d.score < 10, `expected reversion time ${d.score} s`);
  assert.ok(Math.abs(d.size - r.size * (1 + beta)) < 1e-6 * d.size, 'both legs\' notional');
  assert.ok(Math.abs(d.risk - r.size * costs) < 0.02 * d.risk, `fees + slippage ${d.risk}`);
});

test('unrelated random walks are not traded', () => {
  const { a } = path(100);
  // BBB wanders on its own (another sine), no tie: R² and the Dickey-Fuller test reject the pair
  const b = a.map((_, k) => 50 * Math.exp(0.003 * Math.sin(k / 4.1 + 1)));
  const universe = [quote(kT0, 'AAA', a[0]!, 1_000), quote(kT0, 'BBB', b[0]!, 2_000)];
  const h = createHarness('arbitrage_detector', universe, cfg);
  run(h, a, b);
  const t = kT0 + 100 * kSecUs;
  h.feed([quote(t, 'AAA', a[99]!, 1_000), quote(t, 'BBB', b[99]! * Math.exp(0.02), 2_000)]);
  assert.equal(statRecs(h.cycle()), []);
});

test.run();
