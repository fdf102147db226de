// Export of a stream as JSON Lines. By default one line per event holding its data exactly as it
// was appended (JSON.stringify of the object, which the stores reproduce byte for byte), so the
// export of the `decisions` stream is the decision log, line for line, with the same SHA-256.
// With `records`, each line is the whole recorded event (stream, revision, position, id, type,
// created, data, metadata). Bookkeeping events (a Kafka lane's claim of its stream) are not data:
// only `records` exports show them.
import { CorruptLogError } from './errors.ts';
import { describeCorruption, scanLog } from './embedded/scan.ts';
import type { EventStore, RecordedEvent } from './types.ts';
import { checkStreamName } from './validate.ts';
import { kLaneClaimType } from './streams.ts';

export interface ExportOptions {
  /** Whole recorded events instead of their data. */
  records?: boolean;
}

const kPage = 4096;

export function exportLine(e: RecordedEvent, records: boolean): string {
  if (!records) return e.type === kLaneClaimType ? '' : `${JSON.stringify(e.data)}\n`;
  return `${JSON.stringify({ stream: e.stream, revision: e.revision, position: e.position, id: e.id, type: e.type, created: e.created.toISOString(), data: e.data, metadata: e.metadata })}\n`;
}

/** Writes a stream of any store, page by page; returns the number of events written. */
export async function exportStream(store: EventStore, stream: string, write: (text: string) => void, options: ExportOptions = {}): Promise<number> {
  checkStreamName(stream);
  let n = 0;
  for (let from = 0; ; from += kPage) {
    const page = await store.readStream(stream, { fromRevision: from, maxCount: kPage });
    let text = '';
    for (const e of page) {
      const line = exportLine(e, options.records === true);
      text += line;
      if (line !== '') n++;
    }
    if (text.length > 0) write(text);
    if (page.length < kPage) return n;
  }
}

/**
 * Writes a stream of an embedded log file without opening it for appends (no lock: works while
 * an engine has it open), checking the whole chain on the way. Damage is an error after the events
 * before it were written; a torn tail is ignored (its events were never acknowledged).
 */
export function exportLogStream(path: string, stream: string, write: (text: string) => void, options: ExportOptions = {}): number {
  checkStreamName(stream);
  let n = 0;
  let text = '';
  const scan = scanLog(path, (e) => {
    if (e.stream !== stream) return;
    const p = JSON.parse(e.payload.toString('utf8')) as RecordedEvent & { created: number };
    const line = exportLine({ ...p, created: new Date(p.created) }, options.records === true);
    text += line;
    if (line !== '') n++;
    if (text.length >= 1 << 20) { write(text); text = ''; }
  });
  if (text.length > 0) write(text);
  if (scan.corrupt) {
    throw new CorruptLogError(`event log ${path}: ${describeCorruption(scan.corrupt)}; ${n} events of stream "${stream}" before it were exported`, scan.corrupt.offset, scan.corrupt.index);
  }
  return n;
}
