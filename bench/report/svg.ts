// Plain SVG line charts for the report: linear, log10 or percentile x axes, linear or log10 y.
// No plotting library; the output is a self-contained file any browser shows.
import type { Chart } from './types.ts';

const kWidth = 760;
const kHeight = 420;
const kPad = { left: 78, right: 190, top: 40, bottom: 56 };
const kColors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export interface Axis {
  /** Maps a data value to 0..1 along the axis. */
  scale(v: number): number;
  ticks: { value: number; label: string }[];
}

/** The percentile axis: p ↦ log10(1 / (1 − p/100)), so 90, 99, 99.9 … are evenly spaced. */
export function percentileToX(p: number): number {
  const q = Math.min(p, 99.9999);
  return Math.log10(1 / (1 - q / 100));
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Short number text for tick labels: 1.5k, 2M, 0.25, 120. */
export function tickText(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a === 0) return '0';
  return `${+v.toPrecision(3)}`;
}

/** Rounded tick positions framing [lo, hi] (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  // From the last tick at or below lo to the first at or above hi, so the ticks frame the data.
  for (let v = Math.floor(lo / step + 1e-9) * step; ; v += step) {
    out.push(+v.toPrecision(12));
    if (v >= hi - step * 1e-9) break;
  }
  return out;
}

export function makeAxis(values: number[], kind: 'linear' | 'log' | 'percentile', zeroBased = false): Axis {
  const finite = values.filter((v) => Number.isFinite(v) && (kind !== 'log' || v > 0));
  if (kind === 'percentile') {
    const lo = percentileToX(Math.min(50, ...finite));
    const hi = percentileToX(Math.max(99.99, ...finite));
    const ticks = [0, 50, 90, 99, 99.9, 99.99, 99.999].filter((p) => percentileToX(p) >= lo - 1e-9 && percentileToX(p) <= hi + 1e-9)
      .map((p) => ({ value: p, label: `${p}` }));
    return { scale: (p) => (percentileToX(p) - lo) / (hi - lo), ticks };
  }
  if (finite.length === 0) return { scale: () => 0.5, ticks: [] };
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (kind === 'log') {
    let l = Math.floor(Math.log10(lo));
    let h = Math.ceil(Math.log10(hi));
    if (h === l) { l -= 1; h += 1; }
    const ticks: { value: number; label: string }[] = [];
    for (let e = l; e <= h; e++) ticks.push({ value: 10 ** e, label: tickText(10 ** e) });
    if (h - l <= 2) { // few decades: add 2× and 5× marks
      for (let e = l; e < h; e++) for (const m of [2, 5]) ticks.push({ value: m * 10 ** e, label: tickText(m * 10 ** e) });
      ticks.sort((a, b) => a.value - b.value);
    }
    return { scale: (v) => (Math.log10(v) - l) / (h - l), ticks };
  }
  if (zeroBased) lo = Math.min(0, lo);
  if (hi === lo) { hi = lo + 1; lo = lo - (zeroBased && lo === 0 ? 0 : 1); }
  const ticks = niceTicks(lo, hi).map((v) => ({ value: v, label: tickText(v) }));
  lo = Math.min(lo, ticks[0]!.value);
  hi = Math.max(hi, ticks[ticks.length - 1]!.value);
  return { scale: (v) => (v - lo) / (hi - lo), ticks };
}

export function lineChartSvg(c: Chart): string {
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = c.series.flatMap((s) => s.points.map((p) => p[1]));
  const xAxis = makeAxis(xs, c.xPercentile ? 'percentile' : c.xLog ? 'log' : 'linear');
  const yAxis = makeAxis(ys, c.yLog ? 'log' : 'linear', !c.yLog);
  const w = kWidth - kPad.left - kPad.right;
  const h = kHeight - kPad.top - kPad.bottom;
  const px = (v: number): number => kPad.left + xAxis.scale(v) * w;
  const py = (v: number): number => kPad.top + (1 - yAxis.scale(v)) * h;
  const f = (n: number): string => n.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${kWidth}" height="${kHeight}" viewBox="0 0 ${kWidth} ${kHeight}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${kWidth / 2 - kPad.right / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(c.title)}</text>`);
  for (const t of yAxis.ticks) {
    const y = py(t.value);
    out.push(`<line x1="${kPad.left}" x2="${kPad.left + w}" y1="${f(y)}" y2="${f(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${kPad.left - 6}" y="${f(y + 4)}" text-anchor="end">${escapeXml(t.label)}</text>`);
  }
  for (const t of xAxis.ticks) {
    const x = px(t.value);
    out.push(`<line x1="${f(x)}" x2="${f(x)}" y1="${kPad.top}" y2="${kPad.top + h}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${f(x)}" y="${kPad.top + h + 16}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  out.push(`<rect x="${kPad.left}" y="${kPad.top}" width="${w}" height="${h}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${kPad.left + w / 2}" y="${kHeight - 14}" text-anchor="middle">${escapeXml(c.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${kPad.top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(c.yLabel)}</text>`);
  c.series.forEach((s, i) => {
    const color = kColors[i % kColors.length]!;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!c.yLog || y > 0) && (!c.xLog || x > 0));
    if (pts.length > 1) {
      const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${f(px(x))},${f(py(y))}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    if (pts.length <= 40) for (const [x, y] of pts) out.push(`<circle cx="${f(px(x))}" cy="${f(py(y))}" r="3" fill="${color}"/>`);
    const ly = kPad.top + 8 + i * 18;
    out.push(`<line x1="${kPad.left + w + 12}" x2="${kPad.left + w + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${kPad.left + w + 38}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
