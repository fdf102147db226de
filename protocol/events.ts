// The event vocabulary every source, the state writer and the agents share: the type codes stored
// in the tape, the envelope a source produces, and a message that could not enter the state.

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
