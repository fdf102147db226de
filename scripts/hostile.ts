// A hostile corpus (scripts/lib/hostile/) mixed into real events of the shipped fixture, run
// through the file path (one run per class, and one with every class) and through Kafka (every
// class, a real broker), printing per class: lines tried, dead-lettered, accepted, and decisions
// with a non-finite, zero-size or out-of-band value (the goal is 0). Run with --help for the flags.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flagHelp, parseFlags, type FlagSpec } from './lib/cli_flags.ts';
import { kHostileClasses, mixHostile } from './lib/hostile/corpus.ts';
import { loadReal, runFile, runKafka, type HostileResult } from './lib/hostile/run.ts';
import { probeBroker } from '../engine/source/kafka/client.ts';

const kFlags: Record<string, FlagSpec> = {
  events: { kind: 'int', min: 1000, max: 120000, help: 'real events of the shipped fixture to mix into (default 20000)' },
  'per-class': { kind: 'int', min: 1, max: 50, help: 'instances of each class (default 3; a class may make several lines each)' },
  kafka: { kind: 'bool', help: 'also run every class through Kafka (a broker must be running: scripts/kafka-up)' },
  brokers: { kind: 'string', help: 'Kafka bootstrap brokers (default 127.0.0.1:$KAFKA_PORT or 127.0.0.1:9092)' },
  only: { kind: 'string', help: 'comma-separated class names to run (default: all)' },
  json: { kind: 'bool', help: 'print the results as JSON' },
  help: { kind: 'bool', help: 'this text' },
};

const kUsage = `Usage: node scripts/hostile.ts [flags]

Mixes hostile lines (${kHostileClasses.length} classes: ${kHostileClasses.map((c) => c.name).join(', ')})
into the second half of the first --events real events of the shipped fixture and replays them:
through the file path once per class (and once with every class, and once more over the closed
universe of the real events), and with --kafka through a real broker. Prints per class: lines
tried, dead-lettered, accepted, and the decisions with a non-finite, zero-size or out-of-band value.`;

function table(title: string, r: HostileResult, perClassBad?: Map<string, HostileResult>): string {
  let out = `\n${title}\n`;
  out += `  ${'class'.padEnd(22)} ${'tried'.padStart(6)} ${'not sent'.padStart(8)} ${'dead-lettered'.padStart(13)} ${'accepted'.padStart(8)} ${'non-finite'.padStart(10)} ${'zero-size'.padStart(9)} ${'out-of-band'.padStart(11)}\n`;
  let t = 0, ns = 0, dl = 0, acc = 0;
  for (const row of r.rows) {
    const b = perClassBad?.get(row.cls)?.bad;
    t += row.tried; ns += row.notSent; dl += row.deadLettered; acc += row.accepted;
    out += `  ${row.cls.padEnd(22)} ${String(row.tried).padStart(6)} ${String(row.notSent).padStart(8)} ${String(row.deadLettered).padStart(13)} ${String(row.accepted).padStart(8)}` +
      (b ? ` ${String(b.nonFinite).padStart(10)} ${String(b.zeroSize).padStart(9)} ${String(b.outOfBand).padStart(11)}` : '') + '\n';
  }
  out += `  ${'all'.padEnd(22)} ${String(t).padStart(6)} ${String(ns).padStart(8)} ${String(dl).padStart(13)} ${String(acc).padStart(8)} ${String(r.bad.nonFinite).padStart(10)} ${String(r.bad.zeroSize).padStart(9)} ${String(r.bad.outOfBand).padStart(11)}\n`;
  out += `  decisions ${r.bad.decisions}; real events dead-lettered ${r.realRefused}${r.held >= 0 ? `; yield updates held at the door ${r.held}, confirmed later ${r.confirmed}` : ''}\n`;
  for (const s of r.bad.samples) out += `  ! ${s}\n`;
  for (const s of r.realReasons) out += `  ! a real event dead-lettered: ${s}\n`;
  return out;
}

async function main(argv: string[]): Promise<number> {
  let f;
  try {
    f = parseFlags(argv, kFlags);
  } catch (err) {
    process.stderr.write(`hostile: ${(err as Error).message}\n`);
    return 2;
  }
  if (f.help) { process.stdout.write(flagHelp(kUsage, kFlags) + '\n'); return 0; }
  const only = typeof f.only === 'string' ? new Set(f.only.split(',').map((s) => s.trim())) : null;
  const classes = kHostileClasses.filter((c) => only === null || only.has(c.name));
  if (classes.length === 0) { process.stderr.write(`hostile: --only names no class (classes: ${kHostileClasses.map((c) => c.name).join(', ')})\n`); return 2; }
  const n = typeof f.events === 'number' ? f.events : 20000;
  const per = typeof f['per-class'] === 'number' ? f['per-class'] : 3;
  const dir = mkdtempSync(join(tmpdir(), 'lucent-hostile-'));
  try {
    const real = await loadReal(n);
    const clean = mixHostile(real, [], 0);
    const { writeFileSync } = await import('node:fs');
    const universe = join(dir, 'clean.jsonl');
    writeFileSync(universe, clean.lines.join('\n') + '\n');
    const base = await runFile(clean, real, dir, 'clean');
    const perClass = new Map<string, HostileResult>();
    for (const c of classes) perClass.set(c.name, await runFile(mixHostile(real, [c], per), real, dir, `class-${c.name}`));
    const all = mixHostile(real, classes, per);
    const fileAll = await runFile(all, real, dir, 'all');
    const closed = await runFile(all, real, dir, 'closed', universe);
    const results: Record<string, HostileResult> = { file: fileAll, fileClosedUniverse: closed };
    let out = `\nClean run (no hostile line): decisions ${base.bad.decisions}, yield updates held at the door ${base.held}, confirmed later ${base.confirmed}\n`;
    out += table(`File path: ${real.length.toLocaleString('en-US')} real events + hostile lines (per class: one run each; "all": every class in one run)`, fileAll, perClass);
    out += table('File path, closed universe (--universe: the real events\' instruments)', closed);
    if (f.kafka) {
      const brokers = (typeof f.brokers === 'string' ? f.brokers : `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`).split(',');
      const why = await probeBroker(brokers, 2500);
      if (why !== null) { process.stderr.write(`hostile: no Kafka broker at ${brokers.join(',')} (${why}); start one with scripts/kafka-up\n`); return 1; }
      const k = await runKafka(all, real, dir, brokers, universe);
      results.kafka = k;
      out += table('Kafka (every class in one run, closed universe of the real events)', k);
    }
    if (f.json) process.stdout.write(JSON.stringify({ perClass: Object.fromEntries(perClass), ...results }, null, 1) + '\n');
    else process.stdout.write(out);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
