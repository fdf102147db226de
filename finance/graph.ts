import type { Fields } from '../protocol/snapshot.ts';
// Negative cycles in a graph of exchange rates, found incrementally.
//
// An edge u → v with rate r (units of v per unit of u, fees included) has weight w = −ln r. A cycle
// whose rates multiply to more than 1 (an arbitrage) has negative total weight. The finder keeps
// a potential d[v] and a shortest-path forest (pred[v] = the edge that last lowered d[v]) across
// searches, and only re-searches from edges whose weight fell — SPFA (queue-based Bellman-Ford)
// seeded by the changed edges instead of a full pass over the graph.
//
// Invariants between searches: d is feasible (d[v] ≤ d[u] + w for every edge) except on edges that
// changed since, and every forest edge is tight or violated (d[v] ≥ d[u] + w). A weight rise on a
// forest edge cuts v from its parent; a weight fall that violates d[v] ≤ d[u] + w seeds u.
// Relaxing u → v when v is an ancestor of u would close a cycle in the forest: that cycle is
// reported instead (the forest invariant makes its current weight negative: summing the forest
// edges from v to u gives Σw ≤ d[u] − d[v], and w(u,v) < d[v] − d[u]), the relaxation is not
// applied, and the edge is kept as pending so the next search re-checks it (an arbitrage that
// stays open is found again, at once, through the same forest path).
//
// Every array is allocated in the constructor; addEdge and build are setup calls, setWeight and
// search run per cycle and allocate nothing.

const kInfinity = Infinity;
const kWeightArg = new Float64Array(1); // setWeight's weight, handed to setWeightAt

export interface NegativeCycleFinderOptions {
  maxVertices: number;
  maxEdges: number;
  /** Cycles kept per search (the rest are counted in `cyclesDropped`). */
  maxCycles?: number;
  /** Longest cycle reported, in edges (longer ones are skipped). */
  maxCycleLength?: number;
  /** Relaxations one search may do before it gives up and rebuilds from scratch next time. */
  relaxationBudget?: number;
}

// Read by the search from a module-private constant: an optimized function that reads an exported
// binding holding a non-integer number allocates a heap number per read.
const kEpsilon = 1e-9;
/** Weights within this of a relaxation do not count (−ln rate; 1e-9 ≈ 0.00001 bps). */
export const kRelaxEpsilon = kEpsilon;

export class NegativeCycleFinder {
  readonly maxVertices: number;
  readonly maxEdges: number;
  readonly maxCycles: number;
  readonly maxCycleLength: number;
  readonly relaxationBudget: number;
  // edges
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly weight: Float64Array;
  #edges = 0;
  #built = false;
  // out-adjacency (CSR), built once
  #outStart!: Int32Array;
  #outEdges!: Int32Array;
  // search state
  readonly dist: Float64Array;
  readonly pred: Int32Array; // edge that last lowered d[v], -1 for a root
  readonly #queue: Int32Array; // ring of vertices, capacity maxVertices
  readonly #inQueue: Uint8Array;
  #qHead = 0;
  #qLen = 0;
  readonly #pending: Int32Array; // edges refused because they close a cycle
  #nPending = 0;
  readonly #isPending: Uint8Array;
  #rebuild = false;
  // results of the last search
  /** Cycles found by the last search: edges of cycle c at cycleEdges[c·maxCycleLength …], in path order. */
  readonly cycleEdges: Int32Array;
  readonly cycleLength: Int32Array;
  /** Total weight of each cycle found (negative). */
  readonly cycleWeight: Float64Array;
  cycleCount = 0;
  /** Counters (cumulative): cycles not kept (maxCycles or maxCycleLength), relaxations, budget overruns. */
  cyclesDropped = 0;
  relaxations = 0;
  budgetOverruns = 0;
  readonly #mark: Int32Array; // per vertex: search stamp of the ancestor walk
  #stamp = 0;

  constructor(o: NegativeCycleFinderOptions) {
    const int = (v: unknown, key: string, min: number): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`options.${key} must be an integer ≥ ${min}, got ${String(v)}`);
      return v;
    };
    this.maxVertices = int(o.maxVertices, 'maxVertices', 1);
    this.maxEdges = int(o.maxEdges, 'maxEdges', 1);
    this.maxCycles = int(o.maxCycles ?? 64, 'maxCycles', 1);
    this.maxCycleLength = int(o.maxCycleLength ?? 6, 'maxCycleLength', 2);
    this.relaxationBudget = int(o.relaxationBudget ?? Math.max(100_000, 64 * this.maxEdges), 'relaxationBudget', 1);
    const V = this.maxVertices, E = this.maxEdges;
    this.from = new Int32Array(E);
    this.to = new Int32Array(E);
    this.weight = new Float64Array(E).fill(kInfinity);
    this.dist = new Float64Array(V);
    this.pred = new Int32Array(V).fill(-1);
    this.#queue = new Int32Array(V);
    this.#inQueue = new Uint8Array(V);
    this.#pending = new Int32Array(E);
    this.#isPending = new Uint8Array(E);
    this.#mark = new Int32Array(V);
    this.cycleEdges = new Int32Array(this.maxCycles * this.maxCycleLength);
    this.cycleLength = new Int32Array(this.maxCycles);
    this.cycleWeight = new Float64Array(this.maxCycles);
  }

  get edgeCount(): number { return this.#edges; }

  /** Adds an edge u → v (weight +∞ until setWeight) and returns its id. Setup only. */
  addEdge(u: number, v: number): number {
    if (this.#built) throw new Error('NegativeCycleFinder.addEdge: the graph is already built');
    if (!(u >= 0 && u < this.maxVertices && v >= 0 && v < this.maxVertices)) throw new RangeError(`edge ${u} → ${v} is outside 0..${this.maxVertices - 1}`);
    if (this.#edges >= this.maxEdges) throw new RangeError(`more than maxEdges (${this.maxEdges}) edges`);
    const e = this.#edges++;
    this.from[e] = u;
    this.to[e] = v;
    return e;
  }

  /** Builds the out-adjacency. Setup only; call once after the last addEdge. */
  build(): void {
    const V = this.maxVertices, E = this.#edges;
    const start = new Int32Array(V + 1);
    for (let e = 0; e < E; e++) start[this.from[e]! + 1]!++;
    for (let v = 0; v < V; v++) start[v + 1]! += start[v]!;
    const fill = start.slice(0, V);
    const list = new Int32Array(Math.max(1, E));
    for (let e = 0; e < E; e++) list[fill[this.from[e]!]!++] = e;
    this.#outStart = start;
    this.#outEdges = list;
    this.#built = true;
  }

  /**
   * Sets edge e's weight (−ln of its rate; +∞ removes it). A rise on a forest edge detaches its
   * head; a fall that violates feasibility seeds the next search.
   */
  setWeight(e: number, w: number): void {
    kWeightArg[0] = w;
    this.setWeightAt(e, kWeightArg, 0);
  }

  /**
   * setWeight(e, ws[i]): the weight read from an array, for a caller on the hot path (a call V8
   * does not inline boxes a double argument).
   */
  setWeightAt(e: number, ws: Float64Array, i: number): void {
    const w = ws[i]!;
    const old = this.weight[e]!;
    if (w === old) return;
    this.weight[e] = w;
    const u = this.from[e]!, v = this.to[e]!;
    if (!(w < old)) { // rise (or NaN: treated as removal)
      if (w !== w) this.weight[e] = kInfinity;
      if (this.pred[v] === e) this.pred[v] = -1;
      return;
    }
    if (this.dist[u]! + w < this.dist[v]! - kEpsilon) this.#enqueue(u);
  }

  #enqueue(v: number): void {
    if (this.#inQueue[v] === 1) return;
    this.#inQueue[v] = 1;
    const cap = this.maxVertices;
    this.#queue[(this.#qHead + this.#qLen) % cap] = v;
    this.#qLen++;
  }

  /** Forgets every potential and forest edge (the next search starts from scratch). */
  reset(): void {
    this.dist.fill(0);
    this.pred.fill(-1);
    this.#inQueue.fill(0);
    this.#qHead = 0;
    this.#qLen = 0;
    for (let i = 0; i < this.#nPending; i++) this.#isPending[this.#pending[i]!] = 0;
    this.#nPending = 0;
    // every finite edge with a negative weight violates d = 0: seed its tail
    for (let e = 0; e < this.#edges; e++) if (this.weight[e]! < -kEpsilon) this.#enqueue(this.from[e]!);
  }

  /**
   * Runs SPFA from the seeds (edges whose weight fell since the last search, and the pending edges
   * of the last search). Fills cycleEdges / cycleLength / cycleWeight / cycleCount. Returns the
   * number of cycles found.
   */
  search(): number {
    if (!this.#built) throw new Error('NegativeCycleFinder.search: call build() first');
    if (this.#rebuild) { this.#rebuild = false; this.reset(); }
    this.cycleCount = 0;
    // re-check last search's refused edges
    const nPending = this.#nPending;
    this.#nPending = 0;
    for (let i = 0; i < nPending; i++) {
      const e = this.#pending[i]!;
      this.#isPending[e] = 0;
      if (this.dist[this.from[e]!]! + this.weight[e]! < this.dist[this.to[e]!]! - kEpsilon) this.#enqueue(this.from[e]!);
    }
    const dist = this.dist, pred = this.pred, weight = this.weight, to = this.to;
    const outStart = this.#outStart, outEdges = this.#outEdges;
    const cap = this.maxVertices;
    let budget = this.relaxationBudget;
    while (this.#qLen > 0) {
      const x = this.#queue[this.#qHead]!;
      this.#qHead = (this.#qHead + 1) % cap;
      this.#qLen--;
      this.#inQueue[x] = 0;
      const dx = dist[x]!;
      for (let k = outStart[x]!, end = outStart[x + 1]!; k < end; k++) {
        const e = outEdges[k]!;
        const y = to[e]!;
        const nd = dx + weight[e]!;
        if (!(nd < dist[y]! - kEpsilon)) continue;
        if (this.#isAncestor(y, x)) {
          this.#record(e);
          continue;
        }
        dist[y] = nd;
        pred[y] = e;
        this.#enqueue(y);
        this.relaxations++;
        if (--budget <= 0) {
          this.budgetOverruns++;
          this.#rebuild = true;
          this.#qLen = 0;
          this.#inQueue.fill(0);
          return this.cycleCount;
        }
      }
    }
    return this.cycleCount;
  }

  /** True when y is x or an ancestor of x in the forest. */
  #isAncestor(y: number, x: number): boolean {
    const stamp = ++this.#stamp;
    let cur = x;
    for (;;) {
      if (cur === y) return true;
      if (this.#mark[cur] === stamp) return false; // (cannot happen in a forest; a guard)
      this.#mark[cur] = stamp;
      const e = this.pred[cur]!;
      if (e < 0) return false;
      cur = this.from[e]!;
    }
  }

  /** Records the cycle closed by edge e = (x → y): y → … → x along the forest, then e. */
  #record(e: number): void {
    if (this.#isPending[e] === 0) {
      this.#isPending[e] = 1;
      this.#pending[this.#nPending++] = e;
    }
    const x = this.from[e]!, y = this.to[e]!;
    // length: forest edges from y down to x, plus e
    let len = 1;
    for (let cur = x; cur !== y; cur = this.from[this.pred[cur]!]!) len++;
    if (len > this.maxCycleLength || this.cycleCount >= this.maxCycles) { this.cyclesDropped++; return; }
    const base = this.cycleCount * this.maxCycleLength;
    // fill backwards: the last edge is e, before it pred[x], … up to the edge leaving y
    let w = this.weight[e]!;
    this.cycleEdges[base + len - 1] = e;
    let pos = len - 2;
    for (let cur = x; cur !== y; pos--) {
      const pe = this.pred[cur]!;
      this.cycleEdges[base + pos] = pe;
      w += this.weight[pe]!;
      cur = this.from[pe]!;
    }
    // a duplicate of a cycle already found in this search (same edge set) is not kept twice
    for (let c = 0; c < this.cycleCount; c++) {
      if (this.cycleLength[c] !== len) continue;
      if (sameCycle(this.cycleEdges, c * this.maxCycleLength, base, len)) return;
    }
    this.cycleLength[this.cycleCount] = len;
    this.cycleWeight[this.cycleCount] = w;
    this.cycleCount++;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('maxVertices', this.maxVertices);
    v.r('maxEdges', this.maxEdges);
    v.r('maxCycles', this.maxCycles);
    v.r('maxCycleLength', this.maxCycleLength);
    v.r('relaxationBudget', this.relaxationBudget);
    v.r('from', this.from);
    v.r('to', this.to);
    v.r('weight', this.weight);
    this.#edges = v.f('edges', this.#edges);
    this.#built = v.f('built', this.#built);
    this.#outStart = v.f('outStart', this.#outStart);
    this.#outEdges = v.f('outEdges', this.#outEdges);
    v.r('dist', this.dist);
    v.r('pred', this.pred);
    v.r('queue', this.#queue);
    v.r('inQueue', this.#inQueue);
    this.#qHead = v.f('qHead', this.#qHead);
    this.#qLen = v.f('qLen', this.#qLen);
    v.r('pending', this.#pending);
    this.#nPending = v.f('nPending', this.#nPending);
    v.r('isPending', this.#isPending);
    this.#rebuild = v.f('rebuild', this.#rebuild);
    v.r('cycleEdges', this.cycleEdges);
    v.r('cycleLength', this.cycleLength);
    v.r('cycleWeight', this.cycleWeight);
    this.cycleCount = v.f('cycleCount', this.cycleCount);
    this.cyclesDropped = v.f('cyclesDropped', this.cyclesDropped);
    this.relaxations = v.f('relaxations', this.relaxations);
    this.budgetOverruns = v.f('budgetOverruns', this.budgetOverruns);
    v.r('mark', this.#mark);
    this.#stamp = v.f('stamp', this.#stamp);
  }
}

/** Same edges in the same cyclic order (any rotation). */
function sameCycle(edges: Int32Array, a: number, b: number, len: number): boolean {
  for (let r = 0; r < len; r++) {
    if (edges[a] !== edges[b + r]) continue;
    let ok = true;
    for (let i = 1; i < len && ok; i++) ok = edges[a + i] === edges[b + ((r + i) % len)];
    if (ok) return true;
  }
  return false;
}

/** Brute-force reference (tests): is there a negative cycle? Plain Bellman-Ford with a virtual source. */
export function hasNegativeCycleBellmanFord(n: number, from: Int32Array, to: Int32Array, w: Float64Array, m: number): boolean {
  const d = new Float64Array(n);
  for (let it = 0; it < n; it++) {
    let changed = false;
    for (let e = 0; e < m; e++) {
      const we = w[e]!;
      if (!(we < kInfinity)) continue;
      if (d[from[e]!]! + we < d[to[e]!]! - kEpsilon) { d[to[e]!] = d[from[e]!]! + we; changed = true; }
    }
    if (!changed) return false;
  }
  return true;
}
