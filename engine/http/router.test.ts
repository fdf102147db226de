// The router on a real socket: request-body limits (declared and streamed), guards with a bearer
// token, handler failures as one-line 500s, and registration errors that name the route.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { OptionError } from '../../protocol/errors.ts';
import { bearerGuard } from './guard.ts';
import { jsonReply, Router, textReply } from './router.ts';

const kToken = 'a-token-of-enough-length';

async function serve(router: Router): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => { void router.handle(req, res); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

function stop(server: Server): Promise<void> {
  return new Promise((r) => { server.close(() => r()); server.closeAllConnections(); });
}

function router(): Router {
  return new Router({ bodyLimitBytes: 16 })
    .add({ method: 'POST', path: '/echo', handler: (ctx) => jsonReply(200, { n: ctx.body.length, q: ctx.query.get('q') }) })
    .add({ method: 'POST', path: '/big', bodyLimitBytes: 1000, handler: (ctx) => jsonReply(200, { n: ctx.body.length }) })
    .add({ method: 'POST', path: '/control/kill', guard: bearerGuard(kToken), handler: () => textReply(200, 'stopped') })
    .add({ method: 'GET', path: '/boom', handler: () => { throw new Error('went wrong\nstack line'); } });
}

/** Sends a chunked body (no content-length), so the limit must be enforced while streaming. */
function postChunked(port: number, path: string, chunks: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test('bodies within the limit arrive whole; over the limit is 413, declared or streamed', async () => {
  const { server, port } = await serve(router());
  try {
    const ok = await fetch(`http://127.0.0.1:${port}/echo?q=x`, { method: 'POST', body: '0123456789abcdef' });
    assert.is(ok.status, 200);
    assert.equal(await ok.json(), { n: 16, q: 'x' });
    const over = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: '0123456789abcdefg' });
    assert.is(over.status, 413);
    assert.is(await over.text(), 'request body over 16 bytes\n');
    assert.is(await postChunked(port, '/echo', ['0123456789', '0123456789']), 413);
    assert.is(await postChunked(port, '/echo', ['01234', '56789']), 200);
    const big = await fetch(`http://127.0.0.1:${port}/big`, { method: 'POST', body: 'x'.repeat(900) });
    assert.equal(await big.json(), { n: 900 }, 'a route can raise its own limit');
  } finally {
    await stop(server);
  }
});

test('a bearer guard: 401 without a token, 403 with a wrong one, through with the right one', async () => {
  const { server, port } = await serve(router());
  try {
    const url = `http://127.0.0.1:${port}/control/kill`;
    const none = await fetch(url, { method: 'POST' });
    assert.is(none.status, 401);
    assert.is(none.headers.get('www-authenticate'), 'Bearer');
    assert.is((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status, 403);
    assert.is((await fetch(url, { method: 'POST', headers: { authorization: `Basic ${kToken}` } })).status, 401);
    const ok = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${kToken}` } });
    assert.is(ok.status, 200);
    assert.is(await ok.text(), 'stopped\n');
  } finally {
    await stop(server);
  }
});

test('a handler that throws is a one-line 500; unknown paths 404', async () => {
  const { server, port } = await serve(router());
  try {
    const r = await fetch(`http://127.0.0.1:${port}/boom`);
    assert.is(r.status, 500);
    assert.is(await r.text(), 'GET /boom failed: went wrong\n');
    const nf = await fetch(`http://127.0.0.1:${port}/missing`);
    assert.is(nf.status, 404);
    assert.is(await nf.text(), 'not found: /missing\n');
  } finally {
    await stop(server);
  }
});

/** Sends a raw request line and returns the status line of the answer. */
function rawRequest(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(`${line}\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let text = '';
    sock.on('data', (d: Buffer) => { text += d.toString(); });
    sock.on('end', () => resolve(text.split('\r\n', 1)[0]));
    sock.on('error', reject);
  });
}

test('hostile request targets get an answer, and the server goes on', async () => {
  const { server, port } = await serve(router());
  try {
    assert.is(await rawRequest(port, 'GET http://[ HTTP/1.1'), 'HTTP/1.1 404 Not Found');
    assert.is(await rawRequest(port, 'GET /%zz?q=%zz&%%=1 HTTP/1.1'), 'HTTP/1.1 404 Not Found');
    assert.is(await rawRequest(port, 'POST /echo?q=%zz HTTP/1.1'), 'HTTP/1.1 200 OK');
    assert.is((await fetch(`http://127.0.0.1:${port}/boom`)).status, 500, 'still serving');
  } finally {
    await stop(server);
  }
});

test('registration errors name the route', () => {
  const r = router();
  const bad = (f: () => unknown, re: RegExp): void => {
    assert.throws(f, (e: Error) => e instanceof OptionError && re.test(e.message), String(re));
  };
  bad(() => r.add({ method: 'POST', path: '/echo', handler: () => textReply(200, '') }), /http route POST \/echo is already registered/);
  bad(() => r.add({ method: 'GET', path: 'echo', handler: () => textReply(200, '') }), /path must start with "\/", got "echo"/);
  bad(() => r.add({ method: 'PATCH' as 'GET', path: '/x', handler: () => textReply(200, '') }), /method must be GET, POST, PUT or DELETE, got "PATCH"/);
  bad(() => r.add({ method: 'GET', path: '/y', bodyLimitBytes: -1, handler: () => textReply(200, '') }), /bodyLimitBytes must be an integer number of bytes/);
  bad(() => new Router({ bodyLimitBytes: 1.5 }), /^http\.bodyLimitBytes must be an integer/);
  bad(() => bearerGuard('short'), /bearer token must be a string of at least 16 characters/);
  assert.equal(r.paths(), ['/big', '/boom', '/control/kill', '/echo']);
});

test.run();
