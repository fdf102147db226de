// Chooses and opens an event store from one setting: nothing configured opens the embedded log
// (out/audit/events.log); a postgres:// or postgresql:// URL opens the PostgreSQL adapter; a
// kurrentdb:// (or kurrentdb+discover://, kurrent://, kdb://, esdb://) connection string opens the
// KurrentDB adapter; anything else is a path for the embedded log (file:// URLs too). The setting
// comes from `url`, else the environment variable LUCENT_EVENT_STORE. The server adapters are
// loaded only when chosen, so the embedded default never loads pg or gRPC.
import { fileURLToPath } from 'node:url';
import { InvalidEventError } from './errors.ts';
import { kDefaultLogPath, type EmbeddedStoreOptions } from './embedded/embedded_store.ts';
import { isKurrentUrl } from './kurrentdb/url.ts';
import type { EventStore, EventStoreKind } from './types.ts';
import { preview } from './validate.ts';

export const kEventStoreEnv = 'LUCENT_EVENT_STORE';

export interface EventStoreConfig {
  /** Connection string or log path. Default: $LUCENT_EVENT_STORE, else the embedded log at out/audit/events.log. */
  url?: string;
  /** Options for the embedded log (path comes from url). */
  embedded?: Omit<EmbeddedStoreOptions, 'path'>;
  /** PostgreSQL: schema (default from ?schema=, else lucent_audit) and pool size. */
  postgres?: { schema?: string; poolSize?: number; pollMs?: number };
  /** KurrentDB: subscription poll interval. */
  kurrentdb?: { pollMs?: number };
}

const kConfigKeys = new Set(['url', 'embedded', 'postgres', 'kurrentdb']);

/** Which adapter a setting selects, and its target (a path or the connection string). */
export function eventStoreTarget(url: string | undefined): { kind: EventStoreKind; target: string } {
  const u = url === undefined || url.trim() === '' ? undefined : url.trim();
  if (u === undefined) return { kind: 'embedded', target: kDefaultLogPath };
  if (/^postgres(ql)?:\/\//.test(u)) return { kind: 'postgres', target: u };
  if (isKurrentUrl(u)) return { kind: 'kurrentdb', target: u };
  if (u.startsWith('file://')) return { kind: 'embedded', target: fileURLToPath(u) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) {
    throw new InvalidEventError(`event store ${preview(u)}: unknown scheme; use a log file path, postgres://user@host:5432/db, or kurrentdb://host:2113?tls=false`);
  }
  return { kind: 'embedded', target: u };
}

export async function openEventStore(config: EventStoreConfig | string = {}): Promise<EventStore> {
  const c: EventStoreConfig = typeof config === 'string' ? { url: config } : config;
  if (c === null || typeof c !== 'object') throw new InvalidEventError('event store config must be an object or a connection string');
  for (const k of Object.keys(c)) {
    if (!kConfigKeys.has(k)) throw new InvalidEventError(`event store config: unknown key "${k}" (keys: ${[...kConfigKeys].join(', ')})`);
  }
  const { kind, target } = eventStoreTarget(c.url ?? process.env[kEventStoreEnv]);
  if (kind === 'postgres') {
    const { openPostgresStore } = await import('./postgres/postgres_store.ts');
    return openPostgresStore({ url: target, ...c.postgres });
  }
  if (kind === 'kurrentdb') {
    const { openKurrentStore } = await import('./kurrentdb/kurrentdb_store.ts');
    return openKurrentStore({ url: target, ...c.kurrentdb });
  }
  const { openEmbeddedStore } = await import('./embedded/embedded_store.ts');
  return openEmbeddedStore({ ...c.embedded, path: target });
}
