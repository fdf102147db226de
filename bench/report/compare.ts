// Diff of two result files: every metric present in both, with the ratio b/a and whether b is
// better, worse or within the noise band.
import { fmtNum, fmtRatio, markdownTable, textTable } from './format.ts';
import type { BenchResult, Metric, Table } from './types.ts';

/** Changes smaller than this (as a fraction) are reported as "same": these machines are noisy. */
export const kNoiseBand = 0.1;

export interface MetricDiff {
  key: string;
  unit: string;
  better: Metric['better'];
  a: number;
  b: number;
  ratio: number; // b / a
  verdict: 'better' | 'worse' | 'same' | 'n/a';
}

export function flattenMetrics(r: BenchResult): Map<string, Metric> {
  const out = new Map<string, Metric>();
  for (const s of r.scenarios) for (const [k, m] of Object.entries(s.metrics)) out.set(k, m);
  return out;
}

export function diffMetric(key: string, a: Metric, b: Metric, band = kNoiseBand): MetricDiff {
  const ratio = a.value === 0 ? (b.value === 0 ? 1 : Infinity) : b.value / a.value;
  let verdict: MetricDiff['verdict'];
  if (!Number.isFinite(ratio) || !Number.isFinite(a.value) || !Number.isFinite(b.value)) verdict = 'n/a';
  else if (Math.abs(ratio - 1) <= band) verdict = 'same';
  else verdict = (ratio < 1) === (a.better === 'lower') ? 'better' : 'worse';
  return { key, unit: a.unit, better: a.better, a: a.value, b: b.value, ratio, verdict };
}

export interface Comparison {
  diffs: MetricDiff[];
  onlyA: string[];
  onlyB: string[];
}

export function compareResults(a: BenchResult, b: BenchResult, band = kNoiseBand): Comparison {
  const ma = flattenMetrics(a);
  const mb = flattenMetrics(b);
  const diffs: MetricDiff[] = [];
  for (const [k, m] of ma) {
    const n = mb.get(k);
    if (n) diffs.push(diffMetric(k, m, n, band));
  }
  return {
    diffs,
    onlyA: [...ma.keys()].filter((k) => !mb.has(k)),
    onlyB: [...mb.keys()].filter((k) => !ma.has(k)),
  };
}

export function comparisonTable(c: Comparison): Table {
  return {
    title: 'metrics in both files (ratio = b / a)',
    columns: ['metric', 'unit', 'a', 'b', 'b/a', 'verdict'],
    rows: c.diffs.map((d) => [d.key, `${d.unit} (${d.better} is better)`, fmtNum(d.a), fmtNum(d.b), fmtRatio(d.ratio), d.verdict]),
  };
}

export function formatComparison(a: BenchResult, b: BenchResult, c: Comparison, markdown = false, band = kNoiseBand): string {
  const count = (v: string): number => c.diffs.filter((d) => d.verdict === v).length;
  const head = [
    `a: ${a.startedAt}  ${a.environment.cpu} × ${a.environment.cores}  Node ${a.environment.node}${a.quick ? '  (quick)' : ''}`,
    `b: ${b.startedAt}  ${b.environment.cpu} × ${b.environment.cores}  Node ${b.environment.node}${b.quick ? '  (quick)' : ''}`,
    `${c.diffs.length} metrics compared: ${count('better')} better, ${count('worse')} worse, ${count('same')} within ±${band * 100}%, ${count('n/a')} n/a`,
  ];
  if (a.quick !== b.quick) head.push('note: one file is a quick run and the other a full run; run lengths differ');
  const t = comparisonTable(c);
  const lines = [...head, '', markdown ? markdownTable(t) : textTable(t)];
  if (c.onlyA.length) lines.push('', `only in a: ${c.onlyA.join(', ')}`);
  if (c.onlyB.length) lines.push('', `only in b: ${c.onlyB.join(', ')}`);
  return lines.join('\n') + '\n';
}
