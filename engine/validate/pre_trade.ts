// Pre-trade checks, as a risk engine runs them before any limit: every number of the proposal is
// finite (a non-finite one is also an error of the agent that made it, for its circuit breaker),
// an order has a positive notional, an arbitrage's net edge is not above
// plausibility.maxEdgeBps (such an edge is a data error, not an opportunity), and an order that
// adds risk trades only on books within the band of their asset's other venues and only on assets
// whose fresh sources agree (the plausibility gate's view). Runs per proposal, not per tick.
import type { PlausibilityGate } from '../plausibility/gate.ts';
import type { Proposal, Verdict } from '../types.ts';

/** What the pre-trade checks need of the validator. */
export interface AgentErrorCounter {
  agentOutputError(agent: string): void;
}

/** The rejection of `p`, or null when it passes the pre-trade checks. */
export function preTrade(p: Proposal, errors: AgentErrorCounter, gate: PlausibilityGate | null): Verdict | null {
  // Field by field and for-in, not an array of names or Object.entries: this runs per proposal,
  // and neither an iterator nor an entries array is allocated.
  if (!Number.isFinite(p.sizeUsd)) return notFinite(p, errors, gate, 'sizeUsd', p.sizeUsd);
  if (!Number.isFinite(p.expectedProfitUsd)) return notFinite(p, errors, gate, 'expectedProfitUsd', p.expectedProfitUsd);
  if (!Number.isFinite(p.score)) return notFinite(p, errors, gate, 'score', p.score);
  const order = p.order;
  if (order === null) return null;
  const fields = order as unknown as Record<string, unknown>;
  for (const k in fields) {
    if (!Object.hasOwn(fields, k)) continue;
    const v = fields[k];
    if (typeof v === 'number' && !Number.isFinite(v)) return notFinite(p, errors, gate, `order.${k}`, v);
  }
  if (!(p.sizeUsd > 0)) return rejectedBy(gate, `pre-trade: an order with a notional of ${p.sizeUsd} USD (must be positive)`);
  if (gate === null || !gate.cfg.enabled) return null;
  const c = gate.cfg;
  if (p.kind.startsWith('arbitrage') && !p.exit) {
    const edgeBps = (p.expectedProfitUsd / p.sizeUsd) * 1e4;
    if (edgeBps > c.maxEdgeBps) {
      return rejectedBy(gate, `pre-trade: net edge ${edgeBps.toFixed(1)} bps is above plausibility.maxEdgeBps ${c.maxEdgeBps}: a data error, not an opportunity`);
    }
  }
  if (p.exit) return null;
  const instruments = p.instruments;
  for (let i = 0; i < instruments.length; i++) {
    const key = instruments[i]!;
    const slot = gate.slotOf(key);
    if (slot < 0) continue;
    const dev = gate.bandDeviation(slot);
    if (dev > c.bandFraction) {
      return rejectedBy(gate, `pre-trade: the price of ${key} is ${(100 * dev).toFixed(2)} % from the median of the other venues, outside plausibility.bandFraction ${c.bandFraction}`);
    }
    const doubt = gate.assetDoubt(slot);
    if (doubt !== null) {
      gate.counts.doubtRejections++;
      return { status: 'rejected', reason: doubt };
    }
  }
  return null;
}

function notFinite(p: Proposal, errors: AgentErrorCounter, gate: PlausibilityGate | null, field: string, v: unknown): Verdict {
  errors.agentOutputError(p.agent);
  return rejectedBy(gate, `pre-trade: ${field} is not a finite number (${String(v)}); counted as an error of ${p.agent}`);
}

function rejectedBy(gate: PlausibilityGate | null, reason: string): Verdict {
  if (gate !== null) gate.counts.preTradeRejections++;
  return { status: 'rejected', reason };
}
