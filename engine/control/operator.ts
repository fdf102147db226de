// The operator controls of a running engine, wired in one place: the event store the `control`
// stream goes to, the control plane handed to the pipeline, the approval queue (restored from the
// store), the HTTP endpoints and page, the metrics, SIGUSR2, and the approvals' expiry.
//
//   const op = await openOperator(options.operator, config);   // before buildPipeline
//   buildPipeline(..., { control: op.control })
//   await op.attach(pipeline, agents);                          // after it: queue, HTTP, signal
//   (the replay lets the event loop turn between chunks and while pacing: requests and signals get in)
//   await op.close();
//
// SIGUSR2 toggles the engine scope: ACTIVE → HALTED (a pause, who = "signal"), HALTED or REDUCING → ACTIVE.
import type { ControlConfig, OperatorOptions } from '../control_config.ts';
import type { PaperExecutor } from '../execute/paper_executor.ts';
import type { Validator } from '../validate/validator.ts';
import type { MarketView } from '../../protocol/market_view.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import { openEventStore } from '../sinks/event_store/open.ts';
import type { EventStore } from '../sinks/event_store/types.ts';
import { startHttp, type HttpHandle } from '../http/server.ts';
import type { Router } from '../http/router.ts';
import type { Registry } from 'prom-client';
import { ApprovalQueue } from './approvals.ts';
import { ControlLog } from './control_log.ts';
import { controlMetrics } from './control_metrics.ts';
import { ControlPlane } from './control_plane.ts';
import { addControlRoutes, type ControlRouteDeps } from './routes.ts';
import { Tokens } from './tokens.ts';

export type { OperatorOptions } from '../control_config.ts';

/** What the operator needs of a built pipeline (engine/pipeline.ts Pipeline has these). */
export interface PipelineParts {
  validator: Validator;
  executor: PaperExecutor;
  view: MarketView;
  snapshot: RegistrySnapshot;
  dispatcher: { readonly threads: number };
}

export const kEngineScope = { scope: 'engine', name: '' } as const;

export class Operator {
  readonly control: ControlPlane;
  readonly tokens: Tokens;
  readonly store: EventStore | null;
  approvals: ApprovalQueue | null = null;
  http: HttpHandle | null = null;
  readonly #o: OperatorOptions;
  #timer: NodeJS.Timeout | null = null;
  readonly #onSignal = (): void => this.toggleEngine('signal');

  readonly #ownsStore: boolean;

  constructor(o: OperatorOptions, control: ControlPlane, tokens: Tokens, store: EventStore | null, ownsStore = true) {
    this.#o = o;
    this.#ownsStore = ownsStore;
    this.control = control;
    this.tokens = tokens;
    this.store = store;
  }

  /** SIGUSR2: ACTIVE → HALTED (pause), otherwise → ACTIVE. */
  toggleEngine(who: string): void {
    if (this.control.stateOf(kEngineScope) === 'ACTIVE') this.control.kill(kEngineScope, who);
    else this.control.resume(kEngineScope, who);
  }

  /**
   * After buildPipeline: the approval queue (restored), the HTTP endpoints, the signal, the expiry
   * timer. Without a pipeline (`p` null: the Kafka engine, whose lanes each have one) there is no
   * approval queue: the kill switch and the state are served, not /approvals.
   */
  async attach(p: PipelineParts | null, agents: readonly string[], host: OperatorHost | null = null, learning?: ControlRouteDeps['learning']): Promise<void> {
    if (p !== null) {
      this.approvals = new ApprovalQueue({ control: this.control, validator: p.validator, executor: p.executor, view: p.view, registry: p.snapshot });
      await this.approvals.restore();
    }
    if (host !== null) {
      // the run's HTTP server (--http): the control endpoints and page on its health address, the
      // control metrics in its registry
      controlMetrics(this.control, this.approvals, host.registry);
      addControlRoutes(host.routes, { control: this.control, approvals: this.approvals, tokens: this.tokens, agents, learning });
    } else if (this.#o.http !== null) {
      this.http = await startHttp(this.#o.http, {
        ready: () => ({ warm: true, agentThreads: { running: p?.dispatcher.threads ?? 0, expected: p?.dispatcher.threads ?? 0 } }),
        metrics: { registry: controlMetrics(this.control, this.approvals) },
      });
      addControlRoutes(this.http.routes, { control: this.control, approvals: this.approvals, tokens: this.tokens, agents, learning });
    }
    process.on('SIGUSR2', this.#onSignal);
    const approvals = this.approvals;
    if (approvals === null) return;
    this.#timer = setInterval(() => approvals.expire(), 1000);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    process.off('SIGUSR2', this.#onSignal);
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.http?.stop();
    await this.control.log.close();
    if (this.#ownsStore) await this.store?.close();
  }
}

/** The run's HTTP server the operator adds its routes and metrics to (engine/observe/engine_sinks.ts). */
export interface OperatorHost {
  routes: Router;
  registry: Registry;
}

/** Opens the event store (when configured) and creates the control plane the pipeline will use. */
export async function openOperator(
  o: OperatorOptions, config: ControlConfig, plane: { capitalUsd: number; capacity: number; maxAgentErrors: number },
  shared: EventStore | null = null,
): Promise<Operator> {
  const tokens = Tokens.load(o.tokenFile);
  // the run's own event store when it has one (one opener per embedded log), else --event-store
  // (off: kept in memory, not a log file named "off")
  const store = shared ?? (o.eventStore === null || o.eventStore === 'off' ? null : await openEventStore(o.eventStore));
  const control = new ControlPlane(config, { log: new ControlLog(store), ...plane });
  return new Operator(o, control, tokens, store, shared === null);
}
