// Consolidation of the risk assessor: its portfolio record gives the portfolio VaR the validator
// enforces (and the summary's portfolio figures); each risk alert becomes a decision that records
// it, and one of severity 5 or more on a protocol pauses new entries there for
// limits.protocolCooldownUs (the validator carries the pause out).
import { kRecAux, kRecKind, kRecordWidth, kRecScore, kRecSize, kRecSlotA, kRecValue } from '../../protocol/layout.ts';
import {
  kAlertGovernance, kAlertLiquidationCascade, kAlertLiquidations, kAlertMajorMove, kRecPortfolioRisk, kRecRiskAlert,
} from '../../protocol/records.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { Fusion } from '../types.ts';
import { usdText } from '../usd_text.ts';
import { proposal, type FusionContext } from './fusion.ts';
import { round } from './round.ts';
import type { Fields } from '../../protocol/snapshot.ts';

/** Severity (0..10) from which an alert pauses new entries on its protocol. */
const kPauseSeverity = 5;

export class RiskFusion implements Fusion {
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
    for (let i = 0; i < r.count; i++) {
      const o = r.offset + i * kRecordWidth;
      const kind = rec[o + kRecKind]!;
      if (kind === kRecPortfolioRisk) {
        const lp = c.stats.lastPortfolio; // updated in place: this runs every cycle
        lp.hhi = rec[o + kRecScore]!; lp.varUsd = rec[o + kRecValue]!; lp.cvarUsd = rec[o + kRecSize]!; lp.positions = rec[o + kRecAux]!;
        c.riskView.portfolioVarUsd = rec[o + kRecValue]!;
      } else if (kind === kRecRiskAlert) {
        const slot = rec[o + kRecSlotA]!;
        const severity = rec[o + kRecScore]!;
        const code = rec[o + kRecAux]!;
        const meta = c.registry.meta[slot]!;
        c.stats.noteOpportunity(r.name);
        const pause = meta.protocol !== '' && severity >= kPauseSeverity;
        const what = code === kAlertLiquidationCascade ? 'liquidation cascade' : code === kAlertLiquidations ? 'large liquidations'
          : code === kAlertGovernance ? 'governance' : code === kAlertMajorMove ? 'major price movement' : 'risk';
        c.decide(proposal({
          key: `alert:${meta.key}:${code}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'risk_alert',
          action: severity >= kPauseSeverity ? 'pause_new_entries' : 'note', instruments: [meta.key], sizeUsd: 0,
          expectedProfitUsd: 0, score: round(severity, 2),
          ruling: { status: 'approved', reason: `${what}: ${usdText(rec[o + kRecValue]!)} (severity ${severity.toFixed(1)}/10)` },
          protocol: meta.protocol, pauseUntilUs: pause ? nowUs + c.config.limits.protocolCooldownUs : NaN,
        }));
      }
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('ctx');
    v.r('reader', this.#reader);
  }
}
