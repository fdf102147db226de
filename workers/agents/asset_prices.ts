// USD prices of assets, kept from books quoted in USD or a USD stablecoin. Agents use it to value
// positions and to convert profits quoted in BTC or ETH into USD. A stablecoin is worth its market
// mark (finance/stable_marks.ts: the median across the venues quoting it against USD, $1 while none
// does), and an asset quoted in a stablecoin is worth its mid times that mark. Built once; no
// allocation after.
import { kAsk, kBid, kKindBook } from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import { isStable, kUsdQuotes } from '../../finance/tokens.ts';
import { StableMarks } from '../../finance/stable_marks.ts';
import type { Fields } from '../../protocol/snapshot.ts';

export class AssetPrices {
  readonly names: string[] = [];
  readonly #index = new Map<string, number>();
  /** Asset index of each slot's base and quote (books and AMM pools), -1 elsewhere. */
  readonly baseOf: Int32Array;
  readonly quoteOf: Int32Array;
  /** USD price per asset (NaN until known). */
  readonly usd: Float64Array;
  readonly #usdQuoted: Uint8Array; // 1 when the slot is a book quoted in USD
  readonly #scratch = new Float64Array(2);
  readonly #view: MarketView;
  readonly marks: StableMarks;
  readonly #stable: Uint8Array; // asset → 1 when a stablecoin (valued at its mark)
  readonly #markAsset: Int32Array; // stablecoin (marks index) → asset index
  readonly #quoteMark: Int32Array; // slot → marks index of its quote (-1: fiat USD or not a stablecoin)

  constructor(view: MarketView, registry: RegistrySnapshot) {
    this.#view = view;
    const cap = registry.capacity;
    this.baseOf = new Int32Array(cap).fill(-1);
    this.quoteOf = new Int32Array(cap).fill(-1);
    this.#usdQuoted = new Uint8Array(cap);
    for (let s = 0; s < registry.size; s++) {
      const m = registry.meta[s]!;
      if (m.base !== '' && m.quote !== '') {
        this.baseOf[s] = this.#asset(m.base);
        this.quoteOf[s] = this.#asset(m.quote);
        if (m.kind === kKindBook && kUsdQuotes.has(m.quote) && !isStable(m.base)) this.#usdQuoted[s] = 1;
      }
    }
    this.marks = new StableMarks(view, registry);
    this.#markAsset = Int32Array.from(this.marks.names.map((n) => this.#asset(n)));
    this.#quoteMark = new Int32Array(cap).fill(-1);
    for (let s = 0; s < registry.size; s++) {
      const m = registry.meta[s]!;
      if (this.#usdQuoted[s] === 1) this.#quoteMark[s] = this.marks.indexOf(m.quote);
    }
    this.usd = new Float64Array(this.names.length).fill(NaN);
    for (const q of kUsdQuotes) {
      const i = this.#index.get(q);
      if (i !== undefined) this.usd[i] = 1;
    }
    this.#stable = new Uint8Array(this.names.length);
    for (const a of this.#markAsset) { this.usd[a] = 1; this.#stable[a] = 1; }
  }

  #asset(name: string): number {
    let i = this.#index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.#index.set(name, i);
    }
    return i;
  }

  indexOf(name: string): number {
    const i = this.#index.get(name);
    return i === undefined ? -1 : i;
  }

  /**
   * A book changed: a stablecoin's USD book updates its mark; a book of another asset quoted in USD
   * or a stablecoin updates that asset's USD price (mid × the quote's mark).
   */
  onBook(slot: number): void {
    const st = this.marks.onBook(slot);
    if (st >= 0) { this.usd[this.#markAsset[st]!] = this.marks.mark[st]!; return; }
    if (this.#usdQuoted[slot] !== 1) return;
    const sc = this.#scratch;
    this.#view.read2(slot, kBid, kAsk, sc);
    const mid = 0.5 * (sc[0]! + sc[1]!);
    const qm = this.#quoteMark[slot]!;
    if (mid > 0) this.usd[this.baseOf[slot]!] = qm >= 0 ? mid * this.marks.mark[qm]! : mid;
  }

  /** Whether asset index a is a stablecoin (valued at its mark). */
  isStableAsset(a: number): boolean { return this.#stable[a] === 1; }

  isUsdQuoted(slot: number): boolean { return this.#usdQuoted[slot] === 1; }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('names', this.names);
    v.r('index', this.#index);
    v.r('baseOf', this.baseOf);
    v.r('quoteOf', this.quoteOf);
    v.r('usd', this.usd);
    v.r('usdQuoted', this.#usdQuoted);
    v.r('scratch', this.#scratch);
    v.r('view', this.#view);
    v.r('marks', this.marks);
    v.r('stable', this.#stable);
    v.r('markAsset', this.#markAsset);
    v.r('quoteMark', this.#quoteMark);
  }
}
