// A snapshot of the whole engine at a cycle boundary (lockstep), and its restore into a freshly
// built engine of the same options and universe:
//   - shared memory: every SharedArrayBuffer of the market state and of the agents' result and
//     parameter regions, copied byte for byte;
//   - the main thread's objects (writer, trigger, plausibility gate, fusions, validator, executor,
//     control plane, the per-event step's counters, the cycle barrier), through their
//     snapshotFields() (protocol/snapshot.ts);
//   - every agent's state, saved where it runs: inline on the main thread, or on its agent thread
//     (the dispatcher asks each thread once per snapshot; never per tick).
// The bytes: one header line (JSON: format, version, the body's sha256 and size, the events it
// covers, the source offsets it covers) and the body (v8 serialisation, gzip). A restore checks
// the format, version, hash, agents and universe before it touches anything.
import { gunzipSync, gzipSync } from 'node:zlib';
import { deserialize, serialize } from 'node:v8';
import { LucentError } from '../../protocol/errors.ts';
import { encodeState, decodeState, sha256 } from '../../protocol/snapshot.ts';
import { kCtlMainSleeping, kCtlReady, kCtlSleepers, kCtlSnapshot, kCtlStop } from '../../protocol/layout.ts';
import type { Pipeline } from '../pipeline.ts';
import type { EventStepper } from '../step/event_stepper.ts';

export const kSnapshotFormat = 'lucent-snapshot';
export const kSnapshotVersion = 1;

export interface SnapshotHeader {
  format: string;
  version: number;
  sha256: string;
  bytes: number;
  /** Source events stepped before it: a file replay resumes at this tape row. */
  events: number;
  /** The newest cycle requested. */
  cycle: number;
  /** The newest full cycle requested (every agent ran; the cycles after it up to `cycle` were wake-only). Absent: `cycle`. */
  fullCycle?: number | undefined;
  agents: string[];
  capacity: number;
  instruments: number;
  /** Decisions made before it (a resumed decision log keeps this many lines). */
  decisions?: number | undefined;
  /** The source offsets it covers (Kafka: topic/partition → the next offset to read). */
  offsets?: Record<string, string> | undefined;
}

interface Body {
  shared: Record<string, Uint8Array>;
  main: Record<string, unknown>;
  agents: Map<string, Uint8Array>;
}

export class SnapshotRestoreError extends LucentError {
  constructor(message: string) { super('ERR_SNAPSHOT', message); }
}

function snapshotDispatch(p: Pipeline): Required<Pick<Pipeline['dispatcher'], 'barrier' | 'saveAgents' | 'restoreAgents'>> {
  const d = p.dispatcher;
  if (d.barrier === undefined || d.saveAgents === undefined || d.restoreAgents === undefined) throw new SnapshotRestoreError('snapshot: this dispatcher cannot save or restore its agents');
  return { barrier: d.barrier, saveAgents: () => d.saveAgents!(), restoreAgents: (s, cycle, full) => d.restoreAgents!(s, cycle, full) };
}

/** Every SharedArrayBuffer of the engine, by a stable name. */
function sharedBuffers(p: Pipeline): Map<string, SharedArrayBuffer> {
  const out = new Map<string, SharedArrayBuffer>();
  const b = p.buffers;
  out.set('columns', b.columns).set('seq', b.seq).set('kinds', b.kinds).set('control', b.control).set('ring', b.ring).set('portfolio', b.portfolio);
  if (b.events) out.set('events', b.events);
  if (b.depth) out.set('depth', b.depth);
  for (const [name, r] of p.regions) out.set(`result:${name}`, r.buffer).set(`params:${name}`, r.params);
  return out;
}

/** The main thread's objects whose state decides what comes next. */
function mainRoots(p: Pipeline, stepper: EventStepper): Record<string, unknown> {
  return {
    writer: p.writer, trigger: p.trigger, gate: p.gate, consolidator: p.consolidator, validator: p.validator, executor: p.executor,
    control: p.control, stats: p.stats, recorder: p.recorder, risk: p.fusionContext.risk, riskView: p.fusionContext.riskView, readers: p.readers, barrier: snapshotDispatch(p).barrier, stepper,
  };
}

/** Takes a snapshot between two events (lockstep, every cycle consolidated). */
export async function takeSnapshot(p: Pipeline, stepper: EventStepper, events: number, offsets?: Record<string, string>, decisions?: number): Promise<Uint8Array> {
  const agents = await snapshotDispatch(p).saveAgents(); // first: the threads are idle at the boundary
  const shared: Record<string, Uint8Array> = {};
  for (const [name, sab] of sharedBuffers(p)) shared[name] = new Uint8Array(sab).slice();
  const body = gzipSync(serialize({ shared, main: encodeState(mainRoots(p, stepper)), agents } satisfies Body), { level: 1 });
  const header: SnapshotHeader = {
    format: kSnapshotFormat, version: kSnapshotVersion, sha256: sha256(body), bytes: body.length, events,
    cycle: snapshotDispatch(p).barrier.cycle, fullCycle: snapshotDispatch(p).barrier.lastFull, agents: [...p.regions.keys()], capacity: p.capacity, instruments: p.snapshot.size, decisions, offsets,
  };
  const head = Buffer.from(`${JSON.stringify(header)}\n`);
  return Buffer.concat([head, body]);
}

/** The header of snapshot bytes, checked (format, version, size, hash), and its body. */
export function readSnapshot(bytes: Uint8Array): { header: SnapshotHeader; body: Buffer } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nl = buf.indexOf(10);
  if (nl < 0 || nl > 64 * 1024) throw new SnapshotRestoreError('snapshot: no header line');
  let header: SnapshotHeader;
  try { header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as SnapshotHeader; } catch { throw new SnapshotRestoreError('snapshot: the header is not JSON'); }
  if (header.format !== kSnapshotFormat) throw new SnapshotRestoreError(`snapshot: format ${JSON.stringify(header.format)}, expected ${kSnapshotFormat}`);
  if (header.version !== kSnapshotVersion) throw new SnapshotRestoreError(`snapshot: version ${header.version}; this engine reads version ${kSnapshotVersion}`);
  const body = buf.subarray(nl + 1);
  if (body.length !== header.bytes) throw new SnapshotRestoreError(`snapshot: ${body.length} bytes of body, the header says ${header.bytes} (truncated)`);
  const hash = sha256(body);
  if (hash !== header.sha256) throw new SnapshotRestoreError(`snapshot: body sha256 ${hash.slice(0, 12)}… does not match the header's ${header.sha256.slice(0, 12)}… (damaged)`);
  return { header, body };
}

/** Checks snapshot bytes against an engine's agents and universe before anything is built (the restore checks again). */
export function checkSnapshot(bytes: Uint8Array, agents: readonly string[], instruments: number): SnapshotHeader {
  return checkSnapshotHeader(readSnapshot(bytes).header, agents, instruments);
}

export function checkSnapshotHeader(header: SnapshotHeader, agents: readonly string[], instruments: number): SnapshotHeader {
  if (header.agents.join(',') !== agents.join(',')) throw new SnapshotRestoreError(`snapshot: taken with agents ${header.agents.join(',')}, this engine runs ${agents.join(',')}`);
  if (header.instruments !== instruments) throw new SnapshotRestoreError(`snapshot: taken over ${header.instruments} instruments, this engine has ${instruments}`);
  return header;
}

/**
 * Restores a snapshot into a freshly built pipeline whose agents have not started: shared memory
 * now, the agents' states when the dispatcher starts them. Returns restoreMain, to call with the
 * source's stepper before the first event.
 */
export function restoreSnapshot(bytes: Uint8Array, p: Pipeline): { header: SnapshotHeader; restoreMain: (stepper: EventStepper) => void } {
  const { header, body: raw } = readSnapshot(bytes);
  const agents = [...p.regions.keys()];
  if (header.agents.join(',') !== agents.join(',')) throw new SnapshotRestoreError(`snapshot: taken with agents ${header.agents.join(',')}, this engine runs ${agents.join(',')}`);
  if (header.capacity !== p.capacity || header.instruments !== p.snapshot.size) {
    throw new SnapshotRestoreError(`snapshot: taken over ${header.instruments} instruments (capacity ${header.capacity}), this engine has ${p.snapshot.size} (${p.capacity})`);
  }
  const body = deserialize(gunzipSync(raw)) as Body;
  const regions = sharedBuffers(p);
  for (const [name, sab] of regions) {
    const src = body.shared[name];
    if (src === undefined || src.byteLength !== sab.byteLength) throw new SnapshotRestoreError(`snapshot: shared region ${name} is ${src?.byteLength ?? 'absent'} bytes, this engine's ${sab.byteLength}`);
  }
  // Shared memory twice: before the agents start (the thread loops read the cycle count from the
  // control block), and again once they have started (building an agent writes its region),
  // except the control block, whose liveness fields then belong to this process's threads. The
  // per-thread lines of the control block (request words, done counters) are the snapshotting
  // engine's, for its thread count: restoreAgents sets them for this engine's threads (each asked
  // for and done with the snapshot's cycle, its newest full cycle the snapshot's) before any starts.
  const copyShared = (control: boolean): void => {
    for (const [name, sab] of regions) if (control || name !== 'control') new Uint8Array(sab).set(body.shared[name]!);
    if (control) { const ctl = p.arrays.ctl; for (const i of [kCtlStop, kCtlSleepers, kCtlMainSleeping, kCtlReady, kCtlSnapshot]) Atomics.store(ctl, i, 0); }
  };
  copyShared(true);
  snapshotDispatch(p).restoreAgents(body.agents, header.cycle, header.fullCycle ?? header.cycle);
  return { header, restoreMain: (stepper) => {
    copyShared(false);
    decodeState(body.main, mainRoots(p, stepper));
  } };
}
