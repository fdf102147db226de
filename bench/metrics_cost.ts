// What one metric observation costs on the hot path: recording into the shared-memory metrics
// block (what the engine does) against calling prom-client directly (what it avoids), plus the
// rejected alternative of BigInt64 slots with Atomics. Same values, same series, one process.
//
//   node_modules/.bin/node bench/metrics_cost.ts [--n 1000000] [--rounds 7]
//
// Prints per competitor the median ns per observation over the rounds, bytes allocated per
// observation (v8 total_allocated_bytes), and the ratio to the block. These machines are shared
// and noisy: compare the ratios within one run.
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { Counter, Histogram, Registry } from 'prom-client';
import { kLatencyBuckets } from '../protocol/metrics/buckets.ts';
import { kMetricProfit, type EngineMetricsSchema } from '../protocol/metrics/catalogue.ts';
import { createMetricsHost } from '../engine/sinks/metrics/metrics_host.ts';

const { values: argv } = parseArgs({ options: { n: { type: 'string' }, rounds: { type: 'string' } } });
const kN = Number(argv.n ?? 1_000_000);
const kRounds = Number(argv.rounds ?? 7);
const kAgents = ['yield_hunter', 'risk_assessor', 'arbitrage_detector', 'liquidity_optimizer', 'portfolio_rebalancer', 'market_analyzer', 'execution_optimizer'];

const schema: EngineMetricsSchema = {
  threads: ['main'],
  agents: kAgents.map((a) => ({ id: a, type: a, strategies: ['default'] })),
  eventTypes: ['price_update'], deadLetterReasons: [], queues: ['q'], rings: ['r'], sinks: ['bus'],
};
const host = createMetricsHost(schema);
const m = host.main;
const profitSlot = host.layout.counter(kMetricProfit, [kAgents[0], kAgents[0], 'default']);

const reg = new Registry();
const promHist = new Histogram({ name: 'agent_decision_duration_seconds', help: 'x', labelNames: ['agent_id', 'agent_type'], buckets: [...kLatencyBuckets], registers: [reg] });
const promCounter = new Counter({ name: 'agent_profit_generated_total', help: 'x', labelNames: ['agent_id', 'agent_type', 'strategy'], registers: [reg] });
const labelObjects = kAgents.map((a) => ({ agent_id: a, agent_type: a }));
const children = kAgents.map((a) => promHist.labels(a, a));
const counterChild = promCounter.labels(kAgents[0], kAgents[0], 'default');
const counterLabels = { agent_id: kAgents[0], agent_type: kAgents[0], strategy: 'default' };
const big = new BigInt64Array(new SharedArrayBuffer(64));

// Two sets of decision times: log-uniform over 1 µs .. 10 ms (the bucket search sees the whole
// range and its branches cannot be predicted), and clustered in 4..6 µs (a steady agent).
const kValues = 1 << 16;
const values = new Float64Array(kValues);
const clustered = new Float64Array(kValues);
let seed = 12345;
const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
for (let i = 0; i < kValues; i++) {
  values[i] = 1e-6 * 10 ** (4 * next());
  clustered[i] = 4e-6 + 2e-6 * next();
}

interface Competitor { name: string; run: (n: number) => void }
const competitors: Competitor[] = [
  { name: 'block: histogram observe (EngineMetrics.decision)', run: (n) => { for (let i = 0; i < n; i++) m.decision(i % 7, values[i & (kValues - 1)]); } },
  { name: 'block: histogram observe, clustered 4..6 µs', run: (n) => { for (let i = 0; i < n; i++) m.decision(i % 7, clustered[i & (kValues - 1)]); } },
  { name: 'block: counter add (MetricsWriter.add)', run: (n) => { const w = m.writer; for (let i = 0; i < n; i++) w.add(profitSlot, values[i & (kValues - 1)]); } },
  { name: 'prom-client histogram observe(labels, v)', run: (n) => { for (let i = 0; i < n; i++) promHist.observe(labelObjects[i % 7], values[i & (kValues - 1)]); } },
  { name: 'prom-client histogram child.observe(v)', run: (n) => { for (let i = 0; i < n; i++) children[i % 7].observe(values[i & (kValues - 1)]); } },
  { name: 'prom-client histogram child.observe, clustered', run: (n) => { for (let i = 0; i < n; i++) children[i % 7].observe(clustered[i & (kValues - 1)]); } },
  { name: 'prom-client counter inc(labels, v)', run: (n) => { for (let i = 0; i < n; i++) promCounter.inc(counterLabels, values[i & (kValues - 1)]); } },
  { name: 'prom-client counter child.inc(v)', run: (n) => { for (let i = 0; i < n; i++) counterChild.inc(values[i & (kValues - 1)]); } },
  { name: 'rejected: BigInt64 Atomics.add counter', run: (n) => { for (let i = 0; i < n; i++) Atomics.add(big, 0, 1n); } },
];

function allocated(): number {
  return (getHeapStatistics() as ReturnType<typeof getHeapStatistics> & { total_allocated_bytes: number }).total_allocated_bytes;
}

// Rounds are interleaved (every competitor once per round), so that a change in machine load
// during the run weighs on all of them alike.
for (const c of competitors) c.run(Math.min(kN, 200_000)); // warm-up: let the JIT settle
const ns: number[][] = competitors.map(() => []);
const bytes: number[] = competitors.map(() => Infinity);
for (let r = 0; r < kRounds; r++) {
  competitors.forEach((c, i) => {
    const a0 = allocated();
    const t0 = process.hrtime.bigint();
    c.run(kN);
    const t1 = process.hrtime.bigint();
    bytes[i] = Math.min(bytes[i], (allocated() - a0) / kN);
    ns[i].push(Number(t1 - t0) / kN);
  });
}
const results = competitors.map((c, i) => {
  const sorted = [...ns[i]].sort((x, y) => x - y);
  return { name: c.name, nsPerOp: sorted[Math.floor(sorted.length / 2)], bytesPerOp: bytes[i] };
});

// the scrape side, for scale: one /metrics render of the block registry (7 agents)
const s0 = process.hrtime.bigint();
for (let i = 0; i < 200; i++) await host.registry.metrics();
const scrapeUs = Number(process.hrtime.bigint() - s0) / 200 / 1000;

const base = results[0].nsPerOp;
console.log(`metrics cost per observation · ${kN.toLocaleString('en-US')} observations × ${kRounds} interleaved rounds (median) · Node ${process.version} · load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`);
console.log(`${'competitor'.padEnd(52)} ${'ns/obs'.padStart(8)} ${'B/obs'.padStart(7)} ${'× block observe'.padStart(16)}`);
for (const r of results) {
  console.log(`${r.name.padEnd(52)} ${r.nsPerOp.toFixed(2).padStart(8)} ${r.bytesPerOp.toFixed(1).padStart(7)} ${(r.nsPerOp / base).toFixed(2).padStart(16)}`);
}
console.log(`scrape: one render of the block registry's /metrics text: ${scrapeUs.toFixed(0)} µs (main thread, off the hot path)`);
