// The record's AgentMessage, its checks, and its AMQP encoding.
//
// Every message on the bus is an AgentMessage: agent-to-agent messages, retraining jobs and
// approved actions alike. The body is the whole message as JSON; the AMQP properties repeat what
// the broker acts on: message-id (consumers de-duplicate on it: delivery is at-least-once),
// priority (queues are declared with x-max-priority), expiration (the per-message TTL),
// persistent delivery, content-type and the AMQP timestamp (seconds).
import type { Options } from 'amqplib';
import { JsonText } from '../json_text.ts';

export interface AgentMessage<P = unknown> {
  /** Unique per message; the AMQP message-id. A re-sent message keeps it. */
  readonly id: string;
  /** Sender: an agent id, or "engine". */
  readonly from: string;
  /** Recipient: an agent id, or "*" for every agent (the fanout exchange). */
  readonly to: string;
  /** What the payload is, e.g. "opportunity", "risk_alert", "agent_retraining", "action.yield_entry". */
  readonly type: string;
  /** 0 (lowest) .. 9 (highest); higher is delivered first from a backlog. */
  readonly priority: number;
  /** JSON-serialisable. */
  readonly payload: P;
  /** When the message was made, ms since the Unix epoch. */
  readonly timestamp: number;
  /** How long it stays deliverable, ms; 0 = no expiry. Expired messages are dead-lettered. */
  readonly ttl: number;
}

export const kMaxPriority = 9;
export const kBroadcast = '*';
export const kMaxTtlMs = 7 * 24 * 3600 * 1000;
const kIdRe = /^[A-Za-z0-9_.:\-]{1,128}$/;
const kNameRe = /^[A-Za-z0-9_.:\-]{1,100}$/;
const kMinTimestamp = Date.UTC(2000, 0, 1);
const kMaxTimestamp = Date.UTC(2100, 0, 1);
const kContentType = 'application/json';
const kAppId = 'lucent-engine';

/** The reason a message is not a plausible AgentMessage, or null. */
export function agentMessageProblem(m: unknown): string | null {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return 'message must be an object';
  const o = m as Record<string, unknown>;
  if (typeof o.id !== 'string' || !kIdRe.test(o.id)) return `id must be 1..128 characters of A-Z a-z 0-9 _ . : -, got ${show(o.id)}`;
  if (typeof o.from !== 'string' || !kNameRe.test(o.from)) return `from must be an agent id (1..100 characters of A-Z a-z 0-9 _ . : -), got ${show(o.from)}`;
  if (typeof o.to !== 'string' || (o.to !== kBroadcast && !kNameRe.test(o.to))) return `to must be an agent id or "*", got ${show(o.to)}`;
  if (typeof o.type !== 'string' || !kNameRe.test(o.type)) return `type must be 1..100 characters of A-Z a-z 0-9 _ . : -, got ${show(o.type)}`;
  if (!Number.isInteger(o.priority) || (o.priority as number) < 0 || (o.priority as number) > kMaxPriority) return `priority must be an integer in 0..${kMaxPriority}, got ${show(o.priority)}`;
  if (!Number.isInteger(o.timestamp) || (o.timestamp as number) < kMinTimestamp || (o.timestamp as number) >= kMaxTimestamp) {
    return `timestamp must be integer ms since the Unix epoch (years 2000..2099), got ${show(o.timestamp)}`;
  }
  if (!Number.isInteger(o.ttl) || (o.ttl as number) < 0 || (o.ttl as number) > kMaxTtlMs) return `ttl must be an integer number of ms in 0..${kMaxTtlMs} (0 = no expiry), got ${show(o.ttl)}`;
  if (!('payload' in o) || o.payload === undefined) return 'payload is missing';
  return null;
}

/** The JSON body (a JsonText payload is spliced in as its text); throws a one-line TypeError when the payload cannot be serialised. */
export function encodeBody(m: AgentMessage): string {
  if (m.payload instanceof JsonText) {
    // a payload already serialised (a decision's log line): spliced in, the same text JSON.stringify gives
    const p = m.payload.text;
    if (typeof p !== 'string' || p.length === 0) throw new TypeError(`message ${m.id}: payload is empty JSON text`);
    return `{"id":${JSON.stringify(m.id)},"from":${JSON.stringify(m.from)},"to":${JSON.stringify(m.to)},"type":${JSON.stringify(m.type)},"priority":${m.priority},"payload":${p},"timestamp":${m.timestamp},"ttl":${m.ttl}}`;
  }
  try {
    return JSON.stringify({ id: m.id, from: m.from, to: m.to, type: m.type, priority: m.priority, payload: m.payload, timestamp: m.timestamp, ttl: m.ttl });
  } catch (err) {
    throw new TypeError(`message ${m.id}: payload is not JSON-serialisable (${(err as Error).message.split('\n', 1)[0]})`);
  }
}

/** AMQP publish properties for a message. `mandatory`: the broker returns it if no queue is bound. */
export function publishOptions(m: AgentMessage): Options.Publish {
  const o: Options.Publish = {
    messageId: m.id,
    priority: m.priority,
    persistent: true,
    contentType: kContentType,
    timestamp: Math.floor(m.timestamp / 1000),
    type: m.type,
    appId: kAppId,
    mandatory: true,
  };
  if (m.ttl > 0) o.expiration = String(m.ttl);
  return o;
}

/** A delivered body → the message, or the reason it is not one (for dead-lettering). */
export function decodeBody(content: Buffer): { message: AgentMessage } | { problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return { problem: `body is not JSON (${(err as Error).message})` };
  }
  const problem = agentMessageProblem(v);
  return problem === null ? { message: v as AgentMessage } : { problem };
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
