// Resuming a file replay after a crash (`--resume`). A lockstep replay is a pure function of its
// input, so the resumed run replays the fixture from the start (rebuilding the state, the
// portfolio and every agent's memory exactly) and makes the same decisions in the same order.
// This sink checks each one against the log the crashed run left: while the log has lines, the
// decision must be that line, byte for byte (it is not written again); past the log's end, the
// decisions are appended. The log then ends as an uninterrupted run's log: every key once, nothing
// lost, nothing doubled, the same SHA-256.
//
// The log's tail is verified on open: a last line without its newline (a write cut short by the
// crash) is cut off the file (its length reported); a complete line that is not a decision with a
// key is damage, and resuming stops with an error naming the line. A decision that differs from
// the log's line (another fixture, other options or limits) stops the run at the next flush with
// an error naming the line and the key, and nothing is appended.
import { createHash, type Hash } from 'node:crypto';
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { LucentError } from '../../protocol/errors.ts';
import type { Decision, DecisionSink } from '../types.ts';
import { DecisionLog } from './decision_log.ts';

/** What a resumed run found and did (the summary's `resume`). */
export interface ResumeReport {
  decisionLog: string;
  /** Complete decisions the log held when the run started. */
  found: number;
  /** Of those, checked equal to this run's decisions so far. */
  verified: number;
  /** Decisions this run appended after them. */
  appended: number;
  /** Bytes of a torn last line cut off the log (0: the log ended on a newline). */
  tornBytes: number;
  /** Of `found`, the first this many were made before the snapshot the run started from (not replayed; 0: replayed from the start). */
  coveredBySnapshot: number;
}

export class ResumeError extends LucentError {
  constructor(message: string) {
    super('ERR_RESUME', message);
    this.name = 'ResumeError';
  }
}

export class ResumingDecisionLog implements DecisionSink {
  readonly path: string;
  readonly #log: DecisionLog;
  readonly #lines: string[];
  readonly #hash: Hash = createHash('sha256');
  readonly #report: ResumeReport;
  #next = 0; // the log's line the next decision must equal
  #mismatch: string | null = null;
  #count = 0;
  /** Set when the run was stopped early (a signal): a log longer than what was replayed is then no error. */
  stopped = false;

  private constructor(path: string, log: DecisionLog, lines: string[], tornBytes: number) {
    this.path = path;
    this.#log = log;
    this.#lines = lines;
    this.#report = { decisionLog: path, found: lines.length, verified: 0, appended: 0, tornBytes, coveredBySnapshot: 0 };
  }

  /** Opens the log at `path` (absent: an empty log), cutting a torn last line. */
  static async open(path: string, options: { durable?: boolean } = {}): Promise<ResumingDecisionLog> {
    const { lines, tornBytes } = readForResume(path);
    const log = new DecisionLog(path, { durable: options.durable ?? false, append: true });
    await log.open();
    return new ResumingDecisionLog(path, log, lines, tornBytes);
  }

  get count(): number { return this.#count; }

  /** Complete decisions the log holds. */
  get found(): number { return this.#lines.length; }

  /**
   * The run starts from a snapshot taken after the log's first `n` decisions: they are kept as they
   * are (counted in the hash), and this run's first decision must equal line n + 1.
   */
  coveredBySnapshot(n: number): void {
    if (n > this.#lines.length || this.#next !== 0) throw new ResumeError(`cannot resume: a snapshot after ${n} decisions, but ${this.path} holds ${this.#lines.length}`);
    for (let i = 0; i < n; i++) this.#hash.update(this.#lines[i]!);
    this.#next = n;
    this.#count = n;
    this.#report.coveredBySnapshot = n;
  }

  write(d: Decision): void {
    const line = JSON.stringify(d) + '\n';
    this.#count++;
    if (this.#mismatch !== null) return;
    this.#hash.update(line);
    const i = this.#next;
    if (i < this.#lines.length) {
      if (this.#lines[i] !== line) {
        this.#mismatch = `${this.path} line ${i + 1} is not this run's decision ${i + 1} (key ${JSON.stringify(d.key)}; the log has ` +
          `${JSON.stringify(keyOf(this.#lines[i]!))}): it was written from another fixture or with other options; nothing was appended`;
        return;
      }
      this.#next++;
      this.#report.verified++;
      return;
    }
    this.#log.write(d);
    this.#report.appended++;
  }

  async flush(): Promise<void> {
    if (this.#mismatch !== null) throw new ResumeError(`cannot resume: ${this.#mismatch}`);
    await this.#log.flush();
  }

  async close(): Promise<void> {
    await this.#log.close();
    if (this.#mismatch !== null) throw new ResumeError(`cannot resume: ${this.#mismatch}`);
    if (this.#next < this.#lines.length && !this.stopped) {
      throw new ResumeError(`cannot resume: ${this.path} holds ${this.#lines.length} decisions but this run made only ${this.#next}: ` +
        'it was written from another fixture or with other options (--limit?)');
    }
  }

  /** SHA-256 of the whole log: the lines verified and the lines appended (final once closed). */
  sha256(): string { return this.#hash.copy().digest('hex'); }

  report(): ResumeReport { return { ...this.#report }; }
}

/**
 * The complete lines of a decision log, each checked to be a decision with a key; a torn last
 * line (no newline) is cut off the file.
 */
export function readForResume(path: string): { lines: string[]; tornBytes: number } {
  if (!existsSync(path)) return { lines: [], tornBytes: 0 };
  const buf = readFileSync(path);
  const end = buf.lastIndexOf(0x0a) + 1;
  const tornBytes = buf.length - end;
  if (tornBytes > 0) truncateSync(path, end);
  const text = buf.toString('utf8', 0, end);
  const lines: string[] = [];
  let from = 0;
  while (from < text.length) {
    const nl = text.indexOf('\n', from);
    const line = text.slice(from, nl + 1);
    from = nl + 1;
    if (keyOf(line) === null) throw new ResumeError(`cannot resume: ${path} line ${lines.length + 1} is not a decision with a key (damaged log): ${JSON.stringify(line.slice(0, 80))}`);
    lines.push(line);
  }
  return { lines, tornBytes };
}

function keyOf(line: string): string | null {
  try {
    const key = (JSON.parse(line) as { key?: unknown }).key;
    return typeof key === 'string' && key !== '' ? key : null;
  } catch {
    return null;
  }
}
