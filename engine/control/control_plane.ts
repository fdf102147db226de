// The control plane: a trading state per scope (the engine, one agent, one kind of action), the
// gate every proposed action passes after the validator, rate limits, automatic trips, the agents'
// circuit breakers and fail-closed handling of faults in the risk path.
//
// States, as a risk engine keeps them: ACTIVE (everything the validator allows passes); REDUCING
// (only exits, actions that lower exposure, pass, so positions can be unwound); HALTED (nothing
// passes). An action is held to the strictest of its engine, agent and kind scopes. Every change
// is a `trading_state` event; an operator's kill or resume is also a `kill_switch` event.
//
// Pause and stop: both take a scope out of trading (HALTED by default, or REDUCING). A pause keeps
// everything (the agents' state, open positions, actions waiting for approval) so a resume goes on
// where it left off. A stop also rejects the scope's actions waiting for approval (`onStop`), so a
// resume starts from nothing pending.
//
// The gate is on the decision path: with every scope ACTIVE and no rate limit it is two compares.
// Nothing allocates unless an action is refused or a state changes.
import type { Proposal, Verdict, Fill } from '../types.ts';
import type { Validator } from '../validate/validator.ts';
import { usdText } from '../usd_text.ts';
import { Breakers } from './breakers.ts';
import type { ControlConfig, TradingState, TripAction } from '../control_config.ts';
import { ControlLog } from './control_log.ts';
import { registerBlank, type Fields } from '../../protocol/snapshot.ts';

/** What the fill check and the P&L trips need of a filled action (a proposal, or an approved action). */
export type FillSubject = Pick<Proposal, 'agent' | 'key' | 'ts' | 'sizeUsd' | 'order'>;

export type ScopeKind = 'engine' | 'agent' | 'kind';
export interface ScopeRef { scope: ScopeKind; name: string }
export type StopMode = 'pause' | 'stop';

const kRank: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

export function scopeText(s: ScopeRef): string {
  return s.scope === 'engine' ? 'engine' : `${s.scope} ${s.name}`;
}

class Scope {
  state: TradingState = 'ACTIVE';
  mode: StopMode | null = null;
  reason = '';
  who = '';
  since = '';
  /** The refusal verdict while not ACTIVE (built when the state changes). */
  refusal: Verdict = { status: 'rejected', reason: '' };
  engagedAtMs = 0;
  engagedCycle = 0;
  awaitingEffect = false;
  awaitingReaction = false;
  /** From the change to the first consolidation held to it (cycles, µs): when it took effect. */
  effect: { cycles: number; us: number } | null = null;
  /** From the change to the first action it refused (cycles, µs): when one was next proposed. */
  reaction: { cycles: number; us: number } | null = null;
  /** Paper equity tracking for the drawdown trip. */
  pnlUsd = 0;
  peakUsd = 0;
  losses: number[] = []; // [ts, loss, ts, loss, ...] within the loss window
  /** Burst trip: event times of the latest rejections and data errors (a ring). */
  burst: Float64Array | null = null;
  burstN = 0;
  readonly ref: ScopeRef;
  constructor(ref: ScopeRef) { this.ref = ref; }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    this.state = v.f('state', this.state);
    this.mode = v.f('mode', this.mode);
    this.reason = v.f('reason', this.reason);
    this.who = v.f('who', this.who);
    this.since = v.f('since', this.since);
    this.refusal = v.f('refusal', this.refusal);
    this.engagedAtMs = v.f('engagedAtMs', this.engagedAtMs);
    this.engagedCycle = v.f('engagedCycle', this.engagedCycle);
    this.awaitingEffect = v.f('awaitingEffect', this.awaitingEffect);
    this.awaitingReaction = v.f('awaitingReaction', this.awaitingReaction);
    this.effect = v.f('effect', this.effect);
    this.reaction = v.f('reaction', this.reaction);
    this.pnlUsd = v.f('pnlUsd', this.pnlUsd);
    this.peakUsd = v.f('peakUsd', this.peakUsd);
    this.losses = v.f('losses', this.losses);
    this.burst = v.f('burst', this.burst);
    this.burstN = v.f('burstN', this.burstN);
    v.r('ref', this.ref);
  }
}
registerBlank('Scope', (field) => new Scope(field('ref') as ScopeRef));

/** A token bucket over event time (µs): `perSec` actions a second, bursts of up to `perSec`. */
class Bucket {
  tokens: number;
  lastUs = NaN;
  denied = 0;
  readonly perSec: number;
  constructor(perSec: number) { this.perSec = perSec; this.tokens = perSec; }
  take(nowUs: number): boolean {
    if (this.lastUs === this.lastUs && nowUs > this.lastUs) this.tokens = Math.min(this.perSec, this.tokens + (nowUs - this.lastUs) * this.perSec / 1e6);
    if (!(this.lastUs >= nowUs)) this.lastUs = nowUs;
    if (this.tokens >= 1) { this.tokens -= 1; return true; }
    this.denied++;
    return false;
  }
}

export interface ControlCounts {
  /** Actions refused because of a scope's state. */
  refusedHalted: number;
  refusedReducing: number;
  refusedBreaker: number;
  rateLimitedAgent: number;
  rateLimitedVenue: number;
  /** Faults in the risk path that halted a scope. */
  failClosed: number;
  fillCheckTrips: number;
  automaticTrips: number;
  /** Requests refused for a missing or wrong token. */
  unauthorized: number;
}

export class ControlPlane {
  readonly config: ControlConfig;
  readonly log: ControlLog;
  readonly breakers: Breakers;
  readonly counts: ControlCounts = {
    refusedHalted: 0, refusedReducing: 0, refusedBreaker: 0, rateLimitedAgent: 0, rateLimitedVenue: 0, failClosed: 0,
    fillCheckTrips: 0, automaticTrips: 0, unauthorized: 0,
  };
  /** Decisions by status since start (the page's live counts). */
  readonly decisions: Record<string, number> = { approved: 0, rejected: 0, pending_approval: 0 };
  readonly #engine = new Scope({ scope: 'engine', name: '' });
  readonly #agents = new Map<string, Scope>();
  readonly #kinds = new Map<string, Scope>();
  readonly #agentBuckets = new Map<string, Bucket>();
  readonly #venueBuckets = new Map<string, Bucket>();
  readonly #venueOf = new Map<string, string>();
  readonly #capitalUsd: number;
  #restricted = 0; // scopes not ACTIVE
  #awaitingEffect = 0; // scopes changed since the last consolidation
  /** The newest consolidated cycle (consolidation tells it: onCycle). */
  cycle = 0;
  /** Told of each action held for a person's approval (the approval queue). */
  onHeld: ((p: Proposal) => void) | null = null;
  /** Told when a scope is stopped (the approval queue rejects what waits in it). */
  onStop: ((scope: ScopeRef, who: string) => void) | null = null;
  /**
   * Called after every change of a scope's state (operator, signal, automatic trip or fail-closed):
   * the Kafka engine mirrors its operator's plane into each lane's this way (engine/kafka/lane_controls.ts).
   */
  onState: ((ref: ScopeRef, state: TradingState, who: string, reason: string, mode: StopMode | null) => void) | null = null;

  constructor(config: ControlConfig, opts: { log?: ControlLog; capitalUsd: number; capacity: number; maxAgentErrors: number }) {
    this.config = config;
    this.log = opts.log ?? new ControlLog(null);
    this.#capitalUsd = opts.capitalUsd;
    this.breakers = new Breakers(config.breaker, this.log, opts.capacity, opts.maxAgentErrors);
    this.breakers.onDataErrors = (agent, n, nowUs) => { for (let i = 0; i < n; i++) this.#burst(agent, nowUs, 'data errors'); };
  }

  #scope(ref: ScopeRef, create: boolean): Scope | undefined {
    if (ref.scope === 'engine') return this.#engine;
    const map = ref.scope === 'agent' ? this.#agents : this.#kinds;
    let s = map.get(ref.name);
    if (s === undefined && create) map.set(ref.name, (s = new Scope({ scope: ref.scope, name: ref.name })));
    return s;
  }

  /** Consolidation of `cycle` begins: a state changed since the last one is in force from here. */
  onCycle(cycle: number): void {
    this.cycle = cycle;
    if (this.#awaitingEffect === 0) return;
    const now = performance.now();
    for (const s of [this.#engine, ...this.#agents.values(), ...this.#kinds.values()]) {
      if (!s.awaitingEffect) continue;
      s.awaitingEffect = false;
      s.effect = { cycles: cycle - s.engagedCycle, us: Math.round((now - s.engagedAtMs) * 1000) };
    }
    this.#awaitingEffect = 0;
  }

  stateOf(ref: ScopeRef): TradingState { return this.#scope(ref, false)?.state ?? 'ACTIVE'; }

  /** Moves a scope to `state`; returns false when it already was there. Every change is a `trading_state` event. */
  setState(ref: ScopeRef, state: TradingState, who: string, reason: string, mode: StopMode | null = null): boolean {
    const s = this.#scope(ref, true)!;
    if (s.state === state && s.mode === mode) return false;
    const from = s.state;
    if (from === 'ACTIVE' && state !== 'ACTIVE') this.#restricted++;
    if (from !== 'ACTIVE' && state === 'ACTIVE') this.#restricted--;
    s.state = state;
    s.mode = state === 'ACTIVE' ? null : mode;
    s.reason = reason;
    s.who = who;
    s.since = new Date().toISOString();
    const name = scopeText(ref);
    s.refusal = {
      status: 'rejected',
      reason: state === 'HALTED' ? `kill switch: ${name} HALTED (${reason})` : `kill switch: ${name} REDUCING, only exposure-lowering actions pass (${reason})`,
    };
    if (state !== 'ACTIVE') {
      s.engagedAtMs = performance.now();
      s.engagedCycle = this.cycle;
      s.awaitingReaction = true;
      s.reaction = null;
      if (!s.awaitingEffect) this.#awaitingEffect++;
      s.awaitingEffect = true;
      s.effect = null;
    }
    this.log.write('trading_state', who, { scope: ref.scope, name: ref.name, from, to: state, mode: s.mode, reason, cycle: this.cycle });
    this.onState?.(ref, state, who, reason, s.mode);
    return true;
  }

  /** The scopes not ACTIVE now, with who set them and why (a plane that starts later copies them). */
  restricted(): { ref: ScopeRef; state: TradingState; mode: StopMode | null; who: string; reason: string }[] {
    const all = [this.#engine, ...this.#agents.values(), ...this.#kinds.values()];
    return all.filter((s) => s.state !== 'ACTIVE').map((s) => ({ ref: s.ref, state: s.state, mode: s.mode, who: s.who, reason: s.reason }));
  }

  /** An operator's kill: the scope leaves trading (pause keeps what waits for approval, stop rejects it). */
  kill(ref: ScopeRef, who: string, opts: { state?: TripAction; mode?: StopMode; reason?: string } = {}): boolean {
    const state = opts.state ?? 'HALTED';
    const mode = opts.mode ?? 'pause';
    const reason = opts.reason ?? `${mode === 'stop' ? 'stopped' : 'paused'} by ${who}`;
    this.log.write('kill_switch', who, { op: 'engage', scope: ref.scope, name: ref.name, state, mode, reason, cycle: this.cycle });
    const changed = this.setState(ref, state, who, reason, mode);
    if (mode === 'stop') this.onStop?.(ref, who);
    return changed;
  }

  /** An operator's explicit resume: the scope is ACTIVE again. */
  resume(ref: ScopeRef, who: string): boolean {
    this.log.write('kill_switch', who, { op: 'resume', scope: ref.scope, name: ref.name, cycle: this.cycle });
    return this.setState(ref, 'ACTIVE', who, `resumed by ${who}`);
  }

  /** The strictest scope over an action, or null when all are ACTIVE. */
  #strictest(agent: string, kind: string): Scope | null {
    let worst: Scope | null = this.#engine.state === 'ACTIVE' ? null : this.#engine;
    const a = this.#agents.get(agent);
    if (a !== undefined && a.state !== 'ACTIVE' && (worst === null || kRank[a.state] > kRank[worst.state])) worst = a;
    const k = this.#kinds.get(kind);
    if (k !== undefined && k.state !== 'ACTIVE' && (worst === null || kRank[k.state] > kRank[worst.state])) worst = k;
    return worst;
  }

  /** The trading state an agent's action of `kind` is held to. */
  effective(agent: string, kind: string): TradingState {
    return this.#restricted === 0 ? 'ACTIVE' : this.#strictest(agent, kind)?.state ?? 'ACTIVE';
  }

  /**
   * The validation stage with the control gate, failing closed: the validator's verdict, then the
   * scopes' states, the agent's breaker and the rate limits. An exception, or a non-finite value
   * where the risk path needs a number, halts the affected scope (the agent's; the engine's for
   * portfolio-wide values) and rejects the action with the reason.
   */
  review(p: Proposal, validator: Validator): Verdict {
    let v: Verdict;
    try {
      if (!Number.isFinite(validator.exposureUsd)) return this.#failClosed({ scope: 'engine', name: '' }, `total exposure is ${validator.exposureUsd}`);
      if (!Number.isFinite(validator.portfolioVarUsd)) return this.#failClosed({ scope: 'engine', name: '' }, `portfolio VaR is ${validator.portfolioVarUsd}`);
      if (!Number.isFinite(p.checkUsd) || !Number.isFinite(p.sizeUsd) || !Number.isFinite(p.expectedProfitUsd)) {
        return this.#failClosed({ scope: 'agent', name: p.agent }, `${p.kind} ${p.key}: a non-finite value (size ${p.sizeUsd}, size checked ${p.checkUsd}, expected profit ${p.expectedProfitUsd})`);
      }
      v = validator.review(p);
      v = this.#gate(p, v);
    } catch (err) {
      return this.#failClosed({ scope: 'agent', name: p.agent }, `the risk path threw on ${p.kind} ${p.key}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (v.status === 'rejected') this.#burst(p.agent, p.ts, 'rejections');
    return v;
  }

  #failClosed(ref: ScopeRef, why: string): Verdict {
    this.counts.failClosed++;
    const reason = `fail closed: ${why}`;
    this.setState(ref, 'HALTED', 'fail-closed', reason);
    return { status: 'rejected', reason };
  }

  #gate(p: Proposal, v: Verdict): Verdict {
    if (v.status === 'rejected') return v;
    if (this.#restricted > 0) {
      const s = this.#strictest(p.agent, p.kind);
      if (s !== null && (s.state === 'HALTED' || !p.exit)) {
        if (s.state === 'HALTED') this.counts.refusedHalted++;
        else this.counts.refusedReducing++;
        if (s.awaitingReaction) {
          s.awaitingReaction = false;
          s.reaction = { cycles: p.cycle - s.engagedCycle, us: Math.round((performance.now() - s.engagedAtMs) * 1000) };
        }
        return s.refusal;
      }
    }
    if (this.breakers.isOpen(p.agent)) {
      this.counts.refusedBreaker++;
      return { status: 'rejected', reason: `circuit breaker open for ${p.agent} (${this.breakers.reason(p.agent)})` };
    }
    const rl = this.config.rateLimits;
    if (rl.perAgentPerSec > 0) {
      let b = this.#agentBuckets.get(p.agent);
      if (b === undefined) this.#agentBuckets.set(p.agent, (b = new Bucket(rl.perAgentPerSec)));
      if (!b.take(p.ts)) {
        this.counts.rateLimitedAgent++;
        return { status: 'rejected', reason: `rate limit: ${p.agent} above ${rl.perAgentPerSec} actions/s` };
      }
    }
    if (rl.perVenuePerSec > 0) {
      for (let i = 0; i < p.instruments.length; i++) {
        const venue = this.#venue(p.instruments[i]!);
        let b = this.#venueBuckets.get(venue);
        if (b === undefined) this.#venueBuckets.set(venue, (b = new Bucket(rl.perVenuePerSec)));
        if (!b.take(p.ts)) {
          this.counts.rateLimitedVenue++;
          return { status: 'rejected', reason: `rate limit: venue ${venue} above ${rl.perVenuePerSec} actions/s` };
        }
      }
    }
    return v;
  }

  #venue(instrument: string): string {
    let v = this.#venueOf.get(instrument);
    if (v === undefined) {
      const i = instrument.indexOf(':');
      this.#venueOf.set(instrument, (v = i < 0 ? instrument : instrument.slice(0, i)));
    }
    return v;
  }

  /** An action the validator held for approval. */
  held(p: Proposal): void { this.onHeld?.(p); }

  /** Counts a decision by status (the page's live counts). */
  noteDecision(status: string): void { this.decisions[status] = (this.decisions[status] ?? 0) + 1; }

  /**
   * After an action was filled on paper: the post-execution check (fill against the decision's
   * expectation: price, size, cost; outside the bounds the agent's breaker trips) and the P&L
   * trips (drawdown from the running peak, losses within a window) for the agent and the engine.
   */
  filled(p: FillSubject, fill: Fill, pnlUsd: number): void {
    const why = this.#checkFill(p, fill);
    if (why !== null) {
      this.counts.fillCheckTrips++;
      this.breakers.trip(p.agent, `fill check on ${p.key}: ${why}`, p.ts);
    }
    if (pnlUsd !== 0) {
      this.#pnl(this.#engine, pnlUsd, p.ts);
      let a = this.#agents.get(p.agent);
      if (a === undefined) a = this.#scope({ scope: 'agent', name: p.agent }, true)!;
      this.#pnl(a, pnlUsd, p.ts);
    }
  }

  #checkFill(p: FillSubject, f: Fill): string | null {
    const fc = this.config.fillCheck;
    if (!(Number.isFinite(f.price) && f.price > 0)) return `fill price ${f.price} is not a positive number`;
    if (!Number.isFinite(f.qty) || !Number.isFinite(f.feeUsd) || !Number.isFinite(f.slippageUsd)) return `fill has a non-finite quantity or cost (qty ${f.qty}, fee ${f.feeUsd}, slippage ${f.slippageUsd})`;
    const size = p.sizeUsd;
    if (size > 0) {
      const cost = f.feeUsd + f.slippageUsd;
      if (cost > fc.maxCostFraction * size) return `fees and slippage ${usdText(cost)} above ${fc.maxCostFraction * 100}% of the size ${usdText(size)}`;
      const op = p.order?.op;
      if (op === 'enter_pool' || op === 'exit_pool' || op === 'carry' || op === 'triangular' || op === 'trade') {
        const notional = Math.abs(f.qty * f.price);
        if (Math.abs(notional - size) > fc.maxSizeDeviation * size) return `filled notional ${usdText(notional)} off the decision's size ${usdText(size)} by more than ${fc.maxSizeDeviation * 100}%`;
      }
    }
    return null;
  }

  #pnl(s: Scope, pnlUsd: number, ts: number): void {
    const t = this.config.trips;
    s.pnlUsd += pnlUsd;
    if (s.pnlUsd > s.peakUsd) s.peakUsd = s.pnlUsd;
    const name = scopeText(s.ref);
    if (t.drawdownFraction > 0) {
      const peakEquity = this.#capitalUsd + s.peakUsd;
      const dd = (s.peakUsd - s.pnlUsd) / peakEquity;
      if (dd >= t.drawdownFraction) this.#trip(s, t.drawdownAction, 'drawdown', `${name} paper equity ${(dd * 100).toFixed(2)}% below its peak ${usdText(peakEquity)} (limit ${t.drawdownFraction * 100}%)`);
    }
    if (t.lossLimitUsd > 0 && pnlUsd < 0) {
      const l = s.losses;
      l.push(ts, -pnlUsd);
      let i = 0;
      while (i < l.length && l[i]! < ts - t.lossWindowUs) i += 2;
      if (i > 0) l.splice(0, i);
      let sum = 0;
      for (let j = 1; j < l.length; j += 2) sum += l[j]!;
      if (sum > t.lossLimitUsd) this.#trip(s, t.lossAction, 'loss-window', `${name} lost ${usdText(sum)} within ${t.lossWindowUs / 1e6} s (limit ${usdText(t.lossLimitUsd)})`);
    }
  }

  /** A rejection or a data error of an agent; a burst of them trips the agent. */
  #burst(agent: string, ts: number, what: string): void {
    const t = this.config.trips;
    if (t.burstCount <= 0) return;
    const s = this.#agents.get(agent) ?? this.#scope({ scope: 'agent', name: agent }, true)!;
    const n = t.burstCount;
    s.burst ??= new Float64Array(n);
    const ring = s.burst;
    ring[s.burstN % n] = ts;
    s.burstN++;
    const oldest = s.burstN >= n ? ring[s.burstN % n]! : NaN; // the first of the latest n
    if (oldest === oldest && ts - oldest <= t.burstWindowUs) {
      this.#trip(s, t.burstAction, 'burst', `agent ${agent}: ${n} rejections or data errors within ${(ts - oldest) / 1e6} s (limit ${n} in ${t.burstWindowUs / 1e6} s; the latest: ${what})`);
    }
  }

  #trip(s: Scope, to: TripAction, rule: string, reason: string): void {
    if (kRank[s.state] >= kRank[to]) return;
    this.counts.automaticTrips++;
    this.setState(s.ref, to, `auto:${rule}`, reason);
  }

  /** GET /control: every scope that is not ACTIVE (and the engine's), breakers, counts. */
  snapshot(): Record<string, unknown> {
    const scope = (s: Scope): Record<string, unknown> => ({
      scope: s.ref.scope, ...(s.ref.scope === 'engine' ? {} : { name: s.ref.name }), state: s.state, mode: s.mode, reason: s.reason, who: s.who,
      since: s.since, engagedCycle: s.engagedCycle, effect: s.effect, reaction: s.reaction, pnlUsd: Math.round(s.pnlUsd * 100) / 100, peakPnlUsd: Math.round(s.peakUsd * 100) / 100,
    });
    const listed = (m: Map<string, Scope>): Record<string, unknown>[] => [...m.values()].filter((s) => s.state !== 'ACTIVE' || s.since !== '' || s.pnlUsd !== 0).map(scope);
    return {
      engine: scope(this.#engine), agents: listed(this.#agents), kinds: listed(this.#kinds), cycle: this.cycle,
      breakers: this.breakers.snapshot(), counts: { ...this.counts }, decisions: { ...this.decisions },
      rateLimits: this.config.rateLimits,
    };
  }

  /** Every scope's state (metrics). */
  states(): { ref: ScopeRef; state: TradingState; effect: { cycles: number; us: number } | null; reaction: { cycles: number; us: number } | null }[] {
    const all = [this.#engine, ...this.#agents.values(), ...this.#kinds.values()];
    return all.map((s) => ({ ref: s.ref, state: s.state, effect: s.effect, reaction: s.reaction }));
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('config');
    v.r('log', this.log);
    v.r('breakers', this.breakers);
    v.r('counts', this.counts);
    v.r('decisions', this.decisions);
    v.r('engine', this.#engine);
    v.r('agents', this.#agents);
    v.r('kinds', this.#kinds);
    v.r('agentBuckets', this.#agentBuckets);
    v.r('venueBuckets', this.#venueBuckets);
    v.r('venueOf', this.#venueOf);
    v.r('capitalUsd', this.#capitalUsd);
    this.#restricted = v.f('restricted', this.#restricted);
    this.#awaitingEffect = v.f('awaitingEffect', this.#awaitingEffect);
    this.cycle = v.f('cycle', this.cycle);
    this.onHeld = v.f('onHeld', this.onHeld);
    this.onStop = v.f('onStop', this.onStop);
    v.b('onState');
  }
}
