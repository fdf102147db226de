// A decision's inputs, so it can be explained after the fact: the state values of its instruments
// (every column of each slot) and the agent records it was made from (the records of the deciding
// agent's cycle that name one of those instruments), as they were when the decision was made.
//
// Captured on the main thread right after the decision is recorded (the state's only writer, so
// the columns are stable): a copy of a few Float64 values, in packInputs' layout, into a view of
// the capturer's arena, hung on the decision under a symbol (JSON.stringify skips symbol keys, so
// the decision log's line is unchanged). Turned into JSON text only in the audit writer's
// background drain, and there straight into one string (decisionInputsText: numbers formatted in
// place, pieces with the same values as the last time reused, no intermediate objects);
// decisionInputsJson is the same content as objects, its reference.
import { kFieldCount, kKindNames, kRecordWidth, kRecSlotA, kRecSlotB } from '../../protocol/layout.ts';
import { kRecNames } from '../../protocol/records.ts';
import type { MarketArrays } from '../../protocol/market_state.ts';
import type { RegistrySnapshot } from '../../protocol/registry.ts';
import type { ResultReader } from '../../protocol/result_reader.ts';
import type { Decision, Proposal } from '../types.ts';

const kInputs = Symbol('decisionInputs');
const kInputsText = Symbol('decisionInputsText');
const kMaxRecords = 16;
/** Values per capture arena (512 KiB: a few thousand decisions). */
const kArenaValues = 1 << 16;

/** The fields of each state kind, by column (common: ts and epoch in the last two). */
export const kFieldNames: Readonly<Record<string, readonly string[]>> = {
  book: ['bid', 'ask', 'bidSize', 'askSize', 'last'],
  yield: ['apy', 'apyBase', 'apyReward', 'tvl', 'ilRisk', 'exposureMulti', 'stablecoin', 'mu', 'sigma', 'predictedUp', 'apyBorrow', 'ltv'],
  amm: ['reserve0', 'reserve1', 'fee', 'sqrtPrice', 'liquidity', 'tick', 'price'],
  protocol: ['liqUsd', 'liqCount', 'cascadeUsd', 'cascadeCount', 'govCount', 'govPassed', 'lastLiqTs', 'lastGovTs'],
  signal: ['changePct', 'signalPrice'],
};
export const kRecFields = ['kind', 'slotA', 'slotB', 'score', 'value', 'size', 'risk', 'aux'];

/** What the JSON of a decision's inputs is built from: the captured values and the slots' keys and kinds. */
export interface InputsParts {
  readonly cycle: number;
  readonly slots: Int32Array;
  readonly state: Float64Array;
  readonly records: Float64Array;
  readonly registry: { readonly meta: readonly { readonly key: string; readonly kind: number }[] };
}

export interface CapturedInputs {
  readonly cycle: number;
  readonly slots: Int32Array;
  /** kFieldCount columns per slot. */
  readonly state: Float64Array;
  /** kRecordWidth values per record. */
  readonly records: Float64Array;
  /** The decision's expected profit is a realised round trip's PnL. */
  readonly realizesPnl: boolean;
  readonly registry: InputsParts['registry'];
  /** The same values as packInputs writes them (cycle, n, r, slots, state, records), when captured that way. */
  readonly packed?: Float64Array;
}

/**
 * Inputs as capture() keeps them: packInputs' layout in a view of the capturer's arena (one view
 * per decision, no array of its own), copied into a batch with one set(); slots, state and
 * records are made from it only where asked for (the trail on the main thread formats them).
 */
class PackedInputs implements CapturedInputs {
  readonly packed: Float64Array;
  readonly realizesPnl: boolean;
  readonly registry: InputsParts['registry'];
  #slots: Int32Array | null = null;

  constructor(packed: Float64Array, realizesPnl: boolean, registry: InputsParts['registry']) {
    this.packed = packed;
    this.realizesPnl = realizesPnl;
    this.registry = registry;
  }

  get cycle(): number { return this.packed[0]!; }
  get slots(): Int32Array { return (this.#slots ??= Int32Array.from(this.packed.subarray(3, 3 + this.packed[1]!))); }
  get state(): Float64Array {
    const n = this.packed[1]!;
    return this.packed.subarray(3 + n, 3 + n + n * kFieldCount);
  }

  get records(): Float64Array {
    const n = this.packed[1]!;
    const at = 3 + n + n * kFieldCount;
    return this.packed.subarray(at, at + this.packed[2]!);
  }
}

/** The inputs hung on a decision by capture(), or undefined. */
export function inputsOf(d: Decision): CapturedInputs | undefined {
  return (d as unknown as Record<symbol, CapturedInputs | undefined>)[kInputs];
}

/** How many values packInputs writes for `x`. */
export function packedInputsLength(x: InputsParts & { readonly packed?: Float64Array }): number {
  if (x.packed !== undefined) return x.packed.length;
  return 3 + x.slots.length + x.state.length + x.records.length;
}

/**
 * Writes `x` into `to` from `at` — cycle, n instruments, r record values, then n slots, n ×
 * kFieldCount state values and r record values — and returns the offset after it: one
 * Float64Array carries a whole batch's inputs to another thread (transferred, not copied).
 */
export function packInputs(to: Float64Array, at: number, x: InputsParts & { readonly packed?: Float64Array }): number {
  if (x.packed !== undefined) { // captured packed: one copy
    to.set(x.packed, at);
    return at + x.packed.length;
  }
  const n = x.slots.length;
  to[at] = x.cycle;
  to[at + 1] = n;
  to[at + 2] = x.records.length;
  at += 3;
  for (let k = 0; k < n; k++) to[at + k] = x.slots[k]!;
  at += n;
  to.set(x.state, at);
  at += x.state.length;
  to.set(x.records, at);
  return at + x.records.length;
}

/** Reads what packInputs wrote at `at` (state and records are views of `from`); `next` is the offset after it. */
export function unpackInputs(from: Float64Array, at: number, registry: InputsParts['registry']): { parts: InputsParts; next: number } {
  const cycle = from[at]!, n = from[at + 1]!, r = from[at + 2]!;
  at += 3;
  const slots = Int32Array.from(from.subarray(at, at + n));
  at += n;
  const state = from.subarray(at, at + n * kFieldCount);
  at += n * kFieldCount;
  const records = from.subarray(at, at + r);
  return { parts: { cycle, slots, state, records, registry }, next: at + r };
}

/** Hangs captured inputs on a decision (a decision parsed back from its line, on the audit thread). */
export function attachInputs(d: object, inputs: CapturedInputs): void {
  (d as Record<symbol, CapturedInputs>)[kInputs] = inputs;
}

/**
 * Hangs on a decision the inputs packInputs wrote at `at` in `from` (a view of them, nothing
 * unpacked until formatted); returns the offset after them. The audit thread's batch.
 */
export function attachPackedInputs(d: object, from: Float64Array, at: number, realizesPnl: boolean, registry: InputsParts['registry']): number {
  const n = from[at + 1]!, r = from[at + 2]!;
  const end = at + 3 + n + n * kFieldCount + r;
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(r) && r >= 0 && end <= from.length)) {
    throw new Error(`audit batch: inputs at ${at} claim ${n} instruments and ${r} record values, past the batch's ${from.length} values`);
  }
  (d as Record<symbol, CapturedInputs>)[kInputs] = new PackedInputs(from.subarray(at, end), realizesPnl, registry);
  return end;
}

/** One pipeline's capturer: built once over its state, registry and result readers. */
export class DecisionInputs {
  readonly #arrays: MarketArrays;
  readonly #registry: RegistrySnapshot;
  readonly #slotOf = new Map<string, number>();
  readonly #readers: Map<string, ResultReader>;
  /** Scratch: the offsets of the records a decision keeps. */
  readonly #keep = new Int32Array(kMaxRecords);
  /** Scratch: the decision's instruments' slots. */
  #slots = new Int32Array(8);
  /** Decisions' inputs are captured into views of this, one after the other; a fresh one when it is full (the old one lives as long as a decision using it). */
  #arena = new Float64Array(kArenaValues);
  #used = 0;

  constructor(p: { arrays: MarketArrays; snapshot: RegistrySnapshot; readers: readonly ResultReader[] }) {
    this.#arrays = p.arrays;
    this.#registry = p.snapshot;
    p.snapshot.meta.forEach((m, slot) => this.#slotOf.set(m.key, slot));
    this.#readers = new Map(p.readers.map((r) => [r.name, r]));
  }

  /** Copies the decision's inputs (packed, into the arena) and hangs them on it. */
  capture(p: Proposal, d: Decision): void {
    const n = d.instruments.length;
    if (this.#slots.length < n) this.#slots = new Int32Array(n * 2);
    const slots = this.#slots;
    for (let i = 0; i < n; i++) slots[i] = this.#slotOf.get(d.instruments[i]!) ?? -1;
    // one pass over the agent's cycle: the records that name one of the instruments (at most kMaxRecords), their offsets first, to size the copy
    const keep = this.#keep;
    let m = 0;
    const r = this.#readers.get(d.agent);
    if (r !== undefined) {
      for (let k = 0; k < r.count && m < kMaxRecords; k++) {
        const at = (r.offset + k) * kRecordWidth;
        const a = r.records[at + kRecSlotA]!, b = r.records[at + kRecSlotB]!;
        for (let i = 0; i < n; i++) if (slots[i] === a || slots[i] === b) { keep[m++] = at; break; }
      }
    }
    const size = 3 + n + n * kFieldCount + m * kRecordWidth;
    if (this.#used + size > this.#arena.length) {
      this.#arena = new Float64Array(Math.max(kArenaValues, size));
      this.#used = 0;
    }
    const out = this.#arena.subarray(this.#used, this.#used + size);
    this.#used += size;
    out[0] = p.cycle;
    out[1] = n;
    out[2] = m * kRecordWidth;
    const cols = this.#arrays.columns;
    const cap = this.#arrays.capacity;
    let at = 3 + n;
    for (let i = 0; i < n; i++, at += kFieldCount) {
      const s = slots[i]!;
      out[3 + i] = s;
      if (s < 0) { out.fill(NaN, at, at + kFieldCount); continue; }
      for (let f = 0; f < kFieldCount; f++) out[at + f] = cols[f * cap + s]!;
    }
    if (m > 0) {
      const recs = r!.records;
      for (let j = 0; j < m; j++, at += kRecordWidth) for (let f = 0, from = keep[j]!; f < kRecordWidth; f++) out[at + f] = recs[from + f]!;
    }
    (d as unknown as Record<symbol, CapturedInputs>)[kInputs] = new PackedInputs(out, p.realizesPnl, this.#registry);
  }
}

const jsonNum = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Each kind's field names, quoted once: `"bid":` ... */
const kFieldKeys: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(kFieldNames).map(([k, names]) => [k, names.map((n) => `${JSON.stringify(n)}:`)]),
);
const kRecKeys = kRecFields.map((n) => `${JSON.stringify(n)}:`);

const numText = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/** The JSON text of one number as inputsText writes it: JSON.stringify's (null when not finite). */
export const numberJson = numText;

/**
 * The inputs as the decision event's metadata, as JSON text (built in the audit writer's drain),
 * or undefined: exactly JSON.stringify(decisionInputsJson(d)), written into one string without
 * building the objects.
 */
export function decisionInputsText(d: Decision): string | undefined {
  const o = d as unknown as Record<symbol, string | undefined>;
  if (o[kInputsText] !== undefined) return o[kInputsText];
  const x = inputsOf(d);
  return x === undefined ? undefined : inputsText(x, d.instruments);
}

/** True when the decision's inputs text is already built (stashed by the inputs worker). */
export function hasInputsText(d: Decision): boolean {
  return (d as unknown as Record<symbol, string | undefined>)[kInputsText] !== undefined;
}

/** Keeps a decision's inputs text, built elsewhere (the inputs worker), for decisionInputsText. */
export function stashInputsText(d: Decision, text: string): void {
  (d as unknown as Record<symbol, string>)[kInputsText] = text;
}

/**
 * A piece of the text already built (an instrument's state, a record) and what it was built
 * from. An instrument's state is often the same as in the decision before (its columns change
 * when its events arrive, decisions come faster), and so is a record (~40 % of the pieces on the
 * shipped fixture): the same values give the same text, reused instead of formatted again.
 */
interface Piece {
  readonly vals: Float64Array;
  kind: number;
  keyA: string | undefined;
  keyB: string | undefined;
  text: string;
}

interface Pieces {
  states: (Piece | undefined)[];
  records: Map<number, Piece>;
  /** Each slot's instrument key and its quoted form (the key is compared, not hashed: a decision parsed back on the audit thread has fresh strings). */
  keys: ({ key: string; quoted: string } | undefined)[];
}

/** Per registry (its slots' array). */
const kPieces = new WeakMap<object, Pieces>();
const kMaxRecordPieces = 8192;

/** The same values: equal, or both NaN (a value that is not finite is written null whatever it is; -0 and 0 are both written 0). */
function sameValues(vals: Float64Array, from: ArrayLike<number>, at: number): boolean {
  for (let f = 0; f < vals.length; f++) {
    const a = vals[f]!, b = from[at + f]!;
    if (a !== b && (a === a || b === b)) return false;
  }
  return true;
}

function keepValues(vals: Float64Array, from: ArrayLike<number>, at: number): void {
  for (let f = 0; f < vals.length; f++) vals[f] = from[at + f]!;
}

function quotedKey(pieces: Pieces, s: number, key: string): string {
  if (!(s >= 0 && s < 1 << 24)) return JSON.stringify(key);
  let q = pieces.keys[s];
  if (q === undefined || q.key !== key) q = pieces.keys[s] = { key, quoted: JSON.stringify(key) };
  return q.quoted;
}

/** The JSON text of inputs `x` of a decision on `instruments`: exactly JSON.stringify(inputsJson(x, instruments)). */
export function inputsText(x: InputsParts, instruments: readonly string[]): string {
  const slots = x.slots, state = x.state, records = x.records; // once: they may be views made on demand (PackedInputs)
  const count = slots.length;
  for (let i = 1; i < count; i++) {
    // an instrument named twice would be one key in the object form: leave that rare case to it
    if (instruments.indexOf(instruments[i]!) !== i) return JSON.stringify(inputsJson(x, instruments));
  }
  const meta = x.registry.meta;
  let pieces = kPieces.get(meta);
  if (pieces === undefined) kPieces.set(meta, (pieces = { states: [], records: new Map(), keys: [] }));
  let t = `{"cycle":${numText(x.cycle)},"state":{`;
  for (let i = 0; i < count; i++) {
    const s = slots[i]!;
    if (i > 0) t += ',';
    t += `${quotedKey(pieces, s, instruments[i]!)}:`;
    if (s < 0) { t += 'null'; continue; }
    const kindNo = meta[s]!.kind;
    const at = i * kFieldCount;
    let p = pieces.states[s];
    if (p !== undefined && p.kind === kindNo && sameValues(p.vals, state, at)) { t += p.text; continue; }
    const kind = kKindNames[kindNo] ?? 'none';
    const keys = kFieldKeys[kind] ?? [];
    let u = `{"kind":${JSON.stringify(kind)},"slot":${s}`;
    for (let f = 0; f < keys.length; f++) u += `,${keys[f]}${numText(state[at + f]!)}`;
    u += `,"ts":${numText(state[at + kFieldCount - 2]!)},"epoch":${numText(state[at + kFieldCount - 1]!)}}`;
    t += u;
    if (Number.isSafeInteger(s) && s < 1 << 24) {
      p ??= pieces.states[s] = { vals: new Float64Array(kFieldCount), kind: kindNo, keyA: undefined, keyB: undefined, text: '' };
      p.kind = kindNo;
      keepValues(p.vals, state, at);
      p.text = u;
    }
  }
  t += '},"records":[';
  for (let at = 0; at < records.length; at += kRecordWidth) {
    if (at > 0) t += ',';
    const kd = records[at]!, a = records[at + 1]!, b = records[at + 2]!;
    const keyA = Number.isFinite(a) && a >= 0 ? meta[a]?.key : undefined;
    const keyB = Number.isFinite(b) && b >= 0 ? meta[b]?.key : undefined;
    // kept by record kind and slot pair (small non-negative integers); anything else is only formatted
    const id = Number.isInteger(kd) && Number.isInteger(a) && Number.isInteger(b) && kd >= 0 && kd < 4096 && a >= 0 && a < 1 << 20 && b >= 0 && b < 1 << 20
      ? (kd * (1 << 20) + a) * (1 << 20) + b : -1;
    let p = id < 0 ? undefined : pieces.records.get(id);
    if (p !== undefined && p.keyA === keyA && p.keyB === keyB && sameValues(p.vals, records, at)) { t += p.text; continue; }
    let u = '{';
    for (let f = 0; f < kRecKeys.length; f++) u += `${f > 0 ? ',' : ''}${kRecKeys[f]}${numText(records[at + f]!)}`;
    const name = kRecNames[kd];
    u += `,"kindName":${name === undefined ? 'null' : JSON.stringify(name)}`;
    u += `,"slotAKey":${keyA === undefined || keyA === null ? 'null' : JSON.stringify(keyA)}`;
    u += `,"slotBKey":${keyB === undefined || keyB === null ? 'null' : JSON.stringify(keyB)}}`;
    t += u;
    if (id >= 0) {
      if (p === undefined) {
        if (pieces.records.size >= kMaxRecordPieces) pieces.records.clear(); // an open universe: bounded
        p = { vals: new Float64Array(kRecordWidth), kind: 0, keyA, keyB, text: '' };
        pieces.records.set(id, p);
      }
      p.keyA = keyA;
      p.keyB = keyB;
      keepValues(p.vals, records, at);
      p.text = u;
    }
  }
  return `${t}]}`;
}

/** The inputs as the decision event's metadata, as objects (the reference of decisionInputsText), or undefined. */
export function decisionInputsJson(d: Decision): Record<string, unknown> | undefined {
  const x = inputsOf(d);
  return x === undefined ? undefined : inputsJson(x, d.instruments);
}

/** The inputs `x` of a decision on `instruments` as objects. */
export function inputsJson(x: InputsParts, instruments: readonly string[]): Record<string, unknown> {
  const xSlots = x.slots, xState = x.state, xRecords = x.records;
  const state: Record<string, unknown> = {};
  for (let i = 0; i < xSlots.length; i++) {
    const s = xSlots[i]!;
    const key = instruments[i]!;
    if (s < 0) { state[key] = null; continue; }
    const kind = kKindNames[x.registry.meta[s]!.kind] ?? 'none';
    const names = kFieldNames[kind] ?? [];
    const fields: Record<string, number | null> = {};
    const at = i * kFieldCount;
    names.forEach((name, f) => { fields[name] = jsonNum(xState[at + f]!); });
    fields.ts = jsonNum(xState[at + kFieldCount - 2]!);
    fields.epoch = jsonNum(xState[at + kFieldCount - 1]!);
    state[key] = { kind, slot: s, ...fields };
  }
  const records: Record<string, unknown>[] = [];
  for (let at = 0; at < xRecords.length; at += kRecordWidth) {
    const rec: Record<string, unknown> = {};
    kRecFields.forEach((name, f) => { rec[name] = jsonNum(xRecords[at + f]!); });
    rec.kindName = kRecNames[xRecords[at]!] ?? null;
    for (const k of ['slotA', 'slotB'] as const) {
      const s = rec[k] as number | null;
      rec[`${k}Key`] = s !== null && s >= 0 ? (x.registry.meta[s]?.key ?? null) : null;
    }
    records.push(rec);
  }
  return { cycle: x.cycle, state, records };
}
