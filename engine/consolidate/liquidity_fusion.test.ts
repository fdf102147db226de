// Liquidity provision decisions: decided once when a recommendation opens, capped by the risk
// view and the limits, supplied on paper, withdrawn below −hurdle.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kPfCashUsd, kPfPositions0 } from '../../protocol/layout.ts';
import { kRecLpRange, kRiskTableMaxPositionUsd, kRiskTableScore } from '../../protocol/records.ts';
import { kT0 } from '../../fixtures/events.ts';
import { LiquidityFusion } from './liquidity_fusion.ts';
import { fusionHarness } from './testing/fusion_harness.ts';

const kPool = '0x1111111111111111111111111111111111111111';
const pool = {
  ts: kT0, type: 'pool_update', topic: 'market.prices.uniswap_v2', key: `uniswap_v2:${kPool}`,
  data: { dex: 'uniswap_v2', pool: kPool, token0: 'USDC', token1: 'WETH', reserve0: 2e6, reserve1: 1000, fee: 0.003 },
};

function harness(): { f: ReturnType<typeof fusionHarness>; lp: LiquidityFusion; slot: number } {
  const f = fusionHarness([pool], ['liquidity_optimizer', 'risk_assessor']);
  f.feed([pool]);
  const slot = f.slot(`uniswap_v2:${kPool}`);
  f.table('risk_assessor', kRiskTableMaxPositionUsd, slot, 400_000);
  f.table('risk_assessor', kRiskTableScore, slot, 3);
  return { f, lp: new LiquidityFusion(f.ctx), slot };
}

test('an opening recommendation is capped, validated, supplied once', () => {
  const { f, lp, slot } = harness();
  // net 20 %/yr, fees 35 %/yr, IL 15 %/yr, size 450 000 (above the risk view's 400 000), range ±5 %
  const rec = [kRecLpRange, slot, -1, 0.2, 0.35, 450_000, 0.15, Math.log(1.05)];
  f.records('liquidity_optimizer', 1, [rec]);
  lp.consolidate(1, 10, kT0);
  assert.is(f.drafts.length, 1);
  const d = f.drafts[0]!;
  assert.is(d.kind, 'liquidity_provision');
  assert.is(d.action, 'provide_liquidity');
  assert.is(d.sizeUsd, 400_000, 'capped by the max position');
  assert.is(d.verdict.status, 'approved');
  assert.is(d.verdict.reason, 'range ±5.00%: fees 35.00%/yr, expected IL 15.00%/yr, net 20.00%/yr');
  assert.ok(Math.abs(d.expectedProfitUsd - (400_000 * 0.2) / 365) < 1e-9, 'a day of net income');
  assert.is(f.arrays.portfolio[kPfPositions0 + slot], 400_000, 'USD in the pool');
  assert.is(f.arrays.portfolio[kPfCashUsd], 10_000_000 - 400_000);
  assert.is(lp.held, 1);
  // the same open recommendation next cycle: nothing new
  f.records('liquidity_optimizer', 2, [rec]);
  lp.consolidate(2, 11, kT0 + 1);
  assert.is(f.drafts.length, 1);
});

test('a recommendation too small or not profitable opens nothing; a risky pool is rejected', () => {
  const { f, lp, slot } = harness();
  f.records('liquidity_optimizer', 1, [[kRecLpRange, slot, -1, 0.2, 0.3, 500, 0.1, -1]]); // below minTradeUsd (1 000)
  lp.consolidate(1, 1, kT0);
  f.records('liquidity_optimizer', 2, [[kRecLpRange, slot, -1, -0.01, 0.1, 100_000, 0.11, -1]]);
  lp.consolidate(2, 2, kT0);
  assert.is(f.drafts.length, 0);
  f.table('risk_assessor', kRiskTableScore, slot, 9);
  f.records('liquidity_optimizer', 3, [[kRecLpRange, slot, -1, 0.2, 0.3, 100_000, 0.1, -1]]);
  lp.consolidate(3, 3, kT0);
  assert.is(f.drafts[0]!.verdict.status, 'rejected');
  assert.is(f.drafts[0]!.verdict.reason, 'instrument risk 9.0/10 above 8');
  assert.is(lp.held, 0);
});

test('withdrawn when the expected net falls below −hurdle (5 %/yr), not at −4 %', () => {
  const { f, lp, slot } = harness();
  f.records('liquidity_optimizer', 1, [[kRecLpRange, slot, -1, 0.2, 0.3, 100_000, 0.1, -1]]);
  lp.consolidate(1, 1, kT0);
  f.records('liquidity_optimizer', 2, [[kRecLpRange, slot, -1, -0.04, 0.06, 0, 0.1, -1]]);
  lp.consolidate(2, 2, kT0 + 1);
  assert.is(f.drafts.length, 1, 'inside the band: held');
  f.records('liquidity_optimizer', 3, [[kRecLpRange, slot, -1, -0.06, 0.04, 0, 0.1, -1]]);
  lp.consolidate(3, 3, kT0 + 2);
  assert.is(f.drafts.length, 2);
  const d = f.drafts[1]!;
  assert.is(d.kind, 'liquidity_withdrawal');
  assert.is(d.sizeUsd, 100_000);
  assert.is(d.verdict.reason, 'expected net -6.00%/yr below -5.00%/yr');
  assert.is(f.arrays.portfolio[kPfPositions0 + slot], 0);
  assert.is(f.arrays.portfolio[kPfCashUsd], 10_000_000);
  assert.is(lp.held, 0);
});

test.run();
