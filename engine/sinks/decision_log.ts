// The decision log: one JSON line per decision, with its idempotency key. Writes are buffered on
// the hot path and made durable by flush(). The SHA-256 of the whole log is kept as it is written,
// so two runs can be compared by one number.
import { createHash, type Hash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Decision, DecisionSink } from '../types.ts';

export class DecisionLog implements DecisionSink {
  readonly path: string | null;
  readonly #hash: Hash = createHash('sha256');
  readonly #durable: boolean;
  #pending: string[] = [];
  #file: FileHandle | null = null;
  #count = 0;
  #closed = false;
  #digest: string | null = null;

  /** `path` null keeps only the hash and the count (benchmarks). */
  constructor(path: string | null, options: { durable?: boolean } = {}) {
    this.path = path;
    this.#durable = options.durable ?? false;
  }

  async open(): Promise<void> {
    if (this.path === null || this.#file) return;
    mkdirSync(dirname(this.path), { recursive: true });
    this.#file = await open(this.path, 'w');
  }

  get count(): number { return this.#count; }

  write(d: Decision): void {
    if (this.#closed) throw new Error('decision log is closed');
    const line = JSON.stringify(d) + '\n';
    this.#hash.update(line);
    this.#count++;
    if (this.path !== null) this.#pending.push(line);
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0 || !this.#file) return;
    const text = this.#pending.join('');
    this.#pending = [];
    await this.#file.write(text);
    if (this.#durable) await this.#file.datasync();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    await this.#file?.close();
    this.#file = null;
  }

  /** SHA-256 (hex) of every line written; final once closed. */
  sha256(): string {
    if (this.#digest === null) this.#digest = this.#hash.copy().digest('hex');
    if (!this.#closed) { const d = this.#digest; this.#digest = null; return d; }
    return this.#digest;
  }
}
