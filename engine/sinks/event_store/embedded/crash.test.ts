// Crash test: a child process appends and prints each acknowledged event; it is killed with
// SIGKILL at a random moment. On reopen every acknowledged event is in the log, the tail is cut
// cleanly and the chain verifies. Every other round also tears the tail the way a power loss would
// (the unsynced bytes after the last acknowledged event cut at a random point, or a half-written
// frame added), which a SIGKILL alone rarely leaves.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openEmbeddedStore } from './embedded_store.ts';
import type { FsyncPolicy } from './group_commit.ts';
import { scanLog } from './scan.ts';

const kChild = new URL('../testing/crash_child.ts', import.meta.url).pathname;
const kRounds: FsyncPolicy[] = ['batch', 'always', 'batch', 'none', 'batch', 'always'];
const dir = mkdtempSync(join(tmpdir(), 'lucent-es-crash-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until it has acknowledged at least `minAcks` appends, then a random 20 to 300 ms more; kills it. */
function runAndKill(path: string, fsync: FsyncPolicy, minAcks: number): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [kChild, path, fsync], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Set<string>();
    let acks = 0;
    let text = '';
    let stderr = '';
    let armed = false;
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      let nl;
      while ((nl = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (!line.startsWith('ack ')) continue;
        for (const id of line.slice(4).split(' ')) acked.add(id);
        if (++acks >= minAcks && !armed) {
          armed = true;
          setTimeout(() => child.kill('SIGKILL'), 20 + Math.floor(Math.random() * 280));
        }
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code ?? signal} before it was killed: ${stderr}`));
      else resolve(acked); // an ack line cut in half by the kill never completed: its ids are not counted
    });
  });
}

test('SIGKILL mid-stream, repeatedly: every acknowledged event survives, the tail is cut cleanly, the chain verifies', async () => {
  const path = join(dir, 'events.log');
  const allAcked = new Set<string>();
  const lines: string[] = [];
  for (let round = 0; round < kRounds.length; round++) {
    const fsync = kRounds[round];
    const acked = await runAndKill(path, fsync, 30 + Math.floor(Math.random() * 200));
    for (const id of acked) allAcked.add(id);
    const sizeAtKill = statSync(path).size;
    let simulated = 0;
    if (round % 2 === 1) {
      // Power-loss style: what follows the last acknowledged event was never synced; tear it.
      let ackedEnd = 0;
      const frames: { offset: number; size: number }[] = [];
      scanLog(path, (e) => { frames.push(e); if (allAcked.has(e.id)) ackedEnd = Math.max(ackedEnd, e.offset + e.size); });
      if (sizeAtKill > ackedEnd) {
        const cutAt = ackedEnd + 1 + Math.floor(Math.random() * (sizeAtKill - ackedEnd - 1));
        truncateSync(path, cutAt);
      } else {
        const last = frames[frames.length - 1];
        appendFileSync(path, readFileSync(path).subarray(last.offset, last.offset + Math.floor(last.size / 2)));
      }
      simulated = 1;
    }
    const sizeBefore = statSync(path).size;
    const s = await openEmbeddedStore({ path });
    const cut = s.recovery?.bytesCut ?? 0;
    assert.is(statSync(path).size, sizeBefore - cut);
    const found = new Set<string>();
    for (let from = 0; ; from += 10_000) {
      const page = await s.readAll({ fromPosition: from, maxCount: 10_000 });
      for (const e of page) found.add(e.id);
      if (page.length < 10_000) break;
    }
    const events = s.eventCount;
    await s.close();
    const missing = [...allAcked].filter((id) => !found.has(id));
    assert.equal(missing, [], `round ${round}: acknowledged events missing after restart`);
    const v = scanLog(path);
    assert.is(v.corrupt, null);
    assert.is(v.tail, null);
    assert.is(v.events, events);
    lines.push(`round ${round} fsync=${fsync}${simulated ? ' +torn tail' : ''}: acknowledged ${acked.size} (total ${allAcked.size}), found after restart ${found.size} (every acknowledged one, plus ${found.size - allAcked.size} written but never acknowledged), bytes cut ${cut}`);
  }
  console.log(lines.join('\n'));
});

test.run();
