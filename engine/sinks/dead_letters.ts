// Dead letters: every message that could not enter the state, with where it came from and why,
// and its raw text (reason and raw text cut to bounded.ts's bounds, with a note of the original
// length). JSON Lines; buffered, flushed in batches.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeadLetter } from '../../protocol/events.ts';
import { boundDeadLetter } from '../source/bounded.ts';
import { outputError } from './output_paths.ts';

const kBatch = 1000;

export class DeadLetterLog {
  readonly path: string | null;
  readonly samples: DeadLetter[] = []; // the first few, for the summary
  #pending: string[] = [];
  count = 0;

  readonly #onAdd: ((dl: DeadLetter) => void) | null;

  /** `onAdd` sees each dead letter as it is added (the metrics count them by reason). */
  constructor(path: string | null, onAdd?: (dl: DeadLetter) => void) {
    this.path = path;
    this.#onAdd = onAdd ?? null;
    if (path !== null) {
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, '');
      } catch (err) {
        throw outputError('the dead letters', path, err);
      }
    }
  }

  /** Adds a dead letter; `rawLength`: the raw text's length before the caller cut it. */
  add(input: DeadLetter, rawLength?: number): void {
    const dl = boundDeadLetter(input, rawLength);
    this.count++;
    this.#onAdd?.(dl);
    if (this.samples.length < 5) this.samples.push(dl);
    if (this.path === null) return;
    this.#pending.push(JSON.stringify(dl) + '\n');
    if (this.#pending.length >= kBatch) this.flush();
  }

  flush(): void {
    if (this.path === null || this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    try {
      appendFileSync(this.path, text);
    } catch (err) {
      throw outputError('the dead letters', this.path, err);
    }
  }
}
