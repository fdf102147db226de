// The yield hunter's signals from DefiLlama fields and the quarantine rule, by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  apyZScore, effectiveApyPct, isUpJump, kScreenAccept, kScreenConfirm, kScreenDismiss, kScreenHold, kScreenRepeat,
  predictionFactor, screenYieldUpdate, sigmaToApyStdPct, stabilityRiskPoints,
} from './yield_signals.ts';

const kT0 = 1_722_000_000_000_000;
const kMin = 60_000_000;
const kHour = 60 * kMin;

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

test('the pure signals, by hand', () => {
  // reward haircut 0.5: 12 − 0.5·8 = 8; reward inferred from apyBase: 12 − 0.5·(12 − 4) = 8; neither known: 12
  assert.is(effectiveApyPct(12, 4, 8, 0.5), 8);
  assert.is(effectiveApyPct(12, 4, NaN, 0.5), 8);
  assert.is(effectiveApyPct(12, NaN, NaN, 0.5), 12);
  assert.is(effectiveApyPct(12, 14, NaN, 0.5), 12); // apyBase above apy: no reward
  assert.is(effectiveApyPct(12, 4, 8, 0), 12);
  // sd = 0.1·19.104973175·1.039888254 = 1.986703719 pp; z = (10 − 4)/1.986703719 = 3.020077902
  near(sigmaToApyStdPct(0.1, 4), 1.986703719, 1e-8, 'sd at mu 4');
  near(apyZScore(10, 4, 0.1), 3.020077902, 1e-8, 'z');
  assert.ok(Number.isNaN(apyZScore(10, 4, 0)), 'sigma 0 (DefiLlama: fewer than two points) is unknown');
  assert.ok(Number.isNaN(apyZScore(10, NaN, 0.1)));
  // stability points: 0 up to z = 1, 1.5·(z − 1)/3 up to z = 4, 1.5 beyond
  assert.is(stabilityRiskPoints(1), 0);
  assert.is(stabilityRiskPoints(-3), 0);
  assert.is(stabilityRiskPoints(NaN), 0);
  near(stabilityRiskPoints(2), 0.5, 1e-15, 'z 2');
  assert.is(stabilityRiskPoints(9), 1.5);
  // prediction factor: min(1, 2·up)
  assert.is(predictionFactor(NaN), 1);
  assert.is(predictionFactor(0.8), 1);
  near(predictionFactor(0.3), 0.6, 1e-15, 'Down 70 %');
  assert.is(predictionFactor(0), 0);
  // jumps: more than factor × max(prev, floor)
  assert.is(isUpJump(2, 12, 5, 0.1), true);
  assert.is(isUpJump(2, 10, 5, 0.1), false); // exactly 5× is not more than 5×
  assert.is(isUpJump(0, 0.4, 5, 0.1), false); // 0 → 0.4: measured from the 0.1 floor, 4×
  assert.is(isUpJump(0, 0.6, 5, 0.1), true);
});

test('the quarantine rule, case by case', () => {
  const f = 5, w = kHour;
  assert.is(screenYieldUpdate(NaN, NaN, NaN, NaN, NaN, NaN, 50, 1e6, kT0, f, w), kScreenAccept, 'first sight');
  assert.is(screenYieldUpdate(2, 1e8, kT0, NaN, NaN, NaN, 12, 1e8, kT0 + 10 * kMin, f, w), kScreenHold, 'APY 6× within the hour');
  assert.is(screenYieldUpdate(2, 1e8, kT0, NaN, NaN, NaN, 8, 1e8, kT0 + 10 * kMin, f, w), kScreenAccept, 'APY 4×');
  assert.is(screenYieldUpdate(2, 1e8, kT0, NaN, NaN, NaN, 2, 6e8, kT0 + 10 * kMin, f, w), kScreenHold, 'TVL 6×');
  assert.is(screenYieldUpdate(2, 1e8, kT0, NaN, NaN, NaN, 12, 1e8, kT0 + kHour, f, w), kScreenAccept, 'APY 6×, an hour later');
  assert.is(screenYieldUpdate(12, 1e8, kT0, NaN, NaN, NaN, 2, 1e7, kT0 + kMin, f, w), kScreenAccept, 'falls are not screened');
  assert.is(screenYieldUpdate(2, 1e8, kT0, 12, 1e8, kT0 + 10 * kMin, 11, 1e8, kT0 + 20 * kMin, f, w), kScreenConfirm, 'the new level held');
  assert.is(screenYieldUpdate(2, 1e8, kT0, 12, 1e8, kT0 + 10 * kMin, 3, 1e8, kT0 + 20 * kMin, f, w), kScreenDismiss, 'back to normal: the spike is dropped');
  assert.is(screenYieldUpdate(2, 1e8, kT0, 12, 1e8, kT0 + 10 * kMin, 70, 1e8, kT0 + 20 * kMin, f, w), kScreenHold, 'a further jump replaces the held one');
  assert.is(screenYieldUpdate(2, 1e8, kT0, NaN, NaN, NaN, 12, 1e8, kT0 + 10 * kMin, f, 0), kScreenAccept, 'window 0: never');
  assert.is(screenYieldUpdate(2, 1e8, kT0, 12, 1e8, kT0 + 10 * kMin, 12, 1e8, kT0 + 10 * kMin, f, w), kScreenRepeat, 'the held update published again at its own time');
});

test.run();
