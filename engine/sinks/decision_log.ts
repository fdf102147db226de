// The decision log: one JSON line per decision, with its idempotency key. Writes are buffered on
// the hot path and made durable by flush(). The SHA-256 of the whole log is kept as it is written,
// so two runs can be compared by one number.
import { createHash, type Hash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Decision, DecisionSink } from '../types.ts';
import { outputError } from './output_paths.ts';
import { LucentError } from '../../protocol/errors.ts';

/** fdatasync; a file that cannot be synced (a device such as /dev/null: EINVAL) is left as it is. */
async function sync(file: FileHandle): Promise<void> {
  try {
    await file.datasync();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL' && (err as NodeJS.ErrnoException).code !== 'ENOTSUP') throw err;
  }
}

const kLine = Symbol('decisionLine');

/**
 * A decision's log line without its newline: JSON.stringify(d), computed once and kept on the
 * decision under a symbol (JSON.stringify skips symbol keys), so the audit trail's `decisions`
 * event and the bus reuse the text the decision log wrote instead of serialising it again. The
 * line is the decision as it was when first serialised: the one the decision log holds.
 */
export function decisionLine(d: object): string {
  const o = d as Record<symbol, string | undefined>;
  return (o[kLine] ??= JSON.stringify(d));
}

/** Keeps `line` as the decision log's line of `d` (a decision parsed back from it, on the audit thread). */
export function adoptLine<T extends object>(d: T, line: string): T {
  (d as Record<symbol, string>)[kLine] = line;
  return d;
}

export class DecisionLog implements DecisionSink {
  readonly path: string | null;
  readonly #hash: Hash = createHash('sha256');
  readonly #durable: boolean;
  readonly #append: boolean;
  #pending: string[] = [];
  #file: FileHandle | null = null;
  #count = 0;
  #closed = false;
  #digest: string | null = null;

  /**
   * `path` null keeps only the hash and the count (benchmarks). `durable`: flush() waits for the
   * disk (fdatasync). `append`: keep what the file holds (a restart); the hash then covers only the
   * lines this instance writes.
   */
  constructor(path: string | null, options: { durable?: boolean; append?: boolean } = {}) {
    this.path = path;
    this.#durable = options.durable ?? false;
    this.#append = options.append ?? false;
  }

  async open(): Promise<void> {
    if (this.path === null || this.#file) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      this.#file = await open(this.path, this.#append ? 'a' : 'w');
    } catch (err) {
      throw outputError('the decision log', this.path, err);
    }
  }

  get count(): number { return this.#count; }

  write(d: Decision): void {
    if (this.#closed) throw new Error('decision log is closed');
    const line = decisionLine(d); // the line and its newline hashed apart: no second copy of the line with '\n' on it
    this.#hash.update(line);
    this.#hash.update('\n');
    this.#count++;
    if (this.path !== null) this.#pending.push(line);
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0 || !this.#file) return;
    const text = `${this.#pending.join('\n')}\n`;
    this.#pending = [];
    try {
      await this.#file.write(text);
      if (this.#durable) await sync(this.#file);
    } catch (err) {
      throw outputError('the decision log', this.path!, err);
    }
  }

  /** Flushes and closes; the log is on disk (fdatasync) when it returns. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const file = this.#file;
    this.#file = null;
    try {
      if (file) {
        const text = this.#pending.length === 0 ? '' : `${this.#pending.join('\n')}\n`;
        this.#pending = [];
        if (text.length > 0) await file.write(text);
        await sync(file);
      }
    } catch (err) {
      throw outputError('the decision log', this.path!, err);
    } finally {
      await file?.close();
    }
  }

  /** SHA-256 (hex) of every line written; final once closed. */
  sha256(): string {
    if (this.#digest === null) this.#digest = this.#hash.copy().digest('hex');
    if (!this.#closed) { const d = this.#digest; this.#digest = null; return d; }
    return this.#digest;
  }
}

/**
 * The idempotency keys already in a decision log (a restart reads them to skip decisions made
 * before). A last line without its newline (a write cut short by a crash) is not counted, and with
 * `repair` it is cut off the file.
 */
export function readDecisionKeys(path: string, repair = true): Set<string> {
  const keys = new Set<string>();
  if (!existsSync(path)) return keys;
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (repair && end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
  let from = 0;
  while (from < end) {
    const nl = text.indexOf('\n', from);
    const line = text.slice(from, nl);
    from = nl + 1;
    if (line.length === 0) continue;
    let key: unknown;
    try {
      key = (JSON.parse(line) as { key?: unknown } | null)?.key;
    } catch (err) {
      throw new LucentError('ERR_DECISION_LOG', `the decision log ${path} cannot be resumed: a line is not JSON (${(err as Error).message.slice(0, 200)}); move the file aside or repair it`);
    }
    if (typeof key === 'string') keys.add(key);
  }
  return keys;
}
