// Consolidation of the yield hunter: a pool that enters its candidate list is weighed by the risk
// view and the hunter's confidence (which falls with its errors), sized under the risk assessor's
// max position, the hard limit and the cash, and proposed as a supply (decided once, when it
// enters the list; at most limits.maxYieldPositions pools held). A held pool that leaves the list
// is withdrawn (its free part: a carry's supply in the same pool stays).
import { kRecKind, kRecordWidth, kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecValue } from '../../protocol/layout.ts';
import { kRecYield } from '../../protocol/records.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { Fusion } from '../types.ts';
import { proposal, type FusionContext } from './fusion.ts';
import { KeyRounds } from './key_rounds.ts';
import { round } from './round.ts';
import { SlotSet } from './slot_set.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class YieldFusion implements Fusion {
  readonly #ctx: FusionContext;
  readonly #reader: ResultReader;
  readonly #rounds = new KeyRounds();
  #round = 0;
  readonly #held: SlotSet; // yield pools held
  readonly #inTop: Uint8Array; // yield slot in this cycle's candidate list

  constructor(ctx: FusionContext, reader: ResultReader) {
    this.#ctx = ctx;
    this.#reader = reader;
    this.#held = new SlotSet(ctx.registry.capacity);
    this.#inTop = new Uint8Array(ctx.registry.capacity);
  }

  consolidate(cycle: number, epoch: number, nowUs: number): void {
    const c = this.#ctx;
    const r = this.#reader;
    const rec = r.records;
    const l = c.config.limits;
    const rnd = ++this.#round;
    const inTop = this.#inTop;
    inTop.fill(0);
    const errors = r.errors();
    const confidence = Math.max(0, 1 - errors / Math.max(1, l.maxAgentErrors)); // falls with the agent's errors
    for (let i = 0; i < r.count; i++) {
      const o = r.offset + i * kRecordWidth;
      if (rec[o + kRecKind] !== kRecYield) continue;
      const slot = rec[o + kRecSlotA]!;
      inTop[slot] = 1;
      if (this.#rounds.swap(slot, rnd) === rnd - 1) continue; // decided when it entered the list
      c.stats.noteOpportunity(r.name);
      if (this.#held.has(slot) || i >= l.maxYieldPositions || this.#held.size >= l.maxYieldPositions) continue;
      const score = rec[o + kRecScore]!, apy = rec[o + kRecValue]!, allocation = rec[o + kRecSize]!;
      const risk = c.risk.riskOf(slot);
      const riskView = risk === risk ? risk : rec[o + kRecRisk]!;
      const fused = score * confidence * (1 - 0.5 * riskView / 10);
      const sizeUsd = Math.min(allocation * (fused / Math.max(score, 1e-9)), c.risk.maxPositionOf(slot), l.maxPositionUsd, c.portfolio.cashUsd);
      const meta = c.registry.meta[slot]!;
      // Expected profit: one day of yield on the position.
      const p = proposal({
        key: `yield:${meta.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'yield_entry', action: 'supply',
        instruments: [meta.key], sizeUsd, expectedProfitUsd: sizeUsd * apy / 100 / 365, score: round(fused, 4),
        increasesRisk: true, protocol: meta.protocol, order: { op: 'enter_pool', slot, sizeUsd }, exposureUsd: sizeUsd,
      });
      c.decide(p);
      if (p.fill !== null) this.#held.add(slot);
    }
    // Exits: held pools that left the candidate list.
    if (r.count > 0 || errors === 0) {
      const nHeld = this.#held.snapshot();
      for (let h = 0; h < nHeld; h++) {
        const slot = this.#held.snapshotAt(h);
        if (inTop[slot] === 1) continue;
        const size = c.portfolio.free(slot); // a carry's supply in the same pool stays
        const meta = c.registry.meta[slot]!;
        const p = proposal({
          key: `yield-exit:${meta.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'yield_exit', action: 'withdraw',
          instruments: [meta.key], sizeUsd: size, expectedProfitUsd: 0, score: 0,
          checkUsd: Math.max(size, 1e-9), protocol: meta.protocol, exit: true, order: { op: 'exit_pool', slot },
          exposureUsd: -size, approvedReason: 'left the candidate list',
        });
        c.decide(p);
        if (p.fill !== null) this.#held.delete(slot);
      }
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('ctx');
    v.r('reader', this.#reader);
    v.r('rounds', this.#rounds);
    this.#round = v.f('round', this.#round);
    v.r('held', this.#held);
    v.r('inTop', this.#inTop);
  }
}
