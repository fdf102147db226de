// Exact gas (wei) and token units with ethers, by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gasCostWei, humanToRaw, rawToHuman, tokenUnitScale, weiToEthString } from './gas_units.ts';


test('exact gas cost in wei with ethers (no float rounding)', () => {
  assert.is(gasCostWei(150_000n, '20'), 3_000_000_000_000_000n);
  assert.is(weiToEthString(gasCostWei(150_000n, '20')), '0.003');
  // 13.370000001 gwei keeps its last wei: 21 000 × 13 370 000 001 wei
  assert.is(gasCostWei(21_000n, '13.370000001'), 280_770_000_021_000n);
  assert.throws(() => gasCostWei(-1n, '1'), /gasUnits must be ≥ 0/);
});

test('token units follow each token\'s decimals, never an assumed 18', () => {
  assert.is(tokenUnitScale(6), 1e-6, 'USDC');
  assert.is(tokenUnitScale(8), 1e-8, 'WBTC');
  assert.is(tokenUnitScale(18), 1e-18, 'WETH');
  assert.is(tokenUnitScale(0), 1);
  // 2 500 USDC is 2 500 000 000 raw; 0.5 WBTC is 50 000 000 raw; 1.25 WETH is 1.25e18 wei
  assert.is(humanToRaw('2500', 6), 2_500_000_000n);
  assert.is(humanToRaw('0.5', 8), 50_000_000n);
  assert.is(humanToRaw('1.25', 18), 1_250_000_000_000_000_000n);
  assert.is(rawToHuman(123_456_789n, 8), 1.23456789);
  assert.is(rawToHuman(1_000_000n, 6), 1);
  // the same raw amount means a different thing per token
  assert.is.not(rawToHuman(10n ** 8n, 8), rawToHuman(10n ** 8n, 18));
  assert.throws(() => tokenUnitScale(1.5), /decimals must be an integer in 0\.\.77/);
  assert.throws(() => humanToRaw('1.0000001', 6), /too many decimals/);
});

test.run();
