// The embedded log's bytes: the header, a frame's CRC and the hash chain, checked against
// independent computations (node:crypto, node:zlib) and against damaged copies.
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chainHash, checkFrame, kFrameHead, kFrameOverhead, kHeaderBytes, makeHeader, parseHeader, payloadBytes, payloadHead, payloadText, writeEventFrame, writeFrame } from './format.ts';

test('a header parses back; its genesis hash is SHA-256 of its 64 bytes', () => {
  const id = randomBytes(32);
  const h = makeHeader(1723075300123, id);
  assert.is(h.length, kHeaderBytes);
  const p = parseHeader(h);
  assert.ok(typeof p !== 'string');
  if (typeof p === 'string') return;
  assert.is(p.created, 1723075300123);
  assert.is(p.logId, id.toString('hex'));
  assert.equal(p.genesis, createHash('sha256').update(h).digest());
});

test('a damaged header is named: checksum, magic, version, short file', () => {
  const h = makeHeader(1, randomBytes(32));
  const flipped = Buffer.from(h);
  flipped[30] ^= 0x01;
  assert.is(parseHeader(flipped), 'the file header fails its checksum');
  const other = Buffer.from(h);
  other.write('NOTALOG!', 0, 'latin1');
  assert.match(String(parseHeader(other)), 'not an event log');
  const v2 = Buffer.from(h);
  v2.writeUInt32LE(2, 8);
  v2.writeUInt32LE(crc32(v2.subarray(0, 60)), 60);
  assert.match(String(parseHeader(v2)), 'format version 2 is not supported');
  assert.match(String(parseHeader(h.subarray(0, 10))), 'shorter than the 64-byte header');
});

test('a frame: marker, length, CRC-32 of length + payload + hash, hash = SHA-256(previous hash || payload)', () => {
  const prev = createHash('sha256').update('genesis').digest();
  const payload = payloadText(7, 'decisions', 3, '00000000-0000-4000-8000-000000000000', 'decision', 1723075300000, '{"a":1}', '{}');
  assert.is(payload, '{"position":7,"stream":"decisions","revision":3,"id":"00000000-0000-4000-8000-000000000000","type":"decision","created":1723075300000,"data":{"a":1},"metadata":{}}');
  const len = Buffer.byteLength(payload);
  const buf = Buffer.alloc(len + kFrameOverhead + 5);
  const hash = writeFrame(buf, 5, payload, len, prev);
  assert.equal(hash, createHash('sha256').update(prev).update(payload).digest());
  assert.is(buf.readUInt32LE(5 + 4), len);
  assert.equal(buf.subarray(5 + kFrameHead + len, 5 + kFrameOverhead + len), hash);
  const expectCrc = crc32(Buffer.concat([buf.subarray(5 + 4, 5 + 8), Buffer.from(payload), hash]));
  assert.is(buf.readUInt32LE(5 + 8), expectCrc);
  const c = checkFrame(buf.subarray(0, 5 + kFrameOverhead + len), 5);
  assert.equal(c, { ok: true, payloadBytes: len, size: len + kFrameOverhead });
});

test('checkFrame names each kind of damage; only a cut-short frame counts as incomplete', () => {
  const payload = '{"x":"ünï"}';
  const len = Buffer.byteLength(payload);
  const buf = Buffer.alloc(len + kFrameOverhead);
  writeFrame(buf, 0, payload, len, Buffer.alloc(32));
  const flip = Buffer.from(buf);
  flip[kFrameHead + 3] ^= 0x20;
  assert.equal(checkFrame(flip, 0), { ok: false, incomplete: false, reason: 'checksum mismatch' });
  const hashFlip = Buffer.from(buf);
  hashFlip[buf.length - 1] ^= 0x01;
  assert.equal(checkFrame(hashFlip, 0), { ok: false, incomplete: false, reason: 'checksum mismatch' });
  assert.equal(checkFrame(buf.subarray(0, buf.length - 1), 0), { ok: false, incomplete: true, reason: `a record of ${buf.length} bytes with only ${buf.length - 1} bytes left in the file` });
  assert.equal(checkFrame(buf.subarray(0, 7), 0), { ok: false, incomplete: true, reason: '7 bytes, less than a record header' });
  const marker = Buffer.from(buf);
  marker[0] = 0;
  assert.equal(checkFrame(marker, 0), { ok: false, incomplete: false, reason: 'no record marker' });
  const huge = Buffer.from(buf);
  huge.writeUInt32LE(0x7fffffff, 4);
  assert.equal(checkFrame(huge, 0), { ok: false, incomplete: false, reason: `implausible record length ${0x7fffffff}` });
});

test('writeEventFrame writes, from the pieces, the very bytes writeFrame writes for the whole payload text', () => {
  const prev = createHash('sha256').update('genesis').digest();
  const cases: [string, string, string, string][] = [
    ['decisions', 'decision', '{"a":1}', '{}'],
    ['agent-performance-yield_hunter', 'agent_performance', '{"x":"ünï €","y":[1,2.5,null]}', '{"cycle":3,"k":"\\"q\\""}'],
    ['outcomes', 'outcome', '[]', '{"s":"😀"}'],
  ];
  for (const [stream, type, data, metadata] of cases) {
    const payload = payloadText(12, stream, 4, '00000000-0000-4000-8000-000000000000', type, 1723075300000, data, metadata);
    const len = Buffer.byteLength(payload);
    const a = Buffer.alloc(len + kFrameOverhead + 3, 0xee);
    const ha = writeFrame(a, 3, payload, len, prev);
    const head = payloadHead(12, stream, 4, '00000000-0000-4000-8000-000000000000', type, 1723075300000);
    const dataBytes = Buffer.byteLength(data), metadataBytes = Buffer.byteLength(metadata);
    const size = payloadBytes(Buffer.byteLength(head), dataBytes, metadataBytes);
    assert.is(size, len);
    const b = Buffer.alloc(len + kFrameOverhead + 3, 0xee);
    const hb = writeEventFrame(b, 3, head, Buffer.byteLength(head), data, dataBytes, metadata, metadataBytes, size, prev);
    assert.equal(hb, ha);
    assert.equal(b, a, `${stream}: the same frame`);
  }
  const head = payloadHead(0, 'x', 0, '00000000-0000-4000-8000-000000000000', 'decision', 1);
  const big = Buffer.alloc(512);
  assert.throws(() => writeEventFrame(big, 0, head, Buffer.byteLength(head), '{}', 2, '{}', 2, 10, prev), /payload bytes written, 10 expected/);
});

test('chainHash is SHA-256(previous hash || payload) at every payload size (one call over a copy, or a Hash for the largest)', () => {
  const prev = createHash('sha256').update('p').digest();
  for (const n of [0, 1, 100, 2400, 8160, 8161, 65_504, 65_505, 70_000, 200_000]) {
    const payload = Buffer.alloc(n, n % 251);
    assert.equal(chainHash(prev, payload), createHash('sha256').update(prev).update(payload).digest(), `${n} bytes`);
  }
});

test.run();
