// Dispatch decided from measurements, before the first real tick: the warm-up.
//
// A slice of the input is replayed (lockstep, as fast as possible) through throwaway pipelines —
// their own state, agents, consolidation and a decision sink that writes nothing — so the real
// run starts from the same fresh state as without a warm-up and its decisions do not change:
//   1. inline: every agent's cost per cycle is measured (and the main thread's JIT warmed);
//   2. threaded, with the agents placed from those costs (planShares: the main thread runs its
//      share while the threads run theirs), on a pool of resident workers: the hand-off per cycle
//      (wake-up of the threads plus publish → read of their results) is measured;
//   3. inline again: the agents' costs measured with the main thread's code now warm. The first
//      pass runs mostly unoptimised code (its costs were several times the warm ones: 98.8 µs
//      per cycle for all agents against 11–14 µs warm), which made threads look worth their
//      hand-off when they were not. Realtime at a known offered rate (--rate, or a recording's
//      own rate at --speed) above kRealtimeInlineShare of this pass's events/s: every agent goes
//      to the threads, so the main thread only ingests and consolidates (the rate rule; inline
//      would fall behind the offered events). Otherwise, when the choice is automatic, the agents are placed again
//      from the warm costs and the hand-off: if no agent finishes the cycle sooner on a thread
//      (or the placement's predicted cycle is not kCostMargin shorter than inline's), inline is
//      chosen there (the cost gate), without further passes;
//   4. otherwise threaded, then inline and threaded again, interleaved in rounds (pass 3 is the
//      first round's inline pass): threaded is kept only when it beats inline by kThreadedMargin
//      in each of kConfirmRounds rounds in a row; the first round inline wins ends the warm-up
//      with inline. Passes last a few tens of ms on shared cores, so one round's lead is often
//      noise, and threads cost a core more for the same work: a near tie keeps inline.
// The threaded pool is kept and handed to the real dispatcher, so its threads start with their
// agents' code already compiled (JIT is per thread). When inline is chosen, or the warm-up stops or
// fails, the pool is destroyed before prepareDispatch returns: no agent thread of the warm-up
// outlives it. Realtime runs with a fixed design still get passes 1–2 as their warm-up.
import type { Piscina } from 'piscina';
import type { InstrumentRegistry } from '../protocol/registry.ts';
import { kTapeTs, kTapeWidth, type Tape } from '../protocol/tape.ts';
import { buildPipeline, type PipelineOptions } from './pipeline.ts';
import { DecisionLog } from './sinks/decision_log.ts';
import { runLoop } from './step/tape_replay.ts';
import { CycleBreakdown } from './dispatch/cycle_breakdown.ts';
import { planShares, type Shares } from './dispatch/topology.ts';

export interface DispatchReport {
  /** How the design was chosen. */
  how: 'automatic' | 'fixed';
  chosen: 'inline' | 'threaded';
  threads: number;
  mainShare: string[];
  topology: string[][];
  /** Warm-up slice replayed per pass, and the warm-up's total time. */
  warmupEvents: number;
  warmupMs: number;
  /** Median busy time per cycle of each agent, inline (µs): automatic, the lower of the first and a warm pass (warmCosts). */
  agentCostUs: Record<string, number>;
  /** The hand-off per cycle measured in the threaded pass: wake-up p50 plus publish → read p50 (µs). */
  handoffUs: number;
  inlineEventsPerSec: number;
  threadedEventsPerSec: number;
  /**
   * Why that design: 'cost' (the warm per-agent costs and the measured hand-off leave no agent
   * worth a thread: inline without comparing rounds), 'rounds' (the interleaved rounds decided),
   * 'fixed' (not chosen: a design given, or automatic off), 'rate' (realtime at a known offered
   * rate above kRealtimeInlineShare of what inline sustains: every agent on the threads).
   */
  why: 'cost' | 'rounds' | 'fixed' | 'rate';
  /** Realtime: the offered rate the choice was made for (events/s); null when unknown or as fast as possible. */
  offeredPerSec: number | null;
  /** The cycle the warm costs predict, µs: all agents inline, and the threaded placement (its slowest share, hand-off included). */
  predictedCycleUs: { inline: number; threaded: number };
}

export interface Prepared {
  shares: Shares;
  pool: Piscina | undefined;
  report: DispatchReport | null;
}

export interface PrepareOptions {
  /** Choose inline or threaded by measurement (o.threads is then the threaded candidate). */
  automatic: boolean;
  /** Warm up even when nothing is to be measured (realtime and live runs). */
  warm: boolean;
  /** Events per warm-up pass (default 6144, at most the tape). */
  sliceEvents?: number;
  /** Budget per pass (ms). */
  passMs?: number;
  /**
   * Aborted (SIGINT/SIGTERM): the warm-up stops at the next chunk of its slice (4096 events) and
   * no further pass starts; the design given (o.threads/o.topology, nothing chosen) is returned
   * without a pool, so the run that follows starts stopped.
   */
  signal?: AbortSignal | undefined;
  /**
   * Automatic: threaded is kept only when, in each of kConfirmRounds rounds, its events/s is at
   * least this multiple of inline's (default kThreadedMargin; Infinity keeps inline, 0 threaded).
   */
  threadedMargin?: number;
  /**
   * Automatic: the cost gate (see the file comment) lets the rounds decide only when the cycle
   * predicted for the threaded placement is at least this many times shorter than inline's
   * (default kCostMargin; 0 always lets the rounds decide, with pass 2's placement when the warm
   * costs place nothing on a thread; Infinity always keeps inline).
   */
  costMargin?: number;
  /**
   * Automatic, realtime: the rate events will be offered at (events/s: --rate, or a recording's own
   * rate at --speed), null or absent when unknown (a live source) or as fast as possible. Above
   * kRealtimeInlineShare of inline's warm events/s, every agent goes to the threads (see the file comment).
   */
  offeredPerSec?: number | null;
  /** Called after each warm-up pass (progress): which design it replayed and its events/s. */
  onPass?: ((design: 'inline' | 'threaded', eventsPerSec: number) => void) | undefined;
}

interface Pass { eventsPerSec: number; costs: Map<string, number>; handoffUs: number; pool: Piscina | null }

const kDefaultSlice = 4096;
/**
 * How much faster than inline a threaded pass must be, in each round, for threaded to be kept.
 * On this project's 2-core machines under load, a single round once measured inline 56,328 vs
 * threaded 62,887 events/s (1.12x); threaded kept, the run's main thread then spent 11.6 µs of CPU
 * per event where inline spends about 5.
 */
export const kThreadedMargin = 1.1;
/** Rounds in a row threaded must win for it to be kept. */
export const kConfirmRounds = 2;
/**
 * The cost gate: how much shorter than inline's the cycle predicted for the threaded placement
 * (warm per-agent costs, the slowest share with its hand-off) must be for the rounds to be run at
 * all. The prediction leaves out what a thread costs beyond the hand-off (on 2 shared cores the
 * main thread's own share and consolidation ran about twice as slow beside a busy agent thread),
 * so it is optimistic for threads: a near tie keeps inline.
 */
export const kCostMargin = 1.1;
/**
 * Realtime at a known offered rate: inline is kept only while the rate is at most this share of
 * the events/s inline sustained in the warm pass (lockstep, every triggering tick a cycle). Above
 * it the main thread, which ingests and runs every agent, has no headroom left: measured on this
 * project's 2-core machines at 100k events/s offered (inline's warm pass 55-60k), inline achieved
 * 43.7k events/s with a p99 of 516 ms, one agent thread (every agent on it) 98.5k with 9-15 ms;
 * at 10k offered inline's p99 was the lower (no hand-off), so a low rate keeps the other rules.
 */
export const kRealtimeInlineShare = 0.5;

/** The first `n` rows of a tape, without copying. */
function sliceOf(tape: Tape, n: number): Tape {
  return { rows: tape.rows, depth: tape.depth, length: Math.min(n, tape.length) } as unknown as Tape;
}

/** The event loop turns (a signal handler runs) before the promise settles. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `held`: the pool the warm-up holds, updated as soon as this pass detaches one (so a failure can destroy it). */
async function pass(o: PipelineOptions, registry: InstrumentRegistry, tape: Tape, shares: Shares, pool: Piscina | undefined, keepPool: boolean, passMs: number, signal: AbortSignal | undefined, held: { pool: Piscina | undefined }): Promise<Pass> {
  const p = buildPipeline({ ...o, shares, pool }, registry, new DecisionLog(null), { onThreadError: () => undefined });
  try {
    await p.dispatcher.start();
  } catch (err) {
    await p.dispatcher.stop().catch(() => undefined); // the threads that did start, and a pool it made, go too
    throw err;
  }
  const bd = new CycleBreakdown(p.dispatcher.timing, p.arrays.ctlF64, p.topology.length, 1 << 14);
  const t0 = performance.now();
  const detached = keepPool ? p.dispatcher.detachPool?.() ?? null : null;
  if (detached !== null) held.pool = detached;
  let stats;
  try {
    stats = await runLoop({
      tape, writer: p.writer, trigger: p.trigger, dispatcher: p.dispatcher, consolidator: p.consolidator, readers: p.readers,
      mode: 'lockstep', rate: 0, speed: 0, breakdown: bd, between: (done) => (done < tape.length ? turn() : Promise.resolve()), stopped: () => performance.now() - t0 > passMs, signal,
    });
  } finally {
    await p.dispatcher.stop();
  }
  const costs = new Map<string, number>();
  for (const [name, rec] of stats.perAgent) costs.set(name, rec.summary().p50);
  const b = bd.cycles > 0 ? bd.summary() : null;
  return { eventsPerSec: stats.events / Math.max(1e-9, stats.runMs / 1000), costs, handoffUs: b ? b.wake.p50 + b.read.p50 : 0, pool: detached };
}

/**
 * Measures, places the agents and (automatic) chooses inline or threaded; see the file comment.
 * With a --topology, or inline by choice, nothing is placed: the warm-up (when asked) replays the
 * slice through the design as given.
 */
export async function prepareDispatch(o: PipelineOptions, registry: InstrumentRegistry, tape: Tape, po: PrepareOptions): Promise<Prepared> {
  // The warm-up's pool, while it has one: destroyed if a pass fails (a thread that died at start,
  // a pipeline that threw), so that no agent thread outlives a failed warm-up.
  const held: { pool: Piscina | undefined } = { pool: undefined };
  try {
    return await prepare(o, registry, tape, po, held);
  } catch (err) {
    await held.pool?.destroy().catch(() => undefined);
    throw err;
  }
}

async function prepare(o: PipelineOptions, registry: InstrumentRegistry, tape: Tape, po: PrepareOptions, held: { pool: Piscina | undefined }): Promise<Prepared> {
  const given = planShares(o.agents, o.threads, o.topology);
  const fixed = o.threads === 0 || (o.topology !== undefined && o.topology.trim() !== '');
  if (tape.length === 0 || (fixed && !po.warm) || (!fixed && !po.automatic && !po.warm && o.threads === 0)) return { shares: given, pool: undefined, report: null };
  const t0 = performance.now();
  const slice = sliceOf(tape, po.sliceEvents ?? kDefaultSlice);
  const passMs = po.passMs ?? 800;
  const signal = po.signal;
  const inlineShares: Shares = { threads: [], main: [...o.agents] };
  // Stopped (a signal): no further pass; the given design, without the warm-up's pool.
  const stopped = async (pool: Piscina | undefined): Promise<Prepared | null> => {
    await turn(); // a signal that arrived during the pass is heard here
    if (!signal?.aborted) return null;
    await pool?.destroy();
    return { shares: given, pool: undefined, report: null };
  };
  const run = async (shares: Shares, pool: Piscina | undefined, keepPool: boolean): Promise<Pass> => {
    const r = await pass(o, registry, slice, shares, pool, keepPool, passMs, signal, held);
    po.onPass?.(shares.threads.length > 0 ? 'threaded' : 'inline', r.eventsPerSec);
    return r;
  };
  let halt = await stopped(undefined);
  if (halt) return halt;
  if (fixed) {
    const w = await run(given, undefined, given.threads.length > 0);
    return (await stopped(w.pool ?? undefined)) ?? { shares: given, pool: w.pool ?? undefined, report: null };
  }
  // 1. inline: per-agent costs (cold: the main thread's code is still being compiled).
  const a = await run(inlineShares, undefined, false);
  if ((halt = await stopped(undefined))) return halt;
  // 2. threaded from those costs: the hand-off; then re-planned with it.
  let shares = planShares(o.agents, o.threads, undefined, a.costs, 0);
  const b = await run(shares, undefined, true);
  let pool = b.pool ?? undefined;
  if ((halt = await stopped(pool))) return halt;
  if (!po.automatic) {
    const replanned = planShares(o.agents, o.threads, undefined, a.costs, b.handoffUs);
    if (replanned.threads.length > 0) shares = replanned; // else: by cost alone nothing pays a thread; threaded was asked for
    return { shares, pool, report: report(po, 'threaded', 'fixed', shares, slice.length, t0, a.costs, b.handoffUs, a.eventsPerSec, b.eventsPerSec, predictCycle(o.agents, shares, a.costs, b.handoffUs)) };
  }
  // 3. inline again: warm costs; the cost gate.
  const c = await run(inlineShares, undefined, false);
  if ((halt = await stopped(pool))) return halt;
  const costs = warmCosts(a.costs, c.costs);
  const replanned = planShares(o.agents, o.threads, undefined, costs, b.handoffUs);
  const predicted = predictCycle(o.agents, replanned, costs, b.handoffUs);
  const margin = po.threadedMargin ?? kThreadedMargin;
  const costMargin = po.costMargin ?? kCostMargin;
  const offered = po.offeredPerSec ?? null;
  if (offeredNeedsThreads(offered, c.eventsPerSec, o.threads)) {
    // realtime above inline's headroom: every agent on the threads, so the main thread only ingests and consolidates
    const onThreads = planShares(o.agents, o.threads);
    if (pool && onThreads.threads.length !== shares.threads.length) { await pool.destroy(); pool = undefined; held.pool = undefined; } // sized for pass 2's placement: the dispatcher starts its own
    return { shares: onThreads, pool, report: report(po, 'threaded', 'rate', onThreads, slice.length, t0, costs, b.handoffUs, c.eventsPerSec, b.eventsPerSec, predictCycle(o.agents, onThreads, costs, b.handoffUs)) };
  }
  if (costMargin !== 0 && !threadsPay(replanned, predicted, costMargin)) {
    if (pool) { await pool.destroy(); pool = undefined; }
    held.pool = undefined;
    return { shares: given0(o), pool: undefined, report: report(po, 'inline', 'cost', given0(o), slice.length, t0, costs, b.handoffUs, c.eventsPerSec, b.eventsPerSec, predicted) };
  }
  if (replanned.threads.length > 0) shares = replanned; // else (costMargin 0): the placement of pass 2
  // 4. threaded, then inline and threaded interleaved: rounds until inline wins one, or threaded won kConfirmRounds.
  const rounds: Round[] = [];
  let inlineRate: number | null = c.eventsPerSec; // the first round's inline pass is pass 3
  while (rounds.length < kConfirmRounds && (rounds.length === 0 || threadedWon(rounds.at(-1)!, margin))) {
    if (inlineRate === null) {
      inlineRate = (await run(inlineShares, undefined, false)).eventsPerSec;
      if ((halt = await stopped(pool))) return halt;
    }
    const t = await run(shares, pool, true);
    pool = t.pool ?? undefined;
    rounds.push({ inline: inlineRate, threaded: t.eventsPerSec });
    inlineRate = null;
    if ((halt = await stopped(pool))) return halt;
  }
  const chosen = chooseDesign(rounds, margin);
  const inl = Math.max(...rounds.map((r) => r.inline)), thr = Math.max(...rounds.map((r) => r.threaded));
  if (chosen === 'inline' && pool) { await pool.destroy(); pool = undefined; held.pool = undefined; }
  const final = chosen === 'inline' ? given0(o) : shares;
  return { shares: final, pool, report: report(po, chosen, 'rounds', final, slice.length, t0, costs, b.handoffUs, inl, thr, predictCycle(o.agents, shares, costs, b.handoffUs)) };
}

/**
 * Each agent's cost for planning: the lower of two inline passes' medians (the later one runs
 * warmer code; the lower figure never makes a thread look more worthwhile than it is).
 */
export function warmCosts(first: ReadonlyMap<string, number>, later: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, v] of later) out.set(name, Math.min(v, first.get(name) ?? v));
  for (const [name, v] of first) if (!out.has(name)) out.set(name, v);
  return out;
}

/**
 * The cycle a placement would take by the measured costs (µs): inline, every agent on the main
 * thread in turn; threaded, the slowest of the main thread's share and each thread's share plus
 * the hand-off.
 */
export function predictCycle(agents: readonly string[], s: Shares, costs: ReadonlyMap<string, number>, handoffUs: number): { inline: number; threaded: number } {
  const sum = (g: readonly string[]): number => g.reduce((acc, n) => acc + (costs.get(n) ?? 0), 0);
  let threaded = sum(s.main);
  for (const g of s.threads) threaded = Math.max(threaded, handoffUs + sum(g));
  return { inline: sum(agents), threaded };
}

/** The cost gate: threads are worth measuring against inline only when the placement uses one and its predicted cycle is `margin` times shorter. */
export function threadsPay(s: Shares, predicted: { inline: number; threaded: number }, margin = kCostMargin): boolean {
  if (s.threads.length === 0) return false;
  if (margin === 0) return true;
  return predicted.threaded > 0 && predicted.inline >= predicted.threaded * margin;
}

/**
 * The rate a realtime replay will offer events at (events/s): `rate` when fixed; at `speed` ×
 * recorded timing, the tape's own rate (its events over its recorded span) times the speed; null
 * for lockstep, as fast as possible, or a tape with no span to measure.
 */
export function offeredRate(mode: 'lockstep' | 'realtime', rate: number, speed: number, tape: Tape): number | null {
  if (mode !== 'realtime') return null;
  if (rate > 0) return rate;
  if (!(speed > 0) || tape.length < 2) return null;
  const spanUs = tape.rows[(tape.length - 1) * kTapeWidth + kTapeTs]! - tape.rows[kTapeTs]!;
  return spanUs > 0 ? ((tape.length - 1) / (spanUs / 1e6)) * speed : null;
}

/** Realtime: whether an offered rate (events/s; null: unknown) leaves inline, which sustained `inlinePerSec` warm, too little headroom (kRealtimeInlineShare), with a thread to go to. */
export function offeredNeedsThreads(offered: number | null, inlinePerSec: number, threads: number): boolean {
  return threads > 0 && offered !== null && Number.isFinite(offered) && offered > 0 && inlinePerSec > 0 && offered > kRealtimeInlineShare * inlinePerSec;
}

/** One interleaved round of the automatic choice: the events/s of its inline pass and of its threaded pass. */
export interface Round { inline: number; threaded: number }

function threadedWon(r: Round, margin: number): boolean {
  return r.threaded > 0 && r.threaded >= r.inline * margin;
}

/** The automatic choice: threaded only when it beat inline by `margin` in each of kConfirmRounds rounds or more. */
export function chooseDesign(rounds: readonly Round[], margin = kThreadedMargin): 'inline' | 'threaded' {
  return rounds.length >= kConfirmRounds && rounds.every((r) => threadedWon(r, margin)) ? 'threaded' : 'inline';
}

function given0(o: PipelineOptions): Shares { return { threads: [], main: [...o.agents] }; }

function report(po: PrepareOptions, chosen: 'inline' | 'threaded', why: DispatchReport['why'], s: Shares, events: number, t0: number, costs: ReadonlyMap<string, number>, handoffUs: number, inl: number, thr: number, predicted: { inline: number; threaded: number }): DispatchReport {
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  return {
    how: po.automatic ? 'automatic' : 'fixed', chosen, threads: s.threads.length, mainShare: s.threads.length ? s.main : [], topology: s.threads,
    warmupEvents: events, warmupMs: Math.round(performance.now() - t0),
    agentCostUs: Object.fromEntries(costs), handoffUs: r1(handoffUs),
    inlineEventsPerSec: Math.round(inl), threadedEventsPerSec: Math.round(thr),
    why, predictedCycleUs: { inline: r1(predicted.inline), threaded: r1(predicted.threaded) },
    offeredPerSec: po.offeredPerSec ?? null,
  };
}
