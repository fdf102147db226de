// The bus's exchanges, queues and routing keys, with the record's names.
//
//   lucent.agents.fanout   fanout   every agent's inbox: broadcasts (to = "*")
//   lucent.agents.direct   direct   routing key agent.<agentId>: one agent's inbox
//   lucent.jobs.direct     direct   routing key ai.training.agent_retraining: retraining jobs
//   lucent.actions.topic   topic    routing key action.<kind>: approved actions, for an executor
//                                   outside the engine (bind action.# or action.yield_entry, ...)
//   lucent.dead            fanout   dead letters: rejected by a consumer, or expired (TTL)
//
// Queues the publisher declares, so nothing it sends to them is lost while no consumer runs:
//   lucent.jobs.agent_retraining   ← lucent.jobs.direct, ai.training.agent_retraining
//   lucent.actions.approved        ← lucent.actions.topic, action.#
//   lucent.dead.letters            ← lucent.dead
// and each agent's inbox, declared by its consumer:
//   lucent.agent.<agentId>         ← lucent.agents.direct agent.<agentId>, lucent.agents.fanout
// Every work queue has x-max-priority 9 and dead-letters into lucent.dead.
//
// A prefix namespaces every name (tests use a fresh random one per run).
import type { Channel, Options } from 'amqplib';
import { kMaxPriority } from './agent_message.ts';

export const kRetrainingKey = 'ai.training.agent_retraining';

export interface TopologyOptions {
  /** Prepended to every exchange and queue name. */
  readonly prefix: string;
  /** Exchanges and queues survive a broker restart (default true). */
  readonly durable: boolean;
  /** Exchanges are deleted when their last binding goes (default false). */
  readonly autoDelete: boolean;
  /** Queues unused for this long are deleted by the broker; 0 = never (default). */
  readonly queueExpiresMs: number;
}

export interface BusNames {
  readonly agentsFanout: string;
  readonly agentsDirect: string;
  readonly jobsDirect: string;
  readonly actionsTopic: string;
  readonly dead: string;
  readonly jobsQueue: string;
  readonly actionsQueue: string;
  readonly deadQueue: string;
}

export function busNames(prefix: string): BusNames {
  return {
    agentsFanout: `${prefix}lucent.agents.fanout`,
    agentsDirect: `${prefix}lucent.agents.direct`,
    jobsDirect: `${prefix}lucent.jobs.direct`,
    actionsTopic: `${prefix}lucent.actions.topic`,
    dead: `${prefix}lucent.dead`,
    jobsQueue: `${prefix}lucent.jobs.agent_retraining`,
    actionsQueue: `${prefix}lucent.actions.approved`,
    deadQueue: `${prefix}lucent.dead.letters`,
  };
}

export function agentQueue(prefix: string, agentId: string): string {
  return `${prefix}lucent.agent.${agentId}`;
}

export function agentKey(agentId: string): string {
  return `agent.${agentId}`;
}

export function actionKey(kind: string): string {
  return `action.${kind}`;
}

/** Options for a work queue; the publisher and every consumer must declare a queue alike. */
export function workQueueOptions(o: TopologyOptions): Options.AssertQueue {
  const q: Options.AssertQueue = { durable: o.durable, maxPriority: kMaxPriority, deadLetterExchange: busNames(o.prefix).dead };
  if (o.queueExpiresMs > 0) q.expires = o.queueExpiresMs;
  return q;
}

function deadQueueOptions(o: TopologyOptions): Options.AssertQueue {
  const q: Options.AssertQueue = { durable: o.durable };
  if (o.queueExpiresMs > 0) q.expires = o.queueExpiresMs;
  return q;
}

/** Declares the exchanges and the dead-letter queue (idempotent; run on every (re)connect). */
export async function assertExchanges(ch: Channel, o: TopologyOptions): Promise<BusNames> {
  const n = busNames(o.prefix);
  const ex: Options.AssertExchange = { durable: o.durable, autoDelete: o.autoDelete };
  await ch.assertExchange(n.agentsFanout, 'fanout', ex);
  await ch.assertExchange(n.agentsDirect, 'direct', ex);
  await ch.assertExchange(n.jobsDirect, 'direct', ex);
  await ch.assertExchange(n.actionsTopic, 'topic', ex);
  await ch.assertExchange(n.dead, 'fanout', ex);
  await ch.assertQueue(n.deadQueue, deadQueueOptions(o));
  await ch.bindQueue(n.deadQueue, n.dead, '');
  return n;
}

/** The retraining-jobs queue. */
export async function assertJobsQueue(ch: Channel, o: TopologyOptions): Promise<string> {
  const n = busNames(o.prefix);
  await ch.assertQueue(n.jobsQueue, workQueueOptions(o));
  await ch.bindQueue(n.jobsQueue, n.jobsDirect, kRetrainingKey);
  return n.jobsQueue;
}

/** The approved-actions queue (every action kind). */
export async function assertActionsQueue(ch: Channel, o: TopologyOptions): Promise<string> {
  const n = busNames(o.prefix);
  await ch.assertQueue(n.actionsQueue, workQueueOptions(o));
  await ch.bindQueue(n.actionsQueue, n.actionsTopic, 'action.#');
  return n.actionsQueue;
}

/** The publisher's part: exchanges, plus the jobs and actions queues so nothing sent there is unroutable. */
export async function assertPublisherTopology(ch: Channel, o: TopologyOptions): Promise<BusNames> {
  const n = await assertExchanges(ch, o);
  await assertJobsQueue(ch, o);
  await assertActionsQueue(ch, o);
  return n;
}

/** An agent's inbox: its direct key and every broadcast. */
export async function assertAgentInbox(ch: Channel, o: TopologyOptions, agentId: string): Promise<string> {
  const n = busNames(o.prefix);
  const q = agentQueue(o.prefix, agentId);
  await ch.assertQueue(q, workQueueOptions(o));
  await ch.bindQueue(q, n.agentsDirect, agentKey(agentId));
  await ch.bindQueue(q, n.agentsFanout, '');
  return q;
}

/** Deletes every exchange and queue under a prefix that this module names (tests' clean-up). */
export async function deleteTopology(ch: Channel, prefix: string, agentIds: readonly string[]): Promise<void> {
  const n = busNames(prefix);
  for (const q of [n.jobsQueue, n.actionsQueue, n.deadQueue, ...agentIds.map((a) => agentQueue(prefix, a))]) await ch.deleteQueue(q);
  for (const e of [n.agentsFanout, n.agentsDirect, n.jobsDirect, n.actionsTopic, n.dead]) await ch.deleteExchange(e);
}
