// The trigger knows what the arbitrage detector needs: a change under minPriceChangeThreshold on a
// leg of a watched cross pair or cycle wakes a cycle when it completes a route that pays net of
// fees on fresh legs (once, as the route turns paying); other instruments keep the threshold.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeEvent } from './source/codec.ts';
import { Tape } from '../protocol/tape.ts';
import { InstrumentRegistry } from '../protocol/registry.ts';
import { stateForUniverse } from './state/state_for_universe.ts';
import { Trigger } from './trigger.ts';
import { ArbWake } from './arb_wake.ts';
import { kDefaultAgentConfig } from '../workers/agents/index.ts';
import type { TriggerConfig } from './options.ts';

const kTs = 1_723_075_200_000_000;
const cfg: TriggerConfig = { minPriceChangeThreshold: 0.05, minAPYChangeThreshold: 0.25, minLiquidationUsd: 100_000 };
const agents = { ...kDefaultAgentConfig, fees: { defaultTaker: 0.001, venues: {} } };

function book(venue: string, base: string, quote: string, bid: number, ask: number, dtS = 0): object {
  return { ts: kTs + dtS * 1e6, type: 'price_update', topic: `market.prices.${venue}`, key: `${venue}:${base}/${quote}`, data: { venue, base, quote, bid, ask, bidSize: 1000, askSize: 1000 } };
}

/** Applies the events one by one to a real state and asks the trigger (with or without the watch). */
function fires(events: object[], watch = true): { fired: boolean[]; legWakes: number; cycles: number } {
  const registry = new InstrumentRegistry();
  const tape = new Tape(events.length);
  events.forEach((ev, i) => {
    const reason = decodeEvent(ev, registry, tape, i + 1);
    if (reason !== null) throw new Error(`test event ${i}: ${reason}`);
  });
  const st = stateForUniverse(registry);
  const wake = watch ? new ArbWake(st.arrays, st.snapshot, agents) : null;
  const trigger = new Trigger(st.capacity, cfg, wake);
  const fired = events.map((_, i) => { st.writer.apply(tape.rows, i); return trigger.fires(tape.rows, i); });
  return { fired, legWakes: trigger.legWakes, cycles: wake?.cycles ?? 0 };
}

test('cross pair: a 0.01 % move that crosses the other venue net of fees wakes; without the watch it does not', () => {
  const ev = [
    book('a', 'BTC', 'USD', 60_000, 60_010), book('b', 'BTC', 'USD', 60_100, 60_110), // b bids 0.15 % above a's ask: pays 0.2 % fees? no (0.15 < 0.2)
    book('a', 'BTC', 'USD', 59_950, 59_960), // −0.08 %: fires on the threshold; a's ask 59 960 vs b's bid 60 100: 0.23 % > 0.2 %: pays
    book('b', 'BTC', 'USD', 60_105, 60_115), // +0.008 %: under the threshold; the route already paid: no wake
    book('b', 'BTC', 'USD', 59_990, 60_000), // −0.19 %: fires (threshold); pays no more
    book('b', 'BTC', 'USD', 60_050, 60_060), // +0.1 %: fires (threshold); 60 050·0.999 < 59 960·1.001: does not pay
    book('a', 'BTC', 'USD', 59_926, 59_928), // −0.047 %: under the threshold; 59 928·1.001 < 60 050·0.999: turns paying
    book('a', 'BTC', 'USD', 59_927, 59_929), // still pays: no second wake
  ];
  const on = fires(ev);
  assert.equal(on.fired, [true, true, true, false, true, true, true, false]);
  assert.is(on.legWakes, 1);
  assert.equal(fires(ev, false).fired, [true, true, true, false, true, true, false, false]);
});

test('stablecoin loop: the completing leg moves 0.02 % and wakes; an unrelated book keeps the threshold', () => {
  const base = [
    book('k', 'USDC', 'USD', 0.9000, 0.9001), book('k', 'USDT', 'USD', 0.9999, 1.0000), book('k', 'USDC', 'USDT', 0.9005, 0.9006),
    book('k', 'ETH', 'USD', 3000, 3000.5),
  ];
  // USD → USDC at 0.9001 → USDT at 0.9005 → USD at 0.9999 = 1.00027 gross, 0.99727 net of 3 × 0.1 %: no
  // USDC/USDT bid to 0.9036 (+0.34 %: fires on its own); back to 0.9034 (−0.02 %): still pays, no wake;
  // the USDT/USD leg: bid 0.99995 → 1.0000 and back (0.0025 %): pays throughout, no wake.
  const r = fires([...base, book('k', 'USDC', 'USDT', 0.9036, 0.9037), book('k', 'USDC', 'USDT', 0.9034, 0.9035),
    book('k', 'ETH', 'USD', 3000.1, 3000.6)]);
  assert.ok(r.cycles >= 1, `cycles watched ${r.cycles}`);
  assert.equal(r.fired.slice(4), [true, false, false]);
  // the same loop opened by a leg that moves 0.022 %: with USDC/USDT bid 0.9028 the loop nets
  // 1/0.9001 · 0.9028 · 0.9999 · 0.999³ = 0.99993; the USDC/USD quote 0.8997/0.8999 makes it 1.00012
  const loop = [book('k', 'USDC', 'USD', 0.8999, 0.9001), book('k', 'USDT', 'USD', 0.9999, 1.0000), book('k', 'USDC', 'USDT', 0.9028, 0.9029),
    book('k', 'USDC', 'USD', 0.8997, 0.8999)];
  const s = fires(loop);
  assert.equal(s.fired, [true, true, true, true]);
  assert.is(s.legWakes, 1);
  assert.equal(fires(loop, false).fired, [true, true, true, false]);
});

test('a route that pays on a stale leg does not wake; the leg\'s fresh quote does', () => {
  const maxAgeS = agents.arbitrage.maxQuoteAgeUs / 1e6;
  const r = fires([
    book('a', 'BTC', 'USD', 60_000, 60_010), book('b', 'BTC', 'USD', 60_300, 60_310, maxAgeS + 1), // a is stale when b crosses it
    book('b', 'BTC', 'USD', 60_301, 60_311, maxAgeS + 1.5), // pays, but a is stale: no wake
    book('a', 'BTC', 'USD', 60_001, 60_011, maxAgeS + 2), // a fresh again (+0.0017 %): wakes
  ]);
  assert.equal(r.fired, [true, true, false, true]);
  assert.is(r.legWakes, 1);
});

test.run();
