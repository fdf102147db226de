// The learning loop's figures in the metrics block: each agent's accuracy ratio
// (agent_decision_accuracy_ratio: its success rate over the tracker's window) and its status
// (lucent_agent_status: ACTIVE, RETRAINING, SHADOW).
import { kAgentStatusNames, type EngineMetricsSchema } from '../../protocol/metrics/catalogue.ts';
import type { EngineMetrics } from '../../protocol/metrics/engine_metrics.ts';
import type { LearningMetrics } from './loop.ts';

export function learningMetrics(m: EngineMetrics, schema: EngineMetricsSchema): LearningMetrics {
  const index = new Map(schema.agents.map((a, i) => [a.id, i]));
  return {
    accuracy(agent, ratio): void {
      const i = index.get(agent);
      if (i !== undefined && Number.isFinite(ratio)) m.accuracy(i, ratio);
    },
    status(agent, status): void {
      const i = index.get(agent);
      if (i !== undefined) m.status(i, kAgentStatusNames.indexOf(status));
    },
  };
}
