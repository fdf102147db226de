// Topic names and shards: the patterns the engine subscribes to, and the shard of an event (what the
// producer keys by) agreeing with the shard of its instrument (what a shard lane's universe holds).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Partitioners } from 'kafkajs';
import { kDefaultFixture } from '../../options.ts';
import { InstrumentRegistry } from '../../../protocol/registry.ts';
import { decodeEvent } from '../codec.ts';
import { deadLetterTopic, matchesFamilies, shardKeyOfEvent, shardKeyOfMeta, shardOf, topicPatterns } from './topics.ts';
import { fixtureLines, shardRegistry } from './universe.ts';
import { Tape } from '../../../protocol/tape.ts';

test('the four families, with and without a prefix; the prefix is taken literally', () => {
  assert.is(topicPatterns('').length, 4);
  for (const t of ['market.prices.binance', 'market.yields.aave', 'market.liquidations.aave', 'market.governance.curve']) {
    assert.ok(matchesFamilies(t, ''), t);
    assert.not.ok(matchesFamilies(t, 'x.'), `${t} without the prefix`);
    assert.ok(matchesFamilies(`x.${t}`, 'x.'), `x.${t}`);
  }
  assert.not.ok(matchesFamilies('market.prices.', ''), 'a family needs a name after it');
  assert.not.ok(matchesFamilies('market.deadletter', ''));
  assert.not.ok(matchesFamilies('xmarket.prices.a', '.'), 'the dot of a prefix is not a wildcard');
  assert.is(deadLetterTopic('t1.'), 't1.market.deadletter');
});

test('shard keys: base asset for books (wrapped tokens as their asset), the non-stable token for pools, protocol otherwise', () => {
  assert.is(shardKeyOfEvent({ type: 'price_update', data: { base: 'ETH', quote: 'USDT' } }), 'asset:ETH');
  assert.is(shardKeyOfEvent({ type: 'major_price_movement', data: { base: 'WBTC' } }), 'asset:BTC');
  assert.is(shardKeyOfEvent({ type: 'pool_update', data: { token0: 'USDC', token1: 'WETH' } }), 'asset:ETH');
  assert.is(shardKeyOfEvent({ type: 'pool_update', data: { token0: 'USDC', token1: 'DAI' } }), 'asset:USD');
  assert.is(shardKeyOfEvent({ type: 'yield_update', data: { protocol: 'aave' } }), 'protocol:aave');
  assert.is(shardKeyOfEvent({ type: 'liquidation', data: { protocol: 'aave' } }), 'protocol:aave');
  assert.is(shardKeyOfEvent({ type: 'price_update', data: {} }), null);
  assert.is(shardKeyOfEvent('x'), null);
});

test('shardOf is Kafka\'s default partitioner of the key, stable and in range', () => {
  const p = Partitioners.DefaultPartitioner();
  const meta = Array.from({ length: 6 }, (_, i) => ({ partitionId: i, leader: 0 }));
  for (const key of ['asset:ETH', 'asset:BTC', 'protocol:aave', 'protocol:curve']) {
    const s = shardOf(key, 6);
    assert.ok(s >= 0 && s < 6);
    assert.is(s, shardOf(key, 6));
    assert.is(s, p({ topic: 'any', partitionMetadata: meta as never, message: { key, value: null } }));
  }
});

test('every event of the default fixture lands in the shard whose universe holds its instrument', async () => {
  const universe = new InstrumentRegistry();
  const tape = new Tape(1);
  const events: { key: string; shardKey: string }[] = [];
  let n = 0;
  for await (const line of fixtureLines(kDefaultFixture)) {
    if (++n > 20_000) break;
    const ev = JSON.parse(line) as unknown;
    tape.reset();
    assert.is(decodeEvent(ev, universe, tape, n), null);
    const slot = tape.slot(0);
    events.push({ key: universe.meta(slot).key, shardKey: shardKeyOfEvent(ev)! });
  }
  universe.freeze();
  const partitions = 4;
  const shards = Array.from({ length: partitions }, (_, s) => shardRegistry(universe, s, partitions));
  assert.is(shards.reduce((a, r) => a + r.size, 0), universe.size, 'each instrument in exactly one shard');
  for (const e of events) {
    const s = shardOf(e.shardKey, partitions);
    assert.ok(shards[s]!.slotOf(e.key) >= 0, `${e.key} (${e.shardKey}) in shard ${s}`);
    assert.is(shardKeyOfMeta(universe.meta(universe.slotOf(e.key))), e.shardKey);
  }
  assert.ok(shards.filter((r) => r.size > 0).length >= 3, 'the default universe spreads over the shards');
});

test.run();
