// The agent catalog: the agents the engine knows, in the order consolidation reads them, with the
// shape of each one's result region, their parameters (defaults and checks) and the runner that
// drives one through a cycle (on an agent thread, or inline on the main thread). This file is the
// engine's one door into the agent side (with the thread entry, ../agent_thread.ts).
import { kDefaultMaxRecords } from '../../protocol/layout.ts';
import type { Agent } from './agent.ts';
import type { AgentConfig } from './config.ts';
import { checkAnalysisConfig } from './config_check.ts';
import { checkArbitrageConfig } from './arbitrage/config_check.ts';
import { ArbitrageDetector } from './arbitrage_detector.ts';
import { ExecutionOptimizer } from './execution_optimizer.ts';
import { LiquidityOptimizer } from './liquidity_optimizer.ts';
import { MarketAnalyzer } from './market_analyzer.ts';
import { PortfolioRebalancer } from './portfolio_rebalancer.ts';
import { kExecTableWidth, kLiqTableWidth, kMarketTableWidth, kRiskTableWidth } from '../../protocol/records.ts';
import { RiskAssessor } from './risk_assessor.ts';
import { YieldHunter } from './yield_hunter.ts';

export { AgentRunner, type Agent, type AgentContext } from './agent.ts';
export { kDefaultAgentConfig, takerFee, type AgentConfig } from './config.ts';

/** Checks every agent parameter; an error names the key. */
export function checkAgentConfig(a: AgentConfig): void {
  checkAnalysisConfig(a);
  checkArbitrageConfig(a.arbitrage);
}

export interface AgentSpec {
  name: string;
  maxRecords: number;
  tableWidth: number;
  create: () => Agent;
}

export const kAgentSpecs: readonly AgentSpec[] = [
  { name: 'yield_hunter', maxRecords: 64, tableWidth: 0, create: () => new YieldHunter() },
  { name: 'risk_assessor', maxRecords: 128, tableWidth: kRiskTableWidth, create: () => new RiskAssessor() },
  { name: 'arbitrage_detector', maxRecords: kDefaultMaxRecords, tableWidth: 0, create: () => new ArbitrageDetector() },
  { name: 'portfolio_rebalancer', maxRecords: kDefaultMaxRecords, tableWidth: 0, create: () => new PortfolioRebalancer() },
  { name: 'liquidity_optimizer', maxRecords: kDefaultMaxRecords, tableWidth: kLiqTableWidth, create: () => new LiquidityOptimizer() },
  { name: 'market_analyzer', maxRecords: 128, tableWidth: kMarketTableWidth, create: () => new MarketAnalyzer() },
  { name: 'execution_optimizer', maxRecords: 128, tableWidth: kExecTableWidth, create: () => new ExecutionOptimizer() },
];

export const kAgentNames: readonly string[] = kAgentSpecs.map((s) => s.name);

export function agentSpec(name: string): AgentSpec {
  const spec = kAgentSpecs.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown agent "${name}" (agents: ${kAgentNames.join(', ')})`);
  return spec;
}

export function createAgent(name: string): Agent {
  return agentSpec(name).create();
}

// The agents' expected-return model and the host of its parameters (the learning loop's side of
// the agents: workers/learning/).
export { initialTheta, kFeatureCount, kFeatureNames, kFHalfSpread, kFIntercept, kFStated, predictReturnPct, thetaProblem } from '../learning/expected_return.ts';
export { ParamHost, type ParamChange, type ParamCommand, type ParamVersion } from '../learning/param_host.ts';
