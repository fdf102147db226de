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
    maxPoolAgeUs: number; // AMM pool states older than this are stale (pools change per block, not per quote)
    maxYieldAgeUs: number; // lending and yield-pool rates older than this are stale
    maxQuoteAgeUsByVenue: Record<string, number>; // per venue: its max input age (µs), instead of maxQuoteAgeUs / maxPoolAgeUs
    quoteAgeIntervals: number; // > 0: an input is fresh for at least this many of its own observed update intervals (0: off)
    redecideStepPct: number; // an open opportunity is decided again when its profit or size grew by this much (percent)
    triangular: {
      minProfitUsd: number; // report a cycle only when it nets at least this after fees, slippage and gas
      maxLegs: number; // longest cycle reported (2..6)
      v3RangeTicks: number; // a V3 pool without a tick map: its active liquidity is taken to hold this many ticks either side of its tick
    };
    yieldArb: {
      minNetSpreadPct: number; // net annual spread (percentage points, after the risk haircut) worth reporting
      horizonDays: number; // expected holding period: the carry is earned over it, gas paid once in and out
      liquidationBuffer: number; // fraction of the max LTV left unused (LTV used = maxLtv·(1 − buffer))
      lossAtZeroPct: number; // expected annual loss (percent) of a protocol with reliability 0 (the haircut's scale)
      maxBorrowShare: number; // largest share of the borrow market's TVL borrowed
    };
    statArb: {
      sampleUs: number; // market time between two samples of the assets' log mids
      windowSamples: number; // samples in the rolling least-squares window
      refitUs: number; // market time between two refits of one pair's hedge ratio
      maxRefitsPerCycle: number; // refits spread over cycles (mathjs allocates: never all pairs at once)
      maxAssets: number; // assets (with a USD price, in registry order) whose pairs are watched
      entryZ: number; // |z| at or above which the spread is an opportunity
      exitZ: number; // |z| the spread is expected to revert to (profit is counted to there)
      stopMultiple: number; // an open pair trade is stopped out when |z| widens (same side) to this multiple of its |z| at entry
      //   (default 10: a catastrophic stop; the default fixture's labelled episodes widen to 5-6x their entry z and revert)
      maxDfStat: number; // Dickey-Fuller statistic a pair must beat (be below) to count as mean-reverting (see stat_arb.ts)
      maxHalfLifeS: number; // slower reversion than this is not traded
      minR2: number; // R² of the hedge regression a pair needs (a spurious fit explains little)
      maxSpreadSdBps: number; // a tradable spread is tight: its residual σ (bps of y) at most this
      maxLegUsd: number; // notional per leg
      minProfitUsd: number;
    };
    gas: {
      priceGwei: number; // gas price the on-chain legs are costed at
      ethPriceAsset: string; // asset whose USD mid (from a USD-quoted book) prices gas
      ethUsdFallback: number; // used while that asset has no price (0: on-chain opportunities wait for one)
      unitsPerTx: number; // base cost of one transaction
      unitsPerAmmSwap: number; // per AMM leg of an arbitrage cycle (all legs in one transaction)
      unitsYieldEntry: number; // supply collateral, borrow, supply elsewhere
      unitsYieldExit: number; // withdraw, repay, withdraw collateral
    };
  };
  yield: {
    minApy: number; // percent
    minTvlUsd: number;
    maxRisk: number; // 0..10
    topK: number; // candidates published per cycle
    maxAllocationFraction: number; // of capital, per pool
    rewardHaircut: number; // 0..1: share of the reward APY (apyReward) not counted (finance/yield_signals.ts)
    quarantineFactor: number; // > 1: an APY or TVL rise beyond this multiple of the last accepted value is held
    quarantineWindowUs: number; // event time after the last accepted update within which such a rise is held (0 = never)
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
  covariance: {
    sampleUs: number; // market time between two samples of every asset's return (the covariance clock)
    lambda: number; // EWMA decay per sample
    minSamples: number; // returns an asset needs before it enters a covariance matrix
  };
  liquidity: {
    horizonDays: number; // horizon over which fee income and impermanent loss are compared
    hurdleApr: number; // net return (annual fraction) a position must beat to be sized above 0
    maxAllocationFraction: number; // of capital, per pool
    splitTradeUsd: number; // reference trade split across the pools of one pair
    refreshUs: number; // market time between two range optimisations of one pool
    volumeTauUs: number; // time constant of the volume rate (volume and observed time decay by e^(−dt/τ))
    minHistoryUs: number; // market time a pool must be watched before its volume (and so an LP position) counts
  };
  market: {
    windowSamples: number; // rolling window (covariance samples) of the regime and correlation statistics
    varianceRatioLag: number; // q of the variance ratio VR(q)
    regimeZ: number; // |z*| above which the regime is trending (z* > 0) or mean-reverting (z* < 0)
    majorMovePct: number; // move (percent) from the window's high or low that emits major_price_movement
    moveWindowUs: number; // window of that move
    cascadeUsd: number; // liquidated collateral (USD) within cascadeWindowUs that emits liquidation_cascade
    cascadeMinCount: number; // and at least this many liquidations
    cascadeWindowUs: number;
  };
  execution: {
    referenceTradeUsd: number; // trade size at which routes and slippage are quoted
    gasPriceGwei: number; // gas price for the gas-cost model
    slippageToleranceBps: number; // amountOutMinimum = quoted out × (1 − tolerance)
    deadlineSeconds: number; // transaction deadline after the decision's event time
    account: string; // recipient / onBehalfOf of the encoded transactions (nothing is signed or sent)
  };
}

export const kDefaultAgentConfig: AgentConfig = {
  capitalUsd: 10_000_000,
  fees: { defaultTaker: 0.001, venues: {} },
  arbitrage: {
    minNetEdgeBps: 1, impactBpsPerTopSize: 5, fixedCostUsd: 2, maxQuoteAgeUs: 2_000_000,
    maxPoolAgeUs: 15_000_000, maxYieldAgeUs: 120_000_000, redecideStepPct: 25,
    maxQuoteAgeUsByVenue: {}, quoteAgeIntervals: 0,
    triangular: { minProfitUsd: 5, maxLegs: 4, v3RangeTicks: 200 },
    yieldArb: { minNetSpreadPct: 1, horizonDays: 7, liquidationBuffer: 0.3, lossAtZeroPct: 10, maxBorrowShare: 0.05 },
    statArb: {
      sampleUs: 2_000_000, windowSamples: 150, refitUs: 30_000_000, maxRefitsPerCycle: 1, maxAssets: 16,
      entryZ: 3, exitZ: 0.5, stopMultiple: 10, maxDfStat: -5.5, maxHalfLifeS: 5, minR2: 0.6, maxSpreadSdBps: 8, maxLegUsd: 250_000,
      minProfitUsd: 10,
    },
    gas: {
      priceGwei: 20, ethPriceAsset: 'ETH', ethUsdFallback: 0, unitsPerTx: 21_000, unitsPerAmmSwap: 120_000,
      unitsYieldEntry: 600_000, unitsYieldExit: 450_000,
    },
  },
  yield: {
    minApy: 5, minTvlUsd: 1_000_000, maxRisk: 7, topK: 8, maxAllocationFraction: 0.05,
    rewardHaircut: 0.5, quarantineFactor: 5, quarantineWindowUs: 3_600_000_000,
  },
  risk: {
    ewmaLambda: 0.94, confidence: 0.99, horizonDays: 1, riskBudgetUsd: 100_000, liquidityCapFraction: 0.02,
    concentrationCap: 0.25, stopLossSigmas: 2, cascadeAlertUsd: 5_000_000,
  },
  portfolio: { driftBand: 0.05, costBps: 10, riskAversion: 4, horizonDays: 30, minAssets: 3 },
  covariance: { sampleUs: 1_000_000, lambda: 0.97, minSamples: 20 },
  liquidity: {
    horizonDays: 7, hurdleApr: 0.05, maxAllocationFraction: 0.05, splitTradeUsd: 1_000_000, refreshUs: 5_000_000,
    volumeTauUs: 3_600_000_000, minHistoryUs: 120_000_000,
  },
  market: {
    windowSamples: 120, varianceRatioLag: 4, regimeZ: 1.96, majorMovePct: 1, moveWindowUs: 30_000_000,
    cascadeUsd: 1_000_000, cascadeMinCount: 5, cascadeWindowUs: 60_000_000,
  },
  execution: {
    referenceTradeUsd: 100_000, gasPriceGwei: 20, slippageToleranceBps: 50, deadlineSeconds: 120,
    account: '0x000000000000000000000000000000000000dEaD',
  },
};

/** The taker fee of a venue, as a fraction. */
export function takerFee(cfg: AgentConfig, venue: string): number {
  const f = cfg.fees.venues[venue];
  return f === undefined ? cfg.fees.defaultTaker : f;
}
