// Cycle tracing for profiling runs: wraps the dispatcher and the consolidator (only when a trace
// is asked for; the plain engine pieces run otherwise) and records, per cycle, when it was
// requested, when every thread was done, and when consolidation started and ended, plus each
// agent's busy time from its result region (kResBusyUs, read after the cycle in lockstep).
// toChromeTrace() turns that into a Chrome tracing / Perfetto timeline: one track for the main
// thread (ingest, agents wait, consolidate) and one per agent thread (a span per agent).
import type { Dispatcher } from '../../engine/dispatch/dispatcher.ts';
import type { Consolidator } from '../../engine/consolidate/consolidator.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import { kCtlEpoch, kResBusyUs } from '../../protocol/layout.ts';
import type { EngineCore } from './core.ts';

export interface TraceEvent {
  name: string;
  cat?: string;
  ph: 'X' | 'M' | 'i';
  pid: number;
  tid: number;
  ts?: number; // µs
  dur?: number; // µs
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ns' | 'ms';
  otherData: Record<string, unknown>;
}

const kPid = 1;
const kMainTid = 0;

export class CycleTrace {
  readonly capacity: number;
  readonly #agents: readonly string[];
  readonly #topology: string[][];
  readonly #tReq: Float64Array;
  readonly #tDone: Float64Array;
  readonly #tConsStart: Float64Array;
  readonly #tConsEnd: Float64Array;
  readonly #epoch: Float64Array;
  readonly #cycle: Float64Array;
  readonly #busy: Float64Array; // cycle × agent
  #n = 0;
  #open = -1; // index of the cycle requested and not yet consolidated (lockstep)
  #startMs = performance.now();
  #startEpoch = 0;
  /** Requests seen without a matching await (realtime): their times, for instant markers. */
  readonly #realtimeRequests: number[] = [];

  constructor(capacity: number, agents: readonly string[], topology: string[][]) {
    this.capacity = capacity;
    this.#agents = agents;
    this.#topology = topology;
    this.#tReq = new Float64Array(capacity);
    this.#tDone = new Float64Array(capacity);
    this.#tConsStart = new Float64Array(capacity);
    this.#tConsEnd = new Float64Array(capacity);
    this.#epoch = new Float64Array(capacity);
    this.#cycle = new Float64Array(capacity);
    this.#busy = new Float64Array(capacity * agents.length);
  }

  get cycles(): number { return this.#n; }

  /** Forgets what was recorded so far (a warm-up) and marks where the traced part begins. */
  reset(epoch: number): void {
    this.#n = 0;
    this.#open = -1;
    this.#realtimeRequests.length = 0;
    this.#startMs = performance.now();
    this.#startEpoch = epoch;
  }

  /** The wrappers to hand to EngineRig.start({ instrument }). */
  instrument(d: Dispatcher, c: Consolidator, core: EngineCore): { dispatcher: Dispatcher; consolidator: Consolidator } {
    const ctl = core.arrays.ctl;
    const readers: ResultReader[] = core.readers;
    const nA = this.#agents.length;
    const dispatcher: Dispatcher = {
      get threads() { return d.threads; },
      get mainAgents() { return d.mainAgents; },
      get wakeAgents() { return d.wakeAgents; },
      get timing() { return d.timing; },
      start: () => d.start(),
      request: (ts: number, wakeOnly?: boolean): number => {
        const t = performance.now();
        const cycle = d.request(ts, wakeOnly);
        const i = this.#n;
        if (i < this.capacity) {
          this.#tReq[i] = t;
          this.#epoch[i] = Atomics.load(ctl, kCtlEpoch);
          this.#cycle[i] = cycle;
          this.#tDone[i] = NaN;
          this.#open = i;
        }
        if (d.threads === 0) this.#markDone(i, readers, nA); // inline: the agents ran inside request()
        return cycle;
      },
      awaitCycle: (cycle: number): boolean => {
        const ok = d.awaitCycle(cycle);
        if (d.threads > 0) this.#markDone(this.#open, readers, nA);
        return ok;
      },
      completed: () => d.completed(),
      fullThrough: (cycle: number) => d.fullThrough(cycle),
      lost: () => d.lost(),
      supervise: () => d.supervise(),
      get restarts() { return d.restarts; },
      stop: () => d.stop(),
    };
    const consolidator = Object.create(c) as Consolidator;
    consolidator.consolidate = (cycle: number, epoch: number, nowUs: number, fullCycle = cycle): number => {
      const t0 = performance.now();
      const r = c.consolidate(cycle, epoch, nowUs, fullCycle);
      const t1 = performance.now();
      const i = this.#open;
      if (i >= 0 && i === this.#n && i < this.capacity && this.#cycle[i] === cycle) {
        this.#tConsStart[i] = t0;
        this.#tConsEnd[i] = t1;
        this.#n++;
        this.#open = -1;
      } else if (this.#realtimeRequests.length < this.capacity) {
        this.#realtimeRequests.push(t0, t1, cycle);
      }
      return r;
    };
    return { dispatcher, consolidator };
  }

  #markDone(i: number, readers: ResultReader[], nA: number): void {
    if (i < 0 || i >= this.capacity) return;
    this.#tDone[i] = performance.now();
    for (let a = 0; a < nA; a++) this.#busy[i * nA + a] = readers[a]!.arrays.metrics[kResBusyUs]!;
  }

  toChromeTrace(otherData: Record<string, unknown> = {}): ChromeTrace {
    const ev: TraceEvent[] = [];
    const us = (ms: number): number => Math.round(ms * 1000 * 1000) / 1000;
    const nA = this.#agents.length;
    const agentIndex = new Map(this.#agents.map((a, i) => [a, i]));
    const inline = this.#topology.length === 0;
    ev.push({ name: 'process_name', ph: 'M', pid: kPid, tid: kMainTid, args: { name: 'lucent-engine' } });
    ev.push({ name: 'thread_name', ph: 'M', pid: kPid, tid: kMainTid, args: { name: inline ? 'main thread (agents inline)' : 'main thread: ingest → dispatch → consolidate' } });
    this.#topology.forEach((g, t) => ev.push({ name: 'thread_name', ph: 'M', pid: kPid, tid: t + 1, args: { name: `agent thread ${t}: ${g.join(', ')}` } }));
    let prevEnd = this.#startMs;
    let prevEpoch = this.#startEpoch;
    for (let i = 0; i < this.#n; i++) {
      const req = this.#tReq[i]!, done = this.#tDone[i]!, cs = this.#tConsStart[i]!, ce = this.#tConsEnd[i]!;
      const cycle = this.#cycle[i]!;
      const epoch = this.#epoch[i]!;
      if (req > prevEnd) ev.push({ name: 'ingest', cat: 'stage', ph: 'X', pid: kPid, tid: kMainTid, ts: us(prevEnd), dur: us(req - prevEnd), args: { events: epoch - prevEpoch } });
      ev.push({ name: `cycle ${cycle}`, cat: 'cycle', ph: 'X', pid: kPid, tid: kMainTid, ts: us(req), dur: us(ce - req), args: { cycle, epoch } });
      const agentsEnd = Number.isNaN(done) ? cs : done;
      ev.push({ name: 'agents', cat: 'stage', ph: 'X', pid: kPid, tid: kMainTid, ts: us(req), dur: us(Math.max(0, agentsEnd - req)), args: { cycle } });
      ev.push({ name: 'consolidate', cat: 'stage', ph: 'X', pid: kPid, tid: kMainTid, ts: us(cs), dur: us(ce - cs), args: { cycle } });
      if (inline) {
        let t = req;
        for (let a = 0; a < nA; a++) {
          const b = this.#busy[i * nA + a]! / 1000;
          ev.push({ name: this.#agents[a]!, cat: 'agent', ph: 'X', pid: kPid, tid: kMainTid, ts: us(t), dur: us(b), args: { cycle } });
          t += b;
        }
      } else {
        this.#topology.forEach((g, th) => {
          let total = 0;
          for (const a of g) total += this.#busy[i * nA + agentIndex.get(a)!]! / 1000;
          let t = Math.max(req, agentsEnd - total);
          if (t > req) ev.push({ name: 'wake + hand-off', cat: 'handoff', ph: 'X', pid: kPid, tid: th + 1, ts: us(req), dur: us(t - req), args: { cycle } });
          for (const a of g) {
            const busy = this.#busy[i * nA + agentIndex.get(a)!]!;
            ev.push({ name: a, cat: 'agent', ph: 'X', pid: kPid, tid: th + 1, ts: us(t), dur: us(busy / 1000), args: { cycle } });
            t += busy / 1000;
          }
        });
      }
      prevEnd = ce;
      prevEpoch = epoch;
    }
    const rt = this.#realtimeRequests;
    for (let k = 0; k + 2 < rt.length; k += 3) {
      ev.push({ name: 'consolidate', cat: 'stage', ph: 'X', pid: kPid, tid: kMainTid, ts: us(rt[k]!), dur: us(rt[k + 1]! - rt[k]!), args: { cycle: rt[k + 2] } });
    }
    return {
      traceEvents: ev, displayTimeUnit: 'ns',
      otherData: {
        cycles: this.#n, truncated: this.#n >= this.capacity,
        agentSpans: 'durations are each agent\'s own busy time (kResBusyUs); on an agent thread they are placed back to back so the thread\'s work ends when the main thread saw it done, after a wake + hand-off span',
        ...otherData,
      },
    };
  }
}
