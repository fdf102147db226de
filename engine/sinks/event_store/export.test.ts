// The export of the `decisions` stream is the decision log: the same lines, the same SHA-256, for
// decisions with awkward numbers and text, whether read through the store or from the log file.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openEmbeddedStore } from './embedded/embedded_store.ts';
import { exportLogStream, exportStream } from './export.ts';
import { decisionEvent, kDecisionsStream } from './streams.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-es-export-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Decisions shaped like the engine's, with numbers whose text is easy to get wrong. */
function decisions(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      key: `c${i}:arbitrage_cross_exchange:binance:BTC/USDT>kraken:BTC/USDT`, seq: 1000 + i, cycle: i, epoch: 7 * i, ts: 1723075300000000 + i * 137,
      agent: 'arbitrage_detector', kind: 'arbitrage_cross_exchange', action: 'buy_sell', instruments: ['binance:BTC/USDT', 'kraken:BTC/USDT'],
      sizeUsd: 0.1 + 0.2 * i, expectedProfitUsd: i % 3 === 0 ? -0 : 1 / (i + 3), score: i === 5 ? 1e-7 : i * 1e21,
      status: i % 4 === 0 ? 'rejected' : 'approved', reason: i % 4 === 0 ? 'stale quote «kraken» — "taken"\n' : 'net of fees 12.5 bps',
      fill: i % 4 === 0 ? null : { price: 60000.123456789, qty: 0.000123, feeUsd: 0.0072, slippageUsd: 5e-324 },
      ...(i % 5 === 0 ? { tx: { to: '0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2', data: '0x617ba037', value: '1000000000000000000', gasEstimate: 210000 } } : {}),
    });
  }
  return out;
}

test('export of decisions = the decision log: same lines, same SHA-256 (through the store and from the file)', async () => {
  const ds = decisions(500);
  const log = ds.map((d) => `${JSON.stringify(d)}\n`).join(''); // what the decision log writes, line for line
  const path = join(dir, 'events.log');
  const s = await openEmbeddedStore({ path });
  for (let i = 0; i < ds.length; i += 37) {
    await s.append(kDecisionsStream, ds.slice(i, i + 37).map((d) => decisionEvent(d as { key: string }, { inputs: { i } })));
    await s.append('outcomes', { type: 'outcome', data: { i } }); // other streams in between
  }
  let viaStore = '';
  assert.is(await exportStream(s, kDecisionsStream, (t) => { viaStore += t; }), 500);
  await s.close();
  let viaFile = '';
  assert.is(exportLogStream(path, kDecisionsStream, (t) => { viaFile += t; }), 500);
  const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
  assert.is(viaStore, log);
  assert.is(viaFile, log);
  assert.is(sha(viaFile), sha(log));
});

test.run();
