// The DefiLlama converter: small recordings built here (dead letters with file:line, order,
// duplicates, the command line) and the real recordings in ../shared/data (skipped when absent).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeEvent } from '../engine/source/codec.ts';
import { Tape } from '../protocol/tape.ts';
import { InstrumentRegistry } from '../protocol/registry.ts';
import type { MarketEvent } from '../protocol/events.ts';
import { convertLlama, convertLlamaToFile, kDefaultLlamaDir, llamaInputsOf } from './convert-defillama.ts';
import { gzLines } from '../fixtures/jsonl_gz.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lucent-convert-defillama-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const script = new URL('./convert-defillama.ts', import.meta.url).pathname;
const dir = join(tmp, 'in');
mkdirSync(dir, { recursive: true });
const P1 = '2cb9d864-fbd3-48d3-bc4d-5d9b44f4b7e6';
const P2 = '3603d576-a4d7-4317-9ae1-bf451b3e637a';

writeFileSync(join(dir, 'pool_chart_history.csv'), [
  'timestamp,pool_id,pool_id_defillama,protocol_slug,chain,symbol,tvl_usd,apy,apy_base,apy_reward',
  `2025-08-30,aa,${P1},curve-dex,Ethereum,USDC-USDT,1000000.0,4.0,4.0,`, // 2
  `2025-08-31,aa,${P1},curve-dex,Ethereum,USDC-USDT,1000000.0,,4.0,`, // 3: no APY
  `2025-09-01,aa,${P1},curve-dex,Ethereum,USDC-USDT,1000000.0,nan,4.0,`, // 4: NaN APY
  `2025-09-02,aa,${P1},curve-dex,Ethereum,USDC-USDT,,5.0,5.0,`, // 5: no TVL
  `2025-09-03,aa,${P1},curve-dex`, // 6: short row
  `2025-09-04,aa,${P1},curve-dex,Ethereum,USDC-USDT,1000000.0,6.0,4.0,2.0`, // 7
].join('\n') + '\n');
writeFileSync(join(dir, 'pools_snapshot_2025-08-31.json'), JSON.stringify([
  { pool: P1, protocol_slug: 'curve-dex', chain: 'Ethereum', symbol: 'USDC-USDT', timestamp: '2025-08-31T12:00:00.000Z', tvl_usd: 1e6, apy: 4.5, apy_base: 4.5, apy_reward: null, stablecoin: true, il_risk: 'no', exposure: 'multi', mu: 4.2, sigma: 0.1, predictions: "{'predictedClass': 'Stable/Up', 'predictedProbability': 80, 'binnedConfidence': 3}" },
  { pool: P2, protocol_slug: 'uniswap-v3', chain: 'Arbitrum', symbol: 'WETH-USDC', timestamp: '2025-08-31T13:00:00.000Z', tvl_usd: 2e6, apy: null },
]));
const daily = ['pool,protocol_slug,chain,symbol,underlying_tokens,reward_tokens,timestamp,tvl_usd,apy,apy_base,apy_reward,pool_old',
  `${P2},uniswap-v3,Arbitrum,WETH-USDC,"[""0x1"", ""0x2""]",,2025-09-01T08:00:00.000Z,2000000.0,12.0,12.0,,0xold`];
writeFileSync(join(dir, 'pools_daily_2025-09-01.csv'), daily.join('\n') + '\n');
writeFileSync(join(dir, 'pools_daily_2025-09-02.csv'), daily.join('\n') + '\n'); // the same stale row again

test('dead letters with file:line and reason; events in time order; duplicates skipped; joins', async () => {
  const inputs = llamaInputsOf(dir, ['history', 'snapshot', 'daily']);
  const { events, summary } = convertLlama(inputs);
  assert.equal(summary.rowsRead, { history: 6, snapshot: 2, daily: 2 });
  const hist = join(dir, 'pool_chart_history.csv');
  assert.equal(summary.deadLetters.map((d) => [d.source, d.reason]), [
    [`${join(dir, 'pools_snapshot_2025-08-31.json')}#1`, 'apy is missing'],
    [`${hist}:3`, 'apy is missing'],
    [`${hist}:4`, 'apy is not a number ("nan")'],
    [`${hist}:5`, 'tvl_usd is missing'],
    [`${hist}:6`, '4 fields, the header has 10'],
  ]);
  assert.is(summary.enrich.duplicates, 1);
  assert.equal(events.map((e) => [new Date(e.ts / 1000).toISOString(), e.data.apy]), [
    ['2025-08-30T00:00:00.000Z', 4],
    ['2025-08-31T12:00:00.000Z', 4.5],
    ['2025-09-01T08:00:00.000Z', 12],
    ['2025-09-04T00:00:00.000Z', 6],
  ]);
  // the history rows carry the snapshot's flags; the one after it its prediction (Stable/Up 80 % → 0.8)
  assert.is(events[0]!.data.stablecoin, true);
  assert.is(events[0]!.data.predictedUp, undefined);
  assert.is(events[3]!.data.predictedUp, 0.8);
  assert.is(events[3]!.data.apyReward, 2);
  assert.is(events[2]!.data.exposure, 'multi', 'P2 (not in the snapshot): exposure from its symbol');
  const out = join(tmp, 'out', 'll.jsonl.gz');
  const dead = join(tmp, 'out', 'll.dead.jsonl');
  const s = await convertLlamaToFile(inputs, out, dead);
  assert.is(s.eventsWritten, 4);
  const lines: string[] = [];
  for await (const l of gzLines(out)) lines.push(l);
  assert.equal(lines.map((l) => (JSON.parse(l) as MarketEvent).ts), events.map((e) => e.ts));
  const dl = readFileSync(dead, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { source: string; reason: string; raw: string });
  assert.is(dl.length, 5);
  assert.ok(dl[2]!.raw.includes('"apy":"nan"'), 'the raw row is kept');
});

test('command line: --help, unknown source, a directory without the source', () => {
  let r = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8' });
  assert.is(r.status, 0);
  assert.match(r.stdout, /--prediction-days/);
  r = spawnSync(process.execPath, [script, '--sources', 'history,charts', '--dir', dir], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /--sources: unknown source "charts"/);
  r = spawnSync(process.execPath, [script, '--dir', tmp], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /--sources history: .* has no history file/);
  r = spawnSync(process.execPath, [script, '--dir', join(tmp, 'nope')], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /--dir .*nope: no such directory/);
});

if (!existsSync(kDefaultLlamaDir)) {
  console.log(`SKIP real DefiLlama recordings: ${kDefaultLlamaDir} is absent`);
} else {
  test('the real recordings: every row read, none dead, events in order and accepted by the codec', () => {
    const { events, summary } = convertLlama(llamaInputsOf(kDefaultLlamaDir, ['history', 'snapshot', 'daily']));
    // SOURCE.md: 73,201 history rows, 1,134 snapshot pools, five daily files of about 5,900
    assert.equal(summary.rowsRead, { history: 73_201, snapshot: 1_134, daily: 29_490 });
    assert.is(summary.deadLetters.length, 0);
    assert.is(events.length, 73_201 + 1_134 + 29_490 - summary.enrich.duplicates);
    let backwards = 0;
    for (let i = 1; i < events.length; i++) if (events[i]!.ts < events[i - 1]!.ts) backwards++;
    assert.is(backwards, 0);
    const reg = new InstrumentRegistry();
    const tape = new Tape(events.length);
    let rejected = 0;
    events.forEach((e, i) => { if (decodeEvent(e, reg, tape, i + 1) !== null) rejected++; });
    assert.is(rejected, 0);
    console.log(`  ${events.length.toLocaleString('en-US')} events, ${summary.pools.toLocaleString('en-US')} pools, ${summary.enrich.duplicates} duplicates; ` +
      `mu/sigma derived on ${summary.enrich.statsDerived.toLocaleString('en-US')}, predictions on ${summary.enrich.predictionsCarried.toLocaleString('en-US')} (+ the snapshot's own)`);
  });
}

test.run();
