// A real scrape: a real Prometheus (Debian's `prometheus` package) scrapes startHttp's /metrics
// every second, and the values the test recorded into the metrics block are read back through
// Prometheus's HTTP query API. With CI set a missing prometheus binary fails; elsewhere the file
// skips, saying how to install it. Prometheus is killed in a finally.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kStageTotal, type EngineMetricsSchema } from '../../protocol/metrics/catalogue.ts';
import { createMetricsHost } from '../sinks/metrics/metrics_host.ts';
import { startHttp } from './server.ts';
import { freePort } from './testing/free_port.ts';

const kFile = 'engine/http/prometheus.it.test.ts';
const kHow = 'install it with `apt-get update && apt-get install -y prometheus`';
const kJob = 'lucent-engine';

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function prometheusVersion(): string | null {
  const r = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout || r.stderr).split('\n', 1)[0] : null;
}

interface QueryResult { status: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } }

async function query(web: number, promql: string): Promise<QueryResult> {
  const r = await fetch(`http://127.0.0.1:${web}/api/v1/query?query=${encodeURIComponent(promql)}`);
  return (await r.json()) as QueryResult;
}

/** Polls a query until it returns a sample (Prometheus has scraped), or fails after timeoutMs. */
async function scraped(web: number, promql: string, timeoutMs: number): Promise<QueryResult> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const r = await query(web, promql);
      if (r.status === 'success' && r.data.result.length > 0) return r;
      last = JSON.stringify(r);
    } catch (err) {
      last = (err as Error).message; // Prometheus still starting
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no sample for ${promql} after ${timeoutMs} ms (last answer: ${last})`);
}

async function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

const schema: EngineMetricsSchema = {
  threads: ['main'],
  agents: [{ id: 'arbitrage_detector', type: 'arbitrage_detector', strategies: ['cross_exchange', 'triangular'] }],
  eventTypes: ['price_update'],
  deadLetterReasons: ['parse'],
  queues: ['derived'],
  rings: ['changed_slots'],
  sinks: ['bus'],
};

const version = prometheusVersion();
if (version === null) {
  if (inCi()) test('prometheus is installed', () => assert.unreachable(`no prometheus binary on PATH; CI must ${kHow}`));
  else {
    console.log(`SKIP ${kFile}: no prometheus binary on PATH; ${kHow}`);
    test.skip(`${kFile} (needs prometheus: apt-get install -y prometheus)`, () => undefined);
  }
} else {
  test(`a real Prometheus (${version}) scrapes /metrics; its query API returns what was recorded`, async () => {
    const host = createMetricsHost(schema);
    host.main.pnl(0, 1, 1234.5);
    host.main.pnl(0, 1, -34.25);
    for (const s of [2e-6, 4e-6, 4e-6, 6e-6]) host.main.decision(0, s);
    for (let i = 0; i < 100; i++) host.main.stage(kStageTotal, 2.5e-5);
    host.main.ingested(0, 4242);
    const http = await startHttp({ health: { port: 0 }, metrics: { port: 0 } }, { metrics: { registry: host.registry }, ready: () => ({ warm: true, agentThreads: { running: 0, expected: 0 } }) });
    const dir = mkdtempSync(join(tmpdir(), 'lucent-prom-'));
    let prom: ChildProcess | null = null;
    let log = '';
    try {
      const web = await freePort();
      const config = join(dir, 'prometheus.yml');
      writeFileSync(config, [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        `  - job_name: ${kJob}`,
        '    scrape_interval: 1s',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${http.metrics.port}']`,
        '',
      ].join('\n'));
      prom = spawn('prometheus', [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${web}`,
        '--log.level=warn',
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      prom.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
      prom.stderr?.on('data', (d: Buffer) => { log += d.toString(); });

      const profit = await scraped(web, 'agent_profit_generated_total{strategy="triangular"}', 45_000);
      console.log(`  GET /api/v1/query?query=agent_profit_generated_total{strategy="triangular"}\n  ${JSON.stringify(profit)}`);
      assert.is(profit.data.result.length, 1);
      const sample = profit.data.result[0];
      assert.is(sample.value[1], '1234.5');
      assert.equal({ ...sample.metric }, { __name__: 'agent_profit_generated_total', agent_id: 'arbitrage_detector', agent_type: 'arbitrage_detector', strategy: 'triangular', instance: `127.0.0.1:${http.metrics.port}`, job: kJob });

      const up = await query(web, `up{job="${kJob}"}`);
      assert.is(up.data.result[0].value[1], '1');
      assert.is((await query(web, 'agent_loss_generated_total{strategy="triangular"}')).data.result[0].value[1], '34.25');
      assert.is((await query(web, 'agent_decision_duration_seconds_count')).data.result[0].value[1], '4');
      assert.is((await query(web, 'agent_decision_duration_seconds_bucket{le="0.000005"}')).data.result[0].value[1], '3');
      assert.is((await query(web, 'lucent_events_ingested_total')).data.result[0].value[1], '4242');
      // 100 observations of 25 µs fall in the (20 µs, 30 µs] bucket; the median interpolates to its middle
      const p50 = await query(web, 'histogram_quantile(0.5, sum by (le) (lucent_stage_duration_seconds_bucket{stage="total"}))');
      console.log(`  GET /api/v1/query?query=histogram_quantile(0.5, ...{stage="total"}) → ${p50.data.result[0].value[1]}`);
      assert.ok(Math.abs(Number(p50.data.result[0].value[1]) - 2.5e-5) < 1e-12, p50.data.result[0].value[1]);

      // every query of the Grafana dashboard parses and runs against this Prometheus
      const dash = JSON.parse(readFileSync(new URL('../../deploy/grafana/lucent-engine-dashboard.json', import.meta.url), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
      let withData = 0;
      for (const p of dash.panels) {
        for (const t of p.targets ?? []) {
          const promql = t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.*').replaceAll('$instance', '.*');
          const r = await query(web, promql);
          assert.is(r.status, 'success', `${p.title}: ${promql} → ${JSON.stringify(r)}`);
          if (r.data.result.length > 0) withData++;
        }
      }
      assert.ok(withData > 0, 'some dashboard queries return data');
    } catch (err) {
      if (log !== '') console.log(`prometheus said:\n${log}`);
      throw err;
    } finally {
      if (prom !== null) await kill(prom);
      await http.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
