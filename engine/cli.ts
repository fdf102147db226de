// lucent-engine's command line: replay a recorded fixture through the whole pipeline and print a
// summary. `node engine/cli.ts --help` lists the options.
// First import: stop handlers for a signal that comes while the rest loads (it imports nothing).
import { takeEarlyStops } from './early_stop.ts';
import { parseArgs } from 'node:util';
import { LucentError } from '../protocol/errors.ts';
import { availableParallelism } from 'node:os';
import { kWaitNames } from '../protocol/wait_strategy.ts';
import { defaultThreads, resolveOptions, type OptionsInput } from './options.ts';
import { runEngine, type Summary } from './engine.ts';
import { runKafkaEngine, type KafkaSummary } from './kafka/kafka_engine.ts';
import { resolveKafkaOptions } from './source/kafka/options.ts';
import { kAgentNames } from '../workers/agents/index.ts';
import type { LatencySummary } from './metrics/latency.ts';

const kHelp = `lucent-engine: parallel agents over shared-memory market state

Usage: npm start -- [options]        (or: node engine/cli.ts [options])

Source
  --source <s>          file (default: replay --fixture) | kafka (consume the market.* topics)
  --fixture <file>      recorded ticks, JSON Lines (.jsonl or .jsonl.gz)
                        default: fixtures/default.jsonl.gz (the shipped fixture)
  --limit <n>           replay only the first n events (file)
  --universe <file>     file: close the universe: only the instruments of this universe file
                        (replay-to-kafka --universe-out) or fixture are read; an event for any
                        other is a dead letter. Without it the fixture's instruments make the
                        universe, at most config plausibility.maxInstruments of them
  --rate <events/s>     file: open-loop replay at a fixed rate (latency from each event's intended
                        time); kafka: at most this many events/s into the state
  --speed <x>           replay at x times the recorded timing (1 = real time; file)
                        neither: as fast as possible
  --max-pause <ms>      with --speed: wait at most this long for one event (default 10000); a
                        longer recorded gap (or a far-future timestamp) is cut and counted
Kafka source (--source kafka; the broker: scripts/kafka-up; topics: scripts/replay-to-kafka.ts)
  --brokers <list>      bootstrap brokers host:port[,host:port] (default 127.0.0.1:9092)
  --group <id>          consumer group (default lucent-engine)
  --universe <file>     the instruments, known before the agents start: a fixture or the universe
                        file replay-to-kafka --universe-out writes (default: --fixture)
  --scope <s>           global (default): one member of the group holds every partition, the
                        others stand by; decisions equal a file replay's in lockstep
                        shard: partition p of every topic is shard p, each member decides on its
                        shards alone; decision logs <decisions>.shard-<p>.jsonl
  --topic-prefix <p>    put p in front of every topic name (default none)
  --until-end           stop once every assigned partition is read past the end offset it had when
                        this run took it, and then has shown its end record (replay-to-kafka
                        writes one) or stayed quiet for --merge-idle; otherwise run until
                        SIGINT/SIGTERM (read input is decided on, committed, the group left)
  --merge-idle <ms>     lockstep: a caught-up partition quiet this long stops holding back the
                        merge (default 1000)
  --buffer <n>          events buffered per partition before it is paused (default 2048)
  --session-timeout <ms> group session timeout (default 10000): how soon a dead member's partitions
                        move to another
  --topic-refresh <ms>  look for new matching topics this often and subscribe again (default 10000;
                        0 = never: a topic pattern is resolved only when the consumer subscribes)
  --commit-interval <ms> commit offsets at most this often (default 200; each is a broker round trip);
                        an offset is committed only once its events' decisions are durable
  --no-fsync            do not fdatasync the decision log before offsets are committed
  --fetch-max-wait <ms> longest the broker holds a fetch while no partition has data (default 20
                        lockstep, 100 realtime); a fetch is answered as soon as --fetch-min-bytes
                        are there, so while events flow the hold delays nothing
  --fetch-min-bytes <n> the broker answers a fetch once n bytes are there (default 1: at once)
  --fetch-max-bytes <n> at most n bytes per fetch answer (default 10485760)
  --fetch-partition-bytes <n> at most n bytes per partition in a fetch answer (default 1048576)
  --partitions-concurrently <n> fetched batches of n partitions handed to the lanes at once (default 4)
  --event-store <url>   (given explicitly, with --source kafka) the audit trail: each lane appends
                        its decisions (each key once) to this event store (a log path,
                        postgres://..., kurrentdb://...) before offsets are committed, in
                        "decisions" (global) or "decisions-shard-<p>"; the lane claims its stream,
                        so a member that lost its shard is fenced
Engine
  --mode <m>            lockstep (default; deterministic: each trigger waits for its cycle)
                        realtime (ingest never waits; agents conflate to the newest state)
  --threads <n>         agent threads; 0 runs every agent inline on the main thread. Default: automatic —
                        the warm-up replays a slice of the input inline and on ${defaultThreads()} thread(s) here
                        (${availableParallelism()} core(s) available: cores − 1, at most one per agent), with the
                        main thread running its own share of the agents, and keeps the faster (the summary
                        says which, with both rates). With threads, agents are placed from their measured
                        cost per cycle: a thread gets an agent only when that finishes the cycle sooner
  --inline              same as --threads 0 (not together with --threads)
  --wait <w>            ${kWaitNames.join(' | ')} (default adaptive): how threads wait for work; adaptive
                        spins only while waits are short and there is a core per thread, and stops
                        spinning for a while when it measures that it was descheduled
  --topology <spec>     agents per thread, e.g. "main:yield_hunter;risk_assessor,arbitrage_detector;portfolio_rebalancer"
                        (';' between threads; a "main:" group runs on the main thread in each cycle);
                        overrides the measured placement
  --no-warmup           realtime: start without the warm-up slice (lockstep runs with threads always
                        measure; decisions never depend on the warm-up)
  --agents <list>       comma-separated subset of: ${kAgentNames.join(', ')}
  --config <file>       JSON overriding fees, trigger thresholds, limits, agent parameters
                        (see README "Configuration"); unknown keys are errors
  --cycle-timeout <ms>  a cycle not finished by then counts as missed (default 10000)
Audit trail, metrics, bus (README "Audit, messaging and metrics in a run")
  --event-store <spec>  where every decision (with its inputs), outcome, agent-performance record
                        and control action is appended: a log file path (the embedded, hash-chained
                        log), postgres://user@host:5432/db, or kurrentdb://host:2113?tls=false;
                        default $LUCENT_EVENT_STORE, else <dir of --decisions>/audit/events.log;
                        off: none. Check a log with: npm run audit -- verify [path]
  --audit-when-full <p> overflow (default: keep every event; ingest waits between chunks while
                        the store catches up, counted) | drop (drop and count)
  --audit-thread <on|off> on (default): the event store and its trail run on a thread of their own
                        (formatting, hashing, writing and fsync off the main thread); off: on the
                        main thread
  --http [HOST[:PORT]]  serve /health and /ready on 127.0.0.1:8080 and /metrics on 127.0.0.1:9090;
                        HOST:PORT serves all three there; up until the run ends
  --bus <amqp-url>      publish approved actions to RabbitMQ (exchange lucent.actions.topic,
                        routing key action.<kind>), with publisher confirms
Operator controls (engine/control/; README "Operator controls")
  --token-file <file>   bearer tokens allowed to change anything, one "name:token" a line (also
                        LUCENT_TOKEN); without one every state-changing request gets 401. With
                        --http the control endpoints and the operator page are served on the
                        health address; the control stream (kill switch, breakers, approvals) is
                        kept in the run's event store (in memory with --event-store off).
                        SIGUSR2 toggles the engine's kill switch while --http or
                        --token-file is on. With --source kafka every lane follows the kill
                        switch; there is no approval queue (KAFKA.md)
Learning (off by default; README "The learning loop")
  --learning            mark every executed action's outcome after its horizon, track each agent's
                        success rate and return error, send retraining jobs when it degrades
                        (config.learning.trainer: bus = \`npm run trainer\` processes, inline = here),
                        trial new parameters in shadow and promote those that beat the old ones
                        (its outcomes and control events go to the run's --event-store, beside
                        its decisions)
  --bus-url <url>       RabbitMQ for jobs and results (default amqp://guest:guest@127.0.0.1:5672)
  --bus-prefix <p>      put p in front of every exchange and queue name (default none; --bus too)
Output
  --decisions <file>    decision log, JSON Lines (default out/decisions.jsonl)
  --summary <file>      summary JSON (default out/summary.json)
  --dead-letters <file> rejected input lines with reasons (default out/dead-letters.jsonl)
  --resume              file replay: resume after a crash (kill -9, a failed machine). The fixture is
                        replayed from the start (lockstep is deterministic); each decision is
                        checked against the log's line, byte for byte, and only those past its
                        end are appended; a torn last line is cut first. Run it with the same
                        fixture and options as the run that crashed (a difference is an error
                        naming the line). The Kafka source always resumes from its offsets.
                        With snapshots in the snapshot store, the replay starts from the newest one
                        that the log covers (every decision it counts is in the log) instead of the
                        first event: the events before it are not replayed.
  --snapshot-every <n>  file replay, lockstep: a snapshot of the whole engine state (shared memory,
                        the main thread's objects, every agent's state on its thread) after every n
                        events, appended to the stream snapshot-replay of the snapshot store
                        (not with --learning, whose state a snapshot does not hold).
                        --source kafka (needs --event-store): each lane takes one at the end of
                        the first released batch after every n events, into the run's event store
                        (stream snapshot-lane-<shard>, with each partition's next offset); a lane
                        that starts (a takeover) restores the newest one within the group's
                        committed offsets and reads on from its offsets, not the log start
  --snapshot-store <s>  the event store for snapshots: a log file path, postgres://…, kurrentdb://…
                        (default <decisions>.snapshots.log)
  --json                print the summary JSON to stdout instead of the table
  --quiet               no progress bar
  -h, --help            this text

Stops and exit status
  SIGINT / SIGTERM      stop at the next chunk of events (during the warm-up: after its pass under way):
                        the decisions made are written and synced, the summary written (stoppedBy),
                        exit 130 / 143; a second signal exits at once
  0 done · 1 the input or an output failed (one line says which file and why; an input cut short
  is replayed up to there, its decisions and summary written) · 2 a bad option or configuration
`;

/** `--http` takes an optional value: bare (last, or followed by another option) it becomes `--http=`. */
function bareHttp(argv: string[]): string[] {
  return argv.map((a, i) => (a === '--http' && (i === argv.length - 1 || argv[i + 1]!.startsWith('--')) ? '--http=' : a));
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new LucentError('ERR_OPTION', `--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  // `--http` may stand alone: give parseArgs an empty value for it.
  argv = argv.map((a, i) => (a === '--http' && (i + 1 >= argv.length || argv[i + 1]!.startsWith('-')) ? '--http=' : a));
  try {
    parsed = parseArgs({
      args: bareHttp(argv),
      options: {
        fixture: { type: 'string' }, limit: { type: 'string' }, source: { type: 'string' }, brokers: { type: 'string' },
        group: { type: 'string' }, universe: { type: 'string' }, scope: { type: 'string' }, 'topic-prefix': { type: 'string' },
        'until-end': { type: 'boolean' }, 'merge-idle': { type: 'string' }, buffer: { type: 'string' },
        'session-timeout': { type: 'string' }, 'topic-refresh': { type: 'string' }, 'no-fsync': { type: 'boolean' },
        'commit-interval': { type: 'string' }, 'fetch-max-wait': { type: 'string' }, 'fetch-min-bytes': { type: 'string' },
        'fetch-max-bytes': { type: 'string' }, 'fetch-partition-bytes': { type: 'string' }, 'partitions-concurrently': { type: 'string' }, rate: { type: 'string' }, speed: { type: 'string' }, 'max-pause': { type: 'string' },
        mode: { type: 'string' }, threads: { type: 'string' }, inline: { type: 'boolean' }, wait: { type: 'string' },
        topology: { type: 'string' }, agents: { type: 'string' }, config: { type: 'string' }, 'cycle-timeout': { type: 'string' },
        decisions: { type: 'string' }, summary: { type: 'string' }, 'dead-letters': { type: 'string' },
        'event-store': { type: 'string' }, 'audit-when-full': { type: 'string' }, 'audit-thread': { type: 'string' }, http: { type: 'string' },
        bus: { type: 'string' }, 'bus-prefix': { type: 'string' }, learning: { type: 'boolean' }, 'bus-url': { type: 'string' },
        'token-file': { type: 'string' },
        'no-warmup': { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, resume: { type: 'boolean' },
        'snapshot-every': { type: 'string' }, 'snapshot-store': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    process.stderr.write(`lucent-engine: ${(err as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(kHelp);
    return 0;
  }
  const signals = new SignalStop();
  try {
    const threads = num('threads', v.threads);
    if (v.inline && threads !== undefined) throw new LucentError('ERR_OPTION', '--inline and --threads cannot both be given (--inline is --threads 0)');
    const input: OptionsInput = {
      fixture: v.fixture, mode: v.mode, wait: v.wait, topology: v.topology, config: v.config,
      threads: v.inline ? 0 : threads, warmup: v['no-warmup'] ? false : undefined, rate: num('rate', v.rate), speed: num('speed', v.speed), maxPauseMs: num('max-pause', v['max-pause']),
      limit: num('limit', v.limit), cycleTimeoutMs: num('cycle-timeout', v['cycle-timeout']),
      decisions: v.decisions, summary: v.summary, deadLetters: v['dead-letters'],
      progress: !v.quiet && !v.json,
      universe: v.source === 'kafka' ? undefined : v.universe,
      agents: v.agents?.split(',').map((a) => a.trim()).filter((a) => a !== ''),
      sinks: { eventStore: v['event-store'], auditWhenFull: v['audit-when-full'], auditThread: v['audit-thread'], http: v.http, bus: v.bus, busPrefix: v['bus-prefix'] },
      // the operator's endpoints are served by the run's HTTP server (--http); its control stream goes
      // to the run's event store, which the learning loop shares too (a run without one: the loop
      // opens its own, and the control stream stays in memory with --learning)
      operator: v.http === undefined && v['token-file'] === undefined ? null : {
        http: null, tokenFile: v['token-file'] ?? null,
        eventStore: v.learning ? null : v['event-store'] ?? null,
      },
      learning: v.learning, eventStore: v['event-store'], busUrl: v['bus-url'], busPrefix: v['bus-prefix'], resume: v.resume,
      snapshotEvery: num('snapshot-every', v['snapshot-every']), snapshotStore: v['snapshot-store'],
    };
    const opts = resolveOptions(input);
    const source = v.source ?? 'file';
    if (source !== 'file' && source !== 'kafka') throw new LucentError('ERR_OPTION', `--source must be "file" or "kafka", got ${JSON.stringify(source)}`);
    let summary: Summary;
    if (source === 'kafka' && v['snapshot-store'] !== undefined) throw new LucentError('ERR_OPTION', '--snapshot-store applies to --source file: a Kafka lane keeps its snapshots in the run\'s --event-store');
    if (source === 'kafka' && v.resume) throw new LucentError('ERR_OPTION', '--resume applies to --source file: the Kafka source always resumes from the group\'s committed offsets');
    if (source === 'kafka') {
      const k = resolveKafkaOptions({
        brokers: v.brokers, group: v.group, universe: v.universe, scope: v.scope, topicPrefix: v['topic-prefix'],
        untilEnd: v['until-end'], mergeIdleMs: num('merge-idle', v['merge-idle']), bufferPerPartition: num('buffer', v.buffer),
        sessionTimeoutMs: num('session-timeout', v['session-timeout']), topicRefreshMs: num('topic-refresh', v['topic-refresh']),
        durable: v['no-fsync'] ? false : undefined, commitIntervalMs: num('commit-interval', v['commit-interval']),
        fetchMaxWaitMs: num('fetch-max-wait', v['fetch-max-wait']), fetchMinBytes: num('fetch-min-bytes', v['fetch-min-bytes']),
        fetchMaxBytes: num('fetch-max-bytes', v['fetch-max-bytes']), fetchMaxBytesPerPartition: num('fetch-partition-bytes', v['fetch-partition-bytes']),
        partitionsConcurrently: num('partitions-concurrently', v['partitions-concurrently']),
      }, opts);
      summary = await runKafkaEngine(opts, k, {
        signal: signals.signal, stopReason: () => signals.name ?? 'aborted',
        eventStore: v['event-store'] === 'off' ? undefined : v['event-store'], // off: no trail (not a log file named "off")
        log: (line) => { if (!v.quiet) process.stderr.write(`lucent-engine: ${line}\n`); },
      });
    } else {
      const kafkaOnly = ['brokers', 'group', 'universe', 'scope', 'topic-prefix', 'until-end', 'merge-idle', 'buffer', 'session-timeout', 'topic-refresh', 'no-fsync', 'commit-interval',
        'fetch-max-wait', 'fetch-min-bytes', 'fetch-max-bytes', 'fetch-partition-bytes', 'partitions-concurrently'] as const;
      const given = kafkaOnly.filter((key) => v[key] !== undefined);
      if (given.length > 0) throw new LucentError('ERR_OPTION', `--${given[0]} applies to --source kafka only`);
      summary = await runEngine(opts, {
        signal: signals.signal, stopReason: () => signals.name ?? 'aborted',
        log: (line) => { if (!v.quiet) process.stderr.write(`lucent-engine: ${line}\n`); },
      });
    }
    if (v.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else process.stdout.write(formatSummary(summary));
    if (summary.inputError) {
      process.stderr.write(`lucent-engine: ${summary.inputError}; the ${summary.events.toLocaleString('en-US')} events before it were replayed, their decisions and the summary written\n`);
      return 1;
    }
    if (signals.name !== null) {
      process.stderr.write(`lucent-engine: stopped by ${signals.name} after ${summary.events.toLocaleString('en-US')} events; ${summary.decisions.toLocaleString('en-US')} decisions written and synced, summary written\n`);
      return signals.exitCode;
    }
    return 0;
  } catch (err) {
    const line = expectedError(err);
    if (line === null) throw err;
    process.stderr.write(`lucent-engine: ${line}\n`);
    return err instanceof LucentError && err.code === 'ERR_OPTION' ? 2 : 1;
  } finally {
    signals.dispose();
  }
}

/**
 * The one line to print for an expected error (a bad option, input or output; a system error
 * such as ENOSPC), or null for a programmer error, which keeps its stack trace.
 */
export function expectedError(err: unknown): string | null {
  if (err instanceof LucentError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string') {
    return `${e.syscall} ${e.path ?? ''} failed: ${e.code} (${e.message})`;
  }
  return null;
}

/**
 * SIGINT and SIGTERM: the first aborts `signal` (the run stops at its next step, writes what it
 * decided and the summary); a second exits at once with 128 + its number.
 */
class SignalStop {
  readonly #controller = new AbortController();
  name: NodeJS.Signals | null = null;
  readonly #handler = (sig: NodeJS.Signals): void => {
    if (this.name !== null) {
      process.stderr.write(`lucent-engine: second signal (${sig}): exiting now, without waiting for the run to stop\n`);
      process.exit(kSignalExit[sig] ?? 1);
    }
    this.name = sig;
    process.stderr.write(`lucent-engine: ${sig}: stopping; writing the decisions made and the summary (a second signal exits at once)\n`);
    this.#controller.abort();
  };

  constructor() {
    takeEarlyStops();
    process.on('SIGINT', this.#handler);
    process.on('SIGTERM', this.#handler);
  }

  get signal(): AbortSignal { return this.#controller.signal; }
  get exitCode(): number { return this.name === null ? 0 : kSignalExit[this.name] ?? 1; }

  dispose(): void {
    process.off('SIGINT', this.#handler);
    process.off('SIGTERM', this.#handler);
  }
}

const kSignalExit: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

const f = (x: number): string => x.toLocaleString('en-US');
const us = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(2)} µs`);

function latRow(name: string, l: LatencySummary): string {
  return `  ${name.padEnd(22)} ${f(l.count).padStart(9)} ${us(l.p50).padStart(11)} ${us(l.p99).padStart(11)} ${us(l.p999).padStart(11)} ${us(l.max).padStart(11)}\n`;
}

export function formatSummary(s: Summary): string {
  const rel = s.fixture.startsWith(process.cwd()) ? s.fixture.slice(process.cwd().length + 1) : s.fixture;
  let out = '\n';
  out += `lucent-engine · ${s.mode} · ${s.threads === 0 ? 'agents inline' : `${s.threads} agent thread(s)`} · wait ${s.wait}` +
    (s.rate ? ` · ${f(s.rate)} ev/s offered` : s.speed ? ` · ${s.speed}× recorded timing` : '') + '\n';
  if (s.threads > 0 && s.mainShare.length) out += `main thread runs ${s.mainShare.join(', ')}; ${s.topology.map((g, t) => `thread ${t + 1}: ${g.join(', ')}`).join('; ')}\n`;
  if (s.dispatch) {
    const d = s.dispatch;
    out += `dispatch ${d.how}: ${d.chosen}${d.why === 'fixed' ? '' : ` by ${d.why}`}${d.why === 'rate' && d.offeredPerSec !== null ? ` (offered ${f(Math.round(d.offeredPerSec))} ev/s)` : ''} (warm-up ${f(d.warmupEvents)} events/pass in ${f(d.warmupMs)} ms: inline ${f(d.inlineEventsPerSec)} ev/s, threaded ${f(d.threadedEventsPerSec)} ev/s, hand-off ${d.handoffUs} µs; predicted cycle inline ${d.predictedCycleUs.inline} µs, threaded ${d.predictedCycleUs.threaded} µs)\n`;
  }
  out += `fixture ${rel} (${f(s.instruments)} instruments)\n\n`;
  out += `  events read            ${f(s.lines)}   (dead letters: ${f(s.deadLetters)})\n`;
  const pl = s.plausibility;
  if (pl) {
    const by = Object.entries(pl.refusedByCheck).map(([k, v]) => `${k} ${f(v)}`).join(', ');
    out += `  plausibility           refused ${f(pl.refused)}${by ? ` (${by})` : ''}, yield updates held ${f(pl.held)} (confirmed ${f(pl.confirmed ?? 0)}), pre-trade rejections ${f(pl.preTradeRejections)}, assets in doubt ${f(pl.doubtRejections)}, stale sources ${f(pl.staleSources)}\n`;
  }
  out += `  events replayed        ${f(s.events)} in ${f(s.runMs)} ms = ${f(s.eventsPerSec)} events/s\n`;
  out += `  cycles                 ${f(s.cycles)} (${f(s.cyclesPerSec)}/s, ${f(s.wakeCycles)} of them arbitrage wakes, missed ${f(s.missedCycles)}; ${f(s.derivedEvents)} derived events replayed as triggers)\n`;
  out += `  decisions              ${f(s.decisions)}  (approved ${f(s.decisionsByStatus.approved ?? 0)}, rejected ${f(s.decisionsByStatus.rejected ?? 0)}, pending approval ${f(s.decisionsByStatus.pending_approval ?? 0)})\n`;
  out += `  realized PnL (paper)   $${s.portfolio.realizedPnlUsd.toFixed(2)}   portfolio VaR $${f(s.portfolio.varUsd)}  HHI ${s.portfolio.hhi}\n`;
  out += `  decision log sha256    ${s.decisionLogSha256}\n`;
  if (s.resume) {
    const r = s.resume;
    out += `  resumed                ${f(r.found)} decisions found in the log (${f(r.verified)} checked equal), ${f(r.appended)} appended` +
      `${r.tornBytes > 0 ? `, torn last line cut (${f(r.tornBytes)} bytes)` : ''}\n`;
  }
  if (s.snapshots) {
    const n = s.snapshots;
    if (n.resumedFrom !== null) out += `  started from snapshot  at event ${f(n.resumedFrom.events)} (${f(n.resumedFrom.decisions)} decisions before it; restored in ${f(n.restoreMs)} ms; ${f(n.eventsStepped)} events stepped)\n`;
    if (n.every > 0) out += `  snapshots              ${f(n.taken)} taken in ${f(n.takeMs)} ms, every ${f(n.every)} events (last ${f(n.lastBytes)} bytes) → ${n.store}\n`;
  }
  if (s.crashes && s.crashes.threadRestarts + s.crashes.cyclesWithoutAgents > 0) {
    out += `  agent threads          ${f(s.crashes.threadRestarts)} replaced; ${f(s.crashes.cyclesWithoutAgents)} cycle(s) decided without some agent\n`;
  }
  out += '\n';
  out += `  ${'agent'.padEnd(22)} ${'opportunities'.padStart(13)} ${'decisions'.padStart(10)} ${'p50/cycle'.padStart(11)} ${'p99/cycle'.padStart(11)} ${'errors'.padStart(7)} ${'stale'.padStart(7)} ${'quarantined'.padStart(11)}\n`;
  for (const [name, a] of Object.entries(s.agentsUs)) {
    out += `  ${name.padEnd(22)} ${f(s.opportunitiesByAgent[name] ?? 0).padStart(13)} ${f(s.decisionsByAgent[name] ?? 0).padStart(10)} ${us(a.p50).padStart(11)} ${us(a.p99).padStart(11)} ${f(a.errors).padStart(7)} ${f(a.stale).padStart(7)} ${f(a.quarantined).padStart(11)}\n`;
  }
  if (s.opportunitiesByKind) {
    out += `\n  ${'arbitrage funnel'.padEnd(26)} ${'seen'.padStart(8)} ${'decided'.padStart(8)} ${'approved'.padStart(8)}  dropped: below min · stale · not evaluated · quote taken · risk · unchanged\n`;
    for (const [kind, k] of Object.entries(s.opportunitiesByKind)) {
      const d = k.dropped;
      out += `  ${kind.padEnd(26)} ${f(k.seen).padStart(8)} ${f(k.decided).padStart(8)} ${f(k.approved).padStart(8)}  ${f(d.belowMinProfit)} · ${f(d.stale)} · ${f(d.notEvaluated)} · ${f(d.quoteTaken)} · ${f(d.risk)} · ${f(d.unchanged)}\n`;
    }
  }
  out += `\n  top opportunities\n`;
  for (const t of s.topOpportunities.slice(0, 5)) {
    out += `    $${t.expectedProfitUsd.toFixed(2).padStart(10)}  ${t.kind.padEnd(26)} ${t.instruments.join(' → ').padEnd(44)} ${t.status}\n`;
  }
  if (s.topOpportunities.length === 0) out += '    (none)\n';
  out += `\n  tick-to-decision       ${'count'.padStart(9)} ${'p50'.padStart(11)} ${'p99'.padStart(11)} ${'p99.9'.padStart(11)} ${'max'.padStart(11)}\n`;
  out += latRow('ingest (state write)', s.stagesUs.ingest);
  out += latRow('agents (cycle)', s.stagesUs.agents);
  out += latRow('consolidate+validate', s.stagesUs.consolidate);
  out += latRow('total', s.latencyUs);
  if (s.deadLetterSamples.length) {
    out += '\n  dead letters (first few)\n';
    for (const d of s.deadLetterSamples) out += `    ${d.source}: ${d.reason}\n`;
  }
  if (s.learning) out += formatLearning(s);
  if ('kafka' in s) out += formatKafka(s as KafkaSummary);
  if (s.sinks !== undefined) out += formatSinks(s);
  if (s.pacing && s.pacing.pausesCut > 0) {
    out += `\n  pacing                 ${f(s.pacing.pausesCut)} pause(s) cut to --max-pause (longest recorded gap ${f(Math.round(s.pacing.longestCutMs))} ms of replay time, input line ${f(s.pacing.longestCutLine)})\n`;
  }
  if (s.stoppedBy) out += `\n  stopped by ${s.stoppedBy} after ${f(s.events)} events\n`;
  if (s.inputError) out += `\n  input error            ${s.inputError}\n`;
  out += `\n  decisions: ${s.decisionLog ?? '(not kept)'}\n`;
  return out;
}

function formatSinks(s: Summary): string {
  const k = s.sinks!;
  let out = '';
  const e = k.eventStore;
  if (e !== null) {
    out += `\n  event store            ${e.store} ${e.target}: ${f(e.appended)} events appended in ${f(e.streams)} streams` +
      ` (queue max ${f(e.maxDepth)}, overflowed ${f(e.overflowed)}, dropped ${f(e.dropped)}, stalls ${f(e.stalls)} / ${e.stallMs} ms)\n`;
  }
  if (k.bus !== null) out += `  bus                    ${f(k.bus.published)} approved actions published, ${f(k.bus.confirmed)} confirmed, ${f(k.bus.overflow)} refused (buffer full), ${f(k.bus.unconfirmedAtStop)} unconfirmed at stop\n`;
  if (k.http !== null) out += `  http                   ${k.http}\n`;
  return out;
}

function formatLearning(s: Summary): string {
  const pct = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(4));
  let out = `\n  learning               ${'outcomes'.padStart(9)} ${'jobs'.padStart(5)} ${'promoted'.padStart(9)} ${'rejected'.padStart(9)} ${'failed'.padStart(7)} ${'version'.padStart(8)}  error before → after (%)\n`;
  for (const a of s.learning ?? []) {
    if (a.outcomes === 0) continue;
    out += `  ${a.agent.padEnd(22)} ${f(a.outcomes).padStart(9)} ${f(a.jobs).padStart(5)} ${f(a.promotions).padStart(9)} ${f(a.rejections).padStart(9)} ${f(a.failures).padStart(7)} ${String(a.activeVersion).padStart(8)}  ${pct(a.before?.errorPct ?? a.trigger?.errorPct)} → ${pct(a.after?.errorPct)}  ${a.status}\n`;
  }
  return out;
}

function formatKafka(s: KafkaSummary): string {
  const k = s.kafka;
  let out = `\n  kafka                  group ${k.groupId} · ${k.scope} scope · ${k.topics.length} topics × ${k.partitionsPerTopic} partitions\n`;
  out += `  produce-to-decision    ${f(k.produceToDecisionUs.count).padStart(9)} ${us(k.produceToDecisionUs.p50).padStart(11)} ${us(k.produceToDecisionUs.p99).padStart(11)} ${us(k.produceToDecisionUs.p999).padStart(11)} ${us(k.produceToDecisionUs.max).padStart(11)}\n`;
  const w = k.receiveToReleaseUs;
  if (w.count > 0) out += `  receive → release      ${f(w.count).padStart(9)} ${us(w.p50).padStart(11)} ${us(w.p99).padStart(11)} ${us(w.p999).padStart(11)} ${us(w.max).padStart(11)}  (the lanes' buffers${s.mode === 'lockstep' ? ': the merge' : ''})\n`;
  out += `  rebuilt (replayed)     ${f(k.rebuiltEvents)} events, ${f(k.decisionsSuppressed)} decisions not written again\n`;
  out += `  dead letters produced  ${f(k.deadLettersProduced)}   late events ${f(k.late)}   pauses ${f(k.pauses)}   assignments ${f(k.assignments)}\n`;
  for (const l of k.lanes) {
    out += `    ${l.id.padEnd(10)} ${f(l.instruments).padStart(5)} instruments ${f(l.events).padStart(9)} events ${f(l.decisionsWritten).padStart(6)} decisions written  ${l.decisionLogSha256.slice(0, 16)}\n`;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`lucent-engine: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
