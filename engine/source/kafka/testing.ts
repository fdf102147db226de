// Support for the Kafka integration tests (*.it.test.ts): the broker they use, a check that it
// is there (a missing broker fails the run when CI is set, and skips the file elsewhere, saying how
// to start one), fresh topic prefixes and group names, and clean-up.
import { randomBytes } from 'node:crypto';
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
