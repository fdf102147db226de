import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAnalysisConfig } from './config_check.ts';
import { kDefaultAgentConfig, type AgentConfig } from './config.ts';

function withPatch(patch: (c: AgentConfig) => void): AgentConfig {
  const c = structuredClone(kDefaultAgentConfig) as AgentConfig;
  patch(c);
  return c;
}

test('the defaults pass', () => {
  checkAnalysisConfig(kDefaultAgentConfig);
});

test('each bad value is named in the message', () => {
  const cases: [(c: AgentConfig) => void, RegExp][] = [
    [(c) => { c.covariance.lambda = 1; }, /config\.agents\.covariance\.lambda must be in \(0, 1\), got 1/],
    [(c) => { c.covariance.sampleUs = 0.5; }, /config\.agents\.covariance\.sampleUs must be an integer/],
    [(c) => { c.covariance.minSamples = 1; }, /config\.agents\.covariance\.minSamples/],
    [(c) => { c.liquidity.horizonDays = 0; }, /config\.agents\.liquidity\.horizonDays must be a positive finite number, got 0/],
    [(c) => { c.liquidity.maxAllocationFraction = 1.5; }, /config\.agents\.liquidity\.maxAllocationFraction must be in \[0, 1\]/],
    [(c) => { c.market.varianceRatioLag = 1; }, /config\.agents\.market\.varianceRatioLag/],
    [(c) => { c.market.windowSamples = 10; }, /config\.agents\.market\.windowSamples must be an integer in 16\.\.4096, got 10/],
    [(c) => { c.market.majorMovePct = -1; }, /config\.agents\.market\.majorMovePct/],
    [(c) => { c.market.cascadeMinCount = 0; }, /config\.agents\.market\.cascadeMinCount/],
    [(c) => { c.execution.slippageToleranceBps = 10_000; }, /config\.agents\.execution\.slippageToleranceBps must be in \[0, 10000\)/],
    [(c) => { c.execution.deadlineSeconds = 0; }, /config\.agents\.execution\.deadlineSeconds/],
    [(c) => { c.execution.account = '0x1234'; }, /config\.agents\.execution\.account must be a 20-byte hex address/],
    [(c) => { c.execution.account = '0x000000000000000000000000000000000000DEAd'; }, /EIP-55 checksum/],
  ];
  for (const [patch, message] of cases) assert.throws(() => checkAnalysisConfig(withPatch(patch)), message);
  checkAnalysisConfig(withPatch((c) => { c.execution.account = '0x000000000000000000000000000000000000dead'; })); // all lower case: no checksum
});

test.run();
