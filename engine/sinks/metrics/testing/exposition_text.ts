// Reads the Prometheus text exposition format back into samples, for tests: each sample line
// `name{a="x",b="y"} value` keyed by its name and its labels sorted by name.
export type Samples = ReadonlyMap<string, number>;

const kLineRe = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const kLabelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Samples {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = kLineRe.exec(line);
    if (m === null) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(kLabelRe)) labels[l[1]] = l[2];
    const v = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    out.set(key(m[1], labels), v);
  }
  return out;
}

export function key(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}{${Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`).join(',')}}`;
}

/** The sample's value; fails loudly when the exposition has no such sample. */
export function sample(s: Samples, name: string, labels: Readonly<Record<string, string>>): number {
  const v = s.get(key(name, labels));
  if (v === undefined) throw new Error(`no sample ${key(name, labels)}`);
  return v;
}
