// Formats decisions' inputs off the main thread. The audit writer's drain hands each batch of
// decisions here before it builds their events (one message to the inputs worker per batch, never
// one per decision or per tick); the texts come back and are kept on the decisions, so the
// drain's decisionInputsText only reads them. The values are copied into the message (the
// decision keeps its own), so whatever goes wrong — the worker fails to start, dies, or cannot
// format one — the drain formats what has no text in its own thread: nothing is lost, only the
// saving. close() ends the worker.
import { Worker } from 'node:worker_threads';
import type { Decision } from '../types.ts';
import { hasInputsText, inputsOf, stashInputsText, type InputsParts } from './decision_inputs.ts';

/** One batch to the worker. */
export interface InputsBatch {
  id: number;
  /** Registries this batch uses that the worker has not seen yet. */
  regs: { rid: number; meta: { key: string; kind: number }[] }[];
  items: { rid: number; cycle: number; instruments: readonly string[]; slots: Int32Array; state: Float64Array; records: Float64Array }[];
}

/** The worker's answer: each item's text, null where it left it to the main thread. */
export interface InputsReply { id: number; texts: (string | null)[] }

const kResolved = Promise.resolve();

export class InputsFormatter {
  #worker: Worker | null = null;
  #failed = false;
  readonly #regs = new WeakMap<InputsParts['registry'], number>();
  #nextReg = 0;
  #seq = 0;
  readonly #calls = new Map<number, (texts: (string | null)[] | null) => void>();
  /** Batches formatted by the worker, and decisions whose text it built. */
  batches = 0;
  formatted = 0;

  /** Formats the inputs of the decisions that have some and no text yet; resolves once they are kept (or left to the caller). */
  format(ds: readonly Decision[]): Promise<void> {
    if (this.#failed) return kResolved;
    const regs: InputsBatch['regs'] = [];
    const items: InputsBatch['items'] = [];
    const targets: Decision[] = [];
    for (const d of ds) {
      const x = inputsOf(d);
      if (x === undefined || hasInputsText(d)) continue;
      let rid = this.#regs.get(x.registry);
      if (rid === undefined) {
        rid = this.#nextReg++;
        this.#regs.set(x.registry, rid);
        regs.push({ rid, meta: x.registry.meta.map((m) => ({ key: m.key, kind: m.kind })) });
      }
      items.push({ rid, cycle: x.cycle, instruments: d.instruments, slots: x.slots, state: x.state, records: x.records });
      targets.push(d);
    }
    if (items.length === 0) return kResolved;
    const w = this.#start();
    if (w === null) return kResolved;
    const id = ++this.#seq;
    return new Promise<void>((resolve) => {
      this.#calls.set(id, (texts) => {
        if (texts !== null) {
          this.batches++;
          for (let i = 0; i < targets.length; i++) {
            const t = texts[i];
            if (typeof t === 'string') { stashInputsText(targets[i]!, t); this.formatted++; }
          }
        }
        resolve();
      });
      if (this.#calls.size === 1) w.ref(); // an answer is awaited: keep the process up for it
      try {
        w.postMessage({ id, regs, items } satisfies InputsBatch);
      } catch {
        this.#fail();
      }
    });
  }

  #start(): Worker | null {
    if (this.#worker !== null) return this.#worker;
    try {
      const w = new Worker(new URL('./inputs_worker.ts', import.meta.url));
      w.on('message', (m: InputsReply) => {
        const done = this.#calls.get(m.id);
        if (done === undefined) return;
        this.#calls.delete(m.id);
        if (this.#calls.size === 0) w.unref();
        done(m.texts);
      });
      w.on('error', () => this.#fail());
      w.on('exit', () => this.#fail());
      w.unref();
      this.#worker = w;
      return w;
    } catch {
      this.#failed = true;
      return null;
    }
  }

  /** The worker is gone: every batch in flight is left to the caller, and later ones too. */
  #fail(): void {
    this.#failed = true;
    this.#worker = null;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const c of calls) c(null);
  }

  async close(): Promise<void> {
    const w = this.#worker;
    this.#failed = true;
    this.#worker = null;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const c of calls) c(null);
    if (w !== null) await w.terminate();
  }
}
