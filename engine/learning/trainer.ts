// A trainer's work on one job: read the referenced revisions of the agent's performance stream,
// fit (fit.ts), validate, and say what came of it. The stream is read from the store the job names:
// an embedded log is read without taking it (the engine keeps appending to it), a server store
// through its adapter.
import { exportLogStream } from '../sinks/event_store/export.ts';
import { eventStoreTarget, openEventStore } from '../sinks/event_store/open.ts';
import type { EventStore } from '../sinks/event_store/types.ts';
import { runFit, type Sample } from './fit.ts';
import type { RetrainingJob, RetrainingResult } from './jobs.ts';

interface Stored { revision: number; data: unknown }

const servers = new Map<string, Promise<EventStore>>();

/** Events `from..to` (revisions, inclusive) of a stream, from a store or the store a job names. */
export async function readRange(source: EventStore | string, stream: string, from: number, to: number): Promise<Stored[]> {
  if (typeof source !== 'string') return source.readStream(stream, { fromRevision: from, maxCount: to - from + 1 });
  const { kind, target } = eventStoreTarget(source);
  if (kind === 'embedded') {
    const out: Stored[] = [];
    let rest = '';
    exportLogStream(target, stream, (text) => {
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        const e = JSON.parse(l) as Stored;
        if (e.revision >= from && e.revision <= to) out.push({ revision: e.revision, data: e.data });
      }
    }, { records: true });
    return out;
  }
  let s = servers.get(source);
  if (s === undefined) { s = openEventStore(source); servers.set(source, s); }
  return (await s).readStream(stream, { fromRevision: from, maxCount: to - from + 1 });
}

/** Closes the server stores readRange opened. */
export async function closeStores(): Promise<void> {
  const all = [...servers.values()];
  servers.clear();
  for (const s of all) await (await s).close();
}

/** The outcomes usable for a fit: marked at the horizon, closed (an open position has realised nothing yet), with features and a finite actual return. */
export function samplesOf(events: readonly Stored[]): Sample[] {
  const out: Sample[] = [];
  for (const e of events) {
    const d = e.data as { mark?: unknown; open?: unknown; features?: unknown; actualReturnPct?: unknown };
    if (d === null || typeof d !== 'object' || d.mark !== 'horizon' || d.open === true) continue;
    if (!Array.isArray(d.features) || typeof d.actualReturnPct !== 'number' || !Number.isFinite(d.actualReturnPct)) continue;
    out.push({ features: d.features as number[], actualReturnPct: d.actualReturnPct });
  }
  return out;
}

export async function trainJob(job: RetrainingJob, source: EventStore | string, trainer: string): Promise<RetrainingResult> {
  const d = job.data;
  const events = await readRange(source, d.stream, d.training.fromRevision, d.validation.toRevision);
  const train = samplesOf(events.filter((e) => e.revision <= d.training.toRevision));
  const valid = samplesOf(events.filter((e) => e.revision >= d.validation.fromRevision));
  return runFit(job, train, valid, trainer);
}
