// A lapped event ring is never misread. Each ring entry carries the epoch it holds (a stamp the
// writer clears while it rewrites the entry); MarketView.copyEvent copies an entry only when the
// stamp is the epoch asked for before and after the copy. The runner delivers checked copies,
// stops at the first lost entry, counts it and falls back to the full scan; the market analyzer
// then catches up from the state, once. A tiny ring (4 entries) is forced to lap, in the middle of
// a delivery too: the writer applies more events from inside onEvent, as the realtime writer may.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kEventCopyLength, kEventTs, kEventType, kEventV0, kResEventsLost, kResLapped } from '../../protocol/layout.ts';
import { kTypeLiquidation } from '../../protocol/events.ts';
import { kRecMarketEvent, kMarketEventCascade } from '../../protocol/records.ts';
import { createHarness, type Harness, type Rec } from '../../engine/testing/agent_harness.ts';
import { kSecUs, kT0, liquidation, price } from '../../fixtures/events.ts';

const kRing = 4;

function harness(): Harness {
  return createHarness('market_analyzer', [price(kT0, 'X', 'BTC', 'USDT', 59_999.5, 60_000.5, 1, 1), liquidation(kT0, 'aave', 1)], undefined, kRing);
}

const liq = (s: number): object => liquidation(kT0 + s * kSecUs, 'aave', 300_000);

function cascades(recs: Rec[]): Rec[] {
  return recs.filter((r) => r.kind === kRecMarketEvent && r.aux === kMarketEventCascade);
}

test('copyEvent: an entry is copied while the ring holds its epoch, refused once the writer overwrote it', () => {
  const h = harness();
  assert.is(h.arrays.ringSize, kRing);
  h.feed([liq(0), liq(1), liq(2)]); // epochs 1..3
  const out = new Float64Array(kEventCopyLength);
  assert.ok(h.view.copyEvent(1, out));
  assert.is(out[kEventTs], kT0);
  assert.is(out[kEventType], kTypeLiquidation);
  assert.is(out[kEventV0], 300_000);
  h.feed([liq(3), liq(4)]); // epochs 4, 5: epoch 5 takes epoch 1's entry
  assert.not.ok(h.view.copyEvent(1, out), 'epoch 1 was overwritten by epoch 5');
  assert.ok(h.view.copyEvent(5, out));
  assert.is(out[kEventTs], kT0 + 4 * kSecUs, 'the entry now holds epoch 5');
  assert.not.ok(h.view.copyEvent(9, out), 'an epoch not yet written');
});

test('a lap in the middle of a delivery: delivered events are exactly the intact ones, the rest counted once from the state', () => {
  const h = harness();
  const agent = h.runner.agent;
  const deliver = agent.onEvent!.bind(agent);
  const seen: [number, number][] = []; // (epoch, event time) of each delivered event
  let lapNow = false;
  agent.onEvent = (slot: number, epoch: number, ev: Float64Array): void => {
    seen.push([epoch, ev[kEventTs]!]);
    if (lapNow) { lapNow = false; h.feed([liq(15), liq(20), liq(25), liq(30)]); } // epochs 4..7 overwrite 1's … 3's entries
    deliver(slot, epoch, ev);
  };
  const header = h.reader.arrays.header;

  h.feed([liq(0), liq(5), liq(10)]); // epochs 1..3, no cycle yet
  lapNow = true;
  const c1 = cascades(h.cycle(kT0 + 10 * kSecUs));
  assert.equal(seen, [[1, kT0]], 'epoch 1 delivered; epoch 2\'s entry holds epoch 6 by then: not delivered, not misread');
  assert.is(Atomics.load(header, kResLapped), 1);
  assert.is(Atomics.load(header, kResEventsLost), 2, 'epochs 2 and 3');
  // the state stands in: 1 delivered at its time + the 6 the state counts beyond it, at the cycle's time
  assert.is(c1.length, 1);
  assert.is(c1[0]!.value, 7, 'seven liquidations, each once');
  assert.is(c1[0]!.size, 7 * 300_000);

  seen.length = 0;
  const c2 = cascades(h.cycle(kT0 + 30 * kSecUs)); // epochs 4..7: the ring holds them all
  assert.equal(seen, [[4, kT0 + 15 * kSecUs], [5, kT0 + 20 * kSecUs], [6, kT0 + 25 * kSecUs], [7, kT0 + 30 * kSecUs]]);
  assert.is(Atomics.load(header, kResLapped), 1, 'no new lap');
  assert.equal(c2, []);

  h.feed([liq(35)]);
  const c3 = cascades(h.cycle());
  // epochs 4..7 were counted by the catch-up: counting them again at delivery would make 5 here
  assert.equal(c3, [], 'one liquidation since the cascade');
});

test('a lap before the delivery (the writer ran a whole ring ahead): nothing delivered, the state counted at the cycle', () => {
  const h = harness();
  h.feed([liq(0), liq(1), liq(2), liq(3), liq(4)]); // 5 epochs into a ring of 4
  const c = cascades(h.cycle());
  assert.is(Atomics.load(h.reader.arrays.header, kResLapped), 1);
  assert.is(Atomics.load(h.reader.arrays.header, kResEventsLost), 5);
  assert.is(c.length, 1);
  assert.is(c[0]!.value, 5);
  assert.is(c[0]!.size, 1_500_000);
  h.feed([liq(5)]);
  assert.equal(cascades(h.cycle()), [], 'the five are not counted again');
});

test.run();
