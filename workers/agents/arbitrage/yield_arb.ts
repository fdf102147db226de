// Yield arbitrage: borrow an asset on one lending market (yield_update apyBorrow, state kApyBorrow,
// with its max LTV in kLtv) and supply it on another pool of the same asset and chain at a higher
// supply APY, net of risk. The economics (risk haircut from protocol reliability and the LTV /
// liquidation buffer, size where the diluted supply APY meets the borrow cost) are in
// finance/carry.ts. Expected profit = size · net spread over horizonDays, less the gas of entering
// (supply collateral, borrow, supply) and leaving (withdraw, repay, withdraw).
// One opportunity per borrow market: the best pool of the same (chain, asset) group to supply.
// Incremental: a changed pool marks its group dirty; every borrow market of a dirty group is
// re-evaluated; an open one is re-checked for stale inputs (rates older than maxYieldAgeUs) before it
// is published again.
import { kApy, kApyBorrow, kExposureMulti, kFieldCount, kKindYield, kLtv, kTs, kTvl, kYieldHeld } from '../../../protocol/layout.ts';
import {
  kCarryAnnualUsd, kCarryDilutedApy, kCarryGrossSpread, kCarryNetSpread, kCarryOutLength, kCarrySize, yieldCarry,
  yieldRiskHaircut,
} from '../../../finance/carry.ts';
import { reliabilityOf } from '../../../finance/yield_score.ts';
import { kRecArbYield } from '../../../protocol/records.ts';
import { symbolTokens } from '../../../finance/tokens.ts';
import { gasUsd, roomForPair, type ArbContext } from './context.ts';
import type { Fields } from '../../../protocol/snapshot.ts';
import { kRecAux, kRecRisk, kRecScore, kRecSize, kRecValue } from '../../../protocol/layout.ts';
import { kRecArbDetail } from '../../../protocol/records.ts';

const kDayS = 86_400;

// Per-member result columns (a member: a pool of a group, taken as the borrow market)
const kGrBorrow = 0;
const kGrSupply = 1;
const kGrNet = 2;
const kGrProfitUsd = 3;
const kGrSizeUsd = 4;
const kGrRisk = 5;
const kGrHaircut = 6;
const kGrGasUsd = 7;
const kGrDilutionUsd = 8;
const kGrWidth = 9;

export class YieldArb {
  readonly #c: ArbContext;
  readonly #groupOf: Int32Array; // slot → group (-1: not a single-asset yield pool)
  readonly #start: Int32Array; // CSR: members of group g are #members[start[g] .. start[g+1])
  readonly #members: Int32Array;
  readonly #reliability: Float64Array; // slot → protocol reliability 0..1
  readonly #dirty: Int32Array;
  readonly #isDirty: Uint8Array;
  #nDirty = 0;
  readonly #res: Float64Array;
  readonly #active: Int32Array;
  readonly #activePos: Int32Array;
  #nActive = 0;
  readonly #q = new Float64Array(kFieldCount);
  readonly #qb = new Float64Array(kFieldCount);
  readonly #carry = new Float64Array(kCarryOutLength);
  readonly #ts2 = new Float64Array(2);

  constructor(c: ArbContext) {
    this.#c = c;
    const reg = c.registry;
    this.#groupOf = new Int32Array(reg.capacity).fill(-1);
    this.#reliability = new Float64Array(reg.capacity);
    const groups = new Map<string, number[]>();
    for (let s = 0; s < reg.size; s++) {
      const m = reg.meta[s]!;
      if (m.kind !== kKindYield) continue;
      const tokens = symbolTokens(m.symbol);
      if (tokens.length !== 1) continue; // one asset: what is borrowed is what is supplied
      const key = `${m.chain.toLowerCase()}\u0000${tokens[0]!.toUpperCase()}`;
      let list = groups.get(key);
      if (!list) { list = []; groups.set(key, list); }
      list.push(s);
      this.#reliability[s] = reliabilityOf(m.protocol);
    }
    const n = groups.size;
    this.#start = new Int32Array(n + 1);
    const members: number[] = [];
    let g = 0;
    for (const list of groups.values()) {
      this.#start[g] = members.length;
      for (const s of list) { this.#groupOf[s] = g; members.push(s); }
      g++;
    }
    this.#start[n] = members.length;
    this.#members = Int32Array.from(members);
    this.#dirty = new Int32Array(n);
    this.#isDirty = new Uint8Array(n);
    const nm = members.length;
    this.#res = new Float64Array(nm * kGrWidth);
    this.#active = new Int32Array(nm);
    this.#activePos = new Int32Array(nm).fill(-1);
  }

  onChange(slot: number): void {
    const g = this.#groupOf[slot]!;
    if (g < 0 || this.#isDirty[g] === 1) return;
    this.#isDirty[g] = 1;
    this.#dirty[this.#nDirty++] = g;
  }

  emit(nowUs: number): void {
    for (let i = 0; i < this.#nDirty; i++) {
      const g = this.#dirty[i]!;
      this.#isDirty[g] = 0;
      this.#evaluate(g, nowUs);
    }
    this.#nDirty = 0;
    const c = this.#c;
    const res = this.#res;
    const ts = this.#ts2;
    const maxAge = c.cfg.arbitrage.maxYieldAgeUs;
    const horizonS = c.cfg.arbitrage.yieldArb.horizonDays * kDayS;
    let i = 0;
    while (i < this.#nActive) {
      const m = this.#active[i]!;
      const o = m * kGrWidth;
      c.view.read2(res[o + kGrBorrow]!, kTs, kTs, ts);
      const tsB = ts[0]!;
      c.view.read2(res[o + kGrSupply]!, kTs, kTs, ts);
      const tsS = ts[0]!;
      if (nowUs - tsB > maxAge || nowUs - tsS > maxAge) {
        this.#evaluate(this.#groupOf[this.#members[m]!]!, nowUs);
        if (this.#activePos[m] === -1) continue;
      }
      if (roomForPair(c.out)) {
        const nx = c.out.next; // the numbers through out.next: no boxed arguments per record
        nx[kRecScore] = res[o + kGrNet]!; nx[kRecValue] = res[o + kGrProfitUsd]!; nx[kRecSize] = res[o + kGrSizeUsd]!;
        nx[kRecRisk] = res[o + kGrRisk]!; nx[kRecAux] = res[o + kGrHaircut]!;
        c.out.pushNext(kRecArbYield, res[o + kGrBorrow]!, res[o + kGrSupply]!);
        nx[kRecScore] = horizonS; nx[kRecValue] = res[o + kGrGasUsd]!; nx[kRecSize] = res[o + kGrSizeUsd]!;
        nx[kRecRisk] = res[o + kGrDilutionUsd]!; nx[kRecAux] = Math.max(nowUs - tsB, nowUs - tsS) * 1e-6;
        c.out.pushNext(kRecArbDetail, -1, -1);
      }
      i++;
    }
  }

  /** For every borrow market of group g, the best pool of the group to supply. */
  #evaluate(g: number, nowUs: number): void {
    const c = this.#c;
    const a = c.cfg.arbitrage;
    const y = a.yieldArb;
    const maxAge = a.maxYieldAgeUs;
    const qb = this.#qb, q = this.#q, carry = this.#carry;
    const start = this.#start[g]!, end = this.#start[g + 1]!;
    const gas = gasUsd(c, a.gas.unitsYieldEntry + a.gas.unitsYieldExit);
    const years = y.horizonDays / 365;
    for (let i = start; i < end; i++) {
      const b = this.#members[i]!;
      let best = 0, bestS = -1, bestNet = 0, bestSize = 0, bestRisk = 0, bestHaircut = 0, bestDilution = 0;
      let staleSeen = false;
      c.view.read(b, qb);
      const rBorrow = qb[kApyBorrow]!, ltv = qb[kLtv]!, tvlB = qb[kTvl]!;
      // a market whose latest values are held at the door (unconfirmed jump or first sight) is not traded on
      if (!(rBorrow >= 0 && ltv > 0 && ltv <= 1 && tvlB > 0) || qb[kYieldHeld] === 1) { this.#close(i); continue; }
      const staleB = nowUs - qb[kTs]! > maxAge;
      const lambda = ltv * (1 - y.liquidationBuffer);
      const maxSize = Math.min(tvlB * y.maxBorrowShare, c.cfg.capitalUsd * lambda);
      for (let j = start; j < end; j++) {
        if (j === i) continue;
        const s = this.#members[j]!;
        c.view.read(s, q);
        const apy = q[kApy]!, tvl = q[kTvl]!;
        if (q[kExposureMulti] === 1 || q[kYieldHeld] === 1 || !(apy > rBorrow) || !(tvl > 0)) continue;
        if (staleB || nowUs - q[kTs]! > maxAge) { staleSeen = true; continue; }
        const haircut = yieldRiskHaircut(this.#reliability[b]!, this.#reliability[s]!, ltv, y.liquidationBuffer, y.lossAtZeroPct);
        if (!yieldCarry(carry, apy, tvl, rBorrow, haircut, maxSize)) continue;
        const net = carry[kCarryNetSpread]!;
        if (!(net >= y.minNetSpreadPct)) continue;
        const profit = carry[kCarryAnnualUsd]! * years - gas;
        if (!(profit > best)) continue;
        best = profit; bestS = s; bestNet = net; bestSize = carry[kCarrySize]!;
        bestRisk = Math.min(1, haircut / carry[kCarryGrossSpread]!);
        bestHaircut = haircut;
        bestDilution = bestSize * (apy - carry[kCarryDilutedApy]!) / 100 * years;
      }
      if (bestS < 0) {
        if (staleSeen) c.stale.count++;
        this.#close(i);
        continue;
      }
      const res = this.#res;
      const o = i * kGrWidth;
      res[o + kGrBorrow] = b; res[o + kGrSupply] = bestS; res[o + kGrNet] = bestNet; res[o + kGrProfitUsd] = best;
      res[o + kGrSizeUsd] = bestSize; res[o + kGrRisk] = bestRisk; res[o + kGrHaircut] = bestHaircut;
      res[o + kGrGasUsd] = gas; res[o + kGrDilutionUsd] = bestDilution;
      if (this.#activePos[i] === -1) { this.#activePos[i] = this.#nActive; this.#active[this.#nActive++] = i; }
    }
  }

  /** Member m (as a borrow market) has no opportunity: out of the open set. */
  #close(m: number): void {
    const pos = this.#activePos[m]!;
    if (pos === -1) return;
    const last = this.#active[--this.#nActive]!;
    this.#active[pos] = last;
    this.#activePos[last] = pos;
    this.#activePos[m] = -1;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('c', this.#c);
    v.r('groupOf', this.#groupOf);
    v.r('start', this.#start);
    v.r('members', this.#members);
    v.r('reliability', this.#reliability);
    v.r('dirty', this.#dirty);
    v.r('isDirty', this.#isDirty);
    this.#nDirty = v.f('nDirty', this.#nDirty);
    v.r('res', this.#res);
    v.r('active', this.#active);
    v.r('activePos', this.#activePos);
    this.#nActive = v.f('nActive', this.#nActive);
    v.r('q', this.#q);
    v.r('qb', this.#qb);
    v.r('carry', this.#carry);
    v.r('ts2', this.#ts2);
  }
}
