// startHttp on real sockets: both layouts, the probes' answers, 404/405, clean stop with an open
// keep-alive connection, and listen errors that name the address.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { Registry, Counter } from 'prom-client';
import { OptionError } from '../../protocol/errors.ts';
import { startHttp, type HttpDeps } from './server.ts';
import { jsonReply } from './router.ts';

function deps(over: Partial<HttpDeps> = {}): HttpDeps {
  const registry = new Registry();
  new Counter({ name: 'probe_test_total', help: 'a counter', registers: [registry] }).inc(3);
  return { metrics: { registry }, ready: () => ({ warm: true, agentThreads: { running: 2, expected: 2 } }), ...over };
}

async function get(port: number, path: string, init?: RequestInit): Promise<{ status: number; text: string; headers: Headers }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return { status: r.status, text: await r.text(), headers: r.headers };
}

test('split mode: /health and /ready on one address, /metrics on the other, nothing crosses', async () => {
  const http = await startHttp({ health: { port: 0 }, metrics: { port: 0 } }, deps());
  try {
    assert.is(http.health.address, '127.0.0.1', 'bound to loopback by default');
    assert.is.not(http.health.port, http.metrics.port);
    const h = await get(http.health.port, '/health');
    assert.is(h.status, 200);
    const body = JSON.parse(h.text);
    assert.is(body.status, 'ok');
    assert.type(body.eventLoopDelayMs.maxMs, 'number');
    assert.is((await get(http.health.port, '/ready')).status, 200);
    const m = await get(http.metrics.port, '/metrics');
    assert.is(m.status, 200);
    assert.match(m.text, /^probe_test_total 3$/m);
    assert.is((await get(http.health.port, '/metrics')).status, 404);
    assert.is((await get(http.metrics.port, '/health')).status, 404);
    assert.is((await get(http.metrics.port, '/nope')).status, 404);
  } finally {
    await http.stop();
  }
});

test('single-address mode serves all three; 405 names the allowed methods; HEAD works', async () => {
  const http = await startHttp({ all: { host: '127.0.0.1', port: 0 } }, deps());
  try {
    assert.is(http.health.port, http.metrics.port);
    for (const p of ['/health', '/ready', '/metrics']) assert.is((await get(http.health.port, p)).status, 200, p);
    const post = await get(http.health.port, '/ready', { method: 'POST', body: 'x' });
    assert.is(post.status, 405);
    assert.is(post.headers.get('allow'), 'GET, HEAD');
    const head = await get(http.health.port, '/metrics', { method: 'HEAD' });
    assert.is(head.status, 200);
    assert.is(head.text, '');
  } finally {
    await http.stop();
  }
});

test('/ready is 503 until the state is warm and every agent thread runs, and says why', async () => {
  let state = { warm: false, agentThreads: { running: 1, expected: 2 } };
  const http = await startHttp({ all: { port: 0 } }, deps({ ready: () => state }));
  try {
    let r = await get(http.health.port, '/ready');
    assert.is(r.status, 503);
    assert.is(JSON.parse(r.text).reason, 'market state not warm; 1 of 2 agent threads running');
    state = { warm: true, agentThreads: { running: 1, expected: 2 } };
    r = await get(http.health.port, '/ready');
    assert.is(r.status, 503);
    assert.is(JSON.parse(r.text).reason, '1 of 2 agent threads running');
    state = { warm: true, agentThreads: { running: 2, expected: 2 } };
    r = await get(http.health.port, '/ready');
    assert.is(r.status, 200);
    assert.equal(JSON.parse(r.text), { ready: true, warm: true, agentThreads: { running: 2, expected: 2 } });
    state = { warm: true, agentThreads: { running: 0, expected: 0 } };
    assert.is((await get(http.health.port, '/ready')).status, 200, 'inline (no agent threads) is ready when warm');
  } finally {
    await http.stop();
  }
});

test('/health fails after an event-loop stall over the limit, and when the engine reports itself broken', async () => {
  let broken: string | null = null;
  const http = await startHttp({ all: { port: 0 } }, deps({ stallLimitMs: 100, broken: () => broken }));
  try {
    assert.is((await get(http.health.port, '/health')).status, 200);
    const until = Date.now() + 400;
    while (Date.now() < until) { /* block the event loop for 400 ms */ }
    const stalled = await get(http.health.port, '/health');
    assert.is(stalled.status, 503);
    const body = JSON.parse(stalled.text);
    assert.is(body.status, 'stalled');
    assert.ok(body.eventLoopDelayMs.maxMs > 100, `max delay ${body.eventLoopDelayMs.maxMs} ms`);
    assert.is((await get(http.health.port, '/health')).status, 200, 'the next window is clean');
    broken = 'agent pool cannot restart threads';
    const b = await get(http.health.port, '/health');
    assert.is(b.status, 503);
    assert.is(JSON.parse(b.text).reason, 'agent pool cannot restart threads');
  } finally {
    await http.stop();
  }
});

test('a failing scrape is a one-line 500, not a stack trace; the server goes on', async () => {
  const registry = new Registry();
  new Counter({ name: 'bad_total', help: 'x', registers: [registry], collect() { throw new Error('block unreadable\n    at somewhere'); } });
  const http = await startHttp({ all: { port: 0 } }, deps({ metrics: { registry } }));
  try {
    const r = await get(http.health.port, '/metrics');
    assert.is(r.status, 500);
    assert.is(r.text, 'GET /metrics failed: block unreadable\n');
    assert.is((await get(http.health.port, '/health')).status, 200);
  } finally {
    await http.stop();
  }
});

test('routes registered after start are served (the hook for control endpoints)', async () => {
  const http = await startHttp({ health: { port: 0 }, metrics: { port: 0 } }, deps());
  try {
    assert.is((await get(http.health.port, '/control/echo', { method: 'POST', body: 'hi' })).status, 404);
    http.routes.add({ method: 'POST', path: '/control/echo', handler: (ctx) => jsonReply(200, { got: ctx.body.toString() }) });
    const r = await get(http.health.port, '/control/echo', { method: 'POST', body: 'hi' });
    assert.is(r.status, 200);
    assert.equal(JSON.parse(r.text), { got: 'hi' });
  } finally {
    await http.stop();
  }
});

test('stop() closes keep-alive connections and frees the ports; it is idempotent', async () => {
  const http = await startHttp({ health: { port: 0 }, metrics: { port: 0 } }, deps());
  const port = http.metrics.port;
  await get(port, '/metrics'); // fetch keeps the connection alive
  await Promise.all([http.stop(), http.stop()]);
  await assert.not.ok(await canConnect(port), 'the port is closed');
  const again = await startHttp({ health: { port: 0 }, metrics: { port } }, deps());
  await again.stop();
});

test('config errors name the key; a busy port names the address', async () => {
  const bad = async (cfg: unknown, re: RegExp): Promise<void> => {
    try {
      await startHttp(cfg as never, deps());
      assert.unreachable('expected an error');
    } catch (err) {
      assert.instance(err, OptionError);
      assert.match((err as Error).message, re);
    }
  };
  await bad({ all: { port: 70000 } }, /^http\.all\.port must be an integer in 0\.\.65535, got 70000/);
  await bad({ health: { port: 8080 }, metrics: { port: 8080 } }, /both 127\.0\.0\.1:8080; use \{all/);
  await bad({ health: { port: 1 } }, /^http\.metrics must be \{host, port\}/);
  await bad({ all: { port: 1 }, health: { port: 2 } }, /either all or health and metrics/);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const busy = (blocker.address() as { port: number }).port;
  try {
    await startHttp({ health: { port: 0 }, metrics: { port: busy } }, deps());
    assert.unreachable('expected EADDRINUSE');
  } catch (err) {
    assert.is((err as Error).message, `http.metrics: cannot listen on 127.0.0.1:${busy} (EADDRINUSE)`);
  } finally {
    blocker.close();
  }
});

function canConnect(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false);
}

test.run();
