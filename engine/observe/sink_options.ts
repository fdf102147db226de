// The sinks' options (--event-store, --audit-when-full, --audit-thread, --http, --bus, --bus-prefix), checked when
// a run starts (EngineSinks.open, before anything is read) with messages that name the option.
//
// The event store: `--event-store <spec>`, else $LUCENT_EVENT_STORE, else the embedded log beside
// the decision log (<dir of --decisions>/audit/events.log: out/audit/events.log by default; none
// when the decision log is not kept). `off` (or `none`) turns it off. A spec is a log path
// (embedded), postgres://… or kurrentdb://… (event_store/open.ts).
import { dirname, join } from 'node:path';
import { OptionError } from '../../protocol/errors.ts';
import type { WhenFull } from '../sinks/event_store/audit_writer.ts';
import { eventStoreTarget, kEventStoreEnv } from '../sinks/event_store/open.ts';
import type { EventStoreKind } from '../sinks/event_store/types.ts';
import { parseHttpOption } from '../http/http_option.ts';
import type { HttpConfig } from '../http/server.ts';
import type { EngineOptions, SinkOptionsInput } from '../options.ts';

export interface SinkOptions {
  /** The event store's spec (a log path or a connection string); null: no audit trail. */
  eventStore: string | null;
  eventStoreKind: EventStoreKind | null;
  /** The embedded log was chosen by default (not --event-store nor $LUCENT_EVENT_STORE). */
  eventStoreDefault: boolean;
  /** The audit queues' policy when full (audit_trail.ts). */
  auditWhenFull: WhenFull;
  /** The event store and its trail served from the audit thread (default), not the main thread. */
  auditThread: boolean;
  /** The HTTP endpoints; null: none. */
  http: HttpConfig | null;
  /** RabbitMQ URL for approved actions; null: no bus. */
  bus: string | null;
  /** Prepended to every exchange and queue name on the bus. */
  busPrefix: string;
  /** The bus's linger, ms (undefined: the bus's default). */
  busLingerMs: number | undefined;
  /** Record metrics into the shared-memory block even without HTTP (benchmarks). Default: with --http. */
  metrics: boolean;
}


export const kSinksOff: SinkOptions = { eventStore: null, eventStoreKind: null, eventStoreDefault: false, auditWhenFull: 'overflow', auditThread: true, http: null, bus: null, busPrefix: '', busLingerMs: undefined, metrics: false };

/** The sinks of a run: its options checked (errors name the option) and the defaults filled in. */
export function sinkOptionsOf(o: Pick<EngineOptions, 'sinks' | 'decisions'>): SinkOptions {
  return resolveSinkOptions(o.sinks, o.decisions);
}

export function resolveSinkOptions(i: SinkOptionsInput, decisions: string | null): SinkOptions {
  let spec = i.eventStore ?? process.env[kEventStoreEnv];
  if (spec !== undefined && spec.trim() === '') throw new OptionError('--event-store must name a log path, postgres://… or kurrentdb://…, or be "off"');
  const byDefault = spec === undefined;
  if (spec === undefined) spec = decisions === null ? 'off' : join(dirname(decisions), 'audit', 'events.log');
  spec = spec.trim();
  const off = spec === 'off' || spec === 'none';
  let kind: EventStoreKind | null = null;
  if (!off) {
    try {
      kind = eventStoreTarget(spec).kind;
    } catch (err) {
      throw new OptionError(`--event-store: ${(err as Error).message}`);
    }
  }
  const whenFull = i.auditWhenFull ?? 'overflow';
  if (whenFull !== 'overflow' && whenFull !== 'drop') throw new OptionError(`--audit-when-full must be "overflow" or "drop", got ${JSON.stringify(whenFull)}`);
  const t = i.auditThread ?? true;
  if (t !== true && t !== false && t !== 'on' && t !== 'off') throw new OptionError(`--audit-thread must be "on" or "off", got ${JSON.stringify(t)}`);
  const auditThread = t === true || t === 'on';
  const bus = i.bus ?? null;
  if (bus !== null && !/^amqps?:\/\/[^\s]+$/.test(bus)) throw new OptionError(`--bus must be an amqp:// or amqps:// URL, got ${JSON.stringify(bus)}`);
  const busPrefix = i.busPrefix ?? '';
  if (!/^[A-Za-z0-9_.-]{0,100}$/.test(busPrefix)) throw new OptionError(`--bus-prefix must be up to 100 characters of A-Z a-z 0-9 _ . -, got ${JSON.stringify(busPrefix)}`);
  const busLingerMs = i.busLingerMs;
  if (busLingerMs !== undefined && (!Number.isInteger(busLingerMs) || busLingerMs < 0 || busLingerMs > 10_000)) {
    throw new OptionError(`sinks.busLingerMs must be an integer number of ms in 0..10000, got ${String(busLingerMs)}`);
  }
  const http = i.http === undefined ? null : parseHttpOption(i.http);
  return { eventStore: off ? null : spec, eventStoreKind: kind, eventStoreDefault: byDefault && !off, auditWhenFull: whenFull, auditThread, http, bus, busPrefix, busLingerMs, metrics: i.metrics ?? http !== null };
}
