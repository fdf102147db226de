// The report's pure parts: number formats, Markdown tables, SVG axes and charts, the comparison
// of two result files, and the issue-6 target checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cellText, fmtBytes, fmtRatio, fmtUs, markdownTable, shortCount, textTable } from './format.ts';
import { escapeXml, lineChartSvg, makeAxis, niceTicks, percentileToX } from './svg.ts';
import { compareResults, diffMetric, formatComparison } from './compare.ts';
import { checkTargets } from './targets.ts';
import { reportMarkdown } from './markdown.ts';
import type { BenchResult, Metric } from './types.ts';

test('fmtUs picks the unit', () => {
  assert.is(fmtUs(0.184), '0.18 µs');
  assert.is(fmtUs(45.21), '45.2 µs');
  assert.is(fmtUs(250), '250 µs');
  assert.is(fmtUs(1250), '1.25 ms');
  assert.is(fmtUs(2.1e6), '2.10 s');
  assert.is(fmtUs(NaN), '–');
});

test('counts, ratios and bytes', () => {
  assert.is(shortCount(100_000), '100k');
  assert.is(shortCount(1_500), '1.5k');
  assert.is(shortCount(2_000_000), '2M');
  assert.is(shortCount(123), '123');
  assert.is(fmtRatio(12.345), '12.3×');
  assert.is(fmtRatio(0.5), '0.50×');
  assert.is(fmtBytes(1536), '1.5 KiB');
  assert.is(fmtBytes(3 * 2 ** 20), '3.0 MiB');
  assert.is(cellText(1234567), '1,234,567');
  assert.is(cellText(null), '–');
});

test('markdownTable escapes pipes and right-aligns numbers', () => {
  const md = markdownTable({ title: 't', columns: ['name', 'value'], rows: [['a|b', 1500], ['c', null]] });
  const lines = md.split('\n');
  assert.is(lines[0], '| name | value |');
  assert.is(lines[1], '|---|---:|');
  assert.is(lines[2], '| a\\|b | 1,500 |');
  assert.is(lines[3], '| c | – |');
  const txt = textTable({ title: 't', columns: ['k', 'v'], rows: [['long name', 1]] });
  assert.ok(txt.split('\n')[2]!.endsWith('1'));
});

test('percentile axis spreads the tail evenly', () => {
  assert.ok(Math.abs(percentileToX(90) - 1) < 1e-9);
  assert.ok(Math.abs(percentileToX(99) - 2) < 1e-9);
  assert.ok(Math.abs(percentileToX(99.9) - 3) < 1e-9);
  assert.ok(percentileToX(100) > percentileToX(99.999)); // clamped, still finite
  assert.ok(Number.isFinite(percentileToX(100)));
});

test('niceTicks and log axes', () => {
  assert.equal(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  const log = makeAxis([3, 4000], 'log');
  assert.equal(log.ticks.map((t) => t.value), [1, 10, 100, 1000, 10000]);
  assert.is(log.scale(1), 0);
  assert.is(log.scale(10000), 1);
  const lin = makeAxis([5, 95], 'linear', true);
  assert.is(lin.scale(0), 0);
  assert.ok(Math.abs(lin.scale(100) - 1) < 1e-9);
});

test('lineChartSvg draws one path per series and escapes text', () => {
  const svg = lineChartSvg({
    file: 'x.svg', title: 'p99 <by> rate & design', xLabel: 'x', yLabel: 'y', xLog: true, yLog: true,
    series: [{ name: 'a', points: [[10, 1], [100, 10]] }, { name: 'b', points: [[10, 2], [100, 20], [1000, 0]] }],
  });
  assert.ok(svg.startsWith('<svg'));
  assert.is((svg.match(/<path /g) ?? []).length, 2);
  assert.ok(svg.includes('p99 &lt;by&gt; rate &amp; design'));
  assert.is(escapeXml('"'), '&quot;');
  assert.not.ok(svg.includes('NaN'));
});

const m = (value: number, better: Metric['better'] = 'lower', unit = 'µs'): Metric => ({ value, unit, better });

function result(metrics: Record<string, Metric>, quick = false): BenchResult {
  return {
    schema: 1, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', quick, argv: [],
    environment: { cpu: 'Test CPU', cores: 2, availableParallelism: 2, memoryGiB: 8, platform: 'linux', arch: 'x64', kernel: '6', node: 'v26', v8: '14', packages: { piscina: '5' }, loadAverage: [0, 0, 0], hostname: 'h' },
    scenarios: [{ name: 's', title: 'S', elapsedMs: 1, notes: ['n'], tables: [{ title: 'T', columns: ['a'], rows: [['1']] }], charts: [{ file: 'c.svg', title: 'C', xLabel: 'x', yLabel: 'y', series: [] }], metrics, data: null }],
    targets: [],
  };
}

test('diffMetric: direction decides better or worse, small changes are the same', () => {
  assert.is(diffMetric('k', m(100), m(50)).verdict, 'better');
  assert.is(diffMetric('k', m(100), m(200)).verdict, 'worse');
  assert.is(diffMetric('k', m(100, 'higher'), m(200, 'higher')).verdict, 'better');
  assert.is(diffMetric('k', m(100), m(105)).verdict, 'same');
  assert.is(diffMetric('k', m(100), m(200)).ratio, 2);
  assert.is(diffMetric('k', m(0), m(5)).verdict, 'n/a');
});

test('compareResults pairs metrics and lists the unmatched ones', () => {
  const a = result({ x: m(10), only_a: m(1) });
  const b = result({ x: m(30), only_b: m(1) }, true);
  const c = compareResults(a, b);
  assert.is(c.diffs.length, 1);
  assert.is(c.diffs[0]!.ratio, 3);
  assert.equal(c.onlyA, ['only_a']);
  assert.equal(c.onlyB, ['only_b']);
  const text = formatComparison(a, b, c);
  assert.ok(text.includes('1 worse'));
  assert.ok(text.includes('quick run'));
});

test('checkTargets: met, missed by how much, and not measured', () => {
  const t = checkTargets(new Map(Object.entries({
    'saturation.lockstep.auto.events_per_s': m(120_000, 'higher'),
    'saturation.lockstep.inline.events_per_s': m(100_000, 'higher'),
    'saturation.lockstep.block.events_per_s': m(80_000, 'higher'),
    'saturation.contended.auto.events_per_s': m(70_000, 'higher'),
    'recording.100x.auto.p99_us': m(100),
    'recording.100x.inline.p99_us': m(130),
    'recording.asap.auto.p99_us': m(300),
    'recording.asap.inline.p99_us': m(100),
    'open_loop.realtime.100k.piscina.p99_us': m(400),
    'open_loop.realtime.100k.auto.p99_us': m(50),
    'memory.t1.minor_gcs_per_1m': m(0),
    'memory.inline.minor_gcs_per_1m': m(2),
    'memory.inline.bytes_per_event': m(90),
    'sinks.lockstep.on_off_ratio': m(0.97, 'higher'),
    'sinks.realtime.p99_on_off_ratio': m(1.08),
  })));
  assert.is(t.length, 9);
  assert.is(t[0]!.ok, false); // 1.2× < 1.5×
  assert.ok(t[0]!.detail.includes('short by 1.25×'), t[0]!.detail);
  assert.is(t[1]!.ok, true); // 100× recording: 100 ≤ 130
  assert.is(t[2]!.ok, false); // as fast as possible: 300 > 100
  assert.ok(t[2]!.detail.includes('3.00× higher'));
  assert.is(t[3]!.ok, false); // 400 / 50 = 8× < 10×
  assert.ok(t[3]!.measured.includes('8.00×'));
  assert.is(t[4]!.ok, true); // 70k of 120k = 58 %
  assert.is(t[5]!.ok, false); // inline made minor GCs
  assert.is(t[6]!.ok, null); // Kafka: not measured here
  assert.is(t[7]!.ok, false); // sinks: lockstep -3 % is within 5 %, realtime p99 +8 % is not
  assert.ok(t[7]!.detail.includes('realtime p99 +8.0 %') && !t[7]!.detail.includes('lockstep'), t[7]!.detail);
  assert.is(t[8]!.ok, false);
  assert.ok(t[8]!.detail.includes('best design: auto'));
  const within = checkTargets(new Map(Object.entries({ 'sinks.lockstep.on_off_ratio': m(1.02, 'higher'), 'sinks.realtime.p99_on_off_ratio': m(0.96) })));
  assert.is(within[7]!.ok, true);
  assert.is(within[7]!.detail, 'met');
});

test('reportMarkdown renders environment, tables and chart links', () => {
  const md = reportMarkdown(result({ x: m(1) }), 'charts');
  assert.ok(md.includes('Test CPU × 2 logical cores'));
  assert.ok(md.includes('**T**'));
  assert.ok(md.includes('![C](charts/c.svg)'));
});

test.run();
