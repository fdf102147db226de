// Support for the RabbitMQ integration tests (*.it.test.ts): the broker they use, a check that it
// is there (a missing broker fails the run when CI is set, and skips the file elsewhere, saying
// how to start one), fresh name prefixes, a plain channel for set-up and clean-up, rabbitmqctl.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type ConfirmChannel } from 'amqplib';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { oneLine } from './link.ts';

export const kTestUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const kHow = 'start it with `rabbitmq-server -detached`';

export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** The reason the broker cannot be used, or null when it answers. */
export async function probeRabbit(timeoutMs = 2500): Promise<string | null> {
  try {
    const c = await connect(kTestUrl, { timeout: timeoutMs });
    await c.close();
    return null;
  } catch (err) {
    return oneLine(err);
  }
}

/**
 * When the broker answers, returns true and the caller registers its tests. When not: under CI
 * registers one failing test; elsewhere prints a SKIP line and registers a skipped test.
 */
export async function requireRabbit(test: Test, file: string): Promise<boolean> {
  const reason = await probeRabbit();
  if (reason === null) return true;
  const where = kTestUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  if (inCi()) {
    test('RabbitMQ is running', () => {
      assert.unreachable(`no RabbitMQ at ${where} (${reason}); CI must ${kHow}`);
    });
  } else {
    console.log(`SKIP ${file}: no RabbitMQ at ${where} (${reason}); ${kHow}`);
    test.skip(`${file} (needs RabbitMQ: rabbitmq-server -detached)`, () => undefined);
  }
  return false;
}

/** A fresh name prefix, e.g. "it3fa9c2d1.", so runs never share exchanges or queues. */
export function freshPrefix(): string {
  return `it${randomBytes(4).toString('hex')}.`;
}

/**
 * Runs `f` with a channel on its own connection, then closes both. It is a confirm channel, so
 * `waitForConfirms()` can make sure the broker has what was sent before the connection closes.
 */
export async function withChannel<T>(f: (ch: ConfirmChannel) => Promise<T>): Promise<T> {
  const c = await connect(kTestUrl);
  try {
    return await f(await c.createConfirmChannel());
  } finally {
    await c.close().catch(() => undefined);
  }
}

const exec = promisify(execFile);

/** Runs rabbitmqctl (stop_app, start_app, ...); rejects with its output on failure. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await exec('rabbitmqctl', args, { timeout: 120_000 });
  return stdout;
}
