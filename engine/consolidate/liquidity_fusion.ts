// Consolidation of the liquidity optimizer: a pool whose recommendation opens (a positive net
// expected return and a size of at least limits.minTradeUsd) is decided once, capped by the risk
// assessor's max position, the hard limit and the cash, and validated as a risk-increasing entry;
// an approved one is supplied on paper (the position is USD in the pool's slot, which the risk
// assessor then values through the pool's tokens and marks for impermanent loss). A held pool is
// withdrawn when its expected net return falls below −liquidity.hurdleApr (a band around zero, so
// that a recommendation hovering near it does not enter and leave on every update) or disappears.
import { SlotSet } from './slot_set.ts';
import { kRecordWidth } from '../../protocol/layout.ts';
import { kRecLpRange } from '../../protocol/records.ts';
import type { Fill } from '../execute/paper_executor.ts';
import type { Fusion, FusionContext } from './fusion.ts';
import { KeyRounds } from './key_rounds.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';

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
      if (rec[o] !== kRecLpRange) continue;
      const slot = rec[o + 1]!;
      const net = rec[o + 3]!, feeApr = rec[o + 4]!, size = rec[o + 5]!, ilApr = rec[o + 6]!, h = rec[o + 7]!;
      netOf[slot] = net;
      if (!(net > 0 && size >= l.minTradeUsd)) continue;
      if (this.#rounds.swap(slot, rnd) === rnd - 1) continue; // decided when it opened
      if (this.#held.has(slot)) continue;
      c.stats.noteOpportunity(r.name);
      const meta = c.registry.meta[slot]!;
      const sizeUsd = Math.min(size, c.maxPositionOf(slot), l.maxPositionUsd, c.executor.cashUsd);
      const risk = c.riskOf(slot);
      const range = h < 0 ? 'full range' : `range ±${((Math.exp(h) - 1) * 100).toFixed(2)}%`;
      const why = `${range}: fees ${(feeApr * 100).toFixed(2)}%/yr, expected IL ${(ilApr * 100).toFixed(2)}%/yr, net ${(net * 100).toFixed(2)}%/yr`;
      const verdict = risk > c.maxInstrumentRisk
        ? { status: 'rejected' as const, reason: `instrument risk ${risk.toFixed(1)}/10 above ${c.maxInstrumentRisk}` }
        : c.validator.check(r.name, sizeUsd, true, '', nowUs);
      let fill: Fill | null = null;
      if (verdict.status === 'approved') {
        fill = c.executor.enterPool(slot, sizeUsd);
        this.#held.add(slot);
        c.validator.exposureUsd += sizeUsd;
      }
      c.emit({
        key: `lp:${meta.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'liquidity_provision',
        action: 'provide_liquidity', instruments: [meta.key], sizeUsd, expectedProfitUsd: (sizeUsd * net) / 365,
        score: round(net, 6), verdict: verdict.status === 'approved' ? { status: 'approved', reason: why } : verdict, fill,
      });
    }
    if (this.#held.size === 0 || (r.count === 0 && r.errors() > 0)) return;
    const exitBelow = -c.config.agents.liquidity.hurdleApr;
    const nHeld = this.#held.snapshot();
    for (let h = 0; h < nHeld; h++) {
      const slot = this.#held.snapshotAt(h);
      const net = netOf[slot]!;
      if (net >= exitBelow) continue;
      const meta = c.registry.meta[slot]!;
      const size = c.executor.free(slot); // what exitPool() withdraws (not a carry's part)
      const verdict = c.validator.check(r.name, Math.max(size, 1e-9), false, '', nowUs);
      let fill: Fill | null = null;
      if (verdict.status !== 'rejected') {
        fill = c.executor.exitPool(slot);
        this.#held.delete(slot);
        c.validator.exposureUsd -= size;
      }
      c.emit({
        key: `lp-exit:${meta.key}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'liquidity_withdrawal',
        action: 'withdraw_liquidity', instruments: [meta.key], sizeUsd: size, expectedProfitUsd: 0, score: 0,
        verdict: verdict.status === 'rejected' ? verdict
          : { status: 'approved', reason: net === net ? `expected net ${(net * 100).toFixed(2)}%/yr below ${(exitBelow * 100).toFixed(2)}%/yr` : 'no longer recommended' },
        fill,
      });
    }
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
