// Consolidation of the portfolio rebalancer: a target weight that is due becomes a buy or a sell
// at the top of book, of at least limits.minTradeUsd, capped by the risk assessor's max position
// and the hard limit. The exposure moves by what filled (a sell never takes a hedged leg).
import { kRecAux, kRecKind, kRecordWidth, kRecScore, kRecSize, kRecSlotA, kRecValue } from '../../protocol/layout.ts';
import { kRecTargetWeight } from '../../protocol/records.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { Fusion } from '../types.ts';
import { kPnExpectedProfitUsd, kPnScore, kPnSizeUsd, kPnTs, newProposal, proposalNums, type FusionContext } from './fusion.ts';
import { round } from './round.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class RebalanceFusion implements Fusion {
  readonly #ctx: FusionContext;
  readonly #reader: ResultReader;

  constructor(ctx: FusionContext, reader: ResultReader) {
    this.#ctx = ctx;
    this.#reader = reader;
  }

  consolidate(cycle: number, epoch: number, nowUs: number): void {
    const c = this.#ctx;
    const r = this.#reader;
    const rec = r.records;
    const l = c.config.limits;
    for (let i = 0; i < r.count; i++) {
      const o = r.offset + i * kRecordWidth;
      if (rec[o + kRecKind] !== kRecTargetWeight || rec[o + kRecAux] !== 1) continue; // aux: 1 when a rebalance is due now
      const slot = rec[o + kRecSlotA]!;
      const tradeUsd = rec[o + kRecSize]!;
      if (Math.abs(tradeUsd) < l.minTradeUsd) continue;
      c.stats.noteOpportunity(r.name);
      const sizeUsd = Math.min(Math.abs(tradeUsd), c.risk.maxPositionOf(slot) || l.maxPositionUsd, l.maxPositionUsd);
      const signed = tradeUsd > 0 ? sizeUsd : -sizeUsd;
      const target = rec[o + kRecScore]!, current = rec[o + kRecValue]!;
      const meta = c.registry.meta[slot]!;
      const pn = proposalNums; // (no init literal, no boxed arguments: fusion.ts newProposal)
      pn[kPnTs] = nowUs; pn[kPnSizeUsd] = sizeUsd; pn[kPnExpectedProfitUsd] = 0; pn[kPnScore] = round(target, 4);
      const p = newProposal(`rebalance:${meta.key}@${epoch}`, cycle, epoch, r.name, 'rebalance', tradeUsd > 0 ? 'buy' : 'sell', [meta.key]);
      p.increasesRisk = tradeUsd > 0;
      p.order = { op: 'trade', slot, tradeUsd: signed };
      p.exposureFromFill = true;
      p.approvedReason = `target weight ${(target * 100).toFixed(2)}% from ${(current * 100).toFixed(2)}%`;
      c.decide(p);
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('ctx');
    v.r('reader', this.#reader);
  }
}
