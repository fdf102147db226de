// Formats decisions' inputs off the main thread. The audit writer's drain hands each batch of
// decisions here before it builds their events (one message to the inputs worker per batch, never
// one per decision or per tick); the texts come back and are kept on the decisions, so the
// drain's decisionInputsText only reads them. The values are copied into the message (the
// decision keeps its own), so whatever goes wrong — the worker fails to start, dies, or cannot
// format one — the drain formats what has no text in its own thread: nothing is lost, only the
// saving. One worker serves the whole process (started on first use, unref'd while idle).
import { Worker } from 'node:worker_threads';
import type { Decision } from '../types.ts';
import { hasInputsText, inputsOf, packedInputsLength, packInputs, stashInputsText, type InputsParts } from './decision_inputs.ts';

/**
 * One batch to the worker: every number of the batch in one Float64Array whose buffer is
 * transferred (no copy, no per-decision object to clone) and the instruments' keys in one array.
 * Per decision, in `values`: registry id, then its inputs as packInputs writes them.
 */
export interface InputsBatch {
  id: number;
  /** Registries this batch uses that the worker has not seen yet. */
  regs: { rid: number; meta: { key: string; kind: number }[] }[];
  count: number;
  values: Float64Array;
  instruments: string[];
}

/** The worker's answer: each decision's text, null where it left it to the main thread. */
export interface InputsReply { id: number; texts: (string | null)[] }

const kResolved = Promise.resolve();

/**
 * The inputs worker of this process: started on first use and kept (unref'd while no batch is
 * awaited, so it never holds the process up), shared by every trail of the process (a Kafka
 * engine's lanes, successive runs in one process), replaced by a fresh one if it dies.
 */
class InputsThread {
  readonly worker: Worker;
  failed = false;
  readonly regs = new WeakMap<InputsParts['registry'], number>();
  nextReg = 0;
  #seq = 0;
  readonly #calls = new Map<number, (texts: (string | null)[] | null) => void>();

  constructor() {
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
    this.worker = w;
  }

  /** Sends one batch; `done` gets the texts, or null if the worker is gone. */
  send(batch: Omit<InputsBatch, 'id'>, done: (texts: (string | null)[] | null) => void): void {
    if (this.failed) { done(null); return; }
    const id = ++this.#seq;
    this.#calls.set(id, done);
    if (this.#calls.size === 1) this.worker.ref(); // an answer is awaited: keep the process up for it
    try {
      this.worker.postMessage({ id, ...batch } satisfies InputsBatch, [batch.values.buffer as ArrayBuffer]);
    } catch {
      this.#fail();
    }
  }

  #fail(): void {
    this.failed = true;
    if (thread === this) thread = null;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const c of calls) c(null);
  }
}

let thread: InputsThread | null = null;
let unavailable = false;

function inputsThread(): InputsThread | null {
  if (thread === null && !unavailable) {
    try {
      thread = new InputsThread();
    } catch {
      unavailable = true; // cannot start a worker here: the drain formats on its own thread
    }
  }
  return thread;
}

/** One trail's use of the inputs worker, with its counts. */
export class InputsFormatter {
  #closed = false;
  /** Batches formatted by the worker, and decisions whose text it built. */
  batches = 0;
  formatted = 0;

  /** Formats the inputs of the decisions that have some and no text yet; resolves once they are kept (or left to the caller). */
  format(ds: readonly Decision[]): Promise<void> {
    if (this.#closed) return kResolved;
    const t = inputsThread();
    if (t === null) return kResolved;
    const regs: InputsBatch['regs'] = [];
    const targets: Decision[] = [];
    let size = 0;
    for (const d of ds) {
      const x = inputsOf(d);
      if (x === undefined || hasInputsText(d)) continue;
      if (!t.regs.has(x.registry)) {
        const rid = t.nextReg++;
        t.regs.set(x.registry, rid);
        regs.push({ rid, meta: x.registry.meta.map((m) => ({ key: m.key, kind: m.kind })) });
      }
      size += 1 + packedInputsLength(x);
      targets.push(d);
    }
    if (targets.length === 0) return kResolved;
    const values = new Float64Array(size);
    const instruments: string[] = [];
    let at = 0;
    for (const d of targets) {
      const x = inputsOf(d)!;
      values[at] = t.regs.get(x.registry)!;
      at = packInputs(values, at + 1, x);
      for (let i = 0; i < x.slots.length; i++) instruments.push(d.instruments[i]!);
    }
    return new Promise<void>((resolve) => {
      t.send({ regs, count: targets.length, values, instruments }, (texts) => {
        if (texts !== null) {
          this.batches++;
          for (let i = 0; i < targets.length; i++) {
            const text = texts[i];
            if (typeof text === 'string') { stashInputsText(targets[i]!, text); this.formatted++; }
          }
        }
        resolve();
      });
    });
  }

  /** No more batches from this trail (the worker stays for the process's other trails, unref'd). */
  close(): Promise<void> {
    this.#closed = true;
    return kResolved;
  }
}
