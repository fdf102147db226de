// The audit thread: the engine's event store and audit trail, served on a thread of their own
// (audit_thread.ts starts it). It opens the store (embedded log, PostgreSQL or KurrentDB), and
// does here what would otherwise cost the main thread per decision: parsing each decision back
// from its log line, formatting its inputs (about 160 numbers) as JSON text, building the events,
// hashing (keyed ids, the embedded log's chain), writing and syncing. The main thread sends one
// message per drained batch. Other calls (reads, appends of the operator's control stream, the
// learning loop's) are served one message each; they are rare.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { AuditTrail } from '../../audit_trail.ts';
import { attachPackedInputs, type InputsParts } from '../../decision_inputs.ts';
import { adoptLine } from '../../decision_log.ts';
import type { Decision } from '../../../types.ts';
import { openEventStore, type EventStoreConfig } from '../open.ts';
import type { EventStore } from '../types.ts';
import type { BusPublisher } from '../../bus/publisher.ts';
import type { AgentMessage } from '../../bus/agent_message.ts';
import { JsonText } from '../../json_text.ts';
import { keyedEventId } from '../streams.ts';
import {
  errorToWire, fromWire, kAuditThreadNice, kStatusBacklogged, kStatusBusBacklog, kStatusBusOverflow, kStatusDepth, type FromWorker, type StoreMethod,
  type ToWorker, type TrailBatch, type WorkerBusStats,
} from './wire.ts';

/** Lowers this thread's scheduling priority (Linux: /proc/thread-self names the thread); elsewhere, or if refused, nothing. */
function lowerPriority(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return null;
    setPriority(tid, kAuditThreadNice);
    return kAuditThreadNice;
  } catch {
    return null;
  }
}

const port = parentPort!;
const nice = lowerPriority();
const { config, status: statusBuffer } = workerData as { config: EventStoreConfig; status: SharedArrayBuffer };
const status = new Int32Array(statusBuffer);
const post = (m: FromWorker): void => port.postMessage(m);

let store: EventStore;
let trail: AuditTrail | null = null;
/** Approved actions are published from here when the run has a bus (engine_sinks.ts). */
let bus: BusPublisher | null = null;
let busUnconfirmedAtStop = 0;
let watching = false;
/** Registries' slot keys and kinds, as the main thread sends them (one object per registry, its meta growing). */
const registries = new Map<number, InputsParts['registry'] & { meta: { key: string; kind: number }[] }>();
const kNoRegistry: InputsParts['registry'] = { meta: [] };
const registryOf = (rid: number): InputsParts['registry'] => registries.get(rid) ?? kNoRegistry;
/** Decisions whose inputs came with them, and batches received (the trail's stats report them). */
let withInputs = 0, batches = 0;

function publishStatus(): void {
  if (trail === null) return;
  const s = trail.stats();
  Atomics.store(status, kStatusDepth, s.depth);
  Atomics.store(status, kStatusBacklogged, trail.backlogged ? 1 : 0);
  if (bus !== null) {
    const b = bus.stats();
    Atomics.store(status, kStatusBusBacklog, b.buffered + b.inFlight);
    Atomics.store(status, kStatusBusOverflow, b.overflow);
  }
}

function busStats(): WorkerBusStats | undefined {
  if (bus === null) return undefined;
  const b = bus.stats();
  return { published: b.published, confirmed: b.confirmed, overflow: b.overflow, buffered: b.buffered, inFlight: b.inFlight, unconfirmedAtStop: busUnconfirmedAtStop };
}

/** An approved action for the executor outside the engine: its payload the decision log's line, as the main thread would send it. */
function publishAction(d: Decision, line: string, now: number): void {
  const msg: AgentMessage<JsonText> = {
    id: keyedEventId('actions', d.key), from: d.agent, to: 'executor', type: `action.${d.kind}`, priority: 5,
    payload: new JsonText(line), timestamp: now, ttl: 60_000,
  };
  bus!.publishAction(d.kind, msg); // refused when the buffer is full: counted in its overflow
}

function stats(): ReturnType<AuditTrail['stats']> | undefined {
  if (trail === null) return undefined;
  return { ...trail.stats(), inputsFormatted: withInputs, inputsBatches: batches, threadNice: nice };
}

/** A store whose appends say so to the main thread's subscriptions (only while one is watching). */
function watched(s: EventStore): EventStore {
  return {
    kind: s.kind,
    append: async (...args: Parameters<EventStore['append']>) => {
      const r = await s.append(...args);
      if (watching) post({ op: 'changed' });
      return r;
    },
    readStream: (...a) => s.readStream(...a), readAll: (...a) => s.readAll(...a), streamRevision: (...a) => s.streamRevision(...a),
    subscribeToStream: (...a) => s.subscribeToStream(...a), subscribeToAll: (...a) => s.subscribeToAll(...a), close: () => s.close(),
  };
}

async function call(method: StoreMethod, args: unknown[]): Promise<unknown> {
  switch (method) {
    case 'append': {
      const [stream, events, options] = args as [string, unknown, object | undefined];
      const evs = Array.isArray(events) ? events.map(fromWire) : fromWire(events as never);
      return store.append(stream, evs, options);
    }
    case 'readStream': return store.readStream(args[0] as string, args[1] as never);
    case 'readAll': return store.readAll(args[0] as never);
    case 'streamRevision': return store.streamRevision(args[0] as string);
    case 'lastPosition': {
      const last = await store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 });
      return last.length === 0 ? null : last[0]!.position;
    }
    case 'close': return trail !== null ? trail.close() : store.close();
  }
}

function batch(m: TrailBatch): void {
  const t = trail!;
  batches++;
  for (const r of m.regs) {
    let reg = registries.get(r.rid);
    if (reg === undefined) registries.set(r.rid, (reg = { meta: [] }));
    for (let i = 0; i < r.meta.length; i++) reg.meta[r.from + i] = r.meta[i]!;
  }
  const v = m.values;
  const now = Date.now(); // one clock read per batch of actions
  const lines = m.count === 0 ? [] : m.lines.split('\n');
  if (lines.length !== m.count) throw new Error(`audit batch: ${m.count} decisions but ${lines.length} lines`);
  let at = 0;
  for (let i = 0; i < m.count; i++) {
    const line = lines[i]!;
    const d = adoptLine(JSON.parse(line) as Decision, line); // the event's data is this very line
    const rid = v[at]!, realizesPnl = v[at + 1] === 1;
    at += 2;
    if (rid >= 0) {
      at = attachPackedInputs(d, v, at, realizesPnl, registryOf(rid)); // its instruments: the line's own
      withInputs++;
    }
    t.decision(d);
    if (bus !== null && d.status === 'approved') publishAction(d, line, now);
  }
  for (const a of m.appends) {
    const e = fromWire(a.data);
    t.append(a.stream, e.type, e.data as object, e.metadata as object | undefined);
  }
  publishStatus();
}

async function reply(id: number, work: () => Promise<unknown>, withStats = false): Promise<void> {
  try {
    const value = await work();
    post({ op: 'reply', id, value, ...(withStats ? { stats: stats(), bus: busStats() } : {}) });
  } catch (err) {
    post({ op: 'reply', id, error: errorToWire(err), ...(withStats ? { stats: stats(), bus: busStats() } : {}) });
  } finally {
    publishStatus();
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.op) {
    case 'call': void reply(m.id, () => call(m.method, m.args)); break;
    case 'batch':
      try {
        batch(m);
      } catch (err) {
        post({ op: 'failed', error: errorToWire(err) }); // the trail refused the batch: the main thread fails loudly
      }
      break;
    case 'trail':
      void reply(m.id, async () => {
        trail = new AuditTrail(store, { whenFull: m.options.whenFull, capacity: m.options.capacity, inputsWorker: false });
        if (m.options.bus != null) {
          // loaded only when the run has a bus: amqplib and the bus modules cost the thread's start-up otherwise
          const { BusPublisher } = await import('../../bus/publisher.ts');
          bus = new BusPublisher({ url: m.options.bus.url, prefix: m.options.bus.prefix, ...(m.options.bus.lingerMs === undefined ? {} : { lingerMs: m.options.bus.lingerMs }) }).start();
        }
        setInterval(publishStatus, 10).unref();
      });
      break;
    case 'flush': void reply(m.id, () => trail!.flush(), true); break;
    case 'relieve': void reply(m.id, () => trail!.relieve(), true); break;
    case 'trailClose':
      void reply(m.id, async () => {
        try {
          await trail!.close();
        } finally {
          if (bus !== null) busUnconfirmedAtStop = (await bus.close(10_000)).unconfirmed; // flushed up to 10 s, as on the main thread
        }
      }, true);
      break;
    case 'watch': watching = m.on; break;
  }
});

try {
  store = watched(await openEventStore(config));
  post({ op: 'opened', kind: store.kind });
} catch (err) {
  post({ op: 'openFailed', error: errorToWire(err) });
}
