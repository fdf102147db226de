// Ground truth for the arbitrage detector beyond cross-exchange: the engine runs inline on the
// default fixture and its triangular, yield and statistical arbitrage decisions are matched to the
// generator's labels (fixtures/SCHEMA.md). Prints recall and precision per kind.
//
// Matching: a decision matches a label of its kind when its event time lies in the label's window
// and it trades what the label dislocated:
//  - triangular: a leg on the dislocated pair (on any venue for a book episode), or the dislocated
//    pool (AMM episode);
//  - yield: the dropped lending market as the borrow side (borrow_rate_drop), or the spiked pool as
//    the supply side (supply_spike);
//  - statistical: its two legs are the tied pair's two assets.
// Two other sources of triangular cycles are real and explained, not required (they count for
// precision, not recall): a cross-exchange episode dislocates one venue's pair, which opens cycles
// through that pair on that venue; and during a labelled price move AMM pools (which publish about
// once a second) lag the move, which opens cycles among a dex's pools that hold the moved asset.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { kTestFixture, kTestLabels, runFixture } from '../../engine/testing/run_fixture.ts';
import type { Decision } from '../../engine/types.ts';
import type { FixtureLabels, OpportunityLabel } from '../../fixtures/generator/generator.ts';

const kTokenAsset: Readonly<Record<string, string>> = { WETH: 'ETH', WBTC: 'BTC', WMATIC: 'MATIC' };
/** AMM pools lag a move by up to this long after it ends (they publish about once a second). */
const kPoolLagUs = 3_000_000;

const pairOf = (key: string): string => key.slice(key.indexOf(':') + 1);
const baseOf = (key: string): string => pairOf(key).split('/')[0]!;
const inWindow = (d: Decision, l: { startTs: number; endTs: number }): boolean => d.ts >= l.startTs && d.ts <= l.endTs;

function matches(d: Decision, l: OpportunityLabel): boolean {
  if (!inWindow(d, l)) return false;
  switch (d.kind) {
    case 'arbitrage_triangular':
      return l.kind === 'triangular' && (l.key !== null ? d.instruments.includes(l.key) : d.instruments.some((k) => pairOf(k) === `${l.base}/${l.quote}`));
    case 'arbitrage_yield':
      return l.kind === 'yield_arb' && (l.borrowKey !== null ? d.instruments[0] === l.borrowKey : d.instruments[1] === l.supplyKey);
    case 'arbitrage_statistical': {
      if (l.kind !== 'statistical') return false;
      const bases = d.instruments.map(baseOf);
      return bases.length === 2 && bases[0] !== bases[1] && bases.every((b) => b === l.leader || b === l.follower);
    }
    default:
      return false;
  }
}

/** Pool key → [token0, token1], from the fixture's pool_update events. */
const poolTokens = new Map<string, string[]>();
const fixtureBytes = readFileSync(kTestFixture);
for (const line of (kTestFixture.endsWith('.gz') ? gunzipSync(fixtureBytes) : fixtureBytes).toString('utf8').split('\n')) {
  if (!line.includes('"pool_update"')) continue;
  const e = JSON.parse(line) as { key: string; data: { token0: string; token1: string } };
  if (!poolTokens.has(e.key)) poolTokens.set(e.key, [e.data.token0, e.data.token1]);
}

/** Triangular cycles that exist for another labelled reason (see the header). */
function explained(d: Decision, labels: FixtureLabels): boolean {
  if (d.kind !== 'arbitrage_triangular') return false;
  const viaCross = labels.opportunities.some((l) => l.kind === 'cross_exchange' && inWindow(d, l) &&
    d.instruments.includes(`${l.dislocatedVenue}:${l.base}/${l.quote}`));
  if (viaCross) return true;
  // the legs' tokens (pools: from their pool_update events; books: from the key), whatever the
  // decision's status (a rejection's reason does not list the legs)
  const tokens = d.instruments.flatMap((k) => poolTokens.get(k) ?? pairOf(k).split('/'));
  const assets = new Set(tokens.map((t) => kTokenAsset[t] ?? t));
  const onPools = d.instruments.every((k) => /^0x[0-9a-f]{40}$/.test(k.slice(k.indexOf(':') + 1)));
  return onPools && labels.priceMoves.some((m) => assets.has(m.base) && d.ts >= m.startTs && d.ts <= m.endTs + kPoolLagUs);
}

interface Score { kind: string; labels: number; found: number; decisions: number; true: number; explained: number; missed: string[] }

function score(decisions: Decision[], labels: FixtureLabels, kind: string, labelKind: OpportunityLabel['kind']): Score {
  const ds = decisions.filter((d) => d.kind === kind);
  const ls = labels.opportunities.filter((l) => l.kind === labelKind);
  const found = ls.filter((l) => ds.some((d) => matches(d, l)));
  const truePositives = ds.filter((d) => ls.some((l) => matches(d, l)));
  const explainedOnes = ds.filter((d) => !truePositives.includes(d) && explained(d, labels));
  return {
    kind, labels: ls.length, found: found.length, decisions: ds.length, true: truePositives.length, explained: explainedOnes.length,
    missed: ls.filter((l) => !found.includes(l)).map((l) => l.id),
  };
}

const kFloors: Readonly<Record<string, { recall: number; precision: number }>> = {
  arbitrage_triangular: { recall: 0.9, precision: 0.9 },
  arbitrage_yield: { recall: 0.8, precision: 0.8 },
  arbitrage_statistical: { recall: 0.6, precision: 0.6 },
};

test('ground truth: triangular, yield and statistical arbitrage — recall and precision per kind', async () => {
  const labels = JSON.parse(readFileSync(kTestLabels, 'utf8')) as FixtureLabels;
  const { decisions, summary } = await runFixture({ threads: 0 });
  const scores = [
    score(decisions, labels, 'arbitrage_triangular', 'triangular'),
    score(decisions, labels, 'arbitrage_yield', 'yield_arb'),
    score(decisions, labels, 'arbitrage_statistical', 'statistical'),
  ];
  for (const s of scores) {
    const recall = s.labels ? s.found / s.labels : 0;
    const precision = s.decisions ? (s.true + s.explained) / s.decisions : 0;
    console.log(`  ${s.kind}: ${s.found}/${s.labels} labelled found (recall ${recall.toFixed(3)}), ` +
      `${s.true} + ${s.explained} explained of ${s.decisions} decisions (precision ${precision.toFixed(3)})` +
      (s.missed.length ? `; missed ${s.missed.join(', ')}` : ''));
    assert.ok(s.labels >= 3, `${s.kind}: the fixture must label at least 3 (got ${s.labels})`);
    assert.ok(recall >= kFloors[s.kind]!.recall, `${s.kind} recall ${recall} below ${kFloors[s.kind]!.recall}; missed ${s.missed.join(', ')}`);
    assert.ok(precision >= kFloors[s.kind]!.precision, `${s.kind} precision ${precision} below ${kFloors[s.kind]!.precision}`);
  }
  const a = summary.agentsUs['arbitrage_detector']!;
  console.log(`  arbitrage_detector per cycle (inline): p50 ${a.p50.toFixed(1)} µs, p99 ${a.p99.toFixed(1)} µs, max ${a.max.toFixed(0)} µs over ${a.count} cycles`);
  // every decision carries what a trader checks: a size, an expected profit, and a reason
  for (const d of decisions.filter((x) => x.kind.startsWith('arbitrage_') && x.status === 'approved')) {
    assert.ok(d.sizeUsd > 0 && Number.isFinite(d.expectedProfitUsd), `${d.key}: size ${d.sizeUsd}, profit ${d.expectedProfitUsd}`);
    assert.ok(d.reason.length > 20, `${d.key}: an approval explains itself`);
  }
});

test.run();
