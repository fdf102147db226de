// The operator page in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
// it lists the actions waiting for approval with their reasons and expected profit, the kill
// switch's states, the breakers and live decision counts; approve with a wrong token shows 401 and
// changes nothing; approve with a right one carries the action out, audited with the token's name.
// Set LUCENT_SCREENSHOT=<file.png> to keep a screenshot of the page.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { Registry } from 'prom-client';
import { chromium, type Browser } from 'playwright-core';
import { kDefaultConfig, type EngineConfig } from '../options.ts';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { decodeAll, feedEvents, slotIn, testPipeline } from '../testing/agent_harness.ts';
import { proposal } from '../consolidate/fusion.ts';
import { decisionChain } from '../pipeline.ts';
import { DecisionRecorder } from '../sinks/decision_recorder.ts';
import { price, kT0 } from '../../fixtures/events.ts';
import { startHttp } from '../http/server.ts';
import { ApprovalQueue } from './approvals.ts';
import { ControlPlane } from './control_plane.ts';
import { controlMetrics } from './control_metrics.ts';
import { addControlRoutes } from './routes.ts';
import { Tokens } from './tokens.ts';

// The page's own scope, in the functions evaluated in the browser (the project compiles without the DOM library).
declare const document: { querySelectorAll(s: string): { length: number }; getElementById(id: string): { textContent: string | null } | null };

const kChromium = ['/usr/bin/chromium', '/usr/lib/chromium/chromium'].find((p) => existsSync(p));
const kToken = 'alice-token-0123456789abcdef';

test('the operator page in headless Chromium: pending approvals, kill switch, breakers, counts; approve with a token', async () => {
  assert.ok(kChromium !== undefined, 'Debian chromium must be installed (apt-get install chromium; .ci/run does it)');
  const universe = [price(kT0, 'binance', 'ETH', 'USDC', 3000, 3001, 500, 500), price(kT0, 'coinbase', 'ETH', 'USDC', 3010, 3011, 500, 500)];
  const registry = new InstrumentRegistry();
  decodeAll(universe, registry);
  registry.freeze();
  const config = structuredClone(kDefaultConfig) as EngineConfig;
  const control = new ControlPlane(config.control, { capitalUsd: 1_000_000, capacity: 8, maxAgentErrors: 5 });
  const pipeline = testPipeline(registry, ['arbitrage_detector'], config);
  feedEvents(universe, registry, pipeline.writer);
  const sink = { write: () => {}, flush: async () => {}, close: async () => {} };
  const decide = decisionChain(pipeline.validator, pipeline.executor, new DecisionRecorder(sink, pipeline.stats, null), undefined, control);
  const approvals = new ApprovalQueue({ control, validator: pipeline.validator, executor: pipeline.executor, view: pipeline.view, registry: pipeline.snapshot });
  const http = await startHttp({ all: { port: 0 } }, { ready: () => ({ warm: true, agentThreads: { running: 0, expected: 0 } }), metrics: { registry: controlMetrics(control, approvals, new Registry()) } });
  addControlRoutes(http.routes, { control, approvals, tokens: new Tokens().add('alice', kToken, 'test'), agents: ['arbitrage_detector'] });
  const url = `http://127.0.0.1:${http.health.port}/`;
  const buy = slotIn(registry, 'binance:ETH/USDC'), sell = slotIn(registry, 'coinbase:ETH/USDC');
  const hold = (n: number, profit: number): void => decide(proposal({
    key: `arb:page>${n}@${n}`, cycle: n, epoch: n, ts: kT0 + n, agent: 'arbitrage_detector', kind: 'arbitrage_cross_exchange', action: 'buy_sell',
    instruments: ['binance:ETH/USDC', 'coinbase:ETH/USDC'], sizeUsd: 600_000, expectedProfitUsd: profit, score: 9,
    order: { op: 'arbitrage', buy, sell, qty: 200, quoteUsd: 1, expectedProfitUsd: profit },
  }));
  hold(1, 1234.5);
  hold(2, 987.25);
  control.kill({ scope: 'kind', name: 'arbitrage_triangular' }, 'alice', { reason: 'venue outage' });
  control.breakers.trip('yield_hunter', 'fill check on yield:x@1: fill price NaN is not a positive number', kT0);

  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: kChromium, headless: true, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('#approvals tbody tr').length === 2);
    const rows = await page.$$eval('#approvals tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.equal(rows.map((r) => [r[1], r[2], r[4], r[5]]), [
      ['arbitrage_detector', 'arbitrage_cross_exchange', '$600,000', '$1,234.5'],
      ['arbitrage_detector', 'arbitrage_cross_exchange', '$600,000', '$987.25'],
    ]);
    assert.match(rows[0]![6]!, /above the approval threshold \$500,000/);
    const scopes = await page.$$eval('#scopes tbody tr', (trs) => trs.map((tr) => (tr.textContent ?? '').replace(/\s+/g, ' ')));
    assert.ok(scopes.some((s) => s.startsWith('engineACTIVE')), scopes.join(' | '));
    assert.ok(scopes.some((s) => s.startsWith('kind arbitrage_triangularHALTEDpausevenue outagealice')), scopes.join(' | '));
    const breaker = await page.$eval('#breakers tbody', (tb) => tb.textContent ?? '');
    assert.match(breaker, /yield_hunterOPENfill check on yield:x@1/);
    assert.is(await page.textContent('#d-pending'), '2');
    assert.is(await page.$eval('#kill', (b) => b.textContent), 'Kill engine');

    // a wrong token: 401 shown, nothing approved
    await page.fill('#token', 'wrong-token-0000000000000');
    await page.dispatchEvent('#token', 'change');
    await page.click('#approvals tbody tr:first-child button:has-text("Approve")');
    await page.waitForFunction(() => (document.getElementById('msg')?.textContent ?? '').startsWith('401'));
    assert.is(approvals.size, 2);
    assert.is(control.counts.unauthorized, 1);

    // the right token: approved (re-priced, carried out), the row leaves the table
    await page.fill('#token', kToken);
    await page.dispatchEvent('#token', 'change');
    await page.click('#approvals tbody tr:first-child button:has-text("Approve")');
    await page.waitForFunction(() => (document.getElementById('msg')?.textContent ?? '').startsWith('200'));
    assert.match(await page.textContent('#msg') ?? '', /^200 approved by alice/);
    await page.waitForFunction(() => document.querySelectorAll('#approvals tbody tr').length === 1);
    assert.is(approvals.outcomes.approved, 1);
    const audit = control.log.recent.filter((e) => e.type === 'approval' && e.data.op === 'approved');
    assert.is(audit.length, 1);
    assert.is(audit[0]!.data.who, 'alice');
    assert.is(audit[0]!.data.expectedProfitUsd, 1234.5);
    // live counts: a decision made now shows up at the next poll
    hold(3, 555);
    await page.waitForFunction(() => document.getElementById('d-pending')?.textContent === '3');
    if (process.env.LUCENT_SCREENSHOT) await page.screenshot({ path: process.env.LUCENT_SCREENSHOT, fullPage: true });
  } finally {
    await browser?.close();
    await http.stop();
  }
});

test.run();
