// What the plausibility gate costs per event on the hot path: the shipped fixture's tape applied
// to the state by the single writer alone (A), and through the gate first (B: admit, apply,
// accepted), interleaved round by round in one process.
//
//   node_modules/.bin/node bench/plausibility_cost.ts [--rounds 12]
//
// Prints the median ns per event of each, their ratio, and the bytes allocated per event in each
// loop (v8 total_allocated_bytes, the two heap-statistics calls included; the goal is B = A). The
// yield path's functions reach the optimizing compiler only after a few rounds (until then calls
// box their double arguments): the last round is the steady state. The machines are shared and
// noisy: compare the ratio within one run.
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { InstrumentRegistry } from '../protocol/registry.ts';
import { loadFixture } from '../engine/source/file/fixture_reader.ts';
import { kDefaultFixture } from '../engine/options.ts';
import { stateForUniverse } from '../engine/state/state_for_universe.ts';
import { PlausibilityGate } from '../engine/plausibility/gate.ts';
import { kDefaultPlausibility } from '../engine/plausibility/config.ts';
import { kDefaultAgentConfig } from '../workers/agents/index.ts';

const { values: argv } = parseArgs({ options: { rounds: { type: 'string' } } });
const kRounds = Number(argv.rounds ?? 12);

const registry = new InstrumentRegistry();
const { tape } = await loadFixture(kDefaultFixture, registry);
registry.freeze();
const st = stateForUniverse(registry);
const rows = tape.rows, depth = tape.depth, n = tape.length;

let aBytes = 0;
function writerOnly(): number {
  const a0 = getHeapStatistics().total_allocated_bytes;
  const t = performance.now();
  for (let r = 0; r < n; r++) st.writer.apply(rows, r, depth);
  const ns = ((performance.now() - t) * 1e6) / n;
  aBytes = (getHeapStatistics().total_allocated_bytes - a0) / n;
  return ns;
}

function gated(): { ns: number; bytes: number; refused: number } {
  const gate = new PlausibilityGate(kDefaultPlausibility, kDefaultAgentConfig.yield, st.snapshot);
  let refused = 0;
  const a0 = getHeapStatistics().total_allocated_bytes;
  const t = performance.now();
  for (let r = 0; r < n; r++) {
    if (gate.admit(rows, r, depth) !== null) { refused++; continue; }
    st.writer.apply(rows, r, depth, gate.held);
    gate.accepted(rows, r);
  }
  const ns = ((performance.now() - t) * 1e6) / n;
  return { ns, bytes: (getHeapStatistics().total_allocated_bytes - a0) / n, refused };
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };
const a: number[] = [], b: number[] = [], bytes: number[] = [], abytes: number[] = [];
let refused = 0;
writerOnly(); gated(); // warm-up
for (let i = 0; i < kRounds; i++) {
  a.push(writerOnly()); abytes.push(aBytes);
  const g = gated();
  b.push(g.ns); bytes.push(g.bytes); refused = g.refused;
}
const ma = median(a), mb = median(b);
console.log(`plausibility gate cost · ${n.toLocaleString('en-US')} events of the shipped fixture · ${kRounds} interleaved rounds · ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)}`);
console.log(`  A writer only            ${ma.toFixed(1)} ns/event`);
console.log(`  B gate + writer          ${mb.toFixed(1)} ns/event   (B/A ${(mb / ma).toFixed(2)}; gate ≈ ${(mb - ma).toFixed(1)} ns/event)`);
console.log(`  allocated, median round A ${median(abytes).toFixed(3)}, B ${median(bytes).toFixed(3)} bytes/event; last round A ${abytes.at(-1)!.toFixed(3)}, B ${bytes.at(-1)!.toFixed(3)}   refused ${refused}`);
