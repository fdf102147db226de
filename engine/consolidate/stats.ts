// What consolidation counts as it goes: opportunities and decisions per agent and status, the ten
// most profitable opportunities, and the risk assessor's latest view of the portfolio. The run
// summary is built from it.
import type { Decision } from '../types.ts';

export interface OpportunitySummary {
  agent: string;
  kind: string;
  instruments: string[];
  expectedProfitUsd: number;
  score: number;
  status: string;
  key: string;
}

export class ConsolidationStats {
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
}
