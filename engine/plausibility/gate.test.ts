// The plausibility gate, check by check: each refusal names the field and the bound; the band's
// reference (median of the other fresh venues, else the instrument's last good price); time per
// instrument and the stream clock (and its re-anchoring after a gap); caps; the quarantine of
// yield jumps and late first sights (the state's held flag); assets in doubt; the pre-trade checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { Tape } from '../../protocol/tape.ts';
import { kApy, kYieldHeld } from '../../protocol/layout.ts';
import { decodeLine } from '../source/codec.ts';
import { stateForUniverse } from '../state/state_for_universe.ts';
import { PlausibilityGate } from './gate.ts';
import { checkPlausibility, kDefaultPlausibility, type PlausibilityConfig } from './config.ts';
import { kDefaultAgentConfig } from '../../workers/agents/index.ts';
import { preTrade } from '../validate/pre_trade.ts';
import { Validator } from '../validate/validator.ts';
import { kDefaultConfig } from '../options.ts';
import type { Proposal } from '../types.ts';

const T0 = 1723075200000000;
const S = 1_000_000;

const px = (ts: number, venue: string, base: string, bid: number, ask = bid * 1.0002, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ ts, type: 'price_update', topic: `market.prices.${venue}`, key: `${venue}:${base}/USDT`, data: { venue, base, quote: 'USDT', bid, ask, bidSize: 1, askSize: 1, ...extra } });
const yld = (ts: number, pool: string, apy: number, tvlUsd = 1e8): string =>
  JSON.stringify({ ts, type: 'yield_update', topic: 'market.yields.aave', key: `aave:ethereum:${pool}`, data: { protocol: 'aave', chain: 'ethereum', pool, apy, tvlUsd } });
const liq = (ts: number, collateralUsd: number): string =>
  JSON.stringify({ ts, type: 'liquidation', topic: 'market.liquidations.aave', key: 'aave:ethereum:ETH', data: { protocol: 'aave', chain: 'ethereum', collateralUsd } });

/** A door over a universe learned from `lines` (not applied): feed(line) decodes, admits, applies. */
function door(universe: string[], cfg: Partial<PlausibilityConfig> = {}) {
  const registry = new InstrumentRegistry();
  const tape = new Tape(4);
  for (const l of universe) { decodeLine(l, registry, tape, 0); tape.reset(); }
  registry.freeze();
  const st = stateForUniverse(registry);
  const gate = new PlausibilityGate({ ...kDefaultPlausibility, ...cfg }, kDefaultAgentConfig.yield, st.snapshot);
  const feed = (line: string): string | null => {
    tape.reset();
    const why = decodeLine(line, registry, tape, 1);
    if (why !== null) throw new Error(`decode: ${why}`);
    const r = gate.admit(tape.rows, 0, tape.depth);
    if (r === null) { st.writer.apply(tape.rows, 0, tape.depth, gate.held); gate.accepted(tape.rows, 0); }
    return r;
  };
  const col = (key: string, f: number): number => st.arrays.columns[f * st.capacity + registry.slotOf(key)]!;
  return { gate, feed, col, registry };
}

const venues = ['binance', 'coinbase', 'kraken', 'okx'];
const market = (ts: number, base = 'BTC', mid = 60000): string[] => venues.map((v) => px(ts, v, base, mid));

test('prices: positive, not crossed, spread capped, sizes capped, last trade in band; each refusal names field and bound', () => {
  const d = door([...market(T0), px(T0, 'solo', 'SOL', 150)]);
  for (const l of market(T0)) assert.is(d.feed(l), null);
  assert.match(d.feed(px(T0 + 1, 'binance', 'BTC', 60000, 64000)) ?? '', /^plausibility: spread \(data\.ask − data\.bid\)\/mid 0\.0645161 is above 0\.05 \(bound plausibility\.maxSpreadFraction\)$/);
  assert.match(d.feed(px(T0 + 2, 'binance', 'BTC', 60000, 60010, { bidSize: 1e12 })) ?? '', /data\.bidSize 1000000000000 is not in \[0, 1000000000\] \(bound plausibility\.maxBookSize\)/);
  assert.match(d.feed(px(T0 + 3, 'binance', 'BTC', 60000, 60010, { last: 180000 })) ?? '', /data\.last 180000 is more than 10 % from the mid 60005 \(bound plausibility\.bandFraction\)/);
  assert.is(d.gate.counts.refusedByCheck.maxSpreadFraction, 1);
  assert.is(d.gate.counts.refused, 3);
});

test('the band: the median of the other fresh venues, else the instrument\'s own last good price; a refused source puts its asset in doubt', () => {
  const d = door([...market(T0), px(T0, 'solo', 'SOL', 150)]);
  for (const l of market(T0)) assert.is(d.feed(l), null);
  assert.match(d.feed(px(T0 + 10, 'coinbase', 'BTC', 1e-9)) ?? '', /^plausibility: mid of data\.bid\/data\.ask 1\.0001e-9 is 100 % from the reference 60006 \(median of other venues, 3 sources\), more than 10 % \(bound plausibility\.bandFraction\)$/);
  assert.match(d.feed(px(T0 + 11, 'coinbase', 'BTC', 600000)) ?? '', /is 900 % from the reference/);
  assert.is(d.feed(px(T0 + 12, 'coinbase', 'BTC', 63000)), null, '5 % off the others: within the band');
  const slot = d.gate.slotOf('coinbase:BTC/USDT');
  assert.is(d.gate.assetDoubt(slot), null, 'accepted again: the dispute is over');
  assert.match(d.feed(px(T0 + 13, 'kraken', 'BTC', 45000)) ?? '', /from the reference/);
  assert.match(d.gate.assetDoubt(slot) ?? '', /^asset BTC\/USD in doubt: kraken:BTC\/USDT disagrees with its reference beyond plausibility\.bandFraction 0\.1; no new risk until the sources agree$/);
  // one venue only: its own last good price is the reference
  assert.is(d.feed(px(T0, 'solo', 'SOL', 150)), null);
  assert.match(d.feed(px(T0 + 20, 'solo', 'SOL', 1500)) ?? '', /from the reference 150\.015 \(last good price, 1 source\)/);
  assert.is(d.feed(px(T0 + 21, 'solo', 'SOL', 155)), null);
});

test('doubt comes only from a source that has had a good price: a never-priced venue refused out of band does not stop the asset', () => {
  const d = door([...market(T0), px(T0, 'evilx', 'BTC', 60000)]);
  for (const l of market(T0)) assert.is(d.feed(l), null);
  const evil = d.gate.slotOf('evilx:BTC/USDT');
  assert.match(d.feed(px(T0 + 10, 'evilx', 'BTC', 600000)) ?? '', /is 900 % from the reference/);
  assert.is(d.gate.assetDoubt(evil), null, 'refused, but no doubt: evilx never had a good price');
  assert.is(d.gate.assetDoubt(d.gate.slotOf('binance:BTC/USDT')), null);
  // once it has been priced in band, its later disagreement does raise doubt
  assert.is(d.feed(px(T0 + 11, 'evilx', 'BTC', 60010)), null);
  assert.match(d.feed(px(T0 + 12, 'evilx', 'BTC', 600000)) ?? '', /from the reference/);
  assert.match(d.gate.assetDoubt(evil) ?? '', /^asset BTC\/USD in doubt: evilx:BTC\/USDT disagrees/);
});

test('time: an instrument never goes back beyond maxBackUs; nothing far ahead of the stream clock, unless a second instrument agrees (a gap)', () => {
  const d = door(market(T0));
  for (const l of market(T0)) assert.is(d.feed(l), null);
  assert.is(d.feed(px(T0 + 5 * S, 'binance', 'BTC', 60000)), null);
  assert.match(d.feed(px(T0 + 5 * S - 3600 * S, 'binance', 'BTC', 60000)) ?? '', /^plausibility: ts \d+ is 3600 s before the instrument's last event \d+, more than 1 s \(bound plausibility\.maxBackUs\)$/);
  assert.is(d.feed(px(T0 + 4.5 * S, 'binance', 'BTC', 60000)), null, 'half a second back: within the tolerance');
  assert.match(d.feed(px(T0 + 86400 * S, 'coinbase', 'BTC', 60000)) ?? '', /is 86395 s ahead of the stream clock \d+, more than 300 s \(bound plausibility\.maxAheadUs\)/);
  assert.match(d.feed(px(T0 + 86401 * S, 'coinbase', 'BTC', 60000)) ?? '', /ahead of the stream clock/, 'the same instrument again does not move the clock');
  assert.is(d.feed(px(T0 + 86402 * S, 'kraken', 'BTC', 60000)), null, 'another instrument agrees: the stream moved on');
  assert.is(d.gate.clock, T0 + 86402 * S);
  assert.is(d.gate.counts.clockJumps, 1);
});

test('caps: APY, TVL, liquidations; jumps and late first sights are held with the state\'s flag until confirmed', () => {
  const d = door([...market(T0), yld(T0, 'a', 5), yld(T0, 'b', 5), liq(T0, 1)]);
  assert.is(d.feed(yld(T0, 'a', 5)), null);
  assert.match(d.feed(yld(T0 + 1, 'a', 1e308)) ?? '', /^plausibility: data\.apy 1e\+308 is not in \[-100, 10000\] % \(bound plausibility\.maxApyPct\)$/);
  assert.match(d.feed(yld(T0 + 2, 'a', 5, 1e12)) ?? '', /data\.tvlUsd 1000000000000 is not in \[0, 100000000000\] \(bound plausibility\.maxTvlUsd\)/);
  assert.match(d.feed(liq(T0 + 3, 1e308)) ?? '', /data\.collateralUsd 1e\+308 is not in \[0, 1000000000\] \(bound plausibility\.maxLiquidationUsd\)/);
  // a 100× jump: enters the state held; a later agreeing update confirms it
  assert.is(d.feed(yld(T0 + 5 * S, 'a', 500)), null);
  assert.is(d.col('aave:ethereum:a', kYieldHeld), 1);
  assert.is(d.col('aave:ethereum:a', kApy), 500);
  assert.is(d.feed(yld(T0 + 7 * S, 'a', 505)), null);
  assert.is(d.col('aave:ethereum:a', kYieldHeld), 1, '2 s later: too soon (plausibility.yieldConfirmAfterUs 5 s)');
  assert.is(d.feed(yld(T0 + 10.5 * S, 'a', 505)), null);
  assert.is(d.col('aave:ethereum:a', kYieldHeld), 0, 'confirmed');
  // a pool first seen well after the stream began is held until a second sight
  for (const t of [15, 22, 29]) assert.is(d.feed(px(T0 + t * S, 'binance', 'BTC', 60000)), null);
  assert.is(d.feed(yld(T0 + 30 * S, 'b', 40)), null);
  assert.is(d.col('aave:ethereum:b', kYieldHeld), 1, 'late first sight: held');
  assert.ok(d.gate.isHeld(d.gate.slotOf('aave:ethereum:b')));
  assert.is(d.feed(yld(T0 + 38 * S, 'b', 41)), null);
  assert.is(d.col('aave:ethereum:b', kYieldHeld), 0);
  assert.is(d.gate.counts.held, 2);
});

test('yieldConfirmAfterUs (default 5 s): two agreeing jumps 2 s apart do not confirm each other; the jump must hold that long', () => {
  assert.is(kDefaultPlausibility.yieldConfirmAfterUs, 5 * S, 'the default');
  const d = door([...market(T0), yld(T0, 'a', 5)]);
  assert.is(d.feed(yld(T0, 'a', 5)), null);
  assert.is(d.feed(yld(T0 + 1 * S, 'a', 500)), null);
  assert.is(d.feed(yld(T0 + 3 * S, 'a', 505)), null);
  assert.is(d.col('aave:ethereum:a', kYieldHeld), 1, '2 s later: still held');
  assert.is(d.feed(yld(T0 + 6.5 * S, 'a', 502)), null);
  assert.is(d.col('aave:ethereum:a', kYieldHeld), 0, '5.5 s after the jump: confirmed');
  assert.is(d.gate.counts.held, 1);
  // 0 restores the agents' own rule: the next agreeing update confirms
  const z = door([...market(T0), yld(T0, 'a', 5)], { yieldConfirmAfterUs: 0 });
  assert.is(z.feed(yld(T0, 'a', 5)), null);
  assert.is(z.feed(yld(T0 + 1 * S, 'a', 500)), null);
  assert.is(z.feed(yld(T0 + 3 * S, 'a', 505)), null);
  assert.is(z.col('aave:ethereum:a', kYieldHeld), 0, 'yieldConfirmAfterUs 0: confirmed 2 s later');
});

// The whole class of "confirmations" a single source can make up quickly: each stays held until an
// agreeing update comes at least yieldConfirmAfterUs after the jump it confirms.
test('the confirmation class at default settings: a burst of agreeing updates within the window, a first sight repeated quickly, jumps on several pools at once, jump-revert-jump', () => {
  const held = (d: ReturnType<typeof door>, pool: string): number => d.col(`aave:ethereum:${pool}`, kYieldHeld);
  // a burst from the same source: every update within 5 s of the jump agrees with it, none confirms it
  const b = door([...market(T0), yld(T0, 'a', 5)]);
  assert.is(b.feed(yld(T0, 'a', 5)), null);
  assert.is(b.feed(yld(T0 + 10 * S, 'a', 500)), null);
  for (let k = 1; k <= 49; k++) {
    assert.is(b.feed(yld(T0 + 10 * S + k * 0.1 * S, 'a', 500 + k)), null);
    assert.is(held(b, 'a'), 1, `agreeing update ${k} at +${(k * 0.1).toFixed(1)} s: still held`);
  }
  assert.is(b.gate.counts.held, 1, 'one jump held; the burst does not restart its clock');
  assert.is(b.feed(yld(T0 + 15 * S, 'a', 499)), null);
  assert.is(held(b, 'a'), 0, 'confirmed by the first agreeing update 5 s after the jump');
  // a late first sight, repeated at once: held until an agreeing sight 5 s after the first
  const f = door([...market(T0), yld(T0, 'p', 5), yld(T0, 'q', 5)]);
  assert.is(f.feed(yld(T0, 'q', 5)), null);
  assert.is(f.feed(yld(T0 + 30 * S, 'p', 900)), null);
  assert.is(held(f, 'p'), 1, 'late first sight: held');
  assert.is(f.feed(yld(T0 + 30 * S + 1, 'p', 900)), null);
  assert.is(f.feed(yld(T0 + 31 * S, 'p', 905)), null);
  assert.is(f.feed(yld(T0 + 34.9 * S, 'p', 910)), null);
  assert.is(held(f, 'p'), 1, 'quick repeats of a first sight do not confirm it');
  assert.is(f.feed(yld(T0 + 35 * S, 'p', 901)), null);
  assert.is(held(f, 'p'), 0, '5 s after the first sight: confirmed');
  // jumps on several pools at once: no pool's update confirms another's; each waits for its own 5 s
  const pools = ['m1', 'm2', 'm3', 'm4'];
  const m = door([...market(T0), ...pools.map((p) => yld(T0, p, 4))]);
  for (const p of pools) assert.is(m.feed(yld(T0, p, 4)), null);
  pools.forEach((p, i) => assert.is(m.feed(yld(T0 + 20 * S + i, p, 400)), null));
  for (const p of pools) assert.is(m.feed(yld(T0 + 22 * S, p, 401)), null);
  for (const p of pools) assert.is(held(m, p), 1, `${p}: agreeing 2 s later, still held`);
  assert.is(m.feed(yld(T0 + 25 * S + 1, 'm1', 402)), null, 'm1 alone, 5 s after its jump');
  assert.equal(pools.map((p) => held(m, p)), [0, 1, 1, 1], 'm1 confirmed; the others still held');
  for (const p of pools.slice(1)) assert.is(m.feed(yld(T0 + 26 * S, p, 402)), null);
  assert.equal(pools.map((p) => held(m, p)), [0, 0, 0, 0]);
  assert.is(m.gate.counts.held, 4);
  // jump, revert, jump: the revert drops the held jump, the second jump is held from its own time
  const r = door([...market(T0), yld(T0, 'r', 5)]);
  assert.is(r.feed(yld(T0, 'r', 5)), null);
  assert.is(r.feed(yld(T0 + 10 * S, 'r', 500)), null);
  assert.is(held(r, 'r'), 1);
  assert.is(r.feed(yld(T0 + 11 * S, 'r', 5.1)), null);
  assert.is(held(r, 'r'), 0, 'the revert is accepted');
  assert.is(r.col('aave:ethereum:r', kApy), 5.1);
  assert.is(r.feed(yld(T0 + 12 * S, 'r', 505)), null);
  assert.is(r.feed(yld(T0 + 15.5 * S, 'r', 502)), null);
  assert.is(held(r, 'r'), 1, '5.5 s after the first jump but 3.5 s after the second: held');
  assert.is(r.feed(yld(T0 + 17 * S, 'r', 501)), null);
  assert.is(held(r, 'r'), 0, '5 s after the second jump: confirmed');
  assert.is(r.gate.counts.held, 2);
});

test('assets in doubt: too few fresh sources; staleness after staleAfterUs', () => {
  const d = door(market(T0), { minSources: 3, staleAfterUs: 10 * S });
  for (const l of market(T0)) assert.is(d.feed(l), null);
  const slot = d.gate.slotOf('binance:BTC/USDT');
  assert.is(d.gate.assetDoubt(slot), null, 'four fresh sources');
  for (const t of [8, 16, 24, 30]) {
    assert.is(d.feed(px(T0 + t * S, 'binance', 'BTC', 60000)), null);
    assert.is(d.feed(px(T0 + t * S, 'kraken', 'BTC', 60000)), null);
  }
  assert.match(d.gate.assetDoubt(slot) ?? '', /^asset BTC\/USD in doubt: 2 fresh sources \(plausibility\.minSources 3, stale after plausibility\.staleAfterUs 10000000\); no new risk$/);
  assert.is(d.gate.staleSources(), 2);
});

test('config: every bound checked, the key named', () => {
  checkPlausibility(kDefaultPlausibility);
  assert.throws(() => checkPlausibility({ ...kDefaultPlausibility, bandFraction: 0 }), /config\.plausibility\.bandFraction must be a number in \[0\.0001, 10\], got 0/);
  assert.throws(() => checkPlausibility({ ...kDefaultPlausibility, minSources: 1.5 }), /config\.plausibility\.minSources must be an integer/);
  assert.throws(() => checkPlausibility({ ...kDefaultPlausibility, maxAheadUs: 1e300 }), /maxAheadUs/);
});

function proposal(p: Partial<Proposal>): Proposal {
  return {
    key: 'k', cycle: 1, epoch: 1, ts: T0, agent: 'arbitrage_detector', kind: 'arbitrage_cross_exchange', action: 'buy_sell', instruments: [],
    sizeUsd: 1000, expectedProfitUsd: 1, score: 1, ruling: null, checkUsd: 1000, increasesRisk: false, protocol: '', exit: false,
    order: { op: 'arbitrage', buy: 0, sell: 1, qty: 1, quoteUsd: 1, expectedProfitUsd: 1 }, exposureUsd: 0, exposureFromFill: false,
    approvedReason: null, realizesPnl: false, quietIfRejected: false, pauseUntilUs: NaN, verdict: { status: 'approved', reason: '' }, fill: null, sighting: 0, ...p,
  };
}

test('pre-trade: non-finite numbers (an agent error), zero notional, net edge above the maximum, prices out of band, assets in doubt', () => {
  const d = door(market(T0));
  for (const l of market(T0)) assert.is(d.feed(l), null);
  const v = new Validator({ ...kDefaultConfig.limits, maxAgentErrors: 2 }, false, undefined, d.gate);
  assert.match(v.review(proposal({ score: NaN })).reason, /^pre-trade: score is not a finite number \(NaN\); counted as an error of arbitrage_detector$/);
  assert.match(v.review(proposal({ expectedProfitUsd: Infinity })).reason, /expectedProfitUsd is not a finite number/);
  assert.is(v.agentErrors('arbitrage_detector'), 2);
  assert.match(v.review(proposal({})).reason, /^circuit breaker open for arbitrage_detector \(2 errors/, 'the breaker opens on them');
  const ok = new Validator(kDefaultConfig.limits, false, undefined, d.gate);
  assert.match(ok.review(proposal({ sizeUsd: 0 })).reason, /^pre-trade: an order with a notional of 0 USD \(must be positive\)$/);
  assert.match(ok.review(proposal({ expectedProfitUsd: 44973, sizeUsd: 1000 })).reason, /^pre-trade: net edge 449730\.0 bps is above plausibility\.maxEdgeBps 1000: a data error, not an opportunity$/);
  assert.is(ok.review(proposal({ expectedProfitUsd: 5, instruments: ['binance:BTC/USDT', 'kraken:BTC/USDT'] })).status, 'approved');
  assert.match(d.feed(px(T0 + 1, 'kraken', 'BTC', 1)) ?? '', /bandFraction/);
  const r = ok.review(proposal({ expectedProfitUsd: 5, instruments: ['binance:BTC/USDT', 'kraken:BTC/USDT'] }));
  assert.is(r.status, 'rejected');
  assert.match(r.reason, /^asset BTC\/USD in doubt: kraken:BTC\/USDT disagrees/);
  assert.is(d.gate.counts.doubtRejections, 1);
  assert.is(preTrade(proposal({ order: null, sizeUsd: 0 }), ok, d.gate), null, 'a note without an order has no notional to check');
  assert.is(preTrade(proposal({ exit: true, instruments: ['kraken:BTC/USDT'] }), ok, d.gate), null, 'an exit takes no new risk');
});

test.run();
