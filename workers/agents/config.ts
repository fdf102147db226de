// The agents' parameters: plain data, checked on the main thread (engine/options.ts) and handed
// to every agent thread once at start. Units are in the names or the comments.

export interface AgentConfig {
  capitalUsd: number; // capital the portfolio manages
  fees: {
    defaultTaker: number; // fraction per leg (0.001 = 10 bps)
    venues: Record<string, number>; // per-venue taker fee, fraction
  };
  arbitrage: {
    minNetEdgeBps: number; // report only opportunities at least this good after fees and slippage
    impactBpsPerTopSize: number; // linear impact: bps of price moved per one top-of-book size traded
    fixedCostUsd: number; // per opportunity (transfers, gas)
    maxQuoteAgeUs: number; // quotes older than this (event time) are stale and ignored
  };
  yield: {
    minApy: number; // percent
    minTvlUsd: number;
    maxRisk: number; // 0..10
    topK: number; // candidates published per cycle
    maxAllocationFraction: number; // of capital, per pool
  };
  risk: {
    ewmaLambda: number; // RiskMetrics decay
    confidence: number; // VaR confidence, e.g. 0.99
    horizonDays: number;
    riskBudgetUsd: number; // VaR a single position may carry
    liquidityCapFraction: number; // max position as a fraction of visible depth / TVL
    concentrationCap: number; // max fraction of capital in one instrument
    stopLossSigmas: number; // stop at k·σ·√h from the entry
    cascadeAlertUsd: number; // liquidation-cascade volume that raises an alert
  };
  portfolio: {
    driftBand: number; // absolute weight drift that may trigger a rebalance (0.05 = 5 points)
    costBps: number; // trading cost (bps of traded notional) assumed by the rebalance rule
    riskAversion: number; // λ of the mean-variance utility the rule weighs tracking error with
    horizonDays: number; // days the drift would be borne (time to the next review)
    minAssets: number; // assets needed before target weights are published
  };
}

export const kDefaultAgentConfig: AgentConfig = {
  capitalUsd: 10_000_000,
  fees: { defaultTaker: 0.001, venues: {} },
  arbitrage: { minNetEdgeBps: 1, impactBpsPerTopSize: 5, fixedCostUsd: 2, maxQuoteAgeUs: 2_000_000 },
  yield: { minApy: 5, minTvlUsd: 1_000_000, maxRisk: 7, topK: 8, maxAllocationFraction: 0.05 },
  risk: {
    ewmaLambda: 0.94, confidence: 0.99, horizonDays: 1, riskBudgetUsd: 100_000, liquidityCapFraction: 0.02,
    concentrationCap: 0.25, stopLossSigmas: 2, cascadeAlertUsd: 5_000_000,
  },
  portfolio: { driftBand: 0.05, costBps: 10, riskAversion: 4, horizonDays: 30, minAssets: 3 },
};

/** The taker fee of a venue, as a fraction. */
export function takerFee(cfg: AgentConfig, venue: string): number {
  const f = cfg.fees.venues[venue];
  return f === undefined ? cfg.fees.defaultTaker : f;
}
