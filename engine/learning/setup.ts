// Builds the learning loop for a run (--learning): the event store it writes to (the run's own
// store when the run has one, as the operator's control stream does, so decisions, outcomes,
// agent performance and control land in one store; else one it opens and closes), the agents'
// parameter host and its control plane, the loop; bind() attaches it to the built pipeline (the
// outcome book over the pipeline's state, the cycle-boundary stage, the job transport).
import { resolve } from 'node:path';
import { ParamRegionWriter } from '../../protocol/param_region.ts';
import { ParamHost } from '../../workers/agents/index.ts';
import type { EngineOptions } from '../options.ts';
import type { Pipeline } from '../pipeline.ts';
import type { BusOptionsInput } from '../sinks/bus/bus_options.ts';
import { eventStoreTarget, kEventStoreEnv, openEventStore } from '../sinks/event_store/open.ts';
import type { EventStore } from '../sinks/event_store/types.ts';
import type { Proposal } from '../types.ts';
import { openControlPlane, type ControlPlane } from './control_plane.ts';
import { LearningLoop, type LearningMetrics } from './loop.ts';
import { OutcomeBook, type Outcome } from './outcomes.ts';
import { BusTransport, InlineTransport } from './transport.ts';

export interface LearningRun {
  loop: LearningLoop;
  host: ParamHost;
  store: EventStore;
  storeRef: string;
  bind(p: Pipeline): Promise<void>;
  /** Marks what is left at `endUs`, writes everything, closes the transport, the control plane and the store (unless shared: its owner closes it). */
  finish(endUs: number): Promise<void>;
}

export interface LearningSetupHooks {
  metrics?: LearningMetrics;
  onOutcome?: (o: Outcome) => void;
}

/** The agent's own stated return of an action, percent of its size: a rebalance's cost as its rule assumes it, else expected profit / size. */
export function statedReturnFor(o: EngineOptions): (p: Proposal) => number {
  const costPct = o.config.agents.portfolio.costBps / 100;
  return (p) => (p.kind === 'rebalance' ? -costPct : p.sizeUsd > 0 ? (100 * p.expectedProfitUsd) / p.sizeUsd : 0);
}

/** The run's event store, shared: `ref` is how a trainer reaches it (a path or URL). The run closes it. */
export interface SharedStore { store: EventStore; ref: string }

export async function startLearning(o: EngineOptions, hooks: LearningSetupHooks = {}, shared: SharedStore | null = null): Promise<LearningRun> {
  let store: EventStore, storeRef: string;
  if (shared !== null) {
    ({ store, ref: storeRef } = shared);
  } else {
    const { kind, target } = eventStoreTarget(o.eventStore ?? process.env[kEventStoreEnv]);
    storeRef = kind === 'embedded' ? resolve(target) : target;
    store = await openEventStore({ url: storeRef });
  }
  const ownsStore = shared === null;
  const cfg = o.config.learning;
  const host = new ParamHost(o.agents, 0);
  let plane: ControlPlane | null = openControlPlane(host);
  const loop = new LearningLoop({
    config: cfg, mode: o.mode, store, storeRef, host, control: plane.remote, agents: o.agents, statedReturnPct: statedReturnFor(o),
    ...(hooks.metrics ? { metrics: hooks.metrics } : {}), ...(hooks.onOutcome ? { onOutcome: hooks.onOutcome } : {}),
  });
  const bus: BusOptionsInput = { url: o.busUrl, prefix: o.busPrefix };
  return {
    loop, host, store, storeRef,
    async bind(p: Pipeline): Promise<void> {
      const book = new OutcomeBook(p.arrays, p.view, p.snapshot, host, {
        horizonUs: cfg.horizonUs, successTolerancePct: cfg.successTolerancePct, statedReturnPct: statedReturnFor(o),
      }, (out) => loop.onOutcome(out));
      const onMessage = loop.onMessage.bind(loop);
      const transport = cfg.trainer === 'bus' ? new BusTransport(bus, cfg.engineId, onMessage) : new InlineTransport(store, onMessage);
      try {
        await loop.start(book, transport);
      } catch (err) { // e.g. no broker: release what was opened, then say why
        await loop.close();
        plane?.close();
        plane = null;
        if (ownsStore) await store.close();
        throw err;
      }
      // Promoted parameters reach the agents through their parameter regions (shared memory), which
      // the host writes at the cycle boundary; the loop's stage runs after the fusions, so a
      // cycle's fills are scored with the version its agents decided with.
      for (const agent of o.agents) {
        const region = p.regions.get(agent);
        if (region) host.bindRegion(agent, new ParamRegionWriter(region.params));
      }
      p.consolidator.append(loop.fusion);
    },
    async finish(endUs: number): Promise<void> {
      try {
        await loop.finish(endUs);
      } finally {
        await loop.close();
        plane?.close();
        plane = null;
        if (ownsStore) await store.close();
      }
    },
  };
}
