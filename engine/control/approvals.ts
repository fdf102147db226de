// Human approval: actions the validator holds (pending_approval) wait here for a person. The
// queue lives in the event store's `control` stream (`approval` events: requested, then one of
// approved, refused, rejected, expired), so it survives a restart: restore() rebuilds it. An action
// nobody answers within config.control.approval.ttlMs expires as rejected. An approval re-prices
// the action against the state at that moment: an instrument whose price moved more than
// maxPriceMove since the decision (or has no price now), a scope no longer ACTIVE, an open breaker
// or a limit the validator now refuses each refuse it, with the reason. Every outcome is audited
// with who (a token's name) and when.
import { createHash } from 'node:crypto';
import { kApy, kAsk, kBid, kKindAmm, kKindBook, kKindYield, kPrice } from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import type { PaperExecutor } from '../execute/paper_executor.ts';
import type { Decision, Fill, Order, Proposal } from '../types.ts';
import type { Validator } from '../validate/validator.ts';
import type { ControlPlane, ScopeRef } from './control_plane.ts';
import { usdText } from '../usd_text.ts';

/** The decision's own fields (ts: its event time, µs), then what the queue adds. */
export interface PendingAction extends Pick<Decision, 'key' | 'agent' | 'kind' | 'action' | 'instruments' | 'sizeUsd' | 'expectedProfitUsd' | 'score' | 'reason' | 'ts'> {
  id: string;
  createdAt: string;
  expiresAt: string;
  /** What the approval carries out, and what the validator checks again then. */
  order: (Omit<Order, 'legs'> & { legs?: number[] }) | null;
  checkUsd: number;
  increasesRisk: boolean;
  protocol: string;
  exposureUsd: number;
  exposureFromFill: boolean;
  /** Each instrument's price at the decision (book: mid; AMM: price; yield pool: APY; else null). */
  refPrices: (number | null)[];
}

export type ApprovalOutcome =
  | { status: 'approved'; id: string; fill: Fill | null; reason: string }
  | { status: 'refused' | 'rejected' | 'expired'; id: string; reason: string }
  | { status: 'not_found'; id: string; reason: string };

export interface ApprovalDeps {
  control: ControlPlane;
  validator: Validator;
  executor: PaperExecutor;
  view: MarketView;
  registry: RegistrySnapshot;
  /** Wall clock (ms); tests move it. */
  now?: () => number;
}

export function approvalId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

export class ApprovalQueue {
  readonly #d: ApprovalDeps;
  readonly #now: () => number;
  readonly #pending = new Map<string, PendingAction>();
  readonly #decided = new Set<string>();
  readonly #slotOf = new Map<string, number>();
  readonly #fields = new Float64Array(16);
  /** Outcomes by status since start. */
  readonly outcomes: Record<string, number> = { approved: 0, refused: 0, rejected: 0, expired: 0 };
  /** Told of each id that joins the queue (the HTTP routes register its paths). */
  onAdded: ((id: string) => void) | null = null;

  constructor(d: ApprovalDeps) {
    this.#d = d;
    this.#now = d.now ?? Date.now;
    for (let s = 0; s < d.registry.size; s++) this.#slotOf.set(d.registry.meta[s]!.key, s);
    d.control.onHeld = (p) => this.add(p);
    d.control.onStop = (scope, who) => this.rejectScope(scope, who);
  }

  get size(): number { return this.#pending.size; }

  /** Rebuilds the queue from the control stream (after a restart); expires what is overdue. Returns the pending count. */
  async restore(): Promise<number> {
    for (const e of await this.#d.control.log.readAll()) {
      if (e.type !== 'approval') continue;
      const data = e.data as { op?: string; id?: string; action?: PendingAction };
      if (typeof data.id !== 'string') continue;
      if (data.op === 'requested' && data.action !== undefined && !this.#decided.has(data.id)) this.#pending.set(data.id, data.action);
      else if (data.op !== 'requested') {
        this.#pending.delete(data.id);
        this.#decided.add(data.id);
      }
    }
    for (const id of this.#pending.keys()) this.onAdded?.(id);
    this.expire();
    return this.#pending.size;
  }

  /** An action held for approval joins the queue (once per key: a replay after a restart holds it again). */
  add(p: Proposal): void {
    const id = approvalId(p.key);
    if (this.#pending.has(id) || this.#decided.has(id)) return;
    const now = this.#now();
    const o = p.order;
    const order = o === null ? null : o.op === 'triangular' ? { ...o, legs: Array.from(o.legs) } : { ...o };
    const a: PendingAction = {
      id, key: p.key, agent: p.agent, kind: p.kind, action: p.action, instruments: p.instruments, sizeUsd: p.sizeUsd,
      expectedProfitUsd: p.expectedProfitUsd, score: p.score, reason: p.verdict.reason, ts: p.ts,
      createdAt: new Date(now).toISOString(), expiresAt: new Date(now + this.#d.control.config.approval.ttlMs).toISOString(),
      order, checkUsd: p.checkUsd, increasesRisk: p.increasesRisk, protocol: p.protocol, exposureUsd: p.exposureUsd,
      exposureFromFill: p.exposureFromFill, refPrices: p.instruments.map((k) => this.#price(k)),
    };
    this.#pending.set(id, a);
    this.#d.control.log.write('approval', 'validator', { op: 'requested', id, action: a });
    this.onAdded?.(id);
  }

  list(): PendingAction[] {
    this.expire();
    return [...this.#pending.values()];
  }

  get(id: string): PendingAction | undefined { return this.#pending.get(id); }

  /** Approves: re-priced and re-checked now, then carried out on paper; or refused with the reason. */
  approve(id: string, who: string): ApprovalOutcome {
    this.expire();
    const a = this.#pending.get(id);
    if (a === undefined) return this.#notFound(id);
    const refusal = this.#recheck(a);
    if (refusal !== null) return this.#close(a, 'refused', who, refusal);
    const d = this.#d;
    const order = a.order === null ? null : toOrder(a.order);
    const pnl0 = d.executor.realizedPnlUsd;
    const fill = order === null ? null : d.executor.carryOut(order);
    if (fill !== null) {
      d.validator.exposureUsd += a.exposureFromFill ? fill.qty * fill.price : a.exposureUsd;
      // the same post-execution check and P&L trips as an action carried out at once
      d.control.filled({ agent: a.agent, key: a.key, ts: a.ts, sizeUsd: a.sizeUsd, order }, fill, d.executor.realizedPnlUsd - pnl0);
    }
    return this.#close(a, 'approved', who, `approved by ${who}; re-priced within ${d.control.config.approval.maxPriceMove * 100}%`, fill);
  }

  reject(id: string, who: string, reason = `rejected by ${who}`): ApprovalOutcome {
    this.expire();
    const a = this.#pending.get(id);
    if (a === undefined) return this.#notFound(id);
    return this.#close(a, 'rejected', who, reason);
  }

  /** Expires, as rejected, every action older than the time to live. Returns how many. */
  expire(): number {
    const now = this.#now();
    let n = 0;
    for (const a of [...this.#pending.values()]) {
      if (Date.parse(a.expiresAt) <= now) {
        this.#close(a, 'expired', 'expiry', `expired unanswered after ${this.#d.control.config.approval.ttlMs / 1000} s: rejected`);
        n++;
      }
    }
    return n;
  }

  /** A stopped scope: what waits in it is rejected. */
  rejectScope(scope: ScopeRef, who: string): number {
    let n = 0;
    for (const a of [...this.#pending.values()]) {
      if (scope.scope === 'engine' || (scope.scope === 'agent' && a.agent === scope.name) || (scope.scope === 'kind' && a.kind === scope.name)) {
        this.#close(a, 'rejected', who, `${scope.scope === 'engine' ? 'engine' : `${scope.scope} ${scope.name}`} stopped by ${who}`);
        n++;
      }
    }
    return n;
  }

  #recheck(a: PendingAction): string | null {
    const d = this.#d;
    const state = d.control.effective(a.agent, a.kind);
    if (state !== 'ACTIVE') return `kill switch: ${a.agent} / ${a.kind} is ${state}`;
    if (d.control.breakers.isOpen(a.agent)) return `circuit breaker open for ${a.agent}`;
    const maxMove = d.control.config.approval.maxPriceMove;
    for (let i = 0; i < a.instruments.length; i++) {
      const ref = a.refPrices[i];
      if (ref === null || ref === undefined) continue;
      const now = this.#price(a.instruments[i]!);
      if (now === null) return `stale: ${a.instruments[i]} has no price now`;
      const move = Math.abs(now / ref - 1);
      if (!(move <= maxMove)) return `stale: ${a.instruments[i]} moved ${(move * 100).toFixed(3)}% since the decision (${ref} → ${now}; limit ${maxMove * 100}%)`;
    }
    const v = d.validator.check(a.agent, a.checkUsd, a.increasesRisk, a.protocol, a.ts);
    if (v.status === 'rejected') return `limits now refuse it: ${v.reason}`;
    return null;
  }

  /** An instrument's price now: book mid, AMM price, yield pool APY; null when it has none. */
  #price(instrument: string): number | null {
    const slot = this.#slotOf.get(instrument);
    if (slot === undefined) return null;
    const d = this.#d;
    const f = this.#fields;
    d.view.read(slot, f);
    const kind = d.view.kind(slot);
    const p = kind === kKindBook ? (f[kBid]! + f[kAsk]!) / 2 : kind === kKindAmm ? f[kPrice]! : kind === kKindYield ? f[kApy]! : NaN;
    return Number.isFinite(p) && p > 0 ? p : null;
  }

  #notFound(id: string): ApprovalOutcome {
    return { status: 'not_found', id, reason: this.#decided.has(id) ? `approval ${id} was already decided` : `no pending approval ${id}` };
  }

  #close(a: PendingAction, status: 'approved' | 'refused' | 'rejected' | 'expired', who: string, reason: string, fill: Fill | null = null): ApprovalOutcome {
    this.#pending.delete(a.id);
    this.#decided.add(a.id);
    this.outcomes[status] = (this.outcomes[status] ?? 0) + 1;
    this.#d.control.log.write('approval', who, {
      op: status, id: a.id, key: a.key, agent: a.agent, kind: a.kind, sizeUsd: a.sizeUsd, expectedProfitUsd: a.expectedProfitUsd, reason,
      ...(fill !== null ? { fill } : {}),
    });
    return status === 'approved' ? { status, id: a.id, fill, reason } : { status, id: a.id, reason };
  }
}

function toOrder(o: NonNullable<PendingAction['order']>): Order {
  return (o.op === 'triangular' ? { ...o, legs: Int32Array.from(o.legs ?? []) } : o) as Order;
}

/** One line for the CLI and the page. */
export function describeAction(a: PendingAction): string {
  return `${a.id}  ${a.agent} ${a.kind} ${usdText(a.sizeUsd)} expected ${usdText(a.expectedProfitUsd)}  ${a.instruments.join(' → ')}  (${a.reason})`;
}
