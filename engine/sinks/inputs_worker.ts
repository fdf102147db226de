// The inputs worker's thread: turns a batch of captured decision inputs into their JSON text
// (decision_inputs.ts inputsText), so the ~160 numbers of each decision are formatted off the
// main thread. One message in and one out per batch (the audit writer's drain). A registry's
// slot keys and kinds arrive once, with the first batch that needs them.
import { parentPort } from 'node:worker_threads';
import { kFieldCount } from '../../protocol/layout.ts';
import { inputsText, type InputsParts } from './decision_inputs.ts';
import type { InputsBatch, InputsReply } from './inputs_formatter.ts';

const registries = new Map<number, InputsParts['registry']>();

parentPort!.on('message', (m: InputsBatch) => {
  for (const r of m.regs) registries.set(r.rid, { meta: r.meta });
  const v = m.values;
  const texts: (string | null)[] = new Array(m.count);
  let at = 0, k = 0;
  for (let i = 0; i < m.count; i++) {
    const registry = registries.get(v[at]!);
    const cycle = v[at + 1]!, n = v[at + 2]!, r = v[at + 3]!;
    at += 4;
    const slots = Int32Array.from(v.subarray(at, at + n));
    at += n;
    const state = v.subarray(at, at + n * kFieldCount);
    at += n * kFieldCount;
    const records = v.subarray(at, at + r);
    at += r;
    const instruments = m.instruments.slice(k, k + n);
    k += n;
    try {
      texts[i] = registry === undefined ? null : inputsText({ cycle, slots, state, records, registry }, instruments);
    } catch {
      texts[i] = null; // left to the main thread, which formats what comes back null
    }
  }
  parentPort!.postMessage({ id: m.id, texts } satisfies InputsReply);
});
