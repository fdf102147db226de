// Benchmark plumbing without threads: the binary tape form, the endless tape cursor, topologies,
// the cycle trace's timeline, the async open-loop driver the baselines run on, and the child
// process a design is measured in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { kTapeTs, kTapeWidth, Tape } from '../../protocol/tape.ts';
import { kResBusyUs } from '../../protocol/layout.ts';
import type { Dispatcher } from '../../engine/dispatch/dispatcher.ts';
import type { Consolidator } from '../../engine/consolidate/consolidator.ts';
import { decodeTapeBinary, encodeTapeBinary, generateTape, rowAtTime, sliceTape, TapeCursor } from './tapes.ts';
import { contiguous, costBalanced, roundRobin, threadCounts, topologySpec } from './topologies.ts';
import { CycleTrace } from './trace.ts';
import { EngineCore } from './core.ts';
import { EngineRig } from './engine_rig.ts';
import { percentile } from './gc_watch.ts';
import { callInChild } from './isolated.ts';
import { runAsyncLoop, type AsyncDesign } from '../baselines/async_loop.ts';
import { AgentRunner } from '../../workers/agents/agent.ts';
import { createAgent } from '../../workers/agents/index.ts';

function tapeOf(ts: number[]): Tape {
  const t = new Tape(4);
  for (const x of ts) {
    const r = t.push();
    t.rows[r * kTapeWidth + kTapeTs] = x;
    t.rows[r * kTapeWidth + 1] = r; // something row-specific
  }
  return t;
}

test('binary tape round trip keeps rows, book levels and the registry', () => {
  const reg = new InstrumentRegistry();
  reg.resolve('binance:BTC/USDT', 1, (m) => { m.venue = 'binance'; m.base = 'BTC'; m.quote = 'USDT'; });
  const t = tapeOf([1e15, 1e15 + 10, 1e15 + 25]);
  const at = t.pushDepth(4);
  t.depth.set([100, 1, 101, 2], at);
  const buf = encodeTapeBinary(t, reg, 'src', 'key', 3);
  const d = decodeTapeBinary(buf);
  assert.is(d.header.rows, 3);
  assert.is(d.header.sourceKey, 'key');
  assert.equal(Array.from(d.rows.subarray(0, 3 * kTapeWidth)), Array.from(t.rows.subarray(0, 3 * kTapeWidth)));
  assert.equal(Array.from(d.depth.subarray(at, at + 4)), [100, 1, 101, 2]);
  assert.is(d.header.registry.meta[0]!.key, 'binance:BTC/USDT');
  assert.throws(() => decodeTapeBinary(Buffer.from('nope nope nope')), /bad magic/);
});

test('TapeCursor wraps around with event time moving forward', () => {
  const base = tapeOf([1000, 1010, 1020, 1030]); // span 30 + mean gap 10 = 40
  const c = new TapeCursor(base);
  const a = c.take(3);
  const b = c.take(3);
  assert.equal([0, 1, 2].map((r) => a.ts(r)), [1000, 1010, 1020]);
  assert.equal([0, 1, 2].map((r) => b.ts(r)), [1030, 1040, 1050]);
  assert.is(c.position, 6);
  for (let r = 1; r < 3; r++) assert.ok(b.ts(r) > b.ts(r - 1));
});

test('sliceTape and rowAtTime', () => {
  const t = tapeOf([10, 20, 30, 40, 50]);
  const s = sliceTape(t, 1, 3);
  assert.is(s.length, 2);
  assert.is(s.ts(0), 20);
  assert.is(rowAtTime(t, 30), 2);
  assert.is(rowAtTime(t, 31), 3);
  assert.is(rowAtTime(t, 999), 5);
});

test('topologies: round-robin, contiguous, cost-balanced', () => {
  const agents = ['a', 'b', 'c', 'd', 'e'];
  assert.equal(roundRobin(agents, 2), [['a', 'c', 'e'], ['b', 'd']]);
  assert.equal(contiguous(agents, 2), [['a', 'b', 'c'], ['d', 'e']]);
  // costs: a 10, b 1, c 1, d 9, e 1 → LPT: a→t0, d→t1, then b,c,e to the lighter thread each time
  const g = costBalanced(agents, 2, { a: 10, b: 1, c: 1, d: 9, e: 1 });
  const load = g.map((x) => x.reduce((s, n) => s + ({ a: 10, b: 1, c: 1, d: 9, e: 1 } as Record<string, number>)[n]!, 0));
  assert.ok(Math.abs(load[0]! - load[1]!) <= 1, `unbalanced ${JSON.stringify(g)}`);
  assert.is(topologySpec([['a', 'b'], ['c']]), 'a,b;c');
  assert.equal(threadCounts(1), [1]);
  assert.equal(threadCounts(6), [1, 2, 4, 6]);
  assert.equal(threadCounts(8), [1, 2, 4, 8]);
});

test('percentile: nearest rank', () => {
  assert.is(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.is(percentile([5, 1, 3, 2, 4], 100), 5);
  assert.is(percentile([], 99), 0);
});

test('CycleTrace: per-cycle stage spans and per-agent spans on their thread', () => {
  const ctl = new Int32Array(64);
  const metrics = [new Float64Array(8), new Float64Array(8)];
  const core = { arrays: { ctl }, readers: [{ arrays: { metrics: metrics[0] } }, { arrays: { metrics: metrics[1] } }] } as unknown as EngineCore;
  let cycle = 0;
  const fake: Dispatcher = {
    threads: 1, mainAgents: [], wakeAgents: [], fullThrough: (c: number) => c, timing: new Float64Array(8), start: async () => {}, request: () => { ctl[0] = ++cycle * 10; metrics[0]![kResBusyUs] = 5; metrics[1]![kResBusyUs] = 7; return cycle; },
    awaitCycle: () => true, completed: () => cycle, lost: () => false, supervise: async () => 0, restarts: 0, stop: async () => [],
  };
  const cons = { consolidate: (c: number) => c } as unknown as Consolidator;
  const trace = new CycleTrace(16, ['x', 'y'], [['x', 'y']]);
  const { dispatcher, consolidator } = trace.instrument(fake, cons, core);
  trace.reset(0);
  for (let i = 0; i < 3; i++) {
    const c = dispatcher.request(0);
    dispatcher.awaitCycle(c);
    consolidator.consolidate(c, 0, 0);
  }
  assert.is(trace.cycles, 3);
  const t = trace.toChromeTrace();
  const spans = t.traceEvents.filter((e) => e.ph === 'X');
  assert.is(spans.filter((e) => e.name === 'consolidate').length, 3);
  assert.is(spans.filter((e) => e.name === 'agents').length, 3);
  const x = spans.filter((e) => e.name === 'x');
  const y = spans.filter((e) => e.name === 'y');
  assert.is(x.length, 3);
  assert.ok(x.every((e) => e.tid === 1 && Math.abs(e.dur! - 5) < 1e-6));
  assert.ok(y.every((e, i) => Math.abs(e.ts! - (x[i]!.ts! + 5)) < 1e-6)); // y runs right after x on the same thread
  const ingest = spans.filter((e) => e.name === 'ingest');
  assert.ok(ingest.length >= 1);
  assert.is(ingest[ingest.length - 1]!.args!.events, 10); // epoch moved by 10 between cycles
  assert.ok(t.traceEvents.some((e) => e.ph === 'M' && e.name === 'thread_name' && (e.args!.name as string).includes('agent thread 0: x, y')));
});

/** A design that runs the agents inline, asynchronously (resolves on the next turn). */
class InlineAsync implements AsyncDesign {
  readonly name = 'inline async';
  readonly runners: AgentRunner[];
  cycles = 0;
  constructor(core: EngineCore) {
    this.runners = core.agents.map((a) => new AgentRunner(a, createAgent(a), core.view, core.snapshot, core.config.agents, core.regions.get(a)!));
  }
  async start(): Promise<void> {}
  runCycle(cycle: number): Promise<void> {
    return new Promise((r) => setImmediate(() => { for (const x of this.runners) x.run(cycle); this.cycles++; r(); }));
  }
  async stop(): Promise<void> {}
}

test('runAsyncLoop: lockstep decides every trigger; realtime conflates but decides every trigger', async () => {
  const gen = generateTape({ venues: 2, bases: 2, events: 3000, seed: 3, durationS: 60 });
  for (const mode of ['lockstep', 'realtime'] as const) {
    const core = new EngineCore({ registry: gen.registry });
    const design = new InlineAsync(core);
    const s = await runAsyncLoop(core, design, gen.tape, { mode, rate: 0, maxMs: 20_000 });
    assert.is(s.aborted, null);
    assert.is(s.events, gen.tape.length);
    assert.ok(s.cycles > 10, `only ${s.cycles} triggers`);
    assert.is(s.tickToDecision.count, s.cycles, `${mode}: every trigger gets a decision latency`);
    if (mode === 'lockstep') assert.is(design.cycles, s.cycles);
    else assert.ok(design.cycles <= s.cycles);
  }
});

test('runAsyncLoop gives up when a design falls behind the schedule', async () => {
  const gen = generateTape({ venues: 2, bases: 2, events: 3000, seed: 3, durationS: 60 });
  const core = new EngineCore({ registry: gen.registry });
  const slow: AsyncDesign = { name: 'slow', start: async () => {}, stop: async () => {}, runCycle: () => new Promise((r) => setTimeout(r, 5)) };
  const s = await runAsyncLoop(core, slow, gen.tape, { mode: 'lockstep', rate: 100_000, maxMs: 100 });
  assert.ok(s.aborted !== null && s.aborted.startsWith('fell behind'));
  assert.ok(s.events < gen.tape.length);
});

test('EngineRig.replay stops at a chunk boundary once past maxMs, and says so', async () => {
  const gen = generateTape({ venues: 2, bases: 2, events: 12_000, seed: 5, durationS: 60 });
  const rig = await EngineRig.start({ registry: gen.registry, threads: 0, wait: 'block' });
  try {
    const cut = await rig.replay(gen.tape, { mode: 'lockstep', maxMs: 0 });
    assert.ok(cut.stopped !== null && cut.stopped.startsWith('stopped after 4,096 of 12,000 events'), String(cut.stopped));
    assert.is(cut.events, 4096);
    assert.ok(cut.runMs > 0);
    const full = await rig.replay(gen.tape, { mode: 'lockstep' });
    assert.is(full.stopped, null);
    assert.is(full.events, 12_000);
  } finally {
    await rig.stop();
  }
});

test('callInChild runs the function in another process and returns its value; a failure names what failed', async () => {
  const probe = new URL('./child_probe.ts', import.meta.url).href;
  const r = await callInChild<{ pid: number; echo: string }>(probe, 'whereAmI', { echo: 'héllo' }, 'probe');
  assert.is(r.echo, 'héllo');
  assert.ok(Number.isInteger(r.pid) && r.pid !== process.pid, `ran in pid ${r.pid}, this is ${process.pid}`);
  const thrown = await callInChild(probe, 'fails', { why: 'on purpose' }, 'probe').then(() => null, (e: Error) => e.message);
  assert.ok(thrown !== null && /probe failed: on purpose/.test(thrown), String(thrown));
  const missing = await callInChild(probe, 'nothing', {}, 'probe').then(() => null, (e: Error) => e.message);
  assert.ok(missing !== null && /has no function "nothing"/.test(missing), String(missing));
  const notUrl = await callInChild('/tmp/x.ts', 'whereAmI', {}, 'probe').then(() => null, (e: Error) => e.message);
  assert.ok(notUrl !== null && /must be a file URL/.test(notUrl), String(notUrl));
});

test.run();
