// What the arbitrage detector needs from the trigger: a quote change of any size on an instrument
// that is a leg of a watched cross pair (one pair on two or more venues) or of a cycle inside one
// venue (books and AMM pools, up to `triangular.maxLegs` legs) can complete an arbitrage, however
// small the move. The price threshold of the other agents would hide it (the completing leg of a
// stablecoin loop often moves < 0.05 %). So a leg's change that stays under the threshold is
// checked here, on the main thread, against the current state: it wakes a cycle when a route
// through that leg pays net of the venues' taker fees (pool fees for pools), before slippage —
// a necessary condition for the detector to publish anything, so the cost stays that of the
// opportunities, not that of every quote. It wakes when a route turns paying on fresh legs (it did
// not at its last check: it did not pay, or a leg was older than its max age, so the fresh
// sighting of an opportunity first seen on a stale leg wakes too); a route that keeps paying is
// re-evaluated by the cycles the other triggers start. The watched routes are enumerated once, at start.
// Reads the columns directly: the main thread is the state's single writer. Allocates nothing per call.
import { kAsk, kBid, kFee, kKindAmm, kKindBook, kLiquidity, kPrice, kReserve0, kReserve1, kSqrtPrice } from '../protocol/layout.ts';
import type { MarketArrays } from '../protocol/market_state.ts';
import type { RegistrySnapshot } from '../protocol/registry.ts';
import { InputClock, QuoteAges, rawPerUnit, takerFee, unitScale, type AgentConfig } from '../workers/agents/index.ts';
import type { Fields } from '../protocol/snapshot.ts';

/** Cycles enumerated at most (a larger universe watches its first ones; the rest keep the threshold). */
const kMaxCycles = 200_000;

export class ArbWake {
  readonly #arrays: MarketArrays;
  readonly #cap: number;
  readonly #kind: Uint8Array; // 1 book, 2 pool, 0 neither
  readonly #fee: Float64Array; // books: taker fee
  readonly #scale: Float64Array; // pools: human-unit scale of √P² (NaN unknown)
  // cross pairs: slot → the other venues' slots of its pair (CSR)
  readonly #pairStart: Int32Array;
  readonly #pairSlots: Int32Array;
  // cycles: slot → cycles through it (CSR of cycle ids); cycle c's legs are
  // #legSlot/#legDir[#cycleStart[c] .. #cycleStart[c+1]) (dir 1: sell base/token0, 0: buy)
  readonly #slotCycStart: Int32Array;
  readonly #slotCycles: Int32Array;
  readonly #cycleStart: Int32Array;
  readonly #legSlot: Int32Array;
  readonly #legDir: Uint8Array;
  readonly #pairPaid: Uint8Array; // per venue pair (index into #pairSlots, and its mirror): paid at its last check
  readonly #pairMirror: Int32Array; // index of (t, s) for the index of (s, t)
  readonly #cyclePaid: Uint8Array; // per cycle: paid at its last check
  // per cycle, kept incrementally as its legs update: Σ ln(net rate) both ways round, and the legs
  // without a usable quote yet (the route pays when that count is 0 and a sum is > 0)
  readonly #sumFwd: Float64Array;
  readonly #sumBack: Float64Array;
  readonly #unknown: Int32Array;
  readonly #slotCycDir: Uint8Array; // parallel to #slotCycles: the slot's direction in that cycle
  readonly #lnSell: Float64Array; // slot → ln of its net base→quote rate (NaN unknown)
  readonly #lnBuy: Float64Array;
  readonly #freshUntil: Float64Array; // slot → event time until which its last quote is fresh (NaN none)
  readonly #tsArg = new Float64Array(2); // [0] wakes(slot, ts): ts handed on to wakesAt; [1] #poolPrice's result (unboxed)
  readonly #rSell: Float64Array; // slot → base→quote rate of its last quote, net of the fee (book: bid·(1−f))
  readonly #rBuy: Float64Array; // slot → quote→base rate, net of the fee (book: (1−f)/ask)
  readonly #buyCost: Float64Array; // book slot → ask·(1+f): what a unit costs there
  readonly #clock: InputClock; // observed update intervals (for QuoteAges)
  readonly #ages: QuoteAges; // the detector's max input ages (per venue, or from the intervals)
  /** Legs in a watched route (the trigger asks only about these). */
  readonly isLeg: Uint8Array;
  /** Cycles watched (for reports and tests). */
  readonly cycles: number;
  /** Checks made, and wakes they gave (cumulative). */
  checks = 0;
  woke = 0;

  constructor(arrays: MarketArrays, registry: RegistrySnapshot, cfg: AgentConfig) {
    this.#arrays = arrays;
    const cap = this.#cap = registry.capacity;
    this.#kind = new Uint8Array(cap);
    this.#fee = new Float64Array(cap);
    this.#scale = new Float64Array(cap).fill(NaN);
    this.isLeg = new Uint8Array(cap);
    this.#freshUntil = new Float64Array(cap).fill(NaN);
    this.#rSell = new Float64Array(cap).fill(NaN);
    this.#rBuy = new Float64Array(cap).fill(NaN);
    this.#buyCost = new Float64Array(cap).fill(NaN);
    this.#clock = new InputClock(cap);
    this.#ages = new QuoteAges(registry, cfg, this.#clock);
    const pairs = new Map<string, number[]>();
    const venues = new Map<string, { edges: [number, string, string][] }>();
    for (let s = 0; s < registry.size; s++) {
      const m = registry.meta[s]!;
      if ((m.kind !== kKindBook && m.kind !== kKindAmm) || m.base === '' || m.quote === '') continue;
      if (m.kind === kKindBook) {
        this.#kind[s] = 1;
        this.#fee[s] = takerFee(cfg, m.venue);
        const k = `${m.base}/${m.quote}`;
        (pairs.get(k) ?? pairs.set(k, []).get(k)!).push(s);
      } else {
        this.#kind[s] = 2;
        this.#scale[s] = rawPerUnit(m.decimals0) * unitScale(m.decimals1);
      }
      let v = venues.get(m.venue);
      if (!v) { v = { edges: [] }; venues.set(m.venue, v); }
      v.edges.push([s, m.base, m.quote]);
    }
    // cross pairs
    const others: number[][] = Array.from({ length: cap }, () => []);
    for (const list of pairs.values()) {
      if (list.length < 2) continue;
      for (const s of list) for (const t of list) if (t !== s) others[s]!.push(t);
    }
    const flat = csr(others);
    this.#pairStart = flat.start;
    this.#pairSlots = flat.items;
    this.#pairPaid = new Uint8Array(flat.items.length);
    this.#pairMirror = new Int32Array(flat.items.length);
    for (let a = 0; a < cap; a++) {
      for (let i = flat.start[a]!; i < flat.start[a + 1]!; i++) {
        const b = flat.items[i]!;
        for (let j = flat.start[b]!; j < flat.start[b + 1]!; j++) if (flat.items[j] === a) this.#pairMirror[i] = j;
      }
    }
    // cycles inside each venue: simple cycles of 2..maxLegs edges, each found once (from its
    // smallest vertex, first edge below last edge); both orientations are checked at run time
    const maxLegs = Math.max(2, Math.min(4, cfg.arbitrage.triangular.maxLegs | 0));
    const cycleLegs: number[][] = [];
    for (const { edges } of venues.values()) {
      const vid = new Map<string, number>();
      const id = (t: string): number => vid.get(t) ?? (vid.set(t, vid.size), vid.size - 1);
      const adj: [number, number, number][][] = []; // vertex → [edge index, other vertex, dir from this vertex]
      edges.forEach(([, b, q], e) => {
        const vb = id(b), vq = id(q);
        while (adj.length <= Math.max(vb, vq)) adj.push([]);
        adj[vb]!.push([e, vq, 1]); // sell base → quote
        adj[vq]!.push([e, vb, 0]); // buy base with quote
      });
      const pathE: number[] = [], pathD: number[] = [], onPath = new Set<number>(), usedE = new Set<number>();
      const dfs = (start: number, v: number): void => {
        if (cycleLegs.length >= kMaxCycles) return;
        for (const [e, w, dir] of adj[v]!) {
          if (usedE.has(e) || w < start) continue;
          if (w === start) {
            if (pathE.length + 1 >= 2 && pathE.length > 0 && pathE[0]! < e) {
              const legs: number[] = [];
              for (let k = 0; k < pathE.length; k++) legs.push(edges[pathE[k]!]![0], pathD[k]!);
              legs.push(edges[e]![0], dir);
              cycleLegs.push(legs);
            }
            continue;
          }
          if (onPath.has(w) || pathE.length + 1 >= maxLegs) continue;
          pathE.push(e); pathD.push(dir); onPath.add(w); usedE.add(e);
          dfs(start, w);
          pathE.pop(); pathD.pop(); onPath.delete(w); usedE.delete(e);
        }
      };
      for (let v = 0; v < adj.length; v++) { onPath.add(v); dfs(v, v); onPath.delete(v); }
    }
    this.cycles = cycleLegs.length;
    this.#cyclePaid = new Uint8Array(cycleLegs.length);
    this.#sumFwd = new Float64Array(cycleLegs.length);
    this.#sumBack = new Float64Array(cycleLegs.length);
    this.#unknown = Int32Array.from(cycleLegs.map((l) => l.length / 2));
    this.#lnSell = new Float64Array(cap).fill(NaN);
    this.#lnBuy = new Float64Array(cap).fill(NaN);
    this.#cycleStart = new Int32Array(cycleLegs.length + 1);
    let n = 0;
    for (let c = 0; c < cycleLegs.length; c++) { this.#cycleStart[c] = n; n += cycleLegs[c]!.length / 2; }
    this.#cycleStart[cycleLegs.length] = n;
    this.#legSlot = new Int32Array(n);
    this.#legDir = new Uint8Array(n);
    const bySlot: number[][] = Array.from({ length: cap }, () => []);
    for (let c = 0; c < cycleLegs.length; c++) {
      const legs = cycleLegs[c]!;
      for (let k = 0; k < legs.length / 2; k++) {
        const i = this.#cycleStart[c]! + k;
        this.#legSlot[i] = legs[2 * k]!;
        this.#legDir[i] = legs[2 * k + 1]!;
        const list = bySlot[legs[2 * k]!]!;
        if (list[list.length - 1] !== c) list.push(c);
      }
    }
    const cyc = csr(bySlot);
    this.#slotCycDir = new Uint8Array(cyc.items.length);
    for (let sl = 0; sl < cap; sl++) {
      for (let j = cyc.start[sl]!; j < cyc.start[sl + 1]!; j++) {
        const cy = cyc.items[j]!;
        for (let k = this.#cycleStart[cy]!; k < this.#cycleStart[cy + 1]!; k++) if (this.#legSlot[k] === sl) this.#slotCycDir[j] = this.#legDir[k]!;
      }
    }
    this.#slotCycStart = cyc.start;
    this.#slotCycles = cyc.items;
    for (let s = 0; s < cap; s++) {
      if (this.#pairStart[s + 1]! > this.#pairStart[s]! || this.#slotCycStart[s + 1]! > this.#slotCycStart[s]!) this.isLeg[s] = 1;
    }
  }

  /**
   * Whether slot's current quote (event time `ts`) wakes the detector: a route through it turned
   * paying net of fees (before slippage) with every leg fresh, where it did not at its last check.
   */
  wakes(slot: number, ts: number): boolean {
    this.#tsArg[0] = ts;
    return this.wakesAt(slot, this.#tsArg, 0);
  }

  /**
   * wakes() with the event time read from `at[tsAt]` (the tape row's timestamp): the trigger calls
   * this for every leg's tick, and a double passed as an argument would be boxed on the heap.
   */
  wakesAt(slot: number, at: Float64Array, tsAt: number): boolean {
    const ts = at[tsAt]!;
    this.checks++;
    const c = this.#arrays.columns, cap = this.#cap;
    // this leg's rates net of its fee and how long its quote stays fresh, kept for the routes
    // that its later-changing partners complete (every leg's update comes through here)
    this.#clock.noteAt(slot, at, tsAt);
    const until = this.#freshUntil, rSell = this.#rSell, rBuy = this.#rBuy;
    this.#ages.freshUntil(slot, at, tsAt, until, slot); // ts + max age, without boxing either
    if (this.#kind[slot] === 1) {
      const f = this.#fee[slot]!;
      rSell[slot] = c[kBid * cap + slot]! * (1 - f);
      rBuy[slot] = (1 - f) / c[kAsk * cap + slot]!;
      this.#buyCost[slot] = c[kAsk * cap + slot]! * (1 + f);
    } else {
      this.#poolPrice(slot);
      const p = this.#tsArg[1]!, g = 1 - c[kFee * cap + slot]!;
      rSell[slot] = p * g;
      rBuy[slot] = g / p;
    }
    let wake = false;
    if (this.#kind[slot] === 1) {
      const sellS = rSell[slot]!, buyS = this.#buyCost[slot]!;
      const paid = this.#pairPaid;
      for (let i = this.#pairStart[slot]!; i < this.#pairStart[slot + 1]!; i++) {
        const t = this.#pairSlots[i]!;
        const pays = (rSell[t]! > buyS || sellS > this.#buyCost[t]!) && ts <= until[t]!;
        if (pays && paid[i] === 0) wake = true;
        paid[i] = paid[this.#pairMirror[i]!] = pays ? 1 : 0;
      }
    }
    // this leg's change moves the log-sums of its cycles by the difference of its log rates
    const oldS = this.#lnSell[slot]!, oldB = this.#lnBuy[slot]!;
    const ls = Math.log(rSell[slot]!), lb = Math.log(rBuy[slot]!);
    // non-finite → NaN by arithmetic (x − x is 0 only for a finite x): a conditional choosing
    // between a double and the NaN literal made V8 box the double (about 32 bytes per quote)
    const newS = ls + (ls - ls), newB = lb + (lb - lb);
    const wasKnown = oldS === oldS && oldB === oldB, isKnown = newS === newS && newB === newB;
    this.#lnSell[slot] = newS;
    this.#lnBuy[slot] = newB;
    const cycles = this.#slotCycles, dirs = this.#slotCycDir, cycleStart = this.#cycleStart, legSlot = this.#legSlot;
    const cyclePaid = this.#cyclePaid, sumF = this.#sumFwd, sumB = this.#sumBack, unknown = this.#unknown;
    const i1 = this.#slotCycStart[slot + 1]!;
    for (let i = this.#slotCycStart[slot]!; i < i1; i++) {
      const cyc = cycles[i]!;
      const sell = dirs[i] === 1;
      if (wasKnown) { sumF[cyc] = sumF[cyc]! - (sell ? oldS : oldB); sumB[cyc] = sumB[cyc]! - (sell ? oldB : oldS); } else unknown[cyc] = unknown[cyc]! - 1;
      if (isKnown) { sumF[cyc] = sumF[cyc]! + (sell ? newS : newB); sumB[cyc] = sumB[cyc]! + (sell ? newB : newS); } else unknown[cyc] = unknown[cyc]! + 1;
      let pays = unknown[cyc] === 0 && (sumF[cyc]! > 0 || sumB[cyc]! > 0);
      if (pays) for (let k = cycleStart[cyc]!; k < cycleStart[cyc + 1]!; k++) if (!(ts <= until[legSlot[k]!]!)) { pays = false; break; }
      if (pays && cyclePaid[cyc] === 0) wake = true;
      cyclePaid[cyc] = pays ? 1 : 0;
    }
    if (wake) this.woke++;
    return wake;
  }

  /** A pool's price, token1 per token0 in human units (as the detector's triangular.ts), into #tsArg[1]. */
  #poolPrice(s: number): void {
    const c = this.#arrays.columns, cap = this.#cap;
    const sp = c[kSqrtPrice * cap + s]!;
    const r0 = c[kReserve0 * cap + s]!, r1 = c[kReserve1 * cap + s]!;
    this.#tsArg[1] = sp === sp ? (c[kLiquidity * cap + s]! > 0 ? sp * sp * this.#scale[s]! : NaN) : r0 > 0 && r1 > 0 ? r1 / r0 : c[kPrice * cap + s]!;
  }

  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */
  snapshotFields(v: Fields): void {
    v.r('arrays', this.#arrays);
    v.r('cap', this.#cap);
    v.r('kind', this.#kind);
    v.r('fee', this.#fee);
    v.r('scale', this.#scale);
    v.r('pairStart', this.#pairStart);
    v.r('pairSlots', this.#pairSlots);
    v.r('slotCycStart', this.#slotCycStart);
    v.r('slotCycles', this.#slotCycles);
    v.r('cycleStart', this.#cycleStart);
    v.r('legSlot', this.#legSlot);
    v.r('legDir', this.#legDir);
    v.r('pairPaid', this.#pairPaid);
    v.r('pairMirror', this.#pairMirror);
    v.r('cyclePaid', this.#cyclePaid);
    v.r('sumFwd', this.#sumFwd);
    v.r('sumBack', this.#sumBack);
    v.r('unknown', this.#unknown);
    v.r('slotCycDir', this.#slotCycDir);
    v.r('lnSell', this.#lnSell);
    v.r('lnBuy', this.#lnBuy);
    v.r('freshUntil', this.#freshUntil);
    v.r('tsArg', this.#tsArg);
    v.r('rSell', this.#rSell);
    v.r('rBuy', this.#rBuy);
    v.r('buyCost', this.#buyCost);
    v.r('clock', this.#clock);
    v.r('ages', this.#ages);
    v.r('isLeg', this.isLeg);
    v.r('cycles', this.cycles);
    this.checks = v.f('checks', this.checks);
    this.woke = v.f('woke', this.woke);
  }
}

function csr(lists: number[][]): { start: Int32Array; items: Int32Array } {
  const start = new Int32Array(lists.length + 1);
  let n = 0;
  for (let i = 0; i < lists.length; i++) { start[i] = n; n += lists[i]!.length; }
  start[lists.length] = n;
  const items = new Int32Array(n);
  let k = 0;
  for (const l of lists) for (const x of l) items[k++] = x;
  return { start, items };
}
