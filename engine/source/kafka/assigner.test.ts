// Shard assignment: balanced (counts differ by at most one), sticky (a member keeps what it holds
// when it can), deterministic; global scope: one owner, the one already holding the partitions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assignShards, pickOwner } from './assigner.ts';

const m = (memberId: string, held: number[] = []): { memberId: string; held: number[] } => ({ memberId, held });

test('fresh group: every shard once, counts differ by at most one', () => {
  const plan = assignShards([0, 1, 2, 3, 4], [m('a'), m('b')]);
  const all = [...plan.values()].flat().sort((x, y) => x - y);
  assert.equal(all, [0, 1, 2, 3, 4]);
  const sizes = [...plan.values()].map((l) => l.length).sort();
  assert.equal(sizes, [2, 3]);
});

test('a member that survives keeps its shards and takes the dead one\'s', () => {
  const plan = assignShards([0, 1, 2, 3], [m('b', [1, 3])]);
  assert.equal(plan.get('b'), [0, 1, 2, 3]);
});

test('a member that joins takes shards from the one holding all, which keeps the rest', () => {
  const plan = assignShards([0, 1, 2, 3], [m('a', [0, 1, 2, 3]), m('b')]);
  assert.is(plan.get('a')!.length, 2);
  assert.is(plan.get('b')!.length, 2);
  for (const s of plan.get('a')!) assert.ok([0, 1, 2, 3].includes(s));
  assert.equal([...plan.get('a')!, ...plan.get('b')!].sort(), [0, 1, 2, 3]);
});

test('held shards that no longer exist, or that two members claim, are given once', () => {
  const plan = assignShards([0, 1], [m('a', [0, 7]), m('b', [0])]);
  assert.equal(plan.get('a'), [0]);
  assert.equal(plan.get('b'), [1]);
});

test('no shards: every member gets an empty list; no members: nothing', () => {
  assert.equal([...assignShards([], [m('a')])], [['a', []]]);
  assert.equal([...assignShards([1, 2], [])], []);
});

test('global scope: the member holding the partitions stays the owner, else the first by id', () => {
  assert.is(pickOwner([m('a'), m('b', [0, 1])]), 'b');
  assert.is(pickOwner([m('a'), m('b')]), 'a');
  assert.is(pickOwner([]), null);
});

test.run();
