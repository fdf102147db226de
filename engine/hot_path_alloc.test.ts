// Allocation on the main thread's hot path, counted (bytes from V8's own allocation counter,
// v8.getHeapStatistics().total_allocated_bytes), not timed: in steady state, after a warm-up,
//  - the per-tick ingest (state writer + trigger, with the arbitrage wake-up watch) allocates
//    next to nothing per event;
//  - the whole engine with its agents inline stays under a bound per event (the agents and the
//    consolidation still allocate: the bound is where it stands, so a regression fails here).
// Each figure is the smallest of several passes: allocation depends on when V8 optimizes a
// function, and a pass that straddles a tier-up counts more; the smallest is the steady state.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeapStatistics } from 'node:v8';
import { EngineCore } from '../bench/lib/core.ts';
import { EngineRig } from '../bench/lib/engine_rig.ts';
import { loadDefaultTape, TapeCursor } from '../bench/lib/tapes.ts';

/** Bytes the isolate has allocated so far (V8's counter; reading it allocates nothing counted per event). */
const allocated = (): number => {
  const v = (getHeapStatistics() as ReturnType<typeof getHeapStatistics> & { total_allocated_bytes?: number }).total_allocated_bytes;
  if (typeof v !== 'number') throw new Error('this Node has no v8.getHeapStatistics().total_allocated_bytes');
  return v;
};

const base = await loadDefaultTape();

/** Ingest (writer + trigger) per event: at most this many bytes (16 B is one boxed double). */
const kIngestBound = 36;
/**
 * The whole engine inline, per event (this test's windows: about 270-300 B/event, about 640 before the
 * agents' boxed doubles, the range search's and the consolidation's throw-away texts were removed).
 * What remains is mostly per decision (the proposal, its decision and log line, their texts), plus
 * clock reads and the agents' cycle time boxed per agent run.
 */
const kInlineBound = 400;

test(`ingest (state writer + trigger + arbitrage wake-up) allocates at most ${kIngestBound} B/event in steady state`, () => {
  const core = new EngineCore({ registry: base.registry });
  const t = base.tape, n = Math.min(t.length, 150_000);
  const perEvent: number[] = [];
  for (let pass = 0; pass < 4; pass++) {
    const a0 = allocated();
    for (let r = 0; r < n; r++) { core.writer.apply(t.rows, r, t.depth); core.trigger.fires(t.rows, r); }
    perEvent.push((allocated() - a0) / n);
  }
  const best = Math.min(...perEvent.slice(1));
  console.log(`  ingest: ${perEvent.map((b) => b.toFixed(1)).join(' / ')} B/event per pass (first is the warm-up), ${core.trigger.legWakes} leg wake-ups`);
  assert.ok(core.trigger.legWakes > 0, 'the fixture must exercise the arbitrage wake-up');
  assert.ok(best <= kIngestBound, `ingest allocates ${best.toFixed(1)} B/event (bound ${kIngestBound})`);
});

test(`the engine with every agent inline allocates at most ${kInlineBound} B/event in steady state (lockstep)`, async () => {
  const rig = await EngineRig.start({ registry: base.registry, threads: 0, wait: 'block' });
  try {
    const cur = new TapeCursor(base.tape);
    await rig.replay(cur.take(60_000), { mode: 'lockstep' });
    const perEvent: number[] = [];
    for (let pass = 0; pass < 3; pass++) {
      const tape = cur.take(60_000);
      let first = -1, a0 = 0, last = 0, a1 = 0;
      // between chunk boundaries of the hot loop: its setup and final drain are outside the window
      await rig.replay(tape, { mode: 'lockstep', between: (done) => { if (first < 0) { first = done; a0 = allocated(); } else { last = done; a1 = allocated(); } } });
      perEvent.push((a1 - a0) / Math.max(1, last - first));
    }
    const best = Math.min(...perEvent);
    console.log(`  inline engine: ${perEvent.map((b) => b.toFixed(0)).join(' / ')} B/event per pass, ${rig.core.stats.decisions} decisions`);
    assert.ok(rig.core.stats.decisions > 0, 'the replay must decide something');
    assert.ok(best <= kInlineBound, `the inline engine allocates ${best.toFixed(0)} B/event (bound ${kInlineBound})`);
  } finally {
    await rig.stop();
  }
});

test.run();
