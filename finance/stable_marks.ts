// One market mark per stablecoin, the same wherever the engine values it (the size of a decision,
// its expected profit, the portfolio): the median of the mids of the books that quote it against
// USD itself (base = the stablecoin, quote = 'USD'), across venues; $1 only while no such book has
// a quote. A book of one stablecoin quoted in another (USDC/USDT) sets no mark: it is priced at the
// two marks. Fiat USD is 1. Agents keep the marks current from their book updates (onBook);
// consolidation recomputes one when it needs it (compute). Nothing allocates after construction.
import { kAsk, kBid, kKindBook } from '../protocol/layout.ts';
import type { MarketView } from '../protocol/market_view.ts';
import type { RegistrySnapshot } from '../protocol/registry.ts';
import { isStable } from './tokens.ts';
import type { Fields } from '../protocol/snapshot.ts';

/** Venues quoting one stablecoin against USD, at most (more are left out of its median). */
const kMaxVenues = 32;

export class StableMarks {
  /** The stablecoins of the universe (books and pools), in order of first appearance. */
  readonly names: string[] = [];
  /** Mark per stablecoin (USD per unit), as last computed. */
  readonly mark: Float64Array;
  readonly #index = new Map<string, number>();
  readonly #of: Int32Array; // slot → stablecoin whose USD book it is, -1 otherwise
  readonly #start: Int32Array; // CSR: the USD books of stablecoin i
  readonly #slots: Int32Array;
  readonly #view: MarketView;
  readonly #mids = new Float64Array(kMaxVenues);
  readonly #q = new Float64Array(2);

  constructor(view: MarketView, registry: RegistrySnapshot) {
    this.#view = view;
    const books: number[][] = [];
    for (let s = 0; s < registry.size; s++) {
      const m = registry.meta[s]!;
      for (const t of [m.base, m.quote]) {
        if (t !== '' && t !== 'USD' && isStable(t) && !this.#index.has(t)) { this.#index.set(t, this.names.length); this.names.push(t); books.push([]); }
      }
    }
    this.#of = new Int32Array(registry.capacity).fill(-1);
    for (let s = 0; s < registry.size; s++) {
      const m = registry.meta[s]!;
      const i = this.#index.get(m.base);
      if (m.kind === kKindBook && m.quote === 'USD' && i !== undefined && books[i]!.length < kMaxVenues) { books[i]!.push(s); this.#of[s] = i; }
    }
    this.#start = new Int32Array(books.length + 1);
    const flat: number[] = [];
    books.forEach((b, i) => { this.#start[i] = flat.length; flat.push(...b); });
    this.#start[books.length] = flat.length;
    this.#slots = Int32Array.from(flat);
    this.mark = new Float64Array(Math.max(1, this.names.length)).fill(1);
  }

  /** Index of a stablecoin (-1: not one of the universe's stablecoins, or fiat USD). */
  indexOf(token: string): number { return this.#index.get(token) ?? -1; }

  /** The stablecoin a slot is the USD book of (-1 none). */
  stableOf(slot: number): number { return this.#of[slot]!; }

  /** A book changed: when it is a stablecoin's USD book, that mark is recomputed. Returns the stablecoin or -1. */
  onBook(slot: number): number {
    const i = this.#of[slot]!;
    if (i >= 0) this.compute(i);
    return i;
  }

  /** Recomputes and returns stablecoin i's mark from the state: the median of its USD books' mids, or 1. */
  compute(i: number): number {
    const mids = this.#mids, q = this.#q;
    let n = 0;
    for (let k = this.#start[i]!; k < this.#start[i + 1]!; k++) {
      this.#view.read2(this.#slots[k]!, kBid, kAsk, q);
      const mid = 0.5 * (q[0]! + q[1]!);
      if (!(mid > 0)) continue;
      let j = n++;
      while (j > 0 && mids[j - 1]! > mid) { mids[j] = mids[j - 1]!; j--; }
      mids[j] = mid;
    }
    const m = n === 0 ? 1 : n & 1 ? mids[n >> 1]! : 0.5 * (mids[(n >> 1) - 1]! + mids[n >> 1]!);
    this.mark[i] = m;
    return m;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('names', this.names);
    v.r('mark', this.mark);
    v.r('index', this.#index);
    v.r('of', this.#of);
    v.r('start', this.#start);
    v.r('slots', this.#slots);
    v.r('view', this.#view);
    v.r('mids', this.#mids);
    v.r('q', this.#q);
  }
}
