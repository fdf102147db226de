// The summary's arbitrage funnel per kind adds up against the decision log: every decision of the
// kind is counted once (approved, quote taken or risk), every crossing the detector saw was stale,
// below the minimum, not evaluated, or opened; the funnel is the same at any thread count.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runFixture } from './testing/run_fixture.ts';

test('funnel per kind: seen, decided, dropped by reason, consistent with the decisions', async () => {
  const { decisions, summary } = await runFixture({ threads: 0, limit: 40_000 });
  const funnel = summary.opportunitiesByKind!;
  assert.equal(Object.keys(funnel).sort(), ['arbitrage_cross_exchange', 'arbitrage_triangular']);
  for (const [kind, k] of Object.entries(funnel)) {
    const ds = decisions.filter((d) => d.kind === kind);
    console.log(`  ${kind}: seen ${k.seen}, published ${k.published}, decided ${k.decided} (approved ${k.approved}); dropped ${JSON.stringify(k.dropped)}`);
    assert.is(k.decided, ds.length, `${kind}: decided = its decisions in the log`);
    assert.is(k.approved, ds.filter((d) => d.status !== 'rejected').length, `${kind}: approved`);
    assert.is(k.dropped.quoteTaken, ds.filter((d) => d.status === 'rejected' && /already taken/.test(d.reason)).length, `${kind}: quote taken`);
    assert.is(k.decided, k.approved + k.dropped.quoteTaken + k.dropped.risk, `${kind}: every decision has one outcome`);
    assert.is(k.published, k.decided + k.dropped.unchanged, `${kind}: every published record is decided or unchanged`);
    assert.ok(k.seen > 0 && k.decided > 0, `${kind}: the fixture has some`);
    assert.ok(ds.every((d) => Number.isInteger(d.sighting) && d.sighting! >= 1), `${kind}: every line says its sighting`);
  }
  const c = funnel.arbitrage_cross_exchange!;
  assert.ok(c.seen >= c.dropped.belowMinProfit + c.dropped.stale + c.dropped.notEvaluated, 'each crossing seen has at most one drop');
  const two = await runFixture({ threads: 2, limit: 40_000 });
  assert.equal(two.summary.opportunitiesByKind, funnel, 'the same funnel on threads');
});

test.run();
