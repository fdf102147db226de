import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  gasCostEth, gasCostFraction, gasCostUsd, kGasUnits, kGasVenueCex, kGasVenueV2, kGasVenueV3, swapGasUnits,
} from './gas.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

test('gas cost by hand: units × gwei × 1e-9 × ETH/USD', () => {
  // 125 000 × 30 gwei = 3 750 000 gwei = 0.00375 ETH; at 2 500 USD: 9.375 USD
  near(gasCostEth(125_000, 30), 0.00375, 1e-18, 'ETH');
  near(gasCostUsd(125_000, 30, 2500), 9.375, 1e-12, 'USD');
  // on a 10 000 USD trade: 9.375 bps
  near(gasCostFraction(125_000, 30, 2500, 10_000) * 1e4, 9.375, 1e-9, 'bps of notional');
  // Aave supply, 180 000 at 20 gwei with ETH at 3 000: 0.0036 ETH = 10.8 USD
  near(gasCostUsd(kGasUnits.aaveSupply, 20, 3000), 10.8, 1e-12, 'Aave supply');
  assert.ok(Number.isNaN(gasCostUsd(1, 20, NaN)), 'unknown ETH price');
  assert.ok(Number.isNaN(gasCostUsd(-1, 20, 3000)), 'negative units');
  near(gasCostFraction(0, 20, 3000, 0), 0, 0, 'nothing on nothing');
});

test('gas units of a swap leg by venue and ticks crossed', () => {
  assert.is(swapGasUnits(kGasVenueCex, 0), 0);
  assert.is(swapGasUnits(kGasVenueV2, 3), kGasUnits.uniswapV2Swap, 'V2 has no ticks');
  assert.is(swapGasUnits(kGasVenueV3, 0), 125_000);
  assert.is(swapGasUnits(kGasVenueV3, 2), 125_000 + 2 * 21_000);
  assert.is(swapGasUnits(kGasVenueV3, -1), 125_000, 'negative crossings count as none');
});

test.run();
