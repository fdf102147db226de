// The hot-path unit scales agree with ethers' exact conversions for every token precision.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rawToHuman, tokenUnitScale } from '../../../finance/gas_units.ts';
import { rawPerUnit, unitScale } from './units.ts';

test('10^−d from the exact integer equals ethers formatUnits(1, d), for d = 0..36', () => {
  for (let d = 0; d <= 36; d++) {
    assert.is(unitScale(d), tokenUnitScale(d), `decimals ${d}`);
    assert.ok(Math.abs(rawPerUnit(d) * unitScale(d) - 1) <= 2 ** -52, `round trip at ${d}`);
  }
  // 2 500 USDC (6 decimals) and 0.75 WBTC (8) from raw amounts
  assert.is(2_500_000_000 * unitScale(6), rawToHuman(2_500_000_000n, 6));
  assert.is(75_000_000 * unitScale(8), 0.75);
});

test('unknown or impossible decimals give NaN (a pool without them is left out, never taken as 18)', () => {
  assert.ok(Number.isNaN(unitScale(NaN)));
  assert.ok(Number.isNaN(unitScale(-1)));
  assert.ok(Number.isNaN(unitScale(6.5)));
  assert.ok(Number.isNaN(rawPerUnit(78)));
});

test.run();
