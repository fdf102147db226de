// Number and table formatting shared by the report, the comparison and the progress lines.
import type { Cell, Table } from './types.ts';

/** µs with a unit that fits: 0.18 µs, 45.2 µs, 1.25 ms, 2.10 s. */
export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return '–';
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  if (us >= 100) return `${us.toFixed(0)} µs`;
  if (us >= 10) return `${us.toFixed(1)} µs`;
  return `${us.toFixed(2)} µs`;
}

/** A count or rate: 1,234,567 or 0.123. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Number.isInteger(v) || Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return +v.toPrecision(3) === 0 ? '0' : `${+v.toPrecision(3)}`;
}

/** A ratio: 12.3×, 0.45×. */
export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '–';
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return '–';
  if (Math.abs(b) >= 1 << 30) return `${(b / (1 << 30)).toFixed(2)} GiB`;
  if (Math.abs(b) >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  if (Math.abs(b) >= 1 << 10) return `${(b / (1 << 10)).toFixed(1)} KiB`;
  return `${b.toFixed(b % 1 === 0 ? 0 : 2)} B`;
}

/** Events or operations per second: 1.23M/s, 45.6k/s. */
export function fmtRate(r: number): string {
  if (!Number.isFinite(r)) return '–';
  if (r >= 1e6) return `${(r / 1e6).toFixed(2)}M/s`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)}k/s`;
  return `${r.toFixed(0)}/s`;
}

/** 100000 → "100k", 1500 → "1.5k", 1000000 → "1M" (labels in metric keys and tables). */
export function shortCount(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return `${n}`;
}

export function cellText(c: Cell): string {
  if (c === null) return '–';
  if (typeof c === 'number') return fmtNum(c);
  return c;
}

export function markdownTable(t: Table): string {
  const head = `| ${t.columns.map(escapeCell).join(' | ')} |`;
  const sep = `|${t.columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`;
  const body = t.rows.map((r) => `| ${t.columns.map((_, i) => escapeCell(cellText(r[i] ?? null))).join(' | ')} |`);
  return [head, sep, ...body].join('\n');
}

/** The same table as aligned plain text (for the terminal). */
export function textTable(t: Table): string {
  const cells = [t.columns, ...t.rows.map((r) => t.columns.map((_, i) => cellText(r[i] ?? null)))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells.map((r, k) => {
    const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    return k === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
