// A v3 pool's tick map end to end: decoded from pool_update `ticks`, written into the slot's record
// by the writer under the sequence lock, read back with the pool's fields by PoolReader; an update
// without `ticks` leaves no tick map.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kLiquidity, kSqrtPrice, kTickMapLevels } from '../../protocol/layout.ts';
import { v2Pool, v3Pool } from '../../fixtures/events.ts';
import { PoolReader } from './pool_reader.ts';
import { createHarness } from '../../engine/testing/agent_harness.ts';
import { kT0 } from '../../fixtures/events.ts';

test('the tick map reaches the reader with the pool fields, and goes when an update has none', () => {
  const L = 5n * 10n ** 18n;
  // 20 ticks 10 apart around the price of tick ≈ 198 079 (2 500 USDC per WETH); nets alternate ±1e17
  const t0 = 197_980;
  const ticks: [number, string][] = Array.from({ length: 20 }, (_, k) => [t0 + 10 * k, `${k % 2 === 0 ? '' : '-'}100000000000000000`]);
  const withMap = v3Pool(kT0, '0x21', 'USDC', 'WETH', 6, 18, 1 / 2_500, L, 0.0005, ticks);
  const tick = (withMap as { data: { tick: number } }).data.tick;
  const h = createHarness('execution_optimizer', [withMap, v2Pool(kT0, 'uniswap_v2', '0x22', 'USDC', 'WETH', 1e6, 400, 0.003)]);
  h.feed([withMap]);
  const r = new PoolReader(h.view);
  r.read(h.slot('uniswap_v3:0x21'));
  assert.is(r.fields[kLiquidity], Number(L));
  assert.ok(r.fields[kSqrtPrice]! > 0);
  assert.is(r.ticks, kTickMapLevels);
  // the 16 kept are centred on the price: 8 at or below `tick`, 8 above
  const below = ticks.filter(([t]) => t <= tick).length;
  const first = Math.max(0, Math.min(below - 8, 20 - 16));
  for (let i = 0; i < r.ticks; i++) {
    const [t, net] = ticks[first + i]!;
    assert.ok(Math.abs(r.tickSqrtPrices[i]! / Math.exp(0.5 * t * Math.log1p(1e-4)) - 1) < 1e-14, `√P of tick ${t}`);
    assert.is(r.liquidityNet[i], Number(net));
  }
  let atOrBelow = 0;
  for (let i = 0; i < r.ticks; i++) if (r.tickSqrtPrices[i]! <= Math.exp(0.5 * tick * Math.log1p(1e-4)) + 1e-9) atOrBelow++;
  assert.is(atOrBelow, 8, 'eight at or below the current tick');
  // the next update carries no map: the slot forgets the old one
  h.feed([v3Pool(kT0 + 1, '0x21', 'USDC', 'WETH', 6, 18, 1 / 2_501, L, 0.0005)]);
  r.read(h.slot('uniswap_v3:0x21'));
  assert.is(r.ticks, 0);
});

test.run();
