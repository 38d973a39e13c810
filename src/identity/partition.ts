import type { Claim } from '../store/index.js';
import { compareClaims } from './claim.js';
import { addCounts, brokenLimit, countTypes, type LimitOf } from './limits.js';

export interface PartitionFragment {
  readonly key: string;
  /** Highest priority first: the first one is the anchor the others try to join. */
  readonly identifiers: readonly string[];
  readonly claim: Claim;
}

export interface PartitionConflict {
  readonly fragmentKey: string;
  readonly claim: Claim;
  readonly anchor: string;
  readonly identifier: string;
  readonly reason: string;
}

export interface Partition {
  /** Groups of identifier keys: one per profile. */
  readonly groups: readonly (readonly string[])[];
  /** Group index of each identifier. */
  readonly groupOf: ReadonlyMap<string, number>;
  /** Group index of each fragment (its anchor's group). */
  readonly homeOf: ReadonlyMap<string, number>;
  readonly conflicts: readonly PartitionConflict[];
}

/**
 * Decides which identifiers belong together, as a pure function of the
 * fragments: taken in event-time order, each fragment's identifiers join its
 * anchor's group unless that would break a type limit or a cannot-link
 * constraint; then the link is refused and recorded as a conflict. Because the
 * order is the fragments' own (not arrival), shuffled input gives the same
 * partition.
 */
export function partition(
  fragments: readonly PartitionFragment[],
  limitOf: LimitOf,
  cannotLink: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): Partition {
  const parent = new Map<string, string>();
  const members = new Map<string, string[]>();
  const counts = new Map<string, Record<string, number>>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    // Path compression keeps later finds short.
    for (let node = key; node !== root; ) {
      const next = parent.get(node) ?? root;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const add = (key: string): void => {
    if (parent.has(key)) return;
    parent.set(key, key);
    members.set(key, [key]);
    counts.set(key, countTypes([key]));
  };
  const forbidden = (a: string, b: string): boolean => {
    const [small, otherRoot] = (members.get(a)?.length ?? 0) <= (members.get(b)?.length ?? 0) ? [a, b] : [b, a];
    return (members.get(small) ?? []).some((key) => [...(cannotLink.get(key) ?? [])].some((other) => parent.has(other) && find(other) === otherRoot));
  };

  const conflicts: PartitionConflict[] = [];
  const ordered = [...fragments].sort((x, y) => compareClaims(x.claim, y.claim) || (x.key < y.key ? -1 : 1));
  for (const fragment of ordered) {
    fragment.identifiers.forEach(add);
    const [anchor, ...rest] = fragment.identifiers;
    if (anchor === undefined) continue;
    for (const identifier of rest) {
      const a = find(anchor);
      const b = find(identifier);
      if (a === b) continue;
      const merged = addCounts(counts.get(a) ?? {}, counts.get(b) ?? {});
      const broken = brokenLimit(merged, limitOf);
      const reason = broken !== undefined ? `limit:${broken}` : forbidden(a, b) ? 'cannot_link' : undefined;
      if (reason !== undefined) {
        conflicts.push({ fragmentKey: fragment.key, claim: fragment.claim, anchor, identifier, reason });
        continue;
      }
      // Union by size, keeping the anchor-side root when equal, so roots stay stable.
      const [root, child] = (members.get(a)?.length ?? 0) >= (members.get(b)?.length ?? 0) ? [a, b] : [b, a];
      parent.set(child, root);
      members.set(root, [...(members.get(root) ?? []), ...(members.get(child) ?? [])]);
      members.delete(child);
      counts.set(root, merged);
      counts.delete(child);
    }
  }

  const groupIndex = new Map<string, number>();
  const groups: string[][] = [];
  const groupOf = new Map<string, number>();
  for (const key of parent.keys()) {
    const root = find(key);
    let index = groupIndex.get(root);
    if (index === undefined) {
      index = groups.length;
      groupIndex.set(root, index);
      groups.push([]);
    }
    groups[index]?.push(key);
    groupOf.set(key, index);
  }
  const homeOf = new Map<string, number>();
  for (const fragment of fragments) {
    const anchor = fragment.identifiers[0];
    const group = anchor === undefined ? undefined : groupOf.get(anchor);
    if (group !== undefined) homeOf.set(fragment.key, group);
  }
  return { groups, groupOf, homeOf, conflicts };
}
