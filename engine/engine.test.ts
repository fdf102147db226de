// The whole pipeline on the shipped fixture: determinism across thread counts and wait
// strategies, ground truth for the arbitrage detector, bad input, and a crashing agent thread.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { kTestFixture, kTestLabels, runFixture } from './testing/run_fixture.ts';
import type { Decision } from './types.ts';

test('lockstep decisions are identical inline, at --threads 1 and 2, and with each wait strategy', async () => {
  const inline = await runFixture({ threads: 0 });
  const one = await runFixture({ threads: 1, wait: 'spin' });
  const two = await runFixture({ threads: 2, wait: 'block' });
  const twoHybrid = await runFixture({ threads: 2, wait: 'hybrid' });
  console.log(`  sha256 inline ${inline.summary.decisionLogSha256.slice(0, 16)}… (${inline.summary.decisions} decisions, ${inline.summary.cycles} cycles)`);
  assert.ok(inline.summary.decisions > 50, 'the fixture must produce decisions');
  assert.is(one.summary.decisionLogSha256, inline.summary.decisionLogSha256);
  assert.is(two.summary.decisionLogSha256, inline.summary.decisionLogSha256);
  assert.is(twoHybrid.summary.decisionLogSha256, inline.summary.decisionLogSha256);
  // The sha256 in the summary is the hash of the file written.
  const file = readFileSync(join(two.dir, 'decisions.jsonl'));
  assert.is(createHash('sha256').update(file).digest('hex'), two.summary.decisionLogSha256);
  assert.is(two.summary.threads, 2);
  assert.is(two.summary.missedCycles, 0);
  // Idempotency keys are unique.
  assert.is(new Set(inline.decisions.map((d) => d.key)).size, inline.decisions.length);
});

test('lockstep decisions are identical with the main thread running a share, with the automatic default, and adaptive waits', async () => {
  const inline = await runFixture({ threads: 0 });
  const share = await runFixture({ topology: 'main:risk_assessor,yield_hunter;arbitrage_detector,portfolio_rebalancer;liquidity_optimizer,market_analyzer,execution_optimizer', wait: 'adaptive' });
  const auto = await runFixture({});
  const placed = await runFixture({ threads: 1, wait: 'adaptive' });
  assert.equal(share.summary.mainShare, ['risk_assessor', 'yield_hunter']);
  assert.is(share.summary.threads, 2);
  assert.is(share.summary.decisionLogSha256, inline.summary.decisionLogSha256);
  assert.is(auto.summary.decisionLogSha256, inline.summary.decisionLogSha256);
  assert.is(placed.summary.decisionLogSha256, inline.summary.decisionLogSha256);
  // The automatic default says what it measured and what it chose.
  const d = auto.summary.dispatch!;
  assert.ok(d !== null && d.how === 'automatic', JSON.stringify(d));
  assert.ok(d.chosen === 'inline' ? auto.summary.threads === 0 : auto.summary.threads >= 1);
  assert.ok(d.inlineEventsPerSec > 0 && d.threadedEventsPerSec > 0);
  assert.ok(d.why === 'cost' || d.why === 'rounds', `why: ${d.why}`);
  if (d.why === 'cost') assert.is(d.chosen, 'inline'); // the cost gate only ever keeps inline
  assert.ok(d.handoffUs > 0 && d.predictedCycleUs.inline > 0, JSON.stringify(d));
  assert.equal(Object.keys(d.agentCostUs).sort(), [...auto.summary.agentsUs ? Object.keys(auto.summary.agentsUs) : []].sort());
  // A fixed thread count places the agents from measured costs: every agent runs exactly once.
  const all = [...placed.summary.mainShare, ...placed.summary.topology.flat()].sort();
  assert.equal(all, Object.keys(inline.summary.agentsUs).sort());
  assert.is(placed.summary.missedCycles, 0);
});

interface ArbLabel { id: string; kind: string; base: string; quote: string; buyVenue: string; sellVenue: string; startTs: number; endTs: number }

function parseKey(k: string): { venue: string; base: string; quote: string } {
  const [venue, pair] = k.split(':') as [string, string];
  const [base, quote] = pair.split('/') as [string, string];
  return { venue, base, quote };
}

test('ground truth: the arbitrage detector finds the injected cross-exchange opportunities and little else', async () => {
  const labels = (JSON.parse(readFileSync(kTestLabels, 'utf8')) as { opportunities: ArbLabel[] }).opportunities
    .filter((l) => l.kind === 'cross_exchange');
  assert.ok(labels.length >= 10, `expected labelled opportunities, got ${labels.length}`);
  const { decisions } = await runFixture({ threads: 0 });
  const arbs = decisions.filter((d: Decision) => d.kind === 'arbitrage_cross_exchange');
  const matches = (d: Decision, l: ArbLabel): boolean => {
    const buy = parseKey(d.instruments[0]!), sell = parseKey(d.instruments[1]!);
    return buy.base === l.base && buy.quote === l.quote && d.ts >= l.startTs && d.ts <= l.endTs &&
      (buy.venue === l.buyVenue || sell.venue === l.sellVenue);
  };
  const found = labels.filter((l) => arbs.some((d) => matches(d, l)));
  const trueDecisions = arbs.filter((d) => labels.some((l) => matches(d, l)));
  const recall = found.length / labels.length;
  const precision = arbs.length ? trueDecisions.length / arbs.length : 0;
  console.log(`  arbitrage ground truth: ${found.length}/${labels.length} labelled found (recall ${recall.toFixed(3)}), ` +
    `${trueDecisions.length}/${arbs.length} detections labelled (precision ${precision.toFixed(3)})`);
  const missed = labels.filter((l) => !found.includes(l)).map((l) => l.id);
  assert.equal(missed, [], `missed: ${missed.join(', ')}`);
  assert.ok(precision >= 0.9, `precision ${precision}`);
});

test('a malformed fixture line is counted with its line number, kept in the dead letters, and skipped', async () => {
  const lines = gunzipSync(readFileSync(kTestFixture)).toString('utf8').split('\n').slice(0, 3000);
  lines.splice(10, 0, '{"ts": 1723075200000000, "type": "price_update", "topic": "market.prices.x", "key": "x:A/B", "data": {"venue":"x","base":"A","quote":"B","bid":10,"ask":9,"bidSize":1,"askSize":1}}');
  lines.splice(20, 0, 'this is not json');
  lines.splice(30, 0, '{"ts": 1.5, "type": "price_update"}');
  const dir = mkdtempSync(join(tmpdir(), 'lucent-bad-'));
  const path = join(dir, 'bad.jsonl.gz');
  writeFileSync(path, gzipSync(lines.join('\n')));
  const { summary, dir: out } = await runFixture({ fixture: path, threads: 1 });
  assert.is(summary.deadLetters, 3);
  assert.is(summary.events, 3000);
  const dead = readFileSync(join(out, 'dead-letters.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { source: string; reason: string; raw: string });
  assert.ok(dead[0]!.source.endsWith(':11') && /crossed book/.test(dead[0]!.reason), dead[0]!.reason);
  assert.ok(dead[1]!.source.endsWith(':21') && /invalid JSON/.test(dead[1]!.reason), dead[1]!.reason);
  assert.ok(dead[2]!.source.endsWith(':31') && /ts must be an integer/.test(dead[2]!.reason), dead[2]!.reason);
  assert.is(dead[1]!.raw, 'this is not json');
});

test('an agent thread that crashes is restarted; the engine goes on and counts the missed cycles', async () => {
  const errors: string[] = [];
  // A topology keeps the crashing agent on a thread (by measured cost it would run on the main thread).
  const topology = 'yield_hunter,arbitrage_detector,risk_assessor;portfolio_rebalancer,liquidity_optimizer,market_analyzer,execution_optimizer';
  const { summary } = await runFixture({ threads: 2, wait: 'block', limit: 20_000, topology }, {
    crashAt: { agent: 'arbitrage_detector', cycle: 50 },
    onThreadError: (_t, err) => errors.push(err.message),
  });
  assert.ok(errors.length >= 1 && /test crash of agent arbitrage_detector/.test(errors[0]!), errors.join('; '));
  assert.ok(summary.missedCycles >= 1, `missed ${summary.missedCycles}`);
  assert.is(summary.events, 20_000);
  assert.ok(summary.cycles > 100);
});

test.run();
