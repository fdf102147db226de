// The block's scrape text (BlockRegistry's cached sample-line prefixes) is prom-client's own
// rendering of the same registry, byte for byte: several regions recorded, label values that
// need escaping, a metric that is not the block's in the same registry, default labels.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Gauge } from 'prom-client';
import { kStageIngest, kStageTotal, type EngineMetricsSchema } from '../../../protocol/metrics/catalogue.ts';
import { EngineMetrics } from '../../../protocol/metrics/engine_metrics.ts';
import { createMetricsHost } from './metrics_host.ts';
import { BlockRegistry } from './registry.ts';

const schema: EngineMetricsSchema = {
  threads: ['main', 'agent-0', 'agent-1'],
  agents: [
    { id: 'yield_hunter', type: 'yield_hunter', strategies: ['yield_entry', 'other'] },
    { id: 'odd "agent"\\x', type: 'odd\ntype', strategies: ['other'] },
  ],
  eventTypes: ['price_update', 'yield_update'],
  deadLetterReasons: ['malformed'],
  queues: ['audit', 'actions'],
  rings: ['changed_slots'],
  sinks: ['event_store', 'bus'],
};

async function both(r: BlockRegistry): Promise<{ fast: string; slow: string }> {
  const fast = await r.metrics();
  r.fastText = false;
  const slow = await r.metrics();
  r.fastText = true;
  return { fast, slow };
}

test('the block rendered from cached prefixes is prom-client rendering, byte for byte', async () => {
  const host = createMetricsHost(schema);
  assert.instance(host.registry, BlockRegistry);
  const r = host.registry as BlockRegistry;
  const empty = await both(r);
  assert.is(empty.fast, empty.slow, 'an empty block');
  const main = host.main;
  const t1 = new EngineMetrics(host.handoff(1)), t2 = new EngineMetrics(host.handoff(2));
  for (let i = 0; i < 500; i++) {
    main.stage(kStageIngest, i * 1.3e-7);
    main.stage(kStageTotal, i * 2.1e-6);
    t1.decision(0, i * 3e-6);
    t2.decision(1, 0.02 + i * 1e-3);
  }
  main.decision(1, 99); // past the last bound
  main.ingested(0, 1234);
  main.deadLetter(0);
  main.deadLetter(7); // refused, counted
  main.pnl(0, 0, 12.25);
  main.pnl(1, 0, -3.5);
  main.accuracy(1, 0.625);
  main.queueDepth(1, 3);
  main.sinkBacklog(1, 17);
  t1.busy(0.75);
  main.busy(1.5e-7);
  const full = await both(r);
  assert.is(full.fast, full.slow, 'a recorded block');
  assert.match(full.fast, /agent_id="odd \\"agent\\"\\\\x",agent_type="odd\\ntype"/);
  assert.match(full.fast, /\nlucent_metrics_rejected_total 1\n/);
  assert.match(full.fast, /\nagent_decision_duration_seconds_count\{agent_id="yield_hunter",agent_type="yield_hunter"\} 500\n/);

  // a metric of the operator's in the same registry, registered after the block's
  new Gauge({ name: 'lucent_control_test', help: 'a gauge that is not the block\'s', labelNames: ['k'], registers: [r], collect(this: Gauge<string>) { this.set({ k: 'v' }, 4); } });
  const mixed = await both(r);
  assert.is(mixed.fast, mixed.slow, 'with a metric that is not the block\'s');
  assert.match(mixed.fast, /\nlucent_control_test\{k="v"\} 4\n$/);

  // default labels: prom-client renders everything (they go on every line)
  r.setDefaultLabels({ pod: 'engine-0' });
  const labelled = await r.metrics();
  assert.match(labelled, /lucent_events_ingested_total\{type="price_update",pod="engine-0"\} 1234/);
});

test.run();
