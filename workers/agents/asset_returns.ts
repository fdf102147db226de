// Asset returns on the covariance clock, for the agents that need co-movements (risk assessor,
// portfolio rebalancer, market analyzer). Each asset that trades against USD gets one
// representative book (the first USD-quoted book of it in slot order): its mid is the asset's
// price, so venue-to-venue quote noise does not enter the returns. At the first cycle of each
// `covariance.sampleUs` bucket of market time every asset's return since the previous sample goes
// into an EWMA covariance (finance/covariance.ts). Each agent keeps its own instance: agents
// never read each other's output within a cycle. Built once; nothing allocates per cycle.
import { kAsk, kBid } from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import { representativeBooks } from '../../finance/representative_books.ts';
import type { AgentConfig } from './config.ts';
import { EwmaCovariance } from '../../finance/covariance.ts';
import { assetOfToken, isStable } from '../../finance/tokens.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class AssetReturns {
  /** Asset names, index = asset id. */
  readonly names: string[];
  /** Representative book slot of each asset. */
  readonly repSlot: Int32Array;
  /** Slot → asset id of the book it represents (-1 elsewhere). */
  readonly assetOfRep: Int32Array;
  /** Mid of each asset's representative book (NaN until quoted). */
  readonly price: Float64Array;
  readonly cov: EwmaCovariance;
  readonly n: number;
  readonly minSamples: number;
  readonly #view: MarketView;
  readonly #sampleUs: number;
  #bucket = -Infinity;
  readonly #q = new Float64Array(2);

  constructor(view: MarketView, registry: RegistrySnapshot, cfg: AgentConfig) {
    this.#view = view;
    const reps = representativeBooks(registry);
    this.names = reps.names;
    this.n = reps.names.length;
    this.repSlot = Int32Array.from(reps.slots);
    this.assetOfRep = new Int32Array(registry.capacity).fill(-1);
    reps.slots.forEach((s, i) => { this.assetOfRep[s] = i; });
    this.price = new Float64Array(Math.max(1, this.n)).fill(NaN);
    this.cov = new EwmaCovariance(Math.max(1, this.n), cfg.covariance.lambda);
    this.#sampleUs = cfg.covariance.sampleUs;
    this.minSamples = cfg.covariance.minSamples;
  }

  indexOf(name: string): number { return this.names.indexOf(name); }

  /** Feeds a changed slot; returns the asset id when it is a representative book, else -1. */
  onChange(slot: number): number {
    const a = this.assetOfRep[slot]!;
    if (a < 0) return -1;
    const q = this.#q;
    this.#view.read2(slot, kBid, kAsk, q);
    const mid = 0.5 * (q[0]! + q[1]!);
    if (mid > 0) this.price[a] = mid;
    return a;
  }

  /** Takes a covariance sample when nowUs entered a new bucket of the clock. True when it did. */
  maybeSample(nowUs: number): boolean {
    const bucket = Math.floor(nowUs / this.#sampleUs);
    if (!(bucket > this.#bucket)) return false;
    this.#bucket = bucket;
    return this.cov.sample(this.price, nowUs);
  }

  /** True once asset a has the returns the covariance needs. */
  ready(a: number): boolean { return this.cov.count[a]! >= this.minSamples; }

  /**
   * Daily σ of the price of asset a0 in asset a1 (ln p₀/p₁: σ² = σ₀² + σ₁² − 2σ₀₁), with
   * kAssetUsd (a stablecoin) for either side contributing no variance. NaN when an asset is
   * unknown (-1) or has too few returns.
   */
  pairSigmaDaily(a0: number, a1: number): number {
    if (a0 === -1 || a1 === -1) return NaN;
    if (a0 !== kAssetUsd && !this.ready(a0)) return NaN;
    if (a1 !== kAssetUsd && !this.ready(a1)) return NaN;
    const c = this.cov;
    const v0 = a0 === kAssetUsd ? 0 : c.covarianceDaily(a0, a0);
    const v1 = a1 === kAssetUsd ? 0 : c.covarianceDaily(a1, a1);
    const v01 = a0 === kAssetUsd || a1 === kAssetUsd ? 0 : c.covarianceDaily(a0, a1);
    const v = v0 + v1 - 2 * v01;
    return v > 0 ? Math.sqrt(v) : 0;
  }

  /** The asset id of an on-chain token: kAssetUsd for a stablecoin, -1 when not priced here. */
  idOfToken(token: string): number {
    if (isStable(token)) return kAssetUsd;
    return this.indexOf(assetOfToken(token));
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('names', this.names);
    v.r('repSlot', this.repSlot);
    v.r('assetOfRep', this.assetOfRep);
    v.r('price', this.price);
    v.r('cov', this.cov);
    v.r('n', this.n);
    v.r('minSamples', this.minSamples);
    v.r('view', this.#view);
    v.r('sampleUs', this.#sampleUs);
    this.#bucket = v.f('bucket', this.#bucket);
    v.r('q', this.#q);
  }
}

/** Asset id of USD stablecoins in pairSigmaDaily / idOfToken (no variance). */
export const kAssetUsd = -2;
