// deploy/ checked against the code: every port and path the Kubernetes manifest's probes, Service
// and scrape annotations name is served by startHttp in the configuration the container's
// `--http` argument gives (started on free ports mapped from the manifest's, and asked over a real
// socket), and every metric the Grafana dashboard queries exists in the metrics registry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { EngineMetricsSchema } from '../../protocol/metrics/catalogue.ts';
import { createMetricsHost } from '../sinks/metrics/metrics_host.ts';
import { parseHttpOption } from './http_option.ts';
import { startHttp, type HttpConfig } from './server.ts';
import { freePort } from './testing/free_port.ts';

const kManifest = new URL('../../deploy/kubernetes/lucent-engine.yaml', import.meta.url);
const kDashboard = new URL('../../deploy/grafana/lucent-engine-dashboard.json', import.meta.url);

interface Container {
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
}
interface Manifest { kind: string; metadata: { annotations?: Record<string, string> }; spec: Record<string, unknown> }

function documents(): Manifest[] {
  return parseAllDocuments(readFileSync(kManifest, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`deploy manifest: ${d.errors[0].message}`);
    return d.toJS() as Manifest;
  });
}

/** A container port given by name or number → its number. */
function portNumber(c: Container, port: string | number, where: string): number {
  if (typeof port === 'number') return port;
  const p = (c.ports ?? []).find((x) => x.name === port);
  if (p === undefined) throw new Error(`${where}: the container has no port named ${port}`);
  return p.containerPort;
}

/** The host ports startHttp serves for a config. */
function served(config: HttpConfig): { host: string; ports: Map<number, string[]> } {
  if ('all' in config) return { host: config.all.host ?? '127.0.0.1', ports: new Map([[config.all.port, ['/health', '/ready', '/metrics']]]) };
  return { host: config.health.host ?? '127.0.0.1', ports: new Map([[config.health.port, ['/health', '/ready']], [config.metrics.port, ['/metrics']]]) };
}

const schema: EngineMetricsSchema = {
  threads: ['main', 'agents-1'],
  agents: [{ id: 'yield_hunter', type: 'yield_hunter', strategies: ['yield'] }],
  eventTypes: ['price_update'],
  deadLetterReasons: ['parse'],
  queues: ['derived'],
  rings: ['changed_slots'],
  sinks: ['bus'],
};

test('every probe, Service port and scrape annotation in the manifest is served by startHttp', async () => {
  const docs = documents();
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const service = docs.find((d) => d.kind === 'Service');
  assert.ok(deployment && service, 'the manifest has a Deployment and a Service');
  const containers = ((deployment.spec.template as { spec: { containers: Container[] } }).spec.containers);
  assert.is(containers.length, 1);
  const c = containers[0];
  const args = c.args ?? [];
  const at = args.indexOf('--http');
  assert.ok(at >= 0, 'the container runs with --http');
  const value = args[at + 1] !== undefined && !args[at + 1].startsWith('--') ? args[at + 1] : true;
  const config = parseHttpOption(value);
  const { host, ports } = served(config);
  assert.is.not(host, '127.0.0.1', 'bound beyond loopback, or the kubelet cannot reach the probes');

  // every (port, path) the manifest expects to answer
  const wanted: { what: string; port: number; path: string }[] = [];
  for (const [what, probe] of [['livenessProbe', c.livenessProbe], ['readinessProbe', c.readinessProbe]] as const) {
    assert.ok(probe?.httpGet, `${what} is an HTTP probe`);
    wanted.push({ what, port: portNumber(c, probe.httpGet.port, what), path: probe.httpGet.path });
  }
  const ann = service.metadata.annotations ?? {};
  assert.is(ann['prometheus.io/scrape'], 'true');
  wanted.push({ what: 'prometheus.io annotations', port: Number(ann['prometheus.io/port']), path: ann['prometheus.io/path'] ?? '/metrics' });
  for (const p of (service.spec.ports as { name: string; port: number; targetPort: string | number }[])) {
    const target = portNumber(c, p.targetPort, `Service port ${p.name}`);
    assert.is(p.port, target, `Service port ${p.name} keeps the container's number`);
    wanted.push({ what: `Service port ${p.name}`, port: target, path: '' });
  }
  assert.equal((c.ports ?? []).map((p) => p.containerPort).sort(), [...ports.keys()].sort(), 'the container declares exactly the ports --http serves');
  assert.equal(wanted.map((w) => w.path).filter((p) => p !== '').sort(), ['/health', '/metrics', '/ready']);

  // start startHttp as the manifest implies, each of its ports mapped to a free one here
  const mapped = new Map<number, number>();
  for (const p of ports.keys()) mapped.set(p, await freePort());
  const local = (p: number): number => {
    const m = mapped.get(p);
    if (m === undefined) throw new Error(`port ${p} is not served by --http ${String(value)}`);
    return m;
  };
  const localConfig: HttpConfig = 'all' in config
    ? { all: { host: '127.0.0.1', port: local(config.all.port) } }
    : { health: { host: '127.0.0.1', port: local(config.health.port) }, metrics: { host: '127.0.0.1', port: local(config.metrics.port) } };
  const host0 = createMetricsHost(schema);
  const http = await startHttp(localConfig, { metrics: { registry: host0.registry }, ready: () => ({ warm: true, agentThreads: { running: 1, expected: 1 } }) });
  try {
    for (const w of wanted) {
      const port = local(w.port);
      if (w.path === '') {
        const r = await fetch(`http://127.0.0.1:${port}/`);
        assert.is(r.status, 404, `${w.what}: port ${w.port} answers (startHttp's router)`);
        await r.text();
        continue;
      }
      const r = await fetch(`http://127.0.0.1:${port}${w.path}`);
      const text = await r.text();
      assert.is(r.status, 200, `${w.what}: GET ${w.path} on ${w.port} → ${r.status} ${text}`);
      if (w.path === '/metrics') assert.match(text, /^# TYPE agent_decision_duration_seconds histogram$/m);
    }
  } finally {
    await http.stop();
  }
});

const kKeywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** The metric names a PromQL expression reads, and the label names it uses. */
export function promqlNames(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  let e = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const m of e.matchAll(/\{([^}]*)\}/g)) for (const l of m[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.push(l[1]);
  for (const m of e.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)) for (const l of m[1].split(',')) if (l.trim() !== '') labels.push(l.trim());
  e = e.replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ').replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ').replace(/\$\w+/g, ' ');
  const metrics: string[] = [];
  for (const m of e.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = e.slice((m.index ?? 0) + m[0].length).trimStart();
    if (rest.startsWith('(') || kKeywords.has(m[0])) continue;
    metrics.push(m[0]);
  }
  return { metrics, labels };
}

test('promqlNames finds metrics and labels, not functions, keywords or variables', () => {
  assert.equal(promqlNames('histogram_quantile(0.99, sum by (le, agent_id) (rate(x_bucket{job=~"$job", stage="a{b}"}[$__rate_interval])))'), { metrics: ['x_bucket'], labels: ['job', 'stage', 'le', 'agent_id'] });
  assert.equal(promqlNames('sum(increase(a_total[1h])) - sum(increase(b_total[1h])) or vector(0)'), { metrics: ['a_total', 'b_total'], labels: [] });
});

test('every metric and label the Grafana dashboard queries exists in the registry', async () => {
  const dash = JSON.parse(readFileSync(kDashboard, 'utf8')) as { panels: { title: string; type: string; targets?: { expr: string }[] }[]; templating: { list: { definition?: string }[] } };
  const host = createMetricsHost(schema);
  const known = new Set<string>();
  const labels = new Set(['le', 'job', 'instance']);
  for (const f of host.layout.families) {
    for (const suffix of f.spec.kind === 'histogram' ? ['_bucket', '_sum', '_count'] : ['']) known.add(f.spec.name + suffix);
    for (const l of f.spec.labelNames) labels.add(l);
  }
  const exprs = [...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
    ...dash.templating.list.filter((v) => v.definition !== undefined).map((v) => ({ where: 'a variable', expr: (v.definition as string).replace(/^label_values\((.*),\s*\w+\)$/, '$1') }))];
  const used = new Set<string>();
  for (const { where, expr } of exprs) {
    const n = promqlNames(expr);
    assert.ok(n.metrics.length > 0, `${where}: ${expr} reads a metric`);
    for (const m of n.metrics) {
      assert.ok(known.has(m), `${where}: ${m} is not a metric the engine exposes`);
      used.add(m.replace(/_(bucket|sum|count)$/, ''));
    }
    for (const l of n.labels) assert.ok(labels.has(l), `${where}: label ${l} is on no metric`);
  }
  for (const m of ['agent_decision_duration_seconds', 'agent_decision_accuracy_ratio', 'agent_profit_generated_total', 'lucent_stage_duration_seconds']) {
    assert.ok(used.has(m), `the dashboard shows ${m}`);
  }
  const stages = dash.panels.filter((p) => (p.targets ?? []).some((t) => t.expr.includes('histogram_quantile') && t.expr.includes('lucent_stage_duration_seconds_bucket')));
  assert.ok(stages.length >= 2, 'per-stage latency quantile panels');
});

test.run();
