// Validation: hard limits, the global kill switch, a circuit breaker per agent, the portfolio VaR
// limit, protocol cool-downs after risk alerts, and human approval above a value threshold.
// Every rejection says why. review() is the stage a proposed action passes through; settle()
// books the exposure of what was filled.
import type { LimitsConfig } from '../options.ts';
import type { Proposal, Verdict } from '../types.ts';
import { usdText as usd } from '../usd_text.ts';
import { RiskView } from './risk_view.ts';
import type { PlausibilityGate } from '../plausibility/gate.ts';
import { preTrade } from './pre_trade.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class Validator {
  readonly #limits: LimitsConfig;
  readonly #risk: RiskView;
  #killSwitch: boolean;
  readonly #cooldownUntil = new Map<string, number>(); // protocol → event time (µs)
  readonly #gate: PlausibilityGate | null;
  /** Proposals with a non-finite number, per agent: errors for its circuit breaker. */
  readonly #badOutput = new Map<string, number>();
  exposureUsd = 0;

  /**
   * `risk`: what consolidation learns (agents' errors, portfolio VaR); its own when none is given.
   * `gate`: the plausibility gate's view of the market for the pre-trade checks (none: only the
   * checks that need no market view).
   */
  constructor(limits: LimitsConfig, killSwitch: boolean, risk = new RiskView(), gate: PlausibilityGate | null = null) {
    this.#limits = limits;
    this.#killSwitch = killSwitch;
    this.#risk = risk;
    this.#gate = gate;
  }

  get killSwitch(): boolean { return this.#killSwitch; }
  setKillSwitch(on: boolean): void { this.#killSwitch = on; }

  get portfolioVarUsd(): number { return this.#risk.portfolioVarUsd; }
  set portfolioVarUsd(v: number) { this.#risk.portfolioVarUsd = v; }

  /** Records an agent's error count (from its result header plus missed cycles). */
  setAgentErrors(agent: string, errors: number): void { this.#risk.agentErrors.set(agent, errors); }
  /** The agent's errors: its own count and the proposals it made with a non-finite number. */
  agentErrors(agent: string): number { return (this.#risk.agentErrors.get(agent) ?? 0) + (this.#badOutput.get(agent) ?? 0); }
  breakerOpen(agent: string): boolean { return this.agentErrors(agent) >= this.#limits.maxAgentErrors; }
  /** Counts a proposal with a non-finite number as an error of its agent. */
  agentOutputError(agent: string): void { this.#badOutput.set(agent, (this.#badOutput.get(agent) ?? 0) + 1); }

  coolDown(protocol: string, untilUs: number): void {
    const cur = this.#cooldownUntil.get(protocol) ?? 0;
    if (untilUs > cur) this.#cooldownUntil.set(protocol, untilUs);
  }

  /**
   * Checks one proposed action (after the pre-trade checks of pre_trade.ts). `increasesRisk` is false for exits and for market-neutral arbitrage.
   * `protocol` is '' where no protocol is involved.
   */
  check(agent: string, sizeUsd: number, increasesRisk: boolean, protocol: string, nowUs: number): Verdict {
    const l = this.#limits;
    if (this.#killSwitch) return { status: 'rejected', reason: 'kill switch engaged' };
    if (this.breakerOpen(agent)) return { status: 'rejected', reason: `circuit breaker open for ${agent} (${this.agentErrors(agent)} errors or missed cycles ≥ ${l.maxAgentErrors})` };
    if (!(sizeUsd > 0)) return { status: 'rejected', reason: 'size is zero after risk limits' };
    if (sizeUsd > l.maxPositionUsd * (1 + 1e-9)) return { status: 'rejected', reason: `size ${usd(sizeUsd)} above the hard limit ${usd(l.maxPositionUsd)}` };
    if (increasesRisk) {
      if (this.exposureUsd + sizeUsd > l.maxTotalExposureUsd) return { status: 'rejected', reason: `total exposure would reach ${usd(this.exposureUsd + sizeUsd)}, above ${usd(l.maxTotalExposureUsd)}` };
      if (this.portfolioVarUsd > l.maxPortfolioVarUsd) return { status: 'rejected', reason: `portfolio VaR ${usd(this.portfolioVarUsd)} above ${usd(l.maxPortfolioVarUsd)}` };
      if (protocol !== '' && (this.#cooldownUntil.get(protocol) ?? 0) > nowUs) return { status: 'rejected', reason: `protocol ${protocol} is cooling down after a risk alert` };
    }
    if (sizeUsd > l.approvalThresholdUsd) return { status: 'pending_approval', reason: `size ${usd(sizeUsd)} above the approval threshold ${usd(l.approvalThresholdUsd)}` };
    return { status: 'approved', reason: 'within limits' };
  }

  /**
   * The validation stage of a proposed action: the pre-trade checks (pre_trade.ts: numbers
   * finite, notional, prices in band, net edge, assets not in doubt), then the fusion's own ruling
   * when it made one, else check(). A risk alert that pauses entries on a protocol starts its cool-down here.
   */
  review(p: Proposal): Verdict {
    const refused = preTrade(p, this, this.#gate);
    if (refused !== null) return refused;
    if (p.pauseUntilUs === p.pauseUntilUs && p.protocol !== '') this.coolDown(p.protocol, p.pauseUntilUs);
    return p.ruling ?? this.check(p.agent, p.checkUsd, p.increasesRisk, p.protocol, p.ts);
  }

  /** Books a filled proposal's exposure (a trade: what filled). */
  settle(p: Proposal): void {
    const f = p.fill;
    if (f === null) return;
    this.exposureUsd += p.exposureFromFill ? f.qty * f.price : p.exposureUsd;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('limits', this.#limits);
    v.r('risk', this.#risk);
    this.#killSwitch = v.f('killSwitch', this.#killSwitch);
    v.r('cooldownUntil', this.#cooldownUntil);
    v.r('gate', this.#gate);
    v.r('badOutput', this.#badOutput);
    this.exposureUsd = v.f('exposureUsd', this.exposureUsd);
  }
}
