// The kill switch on a running engine: the shipped fixture replayed at a fixed rate, with the
// HTTP endpoints up. A kind, an agent, then the engine are killed over HTTP: each is in force from
// the next consolidation (at most one cycle), no action of the scope is approved after it, ingest
// and agents go on, and the decision log keeps recording. SIGUSR2 sent to the process halts and
// resumes the engine. Another run trips the engine and an agent automatically (losses within a
// window), another opens, half-opens and closes a breaker. Prints the figures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngine } from '../engine.ts';
import { kDefaultConfig, resolveOptions, type EngineConfig } from '../options.ts';
import type { Operator } from './operator.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-kill-'));
const tokenFile = join(dir, 'tokens');
writeFileSync(tokenFile, 'ops:ops-token-0123456789abcdef\n');

interface ScopeSnap { scope: string; name?: string; state: string; engagedCycle: number; effect: { cycles: number; us: number } | null; reaction: { cycles: number; us: number } | null; who: string }

test('manual kill over HTTP per scope: in force within one cycle; nothing of the scope approved after; the run goes on', async () => {
  let op = null as Operator | null;
  const decisions = join(dir, 'd.jsonl');
  const done: Promise<void>[] = [];
  const summary = await runEngine(resolveOptions({
    threads: 1, rate: 25_000, decisions, summary: null, deadLetters: null, progress: false,
    operator: { http: { all: { port: 0 } }, tokenFile, eventStore: null },
  }), {
    onOperator: (o) => {
      op = o;
      const url = `http://127.0.0.1:${o.http!.health.port}`;
      // each kill once the run has reached a cycle (polled on the event loop, as an operator would)
      const kill = (body: object, atCycle: number): void => {
        done.push(new Promise((resolve, reject) => {
          const t = setInterval(() => {
            if (o.control.cycle < atCycle) return;
            clearInterval(t);
            fetch(`${url}/control/kill`, { method: 'POST', headers: { authorization: 'Bearer ops-token-0123456789abcdef' }, body: JSON.stringify(body) })
              .then((r) => { assert.is(r.status, 200); resolve(); }, reject);
          }, 5);
        }));
      };
      kill({ scope: 'kind', kind: 'arbitrage_triangular' }, 2000);
      kill({ scope: 'agent', agent: 'portfolio_rebalancer' }, 5000);
      kill({ scope: 'engine' }, 8000);
    },
  });
  await Promise.all(done);
  assert.ok(op !== null);
  const snap = op!.control.snapshot() as { engine: ScopeSnap; agents: ScopeSnap[]; kinds: ScopeSnap[] };
  const scopes = [snap.kinds.find((s) => s.name === 'arbitrage_triangular')!, snap.agents.find((s) => s.name === 'portfolio_rebalancer')!, snap.engine];
  const lines = readFileSync(decisions, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cycle: number; agent: string; kind: string; status: string; reason: string });
  for (const s of scopes) {
    assert.is(s.state, 'HALTED');
    assert.is(s.who, 'ops');
    assert.ok(s.effect !== null && s.effect.cycles <= 1, `${s.scope}: in force from the next consolidation (${JSON.stringify(s.effect)})`);
    const inScope = (d: { agent: string; kind: string }): boolean => s.scope === 'engine' || (s.scope === 'agent' ? d.agent === s.name : d.kind === s.name);
    const leaked = lines.filter((d) => inScope(d) && d.cycle > s.engagedCycle && d.status !== 'rejected');
    assert.is(leaked.length, 0, `${s.scope} ${s.name ?? ''}: nothing approved after the kill`);
    const refused = lines.filter((d) => inScope(d) && d.reason.startsWith('kill switch:'));
    assert.ok(refused.length > 0, 'its actions are refused and recorded');
    console.log(`kill ${s.scope}${s.name ? ` ${s.name}` : ''} (manual, HTTP): engaged after cycle ${s.engagedCycle}; in force ${s.effect!.cycles} cycle(s), ${s.effect!.us} µs later; first refused action ${s.reaction?.cycles} cycle(s), ${s.reaction?.us} µs later; ${refused.length} refused`);
  }
  assert.is(summary.events, 120_000, 'ingest went on to the end');
  assert.ok(summary.cycles > 10_000, 'agents went on');
  // the operator's toggle (what SIGUSR2 calls) resumes a halted engine scope
  const before = op!.control.stateOf({ scope: 'engine', name: '' });
  assert.is(before, 'HALTED');
  op!.toggleEngine('signal');
  assert.is(op!.control.stateOf({ scope: 'engine', name: '' }), 'ACTIVE');
});

test('SIGUSR2 on a running engine: the first halts the engine scope (a pause), the second resumes it; audited as signal', async () => {
  let op = null as Operator | null;
  const decisions = join(dir, 'd-signal.jsonl');
  let sent = 0;
  await runEngine(resolveOptions({
    threads: 0, rate: 40_000, decisions, summary: null, deadLetters: null, progress: false, operator: { http: null, tokenFile: null, eventStore: null },
  }), {
    onOperator: (o) => {
      op = o;
      const t = setInterval(() => {
        if (o.control.cycle >= (sent === 0 ? 3000 : 7000)) {
          process.kill(process.pid, 'SIGUSR2');
          if (++sent === 2) clearInterval(t);
        }
      }, 5);
    },
  });
  assert.is(sent, 2);
  const changes = op!.control.log.recent.filter((e) => e.type === 'trading_state').map((e) => e.data);
  assert.equal(changes.map((c) => `${c.scope}:${c.from}->${c.to}:${c.who}`), ['engine:ACTIVE->HALTED:signal', 'engine:HALTED->ACTIVE:signal']);
  const [halt, resume] = changes.map((c) => c.cycle as number);
  const lines = readFileSync(decisions, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cycle: number; status: string; reason: string });
  const between = lines.filter((d) => d.cycle > halt! && d.cycle <= resume!);
  assert.ok(between.length > 0 && between.every((d) => d.status === 'rejected'), 'nothing passes while halted');
  assert.ok(lines.some((d) => d.cycle > resume! + 1 && d.status === 'approved'), 'trading again after the resume');
  console.log(`SIGUSR2: halted after cycle ${halt}, resumed after cycle ${resume}; ${between.length} decisions in between, all rejected`);
});

test('automatic trips on a run: losses within a window take the engine and the agent to REDUCING', async () => {
  const config = structuredClone(kDefaultConfig) as EngineConfig;
  config.control.trips.lossLimitUsd = 100;
  config.control.trips.lossWindowUs = 60_000_000;
  let op = null as Operator | null;
  await runEngine(resolveOptions({ threads: 0, decisions: null, summary: null, deadLetters: null, progress: false, config, operator: { http: null, tokenFile: null, eventStore: null } }), {
    onOperator: (o) => { op = o; },
  });
  const snap = op!.control.snapshot() as { engine: ScopeSnap & { reason: string }; agents: (ScopeSnap & { reason: string })[] };
  const agent = snap.agents.find((s) => s.state !== 'ACTIVE')!;
  for (const s of [snap.engine, agent]) {
    assert.is(s.state, 'REDUCING');
    assert.is(s.who, 'auto:loss-window');
    assert.match(s.reason, /lost \$\d+ within 60 s \(limit \$100\)/);
    assert.ok(s.effect !== null && s.effect.cycles <= 1);
    console.log(`trip ${s.scope}${s.name ? ` ${s.name}` : ''} (automatic, loss window): tripped in cycle ${s.engagedCycle}; in force ${s.effect!.cycles} cycle(s), ${s.effect!.us} µs later; first refused action ${s.reaction ? `${s.reaction.cycles} cycle(s), ${s.reaction.us} µs later` : '(held by the engine scope)'}`);
  }
});

test('breakers on a run: an absurd-size bound the arbitrage detector exceeds opens its breaker; it half-opens after each cool-down, reopens on a bad probe, closes on a clean one', async () => {
  const config = structuredClone(kDefaultConfig) as EngineConfig;
  config.control.breaker.absurdSize = 2_000_000;
  config.control.breaker.coolDownUs = 20_000_000;
  let op = null as Operator | null;
  const summary = await runEngine(resolveOptions({ threads: 0, decisions: null, summary: null, deadLetters: null, progress: false, config, operator: { http: null, tokenFile: null, eventStore: null } }), {
    onOperator: (o) => { op = o; },
  });
  const changes = op!.control.breakers.changes;
  assert.ok(changes.length >= 3);
  assert.ok(changes.every((c) => c.agent === 'arbitrage_detector'), 'only the agent whose output is anomalous');
  assert.equal([changes[0]!.from, changes[0]!.to], ['CLOSED', 'OPEN']);
  assert.match(changes[0]!.reason, /^anomalous output: size [\d.]+ above 2000000/);
  for (let i = 1; i < changes.length; i++) {
    const [a, b] = [changes[i - 1]!, changes[i]!];
    assert.is(b.from, a.to, 'a chain of states');
    if (b.to === 'HALF_OPEN') assert.match(b.reason, /^cool-down of 20 s over: probing/);
    if (a.to === 'HALF_OPEN') assert.ok(b.cycle === a.cycle && (b.to === 'OPEN' || b.to === 'CLOSED'), 'the probe is decided in the cycle it half-opened');
  }
  const by = (to: string): number => changes.filter((c) => c.to === to).length;
  assert.is(op!.control.log.counts.circuit_breaker, changes.length, 'every change audited');
  assert.ok(summary.decisionsByAgent.arbitrage_detector! < 1772, 'its records were ignored while open');
  console.log(`breaker changes on a run: ${changes.length} (OPEN ${by('OPEN')}, HALF_OPEN ${by('HALF_OPEN')}, CLOSED ${by('CLOSED')}); first: ${changes.slice(0, 4).map((c) => `cycle ${c.cycle} ${c.from}→${c.to} (${c.reason})`).join('; ')}; arbitrage decisions ${summary.decisionsByAgent.arbitrage_detector} (1,772 with the default bound)`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
