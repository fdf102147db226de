// Support for the PostgreSQL integration tests: the server they use (LUCENT_PG_URL, default
// postgres://postgres@127.0.0.1:5432/test), a probe (a missing server fails the run under CI and
// skips the file elsewhere, saying how to start it), fresh schemas and their removal.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { inCi } from './ci.ts';

export const kTestPgUrl = process.env.LUCENT_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const kHowToStart = 'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (trust auth, database "test"), or set LUCENT_PG_URL';

/** Null when the server answers, else why not. */
export async function probePostgres(url = kTestPgUrl): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2500 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('select 1');
    return null;
  } catch (err) {
    return (err as Error).message.split('\n')[0] || String(err);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** True when the server answers; otherwise registers a failing (CI) or skipped test and returns false. */
export async function requirePostgres(test: Test, file: string): Promise<boolean> {
  const reason = await probePostgres();
  if (reason === null) return true;
  if (inCi()) {
    test('a PostgreSQL server is running', () => {
      assert.unreachable(`no PostgreSQL at ${kTestPgUrl} (${reason}); CI must ${kHowToStart}`);
    });
  } else {
    console.log(`SKIP ${file}: no PostgreSQL at ${kTestPgUrl} (${reason}); ${kHowToStart}`);
    test.skip(`${file} (needs PostgreSQL)`, () => undefined);
  }
  return false;
}

export function freshSchema(): string {
  return `lucent_it_${randomBytes(5).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: kTestPgUrl, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await c.end().catch(() => undefined);
  }
}
