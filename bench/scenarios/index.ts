// Every scenario, in the order the runner runs them. Each loads its module only when it runs.
import type { Scenario } from './scenario.ts';

export interface ScenarioEntry {
  name: string;
  summary: string;
  /** Node flags the scenario's process needs. */
  execArgv: string[];
  load: () => Promise<Scenario>;
}

export const kScenarios: readonly ScenarioEntry[] = [
  { name: 'handoff', summary: 'hand-off floor: spin, Atomics.wait/notify, postMessage, piscina.run()', execArgv: [], load: async () => (await import('./handoff.ts')).handoff },
  { name: 'open_loop', summary: 'tick-to-decision at fixed offered rates: engine waits vs inline vs piscina vs postMessage', execArgv: [], load: async () => (await import('./open_loop.ts')).openLoop },
  { name: 'saturation', summary: 'highest sustained events/s and cycles/s, as fast as possible', execArgv: [], load: async () => (await import('./saturation.ts')).saturation },
  { name: 'scaling', summary: 'threads, topologies, universe size, and a compute-heavy workload', execArgv: [], load: async () => (await import('./scaling.ts')).scaling },
  { name: 'ingest', summary: 'JSON decode, binary tape load, state writes', execArgv: [], load: async () => (await import('./ingest.ts')).ingest },
  { name: 'recording', summary: 'Binance recording replayed at 1×, 10×, 100× and as fast as possible', execArgv: [], load: async () => (await import('./recording.ts')).recording },
  { name: 'sinks', summary: 'every sink on vs off (event store, metrics + scrape, bus): lockstep events/s and realtime p99, interleaved', execArgv: [], load: async () => (await import('./sinks.ts')).sinks },
  { name: 'memory', summary: 'RSS, GC pauses, and allocation per event on the hot path', execArgv: ['--expose-gc'], load: async () => (await import('./memory.ts')).memory },
];

export const kScenarioNames: readonly string[] = kScenarios.map((s) => s.name);

export function scenarioEntry(name: string): ScenarioEntry {
  const e = kScenarios.find((s) => s.name === name);
  if (!e) throw new Error(`unknown scenario "${name}" (scenarios: ${kScenarioNames.join(', ')})`);
  return e;
}
