// Replays a recorded fixture into Kafka topics, the way a market-data feed would fill them:
// each event to its topic, keyed by its universe shard, in file order per partition, at a fixed
// rate, at the recorded timing, or as fast as the broker takes it. Creates missing topics with the
// chosen partition count. Run with --help for the flags.
import { kDefaultFixture } from '../engine/options.ts';
import { LucentError } from '../protocol/errors.ts';
import { replayToKafka } from '../engine/source/kafka/producer.ts';
import { flagHelp, parseFlags, type FlagSpec } from './lib/cli_flags.ts';

const kFlags: Record<string, FlagSpec> = {
  fixture: { kind: 'string', help: 'fixture to replay (.jsonl or .jsonl.gz); default fixtures/default.jsonl.gz' },
  brokers: { kind: 'string', help: 'bootstrap brokers, host:port[,host:port] (default 127.0.0.1:9092)' },
  partitions: { kind: 'int', min: 1, max: 1024, help: 'partitions per topic when creating topics (default 4)' },
  'topic-prefix': { kind: 'string', help: 'put this in front of every topic name (default none)' },
  rate: { kind: 'number', min: 0, help: 'events per second (default: as fast as possible)' },
  speed: { kind: 'number', min: 0, help: 'multiple of the recorded timing (1 = real time)' },
  limit: { kind: 'int', min: 0, help: 'send only the first n events' },
  'watermark-ms': { kind: 'int', min: 0, help: 'while paced: a watermark record on every partition this often (default 50; 0 = none)' },
  'no-end-markers': { kind: 'bool', help: 'do not write an end record on every partition at the end' },
  'batch-size': { kind: 'int', min: 1, max: 100000, help: 'events per send when not paced (default 2000)' },
  'universe-out': { kind: 'string', help: 'write the universe (instrument registry) to this JSON file for --universe' },
  quiet: { kind: 'bool', help: 'no progress lines' },
  help: { kind: 'bool', help: 'this text' },
};

const kUsage = `Usage: node scripts/replay-to-kafka.ts [flags]

Produces a fixture into market.prices.*, market.yields.*, market.liquidations.* and
market.governance.* (each event to the topic its envelope names). The message key is the event's
universe shard (asset:<BASE> for books, pools and price signals; protocol:<name> for yields,
liquidations and governance), so one partition number holds a shard across every topic. Headers:
lucent-seq (the event's sequence in the fixture), lucent-produced-us (send time). The broker must
be running: scripts/kafka-up.`;

async function main(argv: string[]): Promise<number> {
  let f;
  try {
    f = parseFlags(argv, kFlags);
  } catch (err) {
    process.stderr.write(`replay-to-kafka: ${(err as Error).message}\n`);
    return 2;
  }
  if (f.help) {
    process.stdout.write(flagHelp(kUsage, kFlags) + '\n');
    return 0;
  }
  const rate = (f.rate as number | undefined) ?? 0;
  const speed = (f.speed as number | undefined) ?? 0;
  if (rate > 0 && speed > 0) {
    process.stderr.write('replay-to-kafka: --rate and --speed cannot both be set\n');
    return 2;
  }
  const quiet = Boolean(f.quiet);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const t0 = performance.now();
  try {
    const r = await replayToKafka({
      brokers: ((f.brokers as string | undefined) ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
      fixture: (f.fixture as string | undefined) ?? kDefaultFixture,
      topicPrefix: (f['topic-prefix'] as string | undefined) ?? '',
      partitions: (f.partitions as number | undefined) ?? 4,
      rate, speed,
      limit: (f.limit as number | undefined) ?? 0,
      watermarkMs: (f['watermark-ms'] as number | undefined) ?? 50,
      endMarkers: !f['no-end-markers'],
      batchSize: (f['batch-size'] as number | undefined) ?? 2000,
      universeOut: (f['universe-out'] as string | undefined) ?? null,
      signal: abort.signal,
      onProgress: quiet ? undefined : (sent, total) => {
        const s = (performance.now() - t0) / 1000;
        process.stderr.write(`replay-to-kafka: ${sent.toLocaleString('en-US')}/${total.toLocaleString('en-US')} events (${Math.round(sent / Math.max(s, 1e-3)).toLocaleString('en-US')}/s)\n`);
      },
    });
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof LucentError) {
      process.stderr.write(`replay-to-kafka: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`replay-to-kafka: ${(err as Error).message}\n(is the broker running? scripts/kafka-up)\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
