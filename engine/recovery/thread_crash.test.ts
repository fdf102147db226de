// An agent thread that dies mid-cycle (a test hook makes it write half its output, then throw out
// of its loop or end the thread with process.exit) is replaced at once: the cycle it died in is
// consolidated without it (its fusion sits the cycle out, the other decisions of that cycle name
// it), the next cycle has it back, its death is counted as an error, its half-written output is
// never read, and the risk table it may have half written is reset by its replacement.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { loadFixture } from '../source/file/fixture_reader.ts';
import { reserveDerivedSlots } from '../state/derived_slots.ts';
import { buildPipeline, type Pipeline, type PipelineHooks } from '../pipeline.ts';
import { resolveOptions } from '../options.ts';
import { runLoop } from '../step/tape_replay.ts';
import type { LoopStats } from '../step/event_stepper.ts';
import type { Decision, DecisionSink } from '../types.ts';
import { kTestFixture } from '../testing/run_fixture.ts';

const kEvents = 20_000;
const kPoison = 7.77e14;

class Collect implements DecisionSink {
  readonly all: Decision[] = [];
  write(d: Decision): void { this.all.push(d); }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

interface Run { p: Pipeline; loop: LoopStats; decisions: Decision[]; errors: string[]; betweenCalls: number; missedEpochs: number[] }

async function run(topology: string, crashAt: PipelineHooks['crashAt'], mode: 'lockstep' | 'realtime' = 'lockstep', rate = 0): Promise<Run> {
  const registry = new InstrumentRegistry();
  const { tape } = await loadFixture(kTestFixture, registry, { limit: kEvents });
  reserveDerivedSlots(registry);
  registry.freeze();
  const o = resolveOptions({ fixture: kTestFixture, topology, threads: topology.split(';').length, wait: 'block', progress: false, mode });
  const sink = new Collect();
  const errors: string[] = [];
  const p = buildPipeline(o, registry, sink, { crashAt, onThreadError: (_t, err) => errors.push(err.message) });
  await p.dispatcher.start();
  // The epochs (source events) of the cycles consolidated without some agent.
  const missedEpochs: number[] = [];
  const consolidate = p.consolidator.consolidate.bind(p.consolidator);
  p.consolidator.consolidate = (cycle, epoch, nowUs, fullCycle) => {
    const before = p.stats.cyclesMissingAgents;
    const n = consolidate(cycle, epoch, nowUs, fullCycle);
    if (p.stats.cyclesMissingAgents > before) missedEpochs.push(epoch);
    return n;
  };
  let betweenCalls = 0;
  let loop: LoopStats;
  try {
    loop = await runLoop({
      tape, writer: p.writer, trigger: p.trigger, dispatcher: p.dispatcher, consolidator: p.consolidator, readers: p.readers,
      mode, rate, speed: 0, between: async () => { betweenCalls++; },
    });
  } finally {
    await p.dispatcher.stop();
  }
  return { p, loop, decisions: sink.all, errors, betweenCalls, missedEpochs };
}

const kTopology = 'risk_assessor,market_analyzer;arbitrage_detector,yield_hunter,liquidity_optimizer,portfolio_rebalancer,execution_optimizer';

function cyclesOf(ds: Decision[]): number[] { return [...new Set(ds.map((d) => d.cycle))]; }

let exitCycle = 0;
let throwCycle = 0;

test('control: without the hook nothing is marked, nothing restarted, nothing missed', async () => {
  const r = await run(kTopology, undefined);
  assert.is(r.p.dispatcher.restarts, 0);
  assert.is(r.p.stats.cyclesMissingAgents, 0);
  assert.not.ok(r.decisions.some((d) => d.missingAgents !== undefined));
  assert.ok(r.decisions.length > 50, `${r.decisions.length} decisions`);
  // The crash tests below die in a cycle where the agents that still publish decide something.
  const pick = (agents: string[]): number => r.decisions.find((d) => d.cycle >= 20 && agents.includes(d.agent))?.cycle ?? 0;
  exitCycle = pick(['arbitrage_detector', 'risk_assessor', 'market_analyzer']);
  throwCycle = pick(['arbitrage_detector', 'yield_hunter', 'portfolio_rebalancer', 'liquidity_optimizer']);
  assert.ok(exitCycle > 0 && throwCycle > 0, `cycles ${exitCycle} ${throwCycle}`);
});




test('a thread that ends itself mid-cycle (process.exit) is replaced before the next cycle; that cycle is decided without its agents and says so', async () => {
  const crashCycle = exitCycle;
  const r = await run(kTopology, { agent: 'yield_hunter', cycle: crashCycle, how: 'exit' });
  assert.is(r.loop.events, kEvents, 'the run went on to the end');
  assert.ok(r.errors.length === 1 && /exited with code: 70/.test(r.errors[0]!), r.errors.join('; '));
  assert.is(r.p.dispatcher.restarts, 1, 'one replacement');
  const stats = r.p.stats;
  // Died half-way through yield_hunter: arbitrage_detector (before it on the thread)
  // published, yield_hunter and the agents after it did not. One cycle without them: the thread
  // was back for the next one (a replacement at the next 4,096-event chunk would miss many).
  // Only the source event it died in is decided without the thread's agents (that event's own
  // derived triggers, run before the step returns, included: there the whole thread is missing).
  assert.ok(r.missedEpochs.length >= 1 && new Set(r.missedEpochs).size === 1, `missed epochs ${r.missedEpochs.join(',')}`);
  const n = stats.cyclesMissingAgents;
  assert.equal(stats.missedByAgent, n === 1
    ? { yield_hunter: 1, liquidity_optimizer: 1, portfolio_rebalancer: 1, execution_optimizer: 1 }
    : { yield_hunter: n, liquidity_optimizer: n, portfolio_rebalancer: n, execution_optimizer: n, arbitrage_detector: n - 1 });
  assert.ok(r.betweenCalls <= Math.ceil(kEvents / 4096) + 1, 'no extra chunk boundary was needed');
  const errors = Object.fromEntries(r.p.readers.map((x) => [x.name, x.errors()]));
  assert.is(errors['yield_hunter'], 1, 'its death counted as one error of the agent it was running');
  assert.is(errors['arbitrage_detector'], 0);
  // Decisions made in the crash cycle name the missing agents; no others do.
  const marked = r.decisions.filter((d) => d.missingAgents !== undefined);
  assert.ok(marked.length > 0, 'the crash cycle decided something (the agents that published)');
  const died = ['execution_optimizer', 'liquidity_optimizer', 'portfolio_rebalancer', 'yield_hunter'];
  for (const d of marked) {
    const m = [...d.missingAgents!].sort();
    assert.ok(m.join() === died.join() || m.join() === ['arbitrage_detector', ...died].join(), `${d.key}: missing ${m.join(',')}`);
  }
  assert.ok(marked.every((d) => d.epoch === r.missedEpochs[0]) && cyclesOf(marked)[0] === crashCycle, 'marked decisions all from the crash event');
  assert.ok(marked.every((d) => d.agent !== 'yield_hunter'), 'the missing agent decided nothing in that cycle');
  // The replacement works: yield_hunter decides again after the crash.
  const after = r.decisions.filter((d) => d.agent === 'yield_hunter' && d.cycle > crashCycle);
  assert.ok(after.length > 0, 'yield_hunter decides after its replacement');
  // Its half-written bank (the poison record) never reached consolidation.
  assert.not.ok(r.decisions.some((d) => d.sizeUsd === 9.99e11 || d.expectedProfitUsd === 9.99e11 || d.score === 9.99e11), 'no decision from the unpublished bank');
});

test('a thread that throws out of its loop after poisoning the risk table: the cycle sizes nothing on the half-written table; the replacement resets it', async () => {
  const r = await run(kTopology, { agent: 'risk_assessor', cycle: throwCycle, how: 'throw', poison: kPoison });
  assert.is(r.loop.events, kEvents);
  assert.ok(r.errors.length === 1 && r.errors[0]!.includes(`test crash of agent risk_assessor at cycle ${throwCycle}`), r.errors.join('; '));
  assert.is(r.p.dispatcher.restarts, 1);
  assert.ok(r.missedEpochs.length >= 1 && new Set(r.missedEpochs).size === 1, `missed epochs ${r.missedEpochs.join(',')}`);
  assert.equal(r.p.stats.missedByAgent, { risk_assessor: r.missedEpochs.length, market_analyzer: r.missedEpochs.length });
  assert.is(r.p.readers.find((x) => x.name === 'risk_assessor')!.errors(), 1);
  const marked = r.decisions.filter((d) => d.missingAgents !== undefined);
  assert.ok(marked.length > 0 && marked.every((d) => d.epoch === r.missedEpochs[0]), `marked in cycles ${cyclesOf(marked).join(',')}`);
  for (const d of marked) {
    assert.equal([...d.missingAgents!].sort(), ['market_analyzer', 'risk_assessor']);
  }
  for (const d of r.decisions) {
    assert.ok(Math.abs(d.sizeUsd) < 1e12 && Math.abs(d.expectedProfitUsd) < 1e12, `${d.key}: no poisoned figure (${d.sizeUsd}, ${d.expectedProfitUsd})`);
  }
  // The risk table holds no poisoned cell after the run (the replacement's init reset it) …
  const table = r.p.readers.find((x) => x.name === 'risk_assessor')!.arrays.table;
  let poisoned = 0;
  for (let i = 0; i < table.length; i++) if (table[i] === kPoison) poisoned++;
  assert.is(poisoned, 0, 'poisoned cells left in the risk table');
  // … and the market state, which only the main thread writes, has no slot left mid-write.
  const seq = r.p.arrays.seq;
  let odd = 0;
  for (let s = 0; s < r.p.capacity; s++) if ((Atomics.load(seq, s) & 1) !== 0) odd++;
  assert.is(odd, 0, 'slots left with an odd sequence');
});

test('realtime: a dead thread is replaced within 64 events; consolidation goes on without it meanwhile', async () => {
  // Paced (2 s), so the threads run while the replay does, even on a loaded machine.
  const r = await run(kTopology, { agent: 'arbitrage_detector', cycle: 5, how: 'exit' }, 'realtime', 10_000);
  assert.is(r.loop.events, kEvents);
  assert.is(r.p.dispatcher.restarts, 1);
  assert.ok(r.p.readers.find((x) => x.name === 'arbitrage_detector')!.errors() === 1);
  assert.ok(Number.isFinite(r.p.executor.cashUsd), `cash ${r.p.executor.cashUsd}`);
  assert.ok(r.decisions.some((d) => d.agent === 'arbitrage_detector' && d.cycle > 5), 'arbitrage_detector decides after its replacement');
});

test.run();
