// Validation: hard limits, the global kill switch, a circuit breaker per agent, the portfolio VaR
// limit, protocol cool-downs after risk alerts, and human approval above a value threshold.
// Every rejection says why.
import type { LimitsConfig } from '../options.ts';
import { usdText as usd } from '../usd_text.ts';

export interface Verdict {
  status: 'approved' | 'rejected' | 'pending_approval';
  reason: string;
}

export class Validator {
  readonly #limits: LimitsConfig;
  #killSwitch: boolean;
  readonly #breakerErrors = new Map<string, number>(); // agent → errors + missed cycles seen
  readonly #cooldownUntil = new Map<string, number>(); // protocol → event time (µs)
  portfolioVarUsd = 0;
  exposureUsd = 0;

  constructor(limits: LimitsConfig, killSwitch: boolean) {
    this.#limits = limits;
    this.#killSwitch = killSwitch;
  }

  get killSwitch(): boolean { return this.#killSwitch; }
  setKillSwitch(on: boolean): void { this.#killSwitch = on; }

  /** Records an agent's error count (from its result header plus missed cycles). */
  setAgentErrors(agent: string, errors: number): void { this.#breakerErrors.set(agent, errors); }
  breakerOpen(agent: string): boolean { return (this.#breakerErrors.get(agent) ?? 0) >= this.#limits.maxAgentErrors; }

  coolDown(protocol: string, untilUs: number): void {
    const cur = this.#cooldownUntil.get(protocol) ?? 0;
    if (untilUs > cur) this.#cooldownUntil.set(protocol, untilUs);
  }

  /**
   * Checks one proposed action. `increasesRisk` is false for exits and for market-neutral arbitrage.
   * `protocol` is '' where no protocol is involved.
   */
  check(agent: string, sizeUsd: number, increasesRisk: boolean, protocol: string, nowUs: number): Verdict {
    const l = this.#limits;
    if (this.#killSwitch) return { status: 'rejected', reason: 'kill switch engaged' };
    if (this.breakerOpen(agent)) return { status: 'rejected', reason: `circuit breaker open for ${agent} (${this.#breakerErrors.get(agent)} errors or missed cycles ≥ ${l.maxAgentErrors})` };
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
}

