// Record kinds the agents publish (kRecKind of a result record) and their field meanings.
// Each comment lists: slotA, slotB, score, value, size, risk, aux.

/** Cross-exchange arbitrage: buy slot, sell slot, net edge (bps), net profit (USD), size (base units), execution risk 0..1, gross edge (bps). */
export const kRecArbCross = 1;
/** Yield candidate: pool slot, -1, fused score 0..1, APY (%), suggested allocation (USD), risk 0..10, protocol score 0..1. */
export const kRecYield = 2;
/** Risk alert: protocol or instrument slot, -1, severity 0..10, volume (USD), 0, 0, alert code. */
export const kRecRiskAlert = 3;
/** Portfolio risk: -1, -1, HHI, VaR (USD), CVaR (USD), composite risk 0..10, positions held. */
export const kRecPortfolioRisk = 4;
/** Target weight: representative book slot of the asset, -1, target weight, current weight, trade (USD, + buys), asset σ (daily), 1 if a rebalance is due now. */
export const kRecTargetWeight = 5;

export const kRecNames: Readonly<Record<number, string>> = {
  [kRecArbCross]: 'arbitrage_cross_exchange',
  [kRecYield]: 'yield_candidate',
  [kRecRiskAlert]: 'risk_alert',
  [kRecPortfolioRisk]: 'portfolio_risk',
  [kRecTargetWeight]: 'target_weight',
};

// Risk assessor's per-slot table (columns of its result region's table)
export const kRiskTableScore = 0; // composite risk 0..10
export const kRiskTableMaxPositionUsd = 1;
export const kRiskTableStopLoss = 2; // price level for a long position (NaN where not a price)
export const kRiskTableSigmaDaily = 3; // daily σ of the instrument's returns
export const kRiskTableWidth = 4;

// Alert codes (aux of kRecRiskAlert)
export const kAlertLiquidationCascade = 1;
export const kAlertLiquidations = 2;
export const kAlertGovernance = 3;
export const kAlertMajorMove = 4;
