// The audit trail's command line: check an embedded event log, and export a stream as JSON Lines.
//   npm run audit -- verify [path]
//   npm run audit -- export --stream decisions [--log path | --store url] [--out file] [--records]
//   npm run audit -- import --stream decisions --from out/decisions.jsonl [--log path | --store url]
// Exit status: 0 the log checks out (or the export is complete), 1 a bad event was found, 2 a usage
// error or a file that cannot be read.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { LucentError } from '../protocol/errors.ts';
import { kDefaultLogPath } from '../engine/sinks/event_store/embedded/embedded_store.ts';
import { describeCorruption, scanLog } from '../engine/sinks/event_store/embedded/scan.ts';
import { CorruptLogError } from '../engine/sinks/event_store/errors.ts';
import { exportLogStream, exportStream } from '../engine/sinks/event_store/export.ts';
import { eventStoreTarget, kEventStoreEnv, openEventStore } from '../engine/sinks/event_store/open.ts';
import { kDecisionType, kDecisionsStream, keyedEventId } from '../engine/sinks/event_store/streams.ts';
import type { EventData, ExpectedRevision } from '../engine/sinks/event_store/types.ts';
import { checkStreamName } from '../engine/sinks/event_store/validate.ts';
import { flagHelp, parseFlags, type FlagSpec } from './lib/cli_flags.ts';

const kUsage = `Usage: npm run audit -- <command> [arguments]

Commands:
  verify [path]     check an embedded event log (default ${kDefaultLogPath}): every record's
                    checksum, position, stream revision and the SHA-256 hash chain. Prints the
                    number of events checked and the chain head; names the first bad event
                    (number, stream, revision, offset, what is wrong) and exits 1.
  export            write one stream as JSON Lines: each event's data exactly as appended (the
                    export of "decisions" is the decision log, byte for byte), or whole records
                    with --records. Reads an embedded log without locking it (an engine may have
                    it open), or any store with --store.
  import            append a JSON Lines file (e.g. a decision log) to a stream, one event per
                    line, in batches with exact expected revisions; a line's "key" fixes its
                    event id. Every line is checked before anything is appended.

Exit status: 0 good, 1 a bad event was found, 2 usage error or unreadable file.`;

const kImportFlags: Record<string, FlagSpec> = {
  stream: { kind: 'string', help: 'the stream to append to, e.g. decisions (required)' },
  from: { kind: 'string', help: 'the JSON Lines file to read (required)' },
  type: { kind: 'string', help: 'event type (default "decision" for the decisions stream, else "record")' },
  log: { kind: 'string', help: `embedded log file (default ${kDefaultLogPath})` },
  store: { kind: 'string', help: `a store by path or connection string; default $${kEventStoreEnv}` },
  help: { kind: 'bool', help: 'this text' },
};
const kImportBatch = 512;

const kExportFlags: Record<string, FlagSpec> = {
  stream: { kind: 'string', help: 'the stream to export, e.g. decisions (required)' },
  log: { kind: 'string', help: `embedded log file (default ${kDefaultLogPath})` },
  store: { kind: 'string', help: `a store by path or connection string (postgres://..., kurrentdb://...); default $${kEventStoreEnv}` },
  out: { kind: 'string', help: 'write here instead of stdout' },
  records: { kind: 'bool', help: 'whole recorded events (stream, revision, position, id, type, created, data, metadata)' },
  help: { kind: 'bool', help: 'this text' },
};

function say(text: string): void { process.stdout.write(`${text}\n`); }
function fail(text: string): void { process.stderr.write(`audit: ${text}\n`); }

function verify(args: string[]): number {
  if (args.includes('--help')) { say(kUsage); return 0; }
  const extra = args.filter((a) => a.startsWith('--'));
  if (extra.length > 0) { fail(`verify: unknown flag ${extra[0]} (see --help)`); return 2; }
  if (args.length > 1) { fail(`verify takes one log path, got ${args.length}: ${args.join(' ')}`); return 2; }
  const path = args[0] ?? kDefaultLogPath;
  const streams = new Set<string>();
  const r = scanLog(path, (e) => { streams.add(e.stream); });
  const counted = `${r.events} events checked in ${path} (${streams.size} streams)`;
  if (r.corrupt) {
    say(`BAD: ${counted}; the first bad event is ${describeCorruption(r.corrupt)}`);
    return 1;
  }
  if (r.tail && !r.tail.incomplete) {
    say(`BAD: ${counted}; the record after them, event #${r.events} at offset ${r.tail.offset} (${r.tail.bytes} bytes to the end), fails: ${r.tail.reason}. ` +
      'A write torn by a power loss, or tampering: opening the log cuts it and keeps its bytes beside the log');
    return 1;
  }
  say(`OK: ${counted}; chain head ${r.lastHash.toString('hex')}`);
  if (r.tail) {
    say(`note: ${r.tail.bytes} bytes after the last event (offset ${r.tail.offset}) are a torn tail (${r.tail.reason}): a write cut short by a crash, never an acknowledged event; opening the log cuts them`);
  }
  return 0;
}

async function exportCommand(args: string[]): Promise<number> {
  const f = parseFlags(args, kExportFlags);
  if (f.help) { say(flagHelp(kUsage, kExportFlags)); return 0; }
  const stream = f.stream as string | undefined;
  if (!stream) { fail('export needs --stream <name> (e.g. --stream decisions)'); return 2; }
  if (f.log !== undefined && f.store !== undefined) { fail('export takes --log or --store, not both'); return 2; }
  const outPath = f.out as string | undefined;
  const fd = outPath === undefined ? 1 : openSync(outPath, 'w');
  const write = (text: string): void => { writeSync(fd, text); };
  try {
    const records = f.records === true;
    const store = f.store as string | undefined ?? (f.log === undefined ? process.env[kEventStoreEnv] : undefined);
    const target = eventStoreTarget(store ?? (f.log as string | undefined));
    let n: number;
    if (target.kind === 'embedded') {
      n = exportLogStream(target.target, stream, write, { records });
    } else {
      const s = await openEventStore(target.target);
      try { n = await exportStream(s, stream, write, { records }); } finally { await s.close(); }
    }
    process.stderr.write(`exported ${n} events of stream "${stream}"${outPath ? ` to ${outPath}` : ''}\n`);
    return 0;
  } finally {
    if (fd !== 1) closeSync(fd);
  }
}

async function importCommand(args: string[]): Promise<number> {
  const f = parseFlags(args, kImportFlags);
  if (f.help) { say(flagHelp(kUsage, kImportFlags)); return 0; }
  const stream = f.stream as string | undefined;
  const from = f.from as string | undefined;
  if (!stream || !from) { fail('import needs --stream <name> and --from <file.jsonl>'); return 2; }
  if (f.log !== undefined && f.store !== undefined) { fail('import takes --log or --store, not both'); return 2; }
  checkStreamName(stream);
  const type = (f.type as string | undefined) ?? (stream === kDecisionsStream ? kDecisionType : 'record');
  let text: string;
  try {
    text = readFileSync(from, 'utf8');
  } catch (err) {
    fail(`cannot read ${from}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    return 2;
  }
  const events: EventData[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    let data: unknown;
    try { data = JSON.parse(lines[i]); } catch (err) { fail(`${from}:${i + 1}: not JSON (${(err as Error).message})`); return 1; }
    if (JSON.stringify(data) !== lines[i]) { fail(`${from}:${i + 1}: the line is not in JSON.stringify's form, so an export would not reproduce it byte for byte`); return 1; }
    const key = (data as { key?: unknown })?.key;
    events.push({ type, data, ...(typeof key === 'string' ? { id: keyedEventId(stream, key) } : {}) });
  }
  const target = eventStoreTarget((f.store as string | undefined) ?? (f.log as string | undefined) ?? process.env[kEventStoreEnv]);
  const s = await openEventStore(target.target);
  try {
    let rev: ExpectedRevision = (await s.streamRevision(stream)) ?? 'no_stream';
    for (let i = 0; i < events.length; i += kImportBatch) {
      rev = (await s.append(stream, events.slice(i, i + kImportBatch), { expectedRevision: rev })).nextExpectedRevision;
    }
  } finally {
    await s.close();
  }
  process.stderr.write(`imported ${events.length} events into stream "${stream}" (${target.kind} ${target.target})\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === 'help') { say(kUsage); return command === undefined ? 2 : 0; }
    if (command === 'verify') return verify(rest);
    if (command === 'export') return await exportCommand(rest);
    if (command === 'import') return await importCommand(rest);
    fail(`unknown command "${command}" (commands: verify, export, import; see --help)`);
    return 2;
  } catch (err) {
    if (err instanceof CorruptLogError) { say(`BAD: ${err.message}`); return 1; }
    if (err instanceof LucentError) { fail(err.message); return 2; }
    throw err;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
