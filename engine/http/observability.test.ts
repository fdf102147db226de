// The wiring seam: metrics block, bus and HTTP started together; the bus's backlog and overflow
// appear in /metrics (the bus points at an address with nothing listening, so everything it
// accepts stays buffered: a real refused connection, not a mock); stop() reports what was left.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OptionError } from '../../protocol/errors.ts';
import type { EngineMetricsSchema } from '../../protocol/metrics/catalogue.ts';
import { parseExposition, sample } from '../sinks/metrics/testing/exposition_text.ts';
import { startObservability } from './observability.ts';
import { freePort } from './testing/free_port.ts';

const schema: EngineMetricsSchema = {
  threads: ['main'],
  agents: [{ id: 'yield_hunter', type: 'yield_hunter', strategies: ['yield'] }],
  eventTypes: ['price_update'], deadLetterReasons: [], queues: ['derived'], rings: ['changed_slots'], sinks: ['bus', 'event_store'],
};

async function deadUrl(): Promise<string> {
  return `amqp://guest:guest@127.0.0.1:${await freePort()}`;
}

test('bus backlog and overflow show in /metrics; stop() says what the bus left unconfirmed', async () => {
  const obs = await startObservability({
    metrics: schema,
    http: { all: { port: 0 } },
    bus: { url: await deadUrl(), bufferSize: 3, backoff: { initialMs: 50, maxMs: 100 } },
    ready: () => ({ warm: true, agentThreads: { running: 0, expected: 0 } }),
    processMetrics: true,
  });
  const bus = obs.bus!;
  for (let i = 0; i < 5; i++) bus.submitJob({ id: `j-${i}`, from: 'engine', to: 'trainer', type: 'agent_retraining', priority: 5, payload: { i }, timestamp: Date.now(), ttl: 0 });
  const text = await (await fetch(`http://127.0.0.1:${obs.http!.metrics.port}/metrics`)).text();
  const s = parseExposition(text);
  assert.is(sample(s, 'lucent_sink_backlog', { sink: 'bus' }), 3);
  assert.is(sample(s, 'lucent_sink_overflow_total', { sink: 'bus' }), 2);
  assert.is(sample(s, 'lucent_sink_backlog', { sink: 'event_store' }), 0);
  assert.match(text, /^process_cpu_user_seconds_total /m, 'process metrics when asked');
  assert.equal(await obs.stop(50), { busUnconfirmed: 3 });
});

test('a bus without a "bus" sink in the schema is refused, naming the key', async () => {
  try {
    await startObservability({ metrics: { ...schema, sinks: ['event_store'] }, http: null, bus: {}, ready: () => ({ warm: true, agentThreads: { running: 0, expected: 0 } }) });
    assert.unreachable('expected an OptionError');
  } catch (err) {
    assert.instance(err, OptionError);
    assert.is((err as Error).message, 'metrics.sinks must list "bus" when the bus is on');
  }
});

test.run();
