// The control plane's gate: scoped trading states, pause and stop, fail closed, rate limits,
// automatic trips, the fill check; each change audited.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kDefaultConfig } from '../options.ts';
import { proposal } from '../consolidate/fusion.ts';
import { Validator } from '../validate/validator.ts';
import type { Proposal } from '../types.ts';
import { kDefaultControlConfig, type ControlConfig } from '../control_config.ts';
import { ControlPlane } from './control_plane.ts';

const kT0 = 1_723_075_200_000_000;

function plane(patch: (c: ControlConfig) => void = () => {}): { c: ControlPlane; v: Validator } {
  const cfg = structuredClone(kDefaultControlConfig);
  patch(cfg);
  return { c: new ControlPlane(cfg, { capitalUsd: 1_000_000, capacity: 64, maxAgentErrors: 5 }), v: new Validator(kDefaultConfig.limits, false) };
}

let n = 0;
function prop(o: Partial<Proposal> = {}): Proposal {
  n++;
  return proposal({
    key: `k${n}`, cycle: o.cycle ?? 10, epoch: n, ts: o.ts ?? kT0, agent: o.agent ?? 'arbitrage_detector', kind: o.kind ?? 'arbitrage_triangular',
    action: 'cycle', instruments: o.instruments ?? ['binance:ETH/USDC'], sizeUsd: o.sizeUsd ?? 10_000, expectedProfitUsd: 10, score: 1,
    ...o,
  });
}

test('kill per scope: engine, agent and kind; the strictest wins; exits pass REDUCING; resume is explicit', () => {
  const { c, v } = plane();
  assert.is(c.review(prop(), v).status, 'approved');
  c.cycle = 100;
  c.kill({ scope: 'kind', name: 'arbitrage_triangular' }, 'alice');
  const r = c.review(prop({ cycle: 101 }), v);
  assert.is(r.status, 'rejected');
  assert.match(r.reason, /^kill switch: kind arbitrage_triangular HALTED \(paused by alice\)/);
  assert.is(c.review(prop({ kind: 'arbitrage_cross_exchange' }), v).status, 'approved', 'other kinds pass');
  c.kill({ scope: 'agent', name: 'yield_hunter' }, 'bob', { state: 'REDUCING' });
  assert.is(c.review(prop({ agent: 'yield_hunter', kind: 'yield_entry' }), v).status, 'rejected', 'REDUCING: entries refused');
  assert.is(c.review(prop({ agent: 'yield_hunter', kind: 'yield_exit', exit: true }), v).status, 'approved', 'REDUCING: exits pass');
  c.kill({ scope: 'engine', name: '' }, 'carol');
  assert.is(c.review(prop({ agent: 'yield_hunter', kind: 'yield_exit', exit: true }), v).status, 'rejected', 'engine HALTED: exits too');
  c.resume({ scope: 'engine', name: '' }, 'carol');
  assert.is(c.review(prop({ agent: 'yield_hunter', kind: 'yield_exit', exit: true }), v).status, 'approved');
  assert.is(c.review(prop(), v).status, 'rejected', 'the kind scope is still HALTED');
  c.resume({ scope: 'kind', name: 'arbitrage_triangular' }, 'alice');
  assert.is(c.review(prop(), v).status, 'approved');
  const snap = c.snapshot() as { kinds: { name: string; reaction: { cycles: number } | null }[] };
  assert.is(snap.kinds[0]!.reaction!.cycles, 1, 'refused the first action of the next cycle');
  const types = c.log.recent.map((e) => `${e.type}:${String(e.data.to ?? e.data.op)}:${e.data.who}`);
  assert.equal(types, [
    'kill_switch:engage:alice', 'trading_state:HALTED:alice', 'kill_switch:engage:bob', 'trading_state:REDUCING:bob',
    'kill_switch:engage:carol', 'trading_state:HALTED:carol', 'kill_switch:resume:carol', 'trading_state:ACTIVE:carol',
    'kill_switch:resume:alice', 'trading_state:ACTIVE:alice',
  ]);
  assert.ok(c.log.recent.every((e) => typeof e.data.at === 'string' && !Number.isNaN(Date.parse(e.data.at))));
  assert.is(c.counts.refusedHalted, 3);
  assert.is(c.counts.refusedReducing, 1);
});

test('stop differs from pause: it tells the approval queue to reject what waits in the scope', () => {
  const { c } = plane();
  const stopped: string[] = [];
  c.onStop = (s, who) => stopped.push(`${s.scope}:${s.name}:${who}`);
  c.kill({ scope: 'agent', name: 'arbitrage_detector' }, 'alice');
  assert.equal(stopped, []);
  c.kill({ scope: 'agent', name: 'arbitrage_detector' }, 'alice', { mode: 'stop' });
  assert.equal(stopped, ['agent:arbitrage_detector:alice']);
  assert.is(c.log.recent.filter((e) => e.type === 'trading_state').length, 2, 'pause → stop is a change (mode)');
});

test('fail closed: a throwing validator or a non-finite value halts the affected scope with the reason', () => {
  const { c, v } = plane();
  const faulty = new (class extends Validator { override review(): never { throw new Error('injected fault'); } })(kDefaultConfig.limits, false);
  const r = c.review(prop({ agent: 'yield_hunter', kind: 'yield_entry' }), faulty);
  assert.is(r.status, 'rejected');
  assert.match(r.reason, /^fail closed: the risk path threw on yield_entry k\d+: injected fault/);
  assert.is(c.stateOf({ scope: 'agent', name: 'yield_hunter' }), 'HALTED');
  assert.is(c.review(prop({ agent: 'yield_hunter', kind: 'yield_exit', exit: true }), v).status, 'rejected', 'the halted scope lets nothing through');
  assert.is(c.review(prop(), v).status, 'approved', 'other agents go on');
  const nan = c.review(prop({ sizeUsd: NaN, checkUsd: Infinity }), v);
  assert.match(nan.reason, /fail closed/);
  v.portfolioVarUsd = NaN;
  assert.match(c.review(prop({ agent: 'portfolio_rebalancer' }), v).reason, /^fail closed: portfolio VaR is NaN/);
  assert.is(c.stateOf({ scope: 'engine', name: '' }), 'HALTED');
  assert.is(c.counts.failClosed, 3);
  assert.ok(c.log.recent.some((e) => e.type === 'trading_state' && e.data.who === 'fail-closed' && String(e.data.reason).includes('injected fault')));
});

test('rate limits per agent and per venue, over event time, denied and counted', () => {
  const { c, v } = plane((k) => { k.rateLimits.perAgentPerSec = 3; k.rateLimits.perVenuePerSec = 4; });
  const st = (o: Partial<Proposal>): string => c.review(prop(o), v).status;
  assert.equal([0, 1, 2, 3].map((i) => st({ ts: kT0 + i })), ['approved', 'approved', 'approved', 'rejected']);
  assert.match(c.review(prop({ ts: kT0 + 5 }), v).reason, /^rate limit: arbitrage_detector above 3 actions\/s/);
  assert.is(st({ ts: kT0 + 400_000 }), 'approved', 'a third of a second refills one');
  const { c: c2 } = plane((k) => { k.rateLimits.perVenuePerSec = 2; });
  const venue = (agent: string, instruments: string[]): string => c2.review(prop({ agent, instruments, ts: kT0 }), v).reason;
  assert.is(venue('a1', ['binance:ETH/USDC']), 'within limits');
  assert.is(venue('a2', ['binance:BTC/USDC']), 'within limits');
  assert.is(venue('a3', ['binance:SOL/USDC']), 'rate limit: venue binance above 2 actions/s');
  assert.is(venue('a4', ['aave:ethereum:x']), 'within limits', 'another venue');
  assert.is(c2.counts.rateLimitedVenue, 1);
  assert.is(c.counts.rateLimitedAgent, 2);
});

test('automatic trips: drawdown from the running peak, per agent and engine', () => {
  const { c } = plane((k) => { k.trips.drawdownFraction = 0.01; k.trips.drawdownAction = 'REDUCING'; });
  const fill = { price: 1, qty: 10_000, feeUsd: 0, slippageUsd: 0 };
  c.filled(prop({ agent: 'yield_hunter' }), fill, 50_000); // peak equity 1,050,000
  c.filled(prop({ agent: 'yield_hunter' }), fill, -10_000); // 0.95% below the peak: not yet
  assert.is(c.stateOf({ scope: 'agent', name: 'yield_hunter' }), 'ACTIVE');
  c.filled(prop({ agent: 'yield_hunter' }), fill, -1_000); // 1.05% below
  assert.is(c.stateOf({ scope: 'agent', name: 'yield_hunter' }), 'REDUCING');
  assert.is(c.stateOf({ scope: 'engine', name: '' }), 'REDUCING', 'the engine is at the same drawdown');
  const ev = c.log.recent.find((e) => e.type === 'trading_state' && e.data.name === 'yield_hunter')!;
  assert.is(ev.data.who, 'auto:drawdown');
  assert.match(String(ev.data.reason), /agent yield_hunter paper equity 1\.05% below its peak \$1,050,000 \(limit 1%\)/);
});

test('automatic trips: losses within a window; a burst of rejections', () => {
  const { c, v } = plane((k) => {
    k.trips.lossLimitUsd = 1_000; k.trips.lossWindowUs = 60_000_000; k.trips.lossAction = 'HALTED';
    k.trips.burstCount = 3; k.trips.burstWindowUs = 1_000_000;
  });
  const fill = { price: 1, qty: 10_000, feeUsd: 0, slippageUsd: 0 };
  c.filled(prop({ agent: 'portfolio_rebalancer', ts: kT0 }), fill, -600);
  c.filled(prop({ agent: 'portfolio_rebalancer', ts: kT0 + 61_000_000 }), fill, -600); // the first left the window
  assert.is(c.stateOf({ scope: 'agent', name: 'portfolio_rebalancer' }), 'ACTIVE');
  c.filled(prop({ agent: 'portfolio_rebalancer', ts: kT0 + 62_000_000 }), fill, -600);
  assert.is(c.stateOf({ scope: 'agent', name: 'portfolio_rebalancer' }), 'HALTED');
  assert.match(c.snapshot().agents ? JSON.stringify(c.snapshot()) : '', /lost \$1,200 within 60 s/);
  // three rejections (size zero) within a second trip the agent
  const zero = (ts: number): string => c.review(prop({ agent: 'liquidity_optimizer', sizeUsd: 0, ts }), v).status;
  zero(kT0); zero(kT0 + 2_000_000); zero(kT0 + 2_500_000);
  assert.is(c.stateOf({ scope: 'agent', name: 'liquidity_optimizer' }), 'ACTIVE', 'spread over 2.5 s');
  zero(kT0 + 2_600_000);
  assert.is(c.stateOf({ scope: 'agent', name: 'liquidity_optimizer' }), 'HALTED');
  assert.is(c.stateOf({ scope: 'engine', name: '' }), 'HALTED', 'the engine lost the same $1,200');
  assert.is(c.counts.automaticTrips, 3, 'agent and engine losses, the burst');
});

test('fill check: cost, size and price outside the bounds trip the agent breaker with the reason', () => {
  const { c, v } = plane((k) => { k.fillCheck.maxCostFraction = 0.01; k.fillCheck.maxSizeDeviation = 0.1; });
  const p = prop({ sizeUsd: 10_000, order: { op: 'enter_pool', slot: 1, sizeUsd: 10_000 } });
  c.filled(p, { price: 1, qty: 10_000, feeUsd: 50, slippageUsd: 40 }, 0);
  assert.is(c.breakers.state('arbitrage_detector'), 'CLOSED', '0.9% cost is within 1%');
  c.filled(p, { price: 1, qty: 8_000, feeUsd: 0, slippageUsd: 0 }, 0);
  assert.is(c.breakers.state('arbitrage_detector'), 'OPEN');
  assert.match(c.breakers.reason('arbitrage_detector'), /filled notional \$8,000 off the decision's size \$10,000 by more than 10%/);
  assert.match(c.review(prop(), v).reason, /^circuit breaker open for arbitrage_detector \(fill check on k\d+/);
  c.filled(prop({ agent: 'yield_hunter' }), { price: 1, qty: 10_000, feeUsd: 150, slippageUsd: 0 }, 0);
  assert.match(c.breakers.reason('yield_hunter'), /fees and slippage \$150 above 1% of the size \$10,000/);
  c.filled(prop({ agent: 'market_analyzer' }), { price: NaN, qty: 1, feeUsd: 0, slippageUsd: 0 }, 0);
  assert.match(c.breakers.reason('market_analyzer'), /fill price NaN/);
  assert.is(c.counts.fillCheckTrips, 3);
});

test.run();
