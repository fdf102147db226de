import type { Fields } from '../../protocol/snapshot.ts';
// What consolidation learns that validation enforces: each agent's error count (its circuit
// breaker) and the risk assessor's portfolio VaR. Consolidation writes it as it reads the agents'
// regions and records; the validator reads it when it checks an action.
export class RiskView {
  /** Agent → errors plus missed cycles, from its result header. */
  readonly agentErrors = new Map<string, number>();
  /** The portfolio's value at risk (USD), from the risk assessor's latest portfolio record. */
  portfolioVarUsd = 0;

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('agentErrors', this.agentErrors);
    this.portfolioVarUsd = v.f('portfolioVarUsd', this.portfolioVarUsd);
  }
}
