// Consolidation of the arbitrage detector: cross-exchange, triangular, yield (carry) and
// statistical (pair trade) opportunities, each in its own file. Every opportunity record comes with
// the kRecArbDetail record after it (duration, gas, max size, costs, input age); an exit signal
// (kRecArbStatExit) has none. An opportunity that stays open across cycles is decided when it
// opens and again when it changes materially (sightings.ts). Within a cycle the flat kinds
// (cross-exchange, triangular) are allocated by expected profit, best first (a fill takes only the
// size it uses of each quote: quote_use.ts), after the positions (carries, pair trades) in record
// order. Following the record:
//  - it is kept only when its execution risk and its instruments' risk are acceptable;
//  - its size is capped by the risk assessor's max position of every instrument it trades and by
//    the hard limit, and the expected profit is scaled down with it (the fixed gas is not);
//  - the validator decides; cross-exchange and triangular trades are flat at once (no exposure
//    added), carries and pair trades are positions (their size is added to the exposure when
//    filled, and taken off when a pair trade is closed);
//  - every approval says what the opportunity is worth after which costs, and for how long.
import { kRecKind, kRecordWidth, kRecValue } from '../../../protocol/layout.ts';
import {
  kRecArbCross, kRecArbDetail, kRecArbStatExit, kRecArbStatistical, kRecArbTriangular, kRecArbYield,
} from '../../../protocol/records.ts';
import type { ResultReader } from '../../../protocol/result_reader.ts';
import type { Fusion } from '../../types.ts';
import type { FusionContext } from '../fusion.ts';
import { ArbitrageCommon } from './arbitrage_common.ts';
import { CarryArbitrage } from './carry.ts';
import { CrossExchangeArbitrage } from './cross_exchange.ts';
import { PairTrades } from './pair_trades.ts';
import { TriangularArbitrage } from './triangular.ts';
import type { Fields } from '../../../protocol/snapshot.ts';

export class ArbitrageFusion implements Fusion {
  readonly #reader: ResultReader | undefined;
  readonly #cross: CrossExchangeArbitrage;
  readonly #triangular: TriangularArbitrage;
  readonly #carry: CarryArbitrage;
  readonly #pairs: PairTrades;
  #round = 0;
  readonly #order = new Int32Array(1024); // flat records of this cycle (offsets), best first
  readonly #value = new Float64Array(1024);

  constructor(ctx: FusionContext) {
    this.#reader = ctx.readers.get('arbitrage_detector');
    const common = new ArbitrageCommon(ctx);
    this.#cross = new CrossExchangeArbitrage(common);
    this.#triangular = new TriangularArbitrage(common);
    this.#carry = new CarryArbitrage(common);
    this.#pairs = new PairTrades(common);
  }

  /** Pair trades open now. */
  get openPairs(): number { return this.#pairs.open; }

  consolidate(cycle: number, epoch: number, nowUs: number): void {
    const r = this.#reader;
    if (!r) return;
    const rec = r.records;
    const rnd = ++this.#round;
    const order = this.#order, value = this.#value;
    let nFlat = 0;
    for (let i = 0; i < r.count; i++) {
      const o: number = r.offset + i * kRecordWidth;
      const kind: number = rec[o + kRecKind]!;
      if (kind === kRecArbStatExit) { this.#pairs.exit(r.name, rec, o, cycle, epoch, nowUs); continue; } // no detail follows
      if (kind !== kRecArbCross && kind !== kRecArbTriangular && kind !== kRecArbYield && kind !== kRecArbStatistical) continue;
      if (i + 1 >= r.count) break;
      const d: number = o + kRecordWidth;
      if (rec[d + kRecKind] !== kRecArbDetail) continue;
      if (kind === kRecArbYield) this.#carry.consider(r.name, rec, o, d, rnd, cycle, epoch, nowUs);
      else if (kind === kRecArbStatistical) this.#pairs.consider(r.name, rec, o, d, rnd, cycle, epoch, nowUs);
      else if (nFlat < order.length) {
        // insertion by expected profit, descending; equal profits keep the record order
        const v = rec[o + kRecValue]!;
        let j = nFlat++;
        while (j > 0 && value[j - 1]! < v) { order[j] = order[j - 1]!; value[j] = value[j - 1]!; j--; }
        order[j] = o; value[j] = v;
      }
    }
    for (let k = 0; k < nFlat; k++) {
      const o = order[k]!, d = o + kRecordWidth;
      if (rec[o + kRecKind] === kRecArbCross) this.#cross.consider(r.name, rec, o, d, rnd, cycle, epoch, nowUs);
      else this.#triangular.consider(r.name, rec, o, d, rnd, cycle, epoch, nowUs);
    }
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('reader', this.#reader);
    v.r('cross', this.#cross);
    v.r('triangular', this.#triangular);
    v.r('carry', this.#carry);
    v.r('pairs', this.#pairs);
    this.#round = v.f('round', this.#round);
    v.r('order', this.#order);
    v.r('value', this.#value);
  }
}
