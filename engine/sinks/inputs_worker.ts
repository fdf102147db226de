// The inputs worker's thread: turns a batch of captured decision inputs into their JSON text
// (decision_inputs.ts inputsText), so the ~160 numbers of each decision are formatted off the
// main thread. One message in and one out per batch (the audit writer's drain). A registry's
// slot keys and kinds arrive once, with the first batch that needs them.
import { parentPort } from 'node:worker_threads';
import { inputsText, unpackInputs, type InputsParts } from './decision_inputs.ts';
import type { InputsBatch, InputsReply } from './inputs_formatter.ts';

const registries = new Map<number, InputsParts['registry']>();

parentPort!.on('message', (m: InputsBatch) => {
  for (const r of m.regs) registries.set(r.rid, { meta: r.meta });
  const v = m.values;
  const texts: (string | null)[] = new Array(m.count);
  let at = 0, k = 0;
  for (let i = 0; i < m.count; i++) {
    const registry = registries.get(v[at]!);
    const { parts, next } = unpackInputs(v, at + 1, registry ?? { meta: [] });
    at = next;
    const n = parts.slots.length;
    const instruments = m.instruments.slice(k, k + n);
    k += n;
    try {
      texts[i] = registry === undefined ? null : inputsText(parts, instruments);
    } catch {
      texts[i] = null; // left to the main thread, which formats what comes back null
    }
  }
  parentPort!.postMessage({ id: m.id, texts } satisfies InputsReply);
});
