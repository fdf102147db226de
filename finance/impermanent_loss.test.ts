import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clAmounts, ilConcentrated, ilConstantProduct, kClAmountX, kClAmountY, kClAmountsLength } from './impermanent_loss.ts';
import { tickToPrice } from './amm.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

test('constant product IL: published values', () => {
  // r = 4: 2·2/5 − 1 = −0.2
  near(ilConstantProduct(4), -0.2, 1e-15, 'r = 4');
  // r = 2: 2·√2/3 − 1 = 0.9428090 − 1 = −0.0571910 (−5.719 %)
  near(ilConstantProduct(2), -0.05719095841793653, 1e-15, 'r = 2');
  // symmetric in log price: r = 1/4 gives the same −20 % (2·0.5/1.25 − 1)
  near(ilConstantProduct(0.25), -0.2, 1e-15, 'r = 1/4');
  near(ilConstantProduct(1), 0, 0, 'no move');
  near(ilConstantProduct(0), -1, 0, 'price to zero');
  near(ilConstantProduct(Infinity), -1, 0, 'price to infinity');
  assert.ok(Number.isNaN(ilConstantProduct(-1)), 'negative ratio → NaN');
  assert.ok(Number.isNaN(ilConstantProduct(NaN)), 'NaN → NaN');
});

test('concentrated position amounts by hand (L = 1, range [0.5, 2])', () => {
  const out = new Float64Array(kClAmountsLength);
  // p = 1 (in range): x = 1/1 − 1/√2 = 0.2928932, y = 1 − √0.5 = 0.2928932; value = 0.5857864
  near(clAmounts(out, 1, 1, 0.5, 2), 2 * 0.29289321881345254, 1e-15, 'value at 1');
  near(out[kClAmountX]!, 0.29289321881345254, 1e-15, 'x at 1');
  near(out[kClAmountY]!, 0.2928932188134524, 1e-15, 'y at 1');
  // p = 4 (above): x = 0, y = √2 − √0.5 = 0.7071068
  clAmounts(out, 1, 4, 0.5, 2);
  near(out[kClAmountX]!, 0, 1e-16, 'x above the range');
  near(out[kClAmountY]!, 0.7071067811865476, 1e-15, 'y above the range');
  // p = 0.25 (below): x = 1/√0.5 − 1/√2 = 1.4142136 − 0.7071068 = 0.7071068, y = 0
  clAmounts(out, 1, 0.25, 0.5, 2);
  near(out[kClAmountX]!, 0.7071067811865475, 1e-15, 'x below the range');
  near(out[kClAmountY]!, 0, 0, 'y below the range');
  // full range, L = 100, p = 4: x = 100/2 = 50, y = 100·2 = 200
  clAmounts(out, 100, 4, 0, Infinity);
  near(out[kClAmountX]!, 50, 1e-13, 'full-range x');
  near(out[kClAmountY]!, 200, 1e-13, 'full-range y');
  assert.ok(Number.isNaN(clAmounts(out, 1, 1, 2, 0.5)), 'pa > pb → NaN');
  assert.ok(Number.isNaN(out[kClAmountX]!), 'NaN written');
  assert.ok(Number.isNaN(clAmounts(out, 1, 0, 0.5, 2)), 'price 0 → NaN');
  assert.ok(Number.isNaN(clAmounts(out, -1, 1, 0.5, 2)), 'negative liquidity → NaN');
});

test('concentrated IL by explicit token amounts (range [0.5, 2], opened at 1)', () => {
  // Opened at 1 with x0 = y0 = 0.2928932 (above). HODL at p1 = 0.2928932·(p1 + 1).
  // p1 = 4 (above the range): LP = all Y = 0.7071068; HODL = 0.2928932·5 = 1.4644661
  //   IL = 0.7071068/1.4644661 − 1 = −0.5171573
  near(ilConcentrated(1, 4, 0.5, 2), -0.517157287525381, 1e-14, 'p1 = 4, above the range');
  // p1 = 1.5 (inside): x1 = 1/√1.5 − 1/√2 = 0.1093898, y1 = √1.5 − √0.5 = 0.5176381
  //   LP = 1.5·0.1093898 + 0.5176381 = 0.6817228; HODL = 0.2928932·2.5 = 0.7322330 → −0.0689811
  near(ilConcentrated(1, 1.5, 0.5, 2), -0.06898112209145058, 1e-14, 'p1 = 1.5, inside');
  // p1 = 0.25 (below): LP = 0.25·0.7071068 = 0.1767767; HODL = 0.2928932·1.25 = 0.3661165 → −0.5171573
  near(ilConcentrated(1, 0.25, 0.5, 2), -0.5171572875253809, 1e-14, 'p1 = 0.25, below the range');
  // beyond the range the loss is frozen: p1 = 4 and p1 = 8 both hold 0.7071068 Y, HODL keeps growing,
  // so IL keeps falling only through HODL: at 8, 0.7071068/(0.2928932·9) − 1 = −0.7317558
  near(ilConcentrated(1, 8, 0.5, 2), 0.7071067811865476 / (0.29289321881345254 * 9) - 1, 1e-14, 'p1 = 8');
  // Opened below the range at 0.4 (all X, x0 = 0.7071068): staying below → 0
  near(ilConcentrated(0.4, 0.3, 0.5, 2), 0, 1e-15, 'stays below the range');
  // …moving into it, p1 = 1: LP = 0.2928932·1 + 0.2928932 = 0.5857864, HODL = 0.7071068 → −0.1715729
  near(ilConcentrated(0.4, 1, 0.5, 2), -0.17157287525380982, 1e-14, 'opened below, ends inside');
  // Opened above at 3 (all Y, y0 = 0.7071068), ends at 1: LP 0.5857864 vs HODL 0.7071068 → −0.1715729
  near(ilConcentrated(3, 1, 0.5, 2), -0.17157287525380993, 1e-14, 'opened above, ends inside');
  near(ilConcentrated(1, 1, 0.5, 2), 0, 1e-15, 'no move');
});

test('concentrated IL: full range equals constant product; narrow range loses more', () => {
  for (const r of [0.1, 0.5, 0.9, 1.1, 2, 4, 25]) {
    near(ilConcentrated(1, r, 0, Infinity), ilConstantProduct(r), 1e-15, `full range, r = ${r}`);
    near(ilConcentrated(1, r, 1e-12, 1e12), ilConstantProduct(r), 1e-5, `very wide range, r = ${r}`);
  }
  // ±10 % range around 1 (0.9 … 1.111): a 10 % move loses −2.2106 % vs −0.1134 % full range
  // by hand: x0 = y0 = 1 − √0.9 = 0.0513167; at 1.1: x1 = 1/√1.1 − √0.9 = 0.0047793, y1 = √1.1 − √0.9 = 0.1001256
  //   LP = 1.1·0.0047793 + 0.1001256 = 0.1053828; HODL = 0.0513167·2.1 = 0.1077651 → −0.0221065
  near(ilConcentrated(1, 1.1, 0.9, 1 / 0.9), -0.022106454059695024, 1e-13, 'narrow range');
  assert.ok(ilConcentrated(1, 1.1, 0.9, 1 / 0.9) < ilConstantProduct(1.1), 'narrow loses more');
  assert.ok(Number.isNaN(ilConcentrated(1, 1.1, 2, 1)), 'empty range → NaN');
  assert.ok(Number.isNaN(ilConcentrated(NaN, 1.1, 0.5, 2)), 'NaN → NaN');
  assert.ok(Number.isNaN(ilConcentrated(1, 0, 0.5, 2)), 'price 0 → NaN');
});

// Real positions: every MINT and BURN of the Uniswap V3 USDC/WETH 0.05 % pool on 2024-01-05 moves
// exactly the amounts that the position's liquidity holds at the pool price on its tick range.
const kTicks = fileURLToPath(new URL(
  '../../shared/data/onchain-logs-2024-01/ethereum-0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640-2024-01-05.pool.tick.csv',
  import.meta.url));

if (!existsSync(kTicks)) {
  console.log(`SKIP position amounts against on-chain mints and burns: ${kTicks} is absent`);
  test.skip('position amounts against on-chain mints and burns', () => {});
} else {
  test('position amounts match on-chain mints and burns', () => {
    const lines = readFileSync(kTicks, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const col = (name: string): number => header.indexOf(name);
    const out = new Float64Array(kClAmountsLength);
    let checked = 0;
    for (const line of lines.slice(1)) {
      const r = line.split(',');
      const type = r[col('tx_type')];
      if (type !== 'MINT' && type !== 'BURN') continue;
      const L = Number(r[col('liquidity')]);
      if (L === 0) continue;
      // raw prices: token1 (WETH wei) per token0 (USDC unit)
      const p = (Number(BigInt(r[col('sqrtPriceX96')]!)) / 2 ** 96) ** 2;
      const pa = tickToPrice(Number(r[col('tick_lower')]), 0, 0);
      const pb = tickToPrice(Number(r[col('tick_upper')]), 0, 0);
      clAmounts(out, L, p, pa, pb);
      const a0 = Number(r[col('amount0')]), a1 = Number(r[col('amount1')]);
      // The pool rounds to integers and works from its own tick → √P table; 1e-9 relative covers
      // the narrowest ranges (10 ticks), where √p − √pa magnifies the price's rounding.
      near(out[kClAmountX]!, a0, 1e-9 * a0 + 2, `USDC amount of a ${type}`);
      near(out[kClAmountY]!, a1, 1e-9 * a1 + 2, `WETH amount of a ${type}`);
      checked++;
    }
    assert.ok(checked > 100, `${checked} mints and burns checked`);
  });
}

test.run();
