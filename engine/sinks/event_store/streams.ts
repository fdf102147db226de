// The engine's streams and event types. `decisions`: each consolidated decision (approved,
// rejected or held) with the inputs it was made from; `outcomes`: what became of an executed
// decision; `agent-performance-<agentId>`: each agent's performance records; `control`: kill
// switch, approvals and parameter changes.
import { hash } from 'node:crypto';
import { decisionLine } from '../decision_log.ts';
import { JsonText } from '../json_text.ts';
import { InvalidEventError } from './errors.ts';
import type { EventData } from './types.ts';
import { checkStreamName, preview } from './validate.ts';

export const kDecisionsStream = 'decisions';
export const kOutcomesStream = 'outcomes';
export const kControlStream = 'control';
export const kAgentPerformancePrefix = 'agent-performance-';

export const kDecisionType = 'decision';
export const kOutcomeType = 'outcome';
export const kAgentPerformanceType = 'agent_performance';
export const kControlTypes = ['kill_switch', 'approval', 'parameter_change'] as const;
/**
 * Bookkeeping in a decisions stream: a Kafka lane claiming it (engine/kafka/lane_audit.ts, the
 * fencing epoch). Not a decision: data exports leave it out.
 */
export const kLaneClaimType = 'lane_claim';

const kAgentId = /^[a-z0-9][a-z0-9_]*$/;

/** A control event's type, checked (kill_switch, approval, parameter_change). */
export function checkControlType(type: unknown): (typeof kControlTypes)[number] {
  if (!kControlTypes.includes(type as never)) throw new InvalidEventError(`control event type must be one of ${kControlTypes.join(', ')}, got ${JSON.stringify(type)}`);
  return type as (typeof kControlTypes)[number];
}

export function agentPerformanceStream(agentId: string): string {
  if (typeof agentId !== 'string' || !kAgentId.test(agentId)) {
    throw new InvalidEventError(`agent id must be lower-case letters, digits and '_' (e.g. yield_hunter), got ${preview(agentId)}`);
  }
  return checkStreamName(kAgentPerformancePrefix + agentId);
}

/** True for the four stream families the engine writes. */
export function isEngineStream(stream: string): boolean {
  return stream === kDecisionsStream || stream === kOutcomesStream || stream === kControlStream ||
    (stream.startsWith(kAgentPerformancePrefix) && kAgentId.test(stream.slice(kAgentPerformancePrefix.length)));
}

/**
 * A UUID derived from a stream and an idempotency key (SHA-256, shaped as a version 4 UUID), so
 * the same decision gets the same event id in every run and after a restart.
 */
export function keyedEventId(stream: string, key: string): string {
  const h = hash('sha256', `${stream}\0${key}`, 'buffer'); // one call, no Hash object
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * The `decisions` event of a decision: its data is the decision log's line of it (decisionLine:
 * the text the decision log wrote, reused, so an export reproduces the line byte for byte);
 * `metadata` an object or JSON text (the decision's inputs, decision_inputs.ts).
 */
export function decisionEvent(decision: { key: string }, metadata?: Record<string, unknown> | string): EventData {
  return {
    id: keyedEventId(kDecisionsStream, decision.key), type: kDecisionType, data: new JsonText(decisionLine(decision)),
    metadata: typeof metadata === 'string' ? new JsonText(metadata) : metadata,
  };
}
