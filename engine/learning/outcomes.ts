// Outcomes: what became of every executed (paper) action, marked to market after its horizon.
//
// Around each fill the book notes what the fill changed in the paper portfolio: the cash (fees and
// the costs the fill paid included; a flat arbitrage's realised profit) and the position of each
// instrument the action names. When the event time has moved `horizonUs` past the action, those
// position changes are valued against the market state of that moment (a book at its mid in USD;
// a yield, lending or AMM pool position at its USD principal, the paper executor's unit) and
//
//   actual return = (Δcash + Σ Δposition · value now) / size        (percent of the size)
//
// is compared with the return the agent's expected-return model gave at the fill (active version,
// and the shadow version while one is on trial, on the same actions). Actions that never close
// (pool positions: carries, liquidity, supply) are marked at the horizon and again at the end of
// the run, and say so (`open: true`, `mark`). Marking runs at the cycle boundary (mark()), from the
// consolidation's cycle: the first cycle at or after an action's horizon marks it.
import { kAsk, kBid, kKindBook, kPfCashUsd, kPfPositions0 } from '../../protocol/layout.ts';
import type { MarketArrays } from '../../protocol/market_state.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import { kFeatureCount, kFHalfSpread, kFIntercept, kFStated, predictReturnPct } from '../../workers/agents/index.ts';
import type { ParamHost } from '../../workers/agents/index.ts';
import type { Proposal } from '../types.ts';

const kStableQuotes = new Set(['USD', 'USDT', 'USDC', 'DAI', 'BUSD', 'FDUSD', 'TUSD', 'USDP']);
const kMaxLegs = 8;

/** A realised outcome, as appended to `agent-performance-<agentId>`. Returns in percent of sizeUsd. */
export interface Outcome {
  key: string;
  agent: string;
  strategy: string;
  action: string;
  ts: number; // event time of the action (µs)
  markTs: number; // event time it was marked at (µs)
  mark: 'horizon' | 'end_of_run';
  /** A position that never closes (pool: carry, liquidity, supply): marked at the horizon and at the end of the run. */
  open: boolean;
  sizeUsd: number;
  feesUsd: number;
  costsUsd: number; // slippage the fill paid
  pnlUsd: number; // marked to market, fees and costs included
  statedReturnPct: number; // the agent's own figure
  expectedReturnPct: number; // the active model's
  actualReturnPct: number;
  errorPct: number; // |expected − actual|
  success: boolean; // actual ≥ expected − tolerance
  features: number[];
  version: number; // active parameter version at the fill
  shadow: { version: number; expectedReturnPct: number; errorPct: number; success: boolean } | null;
}

export interface OutcomeOptions {
  horizonUs: number;
  /** Success: the actual return is at least the expected one less this (percent). */
  successTolerancePct: number;
  /** The agent's own stated return of an action (percent), e.g. a rebalance's assumed cost. */
  statedReturnPct: (p: Proposal) => number;
}

interface Pending {
  o: Outcome;
  dueTs: number;
  slots: number[];
  dPos: number[];
  dCash: number;
}

export class OutcomeBook {
  readonly #pf: Float64Array;
  readonly #view: MarketView;
  readonly #registry: RegistrySnapshot;
  readonly #slotOf = new Map<string, number>();
  readonly #usdSlot: Int32Array; // book slot → -1 (USD quote), the slot of its quote's USD book, or -2 (unknown)
  readonly #params: ParamHost;
  readonly #o: OutcomeOptions;
  readonly #q = new Float64Array(2);
  readonly #features = new Float64Array(kFeatureCount);
  // what the fill is about to change (before())
  readonly #slots = new Int32Array(kMaxLegs);
  readonly #pos0 = new Float64Array(kMaxLegs);
  #nSlots = 0;
  #cash0 = 0;
  #pending: Pending[] = [];
  #head = 0;
  readonly #open: Pending[] = [];
  readonly #emit: (o: Outcome) => void;
  marked = 0;
  unmarkable = 0;

  constructor(arrays: MarketArrays, view: MarketView, registry: RegistrySnapshot, params: ParamHost, o: OutcomeOptions, emit: (o: Outcome) => void) {
    this.#pf = arrays.portfolio;
    this.#view = view;
    this.#registry = registry;
    this.#params = params;
    this.#o = o;
    this.#emit = emit;
    const usdBook = new Map<string, number>(); // asset → a book slot quoting it in USD
    for (let s = 0; s < registry.size; s++) {
      const m = registry.meta[s]!;
      this.#slotOf.set(m.key, s);
      if (m.kind === kKindBook && kStableQuotes.has(m.quote) && !usdBook.has(m.base)) usdBook.set(m.base, s);
    }
    this.#usdSlot = new Int32Array(registry.capacity).fill(-2);
    for (let s = 0; s < registry.size; s++) {
      const m = registry.meta[s]!;
      if (m.kind !== kKindBook) continue;
      this.#usdSlot[s] = kStableQuotes.has(m.quote) ? -1 : usdBook.get(m.quote) ?? -2;
    }
  }

  /** Pending marks (not yet at their horizon). */
  get pending(): number { return this.#pending.length - this.#head; }

  /** Before the executor fills `p`: notes the cash and the positions the fill may change. */
  before(p: Proposal): void {
    this.#nSlots = 0;
    this.#cash0 = this.#pf[kPfCashUsd]!;
    for (const key of p.instruments) {
      const s = this.#slotOf.get(key);
      if (s === undefined || this.#nSlots === kMaxLegs) continue;
      this.#slots[this.#nSlots] = s;
      this.#pos0[this.#nSlots++] = this.#pf[kPfPositions0 + s]!;
    }
  }

  /** After the fill of `p` (approved, filled): schedules its outcome at the horizon. */
  executed(p: Proposal): void {
    if (p.fill === null || p.verdict.status !== 'approved' || !(p.sizeUsd > 0)) return;
    const slots: number[] = [];
    const dPos: number[] = [];
    let open = false;
    let spreadSum = 0, books = 0;
    for (let k = 0; k < this.#nSlots; k++) {
      const s = this.#slots[k]!;
      const d = this.#pf[kPfPositions0 + s]! - this.#pos0[k]!;
      const book = this.#registry.meta[s]!.kind === kKindBook;
      if (book) {
        this.#view.read2(s, kBid, kAsk, this.#q);
        const bid = this.#q[0]!, ask = this.#q[1]!;
        if (bid > 0 && ask >= bid) { spreadSum += (100 * (ask - bid)) / (ask + bid); books++; }
      }
      if (d === 0) continue;
      if (!book) open = true;
      slots.push(s);
      dPos.push(d);
    }
    const f = this.#features;
    const stated = this.#o.statedReturnPct(p);
    f[kFIntercept] = 1;
    f[kFStated] = stated;
    f[kFHalfSpread] = books > 0 ? spreadSum / books : 0;
    const agent = p.agent;
    const expected = predictReturnPct(this.#params.active(agent), f);
    const shadowTheta = this.#params.shadow(agent);
    const o: Outcome = {
      key: p.key, agent, strategy: p.kind, action: p.action, ts: p.ts, markTs: NaN, mark: 'horizon', open,
      sizeUsd: p.sizeUsd, feesUsd: p.fill.feeUsd, costsUsd: p.fill.slippageUsd, pnlUsd: NaN,
      statedReturnPct: stated, expectedReturnPct: expected, actualReturnPct: NaN, errorPct: NaN, success: false,
      features: Array.from(f), version: this.#params.activeVersion(agent),
      shadow: shadowTheta === null ? null : {
        version: this.#params.shadowVersion(agent), expectedReturnPct: predictReturnPct(shadowTheta, f), errorPct: NaN, success: false,
      },
    };
    this.#pending.push({ o, dueTs: p.ts + this.#o.horizonUs, slots, dPos, dCash: this.#pf[kPfCashUsd]! - this.#cash0 });
  }

  /** Marks every action whose horizon is at or before `nowUs` (event time). No allocation when none is due. */
  mark(nowUs: number): void {
    const q = this.#pending;
    while (this.#head < q.length && q[this.#head]!.dueTs <= nowUs) {
      const p = q[this.#head++]!;
      this.#markOne(p, nowUs, 'horizon');
      if (p.o.open) this.#open.push(p);
    }
    if (this.#head > 1024 && this.#head * 2 > q.length) { this.#pending = q.slice(this.#head); this.#head = 0; }
  }

  /** The end of the run: what has not reached its horizon is marked now, and every open position again. */
  finish(nowUs: number): void {
    const q = this.#pending;
    for (const p of this.#open) this.#markOne(p, nowUs, 'end_of_run');
    while (this.#head < q.length) this.#markOne(q[this.#head++]!, nowUs, 'end_of_run');
    this.#open.length = 0;
  }

  #markOne(p: Pending, nowUs: number, mark: Outcome['mark']): void {
    let pnl = p.dCash;
    for (let k = 0; k < p.slots.length; k++) {
      const v = this.#valueUsd(p.slots[k]!);
      if (!Number.isFinite(v)) { this.unmarkable++; return; }
      pnl += p.dPos[k]! * v;
    }
    const src = p.o;
    const actual = (100 * pnl) / src.sizeUsd;
    const tol = this.#o.successTolerancePct;
    const o: Outcome = {
      ...src, markTs: nowUs, mark, pnlUsd: pnl, actualReturnPct: actual,
      errorPct: Math.abs(src.expectedReturnPct - actual), success: actual >= src.expectedReturnPct - tol,
      shadow: src.shadow === null ? null : {
        ...src.shadow, errorPct: Math.abs(src.shadow.expectedReturnPct - actual), success: actual >= src.shadow.expectedReturnPct - tol,
      },
    };
    this.marked++;
    this.#emit(o);
  }

  /** USD value of one unit of a slot's position now: a book at its mid (in USD), a pool at 1 (USD principal). */
  #valueUsd(s: number): number {
    if (this.#registry.meta[s]!.kind !== kKindBook) return 1;
    const mid = this.#mid(s);
    const u = this.#usdSlot[s]!;
    if (u === -1) return mid;
    if (u === -2) return NaN;
    return mid * this.#mid(u);
  }

  #mid(s: number): number {
    this.#view.read2(s, kBid, kAsk, this.#q);
    const bid = this.#q[0]!, ask = this.#q[1]!;
    return bid > 0 && ask > 0 ? (bid + ask) / 2 : NaN;
  }
}
