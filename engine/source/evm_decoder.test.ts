// The EVM log decoder: on logs built here with ethers (V2 Sync, V3 Mint/Burn rules, malformed
// logs), and row for row against the decoded companions of the recorded logs in
// ../shared/data/onchain-logs-2024-01 (skipped when absent).
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { decodeEvent } from './codec.ts';
import { csvRecords } from './csv.ts';
import {
  EvmLogDecoder, encodeLog, kAbiCoder, parseLog, rayAprToApyPct, topic0Of, virtualReserves, type EmitterInfo, type RawLog,
} from './evm_decoder.ts';
import { csvRecordToLog, emitterOfFile, kSampleEmitters, kUsdc, kWeth, parseTopicList } from './evm_log_csv.ts';
import { Tape } from '../../protocol/tape.ts';

const kV2 = '0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc';
const kV3 = '0x1111111111111111111111111111111111111111';
const kAave = '0x2222222222222222222222222222222222222222';
const kReserve = '0x3333333333333333333333333333333333333333';
const kOwner = '0x4444444444444444444444444444444444444444';
const emitters: Record<string, EmitterInfo> = {
  [kV2]: { kind: 'uniswap_v2', token0: kUsdc, token1: kWeth, fee: 0.003 },
  [kV3]: { kind: 'uniswap_v3', token0: kUsdc, token1: kWeth, fee: 0.0005 },
  [kAave]: { kind: 'aave_v3', chain: 'polygon', reserves: { [kReserve]: { symbol: 'USDC.e', decimals: 6, stablecoin: true } }, tvlUsd: { [kReserve]: 5e7 } },
};
const kTs = 1_704_412_823; // 2024-01-05T00:00:23Z
const Q96 = 1n << 96n;

function log(address: string, name: string, values: unknown[]): RawLog {
  return { address, blockTimestamp: kTs, ...encodeLog(name, values) };
}
function event(d: ReturnType<EvmLogDecoder['decode']>): Record<string, unknown> {
  if (d.status !== 'event') throw new Error(`expected an event, got ${d.status}: ${'reason' in d ? d.reason : ''}`);
  return d.event.data;
}
/** Every event must also pass the engine's codec. */
function codecAccepts(events: readonly object[]): void {
  const reg = new InstrumentRegistry();
  const tape = new Tape(16);
  events.forEach((e, i) => {
    const reason = decodeEvent(e, reg, tape, i + 1);
    assert.is(reason, null, `codec rejected ${JSON.stringify(e)}`);
  });
}

test('topic0 of each event is the keccak of its signature', () => {
  assert.is(topic0Of('Swap'), '0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67');
  assert.is(topic0Of('Sync'), '0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1');
  assert.is(topic0Of('ReserveDataUpdated'), '0x804c9b842b2748a22bb64b345453a3de7ca54a6ca45ce00d415894979e22897a');
  assert.is(topic0Of('Supply').slice(0, 10), '0x2b627736');
});

test('Uniswap V2 Sync built with ethers decodes back to reserves in each token\'s decimals', () => {
  const dec = new EvmLogDecoder({ emitters });
  // 21 337 368.150001 USDC (6 dp) and 8 203.909393000000000001 WETH (18 dp)
  const d = event(dec.decode(log(kV2, 'Sync', [21_337_368_150_001n, 8_203_909_393_000_000_000_001n])));
  assert.equal(d, {
    dex: 'uniswap_v2', pool: kV2, token0: 'USDC', token1: 'WETH',
    reserve0: 21337368.150001, reserve1: 8203.909393, fee: 0.003,
  });
  const empty = dec.decode(log(kV2, 'Sync', [0n, 5n]));
  assert.is(empty.status, 'ignored');
  codecAccepts([(dec.decode(log(kV2, 'Sync', [1_000_000n, 10n ** 18n])) as { event: object }).event]);
});

test('rates: ray APR → APY with per-second compounding, by hand', () => {
  // APR 10 %: 31 536 000 · ln(1 + 0.1/31 536 000) = 0.1 − 0.01/63 072 000 = 0.09999999984145…
  //   APY = e^0.09999999984145 − 1 = 0.1051709180756 − 1.1051709·1.5855e-10 = 0.10517091790 → 10.517091790 %
  near(rayAprToApyPct(10n ** 26n), 10.517091790, 1e-8, 'APR 10 %');
  assert.is(rayAprToApyPct(0n), 0);
  // APR 1e-6 (0.0001 %): APY = e^(1e-6) − 1 = 1e-6 + 5e-13 → 0.00010000005 %
  near(rayAprToApyPct(10n ** 21n), 0.00010000005, 1e-15, 'APR 0.0001 %');
});

test('virtual reserves L/√P and L·√P in human units', () => {
  // √P_raw = 2 → P_raw = 4: x = L/2, y = 2L (raw); L = 1e18 with decimals 6 and 18 → 5e11 USDC, 2 WETH
  assert.equal(virtualReserves(10n ** 18n, 2n * Q96, 6, 18), [5e11, 2]);
  assert.equal(virtualReserves(10n ** 18n, Q96, 18, 18), [1, 1]);
});

test('V3 Mint and Burn change the active liquidity only when the range holds the tick', () => {
  const dec = new EvmLogDecoder({ emitters });
  const sqrt = 79228162514264337593543950336n; // 2^96, tick 0
  // Mint before any Swap: price and active liquidity unknown
  assert.is(dec.decode(log(kV3, 'Mint', [kOwner, kOwner, -10, 10, 5n, 1n, 1n])).status, 'ignored');
  const s = event(dec.decode(log(kV3, 'Swap', [kOwner, kOwner, -5n, 6n, sqrt, 1000n, 0])));
  assert.is(s.liquidity, '1000');
  assert.is(s.tick, 0);
  // [0, 10) holds tick 0 (the lower tick is inclusive): 1000 + 50
  assert.is(event(dec.decode(log(kV3, 'Mint', [kOwner, kOwner, 0, 10, 50n, 1n, 1n]))).liquidity, '1050');
  // [-10, 0) does not (the upper tick is exclusive)
  const out = dec.decode(log(kV3, 'Mint', [kOwner, kOwner, -10, 0, 70n, 1n, 0n]));
  assert.is(out.status, 'ignored');
  assert.match((out as { reason: string }).reason, /away from tick 0/);
  assert.is(dec.v3State(kV3)!.liquidity, 1050n);
  // Burn inside the range: 1050 − 30; a zero Burn is a fee poke
  assert.is(event(dec.decode(log(kV3, 'Burn', [kOwner, -100, 100, 30n, 1n, 1n]))).liquidity, '1020');
  assert.is(dec.decode(log(kV3, 'Burn', [kOwner, -100, 100, 0n, 0n, 0n])).status, 'ignored');
  // a Burn larger than the tracked liquidity means lost sync: rejected, and the pool waits for a Swap
  const over = dec.decode(log(kV3, 'Burn', [kOwner, -100, 100, 5000n, 1n, 1n]));
  assert.is(over.status, 'rejected');
  assert.is(dec.v3State(kV3), null);
  assert.is(dec.decode(log(kV3, 'Collect', [kOwner, kOwner, -100, 100, 1n, 1n])).status, 'ignored');
});

test('Aave ReserveDataUpdated → yield_update with supply and borrow APY', () => {
  const dec = new EvmLogDecoder({ emitters });
  const d = event(dec.decode(log(kAave, 'ReserveDataUpdated', [kReserve, 10n ** 26n, 0n, 2n * 10n ** 26n, 10n ** 27n, 10n ** 27n])));
  assert.is(d.protocol, 'aave');
  assert.is(d.chain, 'polygon');
  assert.is(d.pool, kReserve);
  assert.is(d.symbol, 'USDC.e');
  assert.is(d.tvlUsd, 5e7);
  assert.is(d.stablecoin, true);
  assert.is(d.ilRisk, 'no');
  assert.is(d.exposure, 'single');
  near(d.apy as number, 10.517091790, 1e-8, 'supply APY');
  assert.is(d.apyBase, d.apy);
  // APR 20 %: e^(0.2 − 0.04/63 072 000) − 1 = 0.2214027582 − 1.2214·6.342e-10 = 0.2214027574 → 22.14027574 %
  near(d.apyBorrow as number, 22.14027574, 1e-7, 'borrow APY');
  const other = dec.decode(log(kAave, 'ReserveDataUpdated', [kOwner, 1n, 1n, 1n, 1n, 1n]));
  assert.is(other.status, 'rejected');
  assert.match((other as { reason: string }).reason, /unknown reserve/);
  const supply = dec.decode(log(kAave, 'Supply', [kReserve, kOwner, kOwner, 10n, 0]));
  assert.is(supply.status, 'ignored');
  codecAccepts([(dec.decode(log(kAave, 'ReserveDataUpdated', [kReserve, 1n, 1n, 1n, 1n, 1n])) as { event: object }).event]);
});

test('malformed logs come back with a reason, never an exception', () => {
  const dec = new EvmLogDecoder({ emitters });
  const sync = log(kV2, 'Sync', [1n, 2n]);
  const reason = (l: unknown): string => {
    const d = dec.decode(l as RawLog);
    assert.is(d.status, 'rejected', JSON.stringify(l));
    return (d as { reason: string }).reason;
  };
  assert.match(reason({ ...sync, topics: [...sync.topics, sync.topics[0]] }), /Sync needs 1 topics, got 2/);
  assert.match(reason({ ...sync, data: sync.data.slice(0, 66) }), /Sync: data is 32 bytes, expected 64/);
  assert.match(reason({ ...sync, data: `${sync.data}00` }), /data is 65 bytes/);
  assert.match(reason({ ...sync, topics: [`0x${'ab'.repeat(32)}`] }), /unknown topic0/);
  assert.match(reason({ ...sync, topics: [] }), /no topics/);
  assert.match(reason({ ...sync, topics: ['0x12'] }), /not 32 bytes of hex/);
  assert.match(reason({ ...sync, data: 'zz' }), /data is not hex/);
  // a uint112 word with bits above 112: ethers would mask it; the decoder refuses it
  assert.match(reason({ ...sync, data: kAbiCoder.encode(['uint256', 'uint256'], [(1n << 200n) + 1n, 2n]) }), /non-canonical/);
  assert.match(reason({ ...sync, address: '0x5555555555555555555555555555555555555555' }), /unknown emitter/);
  assert.match(reason({ ...sync, address: 'nope' }), /not 20 bytes/);
  assert.match(reason({ ...sync, blockTimestamp: 1.5 }), /blockTimestamp/);
  assert.match(reason({ ...log(kV3, 'Swap', [kOwner, kOwner, 1n, 1n, Q96, 1n, 0]), address: kV2 }), /configured as uniswap_v2/);
  assert.match(reason(null), /must be an object/);
  assert.match(reason({ ...sync, topics: 'x' }), /no topics/);
  assert.equal(typeof parseLog(sync.topics, sync.data), 'object');
});

test('topic lists in JSON or Python quoting', () => {
  const t = `0x${'0a'.repeat(32)}`;
  assert.equal(parseTopicList(`["${t}", "${t}"]`), [t, t]);
  assert.equal(parseTopicList(`['${t}']`), [t]);
  assert.equal(parseTopicList('[]'), []);
  assert.match(parseTopicList(`[${t}]`) as string, /not a quoted string/);
  assert.match(parseTopicList(`'${t}'`) as string, /not a list/);
});

// ---- Row for row against the decoded companions -----------------------------------------------
const kDataDir = new URL('../../../shared/data/onchain-logs-2024-01/', import.meta.url).pathname;
const kV3Files = ['0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640', '0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8'];
const kAaveFiles = ['0x2791bca1f2de4661ed88a30c99a7a9449aa84174', '0x7ceb23fd6bc0add59e62ac25578270cff1b9f619'];

function records(path: string): { line: number; record: Record<string, string> }[] {
  const out: { line: number; record: Record<string, string> }[] = [];
  for (const r of csvRecords(readFileSync(path, 'utf8'))) {
    if ('error' in r) throw new Error(`${path}:${r.line}: ${r.error}`);
    out.push(r);
  }
  return out;
}

if (!existsSync(kDataDir)) {
  console.log(`SKIP on-chain companions: ${kDataDir} is absent`);
} else {
  for (const pool of kV3Files) {
    test(`Uniswap V3 ${pool.slice(0, 6)}…: every Swap equals its companion row; Mint/Burn liquidity explained row by row`, () => {
      const rawName = `ethereum-${pool}-2024-01-05.raw.csv`;
      const raw = records(kDataDir + rawName);
      const companion = records(`${kDataDir}ethereum-${pool}-2024-01-05.pool.tick.csv`);
      assert.is(raw.length, companion.length, 'one companion row per log');
      const dec = new EvmLogDecoder({ emitters: kSampleEmitters });
      const emitter = emitterOfFile(rawName)!;
      assert.is(emitter, pool);
      let swaps = 0, swapsEqual = 0, modify = 0, modifyEqual = 0, lowerTickRows = 0, baselineRows = 0;
      let steadySwaps = 0, steadyEqual = 0;
      let lastSwapLiquidity = -1n;
      const events: object[] = [];
      for (let i = 0; i < raw.length; i++) {
        const r = raw[i]!.record, c = companion[i]!.record;
        assert.is(r.log_index, c.log_index, `row ${i}: same log`);
        const l = csvRecordToLog(r, emitter);
        if (typeof l === 'string') throw new Error(l);
        const before = dec.v3State(pool);
        const d = dec.decode(l);
        if (c.tx_type === 'SWAP') {
          swaps++;
          const e = event(d);
          events.push((d as { event: object }).event);
          const parsed = parseLog(l.topics, l.data) as { args: Record<string, bigint> };
          if (e.sqrtPriceX96 === c.sqrtPriceX96 && e.liquidity === c.total_liquidity && e.tick === Number(c.current_tick) &&
            String(parsed.args.amount0) === c.amount0 && String(parsed.args.amount1) === c.amount1) swapsEqual++;
          // The chain's own check of the Mint/Burn rule: a Swap that leaves the tick where it was
          // crossed no initialized tick, so its liquidity is the liquidity tracked before it.
          if (before && before.tick === e.tick) { steadySwaps++; if (before.liquidity === BigInt(e.liquidity as string)) steadyEqual++; }
          lastSwapLiquidity = BigInt(c.total_liquidity!);
        } else if (c.tx_type === 'MINT' || c.tx_type === 'BURN') {
          modify++;
          assert.ok(d.status !== 'rejected', `row ${i}: ${JSON.stringify(d)}`);
          if (d.status === 'event') events.push(d.event);
          const mine = dec.v3State(pool)!.liquidity;
          if (String(mine) === c.total_liquidity) { modifyEqual++; continue; }
          // The companion differs in two documented ways:
          //  a) it counts a position whose tickLower equals the current tick as out of range (the pool
          //     contract counts it in range: tickLower ≤ tick < tickUpper);
          //  b) its baseline is the last Swap's liquidity, not including Mints/Burns since that Swap.
          const amount = BigInt(c.liquidity!);
          const signed = c.tx_type === 'MINT' ? amount : -amount;
          const lower = Number(c.tick_lower), upper = Number(c.tick_upper), tick = Number(c.current_tick);
          const companionRule = lower < tick && tick < upper ? signed : 0n;
          assert.is(String(lastSwapLiquidity + companionRule), c.total_liquidity, `row ${i}: companion = last Swap liquidity ± amount (its strict range test)`);
          if (tick === lower) lowerTickRows++; else baselineRows++;
        } else {
          assert.is(d.status, 'ignored', `row ${i}: ${c.tx_type}`);
        }
      }
      console.log(`  ${pool.slice(0, 6)}…: ${swapsEqual.toLocaleString('en-US')}/${swaps.toLocaleString('en-US')} swaps equal (sqrtPriceX96, liquidity, tick, amounts); ` +
        `Mint/Burn total liquidity ${modifyEqual}/${modify} equal, ${lowerTickRows} differ at tick = tickLower, ${baselineRows} by the companion's baseline; ` +
        `${steadyEqual.toLocaleString('en-US')}/${steadySwaps.toLocaleString('en-US')} swaps that kept the tick confirm the tracked liquidity`);
      assert.is(swapsEqual, swaps);
      assert.is(steadyEqual, steadySwaps);
      assert.ok(steadySwaps > 50, 'enough steady swaps to check the rule');
      codecAccepts(events);
    });
  }

  for (const reserve of kAaveFiles) {
    test(`Aave V3 ${reserve.slice(0, 6)}…: rates at every minute equal the companion's, exactly`, () => {
      const rawName = `polygon-aave_v3-${reserve}-2024-01-06.raw.csv`;
      const raw = records(kDataDir + rawName);
      const minutes = records(`${kDataDir}polygon-aave_v3-${reserve}-2024-01-06.minute.csv`);
      const dec = new EvmLogDecoder({ emitters: kSampleEmitters });
      const emitter = emitterOfFile(rawName)!;
      const updates: { ts: number; rates: bigint[]; apy: number; apyBorrow: number }[] = [];
      const events: object[] = [];
      for (const { record } of raw) {
        const l = csvRecordToLog(record, emitter);
        if (typeof l === 'string') throw new Error(l);
        const d = dec.decode(l);
        assert.ok(d.status !== 'rejected', JSON.stringify(d));
        if (d.status !== 'event') continue;
        events.push(d.event);
        const p = parseLog(l.topics, l.data) as { args: Record<string, bigint> };
        assert.is(String(p.args.reserve).toLowerCase(), reserve);
        updates.push({
          ts: l.blockTimestamp,
          rates: [p.args.liquidityRate!, p.args.stableBorrowRate!, p.args.variableBorrowRate!, p.args.liquidityIndex!, p.args.variableBorrowIndex!],
          apy: d.event.data.apy as number, apyBorrow: d.event.data.apyBorrow as number,
        });
      }
      // A minute row holds the state at the end of its minute: the last update before T + 60 s.
      let j = -1, equal = 0, compared = 0, before = 0;
      for (const { record } of minutes) {
        const t = Date.parse(`${record.block_timestamp!.replace(' ', 'T')}Z`) / 1000;
        while (j + 1 < updates.length && updates[j + 1]!.ts < t + 60) j++;
        if (j < 0) { before++; continue; }
        compared++;
        const u = updates[j]!;
        const want = ['liquidity_rate', 'stable_borrow_rate', 'variable_borrow_rate', 'liquidity_index', 'variable_borrow_index'].map((k) => rayOf(record[k]!));
        if (want.every((w, k) => w === u.rates[k])) equal++;
        near(u.apy, rayAprToApyPct(want[0]!), 1e-12, 'supply APY from the companion rate');
        near(u.apyBorrow, rayAprToApyPct(want[2]!), 1e-12, 'borrow APY from the companion rate');
      }
      console.log(`  ${reserve.slice(0, 6)}…: ${updates.length} ReserveDataUpdated; ${equal.toLocaleString('en-US')}/${compared.toLocaleString('en-US')} minutes equal ` +
        `(liquidity, stable and variable rates, both indexes, to the ray)${before ? `; ${before} minutes before the file's first update not comparable` : ''}`);
      assert.is(equal, compared);
      assert.is(compared + before, minutes.length);
      codecAccepts(events);
    });
  }
}

/** A decimal string with up to 27 decimals → ray (exact). */
function rayOf(s: string): bigint {
  const m = /^(\d+)(?:\.(\d{0,27}))?$/.exec(s.trim());
  if (!m) throw new Error(`not a decimal: ${s}`);
  return BigInt(m[1]!) * 10n ** 27n + BigInt((m[2] ?? '').padEnd(27, '0'));
}

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

test.run();
