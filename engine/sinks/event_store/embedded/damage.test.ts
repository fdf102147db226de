// A damaged log: tampering inside it (a flipped byte, an edited event with its CRC recomputed, a
// removed, reordered or duplicated event, a forged last event) is an error that names the event,
// and the log is left as it was; a torn tail (a frame cut short, garbage, zeros, a full frame with
// a bad checksum) is cut on open, its bytes kept aside, and appends continue the chain.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CorruptLogError, EventStoreError } from '../errors.ts';
import { openEmbeddedStore } from './embedded_store.ts';
import { frameCrc, kFrameHead, kFrameOverhead, kHeaderBytes, payloadText, writeFrame } from './format.ts';
import { scanLog, type ScannedEvent } from './scan.ts';

const kEvents = 20;
const dir = mkdtempSync(join(tmpdir(), 'lucent-es-damage-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;

/** A fresh log of 20 events over three streams; returns its path and each event's frame. */
async function makeLog(): Promise<{ path: string; frames: ScannedEvent[] }> {
  const path = join(dir, `log${seq++}.log`);
  const s = await openEmbeddedStore({ path });
  const streams = ['decisions', 'outcomes', 'agent-performance-yield_hunter'];
  for (let i = 0; i < kEvents; i++) await s.append(streams[i % 3], { type: 'decision', data: { n: i, note: `event ${i}` } });
  await s.close();
  const frames: ScannedEvent[] = [];
  const r = scanLog(path, (e) => frames.push(e));
  assert.is(r.events, kEvents);
  assert.is(r.corrupt, null);
  assert.is(r.tail, null);
  return { path, frames };
}

function frameBytes(file: Buffer, f: ScannedEvent): Buffer {
  return file.subarray(f.offset, f.offset + f.size);
}

async function openFails(path: string, pattern: RegExp): Promise<CorruptLogError> {
  const before = readFileSync(path);
  try {
    await openEmbeddedStore({ path });
  } catch (err) {
    assert.instance(err, CorruptLogError);
    assert.match((err as Error).message, pattern);
    assert.equal(readFileSync(path), before, 'a corrupt log is left exactly as it was');
    return err as CorruptLogError;
  }
  assert.unreachable('open should fail');
  throw new Error('unreachable');
}

test('a flipped byte in the middle: the event is named (number, stream, revision, offset) and open refuses the log', async () => {
  const { path, frames } = await makeLog();
  const file = readFileSync(path);
  const f = frames[10];
  file[f.offset + kFrameHead + f.size - kFrameOverhead - 3] ^= 0x04; // inside the payload, after "stream" and "revision"
  writeFileSync(path, file);
  const r = scanLog(path);
  assert.is(r.events, 10);
  assert.ok(r.corrupt);
  assert.is(r.corrupt!.index, 10);
  assert.is(r.corrupt!.offset, f.offset);
  assert.is(r.corrupt!.stream, 'outcomes'); // event i went to stream i % 3, at revision floor(i / 3)
  assert.is(r.corrupt!.revision, 3);
  assert.match(r.corrupt!.reason, `checksum mismatch; a valid record follows at offset ${frames[11].offset}`);
  const err = await openFails(path, /event #10 \(stream "outcomes", revision 3\) at offset \d+: checksum mismatch/);
  assert.is(err.index, 10);
  assert.is(err.offset, f.offset);
});

test('an edited event with its CRC recomputed: the hash chain names it', async () => {
  const { path, frames } = await makeLog();
  const file = readFileSync(path);
  const f = frames[7];
  const text = file.toString('utf8', f.offset + kFrameHead, f.offset + f.size - 32);
  const forged = text.replace('"n":7', '"n":8');
  assert.is.not(forged, text);
  file.write(forged, f.offset + kFrameHead, 'utf8');
  file.writeUInt32LE(frameCrc(file, f.offset, f.size - kFrameOverhead), f.offset + 8);
  writeFileSync(path, file);
  const r = scanLog(path);
  assert.is(r.corrupt?.index, 7);
  assert.match(r.corrupt!.reason, 'hash chain broken');
  await openFails(path, /event #7 \(stream "outcomes", revision 2\) at offset \d+: hash chain broken/);
});

test('a removed event: the next one is named (its position does not follow)', async () => {
  const { path, frames } = await makeLog();
  const file = readFileSync(path);
  const f = frames[12];
  writeFileSync(path, Buffer.concat([file.subarray(0, f.offset), file.subarray(f.offset + f.size)]));
  const r = scanLog(path);
  assert.is(r.corrupt?.index, 12);
  assert.is(r.corrupt?.offset, f.offset);
  assert.match(r.corrupt!.reason, 'position 13 where 12 was expected');
  await openFails(path, /event #12 \(stream "outcomes", revision 4\) at offset \d+: position 13 where 12 was expected/);
});

test('two events swapped, and an event duplicated: named at the first out-of-place position', async () => {
  const { path, frames } = await makeLog();
  const file = readFileSync(path);
  const [a, b] = [frames[4], frames[5]];
  const swapped = Buffer.concat([file.subarray(0, a.offset), frameBytes(file, b), frameBytes(file, a), file.subarray(b.offset + b.size)]);
  writeFileSync(path, swapped);
  assert.match(scanLog(path).corrupt!.reason, 'position 5 where 4 was expected');
  const dup = Buffer.concat([file.subarray(0, b.offset), frameBytes(file, a), file.subarray(b.offset)]);
  writeFileSync(path, dup);
  const r = scanLog(path);
  assert.is(r.corrupt?.index, 5);
  assert.match(r.corrupt!.reason, 'position 4 where 5 was expected');
});

test('a forged last event (valid CRC, wrong chain) is corruption, not a torn tail: never cut', async () => {
  const { path } = await makeLog();
  const payload = payloadText(kEvents, 'decisions', 7, '00000000-0000-4000-8000-000000000001', 'decision', Date.now(), '{"n":999}', '{}');
  const len = Buffer.byteLength(payload);
  const frame = Buffer.alloc(len + kFrameOverhead);
  writeFrame(frame, 0, payload, len, Buffer.alloc(32)); // chained to zeros, not to the real head
  appendFileSync(path, frame);
  const r = scanLog(path);
  assert.is(r.corrupt?.index, kEvents);
  assert.match(r.corrupt!.reason, 'hash chain broken');
  await openFails(path, /event #20 \(stream "decisions", revision 7\)/);
});

test('a torn tail (the last frame cut short) is cut on open, kept aside, and appends continue the chain', async () => {
  const { path, frames } = await makeLog();
  const size = statSync(path).size;
  const last = frames[kEvents - 1];
  const keep = last.offset + 30;
  const original = readFileSync(path);
  writeFileSync(path, original.subarray(0, keep));
  const s = await openEmbeddedStore({ path });
  assert.ok(s.recovery);
  assert.is(s.recovery!.offset, last.offset);
  assert.is(s.recovery!.bytesCut, 30);
  assert.match(s.recovery!.reason, 'with only 30 bytes left in the file');
  assert.equal(readFileSync(s.recovery!.savedTo), original.subarray(last.offset, keep));
  assert.is(s.eventCount, kEvents - 1);
  assert.is(statSync(path).size, last.offset);
  // The stream that lost its unacknowledged last event goes on from the right revision.
  assert.is(await s.streamRevision('outcomes'), 5);
  const r = await s.append('outcomes', [{ type: 'decision', data: { n: 100 } }, { type: 'decision', data: { n: 101 } }], { expectedRevision: 5 });
  assert.equal(r, { nextExpectedRevision: 7, position: kEvents });
  await s.close();
  const after = scanLog(path);
  assert.is(after.corrupt, null);
  assert.is(after.tail, null);
  assert.is(after.events, kEvents + 1);
  assert.ok(statSync(path).size > size - last.size, 'the log grew again');
  const s2 = await openEmbeddedStore({ path });
  assert.is(s2.recovery, null);
  assert.equal((await s2.readStream('outcomes')).map((e) => (e.data as { n: number }).n), [1, 4, 7, 10, 13, 16, 100, 101]);
  await s2.close();
});

test('garbage, zeros, a bare header fragment, and a full frame with a bad checksum at the tail are cut (the last kept aside as possible evidence)', async () => {
  const cases: [string, (last: Buffer) => Buffer, boolean][] = [
    ['garbage', () => Buffer.from('not a frame at all, just text that a crash left behind'), false],
    ['zeros', () => Buffer.alloc(4096), true],
    ['a header fragment', (last) => last.subarray(0, 7), true],
    ['a full frame with a flipped byte', (last) => { const b = Buffer.from(last); b[kFrameHead + 5] ^= 1; return b; }, false],
  ];
  for (const [what, tail, incomplete] of cases) {
    const { path, frames } = await makeLog();
    const file = readFileSync(path);
    const last = frames[kEvents - 1];
    const cut = file.subarray(0, last.offset);
    const bad = tail(frameBytes(file, last));
    writeFileSync(path, Buffer.concat([cut, bad]));
    const r = scanLog(path);
    assert.is(r.corrupt, null, what);
    assert.is(r.tail?.incomplete, incomplete, what);
    const s = await openEmbeddedStore({ path });
    assert.is(s.recovery?.bytesCut, bad.length, what);
    assert.is(s.eventCount, kEvents - 1, what);
    await s.close();
    assert.equal(readFileSync(path), cut, what);
  }
});

test('a file that is not a log, a missing file, a log open twice, and a stale lock', async () => {
  const notLog = join(dir, 'not.log');
  writeFileSync(notLog, 'x'.repeat(100));
  try { await openEmbeddedStore({ path: notLog }); assert.unreachable(); } catch (err) {
    assert.instance(err, CorruptLogError);
    assert.match((err as Error).message, `event log ${notLog}: it does not start with "LUCENTEV": not an event log`);
  }
  assert.throws(() => scanLog(join(dir, 'missing.log')), (e: Error) => e instanceof EventStoreError && /cannot read event log .*missing\.log: no such file/.test(e.message));
  const { path } = await makeLog();
  const s = await openEmbeddedStore({ path });
  try { await openEmbeddedStore({ path }); assert.unreachable(); } catch (err) {
    assert.instance(err, EventStoreError);
    assert.match((err as Error).message, 'is already open in this process');
  }
  await s.close();
  writeFileSync(`${path}.lock`, '999999999\n'); // no such process
  const s2 = await openEmbeddedStore({ path });
  assert.is(s2.eventCount, kEvents);
  await s2.close();
  try { await s2.append('decisions', { type: 't', data: {} }); assert.unreachable(); } catch (err) {
    assert.match((err as Error).message, 'is closed');
  }
  assert.is(kHeaderBytes, 64);
});

test('bad options are named', async () => {
  const path = join(dir, 'opts.log');
  for (const [o, msg] of [
    [{ fsync: 'sometimes' }, "fsync must be 'always', 'batch' or 'none', got \"sometimes\""],
    [{ maxDelayMs: -1 }, 'maxDelayMs must be a number of milliseconds from 0 to 1000, got -1'],
    [{ maxBatchBytes: 10 }, 'maxBatchBytes must be an integer from 4096'],
    [{ maxEventBytes: 1e12 }, 'maxEventBytes must be an integer from 256'],
    [{ fsynk: 'always' }, 'unknown option "fsynk"'],
  ] as [Record<string, unknown>, string][]) {
    try { await openEmbeddedStore({ path, ...o }); assert.unreachable(); } catch (err) {
      assert.ok((err as Error).message.includes(msg), `${(err as Error).message} / ${msg}`);
    }
  }
});

test.run();
