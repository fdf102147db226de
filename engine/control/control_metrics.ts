// The operator controls in Prometheus metrics: read from the control plane when scraped (collect
// callbacks), so the decision path never touches prom-client. Its own registry; the engine serves
// it at /metrics (or merges it with the engine's: prom-client Registry.merge).
import { Gauge, Registry } from 'prom-client';
import type { ApprovalQueue } from './approvals.ts';
import type { ControlPlane } from './control_plane.ts';

const kStateValue = { ACTIVE: 0, REDUCING: 1, HALTED: 2 } as const;
const kBreakerValue = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 } as const;

export function controlMetrics(control: ControlPlane, approvals: ApprovalQueue | null, registry = new Registry()): Registry {
  const g = (name: string, help: string, labelNames: string[], collect: (this: Gauge) => void): void => {
    new Gauge({ name, help, labelNames, registers: [registry], collect });
  };
  g('lucent_control_trading_state', 'Trading state per scope: 0 ACTIVE, 1 REDUCING, 2 HALTED', ['scope', 'name'], function () {
    this.reset();
    for (const s of control.states()) this.set({ scope: s.ref.scope, name: s.ref.name }, kStateValue[s.state]);
  });
  g('lucent_control_kill_effect_cycles', 'Cycles from a scope\'s latest change to the first consolidation held to it', ['scope', 'name'], function () {
    this.reset();
    for (const s of control.states()) if (s.effect !== null) this.set({ scope: s.ref.scope, name: s.ref.name }, s.effect.cycles);
  });
  g('lucent_control_kill_effect_seconds', 'Time from a scope\'s latest change to the first consolidation held to it', ['scope', 'name'], function () {
    this.reset();
    for (const s of control.states()) if (s.effect !== null) this.set({ scope: s.ref.scope, name: s.ref.name }, s.effect.us / 1e6);
  });
  g('lucent_control_kill_first_refusal_seconds', 'Time from a scope leaving ACTIVE to the first action it refused', ['scope', 'name'], function () {
    this.reset();
    for (const s of control.states()) if (s.reaction !== null) this.set({ scope: s.ref.scope, name: s.ref.name }, s.reaction.us / 1e6);
  });
  g('lucent_control_events_total', 'Control events written (kill_switch, trading_state, circuit_breaker, approval)', ['type'], function () {
    for (const [type, n] of Object.entries(control.log.counts)) this.set({ type }, n);
  });
  g('lucent_control_refused_total', 'Actions refused by the control gate, by cause; faults that failed closed; trips', ['cause'], function () {
    const c = control.counts;
    const rows: [string, number][] = [
      ['halted', c.refusedHalted], ['reducing', c.refusedReducing], ['breaker', c.refusedBreaker], ['rate_limit_agent', c.rateLimitedAgent],
      ['rate_limit_venue', c.rateLimitedVenue], ['fail_closed', c.failClosed], ['fill_check_trip', c.fillCheckTrips], ['automatic_trip', c.automaticTrips],
    ];
    for (const [cause, n] of rows) this.set({ cause }, n);
  });
  g('lucent_http_unauthorized_total', 'Requests refused for a missing or wrong bearer token', [], function () {
    this.set(control.counts.unauthorized);
  });
  g('lucent_breaker_state', 'Circuit breaker per agent: 0 CLOSED, 1 HALF_OPEN, 2 OPEN', ['agent'], function () {
    for (const b of control.breakers.snapshot()) this.set({ agent: b.agent }, kBreakerValue[b.state]);
  });
  g('lucent_breaker_transitions_total', 'Circuit breaker changes per agent, by the state entered', ['agent', 'to'], function () {
    for (const b of control.breakers.snapshot()) {
      this.set({ agent: b.agent, to: 'OPEN' }, b.opened);
      this.set({ agent: b.agent, to: 'HALF_OPEN' }, b.halfOpened);
      this.set({ agent: b.agent, to: 'CLOSED' }, b.closed);
    }
  });
  g('lucent_decisions_by_status', 'Decisions since start, by status', ['status'], function () {
    for (const [status, n] of Object.entries(control.decisions)) this.set({ status }, n);
  });
  if (approvals !== null) {
    g('lucent_approvals_pending', 'Actions waiting for a person', [], function () { this.set(approvals.size); });
    g('lucent_approvals_total', 'Approval outcomes since start', ['outcome'], function () {
      for (const [outcome, n] of Object.entries(approvals.outcomes)) this.set({ outcome }, n);
    });
  }
  return registry;
}
