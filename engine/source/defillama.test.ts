// DefiLlama rows → yield_update: field mapping, predictions, dead-letter reasons, DefiLlama's
// mu/sigma computed from a history (by hand, and against the snapshot's own values in
// ../shared/data/defillama-yields, skipped when absent), and the causal join of the sources.
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { decodeEvent } from './codec.ts';
import { csvRecords } from './csv.ts';
import {
  dailyRecordToRow, enrichRows, ExpandingApyStats, historyRecordToRow, llamaTimeUs, predictedUpOf, rowToEvent,
  snapshotRecordToRow, type LlamaRow,
} from './defillama.ts';
import { Tape } from '../../protocol/tape.ts';

const kPool = 'bc33d1ea-f566-40eb-b0a8-8d8dcf425f18';
const kDayUs = 86_400_000_000;

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
function row(r: ReturnType<typeof snapshotRecordToRow>): LlamaRow {
  if (!('row' in r)) throw new Error(`rejected: ${r.reason}`);
  return r.row;
}
function reason(r: ReturnType<typeof snapshotRecordToRow>): string {
  if ('row' in r) throw new Error('expected a rejection');
  return r.reason;
}

const snapshotPool = {
  dt: '2025-08-31', pool: kPool, protocol_slug: 'aerodrome-slipstream', chain: 'Base', symbol: 'WETH-OETHB',
  timestamp: '2025-08-31T14:07:28.874Z', tvl_usd: 815672271.0, apy: 0.07324, apy_base: 8e-05, apy_reward: 0.07316,
  stablecoin: false, il_risk: 'no', exposure: 'multi', mu: 0.04528, sigma: 0.00161, count: 47,
  predictions: "{'predictedClass': 'Down', 'predictedProbability': 60, 'binnedConfidence': 1}",
};

test('predictions: Stable/Up p % → p/100, Down p % → 1 − p/100, None → none', () => {
  near(predictedUpOf("{'predictedClass': 'Down', 'predictedProbability': 60, 'binnedConfidence': 1}") as number, 0.4, 1e-15, 'Down 60');
  near(predictedUpOf("{'predictedClass': 'Stable/Up', 'predictedProbability': 55.00000000000001, 'binnedConfidence': 1}") as number, 0.55, 1e-15, 'Stable/Up 55');
  assert.is(predictedUpOf("{'predictedClass': None, 'predictedProbability': None, 'binnedConfidence': None}"), null);
  assert.is(predictedUpOf({ predictedClass: 'Down', predictedProbability: 100 }), 0);
  assert.is(predictedUpOf({ predictedClass: 'Up', predictedProbability: 70 }), 0.7);
  assert.is(predictedUpOf(null), null);
  assert.match(predictedUpOf("{'predictedClass': 'Sideways', 'predictedProbability': 50}") as string, /not Down or Stable\/Up/);
  assert.match(predictedUpOf("{'predictedClass': 'Down', 'predictedProbability': 150}") as string, /not a percentage/);
  assert.match(predictedUpOf('nonsense') as string, /has no predictedClass/);
});

test('a snapshot pool maps field by field; its event passes the codec', () => {
  const r = row(snapshotRecordToRow(snapshotPool, 'snap#0'));
  assert.equal(r, {
    source: 'snapshot', where: 'snap#0', ts: Date.parse('2025-08-31T14:07:28.874Z') * 1000,
    protocol: 'aerodrome-slipstream', chain: 'base', pool: kPool, symbol: 'WETH-OETHB',
    apy: 0.07324, apyBase: 8e-05, apyReward: 0.07316, tvlUsd: 815672271,
    ilRisk: 'no', exposure: 'multi', stablecoin: false, mu: 0.04528, sigma: 0.00161, predictedUp: 0.4,
  });
  const e = rowToEvent(r);
  assert.is(e.key, `aerodrome-slipstream:base:${kPool}`);
  assert.is(e.topic, 'market.yields.aerodrome-slipstream');
  assert.is(e.ts, 1756649248874000);
  const tape = new Tape(4);
  assert.is(decodeEvent(e, new InstrumentRegistry(), tape, 1), null);
  // sigma 0 (DefiLlama: fewer than two observations) means no dispersion known: mu/sigma left out
  const young = row(snapshotRecordToRow({ ...snapshotPool, sigma: 0 }, 'x'));
  assert.is(young.mu, undefined);
  assert.is(young.sigma, undefined);
  // apy_reward null is omitted from the event, not written as 0
  const noReward = rowToEvent(row(snapshotRecordToRow({ ...snapshotPool, apy_reward: null }, 'x')));
  assert.ok(!('apyReward' in noReward.data));
  // an unreadable optional field is dropped and named
  const odd = row(snapshotRecordToRow({ ...snapshotPool, il_risk: 'maybe', predictions: "{'predictedClass': 'X', 'predictedProbability': 1}" }, 'x'));
  assert.equal(odd.dropped, ['il_risk', 'predictions']);
  assert.is(odd.ilRisk, undefined);
});

test('rows without a usable APY or TVL are rejected with the reason (dead letters)', () => {
  assert.is(reason(snapshotRecordToRow({ ...snapshotPool, apy: null }, 'x')), 'apy is missing');
  assert.match(reason(snapshotRecordToRow({ ...snapshotPool, apy: 'NaN' }, 'x')), /^apy is not a number/);
  assert.match(reason(snapshotRecordToRow({ ...snapshotPool, apy: Infinity }, 'x')), /^apy is not finite/);
  assert.is(reason(snapshotRecordToRow({ ...snapshotPool, tvl_usd: undefined }, 'x')), 'tvl_usd is missing');
  assert.match(reason(snapshotRecordToRow({ ...snapshotPool, tvl_usd: -5 }, 'x')), /negative/);
  assert.match(reason(snapshotRecordToRow({ ...snapshotPool, timestamp: 'yesterday' }, 'x')), /timestamp "yesterday"/);
  assert.is(reason(snapshotRecordToRow({ ...snapshotPool, pool: '' }, 'x')), 'pool id is missing');
  assert.match(reason(snapshotRecordToRow({ ...snapshotPool, protocol_slug: 'a b' }, 'x')), /topic name/);
  assert.is(reason(snapshotRecordToRow([1], 'x')), 'a pool must be an object');
  const hist = { timestamp: '2023-04-13', pool_id: 'd9e4', pool_id_defillama: kPool, protocol_slug: 'pancakeswap-amm-v3', chain: 'Ethereum', symbol: 'DAI-USDC', tvl_usd: '371984.0', apy: '18.39834', apy_base: '0.28482', apy_reward: '18.11352' };
  assert.is(reason(historyRecordToRow({ ...hist, apy: '' }, 'h:2')), 'apy is missing');
  assert.match(reason(historyRecordToRow({ ...hist, apy: 'nan' }, 'h:2')), /^apy is not a number/);
  const h = row(historyRecordToRow(hist, 'h:2'));
  assert.is(h.ts, Date.parse('2023-04-13T00:00:00Z') * 1000);
  assert.is(h.apy, 18.39834);
  assert.is(h.apyReward, 18.11352);
  const d = row(dailyRecordToRow({ pool: kPool, protocol_slug: 'uniswap-v3', chain: 'Arbitrum', symbol: 'UXLINK-WETH', timestamp: '2025-09-23T08:15:51.065Z', tvl_usd: '499629723.0', apy: '2.93315', apy_base: '2.93315', apy_reward: '' }, 'd:2'));
  assert.is(d.chain, 'arbitrum');
  assert.is(d.apyReward, null);
  assert.ok(Number.isNaN(llamaTimeUs('2025-09-23 08:15')));
});

test("DefiLlama's mu and sigma from a history, by hand", () => {
  // APY 0 % then 21 %: mu = (√(1·1.21) − 1)·100 = 10
  //   r = (0, 1.21^(1/365) − 1 = 0.000522383956), s² = r₂²/2 → sigma = r₂·√(365/2)·100 = 0.7057018631
  const s = new ExpandingApyStats();
  s.add(0);
  assert.is(s.count, 1);
  near(s.mu(), 0, 1e-12, 'mu of one 0');
  assert.ok(Number.isNaN(s.sigma()), 'no sigma from one point');
  s.add(21);
  near(s.mu(), 10, 1e-10, 'mu');
  near(s.sigma(), 0.7057018631, 1e-9, 'sigma');
});

test('sources joined causally: flags from the snapshot, stats from past history, predictions for 28 days', () => {
  const t0 = Date.parse('2025-08-20T00:00:00Z') * 1000;
  const base = { protocol: 'curve-dex', chain: 'ethereum', pool: 'p1', symbol: 'USDC-USDT', apyBase: null, apyReward: null, tvlUsd: 1e7 };
  const rows: LlamaRow[] = [];
  for (let d = 0; d < 12; d++) rows.push({ ...base, source: 'history', where: `h:${d}`, ts: t0 + d * kDayUs, apy: 4 + d });
  const snap: LlamaRow = { ...base, source: 'snapshot', where: 's', ts: t0 + 5.5 * kDayUs, apy: 9.5, ilRisk: 'no', exposure: 'multi', stablecoin: true, mu: 7, sigma: 0.2, predictedUp: 0.3 };
  rows.push(snap);
  rows.push({ ...base, source: 'daily', where: 'd1', ts: t0 + 40 * kDayUs, apy: 5 }); // beyond 28 days of the prediction
  rows.push({ ...base, source: 'daily', where: 'd2', ts: t0 + 40 * kDayUs, apy: 5 }); // the same pool and time again
  rows.push({ ...base, pool: 'p2', symbol: 'WETH', source: 'daily', where: 'd3', ts: t0, apy: 1 });
  const { rows: out, summary } = enrichRows(rows);
  assert.is(summary.duplicates, 1);
  assert.equal(out.map((r) => r.where), ['h:0', 'd3', 'h:1', 'h:2', 'h:3', 'h:4', 'h:5', 's', 'h:6', 'h:7', 'h:8', 'h:9', 'h:10', 'h:11', 'd1']);
  const by = new Map(out.map((r) => [r.where, r]));
  // flags: every row of p1 (even before the snapshot: pool properties); p2 has only its symbol's exposure
  assert.is(by.get('h:0')!.stablecoin, true);
  assert.is(by.get('h:0')!.ilRisk, 'no');
  assert.is(by.get('d3')!.exposure, 'single');
  assert.is(by.get('d3')!.stablecoin, undefined);
  // stats from the 7th history row on, over the rows so far only
  assert.is(by.get('h:5')!.mu, undefined);
  const s7 = new ExpandingApyStats();
  for (let d = 0; d <= 6; d++) s7.add(4 + d);
  near(by.get('h:6')!.mu!, s7.mu(), 1e-12, 'mu over the first seven days');
  near(by.get('h:6')!.sigma!, s7.sigma(), 1e-12, 'sigma over the first seven days');
  assert.is(by.get('s')!.mu, 7, "the snapshot keeps DefiLlama's own");
  // prediction: not before the snapshot, on rows up to 28 days after it, not beyond
  assert.is(by.get('h:5')!.predictedUp, undefined);
  assert.is(by.get('h:6')!.predictedUp, 0.3);
  assert.is(by.get('d1')!.predictedUp, undefined);
  assert.is(summary.predictionsCarried, 6);
  const none = enrichRows(rows, { deriveStats: false, minStatsDays: 7, predictionHorizonDays: 0 });
  assert.is(none.summary.statsDerived, 0);
  assert.is(none.summary.predictionsCarried, 0);
});

const kDir = new URL('../../../shared/data/defillama-yields/', import.meta.url).pathname;
if (!existsSync(kDir)) {
  console.log(`SKIP DefiLlama recordings: ${kDir} is absent`);
} else {
  test("the history reproduces the snapshot's mu and sigma for the pools both hold", () => {
    const snapshot = (JSON.parse(readFileSync(`${kDir}pools_snapshot_2025-08-31.json`, 'utf8')) as Record<string, unknown>[]);
    const history = new Map<string, { ts: number; apy: number }[]>();
    for (const r of csvRecords(readFileSync(`${kDir}pool_chart_history.csv`, 'utf8'))) {
      if ('error' in r) throw new Error(r.error);
      const x = historyRecordToRow(r.record, String(r.line));
      if (!('row' in x)) throw new Error(x.reason);
      const list = history.get(x.row.pool) ?? [];
      list.push({ ts: x.row.ts, apy: x.row.apy });
      history.set(x.row.pool, list);
    }
    const muErr: number[] = [], sigmaErr: number[] = [];
    let both = 0;
    for (const p of snapshot) {
      const list = history.get(p.pool as string);
      if (!list) continue;
      both++;
      const cut = Date.parse(p.timestamp as string) * 1000;
      const s = new ExpandingApyStats();
      for (const h of list.sort((a, b) => a.ts - b.ts)) if (h.ts <= cut) s.add(h.apy);
      const mu = p.mu as number, sigma = p.sigma as number;
      if (s.count !== p.count || !(mu > 0.01) || !(sigma > 0)) continue; // DefiLlama counted other points
      muErr.push(Math.abs(s.mu() / mu - 1));
      sigmaErr.push(Math.abs(s.sigma() / sigma - 1));
    }
    const median = (a: number[]): number => a.sort((x, y) => x - y)[a.length >> 1]!;
    console.log(`  ${both} pools in both; ${muErr.length} with the same count: median |Δmu|/mu ${(100 * median(muErr)).toFixed(2)} %, median |Δsigma|/sigma ${(100 * median(sigmaErr)).toFixed(2)} %`);
    assert.is(both, 260, 'SOURCE.md: 260 pools also in the snapshot');
    assert.ok(muErr.length >= 100, `${muErr.length} comparable pools`);
    assert.ok(median(muErr) < 0.01, 'mu within 1 % (median)');
    assert.ok(median(sigmaErr) < 0.02, 'sigma within 2 % (median)');
  });
}

test.run();
