// The pipeline's roles and the event vocabulary, in one place.
//   source ──► decode ──► market state ──► trigger ──► agents ──► consolidate ──► validate ──► execute ──► sinks

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
