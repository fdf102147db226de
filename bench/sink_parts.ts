// What each sink part costs, per event: the whole engine (runEngine, lockstep, the default design)
// over the default fixture with one part on at a time, interleaved in one process.
//
//   node_modules/.bin/node bench/sink_parts.ts [--threads auto|N] [--n 60000] [--rounds 5] [--variants off,store,http,bus,storebus,all] [--scrape-ms 0]
//
// Variants: off (nothing), store (embedded event store, audit thread), metrics (the metrics block
// recorded, no HTTP), http (block + endpoints), bus (block + bus from the main thread),
// storebus (store + bus from the audit thread), all (store + http + bus).
// Per run: events/s, CPU µs per event of the main thread, of the other threads of this process
// (worker threads, V8's helpers, libuv), of the whole process, and of the RabbitMQ broker
// (beam.smp, read from /proc: it shares the cores here). Medians over the rounds at the end.
// These machines are shared and noisy: compare CPU per event within one run, with its load.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runEngine } from '../engine/engine.ts';
import { resolveOptions } from '../engine/options.ts';
import { loadDefaultTape, TapeCursor } from './lib/tapes.ts';
import { withChannel } from '../engine/sinks/bus/rabbit_testing.ts';
import { busNames, deleteTopology } from '../engine/sinks/bus/topology.ts';
import { BlockRegistry } from '../engine/sinks/metrics/registry.ts';
import { Registry } from 'prom-client';

const { values: argv } = parseArgs({ options: {
  n: { type: 'string' }, rounds: { type: 'string' }, variants: { type: 'string' }, 'scrape-ms': { type: 'string' }, prefix: { type: 'string' }, threads: { type: 'string' }, rate: { type: 'string' },
} });
const n = Number(argv.n ?? 60000);
const rounds = Number(argv.rounds ?? 5);
const variants = (argv.variants ?? 'off,store,http,bus,storebus,all').split(',');
const scrapeMs = Number(argv['scrape-ms'] ?? 0);
// --rate R: realtime at R events/s (the last column is then p99 tick-to-decision, µs); lockstep otherwise
const rate = argv.rate === undefined ? 0 : Number(argv.rate);
// 'auto': the engine picks its design (a trial on a slice, which costs CPU of its own); a number fixes it
const threads = argv.threads === undefined || argv.threads === 'auto' ? undefined : Number(argv.threads);
const bus = 'amqp://guest:guest@127.0.0.1:5672';
const prefix = argv.prefix ?? `parts${process.pid}.`;
const base = await loadDefaultTape();
const tape = n >= base.tape.length ? base.tape : new TapeCursor(base.tape).take(n);
const dir = mkdtempSync(join(tmpdir(), 'sink-parts-'));
const tick = 1e6 / 100; // µs per clock tick (USER_HZ 100)

function brokerPid(): number | null {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try { if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'beam.smp') return Number(p); } catch { /* gone */ }
  }
  return null;
}
const beam = brokerPid();
const cpuOf = (stat: string): number => { const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) * tick; };
const brokerCpu = (): number => (beam === null ? NaN : cpuOf(readFileSync(`/proc/${beam}/stat`, 'utf8')));

let slowText = false;
const fastMetrics = BlockRegistry.prototype.metrics;
let port = 19500 + (process.pid % 400) * 10;
let run = 0;
const sinksOf = (variant: string): Record<string, unknown> => {
  run++;
  // "name:L": the bus's linger, ms (sinks.busLingerMs); "+slow": /metrics rendered by prom-client (as before BlockRegistry)
  slowText = variant.endsWith('+slow');
  const [v, linger] = variant.replace(/\+slow$/, '').split(':');
  const l = linger === undefined ? {} : { busLingerMs: Number(linger) };
  const es = join(dir, `r${run}.log`);
  const http = `127.0.0.1:${port++}`;
  switch (v) {
    case 'off': return { eventStore: 'off' };
    case 'store': return { eventStore: es };
    case 'metrics': return { eventStore: 'off', metrics: true };
    case 'http': return { eventStore: 'off', http };
    case 'bus': return { eventStore: 'off', bus, busPrefix: prefix, ...l };
    case 'storebus': return { eventStore: es, bus, busPrefix: prefix, ...l };
    case 'storehttp': return { eventStore: es, http };
    case 'all': return { eventStore: es, http, bus, busPrefix: prefix, ...l };
  }
  throw new Error(`unknown variant ${v}`);
};

const cols = ['ev/s', 'main', 'others', 'process', 'broker', 'proc+brk', 'p99µs'];
const res: Record<string, number[][]> = {};
console.log(`${rate > 0 ? `realtime ${rate} ev/s` : 'lockstep'} threads ${threads ?? 'auto'} n ${tape.length} rounds ${rounds} scrape ${scrapeMs || 'none'} broker pid ${beam ?? 'none'} load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`round variant design ${cols.join(' ')}   (CPU µs per event)`);
for (let r = -1; r < rounds; r++) {
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) {
    const sinks = sinksOf(v);
    BlockRegistry.prototype.metrics = slowText ? Registry.prototype.metrics : fastMetrics;
    const o = resolveOptions({ mode: rate > 0 ? 'realtime' : 'lockstep', rate, decisions: join(dir, `d${run}.jsonl`), summary: null, deadLetters: null, progress: false, sinks: sinks as never, ...(threads === undefined ? {} : { threads }) });
    let scraper: NodeJS.Timeout | null = null;
    let scrapes = 0;
    if (scrapeMs > 0 && typeof sinks.http === 'string') {
      const url = `http://${sinks.http}/metrics`;
      scraper = setInterval(() => { fetch(url).then((x) => x.text()).then(() => { scrapes++; }, () => undefined); }, scrapeMs);
    }
    const b0 = brokerCpu();
    const c0 = process.cpuUsage(), m0 = process.threadCpuUsage();
    const s = await runEngine(o, { tape: { tape, registry: base.registry, lines: tape.length } as never });
    const m = process.threadCpuUsage(m0), c = process.cpuUsage(c0);
    if (scraper !== null) clearInterval(scraper);
    await new Promise((ok) => setTimeout(ok, 300)); // the broker finishes its share (confirms are in; persistence, expiry)
    const b = brokerCpu() - b0;
    // Nothing consumes the approved actions here: left in their queue, each would expire after its TTL
    // (60 s) and be dead-lettered, work the broker would do during a later run. Purged now, outside the
    // window. (The names stay: as in a deployment, the exchanges and queues exist when a run starts;
    // declaring durable ones afresh costs the broker about 70 ms.)
    if (typeof sinks.bus === 'string') {
      const n = busNames(prefix);
      await withChannel(async (ch) => { await ch.purgeQueue(n.actionsQueue); await ch.purgeQueue(n.deadQueue); }).catch((e: Error) => console.log(`purge: ${e.message}`));
      await new Promise((ok) => setTimeout(ok, 300));
    }
    const ev = s.events;
    const main = (m.user + m.system) / ev, proc = (c.user + c.system) / ev;
    const row = [s.eventsPerSec, main, proc - main, proc, b / ev, proc + b / ev, s.latencyUs.p99];
    if (r >= 0) (res[v] ??= []).push(row);
    const busNote = (s.sinks?.bus ? ` bus ${s.sinks.bus.confirmed}/${s.sinks.bus.published}` : '') + (scraper !== null ? ` scrapes ${scrapes}` : '');
    console.log(`${r} ${v.padEnd(9)} ${String(s.dispatch?.chosen ?? '?').padEnd(10)} ${Math.round(row[0])} ${row.slice(1).map((x) => x.toFixed(2)).join(' ')}${busNote}`);
  }
}
const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log(`\nmedians (load ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
console.log(`variant ${cols.join(' ')}   d(proc+brk) vs off`);
const off = res.off?.map((x) => x[5]);
for (const v of variants) {
  const rows = res[v];
  const meds = cols.map((_, i) => med(rows.map((x) => x[i])));
  console.log(`${v.padEnd(9)} ${Math.round(meds[0])} ${meds.slice(1).map((x) => x.toFixed(2)).join(' ')}   ${off ? (meds[5] - med(off)).toFixed(2) : ''}`);
}
rmSync(dir, { recursive: true, force: true });
if (variants.some((v) => v.includes('bus') || v.startsWith('all'))) await withChannel((ch) => deleteTopology(ch, prefix, [])).catch((e: Error) => console.log(`clean-up: ${e.message}`));
process.exit(0);
