// The codec: every event type to its documented tape fields (fixtures/SCHEMA.md), and every kind of
// malformed message to a reason that names the field. A rejected message leaves no row behind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kKindAmm, kKindBook, kKindProtocol, kKindSignal, kKindYield } from '../../protocol/layout.ts';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { kTypeGovernance, kTypeGovernancePassed, kTypeLiquidation, kTypeLiquidationCascade, kTypeMajorPriceMove, kTypePool, kTypePrice, kTypeYield, kTypeYieldOpportunity } from '../../protocol/events.ts';
import { decodeEvent, decodeLine } from './codec.ts';
import {
  kTapeF0, kTapeLine, kTapePoolTickCount, kTapePoolTickRef, kTapeSlot, kTapeTs, kTapeType, kTapeWidth, Tape,
} from '../../protocol/tape.ts';

const kTs = 1_723_075_200_000_000; // 2024-08-08T00:00:00Z in µs

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

/** Decodes one event into a fresh tape; returns the row's fields or the reason. */
function decode(ev: unknown, registry = new InstrumentRegistry()): { reason: string | null; row: Float64Array; tape: Tape; registry: InstrumentRegistry } {
  const tape = new Tape(4);
  const reason = decodeEvent(ev, registry, tape, 7);
  const row = tape.rows.slice(0, kTapeWidth);
  return { reason, row, tape, registry };
}
function fields(row: Float64Array, n: number): number[] {
  return Array.from(row.subarray(kTapeF0, kTapeF0 + n));
}
function ok(ev: unknown, registry?: InstrumentRegistry): { row: Float64Array; registry: InstrumentRegistry } {
  const d = decode(ev, registry);
  assert.is(d.reason, null, `rejected: ${d.reason}`);
  assert.is(d.tape.length, 1);
  return d;
}

const priceEv = {
  ts: kTs, type: 'price_update', topic: 'market.prices.binance', key: 'binance:BTC/USDT',
  data: { venue: 'binance', base: 'BTC', quote: 'USDT', bid: 59994.37, ask: 60011.65, bidSize: 1.38, askSize: 2.21 },
};
const yieldEv = {
  ts: kTs, type: 'yield_update', topic: 'market.yields.aave', key: 'aave:ethereum:db09',
  data: {
    protocol: 'aave', chain: 'ethereum', pool: 'db09', symbol: 'USDC', apy: 5.4666, apyBase: 5.4666, apyReward: 0,
    tvlUsd: 289741805, ilRisk: false, exposure: 'single', stablecoin: true,
  },
};
const v2Ev = {
  ts: kTs, type: 'pool_update', topic: 'market.prices.uniswap_v2', key: 'uniswap_v2:0xc7b8',
  data: { dex: 'uniswap_v2', pool: '0xc7b8', token0: 'USDC', token1: 'WETH', reserve0: 21337368.15, reserve1: 8203.909393, fee: 0.003 },
};
// 0x51fdf2fd9b2526872a9b723450f2 = 1 662 995 104 975 155 420 368 771 254 341 874 (decimal string, as the schema requires)
const kSqrtX96 = '1662995104975155420368771254341874';
const v3Ev = {
  ts: kTs, type: 'pool_update', topic: 'market.prices.uniswap_v3', key: 'uniswap_v3:0x8ad5',
  data: {
    dex: 'uniswap_v3', pool: '0x8ad5', token0: 'USDC', token1: 'WETH', reserve0: 1_000_000, reserve1: 440.5, fee: 0.0005,
    sqrtPriceX96: kSqrtX96, liquidity: '21433975389133283328', tick: 197682, decimals0: 6, decimals1: 18,
  },
};

test('price_update → bid, ask, bidSize, askSize, last; slot of a book with its meta', () => {
  const { row, registry } = ok(priceEv);
  assert.is(row[kTapeTs], kTs);
  assert.is(row[kTapeType], kTypePrice);
  assert.is(row[kTapeSlot], 0);
  assert.is(row[kTapeLine], 7, 'where the event came from');
  assert.equal(fields(row, 4), [59994.37, 60011.65, 1.38, 2.21]);
  assert.ok(Number.isNaN(row[kTapeF0 + 4]), 'last absent → NaN (unchanged)');
  const m = registry.meta(0);
  assert.equal([m.key, m.kind, m.venue, m.base, m.quote], ['binance:BTC/USDT', kKindBook, 'binance', 'BTC', 'USDT']);
  const withLast = ok({ ...priceEv, data: { ...priceEv.data, last: 60000 } });
  assert.is(withLast.row[kTapeF0 + 4], 60000);
});

test('yield_update and yield_opportunity_detected → apy, apyBase, apyReward, tvl, flags, mu, sigma, predictedUp, apyBorrow, ltv', () => {
  const { row, registry } = ok(yieldEv);
  assert.is(row[kTapeType], kTypeYield);
  // ilRisk false → 0, exposure single → 0, stablecoin true → 1; mu..ltv absent → NaN
  assert.equal(fields(row, 7), [5.4666, 5.4666, 0, 289741805, 0, 0, 1]);
  assert.ok(fields(row, 12).slice(7).every(Number.isNaN), 'unknown extras are NaN');
  const m = registry.meta(0);
  assert.equal([m.kind, m.protocol, m.venue, m.chain, m.pool, m.symbol], [kKindYield, 'aave', 'aave', 'ethereum', 'db09', 'USDC']);
  // DefiLlama spellings "yes"/"no"/"multi"/"single" and the extras
  const full = ok({
    ...yieldEv, type: 'yield_opportunity_detected',
    data: { ...yieldEv.data, ilRisk: 'yes', exposure: 'multi', stablecoin: false, mu: 4.9, sigma: 0.31, predictedUp: 0.7, apyBorrow: 6.1, ltv: 0.8 },
  });
  assert.is(full.row[kTapeType], kTypeYieldOpportunity);
  assert.equal(fields(full.row, 12), [5.4666, 5.4666, 0, 289741805, 1, 1, 0, 4.9, 0.31, 0.7, 6.1, 0.8]);
  // flags absent → NaN (unknown)
  const bare = ok({ ...yieldEv, data: { protocol: 'aave', chain: 'ethereum', pool: 'db09', apy: 3, tvlUsd: 1e6 } });
  assert.ok([1, 2, 4, 5, 6].every((i) => Number.isNaN(bare.row[kTapeF0 + i])), 'apyBase, apyReward and flags unknown');
});

test('pool_update, constant product: price = reserve1/reserve0, no sqrtPrice or liquidity', () => {
  const { row, registry } = ok(v2Ev);
  assert.is(row[kTapeType], kTypePool);
  assert.equal(fields(row, 3), [21337368.15, 8203.909393, 0.003]);
  assert.ok(Number.isNaN(row[kTapeF0 + 3]) && Number.isNaN(row[kTapeF0 + 4]) && Number.isNaN(row[kTapeF0 + 5]));
  // 8203.909393/21337368.15 = 3.84486e-4 WETH per USDC (ETH ≈ 2600.87 USDC)
  near(row[kTapeF0 + 6]!, 8203.909393 / 21337368.15, 1e-18, 'price');
  near(1 / row[kTapeF0 + 6]!, 2600.87, 0.01, 'USDC per WETH');
  const m = registry.meta(0);
  assert.equal([m.kind, m.venue, m.pool, m.base, m.quote], [kKindAmm, 'uniswap_v2', '0xc7b8', 'USDC', 'WETH']);
});

test('pool_update, concentrated liquidity: the price from sqrtPriceX96 is token1 per token0, decimal-adjusted', () => {
  const { row, registry } = ok(v3Ev);
  // √P_raw = 1 662 995 104 975 155 420 368 771 254 341 874 / 2^96 = 20 989.949182221
  near(row[kTapeF0 + 3]!, 20989.949182221, 1e-8, 'sqrtPrice (raw)');
  // P_raw = 20 989.949182² = 440 577 966.67 WETH-wei per USDC unit; × 10^(6 − 18) = 4.40577967e-4 WETH per USDC
  // The same from integers: ⌊v²·10⁶·10²⁰/(2¹⁹²·10¹⁸)⌋ = 44 057 796 667 222 013 → /1e20
  const v = BigInt(kSqrtX96);
  const exact = Number((v * v * 10n ** 6n * 10n ** 20n) / (2n ** 192n * 10n ** 18n)) / 1e20;
  near(row[kTapeF0 + 6]!, exact, 1e-18, 'price, token1 (WETH) per token0 (USDC)');
  near(row[kTapeF0 + 6]!, 4.40577967e-4, 1e-12, 'price (number)');
  near(1 / row[kTapeF0 + 6]!, 2269.7458, 1e-3, '≈ 1/2269.7: one USDC buys 1/2269.7 WETH');
  near(row[kTapeF0 + 4]!, 21433975389133283328, 1e4, 'liquidity');
  assert.is(row[kTapeF0 + 5], 197682, 'tick');
  assert.equal(fields(row, 3), [1_000_000, 440.5, 0.0005]);
  const m = registry.meta(0);
  assert.equal([m.decimals0, m.decimals1], [6, 18]);
  // sqrtPriceX96 as a safe-integer JSON number is accepted too: 2^96 → √P_raw = 1, price = 1·10^(6−18)
  const one = ok({ ...v3Ev, key: 'uniswap_v3:one', data: { ...v3Ev.data, pool: 'one', sqrtPriceX96: (2n ** 96n).toString() } });
  near(one.row[kTapeF0 + 6]!, 1e-12, 1e-27, 'P_raw 1 → 1e-12 WETH per USDC');
});

test('pool_update ticks: the 16 initialized ticks nearest the price, as √P and liquidityNet, in the side array', () => {
  // 20 ticks 197 600 … 197 790 (step 10) around tick 197 682: 9 at or below it, 11 above. The 16 kept
  // are 8 below (197 610 … 197 680) and 8 above (197 690 … 197 760).
  const ticks = Array.from({ length: 20 }, (_, k) => [197_600 + 10 * k, `${k % 2 === 0 ? '' : '-'}${k + 1}00000000000000000`]);
  const d = decode({ ...v3Ev, data: { ...v3Ev.data, ticks } });
  assert.is(d.reason, null, `rejected: ${d.reason}`);
  const ref = d.row[kTapeF0 + kTapePoolTickRef]!, n = d.row[kTapeF0 + kTapePoolTickCount]!;
  assert.is(n, 16);
  for (let i = 0; i < 16; i++) {
    const k = i + 1;
    // Math.pow(1.0001, ·) carries 1.0001's binary rounding (~1e-17) times the exponent: 1e-11 relative
    near(d.tape.depth[ref + 2 * i]!, Math.pow(1.0001, (197_600 + 10 * k) / 2), 1e-11 * Math.pow(1.0001, 98_800), `√P of tick ${197_600 + 10 * k}`);
    assert.is(d.tape.depth[ref + 2 * i + 1], (k % 2 === 0 ? 1 : -1) * (k + 1) * 1e17, `liquidityNet ${i}`);
  }
  // fewer ticks than 16: all kept; none: no reference
  const few = decode({ ...v3Ev, data: { ...v3Ev.data, ticks: [[197_000, '5'], [198_000, '-5']] } });
  assert.is(few.row[kTapeF0 + kTapePoolTickCount], 2);
  assert.ok(!(ok(v3Ev).row[kTapeF0 + kTapePoolTickRef]! >= 0), 'no tick map without ticks');
});

test('pool_update ticks: malformed maps are rejected with the reason', () => {
  const withTicks = (ticks: unknown): unknown => ({ ...v3Ev, data: { ...v3Ev.data, ticks } });
  rejects(withTicks({ 197_000: '1' }), /data\.ticks must be an array/);
  rejects(withTicks([[197_000, '1'], [197_000, '2']]), /ascending by tick/);
  rejects(withTicks([[197_000.5, '1']]), /ticks\[0\]\[0\] must be an integer tick/);
  rejects(withTicks([[900_000, '1']]), /integer tick in \[-887272, 887272\]/);
  rejects(withTicks([[197_000, '1.5']]), /liquidityNet\) must be a signed integer/);
  rejects(withTicks([[197_000, 2 ** 60]]), /liquidityNet\) must be a signed integer/);
  rejects(withTicks([[197_000, (2n ** 127n).toString()]]), /outside int128/);
  // crossing 198 000 upwards removes more than the active 21 433 975 389 133 283 328
  rejects(withTicks([[198_000, '-21433975389133283329']]), /crossing tick 198000 upwards leaves negative liquidity \(-1\)/);
  // crossing 197 000 downwards subtracts more than there is
  rejects(withTicks([[197_000, '21433975389133283329']]), /crossing tick 197000 downwards leaves negative liquidity/);
  rejects({ ...v2Ev, data: { ...v2Ev.data, ticks: [[0, '1']] } }, /data\.ticks needs data\.sqrtPriceX96 and data\.liquidity/);
});

test('liquidation, liquidation_cascade, governance, governance_proposal_passed → the protocol slot', () => {
  const registry = new InstrumentRegistry();
  const liq = ok({ ts: kTs, type: 'liquidation', topic: 'market.liquidations.aave', key: 'aave:ethereum:LINK', data: { protocol: 'aave', chain: 'ethereum', collateral: 'LINK', debt: 'USDC', collateralUsd: 4437.11, debtUsd: 3729.84 } }, registry);
  assert.is(liq.row[kTapeType], kTypeLiquidation);
  assert.equal(fields(liq.row, 2), [4437.11, 3729.84]);
  const cas = ok({ ts: kTs, type: 'liquidation_cascade', topic: 'market.liquidations.aave', key: 'aave:cascade:1', data: { protocol: 'aave', totalUsd: 12_500_000, count: 42 } }, registry);
  assert.is(cas.row[kTapeType], kTypeLiquidationCascade);
  assert.equal(fields(cas.row, 2), [12_500_000, 42]);
  const gov = ok({ ts: kTs, type: 'governance', topic: 'market.governance.aave', key: 'aave:43', data: { protocol: 'aave', proposalId: '43', title: 't', status: 'created' } }, registry);
  assert.is(gov.row[kTapeType], kTypeGovernance);
  const passed = ok({ ts: kTs, type: 'governance_proposal_passed', topic: 'market.governance.aave', key: 'aave:43', data: { protocol: 'aave', proposalId: '43' } }, registry);
  assert.is(passed.row[kTapeType], kTypeGovernancePassed);
  // all four land on one slot per protocol
  for (const r of [liq, cas, gov, passed]) assert.is(r.row[kTapeSlot], 0);
  assert.is(registry.size, 1);
  assert.equal([registry.meta(0).key, registry.meta(0).kind, registry.meta(0).protocol], ['protocol:aave', kKindProtocol, 'aave']);
});

test('major_price_movement → changePct, price on a signal slot', () => {
  const { row, registry } = ok({ ts: kTs, type: 'major_price_movement', topic: 'market.prices.binance', key: 'binance:ETH/USDT', data: { venue: 'binance', base: 'ETH', quote: 'USDT', changePct: -3.2, price: 2510.5 } });
  assert.is(row[kTapeType], kTypeMajorPriceMove);
  assert.equal(fields(row, 2), [-3.2, 2510.5]);
  assert.equal([registry.meta(0).key, registry.meta(0).kind], ['signal:binance:ETH/USDT', kKindSignal]);
});

function rejects(ev: unknown, pattern: RegExp, registry = new InstrumentRegistry()): void {
  const d = decode(ev, registry);
  assert.ok(d.reason !== null, `accepted: ${JSON.stringify(ev)}`);
  assert.match(d.reason!, pattern);
  assert.is(d.tape.length, 0, 'a rejected event leaves no row');
}

test('malformed envelopes: each reason names what was wrong', () => {
  const tape = new Tape(1);
  const reg = new InstrumentRegistry();
  assert.match(decodeLine('{"ts": 1723075200000000, "type": ', reg, tape, 1)!, /^invalid JSON/);
  assert.match(decodeLine('not json', reg, tape, 1)!, /^invalid JSON/);
  assert.is(tape.length, 0);
  rejects(null, /^event must be an object/);
  rejects([priceEv], /^event must be an object/);
  rejects({ ...priceEv, type: 'price_updated' }, /^type must be one of price_update, .*got "price_updated"/);
  rejects({ ...priceEv, type: undefined }, /^type must be one of/);
  rejects({ ...priceEv, ts: kTs + 0.5 }, /^ts must be an integer \(µs since the Unix epoch\), got 1723075200000000.5/);
  rejects({ ...priceEv, ts: String(kTs) }, /^ts must be an integer/);
  rejects({ ...priceEv, ts: 1_723_075_200_000 }, /^ts 1723075200000 is not in microseconds/); // milliseconds
  rejects({ ...priceEv, ts: 1_723_075_200_000_000_000 }, /^ts must be an integer|^ts .* is not in microseconds/); // nanoseconds
  rejects({ ...priceEv, topic: 'market.yields.binance' }, /^topic must be market\.prices\.<name> for price_update, got "market\.yields\.binance"/);
  rejects({ ...priceEv, topic: 'market.prices.' }, /^topic must be market\.prices\.<name>/);
  rejects({ ...yieldEv, topic: 'market.prices.aave' }, /^topic must be market\.yields\.<name> for yield_update/);
  rejects({ ...priceEv, key: '' }, /^key must be a non-empty string/);
  rejects({ ...priceEv, data: 'x' }, /^data must be an object/);
});

test('prototype names are not event types', () => {
  // kEventTypeCodes is a plain object: "constructor" and "toString" must not pass the type check
  rejects({ ...priceEv, type: 'constructor' }, /^type must be one of/);
  rejects({ ...priceEv, type: 'toString', topic: 'undefinedX' }, /^type must be one of/);
});

test('malformed fields: missing, non-finite, crossed, out of range, wrong type', () => {
  const d = priceEv.data;
  rejects({ ...priceEv, data: { ...d, bid: undefined } }, /^data\.bid must be a finite number, got undefined/);
  rejects({ ...priceEv, data: { ...d, ask: 'x' } }, /^data\.ask must be a finite number, got "x"/);
  rejects({ ...priceEv, data: { ...d, ask: Infinity } }, /^data\.ask must be a finite number/);
  rejects({ ...priceEv, data: { ...d, bidSize: NaN } }, /^data\.bidSize must be a finite number/);
  rejects({ ...priceEv, data: { ...d, askSize: -1 } }, /^data\.askSize must be ≥ 0, got -1/);
  rejects({ ...priceEv, data: { ...d, bid: 60020, ask: 60010 } }, /^crossed book: data\.bid 60020 > data\.ask 60010/);
  rejects({ ...priceEv, data: { ...d, bid: 0 } }, /^data\.bid and data\.ask must be positive/);
  rejects({ ...priceEv, data: { ...d, venue: '' } }, /^data\.venue must be a non-empty string/);
  rejects({ ...priceEv, data: { ...d, quote: 5 } }, /^data\.quote must be a non-empty string/);
  // a non-finite number from a JSON line: 1e999 parses as Infinity
  const reg = new InstrumentRegistry();
  const tape = new Tape(1);
  const line = JSON.stringify(priceEv).replace('"bid":59994.37', '"bid":1e999');
  assert.match(decodeLine(line, reg, tape, 3)!, /^data\.bid must be a finite number/);
  const y = yieldEv.data;
  rejects({ ...yieldEv, data: { ...y, apy: null } }, /^data\.apy must be a finite number/);
  rejects({ ...yieldEv, data: { ...y, tvlUsd: -5 } }, /^data\.tvlUsd must be ≥ 0/);
  rejects({ ...yieldEv, data: { ...y, ilRisk: 'maybe' } }, /^data\.ilRisk must be true\/false or "yes"\/"no", got "maybe"/);
  rejects({ ...yieldEv, data: { ...y, exposure: 'double' } }, /^data\.exposure must be true\/false or "multi"\/"single"/);
  rejects({ ...yieldEv, data: { ...y, predictedUp: 1.2 } }, /^data\.predictedUp must be a probability in \[0, 1\], got 1\.2/);
  rejects({ ...yieldEv, data: { ...y, ltv: -0.1 } }, /^data\.ltv must be ≥ 0/);
  rejects({ ...yieldEv, data: { ...y, sigma: -1 } }, /^data\.sigma must be ≥ 0/);
  const p = v2Ev.data;
  rejects({ ...v2Ev, data: { ...p, fee: 1 } }, /^data\.fee must be a fraction below 1, got 1/);
  rejects({ ...v2Ev, data: { ...p, reserve0: 0 } }, /^data\.reserve0 must be positive for a constant-product pool/);
  rejects({ ...v2Ev, data: { ...p, token1: undefined } }, /^data\.token1 must be a non-empty string/);
  rejects({ ...v3Ev, data: { ...v3Ev.data, sqrtPriceX96: '1.5e33' } }, /^data\.sqrtPriceX96 must be a non-negative integer \(decimal string\), got "1\.5e33"/);
  rejects({ ...v3Ev, data: { ...v3Ev.data, sqrtPriceX96: '0x51fdf2fd9b2526872a9b723450f2' } }, /^data\.sqrtPriceX96 must be a non-negative integer/);
  rejects({ ...v3Ev, data: { ...v3Ev.data, sqrtPriceX96: '-12' } }, /^data\.sqrtPriceX96 must be a non-negative integer/);
  rejects({ ...v3Ev, data: { ...v3Ev.data, sqrtPriceX96: 1.5 } }, /^data\.sqrtPriceX96 must be a non-negative integer/);
  rejects({ ...v3Ev, data: { ...v3Ev.data, sqrtPriceX96: '0' } }, /^data\.sqrtPriceX96 must be positive/);
  rejects({ ...v3Ev, data: { ...v3Ev.data, liquidity: 'lots' } }, /^data\.liquidity must be a non-negative integer/);
  rejects({ ts: kTs, type: 'liquidation', topic: 'market.liquidations.aave', key: 'aave:k', data: { protocol: 'aave' } }, /^data\.collateralUsd must be a finite number/);
  rejects({ ts: kTs, type: 'liquidation_cascade', topic: 'market.liquidations.aave', key: 'aave:k', data: { protocol: 'aave', totalUsd: 5 } }, /^data\.count must be a finite number/);
  rejects({ ts: kTs, type: 'governance', topic: 'market.governance.aave', key: 'aave:k', data: { protocol: 'aave', proposalId: 43 } }, /^data\.proposalId must be a non-empty string/);
  rejects({ ts: kTs, type: 'major_price_movement', topic: 'market.prices.b', key: 'b:ETH/USDT', data: { venue: 'b', base: 'ETH', quote: 'USDT', price: 1 } }, /^data\.changePct must be a finite number/);
});

test('the registry: unknown instruments after freeze(), one kind per key', () => {
  const registry = new InstrumentRegistry();
  ok(priceEv, registry);
  registry.freeze();
  // a known key still decodes
  assert.is(ok({ ...priceEv, ts: kTs + 1 }, registry).row[kTapeSlot], 0);
  rejects({ ...priceEv, key: 'binance:SOL/USDT', data: { ...priceEv.data, base: 'SOL' } }, /^unknown instrument "binance:SOL\/USDT": not in the universe/, registry);
  rejects({ ...yieldEv }, /^unknown instrument "aave:ethereum:db09"/, registry);
  assert.is(registry.size, 1, 'nothing added after freeze');
  const open = new InstrumentRegistry();
  ok(priceEv, open);
  rejects({ ...yieldEv, key: priceEv.key, topic: 'market.yields.binance', data: { ...yieldEv.data, protocol: 'binance', pool: 'BTC/USDT' } },
    /^key "binance:BTC\/USDT" was first seen as another kind of instrument/, open);
});

test('slots are given in order of first appearance, and a tape keeps accepted rows only', () => {
  const registry = new InstrumentRegistry();
  const tape = new Tape(1); // grows by doubling
  const evs = [priceEv, yieldEv, { ...priceEv, data: { ...priceEv.data, bid: 1, ask: 0.5 } }, v2Ev, { ...priceEv, ts: kTs + 5 }];
  const reasons = evs.map((ev, i) => decodeEvent(ev, registry, tape, i + 1));
  assert.equal(reasons.map((r) => r === null), [true, true, false, true, true]);
  assert.is(tape.length, 4);
  assert.equal([0, 1, 2, 3].map((r) => tape.slot(r)), [0, 1, 2, 0]);
  assert.equal([0, 1, 2, 3].map((r) => tape.rows[r * kTapeWidth + kTapeLine]), [1, 2, 4, 5], 'source line of each kept row');
  assert.is(tape.ts(3), kTs + 5);
});


test('the key and the topic agree with the data (venue, base, quote, protocol, pool, dex)', () => {
  const registry = new InstrumentRegistry();
  rejects({ ...priceEv, key: 'coinbase:BTC/USDT' }, /^key "coinbase:BTC\/USDT" does not agree with the data: expected data\.venue:data\.base\/data\.quote/, registry);
  rejects({ ...priceEv, data: { ...priceEv.data, base: 'ETH' } }, /^key "binance:BTC\/USDT" does not agree with the data/, registry);
  rejects({ ...priceEv, topic: 'market.prices.kraken' }, /^topic "market\.prices\.kraken" does not agree with data\.venue: expected market\.prices\.binance/, registry);
  rejects({ ...yieldEv, key: 'aave:ethereum:another-pool' }, /^key "aave:ethereum:another-pool" does not agree with the data: expected data\.protocol:data\.chain:data\.pool/, registry);
  rejects({ ...yieldEv, topic: 'market.yields.compound' }, /^topic "market\.yields\.compound" does not agree with data\.protocol/, registry);
  rejects({ ...v2Ev, key: 'uniswap_v2:0xdead' }, /does not agree with the data: expected data\.dex:data\.pool/, registry);
  rejects({ ts: kTs, type: 'liquidation', topic: 'market.liquidations.aave', key: 'compound:x', data: { protocol: 'aave', collateralUsd: 1 } }, /^key "compound:x" does not agree/, registry);
  rejects({ ...priceEv, key: 'x'.repeat(300) }, /^key is 300 characters long, more than 256/, registry);
  assert.is(registry.size, 0, 'nothing registered from a disagreeing key');
});

test.run();
