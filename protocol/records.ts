// Record kinds the agents publish (kRecKind of a result record) and their field meanings.
// Each comment lists: slotA, slotB, score, value, size, risk, aux (the fields kRecSlotA … kRecAux
// of layout.ts); a record whose fields mean something else names them below (kArbDetail*).
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecSlotB, kRecValue } from './layout.ts';

/** Cross-exchange arbitrage: buy slot, sell slot, net edge (bps), net profit (USD), size (base units), execution risk 0..1, gross edge (bps). Followed by a kRecArbDetail record. */
export const kRecArbCross = 1;
/** Yield candidate: pool slot, -1, fused score 0..1, APY (%), suggested allocation (USD), risk 0..10, protocol score 0..1. */
export const kRecYield = 2;
/** Risk alert: protocol or instrument slot, -1, severity 0..10, volume (USD), 0, 0, alert code. */
export const kRecRiskAlert = 3;
/** Portfolio risk: -1, -1, HHI, VaR (USD), CVaR (USD), composite risk 0..10, positions held. */
export const kRecPortfolioRisk = 4;
/** Target weight: representative book slot of the asset, -1, target weight, current weight, trade (USD, + buys), asset σ (daily), 1 if a rebalance is due now. */
export const kRecTargetWeight = 5;

// Kinds 20 and up: market analyzer, liquidity optimizer, execution optimizer, risk factors.
/** Regime of an asset: representative book slot, -1, variance ratio VR(q), EWMA σ (daily), lag-1 autocorrelation, robust z* of VR, regime (−1 mean-reverting, 0 random walk, +1 trending). Published when the regime changes. */
export const kRecMarketRegime = 20;
/** Market event (feeds back as a trigger): slot (book of the asset, or protocol), -1, change (percent; cascades: 0), price now (cascades: liquidation count), reference price (cascades: liquidated USD), severity 0..10, event code (kMarketEvent*). */
export const kRecMarketEvent = 21;
/** Liquidity provision: AMM pool slot, -1, net expected return (annual fraction, small position), fee return (annual fraction), suggested size (USD), expected IL (annual fraction, ≥ 0), log half-width h of the range (−1: full range). */
export const kRecLpRange = 22;
/** Trade split across the pools of one pair: pool slot, first pool of the pair (group), share of the trade (0..1), input to this pool (USD), saving of the split against the best single pool (bps of the trade), marginal rate after the trade (output per input), pools in the group. */
export const kRecTradeSplit = 23;
/** Execution plan for buying an asset with USD at the reference size: best venue slot, second venue slot of a split (-1: none), all-in cost (bps), slippage (USD), notional (USD), gas (USD), legs. */
export const kRecExecutionPlan = 24;
/** Market risk factors of the assets in the covariance: -1, -1, absorption ratio (first eigenvalue's share of the correlation matrix), mean pairwise correlation, portfolio σ (USD, daily), diversification ratio (Σ|eᵢ|σᵢ / σ_p), assets in the matrix. */
export const kRecMarketRiskFactors = 25;

// Kinds 40 and up: the arbitrage detector's opportunities beyond cross-exchange. Every arbitrage
// record (kRecArbCross included) is followed by one kRecArbDetail record that completes it.
/** Triangular arbitrage (a negative cycle of −ln rates inside one venue): first leg's slot, second leg's slot, net edge at the chosen size (bps of the input, after fees, slippage and gas), net profit (USD), max trade size (USD of the input), execution risk 0..1, legs + 10 × direction bits (bit i set: leg i sells the book's base / swaps token0 for token1). The cycle starts from the asset a USD price is known for. */
export const kRecArbTriangular = 40;
/** Yield arbitrage: borrow market slot, supply pool slot, net spread (percentage points a year, after the risk haircut and the dilution of the supply APY), expected profit over the estimated duration (USD, after gas in and out), size borrowed and supplied (USD), execution risk 0..1 (haircut / gross spread), risk haircut (percentage points a year). */
export const kRecArbYield = 41;
/** Statistical arbitrage on a pair's spread e = ln y − α − β·ln x: slot bought (book of the cheap asset), slot sold (book of the rich asset), z-score of the spread (z > 0: y is rich, so y is the asset sold), expected profit (USD: reversion to the exit z, net of the taker fees in and out on both legs and of slippage), notional of the y leg (USD; the x leg is β times it), execution risk 0..1 (half-life / the max half-life), hedge ratio β. */
export const kRecArbStatistical = 42;
/** Detail of the arbitrage record just before it: third leg's slot (-1), fourth leg's slot (-1), estimated duration (s), gas (USD), max trade size (USD), fees + slippage at that size (USD), age of the oldest input (s). */
export const kRecArbDetail = 43;
/** Statistical arbitrage exit, for a pair of assets the detector published a kRecArbStatistical for: a USD-quoted book of y, a USD-quoted book of x, z-score of the spread now with the fit the opportunity was published with (NaN while a price is unknown), 0, 0, 0, reason (kStatExit*). Published on kStatExitRepeatCycles cycles once the spread has reverted (|z| ≤ exitZ, or z changed sign), widened on to |z| ≥ stopMultiple·|z at entry| (stop-loss), or the trade has expired (stat_arb.ts); no kRecArbDetail follows. Consolidation closes the open pair trade on these two assets, if any. */
export const kRecArbStatExit = 44;

// Fields of a kRecArbDetail record
export const kArbDetailLeg3 = kRecSlotA; // third leg's slot (-1: none)
export const kArbDetailLeg4 = kRecSlotB; // fourth leg's slot (-1: none)
export const kArbDetailDurationS = kRecScore; // estimated duration (s)
export const kArbDetailGasUsd = kRecValue;
export const kArbDetailMaxSizeUsd = kRecSize;
export const kArbDetailCostsUsd = kRecRisk; // fees + slippage at the max size (USD)
export const kArbDetailInputAgeS = kRecAux; // age of the oldest input (s)

export const kRecNames: Readonly<Record<number, string>> = {
  [kRecArbCross]: 'arbitrage_cross_exchange',
  [kRecArbTriangular]: 'arbitrage_triangular',
  [kRecArbYield]: 'arbitrage_yield',
  [kRecArbStatistical]: 'arbitrage_statistical',
  [kRecArbDetail]: 'arbitrage_detail',
  [kRecArbStatExit]: 'arbitrage_statistical_exit',
  [kRecYield]: 'yield_candidate',
  [kRecRiskAlert]: 'risk_alert',
  [kRecPortfolioRisk]: 'portfolio_risk',
  [kRecTargetWeight]: 'target_weight',
  [kRecMarketRegime]: 'market_regime',
  [kRecMarketEvent]: 'market_event',
  [kRecLpRange]: 'liquidity_range',
  [kRecTradeSplit]: 'trade_split',
  [kRecExecutionPlan]: 'execution_plan',
  [kRecMarketRiskFactors]: 'market_risk_factors',
};

// Market event codes (aux of kRecMarketEvent)
export const kMarketEventMajorMove = 1;
export const kMarketEventCascade = 2;

// Risk assessor's per-slot table (columns of its result region's table)
export const kRiskTableScore = 0; // composite risk 0..10
export const kRiskTableMaxPositionUsd = 1;
export const kRiskTableStopLoss = 2; // price level for a long position (NaN where not a price)
export const kRiskTableSigmaDaily = 3; // daily σ of the instrument's returns
export const kRiskTableContractRisk = 4; // smart-contract risk 0..1 (1 − protocol reliability); NaN for books
export const kRiskTableLiquidityRisk = 5; // liquidity risk 0..1 of the position (or of the max position) against depth / TVL
export const kRiskTableIl = 6; // AMM pools: impermanent loss (≤ 0) since the reference price (entry, or first seen)
export const kRiskTableIlAtRisk = 7; // AMM pools: IL (≤ 0) at the VaR-quantile move over the horizon
export const kRiskTableWidth = 8;

// Market analyzer's per-slot table (its representative books)
export const kMarketTableSigmaDaily = 0; // EWMA σ (daily) from the covariance clock
export const kMarketTableVarianceRatio = 1; // VR(q) over the window
export const kMarketTableZ = 2; // robust z* of VR
export const kMarketTableRegime = 3; // −1 / 0 / +1
export const kMarketTableCorrToRef = 4; // rolling correlation with the reference asset (BTC, else the first)
export const kMarketTableAutocorr = 5; // lag-1 autocorrelation of returns over the window
export const kMarketTableWidth = 6;

// Liquidity optimizer's per-slot table (AMM pools)
export const kLiqTableVolumeUsdDay = 0; // estimated traded volume (USD per day)
export const kLiqTableFeeAprFullRange = 1; // fee income per $ of full-range liquidity (annual fraction)
export const kLiqTableSigmaDaily = 2; // σ (daily) of the pool price
export const kLiqTableTvlUsd = 3; // full-range-equivalent value of the active liquidity (USD)
export const kLiqTableWidth = 4;

// Execution optimizer's per-slot table (books and AMM pools quoted in USD), for buying the reference size
export const kExecTableCostBps = 0; // all-in cost: fee + slippage + gas (bps of notional)
export const kExecTableSlippageBps = 1; // slippage against the venue's first-unit price (bps)
export const kExecTableGasUsd = 2; // gas of the leg (USD; 0 on a centralised venue)
export const kExecTableMaxSizeUsd = 3; // largest buy whose slippage stays within the tolerance (USD)
export const kExecTableWidth = 4;

// Statistical arbitrage exit reasons (aux of kRecArbStatExit)
export const kStatExitReverted = 1; // |z| fell to exitZ or below, or z changed sign
export const kStatExitExpired = 2; // not reverted within the holding limit (stat_arb.ts kExitHoldFactor)
export const kStatExitStopped = 3; // the spread widened on, |z| ≥ stopMultiple·|z at entry|: the stop-loss
/** Cycles a kRecArbStatExit is repeated for (in realtime, consolidation may skip a cycle's records). */
export const kStatExitRepeatCycles = 4;

// Alert codes (aux of kRecRiskAlert)
export const kAlertLiquidationCascade = 1;
export const kAlertLiquidations = 2;
export const kAlertGovernance = 3;
export const kAlertMajorMove = 4;
