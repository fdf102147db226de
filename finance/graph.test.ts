// Negative-cycle search on −ln(rate) graphs: hand-made triangles, the incremental updates an agent
// makes per cycle, agreement with plain Bellman-Ford on random graphs, and the time per search on a
// universe with thousands of edges (printed, not asserted).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasNegativeCycleBellmanFord, NegativeCycleFinder } from './graph.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}
const w = (rate: number): number => -Math.log(rate);

/** USD(0), BTC(1), ETH(2) on one venue: buy/sell edges of BTC/USD, ETH/USD, ETH/BTC. */
function triangle(): { g: NegativeCycleFinder; e: Record<string, number> } {
  const g = new NegativeCycleFinder({ maxVertices: 3, maxEdges: 6 });
  const e = {
    usdBtc: g.addEdge(0, 1), btcUsd: g.addEdge(1, 0),
    usdEth: g.addEdge(0, 2), ethUsd: g.addEdge(2, 0),
    btcEth: g.addEdge(1, 2), ethBtc: g.addEdge(2, 1),
  };
  g.build();
  return { g, e };
}

function quote(g: NegativeCycleFinder, e: Record<string, number>, btc: [number, number], eth: [number, number], ethBtc: [number, number], fee: number): void {
  const f = 1 - fee;
  g.setWeight(e.usdBtc!, w(f / btc[1])); g.setWeight(e.btcUsd!, w(btc[0] * f));
  g.setWeight(e.usdEth!, w(f / eth[1])); g.setWeight(e.ethUsd!, w(eth[0] * f));
  g.setWeight(e.btcEth!, w(f / ethBtc[1])); g.setWeight(e.ethBtc!, w(ethBtc[0] * f));
}

test('a consistent triangle has no negative cycle; a dislocated cross rate has exactly one', () => {
  const { g, e } = triangle();
  // BTC 60 000/60 010, ETH 3 000/3 000.5, ETH/BTC 0.04999/0.05001: every loop loses the spreads and fees
  quote(g, e, [60_000, 60_010], [3_000, 3_000.5], [0.04999, 0.05001], 0.001);
  assert.is(g.search(), 0);
  // ETH/BTC re-quotes 0.0505/0.05051 (1 % over 3 000/60 000): USD → ETH → BTC → USD pays
  // (0.999/3 000.5)·(0.0505·0.999)·(60 000·0.999) = 0.999³·3 030/3 000.5 = 0.997003·1.009832 = 1.006805 > 1
  g.setWeight(e.ethBtc!, w(0.0505 * 0.999));
  g.setWeight(e.btcEth!, w(0.999 / 0.05051));
  assert.is(g.search(), 1);
  const len = g.cycleLength[0]!;
  assert.is(len, 3);
  const cyc = Array.from(g.cycleEdges.subarray(0, len));
  const rot = cyc.indexOf(e.usdEth!);
  assert.ok(rot >= 0, `the cycle uses USD → ETH: ${cyc}`);
  assert.equal([0, 1, 2].map((i) => cyc[(rot + i) % 3]), [e.usdEth, e.ethBtc, e.btcUsd]);
  const rate = (0.999 / 3_000.5) * (0.0505 * 0.999) * (60_000 * 0.999);
  near(rate, 1.006805, 1e-6, 'hand rate');
  near(g.cycleWeight[0]!, -Math.log(rate), 1e-12, 'cycle weight = −ln(product of rates)');
});

test('an open arbitrage is found again each search while it lasts, and is gone when it closes', () => {
  const { g, e } = triangle();
  quote(g, e, [60_000, 60_010], [3_000, 3_000.5], [0.04999, 0.05001], 0.001);
  g.search();
  g.setWeight(e.ethBtc!, w(0.0505 * 0.999));
  g.setWeight(e.btcEth!, w(0.999 / 0.05051));
  assert.is(g.search(), 1, 'opens');
  const relax = g.relaxations;
  assert.is(g.search(), 1, 'nothing changed: found again');
  assert.is(g.relaxations, relax, 'found again through the same forest path, without relaxing');
  // an unrelated leg re-quotes (BTC ask moves, the loop still pays)
  g.setWeight(e.usdBtc!, w(0.999 / 60_020));
  assert.is(g.search(), 1, 'still open');
  // the ETH/BTC quote returns: the loop closes
  g.setWeight(e.ethBtc!, w(0.04999 * 0.999));
  g.setWeight(e.btcEth!, w(0.999 / 0.05001));
  assert.is(g.search(), 0, 'closed');
  assert.is(g.search(), 0, 'stays closed');
  // and it reopens on the other side: ETH/BTC quotes 0.04945/0.0495 → USD → BTC → ETH → USD
  g.setWeight(e.ethBtc!, w(0.04945 * 0.999));
  g.setWeight(e.btcEth!, w(0.999 / 0.0495));
  assert.is(g.search(), 1, 'reverse loop');
  const cyc = Array.from(g.cycleEdges.subarray(0, g.cycleLength[0]!));
  assert.ok(cyc.includes(e.btcEth!) && cyc.includes(e.usdBtc!) && cyc.includes(e.ethUsd!), `${cyc}`);
  // removing an edge (stale quote: weight +∞) closes it too
  g.setWeight(e.btcEth!, Infinity);
  assert.is(g.search(), 0, 'edge removed');
});

/** A seeded PRNG (xorshift32) for the random graphs. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
}

test('on random graphs it agrees with plain Bellman-Ford after every batch of updates', () => {
  for (let trial = 0; trial < 30; trial++) {
    const r = rng(1000 + trial);
    const n = 6 + Math.floor(r() * 10);
    const price = Array.from({ length: n }, () => Math.exp(4 * r() - 2));
    const g = new NegativeCycleFinder({ maxVertices: n, maxEdges: n * n, maxCycleLength: n });
    const from: number[] = [], to: number[] = [];
    for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) {
      if (u !== v && r() < 0.5) { g.addEdge(u, v); from.push(u); to.push(v); }
    }
    g.build();
    const m = from.length;
    let agreements = 0, withCycle = 0;
    for (let round = 0; round < 40; round++) {
      const changes = 1 + Math.floor(r() * 4);
      for (let c = 0; c < changes; c++) {
        const ed = Math.floor(r() * m);
        // fair rate less a 20 bps fee, with noise of ±80 bps: sometimes a cycle pays
        const rate = (price[to[ed]!]! / price[from[ed]!]!) * 0.998 * (1 + (r() - 0.5) * 0.016);
        g.setWeight(ed, r() < 0.05 ? Infinity : w(rate));
      }
      const found = g.search();
      const truth = hasNegativeCycleBellmanFord(n, g.from, g.to, g.weight, m);
      assert.is(found > 0, truth, `trial ${trial} round ${round}: finder ${found} cycles, Bellman-Ford ${truth}`);
      for (let k = 0; k < found; k++) {
        let sum = 0;
        const len = g.cycleLength[k]!;
        for (let i = 0; i < len; i++) {
          const ed = g.cycleEdges[k * g.maxCycleLength + i]!;
          sum += g.weight[ed]!;
          const next = g.cycleEdges[k * g.maxCycleLength + ((i + 1) % len)]!;
          assert.is(g.to[ed], g.from[next], 'edges chain head to tail');
        }
        assert.ok(sum < 0, `reported cycle weight ${sum} is negative`);
        near(g.cycleWeight[k]!, sum, 1e-9, 'reported weight');
      }
      agreements++;
      if (truth) withCycle++;
    }
    assert.is(agreements, 40);
    if (trial === 0) console.log(`  random graphs: trial 0 had a negative cycle in ${withCycle}/40 rounds`);
  }
});

test('time per search on a universe of thousands of edges (printed, not asserted)', () => {
  // 20 venues × 120 assets; each venue lists every asset against 2 quote assets and 30 cross pairs:
  // (2·118 + 30) pairs × 2 directions × 20 venues ≈ 10 640 edges. Each search follows 4 quote updates.
  const venues = 20, assets = 120;
  const r = rng(7);
  const price = Array.from({ length: assets }, (_, a) => (a < 2 ? 1 : Math.exp(6 * r() - 1)));
  const pairs: [number, number][] = [];
  for (let a = 2; a < assets; a++) { pairs.push([a, 0]); pairs.push([a, 1]); }
  for (let k = 0; k < 30; k++) pairs.push([2 + k, 2 + ((k * 7 + 3) % (assets - 2))]);
  const V = venues * assets;
  const g = new NegativeCycleFinder({ maxVertices: V, maxEdges: venues * pairs.length * 2 });
  const edge: number[] = [];
  for (let v = 0; v < venues; v++) for (const [b, q] of pairs) { edge.push(g.addEdge(v * assets + q, v * assets + b)); edge.push(g.addEdge(v * assets + b, v * assets + q)); }
  g.build();
  const quoteEdge = (k: number, noise: number): void => {
    const p = Math.floor(k / 2) % pairs.length, [b, q] = pairs[p]!;
    const mid = price[b]! / price[q]!;
    const fee = 0.999;
    g.setWeight(edge[2 * Math.floor(k / 2)]!, w(fee / (mid * (1.0002 + noise))));
    g.setWeight(edge[2 * Math.floor(k / 2) + 1]!, w(mid * (0.9998 + noise) * fee));
  };
  for (let k = 0; k < edge.length; k += 2) quoteEdge(k, 0);
  const t0 = performance.now();
  g.search();
  const first = performance.now() - t0;
  const searches = 5_000;
  let cycles = 0;
  const t1 = performance.now();
  for (let s = 0; s < searches; s++) {
    for (let u = 0; u < 4; u++) quoteEdge(2 * Math.floor(r() * (edge.length / 2)), (r() - 0.5) * 2e-4);
    const hit = 2 * ((s * 37) % (edge.length / 2));
    if (s % 100 === 50) quoteEdge(hit, 0.01); // an injected 1 % dislocation of one pair …
    if (s % 100 === 55) quoteEdge(2 * (((s - 5) * 37) % (edge.length / 2)), 0); // … re-quoted 5 searches later
    cycles += g.search();
  }
  const per = ((performance.now() - t1) / searches) * 1000;
  console.log(`  ${g.edgeCount} edges, ${V} vertices: first full search ${first.toFixed(2)} ms; ` +
    `incremental search ${per.toFixed(2)} µs per cycle (4 quote updates each), ${cycles} cycles reported, ` +
    `${g.relaxations} relaxations, ${g.budgetOverruns} budget overruns`);
  assert.ok(g.edgeCount > 10_000);
  assert.ok(cycles > 0, 'the injected dislocations are found');
});

test('options and setup misuse are reported with the key', () => {
  assert.throws(() => new NegativeCycleFinder({ maxVertices: 0, maxEdges: 1 }), /options\.maxVertices must be an integer ≥ 1/);
  assert.throws(() => new NegativeCycleFinder({ maxVertices: 2, maxEdges: 2, maxCycleLength: 1 }), /options\.maxCycleLength/);
  const g = new NegativeCycleFinder({ maxVertices: 2, maxEdges: 1 });
  assert.throws(() => g.addEdge(0, 5), /outside 0\.\.1/);
  g.addEdge(0, 1);
  assert.throws(() => g.addEdge(1, 0), /more than maxEdges/);
  assert.throws(() => g.search(), /call build\(\) first/);
});

test.run();
