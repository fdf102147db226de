// The partitions a Kafka source holds, and where each stands: its lane and buffer index, the next
// offset to take in, the high watermark, whether backpressure paused it, whether it went idle.
// It turns a new assignment into what changes (lanes that lost a partition, partitions kept,
// partitions new to this member) and says when an --until-end run has read everything.
import type { LaneScope } from './assigner.ts';
import type { Lane, LaneTarget } from './lane.ts';

export interface PartState<T extends LaneTarget> {
  topic: string;
  partition: number;
  laneId: string;
  lane: Lane<T> | null;
  p: number; // index in the lane's buffer
  ready: boolean;
  expected: number; // next offset to take in
  hw: number; // high watermark last seen
  endOffset: number; // high watermark when the partition was taken
  lastRecvMs: number;
  paused: boolean; // paused by backpressure
  idle: boolean;
}

/** What an assignment changes: lanes to drop (they lost a partition), then every assigned partition in name order. */
export interface AssignmentChange<T extends LaneTarget> {
  dropLanes: string[];
  /** Assigned partitions: `ready` ones were held before (seek back to where they were read), the others are new. */
  assigned: PartState<T>[];
}

export const partitionName = (topic: string, partition: number): string => `${topic}/${partition}`;

export class PartitionTable<T extends LaneTarget> {
  readonly #scope: LaneScope;
  readonly #parts = new Map<string, PartState<T>>();

  constructor(scope: LaneScope) {
    this.#scope = scope;
  }

  get size(): number { return this.#parts.size; }
  values(): IterableIterator<PartState<T>> { return this.#parts.values(); }
  get(topic: string, partition: number): PartState<T> | undefined { return this.#parts.get(partitionName(topic, partition)); }
  /** True while `st` is still the state of its partition (it was not taken away meanwhile). */
  holds(st: PartState<T>): boolean { return this.#parts.get(partitionName(st.topic, st.partition)) === st; }

  /** The lane a partition belongs to: one for everything in global scope, one per shard. */
  laneIdOf(partition: number): string {
    return this.#scope === 'global' ? 'all' : `shard-${partition}`;
  }

  /** Partition numbers this member holds and has read into (the assigner keeps them here). */
  held(): number[] {
    const out = new Set<number>();
    for (const st of this.#parts.values()) if (st.ready) out.add(st.partition);
    return [...out].sort((a, b) => a - b);
  }

  /**
   * Applies an assignment: a lane that lost any partition is dropped whole (its other partitions
   * are forgotten too, and rebuilt by a new lane); a partition new to this member gets a fresh state.
   */
  assign(assignment: Record<string, number[]>, nowMs: number): AssignmentChange<T> {
    const now = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) now.add(partitionName(topic, p));
    const dropLanes = new Set<string>();
    for (const [n, st] of this.#parts) if (!now.has(n)) dropLanes.add(st.laneId);
    for (const id of dropLanes) {
      for (const [n, st] of [...this.#parts]) if (st.laneId === id) this.#parts.delete(n);
    }
    const assigned: PartState<T>[] = [];
    for (const n of [...now].sort()) {
      const st = this.#parts.get(n);
      if (st && st.ready) { assigned.push(st); continue; }
      const slash = n.lastIndexOf('/');
      const topic = n.slice(0, slash), partition = Number(n.slice(slash + 1));
      const fresh: PartState<T> = {
        topic, partition, laneId: this.laneIdOf(partition), lane: null, p: -1, ready: false,
        expected: 0, hw: 0, endOffset: 0, lastRecvMs: nowMs, paused: false, idle: false,
      };
      this.#parts.set(n, fresh);
      assigned.push(fresh);
    }
    return { dropLanes: [...dropLanes], assigned };
  }

  /**
   * Marks caught-up partitions that have been quiet for `idleMs` idle (so live merges do not wait
   * on them forever); returns the lanes that should pump.
   */
  markIdle(nowMs: number, idleMs: number): Set<Lane<T>> {
    const toPump = new Set<Lane<T>>();
    for (const st of this.#parts.values()) {
      if (!st.ready || !st.lane || st.idle) continue;
      if (st.expected >= st.hw && !st.lane.buffer.ended(st.p) && nowMs - st.lastRecvMs > idleMs) {
        st.idle = true;
        st.lane.buffer.setIdle(st.p, true);
        toPump.add(st.lane);
      }
    }
    return toPump;
  }

  /** Paused partitions whose buffers drained to half: resumed (returned) and no longer marked paused. */
  drained(): PartState<T>[] {
    const out: PartState<T>[] = [];
    for (const st of this.#parts.values()) {
      if (!st.paused || !st.lane) continue;
      if (st.lane.buffer.space(st.p) * 2 >= st.lane.buffer.capacityPerPartition) {
        st.paused = false;
        out.push(st);
      }
    }
    return out;
  }

  /**
   * --until-end: every partition read past the end offset it had when this run took it, and then
   * either its end record seen or quiet (caught up, nothing for mergeIdleMs); nothing buffered.
   */
  atEnd(lanes: Lane<T>[]): boolean {
    if (this.#parts.size === 0) return false;
    for (const st of this.#parts.values()) {
      if (!st.ready || !st.lane) return false;
      if (st.expected < st.endOffset || !(st.lane.buffer.ended(st.p) || st.idle)) return false;
    }
    for (const lane of lanes) if (lane.buffer.buffered > 0) return false;
    return true;
  }
}
