// Yield arbitrage carry, by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  kCarryAnnualUsd, kCarryDilutedApy, kCarryGrossSpread, kCarryNetSpread, kCarryOutLength, kCarrySize, yieldCarry,
  yieldRiskHaircut,
} from './carry.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

test('risk haircut: supply-side loss plus the collateral left exposed beyond the loan', () => {
  // λ = 0.8·(1 − 0.3) = 0.56; 1/λ − 1 = 0.785714…
  // supply 0.745 → 0.255·10 = 2.55; borrow 0.97 → 0.03·10·0.785714 = 0.235714 ⇒ 2.785714
  near(yieldRiskHaircut(0.97, 0.745, 0.8, 0.3, 10), 2.55 + 0.3 * (1 / 0.56 - 1), 1e-12, 'formula');
  near(yieldRiskHaircut(0.97, 0.745, 0.8, 0.3, 10), 2.785714285714, 1e-9, 'number');
  // perfectly reliable protocols: no haircut whatever the LTV
  assert.is(yieldRiskHaircut(1, 1, 0.5, 0.2, 10), 0);
  // a smaller buffer uses more LTV and leaves less collateral at risk
  assert.ok(yieldRiskHaircut(0.9, 0.9, 0.8, 0.1, 10) < yieldRiskHaircut(0.9, 0.9, 0.8, 0.5, 10));
  assert.ok(Number.isNaN(yieldRiskHaircut(1.2, 0.9, 0.8, 0.3, 10)), 'reliability > 1');
  assert.ok(Number.isNaN(yieldRiskHaircut(0.9, 0.9, 0, 0.3, 10)), 'LTV 0');
  assert.ok(Number.isNaN(yieldRiskHaircut(0.9, 0.9, 0.8, 1, 10)), 'buffer 1');
});

test('carry: the size where the diluted supply APY meets borrow APY + haircut', () => {
  const out = new Float64Array(kCarryOutLength);
  // s = 12 %, r = 5 %, h = 2 pp, T = 10 M: c = 7, A* = 10 M·(√(12/7) − 1) = 10 M·0.3093073 = 3 093 073.4
  assert.ok(yieldCarry(out, 12, 10e6, 5, 2, Infinity));
  const a = 10e6 * (Math.sqrt(12 / 7) - 1);
  near(out[kCarrySize]!, a, 1e-6, 'A*');
  near(out[kCarrySize]!, 3_093_073.4, 0.1, 'A* (number)');
  // diluted APY 12·10/13.093073 = 9.165151; net 2.165151 pp; yearly 66 969.1 USD
  near(out[kCarryDilutedApy]!, 12 * 10e6 / (10e6 + a), 1e-9, 'diluted');
  near(out[kCarryNetSpread]!, 12 * 10e6 / (10e6 + a) - 7, 1e-9, 'net spread');
  near(out[kCarryAnnualUsd]!, a * (12 * 10e6 / (10e6 + a) - 7) / 100, 1e-6, 'yearly USD');
  near(out[kCarryAnnualUsd]!, 66_969.1, 1, 'yearly USD (number)');
  assert.is(out[kCarryGrossSpread], 7);
  // a cap below A*: the whole cap, less dilution
  assert.ok(yieldCarry(out, 12, 10e6, 5, 2, 1e6));
  assert.is(out[kCarrySize], 1e6);
  near(out[kCarryNetSpread]!, 12 / 1.1 - 7, 1e-12, 'net at 1 M');
});

test('carry: nothing when supply ≤ borrow + haircut; invalid input is NaN', () => {
  const out = new Float64Array(kCarryOutLength);
  assert.not.ok(yieldCarry(out, 6.5, 10e6, 5, 2, Infinity));
  assert.is(out[kCarrySize], 0);
  near(out[kCarryNetSpread]!, -0.5, 1e-12, 'negative net spread');
  assert.is(out[kCarryGrossSpread], 1.5);
  assert.not.ok(yieldCarry(out, 12, 0, 5, 2, Infinity));
  assert.ok(Number.isNaN(out[kCarrySize]!));
});

test.run();
