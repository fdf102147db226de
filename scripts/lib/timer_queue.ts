// A binary min-heap of timers ordered by (time, insertion order): timers due at the same time run
// in the order they were scheduled, which keeps generated output in generation order on ties.

export type TimerAction = (t: number) => void;

interface Timer {
  t: number;
  seq: number;
  run: TimerAction;
}

export class TimerQueue {
  readonly #heap: Timer[] = [];
  #seq = 0;

  get size(): number { return this.#heap.length; }

  /** Schedules `run` at integer time `t`. */
  at(t: number, run: TimerAction): void {
    const heap = this.#heap;
    const item: Timer = { t, seq: this.#seq++, run };
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.t < t || (p.t === t && p.seq < item.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  /** The earliest timer's time, or Infinity when empty. */
  peekTime(): number {
    return this.#heap.length === 0 ? Infinity : this.#heap[0]!.t;
  }

  /** Removes and returns the earliest timer, or undefined when empty. */
  pop(): Timer | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && less(heap[r]!, heap[l]!)) c = r;
        if (!less(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

function less(a: Timer, b: Timer): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
