// Guards on retraining, in lockstep with fits run inline: one job per agent within the minimum
// interval (later triggers are counted, not sent), and a promoted version that goes without a fresh
// validation past its age expires back to the agent's own model, audited.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runEngine } from '../engine.ts';
import { kDefaultLearningConfig } from '../learning_config.ts';
import { kDefaultConfig, resolveOptions } from '../options.ts';
import { exportLogStream } from '../sinks/event_store/export.ts';
import { writeRegimeFixture } from './testing/regime_fixture.ts';

test('minimum interval between jobs, and parameter versions that expire', async () => {
  const { fixture, dir } = await writeRegimeFixture();
  try {
    const store = join(dir, 'events.log');
    const summary = await runEngine(resolveOptions({
      fixture, threads: 0, learning: true, eventStore: store, decisions: null, summary: null, deadLetters: null, progress: false,
      config: { ...kDefaultConfig, learning: { ...kDefaultLearningConfig, trainer: 'inline', minJobIntervalUs: 3600e6, versionMaxAgeUs: 30e6 } },
    }));
    const r = summary.learning!.find((x) => x.agent === 'portfolio_rebalancer')!;
    assert.is(r.jobs, 1, 'one job within the hour');
    assert.ok(r.suppressedJobs > 0, `later triggers suppressed: ${r.suppressedJobs}`);
    let text = '';
    exportLogStream(store, 'control', (t) => { text += t; });
    const ev = text.trim().split('\n').map((l) => JSON.parse(l)).filter((d) => d.agent === 'portfolio_rebalancer');
    const promote = ev.find((d) => d.op === 'promote' && d.applied);
    const expire = ev.find((d) => d.op === 'expire' && d.applied);
    assert.ok(promote && expire, 'promoted, then expired');
    assert.ok(expire.ts - promote.active.validatedTs > 30e6, 'expired only past its age');
    assert.ok(expire.ts - promote.active.validatedTs < 30e6 + 60e6, 'and soon after (at the next check between chunks)');
    assert.is(expire.active.version, 0, "back to the agent's own model");
    assert.equal(expire.active.theta, [0, 1, 0]);
    assert.is(r.activeVersion, 0);
    assert.ok(readFileSync(store).length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
