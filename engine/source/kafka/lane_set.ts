// The lanes of a Kafka source by id: started on demand (a lane that replaces one whose partitions
// were taken away waits until that one has closed its log), dropped whole when they lose a
// partition, and stopped together at the end, with the reports of every lane that ran.
import type { Lane, LaneReport, LaneTarget } from './lane.ts';

export class LaneSet<T extends LaneTarget> {
  readonly #create: (id: string, partition: number, partitionsExpected: number) => Lane<T>;
  readonly #log: (line: string) => void;
  readonly #lanes = new Map<string, Lane<T>>();
  readonly #starts = new Map<string, Promise<Lane<T>>>();
  readonly #stops = new Map<string, Promise<LaneReport<T>>>();
  readonly #finished: LaneReport<T>[] = [];

  constructor(create: (id: string, partition: number, partitionsExpected: number) => Lane<T>, log: (line: string) => void) {
    this.#create = create;
    this.#log = log;
  }

  /** The lanes running now. */
  all(): Lane<T>[] { return [...this.#lanes.values()]; }

  /** Lanes still starting. */
  get starting(): number { return this.#starts.size; }

  /**
   * The running lane `id`, started (for `partition`'s shard) if there is none; a lane started here
   * releases nothing until `partitionsExpected` partitions have been added to it.
   */
  laneFor(id: string, partition: number, partitionsExpected = 1): Promise<Lane<T>> {
    const existing = this.#lanes.get(id);
    if (existing) return Promise.resolve(existing);
    let starting = this.#starts.get(id);
    if (!starting) {
      starting = (async () => {
        await this.#stops.get(id); // the lane this one replaces has closed its log
        const lane = this.#create(id, partition, partitionsExpected);
        await lane.start();
        this.#lanes.set(id, lane);
        this.#starts.delete(id);
        this.#log(`${id}: lane started (${lane.o.registry.size} instruments)`);
        return lane;
      })();
      this.#starts.set(id, starting);
    }
    return starting;
  }

  /** Stops lane `id`, whose partitions were taken away: what it has not made durable is dropped. */
  drop(id: string): void {
    const lane = this.#lanes.get(id);
    if (!lane) return;
    this.#lanes.delete(id);
    const stop = lane.stop(true).then((r) => { this.#finished.push(r); return r; });
    this.#stops.set(id, stop);
    this.#log(`${id}: partitions taken away; lane stopped`);
  }

  /** Stops every lane (after those still starting), and returns the reports of every lane that ran. */
  async stopAll(): Promise<LaneReport<T>[]> {
    await Promise.all([...this.#starts.values()].map((p) => p.catch(() => undefined)));
    const reports = await Promise.all(this.all().map((l) => l.stop()));
    await Promise.all([...this.#stops.values()]);
    this.#lanes.clear();
    return [...this.#finished, ...reports];
  }
}
