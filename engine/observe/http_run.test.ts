// The HTTP endpoints in a real run: the engine paced with --rate on one agent thread, /ready turns
// 200 once the state is warm and the thread runs, /metrics shows what the agent thread recorded
// into its region of the metrics block (agent_decision_duration_seconds) next to the main thread's
// stage latencies and ingest counts, and the endpoints close when the run ends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngine } from '../engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { sinkOptionsOf } from './sink_options.ts';
import { freePort } from '../http/testing/free_port.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-http-run-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The value of one sample line `name{labels} value` in a Prometheus text exposition. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)));
  if (line === undefined) throw new Error(`no ${name}{${labels}} in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('--http HOST:PORT serves /health, /ready and /metrics for the whole run; worker threads record into the block', async () => {
  const port = await freePort();
  const o = resolveOptions({
    fixture: kDefaultFixture, threads: 1, limit: 6_000, rate: 600, decisions: join(dir, 'd.jsonl'), summary: null, deadLetters: null,
    progress: false, sinks: { http: `127.0.0.1:${port}`, eventStore: 'off' },
  });
  const lines: string[] = [];
  const run = runEngine(o, { log: (l) => lines.push(l) });
  const base = `http://127.0.0.1:${port}`;
  type Ready = { ready: boolean; warm: boolean; agentThreads: { running: number; expected: number } };
  let ready: Ready | null = null;
  let notReadyFirst = false;
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    try {
      const r = await fetch(`${base}/ready`);
      const body = await r.json() as Ready;
      if (r.status === 200) { ready = body; break; }
      notReadyFirst = true;
      assert.is(r.status, 503);
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(ready, '/ready turned 200');
  assert.ok(notReadyFirst, '/ready said 503 before the state was warm');
  assert.equal(ready.agentThreads, { running: 1, expected: 1 });
  // (the first probe may report the stall of loading the fixture, by design: the window runs from the previous probe)
  await fetch(`${base}/health`);
  const health = await fetch(`${base}/health`);
  assert.is(health.status, 200, await health.text());
  await new Promise((r) => setTimeout(r, 500));
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.ok(sample(text, 'agent_decision_duration_seconds_count', 'agent_id="arbitrage_detector"') > 0, 'an agent thread recorded its evaluations');
  assert.ok(sample(text, 'lucent_stage_duration_seconds_count', 'stage="total"') > 0);
  assert.ok(sample(text, 'lucent_events_ingested_total', 'type="price_update"') > 0);
  assert.ok(sample(text, 'lucent_thread_busy_seconds_total', 'thread="agent-0"') > 0);
  assert.ok(text.includes('agent_profit_generated_total{agent_id="portfolio_rebalancer",agent_type="portfolio_rebalancer",strategy="rebalance"}'));

  const s = await run;
  assert.match(lines.join('\n'), `health, ready and metrics on 127.0.0.1:${port}`);
  assert.is(s.sinks?.http, `health, ready and metrics on 127.0.0.1:${port}`);
  let closed = false;
  try { await fetch(`${base}/health`); } catch { closed = true; }
  assert.ok(closed, 'the endpoints close when the run ends');
});

test('--http parses like the record\'s deployment: bare = 8080 and 9090 on 127.0.0.1', () => {
  const o = resolveOptions({ decisions: null, sinks: { http: true } });
  assert.equal(sinkOptionsOf(o).http, { health: { host: '127.0.0.1', port: 8080 }, metrics: { host: '127.0.0.1', port: 9090 } });
  assert.is(sinkOptionsOf(o).metrics, true);
  assert.throws(() => sinkOptionsOf(resolveOptions({ sinks: { http: '127.0.0.1:99999' } })), /--http: port "99999"/);
  assert.throws(() => sinkOptionsOf(resolveOptions({ sinks: { bus: 'http://x' } })), /--bus must be an amqp/);
});

test.run();
