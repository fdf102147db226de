// One place that builds kafkajs clients the way the engine wants them: quiet unless asked
// (kafkajs logs every retriable error answer at ERROR), the harmless negative-timeout warning of
// Node ≥ 24 filtered out, and a short broker probe for tests and start-up checks.
import { Kafka, logLevel } from 'kafkajs';
import type { LogEntry } from 'kafkajs';

const kLevels: Readonly<Record<string, number>> = {
  nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG,
};

let warningFilterInstalled = false;

/** kafkajs arms timers with negative delays; Node warns (TimeoutNegativeWarning) and uses 1 ms. */
export function filterKafkaWarnings(): void {
  if (warningFilterInstalled) return;
  warningFilterInstalled = true;
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name !== 'TimeoutNegativeWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
  });
}

function logCreator(): (entry: LogEntry) => void {
  return ({ namespace, level, log }) => {
    const { message, error } = log as { message: string; error?: unknown };
    const name = level === logLevel.ERROR ? 'ERROR' : level === logLevel.WARN ? 'WARN' : level === logLevel.INFO ? 'INFO' : 'DEBUG';
    process.stderr.write(`[kafkajs ${name} ${namespace}] ${message}${error ? `: ${String(error)}` : ''}\n`);
  };
}

export interface ClientOptions {
  brokers: string[];
  clientId: string;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retries?: number;
}

/** A kafkajs client. Its log level comes from LUCENT_KAFKA_LOG (nothing|error|warn|info|debug; default nothing). */
export function createKafka(o: ClientOptions): Kafka {
  filterKafkaWarnings();
  const level = kLevels[(process.env.LUCENT_KAFKA_LOG ?? 'nothing').toLowerCase()] ?? logLevel.NOTHING;
  return new Kafka({
    clientId: o.clientId,
    brokers: o.brokers,
    connectionTimeout: o.connectionTimeoutMs ?? 3000,
    requestTimeout: o.requestTimeoutMs ?? 30_000,
    logLevel: level,
    logCreator,
    ...(o.retries === undefined ? {} : { retry: { retries: o.retries } }),
  });
}

/**
 * Whether a broker answers within `timeoutMs`: an admin connects and lists topics. Resolves to
 * null when it does, or to the reason it does not.
 */
export async function probeBroker(brokers: string[], timeoutMs = 2000): Promise<string | null> {
  const kafka = createKafka({ brokers, clientId: 'lucent-probe', connectionTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, retries: 0 });
  const admin = kafka.admin();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => { timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs); });
  try {
    const probe = (async (): Promise<string | null> => { await admin.connect(); await admin.listTopics(); return null; })()
      .catch((err: unknown) => (err as Error).message);
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}
