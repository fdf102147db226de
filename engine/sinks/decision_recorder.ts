// Records decided proposals: each becomes one decision, numbered in the order it was decided, its
// figures rounded (sizes and profits to cents, prices and quantities to 1e-8), with the ready
// transaction of an approved on-chain action attached (execute/transaction_encoder.ts), written to
// the decision sink and counted in the consolidation stats.
import { round } from '../consolidate/round.ts';
import type { ConsolidationStats } from '../consolidate/stats.ts';
import type { TransactionEncoder } from '../execute/transaction_encoder.ts';
import type { Decision, DecisionSink, Proposal } from '../types.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class DecisionRecorder {
  readonly #sink: DecisionSink;
  readonly #stats: ConsolidationStats;
  readonly #txs: TransactionEncoder | null;
  readonly #onRecord: ((p: Proposal, d: Decision) => void) | null;
  #seq = 0;

  /** `onRecord` sees each proposal with its decision (tests keep the unrounded figures). */
  constructor(sink: DecisionSink, stats: ConsolidationStats, txs: TransactionEncoder | null, onRecord?: (p: Proposal, d: Decision) => void) {
    this.#sink = sink;
    this.#stats = stats;
    this.#txs = txs;
    this.#onRecord = onRecord ?? null;
  }

  record(p: Proposal): Decision {
    const v = p.verdict, f = p.fill;
    const d: Decision = {
      key: p.key,
      seq: ++this.#seq,
      cycle: p.cycle,
      epoch: p.epoch,
      ts: p.ts,
      agent: p.agent,
      kind: p.kind,
      action: p.action,
      instruments: p.instruments,
      sizeUsd: round(p.sizeUsd, 2),
      expectedProfitUsd: round(p.expectedProfitUsd, 2),
      score: p.score,
      status: v.status,
      reason: v.reason,
      fill: f === null ? null : {
        price: round(f.price, 8), qty: round(f.qty, 8), feeUsd: round(f.feeUsd, 2), slippageUsd: round(f.slippageUsd, 2),
      },
    };
    if (this.#stats.missingAgents !== null) d.missingAgents = this.#stats.missingAgents;
    if (p.sighting > 0) d.sighting = p.sighting;
    if (this.#txs !== null && d.status === 'approved') {
      const tx = this.#txs.transactionFor(d);
      if (tx !== null) d.tx = tx;
    }
    this.#sink.write(d);
    this.#stats.noteDecision(d);
    this.#onRecord?.(p, d);
    return d;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('sink');
    v.b('stats');
    v.b('txs');
    v.b('onRecord');
    this.#seq = v.f('seq', this.#seq);
  }
}
