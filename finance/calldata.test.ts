// Calldata checked three ways: the 4-byte selectors against their hand-derived values
// (keccak256 of the canonical signatures), a decode back through ethers, and the raw words.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getAddress, id, Interface } from 'ethers';
import {
  encodeAaveSupply, encodeExactInputSingle, kAavePoolInterface, kAaveV3Pool, kSwapRouterInterface, kUniswapV3SwapRouter,
  toBaseUnits, tokenOn,
} from './calldata.ts';

const kAccount = '0x1111111111111111111111111111111111111111';

test('selectors: exactInputSingle 0x414bf389 (SwapRouter, struct with deadline), supply 0x617ba037', () => {
  assert.is(kSwapRouterInterface.getFunction('exactInputSingle')!.selector, '0x414bf389');
  assert.is(id('exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))').slice(0, 10), '0x414bf389');
  assert.is(kAavePoolInterface.getFunction('supply')!.selector, '0x617ba037');
  assert.is(id('supply(address,uint256,address,uint16)').slice(0, 10), '0x617ba037');
});

test('amounts in each token\'s own decimals, rounded down', () => {
  assert.is(toBaseUnits(1234.567891, 6), 1_234_567_891n, 'USDC: 6');
  assert.is(toBaseUnits(0.5, 8), 50_000_000n, 'WBTC: 8');
  assert.is(toBaseUnits(1.5, 18), 1_500_000_000_000_000_000n, 'WETH: 18');
  assert.is(toBaseUnits(0.1234567899, 6), 123_456n, 'cut, not rounded up');
  assert.is(toBaseUnits(1e-7, 6), 0n, 'below one unit');
  assert.is(toBaseUnits(123456789.25, 6), 123_456_789_250_000n, 'large amounts without an exponent');
  assert.throws(() => toBaseUnits(-1, 6), /non-negative/);
  assert.throws(() => toBaseUnits(1, 6.5), /decimals/);
});

test('token table: checksummed addresses and decimals per chain', () => {
  for (const [chain, sym, dec] of [
    ['ethereum', 'USDC', 6], ['ethereum', 'USDT', 6], ['ethereum', 'DAI', 18], ['ethereum', 'WETH', 18], ['ethereum', 'WBTC', 8],
    ['ethereum', 'LINK', 18], ['ethereum', 'UNI', 18], ['ethereum', 'AAVE', 18], ['ethereum', 'MATIC', 18],
    ['polygon', 'USDC', 6], ['polygon', 'WETH', 18], ['arbitrum', 'USDC', 6], ['arbitrum', 'WETH', 18],
  ] as const) {
    const t = tokenOn(chain, sym);
    assert.ok(t, `${sym} on ${chain}`);
    assert.is(getAddress(t.address), t.address, `${sym} on ${chain}: checksum`);
    assert.is(t.decimals, dec, `${sym} decimals`);
  }
  assert.is(tokenOn('Ethereum', 'ETH')!.symbol, 'WETH', 'ETH is WETH on chain');
  assert.is(tokenOn('ethereum', 'BTC')!.decimals, 8, 'BTC is WBTC: 8 decimals');
  assert.is(tokenOn('ethereum', 'SOL'), null);
  assert.is(tokenOn('solana', 'USDC'), null);
  for (const a of [kUniswapV3SwapRouter, ...Object.values(kAaveV3Pool)]) assert.is(getAddress(a), a, `${a}: checksum`);
});

test('exactInputSingle: 25 000 USDC for WETH on the 0.05 % pool, decoded back', () => {
  const usdc = tokenOn('ethereum', 'USDC')!, weth = tokenOn('ethereum', 'WETH')!;
  const tx = encodeExactInputSingle({
    tokenIn: usdc, tokenOut: weth, fee: 0.0005, recipient: kAccount, deadline: 1_723_075_320,
    amountIn: 25_000, amountOutMinimum: 9.5, gasEstimate: 125_000,
  });
  assert.is(tx.to, kUniswapV3SwapRouter);
  assert.is(tx.value, '0');
  assert.is(tx.gasEstimate, 125_000);
  assert.ok(tx.data.startsWith('0x414bf389'));
  assert.is(tx.data.length, 2 + 8 + 8 * 64, 'selector + eight 32-byte words');
  const p = kSwapRouterInterface.decodeFunctionData('exactInputSingle', tx.data)[0];
  assert.is(p.tokenIn, usdc.address);
  assert.is(p.tokenOut, weth.address);
  assert.is(p.fee, 500n, 'fee tier in hundredths of a bip');
  assert.is(p.recipient, kAccount);
  assert.is(p.deadline, 1_723_075_320n);
  assert.is(p.amountIn, 25_000_000_000n, '25 000 USDC = 25 000·10^6');
  assert.is(p.amountOutMinimum, 9_500_000_000_000_000_000n, '9.5 WETH = 9.5·10^18');
  assert.is(p.sqrtPriceLimitX96, 0n);
  // word 6 (amountIn) by hand: 25 000·10^6 = 0x5d21dba00
  const word = (i: number): string => tx.data.slice(10 + 64 * i, 10 + 64 * (i + 1));
  assert.is(BigInt(`0x${word(5)}`), 25_000_000_000n);
  assert.is(word(2), '1f4'.padStart(64, '0'), 'fee word = 500');
  // an independent interface (the ABI written as a tuple type) decodes the same bytes
  const other = new Interface(['function exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))']);
  assert.is(other.decodeFunctionData('exactInputSingle', tx.data)[0][5], 25_000_000_000n);
  assert.throws(() => encodeExactInputSingle({ ...{ tokenIn: usdc, tokenOut: weth, recipient: kAccount, deadline: 1, amountIn: 1, amountOutMinimum: 0, gasEstimate: 0 }, fee: 0 }), /fee/);
});

test('Aave V3 supply: 0.25 WBTC on Ethereum and 1 000 USDC.e on Polygon, decoded back', () => {
  const wbtc = tokenOn('ethereum', 'WBTC')!;
  const tx = encodeAaveSupply('ethereum', wbtc, 0.25, kAccount, 180_000);
  assert.is(tx.to, kAaveV3Pool.ethereum);
  assert.ok(tx.data.startsWith('0x617ba037'));
  assert.is(tx.data.length, 2 + 8 + 4 * 64);
  const [asset, amount, onBehalfOf, referral] = kAavePoolInterface.decodeFunctionData('supply', tx.data);
  assert.is(asset, wbtc.address);
  assert.is(amount, 25_000_000n, '0.25 WBTC = 0.25·10^8, not 10^18');
  assert.is(onBehalfOf, kAccount);
  assert.is(referral, 0n);
  const poly = encodeAaveSupply('polygon', tokenOn('polygon', 'USDC')!, 1000, kAccount, 180_000);
  assert.is(poly.to, kAaveV3Pool.polygon);
  assert.is(kAavePoolInterface.decodeFunctionData('supply', poly.data)[1], 1_000_000_000n);
  assert.throws(() => encodeAaveSupply('solana', wbtc, 1, kAccount, 0), /no Aave V3 pool/);
});

test('exactInputSingle written out: the very bytes of ethers\'s encodeFunctionData, and its errors', () => {
  let seed = 11;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const tokens = [tokenOn('ethereum', 'USDC')!, tokenOn('ethereum', 'WETH')!, tokenOn('ethereum', 'WBTC')!, tokenOn('ethereum', 'DAI')!, tokenOn('arbitrum', 'USDC')!];
  const recipients = [kAccount, '0x52908400098527886E0F7030069857D2E4169EE7', '0xde709f2102306220921060314715629080e2fb77'];
  for (let i = 0; i < 300; i++) {
    const tokenIn = tokens[i % tokens.length]!, tokenOut = tokens[(i * 7 + 1) % tokens.length]!;
    const fee = [0.0001, 0.0005, 0.003, 0.01, 0.999999][i % 5]!;
    const amountIn = i % 11 === 0 ? 0 : rnd() * 10 ** Math.floor(rnd() * 9), amountOutMinimum = rnd() * 10 ** Math.floor(rnd() * 7);
    const deadline = 1_700_000_000 + rnd() * 1e8;
    const recipient = recipients[i % recipients.length]!;
    const tx = encodeExactInputSingle({ tokenIn, tokenOut, fee, recipient, deadline, amountIn, amountOutMinimum, gasEstimate: 1 });
    const want = kSwapRouterInterface.encodeFunctionData('exactInputSingle', [{
      tokenIn: getAddress(tokenIn.address), tokenOut: getAddress(tokenOut.address), fee: Math.round(fee * 1e6), recipient: getAddress(recipient),
      deadline: BigInt(Math.floor(deadline)), amountIn: toBaseUnits(amountIn, tokenIn.decimals), amountOutMinimum: toBaseUnits(amountOutMinimum, tokenOut.decimals),
      sqrtPriceLimitX96: 0n,
    }]);
    assert.is(tx.data, want, `case ${i}`);
  }
  const usdc = tokens[0]!, weth = tokens[1]!;
  const base = { tokenIn: usdc, tokenOut: weth, fee: 0.0005, recipient: kAccount, deadline: 1_723_075_320, amountIn: 1, amountOutMinimum: 1, gasEstimate: 1 };
  assert.throws(() => encodeExactInputSingle({ ...base, recipient: '0x52908400098527886E0F7030069857D2E4169Ee7' }), /checksum|address/i, 'a bad checksum, as getAddress');
  assert.throws(() => encodeExactInputSingle({ ...base, recipient: 'not an address' }), /address/i);
  assert.throws(() => encodeExactInputSingle({ ...base, deadline: -5 }), /out of range for uint256/);
  assert.throws(() => encodeExactInputSingle({ ...base, amountIn: 1e80 }), /out of range for uint256/);
  assert.throws(() => encodeExactInputSingle({ ...base, fee: 1.5 }), /fee must be/);
});

test.run();
