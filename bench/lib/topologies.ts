// Agent-to-thread topologies to compare at a given thread count: round-robin (the engine's
// default), contiguous blocks, and cost-balanced (longest-processing-time-first over measured
// per-agent cycle times).

/** Topology spec string ("a,b;c,d") from groups. */
export function topologySpec(groups: string[][]): string {
  return groups.map((g) => g.join(',')).join(';');
}

export function roundRobin(agents: readonly string[], threads: number): string[][] {
  const n = Math.min(threads, agents.length);
  const groups: string[][] = Array.from({ length: n }, () => []);
  agents.forEach((a, i) => groups[i % n]!.push(a));
  return groups;
}

export function contiguous(agents: readonly string[], threads: number): string[][] {
  const n = Math.min(threads, agents.length);
  const groups: string[][] = [];
  let at = 0;
  for (let t = 0; t < n; t++) {
    const size = Math.floor(agents.length / n) + (t < agents.length % n ? 1 : 0);
    groups.push(agents.slice(at, at + size));
    at += size;
  }
  return groups;
}

/** Longest-processing-time-first: each agent, costliest first, goes to the least loaded thread. */
export function costBalanced(agents: readonly string[], threads: number, cost: Readonly<Record<string, number>>): string[][] {
  const n = Math.min(threads, agents.length);
  const groups: string[][] = Array.from({ length: n }, () => []);
  const load = new Array<number>(n).fill(0);
  const order = [...agents].sort((a, b) => (cost[b] ?? 0) - (cost[a] ?? 0) || agents.indexOf(a) - agents.indexOf(b));
  for (const a of order) {
    let best = 0;
    for (let t = 1; t < n; t++) if (load[t]! < load[best]!) best = t;
    groups[best]!.push(a);
    load[best]! += cost[a] ?? 0;
  }
  // Keep the engine's agent order inside each thread (consolidation order does not depend on it).
  for (const g of groups) g.sort((a, b) => agents.indexOf(a) - agents.indexOf(b));
  return groups;
}

/** The thread counts to try: 1, 2, 4, 8 … up to max, and max itself. */
export function threadCounts(max: number): number[] {
  const out: number[] = [];
  for (let t = 1; t < max; t *= 2) out.push(t);
  if (max >= 1) out.push(max);
  return [...new Set(out)];
}
