// Worker for the structured-clone baseline: it owns private (non-shared) copies of the state
// layout. Each message carries a copy of the state columns, the slots changed since the last
// message, the control values and the portfolio; the worker installs them, runs its agents, and
// replies with copies of its result regions.
import { parentPort, workerData } from 'node:worker_threads';
import { allocateMarketState, type MarketStateBuffers } from '../../protocol/market_state.ts';
import { MarketView } from '../../protocol/market_view.ts';
import { kCtlCycleTs, kCtlEpoch } from '../../protocol/layout.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import { type AgentConfig, AgentRunner, createAgent } from '../../workers/agents/index.ts';
import { allocateResultRegion, type ResultRegionBuffers } from '../../protocol/result_region.ts';

export interface CloneWorkerData {
  capacity: number;
  ringSize: number;
  kinds: Int32Array;
  registry: RegistrySnapshot;
  config: AgentConfig;
  agents: { name: string; maxRecords: number; tableWidth: number }[];
}

export interface CloneCycleMessage {
  cycle: number;
  epoch: number;
  cycleTsUs: number;
  columns: Float64Array; // a copy of the state columns
  fromEpoch: number; // ringSlots[i] is the slot written at epoch fromEpoch + i
  ringSlots: Int32Array;
  portfolio: Float64Array;
}

export interface CloneCycleReply {
  cycle: number;
  regions: ArrayBuffer[]; // one per agent, in workerData.agents order
}

/** Non-shared buffers with the engine's layout (typed arrays accept plain ArrayBuffers). */
function privateState(capacity: number, ringSize: number): MarketStateBuffers {
  const shared = allocateMarketState(capacity, ringSize);
  const plain = (b: SharedArrayBuffer): SharedArrayBuffer => new ArrayBuffer(b.byteLength) as unknown as SharedArrayBuffer;
  return {
    capacity, ringSize: shared.ringSize, columns: plain(shared.columns), seq: plain(shared.seq), kinds: plain(shared.kinds),
    control: plain(shared.control), ring: plain(shared.ring), portfolio: plain(shared.portfolio),
  };
}

if (parentPort) {
  const port = parentPort;
  const d = workerData as CloneWorkerData;
  const state = privateState(d.capacity, d.ringSize);
  const view = new MarketView(state);
  view.arrays.kinds.set(d.kinds);
  const regions: ResultRegionBuffers[] = d.agents.map((a) => {
    const r = allocateResultRegion({ maxRecords: a.maxRecords, tableWidth: a.tableWidth, capacity: d.capacity });
    return { ...r, buffer: new ArrayBuffer(r.buffer.byteLength) as unknown as SharedArrayBuffer };
  });
  const runners = d.agents.map((a, i) => new AgentRunner(a.name, createAgent(a.name), view, d.registry, d.config, regions[i]!));
  const a = view.arrays;
  port.on('message', (m: CloneCycleMessage) => {
    a.columns.set(m.columns);
    for (let i = 0; i < m.ringSlots.length; i++) a.ring[(m.fromEpoch + i) & a.ringMask] = m.ringSlots[i]!;
    a.portfolio.set(m.portfolio);
    a.ctl[kCtlEpoch] = m.epoch;
    a.ctlF64[kCtlCycleTs] = m.cycleTsUs;
    for (let i = 0; i < runners.length; i++) runners[i]!.run(m.cycle);
    const copies = regions.map((r) => (r.buffer as unknown as ArrayBuffer).slice(0));
    const reply: CloneCycleReply = { cycle: m.cycle, regions: copies };
    port.postMessage(reply, copies);
  });
}
