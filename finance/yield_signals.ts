// What the yield hunter reads from DefiLlama's pool fields beyond APY and TVL, and the rule that
// keeps implausible jumps out of its scores. Pure scalar functions: no allocation, NaN = unknown.

const kNaN = NaN; // a module constant keeps returned doubles unboxed (see yield_score.ts)
const kDaysPerYear = 365;
const kSqrtDaysPerYear = Math.sqrt(kDaysPerYear);

/**
 * APY after a haircut on the reward part, in percent:
 *   effective = apy − haircut · reward
 * reward = apyReward when known; else apy − apyBase when apyBase is known (DefiLlama's
 * apy = apyBase + apyReward), floored at 0; else 0 (nothing says any of it is reward).
 * Why a haircut: reward APY is paid in emitted tokens, valued at today's price. Farmers sell them
 * as they are paid, emissions dilute them, and programmes end or shrink, so the realised value is
 * systematically below the quoted one; base APY (fees, interest) has no such decay. The default
 * haircut (config yield.rewardHaircut) is 0.5: half of the quoted reward APY is counted.
 */
export function effectiveApyPct(apy: number, apyBase: number, apyReward: number, haircut: number): number {
  let reward = 0;
  if (apyReward === apyReward) reward = apyReward;
  else if (apyBase === apyBase) reward = apy - apyBase > 0 ? apy - apyBase : 0;
  return apy - haircut * reward;
}

/**
 * DefiLlama's sigma → the standard deviation of the APY itself, in percentage points.
 * DefiLlama's sigma is the annualised standard deviation of the daily return
 * r = (1 + APY/100)^(1/365) − 1, in percent: sigma = 100·√365·sd(r). Since
 * dr/dAPY = (1/365)·(1 + APY/100)^(1/365 − 1) / 100, to first order around the mean APY mu:
 *   sd(APY) = sigma · √365 · (1 + mu/100)^(364/365)
 * (for small APYs simply sigma·√365 ≈ 19.1·sigma). NaN when either is unknown or sigma ≤ 0.
 */
export function sigmaToApyStdPct(sigma: number, mu: number): number {
  if (!(sigma > 0) || mu !== mu) return kNaN;
  return sigma * kSqrtDaysPerYear * Math.pow(1 + mu / 100, (kDaysPerYear - 1) / kDaysPerYear);
}

/** z-score of the current APY against the pool's history: (apy − mu) / sd(APY). NaN when unknown. */
export function apyZScore(apy: number, mu: number, sigma: number): number {
  const sd = sigmaToApyStdPct(sigma, mu);
  return sd === sd ? (apy - mu) / sd : kNaN;
}

/** z at or below which an APY above its mean costs nothing. */
export const kStabilityFreeZ = 1;
/** z-points over which the penalty rises to its maximum (reached at z = 1 + 3 = 4). */
export const kStabilitySpanZ = 3;
// (read by stabilityRiskPoints from a module-private copy: an optimized function reading an exported
// binding that holds a non-integer number allocates a heap number per read)
const kStabilityMaxPoints = 1.5;
/** Risk points (of 10) added at the maximum. */
export const kStabilityMaxRiskPoints = kStabilityMaxPoints;

/**
 * Risk points for an APY far above the pool's own history: an APY more than one standard deviation
 * above its mean is likely to revert (or is a glitch), so it adds
 *   1.5 · clamp((z − 1)/3, 0, 1)
 * points to the 0–10 risk: nothing at z ≤ 1, 0.5 at z = 2, 1.5 from z = 4. An APY below its mean
 * adds nothing (a low APY already scores low). NaN z (no history) adds nothing.
 */
export function stabilityRiskPoints(z: number): number {
  if (!(z > kStabilityFreeZ)) return 0;
  const x = (z - kStabilityFreeZ) / kStabilitySpanZ;
  return kStabilityMaxPoints * (x < 1 ? x : 1);
}

/**
 * The market-score factor of a DefiLlama prediction, predictedUp = P(the APY holds or rises):
 *   factor = min(1, 2 · predictedUp)
 * The score already assumes today's APY holds, so a Stable/Up call (predictedUp ≥ 0.5) adds
 * nothing; a Down call at probability q (predictedUp = 1 − q) cuts the market term by 2q − 1:
 * Down at 60 % → 0.8, at 100 % → 0. Unknown (NaN) → 1.
 */
export function predictionFactor(predictedUp: number): number {
  if (predictedUp !== predictedUp) return 1;
  const f = 2 * predictedUp;
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

// ---- Clean yield data: quarantine of implausible jumps -------------------------------------------
// The floors as module-private constants for the hot path: an optimized function that reads an
// exported module binding holding a non-integer number allocates a heap number per read (16 B per
// yield update in screenYieldPacked); a private one is read without.
const kApyFloor = 0.1;
const kTvlFloor = 10_000;
/** APY below which a jump is measured from this floor (percentage points): 0 → 0.3 % is no spike. */
export const kApyJumpFloorPct = kApyFloor;
/** TVL below which a jump is measured from this floor (USD). */
export const kTvlJumpFloorUsd = kTvlFloor;

/** true when `next` is more than `factor` times `prev` (prev floored at `floor`). */
export function isUpJump(prev: number, next: number, factor: number, floor: number): boolean {
  return next > factor * (prev > floor ? prev : floor);
}

export const kScreenAccept = 0; // use the update
export const kScreenHold = 1; // quarantine it: keep scoring on the last accepted values
export const kScreenConfirm = 2; // it confirms the quarantined jump: use it
export const kScreenDismiss = 3; // the quarantined jump was not confirmed: drop it, use this update
export const kScreenRepeat = 4; // the held update again, at the same event time: still held, not counted again

/**
 * The quarantine rule for one pool update (APY in percent, TVL in USD, times in µs):
 *  1. No accepted update yet (accTs NaN): accept.
 *  2. The update jumps when its APY is more than `factor` × the last accepted APY (floored at
 *     0.1 pp) or its TVL more than `factor` × the last accepted TVL (floored at 10 000 USD), and
 *     it comes less than `windowUs` after the last accepted update. Only rises are screened (as
 *     DefiLlama does before it stores a pool's values): a collapse is news to act on at once.
 *  3. No jump: accept (and drop any quarantined update: that spike was not confirmed — Dismiss).
 *  4. A jump while an update is quarantined: one at the same event time is the same observation
 *     published again (a yield_opportunity_detected repeats its yield_update): still held, not
 *     counted again (Repeat). A later one that agrees with it — neither's APY nor TVL is more than
 *     `factor` times the other's — shows the new level held: accept (Confirm). Otherwise hold the
 *     newer one in quarantine in place of the older.
 *  5. A jump with nothing quarantined: hold it (Hold).
 * pendApy is NaN when nothing is quarantined; pendTs is the event time of the held update.
 */
export function screenYieldUpdate(
  accApy: number, accTvl: number, accTs: number, pendApy: number, pendTvl: number, pendTs: number,
  apy: number, tvl: number, ts: number, factor: number, windowUs: number,
): number {
  const x = kScreenScratch;
  x[kScrAccApy] = accApy; x[kScrAccTvl] = accTvl; x[kScrAccTs] = accTs;
  x[kScrPendApy] = pendApy; x[kScrPendTvl] = pendTvl; x[kScrPendTs] = pendTs;
  x[kScrApy] = apy; x[kScrTvl] = tvl; x[kScrTs] = ts; x[kScrFactor] = factor; x[kScrWindowUs] = windowUs;
  return screenYieldPacked(x);
}

/** The inputs of screenYieldPacked, by index (the arguments of screenYieldUpdate, in order). */
export const kScrAccApy = 0, kScrAccTvl = 1, kScrAccTs = 2, kScrPendApy = 3, kScrPendTvl = 4, kScrPendTs = 5;
export const kScrApy = 6, kScrTvl = 7, kScrTs = 8, kScrFactor = 9, kScrWindowUs = 10;
export const kScreenInputs = 11;
const kScreenScratch = new Float64Array(kScreenInputs);

/**
 * screenYieldUpdate with its inputs in a Float64Array (indices kScr…): the same rule, for a hot
 * path that must not box doubles into arguments.
 */
export function screenYieldPacked(x: Float64Array): number {
  const accApy = x[kScrAccApy]!, accTvl = x[kScrAccTvl]!, accTs = x[kScrAccTs]!;
  const pendApy = x[kScrPendApy]!, pendTvl = x[kScrPendTvl]!, pendTs = x[kScrPendTs]!;
  const apy = x[kScrApy]!, tvl = x[kScrTvl]!, ts = x[kScrTs]!, factor = x[kScrFactor]!, windowUs = x[kScrWindowUs]!;
  if (accTs !== accTs) return kScreenAccept;
  const jump = ts - accTs < windowUs &&
    (isUpJump(accApy, apy, factor, kApyFloor) || isUpJump(accTvl, tvl, factor, kTvlFloor));
  const pending = pendApy === pendApy;
  if (!jump) return pending ? kScreenDismiss : kScreenAccept;
  if (pending && ts <= pendTs) return kScreenRepeat;
  if (pending &&
    !isUpJump(pendApy, apy, factor, kApyFloor) && !isUpJump(apy, pendApy, factor, kApyFloor) &&
    !isUpJump(pendTvl, tvl, factor, kTvlFloor) && !isUpJump(tvl, pendTvl, factor, kTvlFloor)) {
    return kScreenConfirm;
  }
  return kScreenHold;
}
