// The hostile corpus through a real Kafka broker (scripts/kafka-up): every class mixed into 20,000
// real events of the shipped fixture, produced into fresh topics, consumed in lockstep over the
// closed universe of the real events. Every line is not sendable (no topic can carry it, or it is
// above the broker's message size), dead-lettered, or held; no decision carries a non-finite,
// zero or out-of-band value; the decisions equal the file path's on the same lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kHostileClasses, mixHostile } from './lib/hostile/corpus.ts';
import { loadReal, runFile, runKafka } from './lib/hostile/run.ts';
import { kTestBrokers, requireBroker } from '../engine/source/kafka/testing.ts';

const kFile = 'scripts/hostile.it.test.ts';
const kHeldClasses = new Set(['yield.jump-100x', 'yield.jump-agreeing', 'yield.jump-burst']);

if (await requireBroker(test, kFile)) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-hostile-kafka-'));
  test.after(() => rmSync(dir, { recursive: true, force: true }));

  test('every hostile class through Kafka: not sent, dead-lettered or held; no decision with a bad value; the file path\'s decisions', async () => {
    const real = await loadReal(20000);
    const mixed = mixHostile(real, kHostileClasses, 2);
    const universe = join(dir, 'clean.jsonl');
    writeFileSync(universe, mixHostile(real, [], 0).lines.join('\n') + '\n');
    const k = await runKafka(mixed, real, dir, kTestBrokers, universe);
    console.log(`  kafka: ${k.rows.map((x) => `${x.cls} ${x.notSent}+${x.deadLettered}/${x.tried}`).join(', ')}; decisions ${k.bad.decisions}, held ${k.held}, confirmed ${k.confirmed}`);
    assert.is(k.rows.length, kHostileClasses.length);
    for (const row of k.rows) {
      assert.ok(row.accepted >= 0, `${row.cls}: accounted for`);
      if (kHeldClasses.has(row.cls)) assert.is(row.deadLettered + row.notSent, 0, `${row.cls}: held`);
      else assert.is(row.notSent + row.deadLettered, row.tried, `${row.cls}: every line not sent or dead-lettered`);
    }
    assert.is(k.rows.find((r) => r.cls === 'key.oversized')!.notSent, 2, 'a 1 MB key is above the broker\'s message size');
    assert.equal(k.realReasons, [], 'no real event dead-lettered');
    assert.equal(k.bad.samples, []);
    assert.equal([k.bad.nonFinite, k.bad.zeroSize, k.bad.outOfBand], [0, 0, 0]);
    assert.ok(k.bad.decisions > 100);
    // no hostile yield jump or first sight was ever confirmed: as many confirmations as a clean run
    const clean = await runFile(mixHostile(real, [], 0), real, dir, 'clean');
    assert.ok(k.held > clean.held, `held ${k.held}, clean run ${clean.held}`);
    assert.is(k.confirmed, clean.confirmed, 'held hostile yields confirmed');
    // the same lines through the file path over the same closed universe decide the same
    await runFile(mixed, real, dir, 'file', universe);
    const strip = (p: string): string[] => readFileSync(p, 'utf8').trim().split('\n').map((l) => { const d = JSON.parse(l) as Record<string, unknown>; delete d.seq; delete d.key; delete d.epoch; return JSON.stringify(d); }).sort();
    assert.equal(strip(join(dir, 'kafka.decisions.jsonl')), strip(join(dir, 'file.decisions.jsonl')), 'Kafka decides as the file replay does');
  });
}

test.run();
