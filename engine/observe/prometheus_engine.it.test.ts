// A real Prometheus (Debian's `prometheus` package) scrapes the running engine: `npm start -- --http
// 127.0.0.1:PORT --rate …` in a child process, and metrics it recorded — on the main thread (events
// ingested, stage latency) and on its agent thread (agent_decision_duration_seconds) — are read back
// through Prometheus's query API. With CI set a missing prometheus binary fails; elsewhere the file
// skips, saying how to install it. Both processes are killed in a finally.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../http/testing/free_port.ts';

const kFile = 'engine/observe/prometheus_engine.it.test.ts';
const kHow = 'install it with `apt-get update && apt-get install -y prometheus`';
const root = new URL('../../', import.meta.url).pathname;

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function prometheusVersion(): string | null {
  const r = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout || r.stderr).split('\n', 1)[0]! : null;
}

interface QueryResult { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }

async function query(web: number, promql: string): Promise<QueryResult> {
  const r = await fetch(`http://127.0.0.1:${web}/api/v1/query?query=${encodeURIComponent(promql)}`);
  return (await r.json()) as QueryResult;
}

/** Polls until the query returns a sample whose value passes `ok`, or fails after timeoutMs. */
async function until(web: number, promql: string, ok: (v: number) => boolean, timeoutMs: number): Promise<QueryResult> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const r = await query(web, promql);
      if (r.status === 'success' && r.data.result.length > 0 && ok(Number(r.data.result[0]!.value[1]))) return r;
      last = JSON.stringify(r);
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no acceptable sample for ${promql} after ${timeoutMs} ms (last answer: ${last})`);
}

async function kill(p: ChildProcess | null): Promise<void> {
  if (p === null || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

const version = prometheusVersion();
if (version === null) {
  if (inCi()) test('prometheus is installed', () => assert.unreachable(`no prometheus binary on PATH; CI must ${kHow}`));
  else {
    console.log(`SKIP ${kFile}: no prometheus binary on PATH; ${kHow}`);
    test.skip(`${kFile} (needs prometheus)`, () => undefined);
  }
} else {
  test(`a real Prometheus (${version}) scrapes the running engine; the query API returns its metrics`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lucent-prom-engine-'));
    let engine: ChildProcess | null = null;
    let prom: ChildProcess | null = null;
    let log = '';
    try {
      const port = await freePort();
      engine = spawn(join(root, 'node_modules/.bin/node'), [
        'engine/cli.ts', '--http', `127.0.0.1:${port}`, '--rate', '800', '--limit', '40000', '--threads', '1', '--quiet',
        '--decisions', join(dir, 'd.jsonl'), '--summary', join(dir, 's.json'), '--dead-letters', join(dir, 'dl.jsonl'),
      ], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      engine.stderr?.on('data', (d: Buffer) => { log += `engine: ${d.toString()}`; });
      const web = await freePort();
      const config = join(dir, 'prometheus.yml');
      writeFileSync(config, [
        'global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: lucent-engine', '    scrape_interval: 1s',
        '    static_configs:', `      - targets: ['127.0.0.1:${port}']`, '',
      ].join('\n'));
      prom = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${web}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
      prom.stderr?.on('data', (d: Buffer) => { log += `prometheus: ${d.toString()}`; });

      const ingested = await until(web, 'sum(lucent_events_ingested_total)', (v) => v > 0, 60_000);
      console.log(`  GET /api/v1/query?query=sum(lucent_events_ingested_total) → ${JSON.stringify(ingested.data.result)}`);
      const decided = await until(web, 'agent_decision_duration_seconds_count{agent_id="arbitrage_detector"}', (v) => v > 0, 30_000);
      console.log(`  GET /api/v1/query?query=agent_decision_duration_seconds_count{agent_id="arbitrage_detector"} → ${JSON.stringify(decided.data.result)}`);
      assert.is(decided.data.result[0]!.metric.agent_type, 'arbitrage_detector');
      assert.is(decided.data.result[0]!.metric.job, 'lucent-engine');
      const p99 = await until(web, 'histogram_quantile(0.99, sum by (le) (lucent_stage_duration_seconds_bucket{stage="total"}))', (v) => v > 0 && v < 10, 30_000);
      console.log(`  p99 tick-to-decision (Prometheus) → ${p99.data.result[0]!.value[1]} s`);
      const up = await query(web, 'up{job="lucent-engine"}');
      assert.is(up.data.result[0]!.value[1], '1');
      assert.is(engine.exitCode, null, 'the engine was still running while scraped');
    } catch (err) {
      if (log !== '') console.log(log);
      throw err;
    } finally {
      await kill(prom);
      await kill(engine);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
