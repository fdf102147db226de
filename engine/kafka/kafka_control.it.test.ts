// The kill switch on a Kafka run, through a real broker: the engine CLI consumes the fixture's
// first events in shard scope (paced, so the run is still going when the operator acts) with
// `--http` and `--token-file`. Over HTTP: /health and /metrics are served, a kill without a token is
// 401 and changes nothing, the engine scope is then killed with the token; GET /control shows it
// HALTED by the token's name. The run goes on to the end of the topics (every event ingested), and
// in every shard's decision log nothing is approved after the first action the kill switch refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shardDecisionPath, type KafkaSummary } from './kafka_engine.ts';
import { kDefaultFixture } from '../options.ts';
import { replayToKafka } from '../source/kafka/producer.ts';
import {
  cleanUp, freshGroup, freshPrefix, kTestBrokers, lines, requireBroker, spawnEngine, until, type EngineChild,
} from '../source/kafka/testing.ts';
import { freePort } from '../http/testing/free_port.ts';

const kFile = 'engine/kafka/kafka_control.it.test.ts';
const kCli = new URL('../cli.ts', import.meta.url).pathname;
const kEvents = 30_000;
const kPartitions = 4;
const kToken = 'ops-token-kafka-0123456789';

interface Line { key: string; status: string; reason: string; agent: string }

if (await requireBroker(test, kFile)) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-kafka-control-'));
  const prefix = freshPrefix();
  const group = freshGroup('control');
  const children: EngineChild[] = [];

  test.after(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await cleanUp(prefix, [group]);
    if (process.env.LUCENT_KEEP_TMP) console.log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  test('--http on a Kafka run: the kill switch is engaged over HTTP and the lanes refuse every action after it', async () => {
    const replay = await replayToKafka({
      brokers: kTestBrokers, fixture: kDefaultFixture, topicPrefix: prefix, partitions: kPartitions, rate: 0, speed: 0, limit: kEvents,
      watermarkMs: 0, endMarkers: true, batchSize: 2000, universeOut: null,
    });
    assert.is(replay.events, kEvents);
    const tokens = join(dir, 'tokens');
    writeFileSync(tokens, `ops:${kToken}\n`);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const log = join(dir, 'decisions.jsonl');
    const summaryPath = join(dir, 'summary.json');
    const engine = spawnEngine(kCli, [
      '--source', 'kafka', '--scope', 'shard', '--brokers', kTestBrokers.join(','), '--group', group, '--topic-prefix', prefix,
      '--universe', kDefaultFixture, '--threads', '0', '--rate', '2000', '--until-end', '--topic-refresh', '0',
      '--http', `127.0.0.1:${port}`, '--token-file', tokens, '--event-store', 'off',
      '--decisions', log, '--summary', summaryPath, '--dead-letters', join(dir, 'dl.jsonl'), '--json',
    ]);
    children.push(engine);
    const shardLines = (): Line[][] => Array.from({ length: kPartitions }, (_, p) => lines(shardDecisionPath(log, p)).map((l) => JSON.parse(l) as Line));
    const written = (): number => shardLines().reduce((n, l) => n + l.length, 0);
    await until('the run to approve some actions', () => shardLines().flat().filter((d) => d.status === 'approved').length >= 10, 60_000,
      () => `${written()} decisions so far; stderr: ${engine.err.slice(-500)}`);
    assert.is(engine.proc.exitCode, null, 'the run is still going');

    // /health is served (its verdict, ok or stalled, depends on the event loop's delays: a loaded machine may stall it)
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
    assert.ok(health.status === 'ok' || health.status === 'stalled', `/health answers on a Kafka run: ${JSON.stringify(health)}`);
    assert.match(await (await fetch(`${url}/metrics`)).text(), 'lucent_control_trading_state', 'the control metrics are in /metrics');
    const kill = (token: string | null): Promise<Response> => fetch(`${url}/control/kill`, {
      method: 'POST', headers: token === null ? {} : { authorization: `Bearer ${token}` }, body: JSON.stringify({ scope: 'engine', reason: 'kafka kill test' }),
    });
    assert.is((await kill(null)).status, 401, 'a kill without a token is refused');
    assert.is((await kill('wrong-token')).status, 401, 'a kill with a wrong token is refused');
    const before = (await (await fetch(`${url}/control`)).json()) as { engine: { state: string } };
    assert.is(before.engine.state, 'ACTIVE', 'nothing changed without a valid token');
    const atKill = written();
    const r = await kill(kToken);
    assert.is(r.status, 200);
    const state = (await (await fetch(`${url}/control`)).json()) as { engine: { state: string; who: string; reason: string } };
    assert.is(state.engine.state, 'HALTED');
    assert.is(state.engine.who, 'ops', 'the token\'s name is who');

    assert.is(await engine.exited, 0, `the run ends by itself (--until-end):\n${engine.err.slice(-1500)}`);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as KafkaSummary;
    assert.is(summary.events, kEvents, 'ingest went on to the end after the kill');
    let refused = 0, approvedBefore = 0;
    for (const [p, shard] of shardLines().entries()) {
      const first = shard.findIndex((d) => d.reason.startsWith('kill switch: engine HALTED'));
      if (first < 0) continue;
      refused += shard.length - first;
      approvedBefore += shard.slice(0, first).filter((d) => d.status === 'approved').length;
      const leaked = shard.slice(first).filter((d) => d.status !== 'rejected');
      assert.is(leaked.length, 0, `shard ${p}: nothing approved after the kill switch's first refusal (${leaked.map((d) => d.key).slice(0, 3).join(', ')})`);
    }
    assert.ok(refused > 0, 'the lanes refused actions under the kill switch, and recorded them');
    console.log(`  kafka kill switch over HTTP: engaged with ${atKill} decisions written; ${approvedBefore} approved before, ${refused} refused after (${written()} decisions, ${summary.events} events)`);
  });
}

test.run();
