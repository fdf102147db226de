// State snapshots of objects with private fields, generic over the project's classes.
//
// A class takes part by declaring `snapshotFields(v: Fields)`, one line per own field (the method
// is generated and checked by scripts/snapshot-fields.ts, so a field cannot be forgotten):
//   this.#n = v.f('n', this.#n);   a mutable field: saved; restored by assignment
//   v.r('seen', this.#seen);        a readonly field: its contents saved, restored in place
//   v.b('view');                    bound at construction (shared memory, configuration, callbacks):
//                                   neither saved nor restored, the new object keeps its own
// saveState() walks a graph of such objects from named roots into plain values that v8.serialize
// can write (numbers, strings, typed arrays, Map, Set, arrays, plain objects), keeping shared
// references shared. restoreState() walks the same roots of a freshly built engine and writes the
// snapshot's values into them: objects the new engine already has are restored in place (so a
// field bound at construction inside them stays bound), objects it lacks are created.
// Whatever cannot be saved is an error that names the field's path: a function, a view of shared
// memory (copied with the shared regions, or re-bound: declare it bound), an object of a class
// without snapshotFields().
import { serialize, deserialize } from 'node:v8';
import { createHash } from 'node:crypto';

export interface Fields {
  f<T>(name: string, value: T): T;
  r(name: string, value: unknown): void;
  b(name: string): void;
}

export interface Snapshottable {
  snapshotFields(v: Fields): void;
}

/**
 * How a restore creates an object of a class that the new engine does not have yet (a Map's
 * values made at run time): a constructor call from the snapshot's values of the fields it needs
 * (`field(name)`, already restored); the restore then writes every field.
 */
export type Blank = (field: (name: string) => unknown) => Snapshottable;
const blanks = new Map<string, Blank>();

/** Registers how to create an empty object of class `name` for a restore to fill. */
export function registerBlank(name: string, blank: Blank): void {
  blanks.set(name, blank);
}

const boundClasses = new Set<unknown>();

/**
 * Registers classes whose objects are part of the engine's wiring, never its state (views of shared
 * memory, the frozen universe, wait strategies, sinks, latency recorders): a field holding one is
 * neither saved nor restored, wherever it is; the new engine keeps its own.
 */
export function registerBound(...classes: (abstract new (...args: never[]) => unknown)[]): void {
  for (const c of classes) boundClasses.add(c);
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

interface ClassNode { $c: string; f: Record<string, unknown> }
interface PlainNode { $o: Record<string, unknown> }
interface BoundNode { $b: string }

function isPlain(o: object): boolean {
  const p = Object.getPrototypeOf(o);
  return p === Object.prototype || p === null;
}

function isSnapshottable(o: object): o is Snapshottable {
  return typeof (o as Partial<Snapshottable>).snapshotFields === 'function';
}

function isShared(v: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && v.buffer instanceof SharedArrayBuffer;
}

/** Encodes `roots` (name → object) into plain values; throws SnapshotError naming a field it cannot save. */
export function encodeState(roots: Record<string, unknown>): Record<string, unknown> {
  const memo = new Map<object, unknown>();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(roots)) out[k] = enc(v, k, memo);
  return out;
}

function enc(v: unknown, path: string, memo: Map<object, unknown>): unknown {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
  if (typeof v === 'function') throw new SnapshotError(`snapshot: ${path} holds a function (declare the field bound: v.b('…'))`);
  const o = v as object;
  const seen = memo.get(o);
  if (seen !== undefined) return seen;
  if (ArrayBuffer.isView(o)) {
    if (isShared(o)) throw new SnapshotError(`snapshot: ${path} is a view of shared memory (copied with the shared regions; declare the field bound)`);
    const copy = (o as unknown as { slice(): unknown }).slice();
    memo.set(o, copy);
    return copy;
  }
  if (o instanceof ArrayBuffer) { const copy = o.slice(0); memo.set(o, copy); return copy; }
  if (typeof SharedArrayBuffer !== 'undefined' && o instanceof SharedArrayBuffer) throw new SnapshotError(`snapshot: ${path} is shared memory (declare the field bound)`);
  if (Array.isArray(o)) {
    const a: unknown[] = [];
    memo.set(o, a);
    for (let i = 0; i < o.length; i++) a.push(enc(o[i], `${path}[${i}]`, memo));
    return a;
  }
  if (o instanceof Map) {
    const m = new Map<unknown, unknown>();
    memo.set(o, m);
    for (const [k, x] of o) m.set(enc(k, `${path}.key`, memo), enc(x, `${path}.get(${String(k).slice(0, 40)})`, memo));
    return m;
  }
  if (o instanceof Set) {
    const s = new Set<unknown>();
    memo.set(o, s);
    for (const x of o) s.add(enc(x, `${path}.item`, memo));
    return s;
  }
  if (boundClasses.has(o.constructor)) {
    const node: BoundNode = { $b: o.constructor.name };
    memo.set(o, node);
    return node;
  }
  if (isSnapshottable(o)) {
    const node: ClassNode = { $c: o.constructor.name, f: {} };
    memo.set(o, node);
    const fields = node.f;
    const at = `${path}(${node.$c})`;
    o.snapshotFields({
      f<T>(name: string, value: T): T { fields[name] = enc(value, `${at}.${name}`, memo); return value; },
      r(name: string, value: unknown): void { fields[name] = enc(value, `${at}.${name}`, memo); },
      b(): void { /* bound: kept by the new object */ },
    });
    return node;
  }
  if (isPlain(o)) {
    const node: PlainNode = { $o: {} };
    memo.set(o, node);
    for (const [k, x] of Object.entries(o)) node.$o[k] = enc(x, `${path}.${k}`, memo);
    return node;
  }
  throw new SnapshotError(`snapshot: ${path} is a ${o.constructor?.name ?? 'object'}, which has no snapshotFields()`);
}

/** Writes an encoded state into the live objects of `roots` (a freshly built engine's); throws SnapshotError on a mismatch. */
export function decodeState(encoded: Record<string, unknown>, roots: Record<string, unknown>): void {
  const memo = new Map<unknown, unknown>();
  for (const k of Object.keys(roots)) {
    if (!(k in encoded)) throw new SnapshotError(`snapshot: it holds no ${k}`);
    const v = dec(encoded[k], roots[k], k, memo);
    if (v !== roots[k] && typeof v === 'object' && v !== null) throw new SnapshotError(`snapshot: ${k} could not be restored in place`);
  }
}

function dec(e: unknown, live: unknown, path: string, memo: Map<unknown, unknown>): unknown {
  if (e === null || typeof e !== 'object') return e;
  if (memo.has(e)) return memo.get(e);
  if (ArrayBuffer.isView(e)) {
    const l = live as ArrayBufferView | undefined;
    if (l !== undefined && l !== null && ArrayBuffer.isView(l) && l.constructor === e.constructor && l.byteLength === e.byteLength && !isShared(l)) {
      new Uint8Array(l.buffer, l.byteOffset, l.byteLength).set(new Uint8Array(e.buffer, e.byteOffset, e.byteLength));
      memo.set(e, l);
      return l;
    }
    memo.set(e, e);
    return e;
  }
  if (e instanceof ArrayBuffer) { memo.set(e, e); return e; }
  if (Array.isArray(e)) {
    const a = Array.isArray(live) ? live : [];
    memo.set(e, a);
    const old = a.slice();
    a.length = e.length;
    for (let i = 0; i < e.length; i++) a[i] = dec(e[i], old[i], `${path}[${i}]`, memo);
    return a;
  }
  if (e instanceof Map) {
    const m = live instanceof Map ? live : new Map();
    memo.set(e, m);
    const entries: [unknown, unknown][] = [];
    for (const [k, x] of e) {
      const key = dec(k, undefined, `${path}.key`, memo);
      entries.push([key, dec(x, m.get(key), `${path}.get(${String(key).slice(0, 40)})`, memo)]);
    }
    m.clear();
    for (const [k, x] of entries) m.set(k, x);
    return m;
  }
  if (e instanceof Set) {
    const s = live instanceof Set ? live : new Set();
    memo.set(e, s);
    s.clear();
    for (const x of e) s.add(dec(x, undefined, `${path}.item`, memo));
    return s;
  }
  if ('$b' in e) {
    const name = (e as BoundNode).$b;
    if (live === null || typeof live !== 'object' || (live as object).constructor.name !== name) {
      throw new SnapshotError(`snapshot: ${path} is a ${name} bound at construction, but this engine has ${live === undefined || live === null ? 'none' : `a ${(live as object).constructor?.name}`} there`);
    }
    memo.set(e, live);
    return live;
  }
  if ('$c' in e) {
    const node = e as ClassNode;
    const fields = node.f;
    const at = (name: string): unknown => {
      if (!(name in fields)) throw new SnapshotError(`snapshot: ${path}.${name} is not in the snapshot (written by another version of ${node.$c})`);
      return fields[name];
    };
    let target = live as Snapshottable | null | undefined;
    if (target === null || typeof target !== 'object' || !isSnapshottable(target) || target.constructor.name !== node.$c) {
      const blank = blanks.get(node.$c);
      if (blank === undefined) {
        const found = target === null || target === undefined ? 'nothing' : `a ${(target as object).constructor?.name ?? typeof target}`;
        throw new SnapshotError(`snapshot: ${path} is a ${node.$c} in the snapshot but ${found} in this engine, and ${node.$c} has no registered blank`);
      }
      target = blank((name) => dec(at(name), undefined, `${path}.${name}`, memo));
    }
    memo.set(e, target);
    target.snapshotFields({
      f<T>(name: string, value: T): T { return dec(at(name), value, `${path}.${name}`, memo) as T; },
      r(name: string, value: unknown): void {
        const v = dec(at(name), value, `${path}.${name}`, memo);
        if (v === value || (v !== v && value !== value)) return;
        if (typeof value === 'object' && value !== null) throw new SnapshotError(`snapshot: readonly ${path}.${name} could not be restored in place`);
        throw new SnapshotError(`snapshot: readonly ${path}.${name} is ${String(value)} here but ${String(v)} in the snapshot (the engine was built with other options)`);
      },
      b(): void { /* bound: this object keeps its own */ },
    });
    return target;
  }
  if ('$o' in e) {
    const src = (e as PlainNode).$o;
    const o = live !== null && typeof live === 'object' && isPlain(live) ? live as Record<string, unknown> : {};
    memo.set(e, o);
    for (const k of Object.keys(o)) if (!(k in src)) delete o[k];
    for (const [k, x] of Object.entries(src)) {
      const v = dec(x, o[k], `${path}.${k}`, memo);
      if (o[k] !== v) o[k] = v;
    }
    return o;
  }
  throw new SnapshotError(`snapshot: ${path} holds an unknown node`);
}

/** Saves `roots` as bytes (v8.serialize of the encoded state). */
export function saveState(roots: Record<string, unknown>): Uint8Array {
  return serialize(encodeState(roots));
}

/** Restores bytes from saveState() into `roots`. */
export function restoreState(bytes: Uint8Array, roots: Record<string, unknown>): void {
  decodeState(deserialize(bytes) as Record<string, unknown>, roots);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
