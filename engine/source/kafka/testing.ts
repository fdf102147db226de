// Support for the Kafka integration tests (*.it.test.ts): the broker they use, a check that it
// is there (a missing broker fails the run when CI is set, and skips the file elsewhere, saying how
// to start one), fresh topic prefixes and group names, clean-up, and the engine CLI as a child
// process with the helpers the multi-process tests wait with.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKafka, probeBroker } from './client.ts';

export const kTestBrokers = (process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`).split(',');

export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Probes the broker (short timeout). When it answers, returns true and the caller registers its
 * tests. When not: under CI registers one failing test; elsewhere prints a SKIP line and registers
 * a skipped test. Either way the caller still calls test.run().
 */
export async function requireBroker(test: Test, file: string): Promise<boolean> {
  const reason = await probeBroker(kTestBrokers, 2500);
  if (reason === null) return true;
  const how = 'start one with scripts/kafka-up (scripts/kafka-down stops it)';
  if (inCi()) {
    test('a Kafka broker is running', () => {
      assert.unreachable(`no Kafka broker at ${kTestBrokers.join(',')} (${reason}); CI must ${how}`);
    });
  } else {
    console.log(`SKIP ${file}: no Kafka broker at ${kTestBrokers.join(',')} (${reason}); ${how}`);
    test.skip(`${file} (needs a Kafka broker: scripts/kafka-up)`, () => undefined);
  }
  return false;
}

/** A fresh topic prefix, e.g. "it3fa9c2d1.", so runs never share topics. */
export function freshPrefix(): string {
  return `it${randomBytes(4).toString('hex')}.`;
}

export function freshGroup(what: string): string {
  return `lucent-it-${what}-${randomBytes(4).toString('hex')}`;
}

/** Deletes the topics under a prefix and the groups named; errors are ignored (clean-up only). */
export async function cleanUp(prefix: string, groups: string[]): Promise<void> {
  const admin = createKafka({ brokers: kTestBrokers, clientId: 'lucent-it-cleanup', retries: 1 }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } catch {
    // best effort
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** An engine CLI process: its stderr so far, and its exit code (null when killed by a signal). */
export interface EngineChild { proc: ChildProcess; err: string; exited: Promise<number | null> }

/** Starts the engine CLI (`node <cli> ...args`; the test names engine/cli.ts), collecting its stderr. */
export function spawnEngine(cli: string, args: string[]): EngineChild {
  const proc = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const child: EngineChild = { proc, err: '', exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) };
  proc.stderr!.on('data', (d: Buffer) => { child.err += d.toString(); });
  proc.stdout!.resume();
  return child;
}

/**
 * Polls `cond` every 100 ms until it holds; past `timeoutMs` throws, naming `what` and what
 * `detail` says about the state (a limit against a hang, not an assertion on speed).
 */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, detail?: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${detail ? ` (${detail()})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The non-empty lines of a file (none when it does not exist). */
export const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : []);
