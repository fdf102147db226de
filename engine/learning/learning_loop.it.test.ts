// The whole learning loop with a real RabbitMQ and trainer processes, on the spread-regime
// fixture: the rebalancer's cost model goes wrong at 200 s, the tracker triggers, the job goes out
// on lucent.jobs.direct (ai.training.agent_retraining) and one of two trainers sharing the queue
// takes it, fits and validates, the result comes back to the engine's inbox, the new parameters run
// in shadow and win, are promoted at a cycle boundary, and the return error after promotion is
// below the target. Prints one line with the measured figures.
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
import { createMetricsHost } from '../sinks/metrics/metrics_host.ts';
import type { EngineMetricsSchema } from '../../protocol/metrics/catalogue.ts';
import { learningMetrics } from './metrics.ts';
import type { AgentStatus, LearningLoop, LearningMetrics } from './loop.ts';
import { kResultType } from './jobs.ts';
import { writeRegimeFixture } from './testing/regime_fixture.ts';
import { startTrainers } from './testing/trainers.ts';

const kAgents = ['yield_hunter', 'risk_assessor', 'arbitrage_detector', 'portfolio_rebalancer', 'liquidity_optimizer', 'market_analyzer', 'execution_optimizer'];

if (await requireRabbit(test, 'learning_loop.it.test.ts')) {
  test('tracker → job → trainer → shadow → promotion, over RabbitMQ, and the return error falls below the target', async () => {
    const prefix = freshPrefix();
    const { fixture, dir } = await writeRegimeFixture();
    const trainers = await startTrainers(prefix, 2);
    const schema: EngineMetricsSchema = {
      threads: ['main'], agents: kAgents.map((a) => ({ id: a, type: a, strategies: ['all'] })), eventTypes: ['price_update'],
      deadLetterReasons: [], queues: ['jobs'], rings: ['changed'], sinks: ['events'],
    };
    const metrics = createMetricsHost(schema);
    const inner = learningMetrics(metrics.main, schema);
    const statuses: AgentStatus[] = [];
    const watched: LearningMetrics = {
      accuracy: (a, r) => inner.accuracy(a, r),
      status: (a, s) => { if (a === 'portfolio_rebalancer' && statuses[statuses.length - 1] !== s) statuses.push(s); inner.status(a, s); },
    };
    const store = join(dir, 'events.log');
    const bad = new BusPublisher({ prefix }).start();
    const msg = (id: string, to: string, type: string, payload: unknown): AgentMessage => ({ id, from: 'test', to, type, priority: 1, payload, timestamp: Date.now(), ttl: 0 });
    let loop: LearningLoop | null = null;
    try {
      // one bad message never stops a trainer: a malformed job is dead-lettered with its reason
      await bad.publishConfirmed(bad.jobRoute, msg('bad-job', 'trainer', 'agent_retraining', { agent: 'portfolio_rebalancer', version: 0 }));
      const summary = await runEngine(resolveOptions({
        fixture, threads: 0, learning: true, eventStore: store, busPrefix: prefix, decisions: null, summary: null, deadLetters: null, progress: false,
        config: { ...kDefaultConfig, learning: { ...kDefaultLearningConfig, trainer: 'bus' } },
      }), {
        learning: {
          metrics: watched,
          onStart: (run) => {
            loop = run.loop;
            // nor the engine: a malformed result and a message of no known type are refused, said, and the run goes on
            void bad.publishConfirmed(bad.routeFor(msg('bad-result', 'engine', kResultType, { jobId: 'x', status: 'maybe' })), msg('bad-result', 'engine', kResultType, { jobId: 'x', status: 'maybe' }));
            void bad.publishConfirmed(bad.routeFor(msg('odd', 'engine', 'gossip', {})), msg('odd', 'engine', 'gossip', {}));
          },
        },
      });
      assert.ok(trainers.logs.some((l) => /job bad-job refused: .*job\.jobId must be a non-empty string/.test(l)), trainers.logs.join('\n'));
      const refused = (loop as LearningLoop | null)!.refused;
      assert.ok(refused.some((x) => /^bad-result: result\.agent must be a string/.test(x)), refused.join('\n'));
      assert.ok(refused.some((x) => /^odd: unexpected message type gossip/.test(x)), refused.join('\n'));
      const r = summary.learning!.find((x) => x.agent === 'portfolio_rebalancer')!;
      const target = kDefaultLearningConfig.targets.maxReturnErrorPct;

      // the job went out and a trainer process took it
      assert.ok(r.jobs >= 1, `jobs ${r.jobs}`);
      const took = trainers.logs.filter((l) => l.includes('portfolio_rebalancer.job-1: succeeded'));
      assert.is(took.length, 1, `exactly one trainer fitted job-1:\n${trainers.logs.join('\n')}`);
      // the audit trail: job, result (fitted by that trainer), shadow, trial won, promotion
      let text = '';
      exportLogStream(store, 'control', (t) => { text += t; }, { records: true });
      const control = text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> | null });
      const of = (type: string): typeof control => control.filter((e) => e.type === type && e.data.agent === 'portfolio_rebalancer');
      const job = of('retraining_job')[0]!;
      assert.equal((job.data.targets as object), { minSuccess: 0.75, maxReturnErrorPct: 0.1, maxLatencyMs: 100 });
      assert.is((job.data.data as { stream: string }).stream, 'agent-performance-portfolio_rebalancer');
      const result = of('retraining_result')[0]!;
      assert.is(result.data.status, 'succeeded');
      assert.match(String(result.metadata!.trainer), /^trainer-[12]$/);
      assert.ok(of('shadow_won').length >= 1, 'the shadow beat the active version');
      const promote = of('parameter_change').find((e) => e.data.op === 'promote' && e.data.applied === true)!;
      assert.ok(promote, 'promoted');
      assert.is((promote.data.active as { version: number }).version, 1);
      assert.equal((promote.data.active as { data: object }).data, result.data.data, 'the version carries its data range');
      // statuses as the metrics block saw them, and the gauges at the end
      assert.equal(statuses.slice(0, 4), ['ACTIVE', 'RETRAINING', 'SHADOW', 'ACTIVE']);
      const exposition = await metrics.registry.metrics();
      assert.match(exposition, /lucent_agent_status\{agent_id="portfolio_rebalancer",agent_type="portfolio_rebalancer",status="ACTIVE"\} 1/);
      const acc = /agent_decision_accuracy_ratio\{agent_id="portfolio_rebalancer",agent_type="portfolio_rebalancer"\} ([0-9.]+)/.exec(exposition);
      assert.ok(acc !== null && Number(acc[1]) > 0.9, `accuracy ratio after promotion ${acc?.[1]}`);
      // the effect: the old parameters on the shadow window vs the promoted ones since
      assert.ok(r.before!.errorPct > target, `error before ${r.before!.errorPct}`);
      assert.ok(r.after!.errorPct < target, `error after ${r.after!.errorPct} must be below the target ${target}`);
      assert.ok(r.after!.outcomes >= 50, `outcomes after promotion ${r.after!.outcomes}`);
      const t = r.triggerToPromotionMs[0]!;
      console.log(`learning loop: return error before ${r.before!.errorPct.toFixed(4)} after ${r.after!.errorPct.toFixed(4)}, success ${r.before!.success.toFixed(3)} -> ${r.after!.success.toFixed(3)}, trigger to promotion ${t.toFixed(0)} ms`);
    } finally {
      await bad.close();
      await trainers.stop();
      await withChannel((ch) => deleteTopology(ch, prefix, ['engine']));
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
