// Validation: each check, its order, and the reason it gives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LimitsConfig } from '../options.ts';
import { Validator } from './validator.ts';

const kNow = 1_723_075_200_000_000;
const limits: LimitsConfig = {
  maxPositionUsd: 1_000_000, maxTotalExposureUsd: 8_000_000, approvalThresholdUsd: 500_000, maxAgentErrors: 5,
  maxPortfolioVarUsd: 1_000_000, minTradeUsd: 1_000, maxYieldPositions: 5, protocolCooldownUs: 600_000_000,
};

test('within limits', () => {
  const v = new Validator(limits, false);
  assert.equal(v.check('yield_hunter', 100_000, true, 'aave', kNow), { status: 'approved', reason: 'within limits' });
});

test('the kill switch rejects everything, exits included, and can be turned off', () => {
  const v = new Validator(limits, true);
  assert.is(v.killSwitch, true);
  assert.equal(v.check('yield_hunter', 100, false, '', kNow), { status: 'rejected', reason: 'kill switch engaged' });
  v.setKillSwitch(false);
  assert.is(v.check('yield_hunter', 100, false, '', kNow).status, 'approved');
  v.setKillSwitch(true);
  assert.is(v.check('yield_hunter', 100, false, '', kNow).reason, 'kill switch engaged');
});

test('size: zero (or NaN) and above the hard limit', () => {
  const v = new Validator(limits, false);
  assert.equal(v.check('a', 0, true, '', kNow), { status: 'rejected', reason: 'size is zero after risk limits' });
  assert.is(v.check('a', NaN, true, '', kNow).reason, 'size is zero after risk limits');
  assert.is(v.check('a', -5, false, '', kNow).reason, 'size is zero after risk limits');
  assert.equal(v.check('a', 1_000_001, false, '', kNow), { status: 'rejected', reason: 'size $1,000,001 above the hard limit $1,000,000' });
  // exactly at the limit (and within 1e-9 of it) is not above it; it is above the approval threshold
  assert.is(v.check('a', 1_000_000, false, '', kNow).status, 'pending_approval');
  assert.is(v.check('a', 1_000_000.0005, false, '', kNow).status, 'pending_approval');
});

test('total exposure, only for actions that add risk', () => {
  const v = new Validator(limits, false);
  v.exposureUsd = 7_900_000;
  assert.equal(v.check('a', 200_000, true, '', kNow), { status: 'rejected', reason: 'total exposure would reach $8,100,000, above $8,000,000' });
  assert.is(v.check('a', 100_000, true, '', kNow).status, 'approved', 'reaching exactly 8 M is allowed');
  assert.is(v.check('a', 200_000, false, '', kNow).status, 'approved', 'an exit or neutral arbitrage is not limited');
});

test('portfolio VaR above the limit blocks new risk', () => {
  const v = new Validator(limits, false);
  v.portfolioVarUsd = 1_500_000;
  assert.equal(v.check('a', 10_000, true, '', kNow), { status: 'rejected', reason: 'portfolio VaR $1,500,000 above $1,000,000' });
  assert.is(v.check('a', 10_000, false, '', kNow).status, 'approved');
  v.portfolioVarUsd = 1_000_000;
  assert.is(v.check('a', 10_000, true, '', kNow).status, 'approved', 'at the limit is not above it');
});

test('protocol cool-down after a risk alert, until the given event time; never shortened', () => {
  const v = new Validator(limits, false);
  v.coolDown('aave', kNow + 600_000_000);
  assert.equal(v.check('yield_hunter', 10_000, true, 'aave', kNow), { status: 'rejected', reason: 'protocol aave is cooling down after a risk alert' });
  assert.is(v.check('yield_hunter', 10_000, true, 'curve', kNow).status, 'approved', 'other protocols unaffected');
  assert.is(v.check('yield_hunter', 10_000, false, 'aave', kNow).status, 'approved', 'exits are allowed');
  v.coolDown('aave', kNow + 1); // an earlier end does not shorten it
  assert.is(v.check('yield_hunter', 10_000, true, 'aave', kNow + 300_000_000).status, 'rejected');
  assert.is(v.check('yield_hunter', 10_000, true, 'aave', kNow + 599_999_999).status, 'rejected');
  assert.is(v.check('yield_hunter', 10_000, true, 'aave', kNow + 600_000_000).status, 'approved', 'over at the given time');
});

test('above the approval threshold an action waits for a person', () => {
  const v = new Validator(limits, false);
  assert.equal(v.check('a', 600_000, true, '', kNow), { status: 'pending_approval', reason: 'size $600,000 above the approval threshold $500,000' });
  assert.is(v.check('a', 500_000, true, '', kNow).status, 'approved', 'at the threshold is approved');
});

test('order of the checks: kill switch, size, hard limit, exposure, VaR, cool-down, approval', () => {
  const v = new Validator(limits, true);
  v.exposureUsd = 7_990_000;
  v.portfolioVarUsd = 2_000_000;
  v.coolDown('aave', kNow + 1);
  const reason = (): string => v.check('a', 600_000, true, 'aave', kNow).reason;
  assert.is(reason(), 'kill switch engaged');
  v.setKillSwitch(false);
  assert.match(reason(), /^total exposure would reach \$8,590,000/);
  v.exposureUsd = 0;
  assert.match(reason(), /^portfolio VaR/);
  v.portfolioVarUsd = 0;
  assert.match(reason(), /^protocol aave is cooling down/);
  assert.match(v.check('a', 600_000, true, 'aave', kNow + 1).reason, /^size \$600,000 above the approval threshold/);
  assert.match(v.check('a', 2_000_000, true, 'aave', kNow).reason, /^size \$2,000,000 above the hard limit/, 'the hard limit before exposure and cool-down');
});

test.run();
