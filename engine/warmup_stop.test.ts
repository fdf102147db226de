// The warm-up hears a stop: SIGINT/SIGTERM (an aborted signal) during the warm-up ends it after
// the pass under way — no further pass starts, the warm-up's agent threads are shut down — and a
// run stopped in its warm-up replays nothing and writes an empty decision log and its summary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kAgentNames } from '../workers/agents/index.ts';
import { loadDefaultTape } from '../bench/lib/tapes.ts';
import { kDefaultConfig } from './options.ts';
import { prepareDispatch } from './warmup.ts';
import { runFixture } from './testing/run_fixture.ts';

const base = await loadDefaultTape();
const opts = { agents: [...kAgentNames], config: kDefaultConfig, threads: 1, topology: undefined, wait: 'adaptive' as const, cycleTimeoutMs: 10_000 };

test('without a stop, the automatic warm-up runs every pass (the control for the tests below)', async () => {
  const passes: string[] = [];
  const p = await prepareDispatch(opts, base.registry, base.tape, { automatic: true, warm: true, costMargin: 0, onPass: (d) => passes.push(d) });
  assert.ok(passes.length >= 4, `passes: ${passes.join(', ')}`);
  assert.ok(p.report !== null && p.report.how === 'automatic');
  await p.pool?.destroy();
});

test('a real SIGTERM during the first warm-up pass: no further pass, no pool, nothing chosen', async () => {
  const ctl = new AbortController();
  const onSignal = (): void => ctl.abort();
  process.once('SIGTERM', onSignal); // the CLI's handler does the same: abort the run's signal
  const passes: string[] = [];
  try {
    const p = await prepareDispatch(opts, base.registry, base.tape, {
      automatic: true, warm: true, signal: ctl.signal,
      // The signal is sent while the first pass ends; it is delivered on the event loop, which
      // the warm-up must let turn before it starts the next pass.
      onPass: (d) => { passes.push(d); if (passes.length === 1) process.kill(process.pid, 'SIGTERM'); },
    });
    assert.equal(passes, ['inline'], `passes after the signal: ${passes.join(', ')}`);
    assert.is(ctl.signal.aborted, true);
    assert.is(p.report, null);
    assert.is(p.pool, undefined);
  } finally {
    process.off('SIGTERM', onSignal);
  }
});

test('stopped after the threaded pass: its pool of agent threads is destroyed, not handed on', async () => {
  const ctl = new AbortController();
  const passes: string[] = [];
  const p = await prepareDispatch(opts, base.registry, base.tape, {
    automatic: true, warm: true, signal: ctl.signal,
    onPass: (d) => { passes.push(d); if (d === 'threaded') ctl.abort(); },
  });
  assert.equal(passes, ['inline', 'threaded']);
  assert.is(p.pool, undefined);
  assert.is(p.report, null);
});

test('a run stopped during its warm-up replays nothing and still writes its summary', async () => {
  const ctl = new AbortController();
  ctl.abort();
  const r = await runFixture({ mode: 'realtime', rate: 20_000 }, { signal: ctl.signal, stopReason: () => 'SIGTERM' });
  assert.is(r.summary.stoppedBy, 'SIGTERM');
  assert.is(r.summary.events, 0);
  assert.is(r.decisions.length, 0);
});

test.run();
