// Worker for the sequence-lock test: either the single writer (writes every field of a slot with
// values derived from one counter) or a reader (reads slots and checks the fields agree).
import { parentPort, workerData } from 'node:worker_threads';
import { kAsk, kBid, kBidSize, kAskSize, kFieldCount, kLast } from '../../../protocol/layout.ts';
import { MarketArrays, type MarketStateBuffers } from '../../../protocol/market_state.ts';
import { MarketView } from '../../../protocol/market_view.ts';
import { MarketWriter } from '../market_writer.ts';
import { Tape, kTapeF0, kTapeSlot, kTapeTs, kTapeType, kTapeWidth } from '../../../protocol/tape.ts';
import { kTypePrice } from '../../../protocol/events.ts';

interface Job { role: 'writer' | 'reader' | 'unlocked-reader'; buffers: MarketStateBuffers; writes: number; slots: number; flag: SharedArrayBuffer }

const job = workerData as Job;
const flag = new Int32Array(job.flag); // [0] = writer finished, [1] = readers started
const cap = job.buffers.capacity;

if (job.role === 'writer') {
  const writer = new MarketWriter(new MarketArrays(job.buffers));
  const tape = new Tape(1);
  const row = tape.push();
  const o = row * kTapeWidth;
  const rows = tape.rows;
  rows[o + kTapeType] = kTypePrice;
  while (Atomics.load(flag, 1) < 1) { /* wait for a reader to start */ }
  for (let i = 1; i <= job.writes; i++) {
    rows[o + kTapeSlot] = i % job.slots;
    rows[o + kTapeTs] = 1.7e15 + i;
    // Every field derives from i: a torn read mixes two i's and breaks the relations below.
    rows[o + kTapeF0] = i; rows[o + kTapeF0 + 1] = i + 0.5; rows[o + kTapeF0 + 2] = i * 2; rows[o + kTapeF0 + 3] = i * 3; rows[o + kTapeF0 + 4] = -i;
    writer.apply(rows, row);
  }
  Atomics.store(flag, 0, 1);
  parentPort!.postMessage({ done: true });
} else {
  const view = new MarketView(job.buffers);
  const out = new Float64Array(kFieldCount);
  const c = view.arrays.columns;
  let reads = 0, torn = 0, seen = 0;
  Atomics.add(flag, 1, 1);
  let s = 0;
  while (Atomics.load(flag, 0) === 0) {
    s = (s + 7) % job.slots;
    if (job.role === 'reader') view.read(s, out);
    else for (let f = 0; f < kFieldCount; f++) out[f] = c[f * cap + s]!; // no lock: shows what the lock prevents
    reads++;
    const i = out[kBid]!;
    if (i !== i) continue; // not written yet
    seen++;
    if (out[kAsk] !== i + 0.5 || out[kBidSize] !== i * 2 || out[kAskSize] !== i * 3 || out[kLast] !== -i) torn++;
  }
  parentPort!.postMessage({ reads, torn, seen, retries: view.retries });
}
