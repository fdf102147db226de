// Summaries of V8 profiles: the functions with the most self time in a .cpuprofile, and the
// functions that allocate the most in a sampled .heapprofile, each with file:line.

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber?: number }
interface CpuNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
export interface CpuProfile { nodes: CpuNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }
interface HeapNode { callFrame: CallFrame; selfSize: number; children?: HeapNode[] }
export interface HeapProfile { head: HeapNode }

export interface HotFunction {
  name: string;
  location: string; // path:line (1-based), relative to `root` when under it
  selfMs: number;
  selfPct: number;
}

export interface Allocator {
  name: string;
  location: string;
  bytes: number;
  pct: number;
}

function location(cf: CallFrame, root: string): string {
  let url = cf.url;
  if (url.startsWith('file://')) url = decodeURIComponent(url.slice('file://'.length));
  if (root && url.startsWith(root)) url = url.slice(root.length).replace(/^\//, '');
  if (url === '') return '(native)';
  return `${url}:${cf.lineNumber + 1}`;
}

function displayName(cf: CallFrame): string {
  return cf.functionName === '' ? '(anonymous)' : cf.functionName;
}

/** Self time per function (samples × their time deltas), most first. */
export function hotFunctions(p: CpuProfile, root = '', top = 15): { totalMs: number; functions: HotFunction[] } {
  const selfUs = new Map<number, number>();
  if (p.samples && p.timeDeltas && p.samples.length === p.timeDeltas.length) {
    // timeDeltas[i] is the time before sample i; attribute it to the sample's node.
    for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + Math.max(0, p.timeDeltas[i]!));
  } else {
    const hits = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const per = hits > 0 ? (p.endTime - p.startTime) / hits : 0;
    for (const n of p.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * per);
  }
  const byKey = new Map<string, HotFunction>();
  let total = 0;
  for (const n of p.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    total += us;
    if (us === 0) continue;
    const name = displayName(n.callFrame);
    const loc = location(n.callFrame, root);
    const key = `${name}@${loc}`;
    const f = byKey.get(key) ?? { name, location: loc, selfMs: 0, selfPct: 0 };
    f.selfMs += us / 1000;
    byKey.set(key, f);
  }
  const functions = [...byKey.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const f of functions) {
    f.selfPct = total > 0 ? Math.round((f.selfMs * 1000 * 10000) / total) / 100 : 0;
    f.selfMs = Math.round(f.selfMs * 100) / 100;
  }
  return { totalMs: Math.round(total / 10) / 100, functions };
}

/** Sampled allocation (self size) per function, most first. */
export function topAllocators(p: HeapProfile, root = '', top = 15): { totalBytes: number; functions: Allocator[] } {
  const byKey = new Map<string, Allocator>();
  let total = 0;
  // Built-ins (sort, iterators, performance.now …) are named after the script function that called
  // them, which is where a fix would go.
  const stack: [HeapNode, HeapNode | null][] = [[p.head, null]];
  while (stack.length) {
    const [n, caller] = stack.pop()!;
    const isScript = n.callFrame.url.startsWith('file://');
    const site = isScript || caller === null ? null : caller;
    if (n.selfSize > 0) {
      total += n.selfSize;
      const name = site ? `${displayName(n.callFrame)} ← ${displayName(site.callFrame)}` : displayName(n.callFrame);
      const loc = location((site ?? n).callFrame, root);
      const key = `${name}@${loc}`;
      const a = byKey.get(key) ?? { name, location: loc, bytes: 0, pct: 0 };
      a.bytes += n.selfSize;
      byKey.set(key, a);
    }
    const next = isScript ? n : caller;
    for (const c of n.children ?? []) stack.push([c, next]);
  }
  const functions = [...byKey.values()].sort((a, b) => b.bytes - a.bytes).slice(0, top);
  for (const f of functions) f.pct = total > 0 ? Math.round((f.bytes * 10000) / total) / 100 : 0;
  return { totalBytes: total, functions };
}
