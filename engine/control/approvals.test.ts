// Human approval over the engine's own pipeline and a real HTTP server and event store (the
// embedded log in a temporary directory): an action above the approval threshold waits; the queue
// survives a restart; approve re-prices (a stale one is refused with the reason), carries it out
// and audits who and when; reject and expiry; tokens: missing or wrong → 401, counted; bodies
// validated and size-limited.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kDefaultConfig, type EngineConfig } from '../options.ts';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { decodeAll, feedEvents, slotIn, testPipeline } from '../testing/agent_harness.ts';
import { proposal } from '../consolidate/fusion.ts';
import { price, kT0 } from '../../fixtures/events.ts';
import { startHttp } from '../http/server.ts';
import { Registry } from 'prom-client';
import { openEventStore } from '../sinks/event_store/open.ts';
import { ApprovalQueue } from './approvals.ts';
import { ControlLog } from './control_log.ts';
import { ControlPlane } from './control_plane.ts';
import { controlMetrics } from './control_metrics.ts';
import { addControlRoutes } from './routes.ts';
import { Tokens } from './tokens.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-approvals-'));
const logPath = join(dir, 'events.log');
const kAlice = 'alice-token-0123456789abcdef';
const kBob = 'bob-token-0123456789abcdef00';

let n = 0; // decision keys, unique across the test's engine processes
const universe = [price(kT0, 'binance', 'ETH', 'USDC', 3000, 3001, 500, 500), price(kT0, 'coinbase', 'ETH', 'USDC', 3010, 3011, 500, 500)];

/** One engine process: pipeline, control plane on the event store, approval queue, HTTP. */
async function engine(now: { ms: number }) {
  const registry = new InstrumentRegistry();
  decodeAll(universe, registry);
  registry.freeze();
  const config = structuredClone(kDefaultConfig) as EngineConfig;
  config.control.approval.ttlMs = 60_000;
  const store = await openEventStore(logPath);
  const control = new ControlPlane(config.control, { log: new ControlLog(store), capitalUsd: 1_000_000, capacity: 8, maxAgentErrors: 5 });
  const records: string[] = [];
  const pipeline = testPipeline(registry, ['arbitrage_detector'], config, (p) => records.push(`${p.key} ${p.verdict.status}`));
  // the pipeline's decide, with this control plane (as the engine wires it: hooks.control)
  const { decisionChain } = await import('../pipeline.ts');
  const { DecisionRecorder } = await import('../sinks/decision_recorder.ts');
  const sink = { write: () => {}, flush: async () => {}, close: async () => {} };
  const decide = decisionChain(pipeline.validator, pipeline.executor, new DecisionRecorder(sink, pipeline.stats, null, (p) => records.push(`${p.key} ${p.verdict.status}`)), undefined, control);
  feedEvents(universe, registry, pipeline.writer);
  const approvals = new ApprovalQueue({ control, validator: pipeline.validator, executor: pipeline.executor, view: pipeline.view, registry: pipeline.snapshot, now: () => now.ms });
  const restored = await approvals.restore();
  const tokens = new Tokens().add('alice', kAlice, 'test').add('bob', kBob, 'test');
  const http = await startHttp({ all: { port: 0 } }, { ready: () => ({ warm: true, agentThreads: { running: 0, expected: 0 } }), metrics: { registry: controlMetrics(control, approvals, new Registry()) } });
  addControlRoutes(http.routes, { control, approvals, tokens, agents: ['arbitrage_detector', 'yield_hunter'] });
  const url = `http://127.0.0.1:${http.health.port}`;
  const buy = slotIn(registry, 'binance:ETH/USDC'), sell = slotIn(registry, 'coinbase:ETH/USDC');
  const hold = (): void => {
    n++;
    decide(proposal({
      key: `arb:test>${n}@${n}`, cycle: n, epoch: n, ts: kT0 + n, agent: 'arbitrage_detector', kind: 'arbitrage_cross_exchange', action: 'buy_sell',
      instruments: ['binance:ETH/USDC', 'coinbase:ETH/USDC'], sizeUsd: 600_000, expectedProfitUsd: 1234.5, score: 9,
      order: { op: 'arbitrage', buy, sell, qty: 200, quoteUsd: 1, expectedProfitUsd: 1234.5 },
    }));
  };
  const call = async (method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const r = await fetch(url + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: r.status, json: await r.json().catch(() => null) };
  };
  return {
    control, approvals, restored, records, hold, call, url, registry, pipeline,
    move(bid: number, ask: number): void { feedEvents([price(kT0 + 10, 'binance', 'ETH', 'USDC', bid, ask, 500, 500)], registry, pipeline.writer); },
    async close(): Promise<void> { await http.stop(); await control.log.close(); await store.close(); },
  };
}

test('approval queue over HTTP: held, listed, survives a restart, approved (re-priced), stale refused, rejected, expired; tokens', async () => {
  const now = { ms: Date.parse('2026-01-01T00:00:00Z') };
  let e = await engine(now);
  assert.is(e.restored, 0);
  e.hold(); e.hold(); e.hold();
  assert.equal(e.records.map((r) => r.split(' ')[1]), ['pending_approval', 'pending_approval', 'pending_approval']);
  const list = (await e.call('GET', '/approvals')).json;
  assert.is(list.pending.length, 3);
  assert.is(list.pending[0].expectedProfitUsd, 1234.5);
  assert.match(list.pending[0].reason, /above the approval threshold \$500,000/);
  const [a, b, c] = list.pending.map((p: { id: string }) => p.id) as string[];

  // tokens: missing and wrong → 401, counted; nothing changes
  assert.is((await e.call('POST', `/approvals/${a}/approve`)).status, 401);
  assert.is((await e.call('POST', `/approvals/${a}/approve`, {}, 'x'.repeat(30))).status, 401);
  assert.is((await e.call('POST', '/control/kill', { scope: 'engine' }, 'nope')).status, 401);
  assert.is(e.control.counts.unauthorized, 3);
  assert.is(e.approvals.size, 3);
  // bodies validated and size-limited
  assert.is((await e.call('POST', '/control/kill', { scope: 'agent', agent: 'nobody' }, kAlice)).json.error, 'scope "agent" needs "agent", one of: arbitrage_detector, yield_hunter');
  assert.match((await e.call('POST', '/control/kill', { scope: 'engine', extra: 1 }, kAlice)).json.error, /unknown key "extra"/);
  assert.is((await e.call('POST', '/control/kill', '{"scope":', kAlice)).json.error, 'the body is not valid JSON');
  assert.is((await e.call('POST', '/control/kill', { scope: 'engine', reason: 'x'.repeat(5000) }, kAlice)).status, 413);
  assert.is(e.control.stateOf({ scope: 'engine', name: '' }), 'ACTIVE');

  // restart: a new process over the same store finds the three waiting
  await e.close();
  e = await engine(now);
  assert.is(e.restored, 3, 'the queue survived the restart');

  // approve a: re-priced against the state now (unchanged), carried out on paper
  const cash0 = e.pipeline.executor.cashUsd;
  const ok = await e.call('POST', `/approvals/${a}/approve`, undefined, kAlice);
  assert.is(ok.status, 200);
  assert.is(ok.json.status, 'approved');
  assert.is(ok.json.who, 'alice');
  assert.is(ok.json.fill.qty, 200);
  assert.ok(e.pipeline.executor.cashUsd !== cash0, 'the fill moved the paper cash');
  const booked = (e.control.snapshot() as { engine: { pnlUsd: number } }).engine.pnlUsd;
  assert.is(booked, Math.round(e.pipeline.executor.realizedPnlUsd * 100) / 100, 'its P&L reaches the trips');
  assert.ok(booked !== 0);
  assert.is((await e.call('POST', `/approvals/${a}/approve`, undefined, kAlice)).json.reason, `approval ${a} was already decided`);

  // the price moves 1%: approving b is refused as stale, with the reason
  e.move(3030, 3031);
  const stale = await e.call('POST', `/approvals/${b}/approve`, undefined, kBob);
  assert.is(stale.status, 409);
  assert.match(stale.json.reason, /^stale: binance:ETH\/USDC moved 1\.000% since the decision \(3000\.5 → 3030\.5; limit 0\.5%\)/);

  // c: rejected by bob with a reason; then a new one expires unanswered
  const rej = await e.call('POST', `/approvals/${c}/reject`, { reason: 'too large for today' }, kBob);
  assert.equal([rej.status, rej.json.status, rej.json.reason, rej.json.who], [200, 'rejected', 'too large for today', 'bob']);
  e.hold();
  now.ms += 61_000;
  assert.is((await e.call('GET', '/approvals')).json.pending.length, 0, 'expired after the ttl');
  assert.equal(e.approvals.outcomes, { approved: 1, refused: 1, rejected: 1, expired: 1 });

  // every outcome is in the control stream with who and when
  await e.control.log.flush();
  const events = (await e.control.log.readAll()).filter((x) => x.type === 'approval').map((x) => x.data as Record<string, unknown>);
  assert.equal(events.map((x) => `${x.op}:${x.who}`), [
    'requested:validator', 'requested:validator', 'requested:validator', 'approved:alice', 'refused:bob', 'rejected:bob', 'requested:validator', 'expired:expiry',
  ]);
  assert.ok(events.every((x) => typeof x.at === 'string'));
  assert.is((await e.call('POST', '/control/resume', { scope: 'engine' })).status, 401);
  const metrics = await (await fetch(`${e.url}/metrics`)).text();
  assert.match(metrics, /lucent_approvals_total\{outcome="refused"\} 1/);
  assert.match(metrics, /lucent_http_unauthorized_total 1/, 'this process refused one');
  await e.close();
});

test('kill and resume over HTTP: audited with the token name, in metrics; a stop rejects what waits in its scope', async () => {
  rmSync(logPath, { force: true });
  const now = { ms: Date.now() };
  const e = await engine(now);
  e.hold();
  const k = await e.call('POST', '/control/kill', { scope: 'kind', kind: 'arbitrage_cross_exchange', state: 'REDUCING', reason: 'venue outage' }, kAlice);
  assert.equal(k.json, { ok: true, changed: true, scope: 'kind', name: 'arbitrage_cross_exchange', state: 'REDUCING', who: 'alice' });
  e.hold();
  assert.match(e.records.at(-1)!, /rejected$/, 'REDUCING refuses a new arbitrage');
  assert.is(e.approvals.size, 1, 'a pause keeps what waits');
  const pending = e.approvals.list()[0]!.id;
  assert.is((await e.call('POST', `/approvals/${pending}/approve`, undefined, kAlice)).json.reason, 'kill switch: arbitrage_detector / arbitrage_cross_exchange is REDUCING');
  // (refused: the queue is empty now); hold another and stop the agent
  await e.call('POST', '/control/resume', { scope: 'kind', kind: 'arbitrage_cross_exchange' }, kAlice);
  e.hold();
  assert.is(e.approvals.size, 1);
  const s = await e.call('POST', '/control/kill', { scope: 'agent', agent: 'arbitrage_detector', mode: 'stop' }, kBob);
  assert.is(s.json.state, 'HALTED');
  assert.is(e.approvals.size, 0, 'a stop rejects what waits');
  const state = (await e.call('GET', '/control')).json;
  assert.is(state.agents.find((x: { name: string }) => x.name === 'arbitrage_detector').mode, 'stop');
  // the command line against the running server: resume, and a refused call's exit status
  // (a child process: this process must keep serving while it runs)
  const cli = (args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; out: string }> => new Promise((resolve) => {
    const c = spawn(process.execPath, [fileURLToPath(new URL('./control_cli.ts', import.meta.url)), ...args, '--url', e.url], { env: { ...process.env, ...env } });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { out += d; });
    c.on('close', (status) => resolve({ status, out }));
  });
  assert.equal(await cli(['resume', '--scope', 'agent', '--agent', 'arbitrage_detector'], { LUCENT_TOKEN: kBob }), { status: 0, out: 'agent arbitrage_detector ACTIVE by bob\n' });
  assert.equal(await cli(['kill', '--scope', 'kind', '--kind', 'arbitrage_yield'], { LUCENT_TOKEN: 'wrong-token-000000000000' }), { status: 1, out: '401 a valid bearer token is required (Authorization: Bearer <token>)\n' });
  assert.match((await cli(['status'])).out, /decisions approved \d+, rejected \d+, pending approval \d+; 0 waiting/);
  await e.call('POST', '/control/kill', { scope: 'agent', agent: 'arbitrage_detector', mode: 'stop' }, kBob);
  const metrics = await (await fetch(`${e.url}/metrics`)).text();
  assert.match(metrics, /lucent_control_trading_state\{scope="agent",name="arbitrage_detector"\} 2/);
  assert.match(metrics, /lucent_control_trading_state\{scope="kind",name="arbitrage_cross_exchange"\} 0/);
  await e.control.log.flush();
  const ks = (await e.control.log.readAll()).filter((x) => x.type === 'kill_switch').map((x) => x.data as Record<string, unknown>);
  assert.equal(ks.map((x) => `${x.op}:${x.scope}:${x.who}`), ['engage:kind:alice', 'resume:kind:alice', 'engage:agent:bob', 'resume:agent:bob', 'engage:agent:bob']);
  await e.close();
});

test('tokens: from LUCENT_TOKEN and a file of name:token lines; never in an error message', () => {
  const f = join(dir, 'tokens');
  writeFileSync(f, '# operators\nalice:aaaaaaaaaaaaaaaaaaaa\nbob:bbbbbbbbbbbbbbbbbbbb\n');
  const t = Tokens.load(f, { LUCENT_TOKEN: 'eeeeeeeeeeeeeeeeeeee' });
  assert.equal(t.names(), ['env', 'alice', 'bob']);
  const req = (h?: string) => ({ headers: h === undefined ? {} : { authorization: h } }) as never;
  assert.is(t.who(req('Bearer bbbbbbbbbbbbbbbbbbbb')), 'bob');
  assert.is(t.who(req('Bearer eeeeeeeeeeeeeeeeeeee')), 'env');
  assert.is(t.who(req('Bearer cccccccccccccccccccc')), null);
  assert.is(t.who(req('Basic YWxpY2U6eA==')), null);
  assert.is(t.who(req()), null);
  writeFileSync(f, 'carol:short-secret\n');
  try {
    Tokens.load(f, {});
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /token named carol must be at least 16 characters/);
    assert.not.match((err as Error).message, /short-secret/);
  }
  assert.is(Tokens.load(null, {}).size, 0, 'no token: nobody can change anything');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
