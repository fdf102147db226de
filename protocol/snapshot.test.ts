// The generic snapshot walk: values and shared references survive a save and a restore in place;
// what cannot be saved (a function, a view of shared memory, an object of a class without
// snapshotFields) is an error naming the field's path; a restore creates the objects the new
// engine lacks through their registered blanks and refuses a readonly value that differs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerBlank, registerBound, restoreState, saveState, type Fields } from './snapshot.ts';

class Leaf {
  readonly id: string;
  n = 0;
  constructor(id: string) { this.id = id; }
  snapshotFields(v: Fields): void {
    v.r('id', this.id);
    this.n = v.f('n', this.n);
  }
}
registerBlank('Leaf', (field) => new Leaf(field('id') as string));

class Wiring { readonly x = 1; }
registerBound(Wiring);

class Root {
  readonly #table = new Float64Array(4);
  readonly #byName = new Map<string, Leaf>();
  #shared: Leaf | null = null;
  #list: number[] = [];
  readonly #wiring: Wiring;
  readonly #cb: () => void;
  readonly size: number;
  constructor(size: number, wiring = new Wiring()) { this.size = size; this.#wiring = wiring; this.#cb = () => undefined; }
  leaf(name: string): Leaf { let l = this.#byName.get(name); if (!l) this.#byName.set(name, (l = new Leaf(name))); return l; }
  get table(): Float64Array { return this.#table; }
  get shared(): Leaf | null { return this.#shared; }
  share(l: Leaf): void { this.#shared = l; }
  get list(): number[] { return this.#list; }
  get wiring(): Wiring { return this.#wiring; }
  get cb(): () => void { return this.#cb; }
  snapshotFields(v: Fields): void {
    v.r('table', this.#table);
    v.r('byName', this.#byName);
    this.#shared = v.f('shared', this.#shared);
    this.#list = v.f('list', this.#list);
    v.r('wiring', this.#wiring);
    v.b('cb');
    v.r('size', this.size);
  }
}

test('values, Maps of objects made at run time and shared references survive; bound objects stay the new ones', () => {
  const a = new Root(4);
  a.table.set([1, NaN, -0, 3]);
  a.leaf('x').n = 7;
  a.leaf('y').n = 9;
  a.share(a.leaf('y'));
  a.list.push(1, 2, 3);
  const bytes = saveState({ root: a });

  const b = new Root(4);
  const table = b.table;
  restoreState(bytes, { root: b });
  assert.is(b.table, table, 'a readonly typed array is restored in place');
  assert.equal([...b.table], [1, NaN, -0, 3]);
  assert.ok(Object.is(b.table[2], -0));
  assert.is(b.leaf('x').n, 7);
  assert.is(b.leaf('y').n, 9);
  assert.is(b.shared, b.leaf('y'), 'one object referenced twice is one object after the restore');
  assert.equal(b.list, [1, 2, 3]);
  assert.ok(b.wiring !== a.wiring && b.wiring instanceof Wiring, 'a bound object is the new engine\'s');
});

test('what cannot be saved is named by its path', () => {
  class NoFields { n = 1; }
  class Holder {
    f: unknown;
    constructor(f: unknown) { this.f = f; }
    snapshotFields(v: Fields): void { this.f = v.f('f', this.f); }
  }
  assert.throws(() => saveState({ h: new Holder(() => 1) }), /h\(Holder\)\.f holds a function/);
  assert.throws(() => saveState({ h: new Holder(new Int32Array(new SharedArrayBuffer(8))) }), /h\(Holder\)\.f is a view of shared memory/);
  assert.throws(() => saveState({ h: new Holder({ deep: [new NoFields()] }) }), /h\(Holder\)\.f\.deep\[0\] is a NoFields, which has no snapshotFields/);
});

test('a restore into an engine built otherwise is refused with the field', () => {
  const bytes = saveState({ root: new Root(4) });
  assert.throws(() => restoreState(bytes, { root: new Root(5) }), /readonly root\.size is 5 here but 4 in the snapshot/);
  class Unknown { snapshotFields(v: Fields): void { v.b('x'); } }
  class Holder2 { u: unknown = null; snapshotFields(v: Fields): void { this.u = v.f('u', this.u); } }
  const h = new Holder2();
  h.u = new Unknown();
  const b2 = saveState({ h });
  assert.throws(() => restoreState(b2, { h: new Holder2() }), /h\.u is a Unknown in the snapshot but nothing in this engine, and Unknown has no registered blank/);
});

test.run();
