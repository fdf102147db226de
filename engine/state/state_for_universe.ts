// The shared market state for a frozen universe: buffers sized from the registry, the single
// writer (columns cleared to NaN, slot kinds set), a reader's view, and the registry snapshot the
// agent threads receive. Used by the pipeline and by the test harnesses.
import { allocateMarketState, MarketArrays, type MarketStateBuffers } from '../../protocol/market_state.ts';
import { MarketView } from '../../protocol/market_view.ts';
import { MarketWriter } from './market_writer.ts';
import type { InstrumentRegistry, RegistrySnapshot } from '../../protocol/registry.ts';

export interface UniverseState {
  capacity: number;
  buffers: MarketStateBuffers;
  arrays: MarketArrays;
  writer: MarketWriter;
  view: MarketView;
  snapshot: RegistrySnapshot;
}

export function stateForUniverse(registry: InstrumentRegistry, ringSize?: number): UniverseState {
  const capacity = Math.max(1, registry.size);
  const buffers = allocateMarketState(capacity, ringSize);
  const arrays = new MarketArrays(buffers);
  const writer = new MarketWriter(arrays);
  writer.clear();
  const snapshot = registry.snapshot(capacity);
  for (let s = 0; s < registry.size; s++) writer.setKind(s, snapshot.meta[s]!.kind);
  const view = new MarketView(buffers);
  return { capacity, buffers, arrays, writer, view, snapshot };
}
