// USD prices of assets, kept from books quoted in USD or a USD stablecoin. Agents use it to value
// positions and to convert profits quoted in BTC or ETH into USD. Built once; no allocation after.
import { kAsk, kBid, kKindBook } from '../../protocol/layout.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import { kUsdQuotes } from '../../finance/tokens.ts';

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
        if (m.kind === kKindBook && kUsdQuotes.has(m.quote)) this.#usdQuoted[s] = 1;
      }
    }
    this.usd = new Float64Array(this.names.length).fill(NaN);
    for (const q of kUsdQuotes) {
      const i = this.#index.get(q);
      if (i !== undefined) this.usd[i] = 1;
    }
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

  /** Updates the base asset's USD price from a USD-quoted book that changed. */
  onBook(slot: number): void {
    if (this.#usdQuoted[slot] !== 1) return;
    const sc = this.#scratch;
    this.#view.read2(slot, kBid, kAsk, sc);
    const mid = 0.5 * (sc[0]! + sc[1]!);
    if (mid > 0) this.usd[this.baseOf[slot]!] = mid;
  }

  isUsdQuoted(slot: number): boolean { return this.#usdQuoted[slot] === 1; }
}
