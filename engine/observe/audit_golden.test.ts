// The stored text of the audit trail stays what it was: a run on the shipped fixture's first
// events writes `decisions` (the decision log's line as data, the inputs it was made from as
// metadata) and `outcomes`, and the bytes of every event (id, type, data and metadata as stored,
// in each stream's order) hash to a digest recorded from the code before the trail's formatting
// was rewritten for speed (decision_inputs.ts, the embedded log's frame writer). Checked with
// the trail on the audit thread and on the main thread, and the text of two events in full, so a
// change shows where it is.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngine } from '../engine.ts';
import { kDefaultFixture, resolveOptions } from '../options.ts';
import { scanLog } from '../sinks/event_store/embedded/scan.ts';

const dir = mkdtempSync(join(tmpdir(), 'lucent-audit-golden-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Recorded from the code before the rewrite (commit 337d32d) at limit 12,000, threads 0. */
const kGolden = {
  decisions: { count: 387, sha256: '69411363c0728717d8425ada17a03660f0c14a02e22f4e3b603b3b49b970dce9' },
  outcomes: { count: 215, sha256: '193a93b8f5e8e79b82da76af791b5906fd59e8e91d0e9a60b7314000c9c69655' },
};
const kGoldenEvents = JSON.parse(readFileSync(new URL('./audit_golden.events.json', import.meta.url), 'utf8')) as { stream: string; revision: number; text: string }[];

/** Each stream's events as stored: `stream revision` and the payload from its id on, without the append time. */
function storedEvents(path: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  scanLog(path, (e) => {
    if (e.stream !== 'decisions' && e.stream !== 'outcomes') return;
    const p = e.payload.toString('utf8');
    const id = p.indexOf('"id":'), created = p.indexOf(',"created":'), data = p.indexOf(',"data":');
    assert.ok(id > 0 && created > id && data > created, `event ${e.index}: payload in the fixed key order`);
    const list = out.get(e.stream) ?? [];
    assert.is(list.length, e.revision, `${e.stream}: revisions in order`);
    list.push(p.slice(id, created) + p.slice(data));
    out.set(e.stream, list);
  });
  return out;
}

for (const auditThread of [true, false]) {
  test(`the stored decisions and outcomes are byte for byte the recorded ones (audit thread ${auditThread ? 'on' : 'off'})`, async () => {
    const sub = join(dir, `thread-${auditThread}`);
    const log = join(sub, 'events.log');
    const o = resolveOptions({ fixture: kDefaultFixture, threads: 0, limit: 12_000, decisions: join(sub, 'd.jsonl'), summary: null, deadLetters: null, progress: false, sinks: { eventStore: log, auditThread } });
    const s = await runEngine(o);
    assert.is(s.sinks!.eventStore!.onThread, auditThread);
    const got = storedEvents(log);
    for (const ge of kGoldenEvents) assert.fixture(got.get(ge.stream)?.[ge.revision] ?? '(missing)', ge.text, `${ge.stream} revision ${ge.revision}`);
    for (const [stream, g] of Object.entries(kGolden)) {
      const list = got.get(stream) ?? [];
      const h = createHash('sha256');
      for (const t of list) h.update(t).update('\n');
      assert.equal({ count: list.length, sha256: h.digest('hex') }, g, `${stream}: count and digest`);
    }
  });
}

test.run();
