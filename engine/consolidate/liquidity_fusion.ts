// Consolidation of the liquidity optimizer: a pool whose recommendation opens (a positive net
// expected return and a size of at least limits.minTradeUsd) is decided once, capped by the risk
// assessor's max position, the hard limit and the cash, and validated as a risk-increasing entry;
// an approved one is supplied on paper (the position is USD in the pool's slot, which the risk
// assessor then values through the pool's tokens and marks for impermanent loss). A held pool is
// withdrawn when its expected net return falls below −liquidity.hurdleApr (a band around zero, so
// that a recommendation hovering near it does not enter and leave on every update) or disappears.
import { kRecAux, kRecKind, kRecordWidth, kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecValue } from '../../protocol/layout.ts';
import { kRecLpRange } from '../../protocol/records.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { Fusion } from '../types.ts';
import { proposal, type FusionContext } from './fusion.ts';
import { KeyRounds } from './key_rounds.ts';
import { kMaxInstrumentRisk } from './risk_table.ts';
import { round } from './round.ts';
import { SlotSet } from './slot_set.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class LiquidityFusion implements Fusion {
  readonly #ctx: FusionContext;
  readonly #reader: ResultReader | undefined;
  readonly #rounds = new KeyRounds();
  #round = 0;
  readonly #held: SlotSet;
  readonly #netOf: Float64Array; // this cycle's recommendation per slot (NaN: none)

  constructor(ctx: FusionContext) {
    this.#ctx = ctx;
    this.#reader = ctx.readers.get('liquidity_optimizer');
    this.#netOf = new Float64Array(ctx.registry.capacity).fill(NaN);
    this.#held = new SlotSet(ctx.registry.capacity);
  }

  /** Pools held now. */
  get held(): number { return this.#held.size; }

  consolidate(cycle: number, epoch: number, nowUs: number): void {
    const r = this.#reader;
    if (!r) return;
    const c = this.#ctx;
    const l = c.config.limits;
    const rec = r.records;
    const rnd = ++this.#round;
    const netOf = this.#netOf;
    netOf.fill(NaN);
    for (let i = 0; i < r.count; i++) {
      const o = r.offset + i * kRecordWidth;
      if (rec[o + kRecKind] !== kRecLpRange) continue;
      const slot = rec[o + kRecSlotA]!;
      const net = rec[o + kRecScore]!, feeApr = rec[o + kRecValue]!, size = rec[o + kRecSize]!, ilApr = rec[o + kRecRisk]!, h = rec[o + kRecAux]!;
      netOf[slot] = net;
      if (!(net > 0 && size >= l.minTradeUsd)) continue;
      if (this.#rounds.swap(slot, rnd) === rnd - 1) continue; // decided when it opened
      if (this.#held.has(slot)) continue;
      c.stats.noteOpportunity(r.name);
      const meta = c.registry.meta[slot]!;
      const sizeUsd = Math.min(size, c.risk.maxPositionOf(slot), l.maxPositionUsd, c.portfolio.cashUsd);
      const risk = c.risk.riskOf(slot);
      const range = h < 0 ? 'full range' : `range ±${((Math.exp(h) - 1) * 100).toFixed(2)}%`;
      const p = proposal({
        key: `lp:${meta.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'liquidity_provision',
        action: 'provide_liquidity', instruments: [meta.key], sizeUsd, expectedProfitUsd: (sizeUsd * net) / 365,
        score: round(net, 6),
        ruling: risk > kMaxInstrumentRisk ? { status: 'rejected', reason: `instrument risk ${risk.toFixed(1)}/10 above ${kMaxInstrumentRisk}` } : null,
        increasesRisk: true, order: { op: 'enter_pool', slot, sizeUsd }, exposureUsd: sizeUsd,
        approvedReason: `${range}: fees ${(feeApr * 100).toFixed(2)}%/yr, expected IL ${(ilApr * 100).toFixed(2)}%/yr, net ${(net * 100).toFixed(2)}%/yr`,
      });
      c.decide(p);
      if (p.fill !== null) this.#held.add(slot);
    }
    if (this.#held.size === 0 || (r.count === 0 && r.errors() > 0)) return;
    const exitBelow = -c.config.agents.liquidity.hurdleApr;
    const nHeld = this.#held.snapshot();
    for (let h = 0; h < nHeld; h++) {
      const slot = this.#held.snapshotAt(h);
      const net = netOf[slot]!;
      if (net >= exitBelow) continue;
      const meta = c.registry.meta[slot]!;
      const size = c.portfolio.free(slot); // what exitPool() withdraws (not a carry's part)
      const p = proposal({
        key: `lp-exit:${meta.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'liquidity_withdrawal',
        action: 'withdraw_liquidity', instruments: [meta.key], sizeUsd: size, expectedProfitUsd: 0, score: 0,
        checkUsd: Math.max(size, 1e-9), exit: true, order: { op: 'exit_pool', slot }, exposureUsd: -size,
        approvedReason: net === net ? `expected net ${(net * 100).toFixed(2)}%/yr below ${(exitBelow * 100).toFixed(2)}%/yr` : 'no longer recommended',
      });
      c.decide(p);
      if (p.fill !== null) this.#held.delete(slot);
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('ctx');
    v.r('reader', this.#reader);
    v.r('rounds', this.#rounds);
    this.#round = v.f('round', this.#round);
    v.r('held', this.#held);
    v.r('netOf', this.#netOf);
  }
}

