// Options in, filled options out: every rejection names the key it is about.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OptionError } from '../protocol/errors.ts';
import { checkConfig, kDefaultConfig, loadConfigFile, resolveOptions, type EngineConfig, type OptionsInput } from './options.ts';
import { kAgentNames } from '../workers/agents/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-options-'));
let files = 0;
function configFile(content: string): string {
  const p = join(dir, `config-${++files}.json`);
  writeFileSync(p, content);
  return p;
}

/** The OptionError message of f(), failing the test when f does not throw one. */
function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    assert.instance(err, OptionError);
    return (err as Error).message;
  }
  assert.unreachable('expected an OptionError');
  return '';
}
function rejects(input: OptionsInput, pattern: RegExp): void {
  assert.match(messageOf(() => resolveOptions(input)), pattern);
}

test('defaults are filled in', () => {
  const o = resolveOptions({ threads: 2 });
  assert.is(o.mode, 'lockstep');
  assert.is(o.wait, 'adaptive');
  assert.is(o.threads, 2);
  assert.is(o.autoDispatch, false, 'a thread count was given');
  assert.is(o.warmup, true);
  assert.is(resolveOptions({}).autoDispatch, true, 'no --threads, --inline or --topology: the warm-up chooses');
  assert.is(resolveOptions({ threads: 0 }).autoDispatch, false);
  assert.is(resolveOptions({ topology: 'main:yield_hunter' }).autoDispatch, false);
  assert.is(o.rate, 0);
  assert.is(o.speed, 0);
  assert.is(o.limit, 0);
  assert.equal(o.agents, [...kAgentNames]);
  assert.is(o.config, kDefaultConfig);
  assert.ok(o.fixture.endsWith('fixtures/default.jsonl.gz'));
  assert.is(o.decisions, 'out/decisions.jsonl');
  assert.is(resolveOptions({ decisions: null }).decisions, null, 'null turns the sink off');
  const d = resolveOptions({});
  assert.ok(Number.isInteger(d.threads) && d.threads >= 1 && d.threads <= kAgentNames.length, `default threads ${d.threads}`);
});

test('each option is checked with a message that names it', () => {
  rejects({ mode: 'fast' }, /^options\.mode must be "lockstep" or "realtime", got "fast"/);
  rejects({ wait: 'sleep' }, /^options\.wait must be one of spin, block, hybrid, adaptive, got "sleep"/);
  rejects({ threads: -1 }, /^options\.threads must be an integer in 0\.\.64 \(0 = inline\), got -1/);
  rejects({ threads: 1.5 }, /^options\.threads must be an integer/);
  rejects({ threads: 65 }, /^options\.threads must be an integer in 0\.\.64/);
  rejects({ rate: -10 }, /^options\.rate must be a non-negative number of events\/s, got -10/);
  rejects({ rate: Infinity }, /^options\.rate must be/);
  rejects({ speed: NaN }, /^options\.speed must be a non-negative multiple of recorded timing, got NaN/);
  rejects({ limit: 2.5 }, /^options\.limit must be a non-negative integer, got 2\.5/);
  rejects({ cycleTimeoutMs: 0 }, /^options\.cycleTimeoutMs must be a number in \(0, 3600000\], got 0/);
  rejects({ agents: ['yield_hunter', 'oracle'] }, /^options\.agents names unknown agent "oracle" \(agents: yield_hunter, /);
  rejects({ agents: [] }, /^options\.agents must name at least one agent/);
  // allowed edges
  assert.is(resolveOptions({ threads: 0 }).threads, 0, 'inline');
  assert.is(resolveOptions({ threads: 64 }).threads, 64);
  assert.is(resolveOptions({ wait: 'spin' }).wait, 'spin');
});

test('rate and speed together are rejected, each alone is fine', () => {
  rejects({ rate: 1000, speed: 2 }, /^options\.rate and options\.speed cannot both be set/);
  assert.is(resolveOptions({ rate: 1000 }).rate, 1000);
  assert.is(resolveOptions({ speed: 2 }).speed, 2);
});

test('a config file is merged over the defaults, key by key, without touching the defaults', () => {
  const before = JSON.stringify(kDefaultConfig);
  const p = configFile(JSON.stringify({
    trigger: { minPriceChangeThreshold: 0.2 },
    killSwitch: true,
    agents: { fees: { defaultTaker: 0.0005, venues: { binance: 0.00075 } }, arbitrage: { fixedCostUsd: 5 } },
  }));
  const c = loadConfigFile(p);
  assert.is(c.trigger.minPriceChangeThreshold, 0.2);
  assert.is(c.trigger.minAPYChangeThreshold, kDefaultConfig.trigger.minAPYChangeThreshold, 'sibling kept');
  assert.is(c.killSwitch, true);
  assert.is(c.agents.fees.defaultTaker, 0.0005);
  assert.equal(c.agents.fees.venues, { binance: 0.00075 });
  assert.is(c.agents.arbitrage.fixedCostUsd, 5);
  assert.is(c.agents.arbitrage.maxQuoteAgeUs, kDefaultConfig.agents.arbitrage.maxQuoteAgeUs);
  assert.is(JSON.stringify(kDefaultConfig), before, 'the defaults are not mutated');
  // through resolveOptions, by path
  assert.is(resolveOptions({ config: p }).config.agents.fees.defaultTaker, 0.0005);
});

test('config file errors name the key', () => {
  const bad = (json: unknown): string => messageOf(() => loadConfigFile(configFile(JSON.stringify(json))));
  assert.match(bad({ agents: { fees: { defaultTaker: 0.5 } } }), /^config\.agents\.fees\.defaultTaker must be a fee fraction in \[0, 0\.1\), got 0\.5/);
  assert.match(bad({ agents: { fees: { defaultTaker: -0.001 } } }), /^config\.agents\.fees\.defaultTaker must be a fee fraction/);
  assert.match(bad({ agents: { fees: { venues: { kraken: 0.2 } } } }), /^config\.agents\.fees\.venues\.kraken must be a fee fraction in \[0, 0\.1\), got 0\.2/);
  assert.match(bad({ agents: { fees: { venues: { kraken: '0.001' } } } }), /^config\.agents\.fees\.venues\.kraken must be a fee fraction/);
  assert.match(bad({ trigger: { minPriceChange: 1 } }), /^config\.trigger\.minPriceChange is not a known setting \(known: minPriceChangeThreshold, minAPYChangeThreshold, minLiquidationUsd\)/);
  assert.match(bad({ colour: 'blue' }), /^config\.colour is not a known setting/);
  assert.match(bad({ agents: { yield: { minApy: '5' } } }), /^config\.agents\.yield\.minApy must be a number, got "5"/);
  assert.match(bad({ killSwitch: 'yes' }), /^config\.killSwitch must be true or false, got "yes"/);
  assert.match(bad({ limits: 5 }), /^config\.limits must be an object/);
  assert.match(bad([1, 2]), /^config must be an object/);
  assert.match(bad({ limits: { maxPositionUsd: 0 } }), /^config\.limits\.maxPositionUsd must be a number in \(0, 1000000000000\], got 0/);
  assert.match(bad({ limits: { protocolCooldownUs: -1 } }), /^config\.limits\.protocolCooldownUs must be an integer in \[0, 31536000000000\], got -1/);
  assert.match(bad({ trigger: { minAPYChangeThreshold: -0.1 } }), /^config\.trigger\.minAPYChangeThreshold must be a number in \[0, 10000\], got -0\.1/);
  assert.match(bad({ agents: { capitalUsd: 0 } }), /^config\.agents\.capitalUsd must be a number in \(0, 1000000000000\], got 0/);
  assert.match(bad({ agents: { arbitrage: { maxQuoteAgeUs: 0 } } }), /^config\.agents\.arbitrage\.maxQuoteAgeUs must be a positive/);
  assert.match(bad({ agents: { risk: { confidence: 0.4 } } }), /^config\.agents\.risk\.confidence must be in \(0\.5, 1\), got 0\.4/);
  assert.match(bad({ agents: { risk: { ewmaLambda: 1 } } }), /^config\.agents\.risk\.ewmaLambda must be in \(0, 1\), got 1/);
  assert.match(bad({ agents: { yield: { topK: 0 } } }), /^config\.agents\.yield\.topK must be an integer in 1\.\.64, got 0/);
  assert.match(bad({ agents: { yield: { topK: 2.5 } } }), /^config\.agents\.yield\.topK must be an integer/);
  // unreadable or not JSON
  assert.match(messageOf(() => loadConfigFile(join(dir, 'nope.json'))), /^options\.config: cannot read .*nope\.json/);
  assert.match(messageOf(() => loadConfigFile(configFile('{ "trigger": '))), /^options\.config: cannot read .*config-\d+\.json/);
  // and through resolveOptions
  rejects({ config: configFile('{"agents":{"fees":{"defaultTaker":1}}}') }, /^config\.agents\.fees\.defaultTaker must be a fee fraction/);
});

test('prototype names are not known settings', () => {
  // `k in out` sees inherited names: these unknown keys must be rejected like any other
  const bad = (json: string): string => messageOf(() => loadConfigFile(configFile(json)));
  assert.match(bad('{"trigger":{"toString":5}}'), /^config\.trigger\.toString is not a known setting/);
  assert.match(bad('{"constructor":1}'), /^config\.constructor is not allowed: "constructor" is never a setting/);
});

test('a config object is checked as well', () => {
  const c = structuredClone(kDefaultConfig) as EngineConfig;
  c.limits.maxTotalExposureUsd = NaN;
  assert.match(messageOf(() => checkConfig(c)), /^config\.limits\.maxTotalExposureUsd must be a finite number no larger than 1000000000000000 in size, got NaN/);
  rejects({ config: c }, /^config\.limits\.maxTotalExposureUsd/);
});

test('__proto__, constructor and prototype are refused at any depth, free-form maps included', () => {
  const bad = (json: string): string => messageOf(() => loadConfigFile(configFile(json)));
  // JSON.parse makes "__proto__" an own key; merged with `out[k] = v` it would replace the prototype
  assert.match(bad('{"agents":{"fees":{"venues":{"__proto__":{"binance":0.5}}}}}'), /^config\.agents\.fees\.venues\.__proto__ is not allowed/);
  assert.match(bad('{"agents":{"fees":{"venues":{"constructor":0.01}}}}'), /^config\.agents\.fees\.venues\.constructor is not allowed/);
  assert.match(bad('{"agents":{"fees":{"venues":{"kraken":{"prototype":1}}}}}'), /^config\.agents\.fees\.venues\.kraken\.prototype is not allowed/);
  assert.match(bad('{"__proto__":{"killSwitch":true}}'), /^config\.__proto__ is not allowed/);
  assert.match(bad('{"limits":{"__proto__":{"maxPositionUsd":1}}}'), /^config\.limits\.__proto__ is not allowed/);
  assert.match(bad('{"agents":{"arbitrage":{"statArb":{"prototype":{}}}}}'), /^config\.agents\.arbitrage\.statArb\.prototype is not allowed/);
  // nothing leaked: a fresh object has no inherited fee, the defaults are untouched
  assert.is(({} as Record<string, unknown>).binance, undefined);
  assert.equal(Object.keys(kDefaultConfig.agents.fees.venues), []);
  // a config object given directly is walked as well
  const c = structuredClone(kDefaultConfig) as EngineConfig;
  (c.agents.fees.venues as Record<string, number>) = JSON.parse('{"__proto__": 0.5}') as Record<string, number>;
  assert.match(messageOf(() => checkConfig(c)), /^config\.agents\.fees\.venues\.__proto__ is not allowed/);
  // an ordinary venue map still works
  assert.is(loadConfigFile(configFile('{"agents":{"fees":{"venues":{"kraken":0.002}}}}')).agents.fees.venues.kraken, 0.002);
});

test('numbers are checked for range and integrality, with the key named', () => {
  const bad = (json: unknown): string => messageOf(() => loadConfigFile(configFile(JSON.stringify(json))));
  assert.match(bad({ limits: { maxPositionUsd: 1e300 } }), /^config\.limits\.maxPositionUsd must be a finite number no larger than 1000000000000000 in size, got 1e\+300/);
  assert.match(bad({ limits: { maxTotalExposureUsd: 1e13 } }), /^config\.limits\.maxTotalExposureUsd must be a number in \(0, 1000000000000\], got 10000000000000/);
  assert.match(bad({ limits: { maxAgentErrors: 0.5 } }), /^config\.limits\.maxAgentErrors must be an integer in \[1, 1000000\], got 0\.5/);
  assert.match(bad({ limits: { maxAgentErrors: 0 } }), /^config\.limits\.maxAgentErrors must be an integer/);
  assert.match(bad({ limits: { maxYieldPositions: 2.5 } }), /^config\.limits\.maxYieldPositions must be an integer in \[1, 1000\]/);
  assert.match(bad({ limits: { protocolCooldownUs: 1.5 } }), /^config\.limits\.protocolCooldownUs must be an integer/);
  assert.match(bad({ limits: { minTradeUsd: 2_000_000 } }), /^config\.limits\.minTradeUsd \(2000000\) must not exceed config\.limits\.maxPositionUsd \(1000000\)/);
  assert.match(bad({ trigger: { minPriceChangeThreshold: 250 } }), /^config\.trigger\.minPriceChangeThreshold must be a number in \[0, 100\], got 250/);
  assert.match(bad({ agents: { yield: { minApy: -1e300 } } }), /^config\.agents\.yield\.minApy must be a finite number no larger than/);
  assert.match(bad({ agents: { capitalUsd: 1e13 } }), /^config\.agents\.capitalUsd must be a number in \(0, 1000000000000\]/);
  // the edges themselves are fine
  const ok = loadConfigFile(configFile(JSON.stringify({ limits: { maxAgentErrors: 1, maxPositionUsd: 1e12, maxTotalExposureUsd: 1e12 } })));
  assert.is(ok.limits.maxAgentErrors, 1);
  // a byte-order mark before the JSON is accepted
  assert.is(loadConfigFile(configFile('\uFEFF{"killSwitch":true}')).killSwitch, true);
});

test('maxPauseMs: bounded, and only with speed', () => {
  assert.is(resolveOptions({ threads: 0 }).maxPauseMs, 10_000);
  assert.is(resolveOptions({ threads: 0, speed: 2, maxPauseMs: 250 }).maxPauseMs, 250);
  rejects({ threads: 0, speed: 2, maxPauseMs: 0 }, /^options\.maxPauseMs must be a number in \(0, 3600000\], got 0/);
  rejects({ threads: 0, speed: 2, maxPauseMs: 1e10 }, /^options\.maxPauseMs must be a number/);
  rejects({ threads: 0, maxPauseMs: 100 }, /^options\.maxPauseMs applies to a replay paced by options\.speed only/);
  rejects({ threads: 0, cycleTimeoutMs: 1e300 }, /^options\.cycleTimeoutMs must be a number in \(0, 3600000\]/);
});

test('the learning loop needs an event store: off or none is refused with it', () => {
  rejects({ threads: 0, learning: true, eventStore: 'off' }, /^options\.learning needs an event store .*options\.eventStore "off" cannot be used with it$/);
  rejects({ threads: 0, learning: true, eventStore: 'none' }, /options\.eventStore "none" cannot be used with it/);
  assert.is(resolveOptions({ threads: 0, eventStore: 'off' }).learning, false);
});

test.run();
