// The project's import graph, folder by folder, and the rules it must keep: the cross-thread
// contract (protocol/) imports nothing of ours, the agent side never imports engine/, engine/ enters
// workers/ only through the agent catalog and the thread entry, the Kafka source knows nothing of
// pipelines or sinks, and no folder reaches, through others, back to itself.
// scripts/import-map.ts prints it; scripts/import-map.test.ts holds the rules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';

/** The top-level folders of the project's code. */
export const kTopFolders = ['protocol', 'finance', 'engine', 'workers', 'bench', 'fixtures', 'scripts'] as const;
/** Engine folders whose subfolders are nodes of their own (the others fold into their first level). */
const kSplitFolders = new Set(['engine/source']);

export interface ImportEdge {
  from: string; // file, repo-relative
  to: string; // file, repo-relative
  kind: 'import' | 'url'; // an import or export ... from, or a new URL(..., import.meta.url)
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
}

/** Test code: a *.test.ts file, or a helper under a testing/ folder. */
export function isTestCode(file: string): boolean {
  return file.endsWith('.test.ts') || file.split('/').includes('testing');
}

/**
 * The node a file belongs to: a top-level folder; inside engine/, a subfolder (engine/source's own
 * subfolders each count: engine/source/kafka, engine/source/file) or, for a file at engine/'s root,
 * the file itself (engine/pipeline.ts, engine/options.ts …); a testing/ folder is its parent's
 * (engine/testing/, the engine's own test harnesses, is a node).
 */
export function nodeOf(file: string): string {
  if (file.startsWith('engine/testing/')) return 'engine/testing';
  const parts = file.split('/').filter((p) => p !== 'testing');
  if (parts[0] !== 'engine') return parts[0]!;
  if (parts.length === 2) return file; // a file at engine/'s root
  const first = `engine/${parts[1]}`;
  if (kSplitFolders.has(first) && parts.length > 3) return `${first}/${parts[2]}`;
  return first;
}

const kSpec = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+|new URL\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/gm;

/** Every relative import of every .ts file under the top-level folders of `root`. */
export function readImportGraph(root: string): ImportGraph {
  const files: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const name of names.sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) files.push(relative(root, p).split('\\').join('/'));
    }
  };
  for (const top of kTopFolders) walk(join(root, top));
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const text = readFileSync(join(root, from), 'utf8');
    for (const m of text.matchAll(kSpec)) {
      const to = posix.normalize(posix.join(posix.dirname(from), m[2]!));
      if (!known.has(to)) continue; // a folder URL, a data file, or outside the code
      edges.push({ from, to, kind: m[0].startsWith('new URL') ? 'url' : 'import' });
    }
  }
  return { files, edges };
}

/** Node → node → number of imports (files importing across, counted per import), production or test code. */
export function nodeMap(g: ImportGraph, test: boolean): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const f of g.files) if (isTestCode(f) === test) out.set(nodeOf(f), out.get(nodeOf(f)) ?? new Map());
  for (const e of g.edges) {
    if (isTestCode(e.from) !== test) continue;
    const a = nodeOf(e.from), b = nodeOf(e.to);
    if (a === b) continue;
    const row = out.get(a) ?? new Map<string, number>();
    row.set(b, (row.get(b) ?? 0) + 1);
    out.set(a, row);
  }
  return out;
}

/** Groups of nodes that reach each other (strongly connected, more than one node): each is a circle. */
export function circles(map: Map<string, Map<string, number>>): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>();
  const stack: string[] = [], out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of map.get(v)?.keys() ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      for (;;) { const w = stack.pop()!; onStack.delete(w); scc.push(w); if (w === v) break; }
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...map.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

export interface RuleResult {
  rule: string;
  /** The imports that break it ("from → to"), empty when it holds. */
  broken: string[];
}

const under = (file: string, folder: string): boolean => file === folder || file.startsWith(`${folder}/`);

/** The import rules, each with the imports that break it. */
export function checkRules(g: ImportGraph): RuleResult[] {
  const prod = g.edges.filter((e) => !isTestCode(e.from));
  const list = (edges: ImportEdge[]): string[] => edges.map((e) => `${e.from} → ${e.to}`);
  const rule = (name: string, edges: ImportEdge[], bad: (e: ImportEdge) => boolean): RuleResult => ({ rule: name, broken: list(edges.filter(bad)) });
  const kCatalog = new Set(['workers/agents/index.ts', 'workers/agent_thread.ts']);
  return [
    rule('protocol/ imports nothing of ours (tests included)', g.edges, (e) => under(e.from, 'protocol') && !under(e.to, 'protocol')),
    rule('finance/ imports only protocol/', g.edges, (e) => under(e.from, 'finance') && !under(e.to, 'finance') && !under(e.to, 'protocol')),
    rule('the agent side (workers/, outside its tests) never imports engine/ (nor bench/, scripts/, fixtures/)', prod,
      (e) => under(e.from, 'workers') && !['workers', 'protocol', 'finance'].some((f) => under(e.to, f))),
    rule('engine/ enters workers/ only through the agent catalog (workers/agents/index.ts) and the thread entry (workers/agent_thread.ts)', g.edges,
      (e) => under(e.from, 'engine') && under(e.to, 'workers') && !kCatalog.has(e.to)),
    rule('the Kafka source (engine/source/kafka/) never imports engine/pipeline.ts, engine/sinks/ or the Kafka engine (engine/kafka/)', prod,
      (e) => under(e.from, 'engine/source/kafka') && (e.to === 'engine/pipeline.ts' || under(e.to, 'engine/sinks') || under(e.to, 'engine/kafka'))),
    rule('fixtures/ imports only protocol/', prod, (e) => under(e.from, 'fixtures') && !under(e.to, 'fixtures') && !under(e.to, 'protocol')),
    rule('nothing but scripts/ imports scripts/', g.edges, (e) => !under(e.from, 'scripts') && under(e.to, 'scripts')),
    { rule: 'no circle between folders (production code; engine/ by subfolder and root file)', broken: circles(nodeMap(g, false)).map((c) => c.join(' ⇄ ')) },
  ];
}

/** The map as text: each node and what it imports (with counts), then test code's edges, then the rules. */
export function formatImportMap(g: ImportGraph): string {
  const lines: string[] = [];
  const row = (a: string, m: Map<string, number>): string => {
    const to = [...m].sort(([x], [y]) => (x < y ? -1 : 1)).map(([b, n]) => `${b} (${n})`);
    return `  ${a.padEnd(28)} → ${to.length ? to.join(', ') : '(nothing of ours)'}`;
  };
  const prod = nodeMap(g, false);
  lines.push(`Production code (${g.files.filter((f) => !isTestCode(f)).length} files): node → what it imports (imports)`);
  for (const a of [...prod.keys()].sort()) lines.push(row(a, prod.get(a)!));
  const tests = nodeMap(g, true);
  lines.push('', `Test code (*.test.ts and testing/ helpers, ${g.files.filter(isTestCode).length} files): node → what it imports`);
  for (const a of [...tests.keys()].sort()) if (tests.get(a)!.size > 0) lines.push(row(a, tests.get(a)!));
  lines.push('', 'Rules');
  for (const r of checkRules(g)) {
    lines.push(`  ${r.broken.length === 0 ? 'ok    ' : 'BROKEN'} ${r.rule}`);
    for (const b of r.broken.slice(0, 20)) lines.push(`         ${b}`);
  }
  return lines.join('\n');
}
