// SIGTERM and SIGINT to the command line while it consumes from a real broker (scripts/kafka-up),
// then a restart: the engine (the CLI, agents on a thread) consumes the fixture's first events from
// fresh topics and gets the signal once it has written some decisions. It must exit 143/130 (not
// die by the signal), with the decisions on disk equal to the decisions the summary says were made
// (the first ones of an uninterrupted consumer, in order), and offsets committed only for events
// whose decisions are on disk. A restart in the same group with the same log then ends with every
// decision of the uninterrupted consumer exactly once: none lost, none twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyCounts } from '../recovery/key_counts.ts';
import { runKafkaEngine, type KafkaSummary } from './kafka_engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { createKafka } from '../source/kafka/client.ts';
import { resolveKafkaOptions } from '../source/kafka/options.ts';
import { replayToKafka } from '../source/kafka/producer.ts';
import { cleanUp, freshGroup, freshPrefix, kTestBrokers, requireBroker } from '../source/kafka/testing.ts';

const kFile = 'engine/kafka/kafka_signal.it.test.ts';
const kEvents = 30_000;
const kCli = new URL('../cli.ts', import.meta.url).pathname;

interface Exit { code: number | null; signal: string | null; err: string; out: string }

/** The CLI; `sig` is sent once `when()` holds (checked every 20 ms). */
function engine(args: string[], sig?: NodeJS.Signals, when?: () => boolean): Promise<Exit> {
  const proc = spawn(process.execPath, [kCli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '', out = '';
  proc.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const timer = when ? setInterval(() => { if (when()) { clearInterval(timer!); proc.kill(sig); } }, 20) : null;
  return new Promise((resolve) => proc.on('exit', (code, signal) => {
    if (timer) clearInterval(timer);
    resolve({ code, signal, err, out });
  }));
}

const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : []);

if (await requireBroker(test, kFile)) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-kafka-signal-'));
  const prefix = freshPrefix();
  const refGroup = freshGroup('signal-ref');
  const groups = { SIGTERM: freshGroup('sigterm'), SIGINT: freshGroup('sigint') };
  let topics: string[] = [];
  let want: string[] = [];

  test.after(async () => {
    await cleanUp(prefix, [refGroup, ...Object.values(groups)]);
    if (process.env.LUCENT_KEEP_TMP) console.log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  test('the topics and an uninterrupted consumer', async () => {
    const replay = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: prefix, partitions: 3, rate: 0, speed: 0, limit: kEvents,
      watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null,
    });
    assert.is(replay.events, kEvents);
    topics = replay.topics;
    const refLog = join(dir, 'ref.jsonl');
    const o = resolveOptions({ fixture: kDefaultFixture, threads: 0, decisions: refLog, summary: null, deadLetters: null, progress: false });
    const ref = await runKafkaEngine(o, resolveKafkaOptions({ brokers: kTestBrokers, group: refGroup, topicPrefix: prefix, untilEnd: true, topicRefreshMs: 0 }, o), { log: () => undefined });
    assert.is(ref.events, kEvents);
    want = lines(refLog);
    assert.ok(want.length > 300, `${want.length} decisions`);
  });

  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    test(`${sig} while consuming: exit ${code}, decisions on disk = decisions made, offsets only for them; a restart decides each once`, async () => {
      const group = groups[sig];
      const log = join(dir, `${sig}.jsonl`);
      const args = (who: string, extra: string[]): string[] => [
        '--source', 'kafka', '--brokers', kTestBrokers.join(','), '--group', group, '--topic-prefix', prefix, '--universe', kDefaultFixture,
        '--threads', '1', '--until-end', '--topic-refresh', '0', '--session-timeout', '6000',
        '--decisions', log, '--summary', join(dir, `summary-${sig}-${who}.json`), '--dead-letters', join(dir, `dl-${sig}-${who}.jsonl`), ...extra,
      ];
      const stopped = await engine(args('stopped', ['--rate', '3000']), sig, () => lines(log).length >= 150);
      assert.is(stopped.signal, null, `not killed by the signal: ${stopped.err.slice(-1500)}`);
      assert.is(stopped.code, code, stopped.err.slice(-1500));
      const s = JSON.parse(readFileSync(join(dir, `summary-${sig}-stopped.json`), 'utf8')) as KafkaSummary;
      const text = readFileSync(log, 'utf8');
      const disk = lines(log);
      // offsets: committed only for events whose decisions are on disk
      const admin = createKafka({ brokers: kTestBrokers, clientId: 'lucent-it-signal' }).admin();
      await admin.connect();
      // events below the committed offsets: each partition ends with one control record (the end
      // marker, at high − 1), which a commit passes once the partition is read to its end
      let committed = 0;
      try {
        const high = new Map<string, number>();
        for (const t of topics) for (const p of await admin.fetchTopicOffsets(t)) high.set(`${t}/${p.partition}`, Number(p.high));
        for (const t of await admin.fetchOffsets({ groupId: group, topics })) {
          for (const p of t.partitions) committed += Math.max(0, Math.min(Number(p.offset), high.get(`${t.topic}/${p.partition}`)! - 1));
        }
      } finally {
        await admin.disconnect();
      }
      const covered = want.filter((l) => (JSON.parse(l) as { epoch: number }).epoch <= committed).length;
      assert.is(s.stoppedBy, sig);
      assert.ok(s.events < kEvents, `stopped before the end (${s.events} events)`);
      assert.match(stopped.err, `stopped by ${sig} after ${s.events.toLocaleString('en-US')} events; ${s.decisions.toLocaleString('en-US')} decisions written and synced`);
      assert.not.match(stopped.err, /\n\s+at /, 'no stack trace');
      assert.is(disk.length, s.decisions, 'decisions on disk = decisions made (summary)');
      assert.is(createHash('sha256').update(text).digest('hex'), s.decisionLogSha256, 'the log on disk is the one the summary hashed');
      assert.equal(disk, want.slice(0, disk.length), 'the first decisions of the uninterrupted consumer, in order');
      assert.ok(committed <= s.events, `committed ${committed} events, decided ${s.events}`);
      assert.ok(covered <= disk.length, `offsets committed up to event ${committed}: its ${covered} decisions must be on disk, ${disk.length} are`);

      const restarted = await engine(args('restarted', []));
      assert.is(restarted.code, 0, restarted.err.slice(-2000));
      const r = JSON.parse(readFileSync(join(dir, `summary-${sig}-restarted.json`), 'utf8')) as KafkaSummary;
      const got = lines(log);
      const c = keyCounts(want, got);
      console.log(`  kafka ${sig}: exit ${stopped.code} after ${s.events} of ${kEvents} events; decisions on disk ${disk.length}, made (summary) ${s.decisions}; ` +
        `offsets committed ${committed} events (${covered} decisions); restart: expected ${c.expected}, found ${c.found}, duplicated ${c.duplicated}, missing ${c.missing}, extra ${c.extra} ` +
        `(rebuilt ${r.kafka.rebuiltEvents} events, ${r.kafka.decisionsSuppressed} decisions not written again)`);
      assert.equal({ duplicated: c.duplicated, missing: c.missing, extra: c.extra, found: c.found }, { duplicated: 0, missing: 0, extra: 0, found: c.expected });
      assert.equal(got, want, 'the log: the uninterrupted consumer\'s, line for line');
    });
  }
}

test.run();
