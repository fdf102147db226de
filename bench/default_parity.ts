// Does the engine's default run as fast as inline? Interleaved rounds of the default (auto) and
// inline, lockstep as fast as possible over the default fixture, each run in a process of its own
// (lib/isolated.ts measureInChild, as the saturation scenario), so neither inherits the other's
// JIT state, heap or threads.
//
//   node_modules/.bin/node bench/default_parity.ts [--rounds 5] [--rows 40000]
//
// Measured at load 4.7-5.7 (4 rounds, after the warm-up's cost gate): main-thread CPU µs/event default
// 17.62 vs inline 18.34 (0.96×), events/s 26,539 vs 25,119 (1.06×); the default chose inline by
// cost each time (hand-off 44-156 µs against 23-33 µs for all agents inline).
//
// Prints per run the load, events/s, the main thread's and the process's CPU µs per event and
// what the default's warm-up chose (and why), then the medians. These machines are shared and
// noisy: events/s follows the load; CPU per event is the steadier figure, and a ratio of medians
// within one run is what to compare.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { defaultThreads } from '../engine/options.ts';
import { measureInChild } from './lib/isolated.ts';
import { loadDefaultTape } from './lib/tapes.ts';

const { values: argv } = parseArgs({ options: { rounds: { type: 'string' }, rows: { type: 'string' } } });
const kRounds = Number(argv.rounds ?? 5);
const kRows = Number(argv.rows ?? 40_000);
if (!Number.isInteger(kRounds) || kRounds < 1 || kRounds > 100) throw new Error(`--rounds must be an integer from 1 to 100, got "${argv.rounds}"`);
if (!Number.isInteger(kRows) || kRows < 1000 || kRows > 10_000_000) throw new Error(`--rows must be an integer from 1000 to 10000000, got "${argv.rows}"`);

const base = await loadDefaultTape();
const threads = defaultThreads();
const keys = ['auto', 'inline'] as const;
const runs: Record<(typeof keys)[number], { mainUs: number; evs: number }[]> = { auto: [], inline: [] };
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
for (let r = 0; r < kRounds; r++) {
  // the order alternates every round: a drift of the load falls on both
  for (const key of r % 2 === 0 ? keys : [...keys].reverse()) {
    const load = loadavg()[0]!.toFixed(2);
    const { label, summary: s } = await measureInChild({ key, threads, mode: 'lockstep', warmRows: base.tape.length + 10_000, warmMaxMs: 8_000, rows: kRows, maxMs: 10_000 });
    const mainUs = s.cpu?.mainUsPerEvent ?? NaN;
    runs[key].push({ mainUs, evs: s.eventsPerSec });
    const chose = key === 'auto' ? ` · ${/automatic → (.*?)(;|$)/.exec(label)?.[1] ?? label}` : '';
    console.log(`round ${r + 1} ${key.padEnd(6)} load ${load}: ${Math.round(s.eventsPerSec).toLocaleString('en-US')} events/s, CPU µs/event main ${mainUs} / process ${s.cpu?.processUsPerEvent ?? NaN}${chose}`);
  }
}
const mA = median(runs.auto.map((x) => x.mainUs)), mI = median(runs.inline.map((x) => x.mainUs));
const eA = median(runs.auto.map((x) => x.evs)), eI = median(runs.inline.map((x) => x.evs));
console.log(`medians over ${kRounds} round(s): main-thread CPU µs/event default ${mA.toFixed(2)} vs inline ${mI.toFixed(2)} (${(mA / mI).toFixed(2)}×); events/s default ${Math.round(eA).toLocaleString('en-US')} vs inline ${Math.round(eI).toLocaleString('en-US')} (${(eA / eI).toFixed(2)}×)`);
