// The hostile corpus through the file path: every class mixed into 20,000 real events of the
// shipped fixture. Every hostile line is dead-lettered with a reason or enters the state held
// (yield jumps and never-seen pools within the caps); no decision carries a non-finite, zero or
// out-of-band value; no real event is dead-lettered on account of a hostile one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kHostileClasses, mixHostile } from './lib/hostile/corpus.ts';
import { loadReal, runFile, type HostileResult } from './lib/hostile/run.ts';

/** Classes whose lines lie within every cap and enter the state held (the quarantine), not dead-lettered. */
const kHeldClasses = new Set(['yield.jump-100x', 'yield.jump-agreeing', 'yield.jump-burst']);
/** Never-seen pools within the caps: held in an open universe, dead letters in a closed one. */
const kNewPoolClasses = new Set(['yield.new-pool-repeat']);

const dir = mkdtempSync(join(tmpdir(), 'lucent-hostile-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function check(r: HostileResult, closed: boolean, clean: HostileResult): void {
  console.log(`  ${closed ? 'closed' : 'open'} universe: ${r.rows.map((x) => `${x.cls} ${x.deadLettered}/${x.tried}`).join(', ')}; decisions ${r.bad.decisions}, held ${r.held}, confirmed ${r.confirmed} (clean run: held ${clean.held}, confirmed ${clean.confirmed})`);
  assert.is(r.rows.length, kHostileClasses.length, 'every class was tried');
  for (const row of r.rows) {
    assert.is(row.deadLettered + row.accepted, row.tried, `${row.cls}: every line is accounted for`);
    if (kHeldClasses.has(row.cls)) assert.is(row.deadLettered, 0, `${row.cls}: held, not dead-lettered`);
    else if (kNewPoolClasses.has(row.cls)) assert.is(row.deadLettered, closed ? row.tried : 0, `${row.cls}: held in an open universe, unknown to a closed one`);
    else if (row.cls === 'yield.new-pool' && !closed) assert.is(row.deadLettered, row.tried / 2, 'the pool beyond the TVL cap is dead-lettered, the one within is held');
    else assert.is(row.deadLettered, row.tried, `${row.cls}: every line dead-lettered`);
  }
  assert.ok(r.held > clean.held, 'jumps were held at the door');
  // no hostile jump or first sight was ever confirmed: the bursts and quick repeats of one source all
  // came within plausibility.yieldConfirmAfterUs of what they would confirm
  assert.is(r.confirmed, clean.confirmed, 'held hostile yields confirmed');
  assert.equal(r.realReasons, [], 'no real event was dead-lettered');
  assert.is(r.realRefused, 0);
  assert.ok(r.bad.decisions > 100, 'the real events still made decisions');
  assert.equal(r.bad.samples, [], 'no decision with a bad value');
  assert.is(r.bad.nonFinite, 0, 'non-finite');
  assert.is(r.bad.zeroSize, 0, 'zero size');
  assert.is(r.bad.outOfBand, 0, 'out of band');
}

test('every hostile class through the file path: dead-lettered or held, and no decision with a non-finite, zero or out-of-band value', async () => {
  const real = await loadReal(20000);
  const mixed = mixHostile(real, kHostileClasses, 2);
  const clean = await runFile(mixHostile(real, [], 0), real, dir, 'clean');
  check(await runFile(mixed, real, dir, 'open'), false, clean);
  const universe = join(dir, 'clean.jsonl');
  writeFileSync(universe, mixHostile(real, [], 0).lines.join('\n') + '\n');
  check(await runFile(mixed, real, dir, 'closed', universe), true, clean);
});

test('the check can fail: the decisions of a run are read back, and a made-up bad one is counted', async () => {
  const { badDecisions } = await import('./lib/hostile/run.ts');
  const real = await loadReal(2000);
  const path = join(dir, 'made-up.jsonl');
  const base = { ts: real[1500]!.ts, status: 'approved', score: 1, expectedProfitUsd: 1 };
  writeFileSync(path, [
    { ...base, kind: 'arbitrage_cross_exchange', instruments: ['binance:BTC/USDT', 'kraken:BTC/USDT'], sizeUsd: 0, fill: { price: 1, qty: 1, feeUsd: 0, slippageUsd: 0 } },
    { ...base, kind: 'arbitrage_cross_exchange', instruments: ['binance:BTC/USDT', 'kraken:BTC/USDT'], sizeUsd: 1000, expectedProfitUsd: 44973, fill: null },
    { ...base, kind: 'rebalance', instruments: ['binance:BTC/USDT'], sizeUsd: 1000, fill: { price: 600000, qty: 1, feeUsd: 0, slippageUsd: 0 } },
    { ...base, kind: 'yield_entry', instruments: ['aave:ethereum:never-seen'], sizeUsd: 1000, fill: null },
    { ...base, kind: 'rebalance', instruments: ['binance:BTC/USDT'], sizeUsd: 1000, score: null, fill: null },
  ].map((d) => JSON.stringify(d)).join('\n') + '\n');
  const b = badDecisions(path, real);
  assert.equal([b.decisions, b.nonFinite, b.zeroSize, b.outOfBand], [5, 1, 1, 3]);
});

test.run();
