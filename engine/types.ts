// The pipeline's roles and what passes between them, in one place (as Artemis declares its
// collector, strategy and executor):
//
//   Source ──events──► market state ──cycle──► Agent ──records──► Fusion ──Proposal──► validate ──► execute ──Decision──► DecisionSink
//   (file, Kafka)      (one writer)            (threads)           (consolidate)         (Verdict)    (Fill)
//
// A Source drives the per-event step (engine/step/); an Agent (workers/agents/agent.ts, reached
// through the agent catalog) writes records into its result region; a Fusion turns one agent's
// records into proposed actions and hands each to the next stages, which decide it (the
// validator), carry it out (the paper executor) and record it (a DecisionSink). buildPipeline
// (engine/pipeline.ts) wires them.
import type { DeadLetter } from '../protocol/events.ts';

/** Where market events come from: it drives the per-event step until its input ends or it is stopped. */
export interface Source {
  /** Starts reading; resolves once the source runs. */
  start(): Promise<void>;
  /** Settles when the input has ended (end of file, --until-end) or the source failed. */
  readonly done: Promise<void>;
  /** Stops reading; what was read is decided on first. */
  stop(): Promise<void>;
}

/** An agent: fed the slots that changed, it writes records into its own result region (the agent side declares it). */
export type { Agent } from '../workers/agents/index.ts';

/** One agent's consolidation: reads its records of the cycle and proposes actions (FusionContext.decide). */
export interface Fusion {
  consolidate(cycle: number, epoch: number, nowUs: number): void;
}

/** Where a message that could not enter the state goes (with its source and the reason). */
export interface DeadLetterSink {
  /** `rawLength`: the raw text's length before the caller cut it (for the note of what was cut). */
  add(dl: DeadLetter, rawLength?: number): void;
  /** Writes what is buffered. */
  flush(): void;
  readonly count: number;
}

/** Where decisions go. `write` must not block the hot path: sinks buffer and flush. */
export interface DecisionSink {
  write(decision: Decision): void;
  /** Resolves when everything written so far is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

// ---- What passes between the stages -----------------------------------------------------------

/** The validator's answer to a proposed action. */
export interface Verdict {
  status: 'approved' | 'rejected' | 'pending_approval';
  reason: string;
}

/** What the paper executor did for an order. */
export interface Fill {
  price: number;
  qty: number;
  feeUsd: number;
  slippageUsd: number;
}

/** A closing fill that realized a round trip reports its PnL (USD). */
export interface ClosingFill extends Fill {
  pnlUsd: number;
}

/** What the paper executor is asked to do for an approved action (paper_executor.ts has each in full). */
export type Order =
  | { op: 'arbitrage'; buy: number; sell: number; qty: number; quoteUsd: number; expectedProfitUsd: number }
  | { op: 'triangular'; legs: Int32Array; n: number; sizeUsd: number; expectedProfitUsd: number; gasUsd: number; costsUsd: number }
  | { op: 'carry'; borrow: number; supply: number; sizeUsd: number; gasUsd: number }
  | { op: 'pair_open'; buy: number; sell: number; buyUsd: number; sellUsd: number; quoteUsdBuy: number; quoteUsdSell: number }
  | {
    op: 'pair_close'; buy: number; sell: number; unitsBuy: number; unitsSell: number; quoteUsdBuy: number;
    quoteUsdSell: number; entryCashUsd: number;
  }
  | { op: 'enter_pool'; slot: number; sizeUsd: number }
  | { op: 'exit_pool'; slot: number }
  | { op: 'trade'; slot: number; tradeUsd: number };

/** The fields a decision is known by, from its proposal to its line in the log. */
interface DecisionFields {
  key: string; // idempotency key: stable across runs and thread counts
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
}

/**
 * An action a fusion proposes. The fusion fills in what it knows; the next stages fill in
 * `verdict` (the validator, or the fusion's own `ruling`) and `fill` (the paper executor), and
 * the decision is recorded from it (numbered and rounded).
 */
export interface Proposal extends DecisionFields {
  /** Decided by the fusion itself (a risk gate, a position already open, a note): no validator check. */
  ruling: Verdict | null;
  /** What the validator checks: the size (USD), whether the action adds risk, its protocol ('' none). */
  checkUsd: number;
  increasesRisk: boolean;
  protocol: string;
  /** An exit: carried out unless rejected (pending approval included), and then reported approved. */
  exit: boolean;
  /** What the executor does once the action may go ahead (null: nothing to fill). */
  order: Order | null;
  /** The validator's exposure moves by this when the action is filled (USD). */
  exposureUsd: number;
  /** A trade: the exposure moves by what filled (qty × price) instead. */
  exposureFromFill: boolean;
  /** The reason reported once the action goes ahead (null: the validator's). */
  approvedReason: string | null;
  /** The expected profit is the PnL the fill realized (a pair trade's close), added to the reason. */
  realizesPnl: boolean;
  /** A rejection of this proposal is not recorded (a refusal already said in this epoch). */
  quietIfRejected: boolean;
  /** A risk alert that pauses new entries on `protocol` until this event time (µs); NaN: none. */
  pauseUntilUs: number;
  /** Set by the next stages: the reported verdict, and the fill (null when nothing was filled). */
  verdict: Verdict;
  fill: Fill | null;
}

/** A decision as it is written to the decision sink. */
export interface Decision extends DecisionFields {
  seq: number;
  status: Verdict['status'];
  reason: string;
  fill: Fill | null;
  /**
   * The ready transaction of an approved on-chain action (execution optimizer), for a signer
   * downstream: nothing is signed or sent. `value` in wei (decimal string), `gasEstimate` in gas units.
   */
  tx?: { to: string; data: string; value: string; gasEstimate: number };
  /**
   * Agents whose result the cycle was consolidated without (their thread died mid-cycle or missed
   * the deadline): present only then.
   */
  missingAgents?: string[];
}
