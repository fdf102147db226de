// Test helper: a tiny universe in shared memory (the engine's own pipeline, buildPipeline) and one
// agent run inline through its AgentRunner, cycle by cycle. Event builders: fixtures/events.ts.
//
//   const h = createHarness('arbitrage_detector', [ev1, ev2, ...], (c) => { c.fees.defaultTaker = 0.001; });
//   h.feed([ev1, ev2]);             // decode through the codec, apply through the single writer
//   const recs = h.cycle();          // one agent cycle at the last fed event's time; its published records
//
// The universe events fix the instruments and their slots (in order of first appearance); they are
// decoded through the codec into a registry that is then frozen, exactly as the engine does before
// its agents start. Nothing is applied to the state until feed() is called.
import {
  kPfPositions0, kRecAux, kRecKind, kRecordWidth, kRecRisk, kRecScore, kRecSize, kRecSlotA, kRecSlotB, kRecValue,
} from '../../protocol/layout.ts';
import type { MarketArrays } from '../../protocol/market_state.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import { InstrumentRegistry, type RegistrySnapshot } from '../../protocol/registry.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import { Tape } from '../../protocol/tape.ts';
import { AgentRunner, agentSpec, kDefaultAgentConfig, type AgentConfig } from '../../workers/agents/index.ts';
import { kDefaultConfig, type EngineConfig } from '../options.ts';
import { buildPipeline, type Pipeline, type PipelineHooks } from '../pipeline.ts';
import { DecisionLog } from '../sinks/decision_log.ts';
import { decodeEvent } from '../source/codec.ts';
import type { MarketWriter } from '../state/market_writer.ts';

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

/** What every test harness over a pipeline exposes: the universe, the state and its single writer. */
export interface TestState {
  pipeline: Pipeline;
  registry: InstrumentRegistry;
  snapshot: RegistrySnapshot;
  arrays: MarketArrays;
  view: MarketView;
  writer: MarketWriter;
  /** Slot of an instrument key (throws when the key is not in the universe). */
  slot(key: string): number;
}

export interface Harness extends TestState {
  runner: AgentRunner;
  reader: ResultReader;
  config: AgentConfig;
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

/** The slot of an instrument key; throws when the key is not in the test universe. */
export function slotIn(registry: InstrumentRegistry, key: string): number {
  const s = registry.slotOf(key);
  if (s < 0) throw new Error(`no instrument ${JSON.stringify(key)} in the test universe`);
  return s;
}

/** Decodes events with the frozen registry and applies them in order; returns the last one's time (NaN: none). */
export function feedEvents(events: readonly object[], registry: InstrumentRegistry, writer: MarketWriter): number {
  const tape = decodeAll(events, registry);
  for (let r = 0; r < tape.length; r++) writer.apply(tape.rows, r, tape.depth);
  return tape.length > 0 ? tape.ts(tape.length - 1) : NaN;
}

/** A pipeline over `registry` (frozen) with `agents` and no agent started (threads 0): tests drive it. */
export function testPipeline(registry: InstrumentRegistry, agents: string[], config: EngineConfig, onRecord?: PipelineHooks['onRecord'], ringSize = 1 << 10): Pipeline {
  return buildPipeline(
    { agents, config, threads: 0, topology: undefined, wait: 'hybrid', cycleTimeoutMs: 10_000 },
    registry, new DecisionLog(null), { ringSize, ...(onRecord ? { onRecord } : {}) },
  );
}

/** `ringSize`: entries of the changed-slot and event rings (a tiny one makes a test lap it). */
export function createHarness(agent: string, universe: readonly object[], patch?: (c: AgentConfig) => void, ringSize = 1 << 10): Harness {
  const registry = new InstrumentRegistry();
  decodeAll(universe, registry);
  registry.freeze();
  const config = agentConfig(patch);
  const pipeline = testPipeline(registry, [agent], { ...kDefaultConfig, agents: config }, undefined, ringSize);
  const { capacity, arrays, writer, view, snapshot, dispatcher } = pipeline;
  const runner = new AgentRunner(agent, agentSpec(agent).create(), view, snapshot, config, pipeline.regions.get(agent)!);
  const reader = pipeline.readers[0]!;
  let lastTs = NaN;
  let cycles = 0;

  return {
    pipeline, registry, snapshot, arrays, view, writer, runner, reader, config,
    get cycles() { return cycles; },
    slot: (key: string): number => slotIn(registry, key),
    feed(events: readonly object[]): void {
      const ts = feedEvents(events, registry, writer);
      if (ts === ts) lastTs = ts;
    },
    cycle(nowUs?: number): Rec[] {
      const t = nowUs ?? lastTs;
      if (!Number.isFinite(t)) throw new Error('cycle() needs a time: feed an event first or pass nowUs');
      cycles = dispatcher.request(t); // the cycle published over the state's epoch, as the engine does
      runner.run(cycles);
      reader.read();
      if (reader.cycle !== cycles) throw new Error(`the agent published cycle ${reader.cycle}, expected ${cycles}`);
      const recs: Rec[] = [];
      const a = reader.records;
      for (let i = 0; i < reader.count; i++) {
        const o = reader.offset + i * kRecordWidth;
        recs.push({
          kind: a[o + kRecKind]!, slotA: a[o + kRecSlotA]!, slotB: a[o + kRecSlotB]!, score: a[o + kRecScore]!,
          value: a[o + kRecValue]!, size: a[o + kRecSize]!, risk: a[o + kRecRisk]!, aux: a[o + kRecAux]!,
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
