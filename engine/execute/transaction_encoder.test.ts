// Calldata attached to approved decisions: Aave V3 supply for yield entries into an Aave pool, and
// Uniswap V3 exactInputSingle for rebalance trades when the execution optimizer prices the pool
// below the book. Each transaction is decoded back with ethers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Decision } from '../types.ts';
import { kExecTableCostBps } from '../../protocol/records.ts';
import { kT0, price, yieldUpdate } from '../../fixtures/events.ts';
import { cpAmountOut } from '../../finance/amm.ts';
import { kAavePoolInterface, kAaveV3Pool, kSwapRouterInterface, kUniswapV3SwapRouter, toBaseUnits, tokenOn } from '../../finance/calldata.ts';
import { TransactionEncoder } from './transaction_encoder.ts';
import { fusionHarness } from '../consolidate/testing/fusion_harness.ts';

const kV3 = '0x4444444444444444444444444444444444444444';
const v3 = {
  ts: kT0, type: 'pool_update', topic: 'market.prices.uniswap_v3', key: `uniswap_v3:${kV3}`,
  data: { dex: 'uniswap_v3', pool: kV3, token0: 'USDC', token1: 'WETH', reserve0: 2e7, reserve1: 10_000, fee: 0.0005,
    sqrtPriceX96: BigInt(Math.round(Math.sqrt(1e22 / 2e13) * 2 ** 96)).toString(), liquidity: '14142135623730950488016', tick: 0, decimals0: 6, decimals1: 18 },
};
const universe = [
  price(kT0, 'X', 'ETH', 'USDT', 1999.9, 2000.1),
  yieldUpdate(kT0, 'aave', 'usdc', { apy: 5, tvlUsd: 1e9, symbol: 'USDC', chain: 'ethereum' }),
  yieldUpdate(kT0, 'aave', 'weth', { apy: 3, tvlUsd: 1e9, symbol: 'WETH', chain: 'polygon' }),
  yieldUpdate(kT0, 'compound', 'usdc', { apy: 5, tvlUsd: 1e9, symbol: 'USDC', chain: 'ethereum' }),
  v3,
];

function decision(kind: string, action: string, instrument: string, sizeUsd: number, status: Decision['status'] = 'approved'): Decision {
  return {
    key: `${kind}:${instrument}@1`, seq: 1, cycle: 1, epoch: 1, ts: kT0 + 500_000, agent: 'x', kind, action, instruments: [instrument],
    sizeUsd, expectedProfitUsd: 0, score: 0, status, reason: '', fill: null,
  };
}

function harness(): { f: ReturnType<typeof fusionHarness>; exec: TransactionEncoder } {
  const f = fusionHarness(universe, ['execution_optimizer']);
  f.feed(universe);
  return { f, exec: new TransactionEncoder({ registry: f.snapshot, view: f.view, execution: f.ctx.readers.get('execution_optimizer'), config: f.config.agents }) };
}

test('a yield entry into Aave: supply(asset, amount in its decimals, account, 0)', () => {
  const { exec, f } = harness();
  const tx = exec.transactionFor(decision('yield_entry', 'supply', 'aave:usdc', 250_000.55))!;
  assert.ok(tx, 'a transaction');
  assert.is(tx.to, kAaveV3Pool.ethereum);
  assert.is(tx.value, '0');
  assert.is(tx.gasEstimate, 180_000);
  const [asset, amount, onBehalfOf, referral] = kAavePoolInterface.decodeFunctionData('supply', tx.data);
  assert.is(asset, tokenOn('ethereum', 'USDC')!.address);
  assert.is(amount, 250_000_550_000n, '250 000.55 USDC in 6 decimals');
  assert.is(onBehalfOf.toLowerCase(), f.config.agents.execution.account.toLowerCase());
  assert.is(referral, 0n);
  // WETH on Polygon: 100 000 USD at the ETH mid 2 000 = 50 WETH in 18 decimals, to the Polygon pool
  const weth = exec.transactionFor(decision('yield_entry', 'supply', 'aave:weth', 100_000))!;
  assert.is(weth.to, kAaveV3Pool.polygon);
  assert.is(kAavePoolInterface.decodeFunctionData('supply', weth.data)[1], 50n * 10n ** 18n);
  assert.is(exec.encoded, 2);
});

test('no calldata for what is not approved, not Aave, or not a known kind', () => {
  const { exec } = harness();
  assert.is(exec.transactionFor(decision('yield_entry', 'supply', 'aave:usdc', 1000, 'rejected')), null);
  assert.is(exec.transactionFor(decision('yield_entry', 'supply', 'aave:usdc', 1000, 'pending_approval')), null);
  assert.is(exec.transactionFor(decision('yield_entry', 'supply', 'compound:usdc', 1000)), null);
  assert.is(exec.transactionFor(decision('arbitrage_cross_exchange', 'buy_sell', 'X:ETH/USDT', 1000)), null);
  assert.is(exec.encoded, 0);
});

test('a rebalance buy routed to Uniswap V3 when the optimizer prices it below the book', () => {
  const { exec, f } = harness();
  const book = f.slot('X:ETH/USDT'), pool = f.slot(`uniswap_v3:${kV3}`);
  f.table('execution_optimizer', kExecTableCostBps, book, 20);
  f.table('execution_optimizer', kExecTableCostBps, pool, 8);
  const tx = exec.transactionFor(decision('rebalance', 'buy', 'X:ETH/USDT', 50_000))!;
  assert.ok(tx, 'a swap');
  assert.is(tx.to, kUniswapV3SwapRouter);
  assert.ok(tx.data.startsWith('0x414bf389'));
  const p = kSwapRouterInterface.decodeFunctionData('exactInputSingle', tx.data)[0];
  assert.is(p.tokenIn, tokenOn('ethereum', 'USDC')!.address);
  assert.is(p.tokenOut, tokenOn('ethereum', 'WETH')!.address);
  assert.is(p.fee, 500n);
  assert.is(p.amountIn, 50_000_000_000n, '50 000 USDC');
  // quote on the virtual reserves: 49 975·10 000/20 049 975 WETH, less 50 bps
  const quote = cpAmountOut(50_000, 2e7, 10_000, 0.0005);
  assert.is(p.amountOutMinimum, toBaseUnits(quote * 0.995, 18));
  assert.ok(Math.abs(Number(p.amountOutMinimum) / 1e18 - 24.800) < 0.01, `≈ 24.80 WETH: ${Number(p.amountOutMinimum) / 1e18}`);
  assert.is(p.deadline, BigInt(Math.floor((kT0 + 500_000) / 1e6) + 120));
  // a sell: 20 000 USD of ETH at the 2 000 mid = 10 WETH in
  const sell = kSwapRouterInterface.decodeFunctionData('exactInputSingle', exec.transactionFor(decision('rebalance', 'sell', 'X:ETH/USDT', 20_000))!.data)[0];
  assert.is(sell.tokenIn, tokenOn('ethereum', 'WETH')!.address);
  assert.is(sell.amountIn, 10n * 10n ** 18n);
  assert.is(sell.amountOutMinimum, toBaseUnits(cpAmountOut(10, 10_000, 2e7, 0.0005) * 0.995, 6));
  // the book cheaper: no calldata (the trade stays on the book)
  f.table('execution_optimizer', kExecTableCostBps, pool, 25);
  assert.is(exec.transactionFor(decision('rebalance', 'buy', 'X:ETH/USDT', 50_000)), null);
});

test.run();
