// The recovery tests' tally of a decision log (or an audit stream's export) against the log of an
// uninterrupted run: how many keys were expected, how many lines were found, how many were
// duplicated, missing, or not expected at all.
export interface KeyCounts { expected: number; found: number; duplicated: number; missing: number; extra: number }

/** `want` and `got` are JSON lines with a `key`. */
export function keyCounts(want: readonly string[], got: readonly string[]): KeyCounts {
  const key = (l: string): string => (JSON.parse(l) as { key: string }).key;
  const wantKeys = new Set(want.map(key));
  const seen = new Map<string, number>();
  for (const l of got) seen.set(key(l), (seen.get(key(l)) ?? 0) + 1);
  let duplicated = 0, missing = 0, extra = 0;
  for (const n of seen.values()) if (n > 1) duplicated += n - 1;
  for (const k of wantKeys) if (!seen.has(k)) missing++;
  for (const k of seen.keys()) if (!wantKeys.has(k)) extra++;
  return { expected: wantKeys.size, found: got.length, duplicated, missing, extra };
}
