// GET /control carries each agent's learning status (what the operator page's Learning table shows):
// a real HTTP server, a control plane without a store, a status provider that changes between reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry } from 'prom-client';
import { kDefaultConfig } from '../options.ts';
import { startHttp } from '../http/server.ts';
import { ControlLog } from './control_log.ts';
import { ControlPlane } from './control_plane.ts';
import { controlMetrics } from './control_metrics.ts';
import { addControlRoutes } from './routes.ts';
import { Tokens } from './tokens.ts';
import { kControlPage } from './page.ts';

test('GET /control lists the learning status of each agent, as it is at the time of the request', async () => {
  const control = new ControlPlane(kDefaultConfig.control, { log: new ControlLog(null), capitalUsd: 1_000_000, capacity: 8, maxAgentErrors: 5 });
  let status = 'ACTIVE';
  let version = 0;
  const http = await startHttp({ all: { port: 0 } }, { ready: () => ({ warm: true, agentThreads: { running: 0, expected: 0 } }), metrics: { registry: controlMetrics(control, null, new Registry()) } });
  try {
    addControlRoutes(http.routes, {
      control, approvals: null, tokens: Tokens.load(null, {}), agents: ['portfolio_rebalancer'],
      learning: () => [{ agent: 'portfolio_rebalancer', status, activeVersion: version, jobs: version, promotions: version }],
    });
    const url = `http://127.0.0.1:${http.health.port}/control`;
    const first = await (await fetch(url)).json() as { learning: { agent: string; status: string; activeVersion: number }[] };
    assert.equal(first.learning.map((l) => [l.agent, l.status, l.activeVersion]), [['portfolio_rebalancer', 'ACTIVE', 0]]);
    status = 'RETRAINING';
    const second = await (await fetch(url)).json() as { learning: { status: string }[] };
    assert.is(second.learning[0]!.status, 'RETRAINING');
    status = 'ACTIVE'; version = 3;
    const third = await (await fetch(url)).json() as { learning: { activeVersion: number }[] };
    assert.is(third.learning[0]!.activeVersion, 3);
  } finally {
    await http.stop();
  }
});

test('without the learning loop GET /control has an empty learning list; the page has a Learning table fed from it', async () => {
  const control = new ControlPlane(kDefaultConfig.control, { log: new ControlLog(null), capitalUsd: 1_000_000, capacity: 8, maxAgentErrors: 5 });
  const http = await startHttp({ all: { port: 0 } }, { ready: () => ({ warm: true, agentThreads: { running: 0, expected: 0 } }), metrics: { registry: controlMetrics(control, null, new Registry()) } });
  try {
    addControlRoutes(http.routes, { control, approvals: null, tokens: Tokens.load(null, {}), agents: ['yield_hunter'] });
    const c = await (await fetch(`http://127.0.0.1:${http.health.port}/control`)).json() as { learning: unknown[] };
    assert.equal(c.learning, []);
    assert.match(kControlPage, /<table id="learning">/);
    assert.match(kControlPage, /fill\('learning', \(c\.learning/);
  } finally {
    await http.stop();
  }
});

test.run();
