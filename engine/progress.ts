// Progress on long runs: a bar on a terminal, a line every few seconds elsewhere, nothing when off.
export class Progress {
  readonly #enabled: boolean;
  readonly #tty: boolean;
  readonly #total: number;
  readonly #label: string;
  #lastDraw = 0;
  #start = performance.now();

  constructor(enabled: boolean, total: number, label: string) {
    this.#enabled = enabled;
    this.#tty = Boolean(process.stderr.isTTY);
    this.#total = total;
    this.#label = label;
  }

  update(done: number, extra: string, force = false): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (!force && now - this.#lastDraw < (this.#tty ? 100 : 2000)) return;
    this.#lastDraw = now;
    const frac = this.#total > 0 ? Math.min(1, done / this.#total) : 0;
    const rate = done / Math.max(1e-3, (now - this.#start) / 1000);
    const width = 30;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const text = `${this.#label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${this.#total.toLocaleString('en-US')} ${fmtRate(rate)} ${extra}`;
    if (this.#tty) process.stderr.write(`\r${text}\x1b[K`);
    else process.stderr.write(`${text}\n`);
  }

  done(): void {
    if (this.#enabled && this.#tty) process.stderr.write('\n');
  }
}

function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)}M ev/s` : r >= 1e3 ? `${(r / 1e3).toFixed(1)}k ev/s` : `${r.toFixed(0)} ev/s`;
}
