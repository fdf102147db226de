// What consolidation counts as it goes: opportunities and decisions per agent and status, the ten
// most profitable opportunities, and the risk assessor's latest view of the portfolio. The run
// summary is built from it.
import type { Decision } from '../types.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export interface OpportunitySummary {
  agent: string;
  kind: string;
  instruments: string[];
  expectedProfitUsd: number;
  score: number;
  status: string;
  key: string;
}

/** What consolidation did with the opportunities of one arbitrage kind (cumulative). */
export interface ArbKindCounts {
  published: number; // records the detector published (an open opportunity, each cycle it stays open)
  decided: number; // decisions made (first sightings and material changes)
  approved: number; // of them approved (or held for a person's approval)
  unchanged: number; // not decided again: open and unchanged since it was last decided
  quoteTaken: number; // rejected: earlier fills had taken (almost) all of a leg's quote
  risk: number; // rejected by a risk gate (execution risk, instrument risk) or the validator
}

export class ConsolidationStats {
  /** Per arbitrage kind (arbitrage_cross_exchange, arbitrage_triangular): see ArbKindCounts. */
  readonly arbitrage: Record<string, ArbKindCounts> = {
    arbitrage_cross_exchange: { published: 0, decided: 0, approved: 0, unchanged: 0, quoteTaken: 0, risk: 0 },
    arbitrage_triangular: { published: 0, decided: 0, approved: 0, unchanged: 0, quoteTaken: 0, risk: 0 },
  };
  readonly opportunitiesByAgent: Record<string, number> = {};
  readonly decisionsByAgent: Record<string, number> = {};
  readonly decisionsByStatus: Record<string, number> = { approved: 0, rejected: 0, pending_approval: 0 };
  readonly top: OpportunitySummary[] = [];
  lastPortfolio = { hhi: 0, varUsd: 0, cvarUsd: 0, positions: 0 };
  decisions = 0;
  /** While a cycle is consolidated without some agents (their thread died or missed it): their names. */
  missingAgents: string[] | null = null;
  /** Cycles consolidated without some agent, and per agent the cycles it missed. */
  cyclesMissingAgents = 0;
  readonly missedByAgent: Record<string, number> = {};

  noteMissing(agents: string[]): void {
    this.missingAgents = agents;
    this.cyclesMissingAgents++;
    for (const a of agents) this.missedByAgent[a] = (this.missedByAgent[a] ?? 0) + 1;
  }

  noteOpportunity(agent: string): void { this.opportunitiesByAgent[agent] = (this.opportunitiesByAgent[agent] ?? 0) + 1; }
  noteDecision(d: Decision): void {
    this.decisions++;
    this.decisionsByAgent[d.agent] = (this.decisionsByAgent[d.agent] ?? 0) + 1;
    this.decisionsByStatus[d.status] = (this.decisionsByStatus[d.status] ?? 0) + 1;
    if (d.expectedProfitUsd > 0 || d.kind === 'yield_entry') {
      const top = this.top;
      const v = d.expectedProfitUsd;
      if (top.length < 10 || v > top[top.length - 1]!.expectedProfitUsd) {
        top.push({ agent: d.agent, kind: d.kind, instruments: d.instruments, expectedProfitUsd: d.expectedProfitUsd, score: d.score, status: d.status, key: d.key });
        top.sort((a, b) => b.expectedProfitUsd - a.expectedProfitUsd || (a.key < b.key ? -1 : 1));
        if (top.length > 10) top.pop();
      }
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('arbitrage', this.arbitrage);
    v.r('opportunitiesByAgent', this.opportunitiesByAgent);
    v.r('decisionsByAgent', this.decisionsByAgent);
    v.r('decisionsByStatus', this.decisionsByStatus);
    v.r('top', this.top);
    this.lastPortfolio = v.f('lastPortfolio', this.lastPortfolio);
    this.decisions = v.f('decisions', this.decisions);
    this.missingAgents = v.f('missingAgents', this.missingAgents);
    this.cyclesMissingAgents = v.f('cyclesMissingAgents', this.cyclesMissingAgents);
    v.r('missedByAgent', this.missedByAgent);
  }
}
