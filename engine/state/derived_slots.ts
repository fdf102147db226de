// Slots for the events the engine derives itself (the market analyzer's major_price_movement,
// replayed as triggers; engine/consolidate/market_fusion.ts). Their keys start with "derived:" so
// that they never collide with a source's own keys; a derived major_price_movement needs its
// signal slot in the universe before the registry is frozen.
import { kKindBook, kKindSignal } from '../../protocol/layout.ts';
import type { InstrumentRegistry } from '../../protocol/registry.ts';

/** Key prefix of every derived event (and of the signal slots reserved for them). */
export const kDerivedPrefix = 'derived:';

/** The signal slot key a derived major_price_movement of `bookKey` writes. */
export function derivedSignalKey(bookKey: string): string {
  return `signal:${kDerivedPrefix}${bookKey}`;
}

/**
 * Adds one signal slot per book for the derived major_price_movement events (call before the
 * registry is frozen). Returns the slots added.
 */
export function reserveDerivedSlots(registry: InstrumentRegistry): number {
  let added = 0;
  const n = registry.size;
  for (let s = 0; s < n; s++) {
    const m = registry.meta(s);
    if (m.kind !== kKindBook) continue;
    const key = derivedSignalKey(m.key);
    if (registry.slotOf(key) >= 0) continue;
    registry.resolve(key, kKindSignal, (x) => { x.venue = m.venue; x.base = m.base; x.quote = m.quote; });
    added++;
  }
  return added;
}
