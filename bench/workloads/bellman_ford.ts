// A compute-heavy benchmark workload: cyclic-arbitrage search on each venue's currency graph.
// Edge i→j carries w = −log(rate_ij) where rate_ij is how much of j one unit of i buys (after the
// fee); a negative cycle is a sequence of trades that ends with more than it started with.
// Bellman–Ford from a virtual source (every distance starts at 0), stopping early when a round
// relaxes nothing; a relaxation in round V means a negative cycle, which is walked back through
// the predecessors. Dense V×V matrices, no allocation per search.

export const kBfNoCycle = -1;

export interface BellmanFordScratch {
  dist: Float64Array;
  pred: Int32Array;
  mark: Int32Array;
}

export function bellmanFordScratch(v: number): BellmanFordScratch {
  return { dist: new Float64Array(v), pred: new Int32Array(v), mark: new Int32Array(v) };
}

/**
 * Searches the graph with `v` nodes whose weights are w[off + i * v + j] (i → j; NaN = no edge).
 * Returns a node on a negative cycle, or kBfNoCycle. `rounds` (optional) receives the rounds run.
 */
export function findNegativeCycle(w: Float64Array, off: number, v: number, s: BellmanFordScratch, eps = 1e-12): number {
  const { dist, pred } = s;
  for (let i = 0; i < v; i++) { dist[i] = 0; pred[i] = -1; }
  let last = -1;
  for (let round = 0; round < v; round++) {
    last = -1;
    for (let i = 0; i < v; i++) {
      const di = dist[i]!;
      const row = off + i * v;
      for (let j = 0; j < v; j++) {
        const nd = di + w[row + j]!;
        if (nd < dist[j]! - eps) { dist[j] = nd; pred[j] = i; last = j; }
      }
    }
    if (last === -1) return kBfNoCycle;
  }
  // Relaxed in round v: walk back v steps to be sure to stand on the cycle.
  let x = last;
  for (let k = 0; k < v; k++) x = pred[x]!;
  return x;
}

/** The cycle through `start` (nodes in trade order) and its gross return (product of rates − 1). */
export function cycleThrough(w: Float64Array, off: number, v: number, start: number, s: BellmanFordScratch): { nodes: number[]; gain: number } {
  const nodes: number[] = [];
  s.mark.fill(0);
  let x = start;
  while (s.mark[x] === 0) { s.mark[x] = 1; nodes.push(x); x = s.pred[x]!; }
  nodes.reverse(); // pred points backwards along the trades
  let logSum = 0;
  for (let k = 0; k < nodes.length; k++) logSum += w[off + nodes[k]! * v + nodes[(k + 1) % nodes.length]!]!;
  return { nodes, gain: Math.exp(-logSum) - 1 };
}

/**
 * Fills graph g's weights from USD prices: rate i→j = price_i / price_j · (1 − fee) · (1 + noise_ij).
 * `noise` is a deterministic per-edge perturbation in [−amp, amp] (venue quirks).
 */
export function fillGraph(w: Float64Array, off: number, v: number, prices: Float64Array, fee: number, amp: number, seed: number): void {
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < v; i++) {
    for (let j = 0; j < v; j++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      const noise = ((x / 4294967296) * 2 - 1) * amp;
      w[off + i * v + j] = i === j ? 0 : -Math.log((prices[i]! / prices[j]!) * (1 - fee) * (1 + noise));
    }
  }
}

/** Moves currency k's price by `factor` in graph g (a tick): its row and column change. */
export function repriceNode(w: Float64Array, off: number, v: number, k: number, factor: number): void {
  const d = Math.log(factor);
  for (let j = 0; j < v; j++) {
    if (j === k) continue;
    w[off + k * v + j] = w[off + k * v + j]! - d; // k is worth more: k → j buys more
    w[off + j * v + k] = w[off + j * v + k]! + d;
  }
}
