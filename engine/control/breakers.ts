// A circuit breaker per agent. Consolidation calls observe() for every agent at every
// consolidation, after reading its records: the breaker counts the errors the agent reported
// (its result header), the cycles it missed (it had not published the cycle being consolidated)
// and anomalous records (a kind or slot that is not an integer in range, an infinite field, an
// absurd size, a score or risk outside its documented range). Past a limit it opens: the agent's
// records are ignored. After a cool-down (event time) it half-opens: the next cycle is a probe; a
// clean one (probeCycles of them) closes it, a bad one opens it again. trip() opens it from
// outside (the post-execution fill check). Every change of state is a `circuit_breaker` event.
// No allocation unless the state changes.
import { kRecKind, kRecordWidth, kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecSlotB } from '../../protocol/layout.ts';
import {
  kRecArbCross, kRecArbStatistical, kRecArbTriangular, kRecArbYield, kRecPortfolioRisk, kRecRiskAlert, kRecYield,
} from '../../protocol/records.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { ControlConfig } from '../control_config.ts';
import type { ControlLog } from './control_log.ts';
import { registerBlank, type Fields } from '../../protocol/snapshot.ts';

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

// What was anomalous (the reason is built only when the breaker opens).
const kAnomKind = 1, kAnomSlot = 2, kAnomInfinite = 3, kAnomSize = 4, kAnomRange = 5;

class AgentBreaker {
  state: BreakerState = 'CLOSED';
  lastErrors = 0;
  errors = 0;
  missedRun = 0;
  anomalies = 0;
  anomCode = 0;
  anomField = 0;
  anomValue = 0;
  openedAtUs = 0;
  probes = 0;
  reason = '';
  opened = 0;
  halfOpened = 0;
  closed = 0;
  readonly agent: string;
  constructor(agent: string) { this.agent = agent; }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    this.state = v.f('state', this.state);
    this.lastErrors = v.f('lastErrors', this.lastErrors);
    this.errors = v.f('errors', this.errors);
    this.missedRun = v.f('missedRun', this.missedRun);
    this.anomalies = v.f('anomalies', this.anomalies);
    this.anomCode = v.f('anomCode', this.anomCode);
    this.anomField = v.f('anomField', this.anomField);
    this.anomValue = v.f('anomValue', this.anomValue);
    this.openedAtUs = v.f('openedAtUs', this.openedAtUs);
    this.probes = v.f('probes', this.probes);
    this.reason = v.f('reason', this.reason);
    this.opened = v.f('opened', this.opened);
    this.halfOpened = v.f('halfOpened', this.halfOpened);
    this.closed = v.f('closed', this.closed);
    v.r('agent', this.agent);
  }
}
registerBlank('AgentBreaker', (field) => new AgentBreaker(field('agent') as string));

export interface BreakerChange {
  agent: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
  cycle: number;
}

export class Breakers {
  readonly #cfg: ControlConfig['breaker'];
  readonly #log: ControlLog;
  readonly #capacity: number;
  readonly #byName = new Map<string, AgentBreaker>();
  readonly #byReader = new Map<ResultReader, AgentBreaker>();
  /** Every change of state in order (also in the control log). */
  readonly changes: BreakerChange[] = [];
  /** Told of errors an agent reported (the burst trip counts them). */
  onDataErrors: ((agent: string, n: number, nowUs: number) => void) | null = null;
  #cycle = 0;

  readonly #maxErrors: number;

  /** `maxErrors`: errors since the breaker last closed that open it (config.limits.maxAgentErrors). */
  constructor(cfg: ControlConfig['breaker'], log: ControlLog, capacity: number, maxErrors: number) {
    this.#cfg = cfg;
    this.#maxErrors = maxErrors;
    this.#log = log;
    this.#capacity = capacity;
  }

  #get(agent: string): AgentBreaker {
    let b = this.#byName.get(agent);
    if (b === undefined) this.#byName.set(agent, (b = new AgentBreaker(agent)));
    return b;
  }

  state(agent: string): BreakerState { return this.#byName.get(agent)?.state ?? 'CLOSED'; }
  isOpen(agent: string): boolean { return this.#byName.get(agent)?.state === 'OPEN'; }
  reason(agent: string): string { return this.#byName.get(agent)?.reason ?? ''; }

  /**
   * After `r.read()` for consolidation of `cycle`: counts what the agent did, moves its breaker,
   * and returns whether its records may be consolidated (closed, or a clean half-open probe).
   */
  observe(r: ResultReader, cycle: number, nowUs: number): boolean {
    this.#cycle = cycle;
    let b = this.#byReader.get(r);
    if (b === undefined) this.#byReader.set(r, (b = this.#get(r.name)));
    const cfg = this.#cfg;
    const errs = r.errors();
    const newErrors = errs >= b.lastErrors ? errs - b.lastErrors : errs; // a restarted thread counts from 0
    b.lastErrors = errs;
    if (newErrors > 0) this.onDataErrors?.(r.name, newErrors, nowUs);
    const missed = r.cycle < cycle;
    const anomalies = this.#scan(r, b);
    const clean = newErrors === 0 && !missed && anomalies === 0;
    if (b.state === 'OPEN') {
      if (nowUs - b.openedAtUs < cfg.coolDownUs) return false;
      this.#move(b, 'HALF_OPEN', `cool-down of ${cfg.coolDownUs / 1e6} s over: probing`);
    }
    if (b.state === 'HALF_OPEN') {
      if (!clean) {
        b.openedAtUs = nowUs;
        this.#move(b, 'OPEN', `probe failed: ${this.#what(b, newErrors, missed, anomalies)}`);
        return false;
      }
      if (++b.probes >= cfg.probeCycles) {
        b.errors = 0; b.missedRun = 0; b.anomalies = 0;
        this.#move(b, 'CLOSED', `${b.probes} clean probe cycle(s)`);
      }
      return true;
    }
    b.errors += newErrors;
    b.missedRun = missed ? b.missedRun + 1 : 0;
    b.anomalies += anomalies;
    if (b.errors >= this.#maxErrors || b.missedRun >= cfg.maxMissedCycles || b.anomalies >= cfg.maxAnomalies) {
      this.#open(b, nowUs, this.#what(b, b.errors, b.missedRun > 0 ? b.missedRun : 0, b.anomalies));
      return false;
    }
    return true;
  }

  /** Opens the agent's breaker from outside (the fill check), with the reason. */
  trip(agent: string, reason: string, nowUs: number): void {
    const b = this.#get(agent);
    if (b.state === 'OPEN') return;
    this.#open(b, nowUs, reason);
  }

  #open(b: AgentBreaker, nowUs: number, reason: string): void {
    b.openedAtUs = nowUs;
    b.probes = 0;
    this.#move(b, 'OPEN', reason);
  }

  #move(b: AgentBreaker, to: BreakerState, reason: string): void {
    const from = b.state;
    b.state = to;
    b.reason = reason;
    if (to === 'OPEN') b.opened++;
    else if (to === 'HALF_OPEN') { b.halfOpened++; b.probes = 0; }
    else b.closed++;
    const change = { agent: b.agent, from, to, reason, cycle: this.#cycle };
    this.changes.push(change);
    this.#log.write('circuit_breaker', 'breaker', { ...change });
  }

  #what(b: AgentBreaker, errors: number, missed: number | boolean, anomalies: number): string {
    const parts: string[] = [];
    if (errors > 0) parts.push(`${errors} error(s) reported (limit ${this.#maxErrors})`);
    if (missed !== 0 && missed !== false) parts.push(`missed its cycle deadline${typeof missed === 'number' ? ` ${missed} cycle(s) running (limit ${this.#cfg.maxMissedCycles})` : ''}`);
    if (anomalies > 0) parts.push(`anomalous output: ${this.#anomalyText(b)}`);
    return parts.join('; ');
  }

  #anomalyText(b: AgentBreaker): string {
    const field = ['kind', 'slotA', 'slotB', 'score', 'value', 'size', 'risk', 'aux'][b.anomField] ?? `field ${b.anomField}`;
    switch (b.anomCode) {
      case kAnomKind: return `record kind ${b.anomValue} is not an integer`;
      case kAnomSlot: return `${field} ${b.anomValue} is not a slot in -1..${this.#capacity - 1}`;
      case kAnomInfinite: return `${field} is ${b.anomValue}`;
      case kAnomSize: return `size ${b.anomValue} above ${this.#cfg.absurdSize}`;
      default: return `${field} ${b.anomValue} out of its range`;
    }
  }

  /** Counts the anomalous records of the cycle, noting the first. */
  #scan(r: ResultReader, b: AgentBreaker): number {
    const rec = r.records;
    const cap = this.#capacity;
    const absurd = this.#cfg.absurdSize;
    const count = r.count;
    let n = 0;
    for (let i = 0, o = r.offset; i < count; i++, o += kRecordWidth) {
      const kind = rec[o + kRecKind]!;
      // The usual record, checked in one expression: an integer kind, integer slots in range, every
      // field finite, a plausible size, the kind's risk or score in range. Anything else is looked at
      // field by field (#classify; a NaN where a field is unknown is not an anomaly).
      const sa = rec[o + kRecSlotA]!, sb = rec[o + kRecSlotB]!, sz = rec[o + kRecSize]!, rk = rec[o + kRecRisk]!, sc = rec[o + kRecScore]!;
      const sum = kind + sa + sb + sc + rec[o + 4]! + sz + rk + rec[o + 7]!;
      if ((kind | 0) === kind && (sa | 0) === sa && (sb | 0) === sb && sa >= -1 && sa < cap && sb >= -1 && sb < cap && sum - sum === 0 &&
        sz <= absurd && sz >= -absurd &&
        (kind === kRecArbCross || kind === kRecArbTriangular || kind === kRecArbYield || kind === kRecArbStatistical ? rk >= 0 && rk <= 1
          : kind === kRecYield ? sc >= 0 && sc <= 1 && rk >= 0 && rk <= 10 : kind === kRecRiskAlert ? sc >= 0 && sc <= 10 : kind === kRecPortfolioRisk ? rk >= 0 && rk <= 10 : true)) continue;
      if (this.#classify(rec, o, cap, absurd, b, n === 0)) n++;
    }
    return n;
  }

  /** A record the fast check did not pass: is it anomalous? Notes what was wrong when `first`. */
  #classify(rec: Float64Array, o: number, cap: number, absurd: number, b: AgentBreaker, first: boolean): boolean {
    const kind = rec[o + kRecKind]!;
    let code = 0, field = 0, value = 0;
    if (!Number.isInteger(kind)) { code = kAnomKind; value = kind; } else {
      // all eight finite (the usual case): their sum is finite; otherwise look for an infinite one
      const sum = rec[o]! + rec[o + 1]! + rec[o + 2]! + rec[o + 3]! + rec[o + 4]! + rec[o + 5]! + rec[o + 6]! + rec[o + 7]!;
      if (!(sum - sum === 0)) {
        for (let f = 0; f < kRecordWidth; f++) {
          const v = rec[o + f]!;
          if (v === Infinity || v === -Infinity) { code = kAnomInfinite; field = f; value = v; break; }
        }
      }
      if (code === 0) {
        const a = rec[o + kRecSlotA]!, s = rec[o + kRecSlotB]!, size = rec[o + kRecSize]!, risk = rec[o + kRecRisk]!, score = rec[o + kRecScore]!;
        if (!(Number.isInteger(a) && a >= -1 && a < cap)) { code = kAnomSlot; field = kRecSlotA; value = a; } else if (!(Number.isInteger(s) && s >= -1 && s < cap)) { code = kAnomSlot; field = kRecSlotB; value = s; } else if (Math.abs(size) > absurd) { code = kAnomSize; field = kRecSize; value = size; } else if ((kind === kRecArbCross || kind === kRecArbTriangular || kind === kRecArbYield || kind === kRecArbStatistical) && risk === risk && !(risk >= 0 && risk <= 1)) {
          code = kAnomRange; field = kRecRisk; value = risk;
        } else if (kind === kRecYield && score === score && !(score >= 0 && score <= 1)) { code = kAnomRange; field = kRecScore; value = score; } else if ((kind === kRecRiskAlert && score === score && !(score >= 0 && score <= 10)) || (kind === kRecPortfolioRisk && risk === risk && !(risk >= 0 && risk <= 10))) {
          code = kAnomRange; field = kind === kRecRiskAlert ? kRecScore : kRecRisk; value = kind === kRecRiskAlert ? score : risk;
        }
      }
    }
    if (code !== 0 && first) { b.anomCode = code; b.anomField = field; b.anomValue = value; }
    return code !== 0;
  }

  snapshot(): { agent: string; state: BreakerState; reason: string; opened: number; halfOpened: number; closed: number }[] {
    return [...this.#byName.values()].map((b) => ({ agent: b.agent, state: b.state, reason: b.reason, opened: b.opened, halfOpened: b.halfOpened, closed: b.closed }));
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('cfg');
    v.r('log', this.#log);
    v.r('capacity', this.#capacity);
    v.r('byName', this.#byName);
    v.r('byReader', this.#byReader);
    v.r('changes', this.changes);
    v.b('onDataErrors');
    this.#cycle = v.f('cycle', this.#cycle);
    v.r('maxErrors', this.#maxErrors);
  }
}
