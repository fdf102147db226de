// KeyRounds: key → last round seen. swap() stores the new round and returns the previous one
// (-1 for a key not in the table); the table forgets everything once it is half full.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KeyRounds } from './key_rounds.ts';

test('swap returns -1 for a new key, then the round stored before', () => {
  const k = new KeyRounds(16);
  assert.is(k.swap(42, 1), -1);
  assert.is(k.swap(42, 2), 1);
  assert.is(k.swap(42, 2), 2, 'same round again');
  assert.is(k.swap(7, 2), -1, 'another key is independent');
  assert.is(k.swap(42, 5), 2);
  assert.is(k.swap(7, 3), 2);
});

test('the consolidator idiom: an opportunity seen in consecutive rounds is "still open"', () => {
  const k = new KeyRounds(64);
  const opened = (key: number, round: number): boolean => k.swap(key, round) !== round - 1;
  assert.is(opened(3, 1), true, 'new');
  assert.is(opened(3, 2), false, 'still open');
  assert.is(opened(3, 3), false, 'still open');
  assert.is(opened(3, 5), true, 'gone in round 4, opened again in 5');
});

test('keys are whole numbers up to 2^53: large and close keys stay distinct', () => {
  const k = new KeyRounds(64);
  const keys = [0, 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 5, 5, 2 ** 53 - 1, 12_345 * 100_000 + 678];
  keys.forEach((key, i) => assert.is(k.swap(key, i + 1), -1, `key ${key} new`));
  keys.forEach((key, i) => assert.is(k.swap(key, 100), i + 1, `key ${key} kept its round`));
});

test('clear on fill, precisely', () => {
  const k = new KeyRounds(8);
  for (let key = 0; key < 3; key++) k.swap(key, 1);
  assert.is(k.swap(0, 2), 1, '3 of 8 used: still remembered');
  k.swap(3, 1); // 4 of 8 used
  assert.is(k.swap(1, 2), 1, 'a key already present is found even when the table is half full');
  assert.is(k.swap(4, 2), -1, 'a new key past half full clears the table first');
  assert.is(k.swap(4, 3), 2, 'and is stored again');
  assert.is(k.swap(0, 3), -1, 'everything else was forgotten');
  k.clear();
  assert.is(k.swap(1, 4), -1, 'clear() forgets');
});

test('against a Map on a long random sequence with colliding probes', () => {
  const k = new KeyRounds(1 << 12); // holds up to 2047 keys before it clears
  const ref = new Map<number, number>();
  let s = 12345;
  const rnd = (): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s; };
  for (let round = 1; round <= 20_000; round++) {
    const key = (rnd() % 1500) * 4093 + (round % 3) * 2 ** 33; // 4 500 distinct keys at most, some > 2^32
    if (!ref.has(key) && ref.size * 2 >= 1 << 12) ref.clear(); // the table's rule: a new key past half full clears it
    const expected = ref.get(key) ?? -1;
    ref.set(key, round);
    const got = k.swap(key, round);
    if (got !== expected) assert.is(got, expected, `round ${round}, key ${key}`);
  }
});

test.run();
