// Consolidation of the market analyzer: its events become derived market events that the engine
// replays as triggers, and a decision each that records why.
//
// Derived events. A kRecMarketEvent record is turned into the envelope a source would have sent
// ({ts, type, topic, key, data}) and decoded by the ordinary codec (engine/source/codec.ts) into
// the `derived` tape; the engine's loop applies those rows to the state and triggers on them like
// any event (both kinds are high-impact: they always trigger). Keys start with "derived:" so that
// they never collide with a source's own keys:
//   major_price_movement  key  derived:<book key>          → state slot  signal:derived:<book key>
//   liquidation_cascade   key  derived:<protocol>:cascade@<epoch> → state slot protocol:<protocol>
// A major_price_movement needs its signal slot in the universe before the registry is frozen:
// reserveDerivedSlots(registry) (engine/state/derived_slots.ts) adds one per book (engine.ts calls
// it right before freeze). Without it the derived price moves are rejected by the codec and
// counted in `rejected`.
//
// API for the loop (through Consolidator.takeDerived()): after each consolidation, take the tape
// of events derived since the last call (double-buffered: the tape stays valid until the next
// call, while new derivations go to the other one) and apply its rows in order with
// MarketWriter.apply(tape.rows, row, tape.depth), run the trigger, a cycle and a consolidation for
// each, then take again until it comes back empty.
import { kRecAux, kRecKind, kRecordWidth, kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecValue } from '../../protocol/layout.ts';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { kDerivedPrefix } from '../state/derived_slots.ts';
import { decodeEvent } from '../source/codec.ts';
import { Tape } from '../../protocol/tape.ts';
import {
  kMarketEventCascade, kMarketEventMajorMove, kRecMarketEvent, kRecMarketRegime, kRecMarketRiskFactors,
} from '../../protocol/records.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { Fusion } from '../types.ts';
import { usdText } from '../usd_text.ts';
import { proposal, type FusionContext } from './fusion.ts';
import { round } from './round.ts';
import type { Fields } from '../../protocol/snapshot.ts';

const kRegimeNames: Readonly<Record<number, string>> = { [-1]: 'mean-reverting', 0: 'random walk', 1: 'trending' };

export interface MarketRiskFactors {
  absorptionRatio: number;
  meanCorrelation: number;
  portfolioSigmaUsd: number;
  diversificationRatio: number;
  assets: number;
}

export class MarketFusion implements Fusion {
  readonly #ctx: FusionContext;
  readonly #reader: ResultReader | undefined;
  readonly #risk: ResultReader | undefined;
  readonly #registry: InstrumentRegistry; // frozen copy for the codec
  #active = new Tape(64);
  #spare = new Tape(64);
  /** Derived events decoded, and rejected by the codec (with the last reason). */
  derived = 0;
  rejected = 0;
  lastRejection = '';
  /** Latest regime per asset (book key → name), from regime-change records. */
  readonly regimes = new Map<string, string>();
  /** The risk assessor's latest market-risk factors. */
  riskFactors: MarketRiskFactors | null = null;

  constructor(ctx: FusionContext) {
    this.#ctx = ctx;
    this.#reader = ctx.readers.get('market_analyzer');
    this.#risk = ctx.readers.get('risk_assessor');
    this.#registry = InstrumentRegistry.fromSnapshot(ctx.registry);
    this.#registry.freeze();
  }

  /** Events derived since the last call (valid until the next call). */
  takeDerived(): Tape {
    const t = this.#active;
    this.#active = this.#spare;
    this.#spare = t;
    this.#active.reset();
    return t;
  }

  consolidate(cycle: number, epoch: number, nowUs: number): void {
    if (this.#risk) this.#riskFactors(this.#risk);
    const r = this.#reader;
    if (!r) return;
    const rec = r.records;
    const meta = this.#ctx.registry.meta;
    for (let i = 0; i < r.count; i++) {
      const o = r.offset + i * kRecordWidth;
      const kind = rec[o + kRecKind]!;
      if (kind === kRecMarketRegime) {
        this.regimes.set(meta[rec[o + kRecSlotA]!]!.key, kRegimeNames[rec[o + kRecAux]!] ?? String(rec[o + kRecAux]));
        continue;
      }
      if (kind !== kRecMarketEvent) continue;
      const slot = rec[o + kRecSlotA]!, change = rec[o + kRecScore]!, value = rec[o + kRecValue]!, size = rec[o + kRecSize]!;
      const severity = rec[o + kRecRisk]!, code = rec[o + kRecAux]!;
      const m = meta[slot]!;
      const ts = Math.round(nowUs);
      let envelope: object;
      let reason: string;
      let action: string;
      if (code === kMarketEventMajorMove) {
        envelope = {
          ts, type: 'major_price_movement', topic: `market.prices.${m.venue}`, key: `${kDerivedPrefix}${m.key}`,
          data: { venue: m.venue, base: m.base, quote: m.quote, changePct: round(change, 4), price: value },
        };
        action = 'trigger_major_price_movement';
        reason = `${m.base} ${change >= 0 ? '+' : ''}${change.toFixed(2)}% (${m.key}: ${fmt(size)} → ${fmt(value)})`;
      } else if (code === kMarketEventCascade) {
        envelope = {
          ts, type: 'liquidation_cascade', topic: `market.liquidations.${m.protocol}`,
          key: `${kDerivedPrefix}${m.protocol}:cascade@${epoch}`,
          data: { protocol: m.protocol, count: value, totalUsd: round(size, 2) },
        };
        action = 'trigger_liquidation_cascade';
        reason = `${value} liquidations on ${m.protocol} totalling ${usdText(size)}`;
      } else {
        continue;
      }
      const why = decodeEvent(envelope, this.#registry, this.#active, epoch, true); // the row's audit field: the epoch it was derived at
      if (why === null) this.derived++;
      else { this.rejected++; this.lastRejection = why; }
      this.#ctx.stats.noteOpportunity(r.name);
      this.#ctx.decide(proposal({
        key: `market:${m.key}:${code}@${epoch}`, cycle, epoch, ts: nowUs, agent: r.name, kind: 'market_event', action,
        instruments: [m.key], sizeUsd: 0, expectedProfitUsd: 0, score: round(severity, 2),
        ruling: why === null ? { status: 'approved', reason } : { status: 'rejected', reason: `${reason}; not replayed: ${why}` },
      }));
    }
  }

  #riskFactors(r: ResultReader): void {
    const rec = r.records;
    for (let i = 0; i < r.count; i++) {
      const o = r.offset + i * kRecordWidth;
      if (rec[o + kRecKind] !== kRecMarketRiskFactors) continue;
      this.riskFactors = {
        absorptionRatio: rec[o + kRecScore]!, meanCorrelation: rec[o + kRecValue]!, portfolioSigmaUsd: rec[o + kRecSize]!,
        diversificationRatio: rec[o + kRecRisk]!, assets: rec[o + kRecAux]!,
      };
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.b('ctx');
    v.r('reader', this.#reader);
    v.r('risk', this.#risk);
    v.b('registry');
    this.#active = v.f('active', this.#active);
    this.#spare = v.f('spare', this.#spare);
    this.derived = v.f('derived', this.derived);
    this.rejected = v.f('rejected', this.rejected);
    this.lastRejection = v.f('lastRejection', this.lastRejection);
    v.r('regimes', this.regimes);
    this.riskFactors = v.f('riskFactors', this.riskFactors);
  }
}

function fmt(x: number): string {
  return Number(x.toPrecision(7)).toString();
}
