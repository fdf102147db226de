// Yield arbitrage economics: borrow an asset on one lending market at its borrow APY and supply it
// on another market at a higher supply APY, net of the risks the position carries.
//
// Position per unit borrowed (B = 1): collateral C = 1/λ of the same asset is posted on the borrow
// market, where λ = maxLtv·(1 − liquidationBuffer) is the loan-to-value actually used (the buffer
// keeps the loan away from the liquidation threshold while interest accrues); the borrowed unit is
// supplied on the other market. Risk haircut, percentage points a year on the borrowed amount:
//   supply side:  (1 − reliabilitySupply)·L         the borrowed unit is lost if that market fails
//   borrow side:  (1 − reliabilityBorrow)·L·(1/λ − 1) if the borrow market fails the collateral is
//                 lost but the debt need not be repaid: the net loss is C − B = 1/λ − 1
// where L (lossAtZeroPct) is the expected annual loss, in percent, of a protocol with reliability
// 0 (reliability from the protocol table in yield_score.ts). The collateral is taken to be the
// borrowed asset itself, so no price move can liquidate it; a cross-asset loop would need a price
// term as well. The collateral's own supply yield is not counted (it is the trader's capital).
//
// Size. Supplying A into a pool of TVL T dilutes its supply APY to s·T/(T + A) (interest and
// rewards are shared by more deposits; the borrow side's rate is taken as fixed up to the size
// cap). With c = borrowApy + haircut, the yearly profit A·(s·T/(T + A) − c) has marginal
// s·T²/(T + A)² − c, which falls to zero at A* = T·(√(s/c) − 1).

const kNaN = NaN;

/**
 * The risk haircut (percentage points a year on the borrowed amount) described above. Returns NaN
 * for reliabilities outside [0, 1], maxLtv outside (0, 1], a buffer outside [0, 1) or a negative L.
 * Example: reliabilities 0.97 (borrow) and 0.745 (supply), maxLtv 0.8, buffer 0.3, L 10:
 * λ = 0.56, haircut = 0.255·10 + 0.03·10·(1/0.56 − 1) = 2.55 + 0.2357 = 2.7857.
 */
export function yieldRiskHaircut(
  reliabilityBorrow: number, reliabilitySupply: number, maxLtv: number, liquidationBuffer: number, lossAtZeroPct: number,
): number {
  if (!(reliabilityBorrow >= 0 && reliabilityBorrow <= 1 && reliabilitySupply >= 0 && reliabilitySupply <= 1 &&
    maxLtv > 0 && maxLtv <= 1 && liquidationBuffer >= 0 && liquidationBuffer < 1 && lossAtZeroPct >= 0)) return kNaN;
  const lambda = maxLtv * (1 - liquidationBuffer);
  return (1 - reliabilitySupply) * lossAtZeroPct + (1 - reliabilityBorrow) * lossAtZeroPct * (1 / lambda - 1);
}

// Output layout of yieldCarry (Float64Array of kCarryOutLength):
/** Amount borrowed and supplied, USD: min(A*, maxSize); 0 when nothing pays. */
export const kCarrySize = 0;
/** Net spread at that size, percentage points a year: s·T/(T + A) − borrowApy − haircut. */
export const kCarryNetSpread = 1;
/** Yearly profit at that size, USD: A·netSpread/100. */
export const kCarryAnnualUsd = 2;
/** Supply APY after the deposit dilutes it, percent. */
export const kCarryDilutedApy = 3;
/** Gross spread before the haircut and dilution, percentage points: supplyApy − borrowApy. */
export const kCarryGrossSpread = 4;
export const kCarryOutLength = 5;

/**
 * Size and net carry of borrowing at borrowApy and supplying at supplyApy into a pool of
 * supplyTvlUsd, with the haircut above, capped at maxSizeUsd. APYs in percent. Returns true when
 * the net spread at the chosen size is positive. Invalid input (NaN, TVL ≤ 0, negative cap) writes
 * NaN and returns false.
 * Example: s = 12, r = 5, h = 2, T = 10 M: c = 7, A* = 10 M·(√(12/7) − 1) = 3 093 073; diluted APY
 * 12·10/13.093 = 9.1652, net 2.1652 pp, 66 970 USD a year.
 */
export function yieldCarry(
  out: Float64Array, supplyApy: number, supplyTvlUsd: number, borrowApy: number, haircut: number, maxSizeUsd: number,
): boolean {
  if (!(supplyTvlUsd > 0 && maxSizeUsd >= 0 && haircut >= 0) || Number.isNaN(supplyApy) || Number.isNaN(borrowApy)) {
    out.fill(kNaN, 0, kCarryOutLength);
    return false;
  }
  const c = borrowApy + haircut;
  out[kCarryGrossSpread] = supplyApy - borrowApy;
  let size = 0;
  if (supplyApy > c && supplyApy > 0) {
    size = c > 0 ? supplyTvlUsd * (Math.sqrt(supplyApy / c) - 1) : maxSizeUsd;
    if (size > maxSizeUsd) size = maxSizeUsd;
  }
  const diluted = supplyApy * supplyTvlUsd / (supplyTvlUsd + size);
  const net = diluted - c;
  if (!(size > 0 && net > 0)) {
    out[kCarrySize] = 0;
    out[kCarryNetSpread] = supplyApy - c;
    out[kCarryAnnualUsd] = 0;
    out[kCarryDilutedApy] = supplyApy;
    return false;
  }
  out[kCarrySize] = size;
  out[kCarryNetSpread] = net;
  out[kCarryAnnualUsd] = size * net / 100;
  out[kCarryDilutedApy] = diluted;
  return true;
}
