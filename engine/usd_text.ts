// Whole US dollars with thousands separators for decision reasons: "$1,234,567", "$-1,234". The same
// text as Math.round(x).toLocaleString('en-US') behind a "$", without ICU (which costs microseconds
// per call on the consolidation path).
export function usdText(x: number): string {
  if (!Number.isFinite(x)) return `$${x === Infinity ? '∞' : x === -Infinity ? '-∞' : 'NaN'}`;
  let n = Math.round(x);
  if (n === 0) return Object.is(n, -0) ? '$-0' : '$0'; // as toLocaleString prints a rounded-away negative
  const neg = n < 0;
  if (neg) n = -n;
  let out = '';
  while (n >= 1000) {
    const r = n % 1000;
    out = `,${r < 10 ? '00' : r < 100 ? '0' : ''}${r}${out}`;
    n = (n - r) / 1000;
  }
  return `$${neg ? '-' : ''}${n}${out}`;
}
