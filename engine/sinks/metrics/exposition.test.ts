// The whole metrics path on real threads and a real socket: a worker thread and the main thread
// record into their regions of the block; GET /metrics (startHttp) shows the exact totals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { startHttp } from '../../http/server.ts';
import { kStageTotal, type EngineMetricsSchema } from '../../../protocol/metrics/catalogue.ts';
import { createMetricsHost } from './metrics_host.ts';
import { parseExposition, sample } from './testing/exposition_text.ts';

const schema: EngineMetricsSchema = {
  threads: ['main', 'agents-1'],
  agents: [
    { id: 'yield_hunter', type: 'yield_hunter', strategies: ['yield'] },
    { id: 'arbitrage_detector', type: 'arbitrage_detector', strategies: ['cross_exchange', 'triangular'] },
  ],
  eventTypes: ['price_update', 'yield_update'],
  deadLetterReasons: ['parse'],
  queues: ['derived'],
  rings: ['changed_slots'],
  sinks: ['bus'],
};

test('a worker thread and the main thread record; /metrics shows exact counts, buckets and sums', async () => {
  const host = createMetricsHost(schema);
  const worker = new Worker(new URL('./testing/record_worker.ts', import.meta.url), { workerData: host.handoff(1) });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  await worker.terminate();
  const m = host.main;
  m.decision(0, 2.5e-6);
  for (let i = 0; i < 5; i++) m.stage(kStageTotal, 4e-5);
  m.ingested(0, 1000);
  m.ingested(1, 5);
  m.deadLetter(0);
  m.deadLetter(99); // no such reason: refused and counted
  m.busy(0.5);
  m.sinkBacklog(0, 12);
  m.queueDepth(0, 4);

  const http = await startHttp({ all: { port: 0 } }, { metrics: { registry: host.registry }, ready: () => ({ warm: true, agentThreads: { running: 1, expected: 1 } }) });
  try {
    const res = await fetch(`http://127.0.0.1:${http.metrics.port}/metrics`);
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const s = parseExposition(await res.text());
    const yh = { agent_id: 'yield_hunter', agent_type: 'yield_hunter' };
    const ad = { agent_id: 'arbitrage_detector', agent_type: 'arbitrage_detector' };
    const bucket = (labels: Record<string, string>, le: string): number => sample(s, 'agent_decision_duration_seconds_bucket', { ...labels, le });
    // yield_hunter: 3 × 2.5 µs (worker) + 1 × 2.5 µs (main) + 0.8 s (worker)
    assert.is(bucket(yh, '0.000002'), 0);
    assert.is(bucket(yh, '0.000003'), 4);
    assert.is(bucket(yh, '0.7'), 4);
    assert.is(bucket(yh, '1'), 5);
    assert.is(bucket(yh, '+Inf'), 5);
    assert.is(sample(s, 'agent_decision_duration_seconds_count', yh), 5);
    assert.ok(Math.abs(sample(s, 'agent_decision_duration_seconds_sum', yh) - (4 * 2.5e-6 + 0.8)) < 1e-12);
    // arbitrage_detector: 2 × exactly 1 µs (on the first bound) and 5 s (past the last)
    assert.is(bucket(ad, '0.000001'), 2);
    assert.is(bucket(ad, '1'), 2);
    assert.is(bucket(ad, '+Inf'), 3);
    assert.is(sample(s, 'agent_decision_duration_seconds_count', ad), 3);
    assert.is(sample(s, 'agent_decision_accuracy_ratio', ad), 0.75);
    assert.is(sample(s, 'agent_decision_accuracy_ratio', yh), 0);
    assert.is(sample(s, 'agent_profit_generated_total', { ...ad, strategy: 'triangular' }), 120.5);
    assert.is(sample(s, 'agent_loss_generated_total', { ...ad, strategy: 'triangular' }), 20);
    assert.is(sample(s, 'agent_profit_generated_total', { ...ad, strategy: 'cross_exchange' }), 0);
    assert.is(sample(s, 'lucent_stage_duration_seconds_bucket', { stage: 'total', le: '0.00003' }), 0);
    assert.is(sample(s, 'lucent_stage_duration_seconds_bucket', { stage: 'total', le: '0.00005' }), 5);
    assert.is(sample(s, 'lucent_stage_duration_seconds_count', { stage: 'ingest' }), 0);
    assert.is(sample(s, 'lucent_events_ingested_total', { type: 'price_update' }), 1000);
    assert.is(sample(s, 'lucent_events_ingested_total', { type: 'yield_update' }), 5);
    assert.is(sample(s, 'lucent_dead_letters_total', { reason: 'parse' }), 1);
    assert.is(sample(s, 'lucent_dead_letters_total', { reason: 'other' }), 0);
    assert.is(sample(s, 'lucent_thread_busy_seconds_total', { thread: 'main' }), 0.5);
    assert.is(sample(s, 'lucent_thread_busy_seconds_total', { thread: 'agents-1' }), 0.25);
    assert.is(sample(s, 'lucent_ring_depth', { ring: 'changed_slots' }), 3);
    assert.is(sample(s, 'lucent_queue_depth', { queue: 'derived' }), 4);
    assert.is(sample(s, 'lucent_sink_backlog', { sink: 'bus' }), 12);
    assert.is(sample(s, 'lucent_metrics_rejected_total', {}), 2);
    // a second scrape reports the same totals (collect() resets prom-client's copy, not the block)
    const again = parseExposition(await (await fetch(`http://127.0.0.1:${http.metrics.port}/metrics`)).text());
    assert.is(sample(again, 'lucent_events_ingested_total', { type: 'price_update' }), 1000);
    assert.is(sample(again, 'agent_decision_duration_seconds_count', yh), 5);
  } finally {
    await http.stop();
  }
});

test.run();
