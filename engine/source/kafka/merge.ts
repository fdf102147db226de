// The reorder buffer of a Kafka lane: decoded events wait here per partition, and leave in the
// order of the sequence numbers the producer wrote (a k-way merge), so that lockstep sees exactly
// the file's order however the partitions' batches interleave.
//
// An event is released only when no assigned partition can still deliver an earlier one: every
// other partition has an event buffered (it is later: each partition is in sequence order), or it
// is known to hold nothing earlier (an end record, a watermark at or past the event's sequence),
// or the lane declared it idle (caught up and quiet; then an event that still arrives earlier is
// released late and counted). An event without a sequence header takes the sequence of the event
// before it in its partition; ties go to the partition that sorts first by name.
// The buffer is bounded per partition: a full partition is the lane's signal to pause fetching it.
// Rows (and a price update's book levels) are copied into preallocated rings; nothing allocates
// per event.
import { kDepthLevels, kTickMapLevels } from '../../../protocol/layout.ts';
import { kTapeLine, kTapeWidth, setSideRef, sideRange, Tape } from '../../../protocol/tape.ts';

// side-array values per buffered event: book levels ([price, size] × levels × two sides) or a tick
// map ([√P, liquidityNet] × ticks), whichever is larger
const kDepthValues = Math.max(4 * kDepthLevels, 2 * kTickMapLevels);

function copy(from: Float64Array, at: number, to: Float64Array, dest: number, n: number): void {
  for (let k = 0; k < n; k++) to[dest + k] = from[at + k]!;
}

/** Events released by the buffer, with what the lane needs to know about each. */
export class ReleasedBatch {
  readonly tape: Tape;
  readonly capacity: number;
  readonly partition: Int32Array; // buffer partition index
  readonly offset: Float64Array; // Kafka offset
  readonly recvMs: Float64Array; // when the message entered the engine (performance.now())
  readonly originMs: Float64Array; // when it was produced (performance.now() time base), or NaN

  constructor(capacity: number) {
    this.capacity = capacity;
    this.tape = new Tape(capacity);
    this.partition = new Int32Array(capacity);
    this.offset = new Float64Array(capacity);
    this.recvMs = new Float64Array(capacity);
    this.originMs = new Float64Array(capacity);
  }

  get length(): number { return this.tape.length; }
  reset(): void { this.tape.reset(); }
}

class PartitionQueue {
  readonly name: string;
  readonly rows: Float64Array;
  depth: Float64Array | null = null; // kDepthValues per buffered event, made on the first book levels or tick map
  readonly offset: Float64Array;
  readonly seq: Float64Array;
  readonly recvMs: Float64Array;
  readonly originMs: Float64Array;
  readonly mask: number;
  head = 0; // next to release
  tail = 0; // next free
  rank = 0; // position of the name in sorted order (ties)
  lastSeq = 0; // sequence of the newest event pushed
  watermark = -Infinity; // every event with seq ≤ watermark has been received
  ended = false;
  idle = false;
  nextOffset = -1; // the offset after the newest message received (events, dead letters, control)

  constructor(name: string, capacityPow2: number) {
    this.name = name;
    this.mask = capacityPow2 - 1;
    this.rows = new Float64Array(capacityPow2 * kTapeWidth);
    this.offset = new Float64Array(capacityPow2);
    this.seq = new Float64Array(capacityPow2);
    this.recvMs = new Float64Array(capacityPow2);
    this.originMs = new Float64Array(capacityPow2);
  }

  get size(): number { return this.tail - this.head; }
}

export class ReorderBuffer {
  readonly ordered: boolean;
  readonly capacityPerPartition: number;
  readonly #parts: PartitionQueue[] = [];
  readonly #index = new Map<string, number>();
  readonly #side = new Float64Array(2); // sideRange's [first index, count]
  #lastReleasedSeq = -Infinity;
  /** Events released after a later one had been released (only after an idle partition woke up). */
  late = 0;
  buffered = 0;

  /**
   * `ordered` false releases events as they arrived (realtime: no merge). `capacityPerPartition`
   * is rounded up to a power of two.
   */
  constructor(options: { ordered: boolean; capacityPerPartition: number }) {
    this.ordered = options.ordered;
    let c = 1;
    while (c < options.capacityPerPartition) c <<= 1;
    this.capacityPerPartition = c;
  }

  get partitions(): number { return this.#parts.length; }
  name(p: number): string { return this.#parts[p]!.name; }
  indexOf(name: string): number { return this.#index.get(name) ?? -1; }

  /** Adds a partition (idempotent); returns its index. `nextOffset`: where reading starts. */
  add(name: string, nextOffset: number): number {
    const known = this.#index.get(name);
    if (known !== undefined) return known;
    const p = this.#parts.length;
    const q = new PartitionQueue(name, this.capacityPerPartition);
    q.nextOffset = nextOffset;
    this.#parts.push(q);
    this.#index.set(name, p);
    const sorted = [...this.#parts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    sorted.forEach((x, i) => { x.rank = i; });
    return p;
  }

  size(p: number): number { return this.#parts[p]!.size; }
  space(p: number): number { return this.capacityPerPartition - this.#parts[p]!.size; }
  ended(p: number): boolean { return this.#parts[p]!.ended; }
  nextOffset(p: number): number { return this.#parts[p]!.nextOffset; }

  /**
   * The offset to commit for partition p: everything before it has left the buffer (released, or
   * was no event at all). The lane commits it once the released events' decisions are durable.
   */
  committable(p: number): number {
    const q = this.#parts[p]!;
    return q.size > 0 ? q.offset[q.head & q.mask]! : q.nextOffset;
  }

  /**
   * Buffers a decoded event (row `row` of `rows`; `depth` the side array its book levels are in).
   * The caller checks space() first.
   */
  push(p: number, rows: Float64Array, row: number, depth: Float64Array, offset: number, seq: number, recvMs: number, originMs: number): void {
    const q = this.#parts[p]!;
    if (q.size >= q.mask + 1) throw new RangeError(`reorder buffer partition ${q.name} is full`);
    const s = seq === seq ? seq : q.lastSeq; // no sequence header: right after the event before it
    const i = q.tail & q.mask;
    copy(rows, row * kTapeWidth, q.rows, i * kTapeWidth, kTapeWidth);
    q.rows[i * kTapeWidth + kTapeLine] = s; // the key epoch of whatever this event triggers
    const count = sideRange(q.rows, i * kTapeWidth, this.#side);
    if (count > 0) {
      if (q.depth === null) q.depth = new Float64Array((q.mask + 1) * kDepthValues);
      copy(depth, this.#side[0]!, q.depth, i * kDepthValues, count);
      setSideRef(q.rows, i * kTapeWidth, i * kDepthValues);
    }
    q.offset[i] = offset;
    q.seq[i] = s;
    q.recvMs[i] = recvMs;
    q.originMs[i] = originMs;
    q.tail++;
    q.lastSeq = s;
    q.nextOffset = offset + 1;
    q.idle = false;
    this.buffered++;
  }

  /** A message that is no event (a dead letter, a control record) was read at `offset`. */
  skip(p: number, offset: number): void {
    const q = this.#parts[p]!;
    q.nextOffset = offset + 1;
  }

  /** The partition's producer finished: it holds nothing more. */
  end(p: number): void { this.#parts[p]!.ended = true; }
  /** Every event with a sequence at or below `seq` has been received on partition p. */
  watermark(p: number, seq: number): void {
    const q = this.#parts[p]!;
    if (seq > q.watermark) q.watermark = seq;
  }
  /** The lane's view: the partition is caught up and quiet (it does not hold back the merge). */
  setIdle(p: number, idle: boolean): void { this.#parts[p]!.idle = idle; }

  /**
   * Moves releasable events, in merge order, into `out` (up to its free capacity). Returns how
   * many moved.
   */
  release(out: ReleasedBatch): number {
    const parts = this.#parts;
    const k = parts.length;
    let moved = 0;
    if (!this.ordered) {
      for (let p = 0; p < k && out.length < out.capacity; p++) {
        const q = parts[p]!;
        while (q.size > 0 && out.length < out.capacity) { this.#move(q, p, out); moved++; }
      }
      return moved;
    }
    // The bound: an empty partition that may still deliver holds back every event after its watermark.
    let bound = Infinity;
    for (let p = 0; p < k; p++) {
      const q = parts[p]!;
      if (q.size === 0 && !q.ended && !q.idle && q.watermark < bound) bound = q.watermark;
    }
    while (out.length < out.capacity) {
      let best = -1, bestSeq = Infinity, bestRank = 0;
      for (let p = 0; p < k; p++) {
        const q = parts[p]!;
        if (q.size === 0) continue;
        const s = q.seq[q.head & q.mask]!;
        if (s < bestSeq || (s === bestSeq && q.rank < bestRank)) { best = p; bestSeq = s; bestRank = q.rank; }
      }
      if (best < 0 || bestSeq > bound) break;
      const q = parts[best]!;
      this.#move(q, best, out);
      moved++;
      if (q.size === 0 && !q.ended && !q.idle && q.watermark < bound) bound = q.watermark;
    }
    return moved;
  }

  #move(q: PartitionQueue, p: number, out: ReleasedBatch): void {
    const i = q.head & q.mask;
    const row = out.tape.push();
    const rows = out.tape.rows;
    copy(q.rows, i * kTapeWidth, rows, row * kTapeWidth, kTapeWidth);
    const count = sideRange(rows, row * kTapeWidth, this.#side);
    if (count > 0) {
      const at = out.tape.pushDepth(count);
      copy(q.depth!, this.#side[0]!, out.tape.depth, at, count);
      setSideRef(rows, row * kTapeWidth, at);
    }
    out.partition[row] = p;
    out.offset[row] = q.offset[i]!;
    out.recvMs[row] = q.recvMs[i]!;
    out.originMs[row] = q.originMs[i]!;
    const s = q.seq[i]!;
    if (this.ordered) {
      if (s < this.#lastReleasedSeq) this.late++;
      else this.#lastReleasedSeq = s;
    }
    q.head++;
    this.buffered--;
  }

  /** Drops a partition's buffered events (its partition was taken away). */
  clear(p: number): void {
    const q = this.#parts[p]!;
    this.buffered -= q.size;
    q.head = q.tail;
  }
}
