// How jobs reach a trainer and results come back.
//  - BusTransport: jobs to lucent.jobs.direct (key ai.training.agent_retraining, confirmed by the
//    broker) for any trainer process on the queue (`npm run trainer`); results and operator
//    commands arrive in the engine's inbox (lucent.agent.<engineId>).
//  - InlineTransport: the same fit, run in this process over the same event store (runs without
//    a broker, and the unit tests).
import type { AgentMessage } from '../sinks/bus/agent_message.ts';
import type { BusOptionsInput } from '../sinks/bus/bus_options.ts';
import { BusConsumer } from '../sinks/bus/consumer.ts';
import { BusPublisher } from '../sinks/bus/publisher.ts';
import type { EventStore } from '../sinks/event_store/types.ts';
import { kJobType, kResultType, type RetrainingJob, type RetrainingResult } from './jobs.ts';
import { trainJob } from './trainer.ts';

export interface JobTransport {
  start(): Promise<void>;
  /** Resolves once the job is handed over (the broker confirmed it). */
  submit(job: RetrainingJob): Promise<void>;
  close(): Promise<void>;
}

/** The bus message of a job. Its timestamp is the trigger's event time, so the message is the same every run. */
export function jobMessage(job: RetrainingJob): AgentMessage<RetrainingJob> {
  return { id: job.jobId, from: job.replyTo, to: 'trainer', type: kJobType, priority: 5, payload: job, timestamp: Math.floor(job.requestedTs / 1000), ttl: 0 };
}

export class BusTransport implements JobTransport {
  readonly #publisher: BusPublisher;
  readonly #consumer: BusConsumer;

  constructor(bus: BusOptionsInput, engineId: string, onMessage: (m: AgentMessage) => void) {
    this.#publisher = new BusPublisher(bus);
    this.#consumer = new BusConsumer({ bus, source: { agent: engineId }, handler: (m) => onMessage(m), prefetch: 16 });
  }

  async start(): Promise<void> {
    this.#publisher.start();
    this.#consumer.start();
    await this.#consumer.ready();
  }

  submit(job: RetrainingJob): Promise<void> {
    return this.#publisher.publishConfirmed(this.#publisher.jobRoute, jobMessage(job));
  }

  async close(): Promise<void> {
    await this.#consumer.stop();
    await this.#publisher.close();
  }
}

export class InlineTransport implements JobTransport {
  readonly #store: EventStore;
  readonly #onMessage: (m: AgentMessage) => void;

  constructor(store: EventStore, onMessage: (m: AgentMessage) => void) {
    this.#store = store;
    this.#onMessage = onMessage;
  }

  async start(): Promise<void> { /* nothing to connect */ }

  async submit(job: RetrainingJob): Promise<void> {
    const result = await trainJob(job, this.#store, 'inline');
    queueMicrotask(() => this.#onMessage(resultMessage(job, result)));
  }

  async close(): Promise<void> { /* nothing to close */ }
}

export function resultMessage(job: RetrainingJob, r: RetrainingResult): AgentMessage<RetrainingResult> {
  return { id: `${job.jobId}.result`, from: 'trainer', to: job.replyTo, type: kResultType, priority: 5, payload: r, timestamp: Math.floor(job.requestedTs / 1000), ttl: 0 };
}
