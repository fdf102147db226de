// The pipeline's roles and the event vocabulary, in one place.
//   source ──► decode ──► market state ──► trigger ──► agents ──► consolidate ──► validate ──► execute ──► sinks

// ---- Event types (codes stored in the tape) ---------------------------------------------------
export const kTypePrice = 1;
export const kTypeYield = 2;
export const kTypePool = 3;
export const kTypeLiquidation = 4;
export const kTypeGovernance = 5;
export const kTypeYieldOpportunity = 6;
export const kTypeMajorPriceMove = 7;
export const kTypeLiquidationCascade = 8;
export const kTypeGovernancePassed = 9;

export const kEventTypeCodes: Readonly<Record<string, number>> = {
  price_update: kTypePrice,
  yield_update: kTypeYield,
  pool_update: kTypePool,
  liquidation: kTypeLiquidation,
  governance: kTypeGovernance,
  yield_opportunity_detected: kTypeYieldOpportunity,
  major_price_movement: kTypeMajorPriceMove,
  liquidation_cascade: kTypeLiquidationCascade,
  governance_proposal_passed: kTypeGovernancePassed,
};
export const kEventTypeNames: readonly string[] = [
  'none', 'price_update', 'yield_update', 'pool_update', 'liquidation', 'governance',
  'yield_opportunity_detected', 'major_price_movement', 'liquidation_cascade', 'governance_proposal_passed',
];
/** The record's high-impact kinds: they always trigger a cycle. */
export function isHighImpact(type: number): boolean {
  return type >= kTypeYieldOpportunity;
}

/** The envelope every source produces. `ts` is event time in integer µs since the Unix epoch. */
export interface MarketEvent {
  ts: number;
  type: string;
  topic: string;
  key: string;
  data: Record<string, unknown>;
}

/** A message that could not enter the state, with where it came from and why. */
export interface DeadLetter {
  source: string; // e.g. "fixtures/default.jsonl.gz:1234" or "kafka:market.prices.x/3@1234"
  reason: string;
  raw: string;
}

// ---- Pipeline roles ---------------------------------------------------------------------------
/** A consolidated, validated decision as it is written to the decision sink. */
export interface Decision {
  key: string; // idempotency key: stable across runs and thread counts
  seq: number;
  cycle: number;
  epoch: number;
  ts: number; // event time of the tick that caused it (µs)
  agent: string;
  kind: string;
  action: string;
  instruments: string[];
  sizeUsd: number;
  expectedProfitUsd: number;
  score: number;
  status: 'approved' | 'rejected' | 'pending_approval';
  reason: string;
  fill: { price: number; qty: number; feeUsd: number; slippageUsd: number } | null;
  /**
   * The ready transaction of an approved on-chain action (execution optimizer), for a signer
   * downstream: nothing is signed or sent. `value` in wei (decimal string), `gasEstimate` in gas units.
   */
  tx?: { to: string; data: string; value: string; gasEstimate: number };
}

/** Where decisions go. `write` must not block the hot path: sinks buffer and flush. */
export interface DecisionSink {
  write(decision: Decision): void;
  /** Resolves when everything written so far is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A stateful part with a lifecycle. */
export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}
