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
