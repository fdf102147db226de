// The instrument registry: instrument key → slot. Built while the universe is loaded, frozen
// before the agent threads start, and handed to them once as plain data.
import { BadMessageError } from './errors.ts';
import { registerBound } from './snapshot.ts';

export interface InstrumentMeta {
  key: string;
  kind: number;
  venue: string; // book: venue; amm: dex; protocol/yield: protocol
  base: string; // book: base asset; amm: token0
  quote: string; // book: quote asset; amm: token1
  protocol: string;
  chain: string;
  pool: string;
  symbol: string;
  decimals0: number;
  decimals1: number;
}

/** What the workers receive: structured-clone friendly. */
export interface RegistrySnapshot {
  capacity: number;
  size: number;
  meta: InstrumentMeta[];
}

export function emptyMeta(key: string, kind: number): InstrumentMeta {
  return { key, kind, venue: '', base: '', quote: '', protocol: '', chain: '', pool: '', symbol: '', decimals0: NaN, decimals1: NaN };
}

export class InstrumentRegistry {
  readonly #slots = new Map<string, number>();
  readonly #meta: InstrumentMeta[] = [];
  #frozen = false;
  #limit = Infinity;
  #limitName = '';

  get size(): number { return this.#meta.length; }
  get frozen(): boolean { return this.#frozen; }

  slotOf(key: string): number {
    const s = this.#slots.get(key);
    return s === undefined ? -1 : s;
  }

  meta(slot: number): InstrumentMeta {
    const m = this.#meta[slot];
    if (m === undefined) throw new RangeError(`slot ${slot} is not in the registry`);
    return m;
  }

  /**
   * The slot of `key`, adding it while the registry is open. A key seen again with another
   * kind is a bad message (one key names one instrument).
   */
  resolve(key: string, kind: number, fill: (m: InstrumentMeta) => void): number {
    const s = this.#slots.get(key);
    if (s !== undefined) {
      const m = this.#meta[s]!;
      if (m.kind !== kind) throw new BadMessageError(`key ${JSON.stringify(key)} was first seen as another kind of instrument`);
      return s;
    }
    if (this.#frozen) throw new BadMessageError(`unknown instrument ${JSON.stringify(key.length > 200 ? `${key.slice(0, 200)}…` : key)}: not in the universe the engine started with`);
    if (this.#meta.length >= this.#limit) throw new BadMessageError(`new instrument ${JSON.stringify(key.length > 200 ? `${key.slice(0, 200)}…` : key)}: the universe is full (${this.#limit} instruments, ${this.#limitName})`);
    const m = emptyMeta(key, kind);
    fill(m);
    const slot = this.#meta.length;
    this.#meta.push(m);
    this.#slots.set(key, slot);
    return slot;
  }

  freeze(): void { this.#frozen = true; }

  /** At most `n` instruments may be added (`name`: the setting, for the message); past it a new key is a bad message. */
  limit(n: number, name: string): void { this.#limit = n; this.#limitName = name; }

  snapshot(capacity: number): RegistrySnapshot {
    if (capacity < this.#meta.length) throw new RangeError(`capacity ${capacity} is below the registry size ${this.#meta.length}`);
    return { capacity, size: this.#meta.length, meta: this.#meta.slice() };
  }

  static fromSnapshot(snap: RegistrySnapshot): InstrumentRegistry {
    const r = new InstrumentRegistry();
    for (const m of snap.meta) r.resolve(m.key, m.kind, (x) => Object.assign(x, m));
    return r;
  }
}

registerBound(InstrumentRegistry);
