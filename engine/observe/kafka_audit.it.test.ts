// Kafka offsets wait for the audit trail (a real broker, KAFKA_PORT; a real PostgreSQL trail):
// the engine consumes a topic while the trail cannot take appends (the test holds the lock on the
// trail's head row, as a stalled server would), so its decisions are never acknowledged. While it
// waits, no offset from the first decision's event on is committed and the decision log stays empty; the process is then killed (a
// crash). A second run, with the trail back, consumes the uncommitted tail again and ends with the
// decision log of a file replay of the same events, every decision once in the trail, and the
// offsets committed to the end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runEngine } from '../engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { createKafka } from '../source/kafka/client.ts';
import { replayToKafka } from '../source/kafka/producer.ts';
import { cleanUp, freshGroup, freshPrefix, kTestBrokers, requireBroker } from '../source/kafka/testing.ts';
import { openEventStore } from '../sinks/event_store/open.ts';
import { kLaneClaimType } from '../sinks/event_store/streams.ts';
import { dropSchema, freshSchema, kTestPgUrl, requirePostgres } from '../sinks/event_store/testing/pg_testing.ts';

const kFile = 'engine/observe/kafka_audit.it.test.ts';
const kEvents = 15_000;
const root = new URL('../../', import.meta.url).pathname;
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

async function waitFor(what: string, f: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

if ((await requireBroker(test, kFile)) && (await requirePostgres(test, kFile))) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-kafka-audit-'));
  const prefix = freshPrefix();
  const group = freshGroup('audit');
  const schema = freshSchema();
  const storeUrl = `${kTestPgUrl}?schema=${schema}`;
  test.after(async () => {
    await cleanUp(prefix, [group]);
    await dropSchema(schema).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const engine = (decisions: string): ChildProcess => spawn(join(root, 'node_modules/.bin/node'), [
    'engine/cli.ts', '--source', 'kafka', '--brokers', kTestBrokers.join(','), '--group', group, '--topic-prefix', prefix,
    '--universe', kDefaultFixture, '--until-end', '--topic-refresh', '0', '--commit-interval', '50', '--threads', '0', '--quiet',
    '--event-store', storeUrl, '--decisions', decisions, '--summary', join(dir, 'summary.json'), '--dead-letters', join(dir, 'dl.jsonl'),
  ], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });

  test('offsets are committed only once the trail holds the decisions; the unacknowledged tail is consumed again', async () => {
    const sent = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: prefix, partitions: 2, rate: 0, speed: 0, limit: kEvents,
      watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null,
    });
    const file = await runEngine(resolveOptions({ fixture: kDefaultFixture, threads: 0, limit: kEvents, decisions: join(dir, 'file.jsonl'), summary: null, deadLetters: null, progress: false, sinks: { eventStore: 'off' } }));
    assert.ok(file.decisions > 20, `decisions: ${file.decisions}`);

    // the trail's schema exists; the test holds its head row, so every append waits
    await (await openEventStore(storeUrl)).close();
    const locker = new pg.Client({ connectionString: kTestPgUrl });
    await locker.connect();
    await locker.query('begin');
    await locker.query(`select position from "${schema}".head for update`);
    // pg_stat_activity is read from another session: inside a transaction its snapshot is frozen
    const watcher = new pg.Client({ connectionString: kTestPgUrl });
    await watcher.connect();
    const admin = createKafka({ brokers: kTestBrokers, clientId: 'lucent-it-audit' }).admin();
    await admin.connect();
    const committed = async (): Promise<number> => {
      let n = 0;
      for (const t of await admin.fetchOffsets({ groupId: group, topics: sent.topics })) for (const p of t.partitions) n += Math.max(0, Number(p.offset));
      return n;
    };
    const decisions = join(dir, 'kafka.jsonl');
    let duplicates = 0;
    let first: ChildProcess | null = engine(decisions);
    let log = '';
    first.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
    first.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
    try {
      // the engine has decisions to append: its append waits on the lock
      await waitFor('an append blocked on the trail', async () => {
        const r = await watcher.query(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%append%'`);
        return (r.rows[0] as { n: number }).n > 0;
      }, 60_000);
      // Events before the first decision may be committed (their decisions, none, are durable);
      // nothing from the event of the first (unacknowledged) decision on, and nothing more later.
      const firstDecision = JSON.parse(readFileSync(join(dir, 'file.jsonl'), 'utf8').split('\n', 1)[0]!) as { epoch: number };
      const stalled = await committed();
      await new Promise((r) => setTimeout(r, 1500)); // many commit intervals
      const later = await committed();
      assert.ok(stalled < firstDecision.epoch, `committed ${stalled} events; the first decision was made at event ${firstDecision.epoch}`);
      assert.is(later, stalled, 'no offset committed while the trail holds none of the decisions');
      assert.ok(!existsSync(decisions) || readFileSync(decisions).length === 0, 'the decision log waits for the trail');
      first.kill('SIGKILL');
      await new Promise((r) => first!.once('exit', r));
      first = null;
      await locker.query('rollback');

      const second = engine(decisions);
      let out = '';
      second.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
      second.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
      const code = await new Promise<number | null>((r) => second.once('exit', r));
      assert.is(code, 0, `second run failed:\n${log}\n${out}`);
      assert.is(sha(readFileSync(decisions)), file.decisionLogSha256, 'the decision log of a file replay of the same events');
      const store = await openEventStore(storeUrl);
      try {
        // At least once: the killed process's append may still commit when the lock goes (the
        // server has not noticed its client is gone), and the restart appends those decisions
        // again, with the same keyed ids and the same data.
        // the lanes' fencing claims (lane_claim, one per run that took the stream) are not decisions
        const ev = (await store.readStream('decisions', { maxCount: 100_000 })).filter((e) => e.type !== kLaneClaimType);
        const first = new Map<string, string>();
        for (const e of ev) {
          const text = JSON.stringify(e.data);
          const seen = first.get(e.id);
          if (seen === undefined) first.set(e.id, text);
          else assert.is(text, seen, `a repeated event id (${e.id}) carries the same decision`);
        }
        duplicates = ev.length - first.size;
        assert.is(first.size, file.decisions, 'every decision in the trail');
        assert.is([...first.values()].map((t) => `${t}\n`).join(''), readFileSync(decisions, 'utf8'), 'the trail (each id once) exports as the decision log');
      } finally {
        await store.close();
      }
      let ends = 0;
      for (const t of sent.topics) for (const p of await admin.fetchTopicOffsets(t)) ends += Number(p.offset);
      assert.is(await committed(), ends, 'offsets committed to the end');
      console.log(`  ${sent.events} events in ${sent.topics.length} topics; while the trail was stalled ${stalled} offsets committed (first decision at event ${firstDecision.epoch}); after the restart ${ends} committed, ${file.decisions} decisions in the trail (${duplicates} appended twice by the killed process's last append)`);
    } catch (err) {
      const act = await watcher.query(`select wait_event_type, wait_event, state, left(query, 70) as q , datname, usename, backend_type, pid from pg_stat_activity where backend_type = 'client backend'`).catch(() => ({ rows: [] }));
      console.log(`engine said:\n${log}\nfirst run exit: ${first?.exitCode ?? '(killed)'}\npg_stat_activity: ${JSON.stringify(act.rows, null, 1)}`);
      throw err;
    } finally {
      if (first !== null) first.kill('SIGKILL');
      await locker.end().catch(() => undefined);
      await watcher.end().catch(() => undefined);
      await admin.disconnect();
    }
  });
}

test.run();
