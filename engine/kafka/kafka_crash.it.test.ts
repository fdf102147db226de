// kill -9 of the engine while it consumes, then a restart, through a real broker, with the audit
// trail: the engine (the CLI, agents on a thread, an embedded event store) consumes the fixture's
// first events from fresh topics, is killed with SIGKILL once it has written some decisions, and
// is started again in the same group with the same decision log and event store. Afterwards the
// decision log and the store's `decisions` stream each hold exactly the decisions of an
// uninterrupted consumer: every idempotency key once, none missing, the same content in order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { keyCounts } from '../recovery/key_counts.ts';
import { join } from 'node:path';
import { runKafkaEngine, type KafkaSummary } from './kafka_engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { resolveKafkaOptions } from '../source/kafka/options.ts';
import { replayToKafka } from '../source/kafka/producer.ts';
import { cleanUp, freshGroup, freshPrefix, kTestBrokers, requireBroker } from '../source/kafka/testing.ts';
import { openEmbeddedStore } from '../sinks/event_store/embedded/embedded_store.ts';
import { exportStream } from '../sinks/event_store/export.ts';
import { kLaneClaimType } from '../sinks/event_store/streams.ts';

const kFile = 'engine/kafka/kafka_crash.it.test.ts';
const kEvents = 30_000;
const kCli = new URL('../cli.ts', import.meta.url).pathname;

interface Exit { code: number | null; signal: string | null; err: string }

function engine(args: string[], killWhen?: () => boolean): Promise<Exit> {
  const proc = spawn(process.execPath, [kCli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  proc.stdout.resume();
  const timer = killWhen ? setInterval(() => { if (killWhen()) { clearInterval(timer!); proc.kill('SIGKILL'); } }, 20) : null;
  return new Promise((resolve) => proc.on('exit', (code, signal) => {
    if (timer) clearInterval(timer);
    resolve({ code, signal, err });
  }));
}

const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : []);


if (await requireBroker(test, kFile)) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-kafka-crash-'));
  const prefix = freshPrefix();
  const refGroup = freshGroup('crash-ref');
  const group = freshGroup('crash');
  const crashGroup = freshGroup('crash-thread');

  test.after(async () => {
    await cleanUp(prefix, [refGroup, group, crashGroup]);
    if (process.env.LUCENT_KEEP_TMP) console.log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  test('kill -9 while consuming, restart: the decision log and the audit stream hold every decision exactly once', async () => {
    const replay = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: prefix, partitions: 3, rate: 0, speed: 0, limit: kEvents,
      watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null,
    });
    assert.is(replay.events, kEvents);

    // The uninterrupted consumer.
    const refLog = join(dir, 'ref.jsonl');
    const o = resolveOptions({ fixture: kDefaultFixture, threads: 0, decisions: refLog, summary: null, deadLetters: null, progress: false });
    const ref = await runKafkaEngine(o, resolveKafkaOptions({ brokers: kTestBrokers, group: refGroup, topicPrefix: prefix, untilEnd: true, topicRefreshMs: 0 }, o), { log: () => undefined });
    assert.is(ref.events, kEvents);
    const want = lines(refLog);
    assert.ok(want.length > 300, `${want.length} decisions`);

    const log = join(dir, 'decisions.jsonl');
    const store = join(dir, 'audit', 'events.log');
    const args = (who: string, extra: string[]): string[] => [
      '--source', 'kafka', '--brokers', kTestBrokers.join(','), '--group', group, '--topic-prefix', prefix, '--universe', kDefaultFixture,
      '--threads', '1', '--until-end', '--topic-refresh', '0', '--session-timeout', '6000', '--event-store', store,
      '--decisions', log, '--summary', join(dir, `summary-${who}.json`), '--dead-letters', join(dir, `dl-${who}.jsonl`), ...extra,
    ];
    const killed = await engine(args('killed', ['--rate', '3000']), () => lines(log).length >= 150);
    assert.is(killed.signal, 'SIGKILL', `killed mid-run, not finished (${killed.code}): ${killed.err.slice(-1500)}`);
    const before = lines(log).length;
    assert.ok(before < want.length, `killed with ${before} of ${want.length} decisions`);

    const restarted = await engine(args('restarted', []));
    assert.is(restarted.code, 0, restarted.err.slice(-2000));
    const s = JSON.parse(readFileSync(join(dir, 'summary-restarted.json'), 'utf8')) as KafkaSummary;
    assert.ok(s.kafka.rebuiltEvents > 0, 'the restart rebuilt its state from the partitions');

    const got = lines(log);
    const es = await openEmbeddedStore({ path: store });
    let exported = '';
    let claims = 0;
    try {
      await exportStream(es, 'decisions', (t) => { exported += t; });
      claims = (await es.readStream('decisions', { maxCount: 100_000 })).filter((e) => e.type === kLaneClaimType).length;
    } finally {
      await es.close();
    }
    const trail = exported.split('\n').filter((l) => l !== '');
    const cl = keyCounts(want, got);
    const ct = keyCounts(want, trail);
    console.log(`  kafka kill -9 at ${before} decisions, restart: decision log expected ${cl.expected}, found ${cl.found}, duplicated ${cl.duplicated}, missing ${cl.missing}; ` +
      `audit stream expected ${ct.expected}, found ${ct.found}, duplicated ${ct.duplicated}, missing ${ct.missing} (${claims} claims); rebuilt ${s.kafka.rebuiltEvents} events, ${s.kafka.decisionsSuppressed} decisions not written again`);
    for (const c of [cl, ct]) assert.equal({ duplicated: c.duplicated, missing: c.missing, extra: c.extra, found: c.found }, { duplicated: 0, missing: 0, extra: 0, found: c.expected });
    assert.equal(got, want, 'the log: the uninterrupted consumer\'s, line for line');
    assert.equal(trail, want, 'the audit stream\'s data: the same lines');
    assert.is(claims, 2, 'each run claimed the stream once');
  });

  test('an agent thread that dies mid-cycle under the Kafka source is replaced at once; the run goes on to the end', async () => {
    const want = lines(join(dir, 'ref.jsonl'));
    const crashCycle = (JSON.parse(want[Math.floor(want.length / 3)]!) as { cycle: number }).cycle;
    const o = resolveOptions({ fixture: kDefaultFixture, threads: 2, wait: 'block', decisions: join(dir, 'thread.jsonl'), summary: null, deadLetters: null, progress: false });
    {
      const s = await runKafkaEngine(o, resolveKafkaOptions({ brokers: kTestBrokers, group: crashGroup, topicPrefix: prefix, untilEnd: true, topicRefreshMs: 0 }, o), {
        log: () => undefined, crashAt: { agent: 'yield_hunter', cycle: crashCycle, how: 'exit' },
      });
      assert.is(s.events, kEvents);
      assert.is(s.crashes.threadRestarts, 1);
      const got = lines(join(dir, 'thread.jsonl')).map((l) => JSON.parse(l) as { epoch: number; missingAgents?: string[]; cycle: number });
      const marked = got.filter((d) => d.missingAgents !== undefined);
      assert.ok(s.crashes.cyclesWithoutAgents >= 1 && s.crashes.cyclesWithoutAgents <= 1 + s.derivedEvents, `${s.crashes.cyclesWithoutAgents} cycles without agents`);
      assert.ok(new Set(marked.map((d) => d.epoch)).size <= 1, 'only the event the thread died in was decided without it');
      assert.ok(got.some((d) => d.cycle > crashCycle), 'decisions after the crash');
      console.log(`  kafka lane: thread died at cycle ${crashCycle}, replaced ${s.crashes.threadRestarts}×, ${s.crashes.cyclesWithoutAgents} cycle(s) without its agents, ${marked.length} decision(s) marked`);
    }
  });
}

test.run();
