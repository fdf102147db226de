// With a real RabbitMQ and a trainer process:
//  - a fit that validates but does not beat the old parameters in shadow is rejected: the spread
//    regime ends (262 s) just after the job, so the parameters fitted on wide spreads lose to the
//    agent's own model on the normal spreads of the trial; the rejection is audited with both
//    versions and the old version stays active;
//  - a rollback command sent over the bus (parameter_rollback to the engine's inbox) after a
//    promotion restores the previous version at a cycle boundary, audited, and the outcomes that
//    follow are scored with it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runEngine } from '../engine.ts';
import { kDefaultLearningConfig } from '../learning_config.ts';
import { kDefaultConfig, resolveOptions } from '../options.ts';
import type { AgentMessage } from '../sinks/bus/agent_message.ts';
import { BusPublisher } from '../sinks/bus/publisher.ts';
import { freshPrefix, requireRabbit, withChannel } from '../sinks/bus/rabbit_testing.ts';
import { deleteTopology } from '../sinks/bus/topology.ts';
import { exportLogStream } from '../sinks/event_store/export.ts';
import { kRollbackType } from './jobs.ts';
import type { Outcome } from './outcomes.ts';
import { writeRegimeFixture } from './testing/regime_fixture.ts';
import { startTrainers } from './testing/trainers.ts';

type Ev = { type: string; data: Record<string, unknown> };

function control(store: string): Ev[] {
  let text = '';
  exportLogStream(store, 'control', (t) => { text += t; }, { records: true });
  return text.trim().split('\n').map((l) => JSON.parse(l) as Ev).filter((e) => e.data.agent === 'portfolio_rebalancer');
}

function options(fixture: string, store: string, prefix: string) {
  return resolveOptions({
    fixture, threads: 0, learning: true, eventStore: store, busPrefix: prefix, decisions: null, summary: null, deadLetters: null, progress: false,
    config: { ...kDefaultConfig, learning: { ...kDefaultLearningConfig, trainer: 'bus' } },
  });
}

if (await requireRabbit(test, 'learning_reject_rollback.it.test.ts')) {
  test('a fit that does not beat the old parameters in shadow is rejected, and the old version stays', async () => {
    const prefix = freshPrefix();
    const { fixture, dir } = await writeRegimeFixture(262);
    const trainers = await startTrainers(prefix, 1);
    const store = join(dir, 'events.log');
    try {
      const summary = await runEngine(options(fixture, store, prefix));
      const r = summary.learning!.find((x) => x.agent === 'portfolio_rebalancer')!;
      const ev = control(store);
      const result = ev.find((e) => e.type === 'retraining_result')!;
      assert.is(result.data.status, 'succeeded', 'the fit itself validated against the targets');
      const lost = ev.find((e) => e.type === 'shadow_lost')!;
      assert.ok(lost, 'the shadow lost');
      const d = lost.data as { version: number; activeVersion: number; activeMeanErrorPct: number; shadowMeanErrorPct: number; outcomes: number };
      assert.is(d.version, 1);
      assert.is(d.activeVersion, 0);
      assert.ok(d.shadowMeanErrorPct >= d.activeMeanErrorPct, `shadow ${d.shadowMeanErrorPct} vs active ${d.activeMeanErrorPct}`);
      const rejected = ev.find((e) => e.type === 'parameter_change' && e.data.op === 'reject')!;
      assert.equal([rejected.data.applied, rejected.data.version, rejected.data.from, rejected.data.to], [true, 1, 0, 0]);
      assert.is((rejected.data.active as { version: number }).version, 0, 'the old version stays active');
      assert.is(r.promotions, 0);
      assert.ok(r.rejections >= 1);
      assert.is(r.activeVersion, 0);
      assert.ok(trainers.logs[0]!.includes('portfolio_rebalancer.job-1: succeeded'), trainers.logs[0]);
      console.log(`rejected: version ${d.version} mean error ${d.shadowMeanErrorPct} vs active version ${d.activeVersion} ${d.activeMeanErrorPct} over ${d.outcomes} shadow outcomes`);
    } finally {
      await trainers.stop();
      await withChannel((ch) => deleteTopology(ch, prefix, ['engine']));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the rollback command, sent over the bus after a promotion, restores the previous version', async () => {
    const prefix = freshPrefix();
    const { fixture, dir } = await writeRegimeFixture();
    const trainers = await startTrainers(prefix, 1);
    const store = join(dir, 'events.log');
    const operator = new BusPublisher({ prefix }).start();
    let sent = false;
    const versions: number[] = [];
    const onOutcome = (o: Outcome): void => {
      if (o.agent !== 'portfolio_rebalancer' || o.mark !== 'horizon') return;
      versions.push(o.version);
      if (o.version === 1 && !sent) {
        sent = true; // the operator sees the promoted version at work and rolls it back
        const m: AgentMessage = { id: `rollback-${prefix}`, from: 'operator', to: 'engine', type: kRollbackType, priority: 9, payload: { agent: 'portfolio_rebalancer' }, timestamp: Date.now(), ttl: 0 };
        void operator.publishConfirmed(operator.routeFor(m), m);
      }
    };
    try {
      const summary = await runEngine({ ...options(fixture, store, prefix), rate: 60_000 }, { learning: { onOutcome } });
      const r = summary.learning!.find((x) => x.agent === 'portfolio_rebalancer')!;
      assert.ok(sent, 'a promotion happened');
      const ev = control(store);
      const rb = ev.find((e) => e.type === 'parameter_change' && e.data.op === 'rollback')!;
      assert.ok(rb, 'the rollback was applied before the run ended');
      assert.equal([rb.data.applied, rb.data.from, rb.data.to], [true, 1, 0]);
      assert.is((rb.data.active as { version: number }).version, 0);
      assert.is(r.rollbacks, 1);
      const first1 = versions.indexOf(1);
      const back = versions.indexOf(0, first1);
      assert.ok(back > first1, 'outcomes after the rollback are scored with version 0 again');
      assert.ok(versions.slice(back).every((v) => v === 0 || v >= 2), 'version 1 is not used after the rollback');
      console.log(`rollback: version 1 scored ${versions.filter((v) => v === 1).length} outcomes, then version 0 again from outcome ${back} of ${versions.length}`);
    } finally {
      await operator.close();
      await trainers.stop();
      await withChannel((ch) => deleteTopology(ch, prefix, ['engine']));
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
