// Test helper: a tiny universe in shared memory and one agent run inline through AgentRunner.
//
//   const h = createHarness('arbitrage_detector', [ev1, ev2, ...], (c) => { c.fees.defaultTaker = 0.001; });
//   h.feed([ev1, ev2]);             // decode through the codec, apply through the single writer
//   const recs = h.cycle();          // one agent cycle at the last fed event's time; its published records
//
// The universe events fix the instruments and their slots (in order of first appearance); they are
// decoded through the codec into a registry that is then frozen, exactly as the engine does before
// its agents start. Nothing is applied to the state until feed() is called.
import { stateForUniverse } from '../../../engine/state/state_for_universe.ts';
import { decodeEvent } from '../../../engine/source/codec.ts';
import { Tape } from '../../../protocol/tape.ts';
import { kCtlCycleEpoch, kCtlCycleTs, kPfPositions0, kRecordWidth } from '../../../protocol/layout.ts';
import type { MarketArrays } from '../../../protocol/market_state.ts';
import { MarketView } from '../../../protocol/market_view.ts';
import { MarketWriter } from '../../../engine/state/market_writer.ts';
import { InstrumentRegistry, type RegistrySnapshot } from '../../../protocol/registry.ts';
import { ResultReader } from '../../../protocol/result_reader.ts';
import { AgentRunner } from '../agent.ts';
import { kDefaultAgentConfig, type AgentConfig } from '../config.ts';
import { agentSpec } from '../index.ts';
import { allocateResultRegion } from '../../../protocol/result_region.ts';

/** A fixed, plausible event time (2024-07-26, µs since the Unix epoch) that tests count from. */
export const kT0 = 1_722_000_000_000_000;
/** One second in µs. */
export const kSecUs = 1_000_000;

/** One published record, with its field names (see protocol/records.ts). */
export interface Rec {
  kind: number;
  slotA: number;
  slotB: number;
  score: number;
  value: number;
  size: number;
  risk: number;
  aux: number;
}

export interface Harness {
  registry: InstrumentRegistry;
  snapshot: RegistrySnapshot;
  arrays: MarketArrays;
  view: MarketView;
  writer: MarketWriter;
  runner: AgentRunner;
  reader: ResultReader;
  config: AgentConfig;
  /** Slot of an instrument key (throws when the key is not in the universe). */
  slot(key: string): number;
  /** Decodes events with the frozen registry and applies them in order. Throws on a rejected event. */
  feed(events: readonly object[]): void;
  /** Runs one cycle at event time `nowUs` (default: the last fed event's ts) and returns its records. */
  cycle(nowUs?: number): Rec[];
  /** Writes a position (base units for a book, USD for a yield pool) into the portfolio region. */
  setPosition(slot: number, units: number): void;
  /** A cell of the agent's per-slot table. */
  table(col: number, slot: number): number;
  /** Cycles run so far. */
  readonly cycles: number;
}

/** A deep copy of the default agent config, changed by `patch`. */
export function agentConfig(patch?: (c: AgentConfig) => void): AgentConfig {
  const c = structuredClone(kDefaultAgentConfig) as AgentConfig;
  patch?.(c);
  return c;
}

/** Decodes `events` into a fresh tape with `registry`; throws with the reason of the first rejected one. */
export function decodeAll(events: readonly object[], registry: InstrumentRegistry): Tape {
  const tape = new Tape(Math.max(1, events.length));
  events.forEach((ev, i) => {
    const reason = decodeEvent(ev, registry, tape, i + 1);
    if (reason !== null) throw new Error(`test event ${i} was rejected: ${reason}\n${JSON.stringify(ev)}`);
  });
  return tape;
}

export function createHarness(agent: string, universe: readonly object[], patch?: (c: AgentConfig) => void): Harness {
  const registry = new InstrumentRegistry();
  decodeAll(universe, registry);
  registry.freeze();
  const { capacity, arrays, writer, view, snapshot } = stateForUniverse(registry, 1 << 10);
  const spec = agentSpec(agent);
  const region = allocateResultRegion({ maxRecords: spec.maxRecords, tableWidth: spec.tableWidth, capacity });
  const config = agentConfig(patch);
  const runner = new AgentRunner(agent, spec.create(), view, snapshot, config, region);
  const reader = new ResultReader(agent, region);
  let lastTs = NaN;
  let cycles = 0;

  return {
    registry, snapshot, arrays, view, writer, runner, reader, config,
    get cycles() { return cycles; },
    slot(key: string): number {
      const s = registry.slotOf(key);
      if (s < 0) throw new Error(`no instrument ${JSON.stringify(key)} in the test universe`);
      return s;
    },
    feed(events: readonly object[]): void {
      const tape = decodeAll(events, registry);
      for (let r = 0; r < tape.length; r++) {
        writer.apply(tape.rows, r, tape.depth);
        lastTs = tape.ts(r);
      }
    },
    cycle(nowUs?: number): Rec[] {
      const t = nowUs ?? lastTs;
      if (!Number.isFinite(t)) throw new Error('cycle() needs a time: feed an event first or pass nowUs');
      cycles++;
      arrays.ctlF64[kCtlCycleTs] = t;
      Atomics.store(arrays.ctl, kCtlCycleEpoch, writer.epoch);
      runner.run(cycles);
      reader.read();
      if (reader.cycle !== cycles) throw new Error(`the agent published cycle ${reader.cycle}, expected ${cycles}`);
      const recs: Rec[] = [];
      const a = reader.records;
      for (let i = 0; i < reader.count; i++) {
        const o = reader.offset + i * kRecordWidth;
        recs.push({
          kind: a[o]!, slotA: a[o + 1]!, slotB: a[o + 2]!, score: a[o + 3]!,
          value: a[o + 4]!, size: a[o + 5]!, risk: a[o + 6]!, aux: a[o + 7]!,
        });
      }
      return recs;
    },
    setPosition(slot: number, units: number): void {
      arrays.portfolio[kPfPositions0 + slot] = units;
    },
    table(col: number, slot: number): number {
      return reader.arrays.table[col * capacity + slot]!;
    },
  };
}

// ---- Event builders (the fixture envelope, see fixtures/) -------------------------------------

/** A price_update on market.prices.<venue>, key `<venue>:<base>/<quote>`. */
export function price(ts: number, venue: string, base: string, quote: string, bid: number, ask: number, bidSize = 1, askSize = 1): object {
  return {
    ts, type: 'price_update', topic: `market.prices.${venue}`, key: `${venue}:${base}/${quote}`,
    data: { venue, base, quote, bid, ask, bidSize, askSize },
  };
}

export interface PoolFields {
  apy: number;
  tvlUsd: number;
  ilRisk?: 'yes' | 'no';
  exposure?: 'single' | 'multi';
  stablecoin?: boolean;
  symbol?: string;
  chain?: string;
}

/** A yield_update on market.yields.<protocol>, key `<protocol>:<pool>`. */
export function yieldUpdate(ts: number, protocol: string, pool: string, f: PoolFields, type = 'yield_update'): object {
  const data: Record<string, unknown> = {
    protocol, chain: f.chain ?? 'Ethereum', pool, symbol: f.symbol ?? pool, apy: f.apy, apyBase: f.apy, apyReward: 0, tvlUsd: f.tvlUsd,
  };
  if (f.ilRisk !== undefined) data.ilRisk = f.ilRisk;
  if (f.exposure !== undefined) data.exposure = f.exposure;
  if (f.stablecoin !== undefined) data.stablecoin = f.stablecoin;
  return { ts, type, topic: `market.yields.${protocol}`, key: `${protocol}:${pool}`, data };
}

/** A liquidation_cascade on market.liquidations.<protocol> (slot key `protocol:<protocol>`). */
export function cascade(ts: number, protocol: string, totalUsd: number, count = 10): object {
  return {
    ts, type: 'liquidation_cascade', topic: `market.liquidations.${protocol}`, key: `${protocol}:cascade:${ts}`,
    data: { protocol, totalUsd, count },
  };
}

/** A liquidation on market.liquidations.<protocol>. */
export function liquidation(ts: number, protocol: string, collateralUsd: number): object {
  return {
    ts, type: 'liquidation', topic: `market.liquidations.${protocol}`, key: `${protocol}:liq:${ts}`,
    data: { protocol, collateralUsd, debtUsd: collateralUsd * 0.8 },
  };
}
