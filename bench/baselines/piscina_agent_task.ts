// Piscina task for the "piscina.run() per agent per cycle" baseline: runs one agent's cycle over
// the shared state (handed to the worker once, in workerData). Each worker keeps one AgentRunner
// per agent it has been asked to run, so the agents' incremental state lives where they run.
import { workerData } from 'piscina';
import { MarketView } from '../../protocol/market_view.ts';
import type { MarketStateBuffers } from '../../protocol/market_state.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import { type AgentConfig, AgentRunner, createAgent } from '../../workers/agents/index.ts';
import type { ResultRegionBuffers } from '../../protocol/result_region.ts';

export interface PiscinaAgentData {
  state: MarketStateBuffers;
  registry: RegistrySnapshot;
  config: AgentConfig;
  regions: [string, ResultRegionBuffers][];
}

export interface PiscinaAgentTask {
  agent: string;
  cycle: number;
}

const data = workerData as PiscinaAgentData;
const view = new MarketView(data.state);
const regions = new Map(data.regions);
const runners = new Map<string, AgentRunner>();

export default function runAgentCycle(task: PiscinaAgentTask): number {
  if (task.agent === '') return 0; // warm-up: the module is loaded
  let r = runners.get(task.agent);
  if (r === undefined) {
    r = new AgentRunner(task.agent, createAgent(task.agent), view, data.registry, data.config, regions.get(task.agent)!);
    runners.set(task.agent, r);
  }
  r.run(task.cycle);
  return task.cycle;
}
