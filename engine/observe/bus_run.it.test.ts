// Approved actions on the real RabbitMQ (127.0.0.1:5672): a run with --bus publishes every approved
// decision to the approved-actions exchange (routing key action.<kind>), confirmed before the run
// ends; a consumer of the approved-actions queue receives exactly those decisions. Fresh names per
// run (a random prefix), deleted afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngine } from '../engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { decodeBody, type AgentMessage } from '../sinks/bus/agent_message.ts';
import { freshPrefix, kTestUrl, requireRabbit, withChannel } from '../sinks/bus/rabbit_testing.ts';
import { busNames, deleteTopology } from '../sinks/bus/topology.ts';
import type { Decision } from '../types.ts';

const kFile = 'engine/observe/bus_run.it.test.ts';

if (await requireRabbit(test, kFile)) {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-bus-run-'));
  const prefix = freshPrefix();
  test.after(async () => {
    await withChannel((ch) => deleteTopology(ch, prefix, [])).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('--bus: every approved decision is published, confirmed, and consumed from the approved-actions queue', async () => {
    const decisions = join(dir, 'd.jsonl');
    const o = resolveOptions({
      fixture: kDefaultFixture, threads: 0, limit: 30_000, decisions, summary: null, deadLetters: null, progress: false,
      sinks: { bus: kTestUrl, busPrefix: prefix, eventStore: 'off' },
    });
    const s = await runEngine(o);
    const approved = readFileSync(decisions, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Decision).filter((d) => d.status === 'approved');
    assert.ok(approved.length > 10, `approved decisions: ${approved.length}`);
    assert.equal(s.sinks?.bus, { published: approved.length, confirmed: approved.length, overflow: 0, unconfirmedAtStop: 0 });

    const names = busNames(prefix);
    const got = await withChannel(async (ch) => {
      const out: { m: AgentMessage<Decision>; routingKey: string; exchange: string; priority: number | undefined; id: string }[] = [];
      for (;;) {
        const msg = await ch.get(names.actionsQueue, { noAck: true });
        if (msg === false) return out;
        const d = decodeBody(msg.content);
        if ('problem' in d) throw new Error(d.problem);
        out.push({ m: d.message as AgentMessage<Decision>, routingKey: msg.fields.routingKey, exchange: msg.fields.exchange, priority: msg.properties.priority as number | undefined, id: msg.properties.messageId as string });
      }
    });
    console.log(`  published ${s.sinks!.bus!.published}, confirmed ${s.sinks!.bus!.confirmed}, consumed ${got.length} from ${names.actionsQueue}`);
    assert.is(got.length, approved.length);
    assert.equal(got.map((g) => g.m.payload.key).sort(), approved.map((d) => d.key).sort());
    for (const g of got) {
      assert.is(g.exchange, names.actionsTopic);
      assert.is(g.routingKey, `action.${g.m.payload.kind}`);
      assert.is(g.m.type, `action.${g.m.payload.kind}`);
      assert.is(g.id, g.m.id);
      assert.is(g.priority, 5);
      assert.is(g.m.payload.status, 'approved');
    }
    assert.is(new Set(got.map((g) => g.id)).size, got.length, 'one message id per action');
  });
}

test.run();
