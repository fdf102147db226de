// Every snapshotFields() method lists exactly its class's own fields (a field added to a class and
// not to its method fails here), and the parser finds fields however they are declared.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { checkAll, checkClass, classesOf } from './snapshot-fields.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('the project\'s snapshotFields() methods are complete', () => {
  assert.equal(checkAll(root), []);
});

test('several fields on one line, initialisers with semicolons in types, statics and methods left out', () => {
  const src = [
    'export class A {',
    '  readonly #a: Float64Array; readonly #b: Map<string, { x: number; y: number }>; #c = 0;',
    '  static kMax = 3;',
    '  d: string | null = null; // e: not a field',
    '  #m(): void {}',
    '  get f(): number { return 1; }',
    '}',
  ].join('\n');
  const [a] = classesOf(src);
  assert.equal(a!.fields.map((f) => `${f.priv ? '#' : ''}${f.readonly ? 'r:' : ''}${f.name}`), ['#r:a', '#r:b', '#c', 'd']);
});

test('a method that forgets a field, or writes a readonly one as mutable, is reported', () => {
  const src = [
    'class B {',
    '  readonly #a = new Int32Array(1);',
    '  #n = 0;',
    '  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */',
    '  snapshotFields(v: Fields): void {',
    '    this.#a = v.f(\'a\', this.#a);',
    '  }',
    '}',
  ].join('\n');
  const problems = checkClass(classesOf(src)[0]!);
  assert.ok(problems.some((p) => p.includes("v.r('a', this.#a)")), problems.join('\n'));
  assert.ok(problems.some((p) => p.includes("this.#n = v.f('n', this.#n)")), problems.join('\n'));
});

test.run();
