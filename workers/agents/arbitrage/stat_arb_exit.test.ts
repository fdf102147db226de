// Statistical arbitrage exits on the synthetic tied pair of stat_arb.test.ts (BBB = AAA/2 · e^{u}):
// after a 200 bps jump of BBB opens a trade, the detector publishes its exit when the spread has
// reverted (|z| ≤ exitZ or z changed sign, with the fit the trade was opened on), on
// kStatExitRepeatCycles cycles, and not before; a trade left wide past its holding limit expires;
// one that widens on to stopMultiple × |z at entry| is stopped out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentConfig } from '../config.ts';
import {
  kRecArbDetail, kRecArbStatExit, kRecArbStatistical, kStatExitExpired, kStatExitRepeatCycles, kStatExitReverted,
  kStatExitStopped,
} from '../../../protocol/records.ts';
import { createHarness, type Harness, type Rec } from '../../../engine/testing/agent_harness.ts';
import { kSecUs, kT0 } from '../../../fixtures/events.ts';
import { tiedPairConfig, tiedPairPath, tiedPairQuote } from '../testing/tied_pair.ts';
import { kExitHoldFactor } from './stat_arb.ts';

const kExitZ = 0.5, kMaxHalfLifeS = 5; // as tiedPairConfig sets them
const cfg = (c: AgentConfig): void => { tiedPairConfig(c); c.arbitrage.statArb.stopMultiple = 2; };
const ofKind = (recs: Rec[], kind: number): Rec[] => recs.filter((r) => r.kind === kind);

const path = tiedPairPath;
const quote = tiedPairQuote;
const feed = (h: Harness, ts: number, a: number, b: number): void => { h.feed([quote(ts, 'AAA', a, 1_000), quote(ts, 'BBB', b, 2_000)]); };

/** 100 s of the tied pair, then BBB jumps 200 bps at 100 s: the trade opens (buy AAA, sell BBB). */
function opened(): { h: Harness; a: number[]; b: number[]; entry: Rec; detail: Rec } {
  const { a, b } = path(140);
  const universe = [quote(kT0, 'AAA', a[0]!, 1_000), quote(kT0, 'BBB', b[0]!, 2_000)];
  const h = createHarness('arbitrage_detector', universe, cfg);
  for (let k = 0; k < 100; k++) {
    feed(h, kT0 + k * kSecUs, a[k]!, b[k]!);
    assert.equal(ofKind(h.cycle(), kRecArbStatExit), [], 'no exit before any trade');
  }
  feed(h, kT0 + 100 * kSecUs, a[99]!, b[99]! * Math.exp(0.02));
  const recs = h.cycle();
  const [entry] = ofKind(recs, kRecArbStatistical);
  const [detail] = ofKind(recs, kRecArbDetail);
  assert.ok(entry !== undefined && entry.score < -30, 'the trade opens');
  assert.equal(ofKind(recs, kRecArbStatExit), [], 'no exit in the cycle that opens it');
  return { h, a, b, entry, detail: detail! };
}

test('the exit is published once the spread is back, on kStatExitRepeatCycles cycles, then no more', () => {
  const { h, a, b, entry } = opened();
  const aaa = h.slot('X:AAA/USDT'), bbb = h.slot('X:BBB/USDT');
  assert.is(entry.slotA, aaa);
  // BBB back on its tied path from 101 s
  const exits: { k: number; rec: Rec }[] = [];
  for (let k = 101; k < 140; k++) {
    feed(h, kT0 + k * kSecUs, a[k]!, b[k]!);
    const recs = h.cycle();
    assert.equal(ofKind(recs, kRecArbStatistical), [], 'no new opportunity on the tied path');
    for (const rec of ofKind(recs, kRecArbStatExit)) exits.push({ k, rec });
  }
  assert.is(exits.length, kStatExitRepeatCycles, `${kStatExitRepeatCycles} exit records`);
  const first = exits[0]!.k;
  assert.equal(exits.map((e) => e.k), Array.from({ length: kStatExitRepeatCycles }, (_, i) => first + i), 'on consecutive cycles');
  assert.ok(first <= 110, `published within 10 s of the return (at ${first} s)`);
  const r = exits[0]!.rec;
  // y = AAA (the first asset), x = BBB: the pair, whichever side was bought
  assert.is(r.slotA, aaa);
  assert.is(r.slotB, bbb);
  assert.is(r.aux, kStatExitReverted);
  assert.ok(Math.abs(r.score) <= kExitZ || r.score > 0, `reverted: |z| ≤ ${kExitZ} or the other side of the entry's ${entry.score}: ${r.score}`);
  assert.ok(exits.every((e) => e.rec.aux === kStatExitReverted));
});

test('a trade left wide expires at its holding limit: kExitHoldFactor × max(expected time, maxHalfLifeS)', () => {
  const { h, detail } = opened();
  // no new quotes: the books go stale (no new opportunity is published), the mids stay where the
  // jump left them, so the spread does not revert
  const t0 = kT0 + 100 * kSecUs;
  const deadline = t0 + kExitHoldFactor * Math.max(detail.score, kMaxHalfLifeS) * kSecUs;
  for (let t = t0 + 3 * kSecUs; t <= deadline; t += 7 * kSecUs) { // quotes older than maxQuoteAgeUs (2 s)
    assert.equal(ofKind(h.cycle(t), kRecArbStatExit), [], `no exit before the deadline (at ${(t - t0) / kSecUs} s)`);
  }
  assert.equal(ofKind(h.cycle(deadline), kRecArbStatExit), [], 'not at the deadline itself');
  const [r] = ofKind(h.cycle(deadline + 1), kRecArbStatExit);
  assert.ok(r !== undefined, 'expired just after the deadline');
  assert.is(r.aux, kStatExitExpired);
  assert.ok(r.score < -kExitZ, `still wide: ${r.score}`);
});

test('a spread that widens on to stopMultiple × |z at entry| is stopped out; one that widens less is not', () => {
  const { h, a, b, entry } = opened();
  const zEntry = Math.abs(entry.score);
  // the jump grows: z scales with the spread's deviation (about 200 bps at entry), so 200·(1 + f) bps
  // gives |z| ≈ zEntry·(1 + f); stopMultiple is 2 here
  const widen = (k: number, f: number): Rec[] => {
    feed(h, kT0 + k * kSecUs, a[99]!, b[99]! * Math.exp(0.02 * (1 + f)));
    return ofKind(h.cycle(), kRecArbStatExit);
  };
  assert.equal(widen(101, 0.6), [], `no exit at about ${(1.6 * zEntry).toFixed(1)}`); // 1.6× the entry's |z|
  const [r] = widen(102, 1.3); // 2.3×: past the stop
  assert.ok(r !== undefined, 'stopped out');
  assert.is(r.aux, kStatExitStopped);
  assert.ok(r.score < -2 * zEntry, `widened on the entry's side past the stop: ${r.score} vs entry ${entry.score}`);
});

test.run();
