// A lane commits only offsets whose events' decisions are durable: what was stepped before the
// flush that precedes the commit began. The durability and commit chain runs beside the pump, so
// it may run while the pump waits in the middle of a released batch (pacing): the batch's rest is
// released but not stepped, and must not be committed. The target here is a recording stand-in
// for a pipeline (no agents: the lane only needs step, drain, flush); the buffer is the real one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Lane, type LaneTarget } from './lane.ts';
import type { KafkaDeadLetters } from './dead_letters.ts';
import type { EventStepper } from '../../step/event_stepper.ts';
import type { InstrumentRegistry } from '../../../protocol/registry.ts';
import { kTapeTs, kTapeType, kTapeWidth, Tape } from '../../../protocol/tape.ts';
import { kTypeYield } from '../../../protocol/events.ts';
import { LatencyRecorder } from '../../metrics/latency.ts';

interface Recorder extends LaneTarget { stepped: number; durable: number; flushes: number }

function recordingTarget(): Recorder {
  const t = {
    stepped: 0, // events stepped so far (offsets 0..stepped-1 of the one partition)
    durable: 0, // events whose decisions a finished flush covers
    flushes: 0,
    suppress: false,
    stepper: {
      stats: { missedCycles: 0 },
      refused: null,
      step: () => { t.stepped++; return 0; },
      drain: async () => undefined,
    } as unknown as EventStepper,
    async flush(): Promise<void> {
      const covers = t.stepped; // decisions made before the flush began are in it
      t.flushes++;
      await new Promise((r) => setTimeout(r, 3)); // the write and fsync take a while
      t.durable = covers;
    },
    async recover(): Promise<void> {},
    abandon(): void {},
    async stop(): Promise<void> {},
  };
  return t;
}

test('a paced lane never commits an offset past the events whose decisions are durable', async () => {
  const target = recordingTarget();
  const commits: { offset: number; durable: number }[] = [];
  const lane = new Lane<Recorder>({
    id: 'all', ordered: false, bufferPerPartition: 1024, rate: 2000, commitIntervalMs: 0,
    registry: { size: 0 } as unknown as InstrumentRegistry, universe: { size: 0 } as unknown as InstrumentRegistry,
    shard: -1, partitions: 1, topicPrefix: 'test.',
    deadLetters: { add: () => undefined, flush: async () => undefined } as unknown as KafkaDeadLetters,
    open: async () => target,
    countEvents: () => undefined,
    commit: async (offsets) => {
      for (const o of offsets) commits.push({ offset: Number(o.offset), durable: target.durable });
      return true;
    },
  });
  await lane.start();
  const p = lane.addPartition('test.yields', 0, 0, 0);
  const staging = new Tape(1);
  const n = 600; // 3 released batches of 200 at this rate
  for (let off = 0; off < n; off++) {
    staging.reset();
    const r = staging.push();
    staging.rows[r * kTapeWidth + kTapeTs] = off;
    staging.rows[r * kTapeWidth + kTapeType] = kTypeYield;
    lane.buffer.push(p, staging.rows, r, staging.depth, off, off + 1, 0, NaN);
  }
  await lane.pump(undefined, true);
  assert.is(target.stepped, n);
  assert.ok(target.flushes >= 2, `${target.flushes} flushes: the chain settled while the pump ran`);
  assert.ok(commits.length >= 2, `${commits.length} commits`);
  for (const c of commits) assert.ok(c.offset <= c.durable, `committed offset ${c.offset} with decisions durable only below ${c.durable}`);
  assert.is(commits.at(-1)!.offset, n, 'the forced pump commits everything');
  await lane.stop();
});

test('receive → release counts each event\'s wait in the merge: an event waits for the partition that may hold an earlier one', async () => {
  const target = recordingTarget();
  const transit = { produceToAppend: new LatencyRecorder(), appendToReceive: new LatencyRecorder(), receiveToRelease: new LatencyRecorder() };
  const lane = new Lane<Recorder>({
    id: 'all', ordered: true, bufferPerPartition: 16, rate: 0, commitIntervalMs: 0, partitionsExpected: 2, transit,
    registry: { size: 0 } as unknown as InstrumentRegistry, universe: { size: 0 } as unknown as InstrumentRegistry,
    shard: -1, partitions: 2, topicPrefix: 'test.',
    deadLetters: { add: () => undefined, flush: async () => undefined } as unknown as KafkaDeadLetters,
    open: async () => target,
    countEvents: () => undefined,
    commit: async () => true,
  });
  await lane.start();
  const a = lane.addPartition('test.yields', 0, 0, 0);
  const b = lane.addPartition('test.yields', 1, 0, 0);
  const staging = new Tape(1);
  const push = (p: number, seq: number, recvMs: number): void => {
    staging.reset();
    const r = staging.push();
    staging.rows[r * kTapeWidth + kTapeTs] = seq;
    staging.rows[r * kTapeWidth + kTapeType] = kTypeYield;
    lane.buffer.push(p, staging.rows, r, staging.depth, 0, seq, recvMs, NaN);
  };
  push(a, 2, performance.now());
  await lane.pump();
  assert.is(target.stepped, 0, 'held: partition 1 may still deliver an earlier event');
  await new Promise((r) => setTimeout(r, 40));
  push(b, 1, performance.now());
  lane.buffer.end(a);
  lane.buffer.end(b);
  await lane.pump(undefined, true);
  assert.is(target.stepped, 2);
  const w = transit.receiveToRelease.summary();
  assert.is(w.count, 2, 'one figure per released event');
  assert.ok(w.max >= 35_000, `the held event waited about 40 ms, recorded ${w.max} µs`);
  assert.ok(w.p50 < 35_000, `the event that completed the merge left at once, recorded p50 ${w.p50} µs`);
  await lane.stop();
});

test.run();
