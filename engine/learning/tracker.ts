// The performance tracker: over the last `window` outcomes of each agent and strategy, the success
// rate and the mean |expected − actual| return; an agent and strategy whose window is full enough
// and whose success falls below minSuccess, or whose error rises above maxErrorPct, needs
// retraining. Per agent (all its strategies), the success rate is the accuracy ratio the metrics
// show (agent_decision_accuracy_ratio). Fixed-size rings: adding an outcome allocates nothing.

export interface TrackerOptions {
  window: number;
  /** Outcomes a window needs before it can ask for retraining. */
  minOutcomes: number;
  minSuccess: number;
  maxErrorPct: number;
}

export class Window {
  readonly #ok: Uint8Array;
  readonly #err: Float64Array;
  #n = 0;
  #at = 0;
  #okSum = 0;
  #errSum = 0;

  constructor(size: number) {
    this.#ok = new Uint8Array(size);
    this.#err = new Float64Array(size);
  }

  add(success: boolean, errorPct: number): void {
    const size = this.#ok.length;
    if (this.#n === size) {
      this.#okSum -= this.#ok[this.#at]!;
      this.#errSum -= this.#err[this.#at]!;
    } else {
      this.#n++;
    }
    const ok = success ? 1 : 0;
    this.#ok[this.#at] = ok;
    this.#err[this.#at] = errorPct;
    this.#okSum += ok;
    this.#errSum += errorPct;
    this.#at = (this.#at + 1) % size;
  }

  get count(): number { return this.#n; }
  get successRate(): number { return this.#n === 0 ? NaN : this.#okSum / this.#n; }
  /** Mean |expected − actual| (percent). Recomputed from the ring so running sums never drift. */
  get meanErrorPct(): number {
    if (this.#n === 0) return NaN;
    let s = 0;
    for (let k = 0; k < this.#n; k++) s += this.#err[k]!;
    return s / this.#n;
  }

  clear(): void {
    this.#n = 0;
    this.#at = 0;
    this.#okSum = 0;
    this.#errSum = 0;
  }
}

export interface Verdict {
  retrain: boolean;
  reason: string;
  successRate: number;
  meanErrorPct: number;
  count: number;
}

export class PerformanceTracker {
  readonly #o: TrackerOptions;
  readonly #byStrategy = new Map<string, Window>();
  readonly #byAgent = new Map<string, Window>();

  constructor(o: TrackerOptions) {
    this.#o = o;
  }

  /** Adds an outcome; returns the agent and strategy's verdict. */
  add(agent: string, strategy: string, success: boolean, errorPct: number): Verdict {
    const w = this.window(agent, strategy);
    w.add(success, errorPct);
    this.agentWindow(agent).add(success, errorPct);
    return this.verdict(w);
  }

  verdict(w: Window): Verdict {
    const o = this.#o;
    const s = w.successRate, e = w.meanErrorPct;
    let reason = '';
    if (w.count >= o.minOutcomes) {
      if (s < o.minSuccess) reason = `success ${s.toFixed(3)} < ${o.minSuccess}`;
      if (e > o.maxErrorPct) reason += `${reason === '' ? '' : ', '}return error ${e.toFixed(4)} > ${o.maxErrorPct}`;
    }
    return { retrain: reason !== '', reason, successRate: s, meanErrorPct: e, count: w.count };
  }

  window(agent: string, strategy: string): Window {
    const k = `${agent}\u0000${strategy}`;
    let w = this.#byStrategy.get(k);
    if (w === undefined) { w = new Window(this.#o.window); this.#byStrategy.set(k, w); }
    return w;
  }

  agentWindow(agent: string): Window {
    let w = this.#byAgent.get(agent);
    if (w === undefined) { w = new Window(this.#o.window); this.#byAgent.set(agent, w); }
    return w;
  }

  /** Starts an agent's windows afresh (after a promotion: the old version's record no longer applies). */
  reset(agent: string): void {
    for (const [k, w] of this.#byStrategy) if (k.startsWith(`${agent}\u0000`)) w.clear();
    this.#byAgent.get(agent)?.clear();
  }
}
