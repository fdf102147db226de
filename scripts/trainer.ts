// The trainer process: takes retraining jobs from the lucent.jobs.agent_retraining queue (several
// trainers can share it: each job goes to one), reads the agent's performance stream from the
// event store the job names, fits and validates (engine/learning/fit.ts), and publishes the result
// to the engine's inbox. A job whose fit misses its targets or its time budget is reported failed.
//   npm run trainer -- [--bus-url URL] [--bus-prefix P] [--id NAME] [--max-jobs N]
//   npm run trainer -- --rollback <agentId> [--engine ID]    (the operator's rollback command)
import { hostname } from 'node:os';
import { LucentError, OptionError } from '../protocol/errors.ts';
import { jobProblem, kRollbackType, type RetrainingJob } from '../engine/learning/jobs.ts';
import { closeStores, trainJob } from '../engine/learning/trainer.ts';
import { resultMessage } from '../engine/learning/transport.ts';
import type { AgentMessage } from '../engine/sinks/bus/agent_message.ts';
import type { BusOptionsInput } from '../engine/sinks/bus/bus_options.ts';
import { BusConsumer } from '../engine/sinks/bus/consumer.ts';
import { BusPublisher } from '../engine/sinks/bus/publisher.ts';
import { flagHelp, parseFlags, type FlagSpec } from './lib/cli_flags.ts';

const kFlags: Record<string, FlagSpec> = {
  'bus-url': { kind: 'string', help: 'RabbitMQ URL (default amqp://guest:guest@127.0.0.1:5672)' },
  'bus-prefix': { kind: 'string', help: 'prefix of every exchange and queue name (as the engine\'s --bus-prefix; default none)' },
  id: { kind: 'string', help: 'this trainer\'s name in the results (default trainer-<host>-<pid>)' },
  'max-jobs': { kind: 'int', min: 1, help: 'exit after this many jobs (default: run until SIGINT/SIGTERM)' },
  rollback: { kind: 'string', help: 'send the rollback command for this agent to the engine and exit' },
  engine: { kind: 'string', help: 'the engine\'s inbox id for --rollback (config.learning.engineId; default engine)' },
  help: { kind: 'bool', help: 'print this help' },
};

const log = (line: string): void => { process.stdout.write(`trainer: ${line}\n`); };

async function rollback(bus: BusOptionsInput, agent: string, engine: string): Promise<void> {
  const p = new BusPublisher(bus).start();
  try {
    const m: AgentMessage = { id: `rollback.${agent}.${Date.now()}`, from: 'operator', to: engine, type: kRollbackType, priority: 9, payload: { agent }, timestamp: Date.now(), ttl: 0 };
    await p.publishConfirmed(p.routeFor(m), m);
    log(`rollback of ${agent} sent to ${engine}`);
  } finally {
    await p.close();
  }
}

async function serve(bus: BusOptionsInput, id: string, maxJobs: number): Promise<void> {
  const publisher = new BusPublisher(bus).start();
  let done = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((r) => { finished = r; });
  const consumer = new BusConsumer({
    bus, source: { jobs: true }, prefetch: 1,
    onDeadLetter: (mid, reason) => log(`job ${mid} refused: ${reason}`),
    handler: async (m) => {
      const problem = jobProblem(m.payload);
      if (problem !== null) throw new LucentError('ERR_JOB', problem); // nacked: dead-lettered with the reason
      const job = m.payload as RetrainingJob;
      const r = await trainJob(job, job.data.store, id);
      const reply = resultMessage(job, r);
      await publisher.publishConfirmed(publisher.routeFor(reply), reply);
      const v = r.validation;
      log(`${job.jobId}: ${r.status} (${r.reason}) in ${r.fitMs.toFixed(1)} ms` +
        (v ? `; validation error ${v.meanErrorPct} (baseline ${v.baselineMeanErrorPct}), success ${v.successRate} (baseline ${v.baselineSuccessRate}) on ${v.samples}` : ''));
      if (++done >= maxJobs) finished();
    },
  }).start();
  const stop = (): void => finished();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await consumer.ready();
  log(`${id} ready on ${consumer.queue}`);
  await allDone;
  await consumer.stop();
  await publisher.close();
  await closeStores();
  log(`${id} stopped after ${done} job(s)`);
}

async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(argv, kFlags);
  } catch (err) {
    if (err instanceof OptionError) { process.stderr.write(`trainer: ${err.message}\n`); return 2; }
    throw err;
  }
  if (flags.help) {
    process.stdout.write(flagHelp('Usage: npm run trainer -- [flags]\nFits retraining jobs from RabbitMQ (lucent.jobs.direct, ai.training.agent_retraining) and publishes their results.', kFlags));
    return 0;
  }
  const bus: BusOptionsInput = {};
  if (typeof flags['bus-url'] === 'string') bus.url = flags['bus-url'];
  if (typeof flags['bus-prefix'] === 'string') bus.prefix = flags['bus-prefix'];
  try {
    if (typeof flags.rollback === 'string') {
      await rollback(bus, flags.rollback, typeof flags.engine === 'string' ? flags.engine : 'engine');
      return 0;
    }
    const id = typeof flags.id === 'string' ? flags.id : `trainer-${hostname()}-${process.pid}`;
    await serve(bus, id, typeof flags['max-jobs'] === 'number' ? flags['max-jobs'] : Infinity);
    return 0;
  } catch (err) {
    if (err instanceof LucentError) { process.stderr.write(`trainer: ${err.message}\n`); return 2; }
    throw err;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
