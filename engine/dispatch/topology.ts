// Which agents run on which thread. `threads: 0` runs every agent inline on the main thread.
import { OptionError } from '../../protocol/errors.ts';
import { kMaxThreads } from '../../protocol/layout.ts';

/**
 * Parses a topology like "yield_hunter,risk_assessor;arbitrage_detector,portfolio_rebalancer"
 * (threads separated by ';', agents by ','), or spreads `agents` round-robin over `threads`.
 */
export function planTopology(agents: readonly string[], threads: number, spec?: string): string[][] {
  if (spec !== undefined && spec.trim() !== '') {
    const groups = spec.split(';').map((g) => g.split(',').map((a) => a.trim()).filter((a) => a !== ''));
    const seen = new Set<string>();
    for (const g of groups) {
      if (g.length === 0) throw new OptionError('options.topology has an empty thread group');
      for (const a of g) {
        if (!agents.includes(a)) throw new OptionError(`options.topology names unknown agent "${a}" (agents: ${agents.join(', ')})`);
        if (seen.has(a)) throw new OptionError(`options.topology places agent "${a}" on two threads`);
        seen.add(a);
      }
    }
    const missing = agents.filter((a) => !seen.has(a));
    if (missing.length) throw new OptionError(`options.topology leaves out agent(s) ${missing.join(', ')}`);
    if (groups.length > kMaxThreads) throw new OptionError(`options.topology has ${groups.length} threads; at most ${kMaxThreads}`);
    return groups;
  }
  if (!Number.isInteger(threads) || threads < 0) throw new OptionError(`options.threads must be a non-negative integer, got ${threads}`);
  if (threads === 0) return [];
  const n = Math.min(threads, agents.length, kMaxThreads);
  const groups: string[][] = Array.from({ length: n }, () => []);
  agents.forEach((a, i) => groups[i % n]!.push(a));
  return groups;
}

/** Where each agent runs: `threads[t]` on agent thread t, `main` on the main thread during each cycle. */
export interface Shares {
  threads: string[][];
  main: string[];
}

const kMainPrefix = 'main:';

/**
 * The agents' placement. A spec (`--topology`) decides alone: groups separated by ';', one per
 * thread, and a group written "main:a,b" runs on the main thread. Without a spec and with
 * `threads` > 0, measured per-agent costs (µs per cycle) place the agents by longest-first onto
 * the least-loaded of the main thread and the threads, where each thread starts loaded with the
 * hand-off it costs (`handoffUs`: the warm-up measures wake-up plus publish → read): a thread gets an agent only when running
 * it there finishes the cycle sooner than on the main thread. Threads left without agents are
 * dropped. Without costs the agents are spread round-robin over the threads (the main thread
 * runs none).
 */
export function planShares(agents: readonly string[], threads: number, spec?: string, costs?: ReadonlyMap<string, number>, handoffUs = 0): Shares {
  if (spec !== undefined && spec.trim() !== '') {
    const groups = spec.split(';').map((g) => g.trim());
    const mainGroup = groups.find((g) => g.startsWith(kMainPrefix));
    if (groups.filter((g) => g.startsWith(kMainPrefix)).length > 1) throw new OptionError('options.topology has two "main:" groups');
    const main = mainGroup === undefined ? [] : mainGroup.slice(kMainPrefix.length).split(',').map((a) => a.trim()).filter((a) => a !== '');
    const rest = groups.filter((g) => !g.startsWith(kMainPrefix)).join(';');
    for (const a of main) {
      if (!agents.includes(a)) throw new OptionError(`options.topology names unknown agent "${a}" (agents: ${agents.join(', ')})`);
    }
    const onThreads = agents.filter((a) => !main.includes(a));
    if (rest.trim() === '') {
      if (onThreads.length) throw new OptionError(`options.topology leaves out agent(s) ${onThreads.join(', ')}`);
      return { threads: [], main };
    }
    for (const g of rest.split(';')) for (const a of g.split(',')) {
      if (main.includes(a.trim())) throw new OptionError(`options.topology places agent "${a.trim()}" on two threads`);
    }
    return { threads: planTopology(onThreads, 0, rest), main };
  }
  if (threads === 0 || costs === undefined) return { threads: planTopology(agents, threads), main: [] };
  const n = Math.min(threads, agents.length, kMaxThreads);
  const load = new Float64Array(n + 1); // [0] = the main thread
  for (let t = 1; t <= n; t++) load[t] = handoffUs;
  const bins: string[][] = Array.from({ length: n + 1 }, () => []);
  const order = [...agents].sort((a, b) => (costs.get(b) ?? 0) - (costs.get(a) ?? 0) || agents.indexOf(a) - agents.indexOf(b));
  for (const a of order) {
    let best = 0;
    for (let t = 1; t <= n; t++) if (load[t]! + (costs.get(a) ?? 0) < load[best]! + (costs.get(a) ?? 0)) best = t;
    bins[best]!.push(a);
    load[best] = load[best]! + (costs.get(a) ?? 0);
  }
  // Keep the agents' own order inside each share (decisions do not depend on it; reading does).
  const byOrder = (g: string[]): string[] => agents.filter((a) => g.includes(a));
  return { threads: bins.slice(1).filter((g) => g.length > 0).map(byOrder), main: byOrder(bins[0]!) };
}
