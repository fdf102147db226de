// Recall and precision per kind on the generator's labelled de-peg episode (fixtures/generator/
// depeg.ts): cross-exchange routes, the USD/USDC/USDT loops whose completing leg moves under the
// trigger threshold, and liquidation cascades among sparse small liquidations. The engine runs
// inline on the written fixture with the taker fee and the staleness rule the labels assume.
//   recall: labelled windows with at least one decision on the same route within them;
//   precision: decisions of the kind that fall in a labelled window of their route.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { depegScenario, kFreshIntervals, type DepegLabel } from '../fixtures/generator/depeg.ts';
import { kDefaultConfig } from '../engine/options.ts';
import { runFixture } from '../engine/testing/run_fixture.ts';
import type { Decision } from '../engine/types.ts';

/** A decision is read against the window it was decided in, plus this much (its cycle may follow the event). */
const kSlackUs = 1_000_000;

function matches(d: Decision, l: DepegLabel): boolean {
  if (d.ts < l.startTs || d.ts > l.endTs + kSlackUs) return false;
  if (l.kind === 'cross_exchange') return d.kind === 'arbitrage_cross_exchange' && d.instruments[0] === l.instruments[0] && d.instruments[1] === l.instruments[1];
  if (l.kind === 'triangular') return d.kind === 'arbitrage_triangular' && d.instruments.length === 3 && d.instruments.every((k) => l.instruments.includes(k));
  return d.kind === 'market_event' && d.action === 'trigger_liquidation_cascade' && d.instruments[0] === l.instruments[0];
}
const kindOf = (d: Decision): DepegLabel['kind'] | null =>
  d.kind === 'arbitrage_cross_exchange' ? 'cross_exchange' : d.kind === 'arbitrage_triangular' ? 'triangular'
    : d.action === 'trigger_liquidation_cascade' ? 'liquidation_cascade' : null;

test('de-peg episode: recall and precision per kind', async () => {
  const { events, labels } = depegScenario();
  const dir = mkdtempSync(join(tmpdir(), 'lucent-depeg-'));
  const fixture = join(dir, 'depeg.jsonl.gz');
  writeFileSync(fixture, gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n'));
  const config = structuredClone(kDefaultConfig);
  config.agents.fees.defaultTaker = 0.001;
  config.agents.arbitrage.quoteAgeIntervals = kFreshIntervals;
  config.limits.approvalThresholdUsd = 1e9;
  const { decisions, summary } = await runFixture({ fixture, threads: 0, config });
  const floors: Record<string, number> = { cross_exchange: 0.9, triangular: 0.9, liquidation_cascade: 1 };
  for (const kind of ['cross_exchange', 'triangular', 'liquidation_cascade'] as const) {
    const ls = labels.filter((l) => l.kind === kind);
    const ds = decisions.filter((d) => kindOf(d) === kind);
    const found = ls.filter((l) => ds.some((d) => matches(d, l)));
    const right = ds.filter((d) => ls.some((l) => matches(d, l)));
    const recall = ls.length ? found.length / ls.length : 0;
    const precision = ds.length ? right.length / ds.length : 0;
    console.log(`  ${kind}: ${found.length}/${ls.length} labelled windows found (recall ${recall.toFixed(3)}), ` +
      `${right.length}/${ds.length} decisions labelled (precision ${precision.toFixed(3)})`);
    assert.ok(ls.length >= 2, `${kind}: the episode labels some (${ls.length})`);
    assert.ok(recall >= floors[kind]!, `${kind} recall ${recall}; missed ${ls.filter((l) => !found.includes(l)).map((l) => `${l.id}@${(l.startTs - labels[0]!.startTs) / 1e6}`).slice(0, 5).join(', ')}`);
    assert.ok(precision >= floors[kind]!, `${kind} precision ${precision}`);
  }
  console.log(`  funnel: ${JSON.stringify(summary.opportunitiesByKind)}`);
});

test.run();
