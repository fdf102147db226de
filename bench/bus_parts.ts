// What one bus message costs the broker and us, by what the broker is asked to do: persistent or
// not, publisher confirms or not, a bound queue (with x-max-priority 9, as the record's work
// queues) or a plain one or none, the body's size, per-message TTL; plus the engine's
// BusPublisher as it publishes approved actions. Interleaved rounds in one process; CPU read
// from /proc for the broker (beam.smp) and process.cpuUsage for us.
//
//   node_modules/.bin/node bench/bus_parts.ts [--n 2000] [--rounds 3] [--variants a,b,...] [--batch 20]
//
// The engine's publishing pattern: a burst of `batch` messages, then a turn of the event loop.
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import { BusPublisher } from '../engine/sinks/bus/publisher.ts';
import { JsonText } from '../engine/sinks/json_text.ts';
import { deleteTopology } from '../engine/sinks/bus/topology.ts';

const { values: argv } = parseArgs({ options: { n: { type: 'string' }, rounds: { type: 'string' }, variants: { type: 'string' }, batch: { type: 'string' }, size: { type: 'string' }, 'gap-ms': { type: 'string' } } });
const gapMs = Number(argv['gap-ms'] ?? 0);
const N = Number(argv.n ?? 2000);
const rounds = Number(argv.rounds ?? 3);
const batch = Number(argv.batch ?? 20);
const size = Number(argv.size ?? 1200);
const url = 'amqp://guest:guest@127.0.0.1:5672';
const tick = 1e6 / 100;
const beam = readdirSync('/proc').find((p) => /^\d+$/.test(p) && (() => { try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'beam.smp'; } catch { return false; } })());
const brokerCpu = (): number => { const s = readFileSync(`/proc/${beam}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) * tick; };

interface V { linger?: number; persistent: boolean; confirm: boolean; queue: 'priority' | 'plain' | 'none' | 'v2'; size: number; ttl: boolean; engine?: boolean; batchConfirm?: boolean }
const all: Record<string, V> = {
  idle: { persistent: false, confirm: false, queue: 'none', size: 0, ttl: false },
  engine: { persistent: true, confirm: true, queue: 'priority', size, ttl: true, engine: true },
  engine0: { linger: 0, persistent: true, confirm: true, queue: 'priority', size, ttl: true, engine: true },
  engine100: { linger: 100, persistent: true, confirm: true, queue: 'priority', size, ttl: true, engine: true },
  full: { persistent: true, confirm: true, queue: 'priority', size, ttl: true },
  transient: { persistent: false, confirm: true, queue: 'priority', size, ttl: true },
  noconfirm: { persistent: true, confirm: false, queue: 'priority', size, ttl: true },
  plainq: { persistent: true, confirm: true, queue: 'plain', size, ttl: true },
  noqueue: { persistent: true, confirm: true, queue: 'none', size, ttl: true },
  small: { persistent: true, confirm: true, queue: 'priority', size: 200, ttl: true },
  big: { persistent: true, confirm: true, queue: 'priority', size: 5000, ttl: true },
  nottl: { persistent: true, confirm: true, queue: 'priority', size, ttl: false },
  v2: { persistent: true, confirm: true, queue: 'v2', size, ttl: true },
  bare: { persistent: false, confirm: false, queue: 'none', size, ttl: false },
};
const variants = (argv.variants ?? 'idle,engine,full,transient,noconfirm,plainq,noqueue,small,big,nottl,bare').split(',');
const body = (n: number): string => JSON.stringify({ pad: 'x'.repeat(Math.max(0, n - 12)) });
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

async function once(name: string, v: V, r: number): Promise<{ ours: number; broker: number; ms: number }> {
  const prefix = `bp${process.pid}r${r}${name}.`;
  const conn = await amqp.connect(url);
  // confirm: false publishes on a plain channel (no publisher confirms at all); the end is then a round trip on a second, confirm channel
  const ch = v.confirm ? await conn.createConfirmChannel() : await conn.createChannel();
  const sync = await conn.createConfirmChannel();
  const ex = `${prefix}lucent.actions.topic`;
  await ch.assertExchange(ex, 'topic', { durable: true });
  if (v.queue !== 'none' && !v.engine) {
    const q = `${prefix}lucent.actions.approved`;
    await ch.assertQueue(q, { durable: true, deadLetterExchange: `${prefix}lucent.dead`, ...(v.queue === 'priority' ? { maxPriority: 9 } : {}), ...(v.queue === 'v2' ? { arguments: { 'x-queue-version': 2 } } : {}) });
    await ch.bindQueue(q, ex, 'action.#');
  }
  let pub: BusPublisher | null = null;
  if (v.engine) { pub = new BusPublisher({ url, prefix, ...(v.linger === undefined ? {} : { lingerMs: v.linger }) }).start(); while (!pub.stats().connected) await new Promise((ok) => setTimeout(ok, 20)); }
  const text = body(v.size);
  await new Promise((ok) => setTimeout(ok, 200));
  const b0 = brokerCpu(), c0 = process.cpuUsage(), t0 = performance.now();
  {
    for (let i = 0; i < N; i += batch) {
      for (let j = i; j < Math.min(N, i + batch); j++) {
        if (v.size === 0) continue; // idle: the same pacing, nothing sent (the broker's and our background)
        if (pub !== null) {
          pub.publishAction('yield_entry', { id: `a-${r}-${j}`, from: 'yield_hunter', to: 'executor', type: 'action.yield_entry', priority: 5, payload: new JsonText(text), timestamp: Date.now(), ttl: 60_000 });
        } else {
          const opts = { messageId: `a-${r}-${j}`, priority: 5, persistent: v.persistent, contentType: 'application/json', timestamp: Math.floor(Date.now() / 1000), type: 'action.yield_entry', appId: 'lucent-engine', mandatory: true, ...(v.ttl ? { expiration: '60000' } : {}) };
          if (v.confirm) (ch as amqp.ConfirmChannel).publish(ex, 'action.yield_entry', Buffer.from(text), opts, () => undefined);
          else ch.publish(ex, 'action.yield_entry', Buffer.from(text), opts);
        }
      }
      if (gapMs > 0) await new Promise((ok) => setTimeout(ok, gapMs)); else await turn();
    }
    if (pub !== null) await pub.flush(30_000);
    else if (v.confirm) await (ch as amqp.ConfirmChannel).waitForConfirms();
    else await sync.checkExchange(ex); // a plain channel: one round trip after the last publish on the same connection
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  await new Promise((ok) => setTimeout(ok, 300));
  const broker = brokerCpu() - b0;
  if (pub !== null) await pub.close(1000);
  await deleteTopology(ch, prefix, []).catch(() => undefined);
  await conn.close().catch(() => undefined);
  return { ours: (c.user + c.system) / N, broker: broker / N, ms };
}
console.log(`n ${N} batch ${batch} gap ${gapMs} ms size ${size} rounds ${rounds} load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const res: Record<string, { ours: number; broker: number; ms: number }[]> = {};
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) (res[v] ??= []).push(await once(v, all[v]!, r));
}
const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
console.log(`variant       ours µs/msg  broker µs/msg  ms   (idle: the same pacing with nothing sent, per message slot)   load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const v of variants) {
  const x = res[v]!;
  console.log(`${v.padEnd(12)} ${med(x.map((y) => y.ours)).toFixed(1).padStart(8)} ${med(x.map((y) => y.broker)).toFixed(1).padStart(12)} ${Math.round(med(x.map((y) => y.ms))).toString().padStart(6)}   [${x.map((y) => y.broker.toFixed(0)).join(' ')}]`);
}
process.exit(0);
