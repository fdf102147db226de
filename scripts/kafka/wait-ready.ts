// Waits until a Kafka broker serves clients: a kafkajs admin connects, lists the topics and
// describes the cluster (Metadata round trips), retrying until the deadline.
// Usage: node scripts/kafka/wait-ready.ts [host:port] [timeoutSeconds]
// Exit 0 when ready; 1 with the last error when the deadline passes.
import { Kafka, logLevel } from 'kafkajs';

const kDefaultBroker = '127.0.0.1:9092';
const kDefaultTimeoutSeconds = 60;
const kRetryDelayMs = 250;

const broker = process.argv[2] ?? kDefaultBroker;
const timeoutSeconds = Number(process.argv[3] ?? kDefaultTimeoutSeconds);
if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
  console.error(`wait-ready: timeoutSeconds must be a positive number, got ${process.argv[3]}`);
  process.exit(2);
}

const kafka = new Kafka({
  clientId: 'lucent-kafka-wait-ready',
  brokers: [broker],
  connectionTimeout: 1000,
  requestTimeout: 5000,
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
});

async function probeOnce(): Promise<string> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('metadata lists no brokers yet');
    return `${cluster.brokers.length} broker(s), controller ${cluster.controller}, ${topics.length} topic(s)`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const deadline = Date.now() + timeoutSeconds * 1000;
let lastError = 'no attempt made';
for (;;) {
  try {
    console.log(`wait-ready: ${broker} ready: ${await probeOnce()}`);
    process.exit(0);
  } catch (err) {
    lastError = err instanceof Error ? err.message : String(err);
  }
  if (Date.now() + kRetryDelayMs > deadline) break;
  await new Promise((resolve) => setTimeout(resolve, kRetryDelayMs));
}
console.error(`wait-ready: ${broker} not ready after ${timeoutSeconds} s: ${lastError}`);
process.exit(1);
