// The single writer of the market state (the main thread's ingest). Each write takes the slot's
// sequence lock (odd while writing), stores the fields, releases it (even), records the slot in
// the changed-slot ring and publishes the new epoch. Nothing allocates.
import {
  kApy, kApyBase, kApyReward, kAsk, kAskSize, kBid, kBidSize, kCascadeCount, kCascadeUsd, kChangePct,
  kCtlEpoch, kEpoch, kExposureMulti, kFee, kGovCount, kGovPassed, kIlRisk, kLast, kLastGovTs, kLastLiqTs,
  kLiqCount, kLiqUsd, kLiquidity, kPrice, kReserve0, kReserve1, kSignalPrice, kSqrtPrice, kStablecoin, kTick,
  kTs, kTvl, kMu, kSigma, kPredictedUp, kApyBorrow, kLtv, kDepthAskCount, kDepthAskPrice0, kDepthAskSize0,
  kDepthBidCount, kDepthBidPrice0, kDepthBidSize0, kDepthStride, kTickMapCount, kTickMapLiquidityNet0,
  kTickMapSqrtPrice0, kYieldHeld, kEventStride, kEventTs, kEventType, kEventV0, kEventV1,
} from '../../protocol/layout.ts';
import type { MarketArrays } from '../../protocol/market_state.ts';
import { kTypeGovernance, kTypeGovernancePassed, kTypeLiquidation, kTypeLiquidationCascade, kTypeMajorPriceMove, kTypePool, kTypePrice, kTypeYield, kTypeYieldOpportunity } from '../../protocol/events.ts';
import {
  kTapeF0, kTapePoolTickCount, kTapePoolTickRef, kTapePriceAskLevels, kTapePriceBidLevels, kTapePriceDepthRef,
  kTapeSlot, kTapeTs, kTapeType, kTapeWidth,
} from '../../protocol/tape.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class MarketWriter {
  readonly #a: MarketArrays;
  readonly #cap: number;
  #epoch = 0;

  constructor(arrays: MarketArrays) {
    this.#a = arrays;
    this.#cap = arrays.capacity;
    this.#epoch = Atomics.load(arrays.ctl, kCtlEpoch);
  }

  get epoch(): number { return this.#epoch; }

  /** Set a slot's kind once, before agents start. */
  setKind(slot: number, kind: number): void { this.#a.kinds[slot] = kind; }

  /**
   * Applies one decoded tape row to the state and publishes it. Returns the new epoch. `depth` is
   * the tape's side array of book levels and tick maps (Tape.depth); without it a price_update's
   * levels and a pool_update's tick map are not kept (the slot's record then reads as unknown, count 0).
   * `held` (yield updates): 1 when the plausibility gate holds the values (kYieldHeld), else 0.
   */
  apply(tape: Float64Array, row: number, depth?: Float64Array, held = 0): number {
    const a = this.#a;
    const c = a.columns;
    const cap = this.#cap;
    const o = row * kTapeWidth;
    const slot = tape[o + kTapeSlot]!;
    const type = tape[o + kTapeType]!;
    const f = o + kTapeF0;
    const epoch = this.#epoch + 1;

    Atomics.add(a.seq, slot, 1); // odd: write in progress
    switch (type) {
      case kTypePrice: {
        c[kBid * cap + slot] = tape[f]!;
        c[kAsk * cap + slot] = tape[f + 1]!;
        c[kBidSize * cap + slot] = tape[f + 2]!;
        c[kAskSize * cap + slot] = tape[f + 3]!;
        const last = tape[f + 4]!;
        if (last === last) c[kLast * cap + slot] = last; // keep the previous last trade when absent (NaN)
        this.#writeDepth(slot, tape, f, depth);
        break;
      }
      case kTypeYield:
      case kTypeYieldOpportunity:
        c[kApy * cap + slot] = tape[f]!;
        c[kApyBase * cap + slot] = tape[f + 1]!;
        c[kApyReward * cap + slot] = tape[f + 2]!;
        c[kTvl * cap + slot] = tape[f + 3]!;
        c[kIlRisk * cap + slot] = tape[f + 4]!;
        c[kExposureMulti * cap + slot] = tape[f + 5]!;
        c[kStablecoin * cap + slot] = tape[f + 6]!;
        c[kMu * cap + slot] = tape[f + 7]!;
        c[kSigma * cap + slot] = tape[f + 8]!;
        c[kPredictedUp * cap + slot] = tape[f + 9]!;
        c[kApyBorrow * cap + slot] = tape[f + 10]!;
        c[kLtv * cap + slot] = tape[f + 11]!;
        c[kYieldHeld * cap + slot] = held;
        break;
      case kTypePool:
        c[kReserve0 * cap + slot] = tape[f]!;
        c[kReserve1 * cap + slot] = tape[f + 1]!;
        c[kFee * cap + slot] = tape[f + 2]!;
        c[kSqrtPrice * cap + slot] = tape[f + 3]!;
        c[kLiquidity * cap + slot] = tape[f + 4]!;
        c[kTick * cap + slot] = tape[f + 5]!;
        c[kPrice * cap + slot] = tape[f + 6]!;
        this.#writeTickMap(slot, tape, f, depth);
        break;
      case kTypeLiquidation:
        c[kLiqUsd * cap + slot] = zeroIfNaN(c[kLiqUsd * cap + slot]!) + tape[f]!;
        c[kLiqCount * cap + slot] = zeroIfNaN(c[kLiqCount * cap + slot]!) + 1;
        c[kLastLiqTs * cap + slot] = tape[o + kTapeTs]!;
        break;
      case kTypeLiquidationCascade:
        c[kCascadeUsd * cap + slot] = zeroIfNaN(c[kCascadeUsd * cap + slot]!) + tape[f]!;
        c[kCascadeCount * cap + slot] = zeroIfNaN(c[kCascadeCount * cap + slot]!) + tape[f + 1]!;
        c[kLastLiqTs * cap + slot] = tape[o + kTapeTs]!;
        break;
      case kTypeGovernance:
        c[kGovCount * cap + slot] = zeroIfNaN(c[kGovCount * cap + slot]!) + 1;
        c[kLastGovTs * cap + slot] = tape[o + kTapeTs]!;
        break;
      case kTypeGovernancePassed:
        c[kGovPassed * cap + slot] = zeroIfNaN(c[kGovPassed * cap + slot]!) + 1;
        c[kGovCount * cap + slot] = zeroIfNaN(c[kGovCount * cap + slot]!) + 1;
        c[kLastGovTs * cap + slot] = tape[o + kTapeTs]!;
        break;
      case kTypeMajorPriceMove:
        c[kChangePct * cap + slot] = tape[f]!;
        c[kSignalPrice * cap + slot] = tape[f + 1]!;
        break;
      default:
        break;
    }
    c[kTs * cap + slot] = tape[o + kTapeTs]!;
    c[kEpoch * cap + slot] = epoch;
    Atomics.add(a.seq, slot, 1); // even: consistent again

    // The ring entry of this epoch, stamped: 0 while it is rewritten, then the epoch (a reader
    // that finds another stamp before or after copying knows the entry was overwritten: a lap).
    const ri = epoch & a.ringMask;
    Atomics.store(a.eventSeq, ri, 0);
    a.ring[ri] = slot;
    const ev = a.events, eo = ri * kEventStride;
    ev[eo + kEventTs] = tape[o + kTapeTs]!;
    ev[eo + kEventType] = type;
    ev[eo + kEventV0] = type === kTypePrice ? 0.5 * (tape[f]! + tape[f + 1]!) : type === kTypePool ? tape[f + 6]! : tape[f]!;
    ev[eo + kEventV1] = type === kTypeLiquidation ? 1 : type === kTypeLiquidationCascade ? tape[f + 1]! : NaN;
    Atomics.store(a.eventSeq, ri, epoch);
    this.#epoch = epoch;
    Atomics.store(a.ctl, kCtlEpoch, epoch);
    return epoch;
  }

  /** The book levels of a price_update row into the slot's depth record (count 0 when it has none). */
  #writeDepth(slot: number, tape: Float64Array, f: number, depth: Float64Array | undefined): void {
    const d = this.#a.depth;
    const o = slot * kDepthStride;
    const ref = tape[f + kTapePriceDepthRef]!;
    if (depth === undefined || !(ref >= 0)) {
      d[o + kDepthBidCount] = 0;
      d[o + kDepthAskCount] = 0;
      return;
    }
    const nb = tape[f + kTapePriceBidLevels]!, na = tape[f + kTapePriceAskLevels]!;
    for (let i = 0; i < nb; i++) {
      d[o + kDepthBidPrice0 + i] = depth[ref + 2 * i]!;
      d[o + kDepthBidSize0 + i] = depth[ref + 2 * i + 1]!;
    }
    const a0 = ref + 2 * nb;
    for (let i = 0; i < na; i++) {
      d[o + kDepthAskPrice0 + i] = depth[a0 + 2 * i]!;
      d[o + kDepthAskSize0 + i] = depth[a0 + 2 * i + 1]!;
    }
    d[o + kDepthBidCount] = nb;
    d[o + kDepthAskCount] = na;
  }

  /** The tick map of a v3 pool_update row into the slot's record (count 0 when it has none). */
  #writeTickMap(slot: number, tape: Float64Array, f: number, side: Float64Array | undefined): void {
    const d = this.#a.depth;
    const o = slot * kDepthStride;
    const ref = tape[f + kTapePoolTickRef]!;
    if (side === undefined || !(ref >= 0)) {
      d[o + kTickMapCount] = 0;
      return;
    }
    const n = tape[f + kTapePoolTickCount]!;
    for (let i = 0; i < n; i++) {
      d[o + kTickMapSqrtPrice0 + i] = side[ref + 2 * i]!;
      d[o + kTickMapLiquidityNet0 + i] = side[ref + 2 * i + 1]!;
    }
    d[o + kTickMapCount] = n;
  }

  /** Fill every column of every slot with NaN (unknown) before the first tick. */
  clear(): void {
    this.#a.columns.fill(NaN);
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('a', this.#a);
    v.r('cap', this.#cap);
    this.#epoch = v.f('epoch', this.#epoch);
  }
}

function zeroIfNaN(x: number): number {
  return x === x ? x : 0;
}
