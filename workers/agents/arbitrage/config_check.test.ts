// The arbitrage settings are checked with messages that name the key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kDefaultAgentConfig, type AgentConfig } from '../config.ts';
import { checkArbitrageConfig } from './config_check.ts';

function withPatch(patch: (a: AgentConfig['arbitrage']) => void): () => void {
  const a = structuredClone(kDefaultAgentConfig.arbitrage);
  patch(a);
  return () => checkArbitrageConfig(a);
}

test('the defaults pass', () => {
  checkArbitrageConfig(kDefaultAgentConfig.arbitrage);
});

test('bad values are reported with their key', () => {
  assert.throws(withPatch((a) => { a.triangular.maxLegs = 5; }), /config\.agents\.arbitrage\.triangular\.maxLegs must be an integer in 2\.\.4, got 5/);
  assert.throws(withPatch((a) => { a.yieldArb.liquidationBuffer = 1; }), /yieldArb\.liquidationBuffer must be a fraction in \[0, 1\)/);
  assert.throws(withPatch((a) => { a.statArb.exitZ = 4; }), /statArb\.exitZ must be a number in \[0, statArb\.entryZ = 3\)/);
  assert.throws(withPatch((a) => { a.statArb.stopMultiple = 1; }), /statArb\.stopMultiple must be a finite number above 1/);
  assert.throws(withPatch((a) => { a.statArb.maxDfStat = 1; }), /statArb\.maxDfStat must be a negative number/);
  assert.throws(withPatch((a) => { a.gas.priceGwei = -1; }), /gas\.priceGwei must be a non-negative finite number, got -1/);
  assert.throws(withPatch((a) => { a.gas.ethPriceAsset = ''; }), /gas\.ethPriceAsset must be an asset name/);
  assert.throws(withPatch((a) => { a.gas.unitsPerAmmSwap = 1.5; }), /gas\.unitsPerAmmSwap must be an integer/);
  assert.throws(withPatch((a) => { a.maxPoolAgeUs = 0; }), /maxPoolAgeUs must be a positive finite number/);
});

test.run();
