// Allocation of the shared market state. Sized once at start from the universe; never grown.
import {
  kCtlF64Count, kCtlF64Offset, kCtlInt32Count, kDefaultRingSize, kDepthStride, kFieldCount, nextPowerOfTwo,
  kEventStride, portfolioFloat64Count,
} from './layout.ts';
import { registerBound } from './snapshot.ts';

/** The buffers handed to every agent thread once, at start. */
export interface MarketStateBuffers {
  capacity: number;
  ringSize: number;
  columns: SharedArrayBuffer; // Float64 [kFieldCount × capacity], field-major
  seq: SharedArrayBuffer; // Int32 [capacity] sequence lock per slot
  kinds: SharedArrayBuffer; // Int32 [capacity]
  control: SharedArrayBuffer; // Int32 [kCtlInt32Count] then Float64 [kCtlF64Count]
  ring: SharedArrayBuffer; // Int32 [ringSize]: the slot written at each epoch
  /** Float64 [ringSize × kEventStride]: each epoch's event (time, type, two values; see kEvent*). */
  events?: SharedArrayBuffer;
  /** Int32 [ringSize]: the epoch each ring entry holds (0 while the writer rewrites it); see MarketView.copyEvent. */
  eventSeq?: SharedArrayBuffer;
  portfolio: SharedArrayBuffer; // Float64 [portfolioFloat64Count(capacity)], owned by the executor
  /** Float64 [capacity × kDepthStride]: book levels, under the slot's sequence lock (absent: no depth known). */
  depth?: SharedArrayBuffer;
}

export function allocateMarketState(capacity: number, ringSize = kDefaultRingSize): MarketStateBuffers {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`state capacity must be a positive integer, got ${capacity}`);
  const ring = nextPowerOfTwo(Math.max(2, ringSize));
  return {
    capacity,
    ringSize: ring,
    columns: new SharedArrayBuffer(kFieldCount * capacity * 8),
    seq: new SharedArrayBuffer(capacity * 4),
    kinds: new SharedArrayBuffer(capacity * 4),
    control: new SharedArrayBuffer(kCtlF64Offset + kCtlF64Count * 8),
    ring: new SharedArrayBuffer(ring * 4),
    events: new SharedArrayBuffer(ring * kEventStride * 8),
    eventSeq: new SharedArrayBuffer(ring * 4),
    portfolio: new SharedArrayBuffer(portfolioFloat64Count(capacity) * 8),
    depth: new SharedArrayBuffer(capacity * kDepthStride * 8),
  };
}

/** Typed-array views over the buffers; cheap to build, built once per thread. */
export class MarketArrays {
  readonly capacity: number;
  readonly ringMask: number;
  readonly ringSize: number;
  readonly columns: Float64Array;
  readonly seq: Int32Array;
  readonly kinds: Int32Array;
  readonly ctl: Int32Array;
  readonly ctlF64: Float64Array;
  readonly ring: Int32Array;
  /** The event ring: at (epoch & ringMask) × kEventStride, the event that epoch applied. */
  readonly events: Float64Array;
  /** The epoch each ring entry holds (its sequence stamp): 0 while being rewritten. */
  readonly eventSeq: Int32Array;
  readonly portfolio: Float64Array;
  readonly depth: Float64Array;

  constructor(b: MarketStateBuffers) {
    this.capacity = b.capacity;
    this.ringSize = b.ringSize;
    this.ringMask = b.ringSize - 1;
    this.columns = new Float64Array(b.columns);
    this.seq = new Int32Array(b.seq);
    this.kinds = new Int32Array(b.kinds);
    this.ctl = new Int32Array(b.control, 0, kCtlInt32Count);
    this.ctlF64 = new Float64Array(b.control, kCtlF64Offset, kCtlF64Count);
    this.ring = new Int32Array(b.ring);
    this.events = b.events ? new Float64Array(b.events) : new Float64Array(b.ringSize * kEventStride);
    this.eventSeq = b.eventSeq ? new Int32Array(b.eventSeq) : new Int32Array(b.ringSize);
    this.portfolio = new Float64Array(b.portfolio);
    this.depth = b.depth ? new Float64Array(b.depth) : new Float64Array(b.capacity * kDepthStride);
  }
}

registerBound(MarketArrays);
