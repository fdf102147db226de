// One book per asset to price it by: the first book quoting the asset in USD (or a USD stablecoin),
// in slot order. Its mid is the asset's price, so that venue-to-venue quote noise does not enter
// returns; the agents and consolidation pick the same book.
import { kKindBook } from '../protocol/layout.ts';
import type { RegistrySnapshot } from '../protocol/registry.ts';
import { kUsdQuotes } from './tokens.ts';

/** The first USD-quoted book of each non-USD base asset, in slot order: asset names and slots. */
export function representativeBooks(registry: RegistrySnapshot): { names: string[]; slots: number[] } {
  const names: string[] = [];
  const slots: number[] = [];
  const seen = new Set<string>();
  for (let s = 0; s < registry.size; s++) {
    const m = registry.meta[s]!;
    if (m.kind !== kKindBook || !kUsdQuotes.has(m.quote) || kUsdQuotes.has(m.base) || seen.has(m.base)) continue;
    seen.add(m.base);
    names.push(m.base);
    slots.push(s);
  }
  return { names, slots };
}
