// How the consumer group splits the topics, by lane scope:
//  - shard: partition number p of every subscribed topic is one shard, and a shard goes to one
//    member whole (co-partitioning), so the inputs of an opportunity meet in one process. Balanced
//    (member shard counts differ by at most one) and sticky: a member keeps the shards it holds
//    (it tells the leader in its subscription's user data), so a rebalance moves only what it must
//    and only moved shards are rebuilt.
//  - global: every partition goes to one member (the one already holding them, else the first by
//    member id); the others stand by and take over when it leaves. One pipeline sees the whole
//    stream, as a file replay does.
import { AssignerProtocol } from 'kafkajs';
import type { Assigner, Cluster, GroupMember, GroupMemberAssignment, PartitionAssigner } from 'kafkajs';

export type LaneScope = 'global' | 'shard';
const kVersion = 1;

export interface AssignerHooks {
  /** The shard numbers (shard scope) or partitions (global) this member holds now. */
  held: () => number[];
}

interface MemberInfo { memberId: string; held: number[] }

function decodeMembers(members: GroupMember[]): MemberInfo[] {
  return members.map(({ memberId, memberMetadata }) => {
    let held: number[] = [];
    try {
      const meta = AssignerProtocol.MemberMetadata.decode(memberMetadata);
      if (meta && meta.userData && meta.userData.length > 0) {
        const parsed = JSON.parse(meta.userData.toString('utf8')) as { held?: unknown };
        if (Array.isArray(parsed.held)) held = parsed.held.filter((x): x is number => Number.isInteger(x));
      }
    } catch {
      held = [];
    }
    return { memberId, held };
  }).sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

/**
 * Balanced, sticky assignment of `shards` to `members` (sorted by id): pure, for tests.
 * Returns member id → shards (sorted).
 */
export function assignShards(shards: number[], members: MemberInfo[]): Map<string, number[]> {
  const out = new Map<string, number[]>(members.map((m) => [m.memberId, []]));
  if (members.length === 0) return out;
  const all = [...new Set(shards)].sort((a, b) => a - b);
  const base = Math.floor(all.length / members.length);
  let extra = all.length % members.length;
  // Members holding the most get the extra places first, so fewer shards move.
  const byHeld = [...members].sort((a, b) => b.held.length - a.held.length || (a.memberId < b.memberId ? -1 : 1));
  const cap = new Map<string, number>();
  for (const m of byHeld) cap.set(m.memberId, base + (extra-- > 0 ? 1 : 0));
  const taken = new Set<number>();
  const exists = new Set(all);
  for (const m of members) {
    const mine = out.get(m.memberId)!;
    for (const s of [...m.held].sort((a, b) => a - b)) {
      if (mine.length >= cap.get(m.memberId)! || taken.has(s) || !exists.has(s)) continue;
      mine.push(s);
      taken.add(s);
    }
  }
  for (const s of all) {
    if (taken.has(s)) continue;
    let best: MemberInfo | null = null;
    for (const m of members) {
      const room = cap.get(m.memberId)! - out.get(m.memberId)!.length;
      if (room > 0 && (best === null || out.get(m.memberId)!.length < out.get(best.memberId)!.length)) best = m;
    }
    out.get(best!.memberId)!.push(s);
    taken.add(s);
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/** The member that takes every partition in global scope: the one holding the most, else the first. */
export function pickOwner(members: MemberInfo[]): string | null {
  let best: MemberInfo | null = null;
  for (const m of members) if (best === null || m.held.length > best.held.length) best = m;
  return best?.memberId ?? null;
}

function encode(version: number, assignment: Record<string, number[]>): Buffer {
  return AssignerProtocol.MemberAssignment.encode({ version, assignment, userData: Buffer.alloc(0) });
}

export function laneAssigner(scope: LaneScope, hooks: AssignerHooks): PartitionAssigner {
  return ({ cluster }: { cluster: Cluster }): Assigner => ({
    name: scope === 'shard' ? 'LucentShardAssigner' : 'LucentSingleOwnerAssigner',
    version: kVersion,
    async assign({ members, topics }): Promise<GroupMemberAssignment[]> {
      const infos = decodeMembers(members);
      const partitionsOf = new Map<string, number[]>();
      for (const t of [...topics].sort()) partitionsOf.set(t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId).sort((a, b) => a - b));
      const result = new Map<string, Record<string, number[]>>(infos.map((m) => [m.memberId, {}]));
      if (scope === 'shard') {
        const shards = [...new Set([...partitionsOf.values()].flat())];
        const plan = assignShards(shards, infos);
        for (const [memberId, mine] of plan) {
          const a = result.get(memberId)!;
          const wanted = new Set(mine);
          for (const [t, parts] of partitionsOf) {
            const ps = parts.filter((p) => wanted.has(p));
            if (ps.length > 0) a[t] = ps;
          }
        }
      } else {
        const owner = pickOwner(infos);
        if (owner !== null) {
          const a = result.get(owner)!;
          for (const [t, parts] of partitionsOf) if (parts.length > 0) a[t] = parts;
        }
      }
      return [...result].map(([memberId, a]) => ({ memberId, memberAssignment: encode(kVersion, a) }));
    },
    protocol({ topics }): { name: string; metadata: Buffer } {
      return {
        name: scope === 'shard' ? 'LucentShardAssigner' : 'LucentSingleOwnerAssigner',
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: kVersion, topics, userData: Buffer.from(JSON.stringify({ held: hooks.held() })),
        }),
      };
    },
  });
}
