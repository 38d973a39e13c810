import { createHash } from 'node:crypto';
import type { MatchEdge } from '../contracts/tracking.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { Claim, ConflictRecord, FragmentRecord, HistoryCause, ProfileRecord } from '../store/index.js';
import { compareClaims, laterClaim } from './claim.js';
import { identifierKey, type Identifier } from './identifier.js';
import { keyComparator, type IdentityRules } from './identifiers.js';
import { addCounts, brokenLimit, countTypes } from './limits.js';
import { partition, type PartitionFragment } from './partition.js';
import type { IdentityWorkspace } from './workspace.js';

/** What resolving one message did to the graph; the profiles stage updates golden records from it. */
export interface Resolution {
  readonly fragmentKey: string;
  readonly homeProfileId: string;
  /** Profiles merged away in the fast path: their states fold into the survivor's. */
  readonly merges: readonly { readonly survivorId: string; readonly mergedId: string }[];
  /** Profiles re-decided from their fragments: their states are rebuilt from the fragments' states. */
  readonly rebuilt: readonly string[];
}

export interface MessageRef {
  readonly messageId: string;
  readonly sourceId: string;
  readonly timestamp: string;
  /** Set on a "Profiles Matched" message: the merges it causes are recorded as match edges with their score. */
  readonly match?: MatchEdge;
}

export interface ResolverOptions {
  readonly limitOf: (type: string) => number | null;
  /** Orders identifier keys highest priority first (see compareByPriority). */
  readonly compareKeys: (a: string, b: string) => number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Largest component (in fragments) re-decided exactly; larger ones fall back to arrival order. */
  readonly maxComponentFragments?: number;
}

const emptyJson = {};

/** The key of a set of identifiers: the same set always gives the same key. */
export function fragmentKeyOf(identifiers: readonly Identifier[]): string {
  const keys = identifiers.map(identifierKey).sort();
  return createHash('sha256').update(keys.join('\n')).digest('base64url').slice(0, 22);
}

/**
 * Places each message's identifiers in the graph. The outcome is a pure
 * function of the set of messages (see partition.ts): a message that arrives
 * in event-time order is decided incrementally, exactly as the partition
 * would; one that arrives earlier than what it touches makes its connected
 * component be re-decided from all its fragments.
 */
export class IdentityResolver {
  readonly #options: ResolverOptions;
  readonly #maxComponent: number;

  constructor(options: ResolverOptions) {
    this.#options = options;
    this.#maxComponent = options.maxComponentFragments ?? 5_000;
  }

  /** A resolver under configured rules: their limits, and their priority order of identifiers. */
  static forRules(rules: IdentityRules, clock: Clock, logger: Logger): IdentityResolver {
    return new IdentityResolver({ limitOf: (type) => rules.rule(type).limit, compareKeys: keyComparator(rules), clock, logger });
  }

  /** `identifiers` must be sorted highest priority first and non-empty. */
  async resolve(ws: IdentityWorkspace, identifiers: readonly Identifier[], message: MessageRef): Promise<Resolution> {
    const keys = identifiers.map(identifierKey);
    const key = fragmentKeyOf(identifiers);
    const claim: Claim = { timestamp: message.timestamp, messageId: message.messageId };
    const existing = await ws.fragment(key);
    if (existing !== undefined) return this.#revisit(ws, existing, claim, message);

    const owners = await this.#owners(ws, keys);
    ws.setFragment({ key, identifiers: keys, claim, homeProfileId: owners[0]?.id ?? '', state: emptyJson });
    if (owners.some((p) => p.constrained)) return this.#redecide(ws, keys, key, message);
    // Arriving after everything it touches, the fragment is simply the next step of the order.
    // Arriving earlier changes nothing unless something is (or would be) refused: then re-decide.
    const outOfOrder = owners.some((p) => compareClaims(claim, p.maxClaim) < 0);
    if (outOfOrder && (owners.some((p) => p.conflicted) || this.#wouldRefuse(owners, keys, await this.#unowned(ws, keys)))) {
      return this.#redecide(ws, keys, key, message);
    }
    return this.#link(ws, keys, key, claim, message);
  }

  /** A message whose identifier set was seen before: the graph only changes if it is now the earliest. */
  async #revisit(ws: IdentityWorkspace, fragment: FragmentRecord, claim: Claim, message: MessageRef): Promise<Resolution> {
    const home = await ws.liveProfile(fragment.homeProfileId);
    if (compareClaims(claim, fragment.claim) >= 0) {
      return { fragmentKey: fragment.key, homeProfileId: home.id, merges: [], rebuilt: [] };
    }
    ws.setFragment({ ...fragment, claim });
    if (home.conflicted || home.constrained) return this.#redecide(ws, fragment.identifiers, fragment.key, message);
    return { fragmentKey: fragment.key, homeProfileId: home.id, merges: [], rebuilt: [] };
  }

  /** The incremental step: the same decisions `partition` makes for one more fragment at the end of the order. */
  async #link(ws: IdentityWorkspace, keys: readonly string[], fragmentKey: string, claim: Claim, message: MessageRef): Promise<Resolution> {
    const [anchor, ...rest] = keys;
    if (anchor === undefined) throw new Error('a fragment needs at least one identifier');
    const now = this.#options.clock.now();
    let home = (await ws.profileOf(anchor)) ?? this.#newProfile(ws, anchor, claim, now);
    const merges: { survivorId: string; mergedId: string }[] = [];

    for (const key of rest) {
      const other = await ws.profileOf(key);
      if (other?.id === home.id) continue;
      const counts = addCounts(home.identifierCounts, other?.identifierCounts ?? countTypes([key]));
      const broken = brokenLimit(counts, this.#options.limitOf);
      if (broken !== undefined) {
        const refused = other ?? this.#newProfile(ws, key, claim, now);
        this.#refuse(ws, home, refused, { anchor, identifier: key, reason: `limit:${broken}`, fragmentKey, claim }, now);
        home = (await ws.profile(home.id)) ?? home;
        continue;
      }
      if (other === undefined) {
        ws.setIdentifier({ key, profileId: home.id, createdAt: now });
        home = this.#update(ws, home, { identifierCounts: counts }, now);
        continue;
      }
      const [survivor, merged] = older(home, other);
      await ws.mergeProfile(merged, survivor.id, now);
      home = this.#update(
        ws,
        survivor,
        {
          identifierCounts: counts,
          maxClaim: laterClaim(survivor.maxClaim, merged.maxClaim),
          conflicted: survivor.conflicted || merged.conflicted,
          createdAt: Math.min(survivor.createdAt, merged.createdAt),
        },
        now,
      );
      merges.push({ survivorId: survivor.id, mergedId: merged.id });
      ws.addHistory({
        kind: 'merge',
        profileId: survivor.id,
        otherProfileId: merged.id,
        identifiers: await ws.identifiersOf(survivor.id),
        at: now,
        cause: message.match
          ? { kind: 'match', messageId: message.messageId, sourceId: message.sourceId, identifier: key, pairId: message.match.pairId, probability: message.match.probability }
          : { kind: 'message', messageId: message.messageId, sourceId: message.sourceId, identifier: key },
      });
    }
    home = this.#update(ws, home, { maxClaim: laterClaim(home.maxClaim, claim) }, now);
    const fragment = await ws.fragment(fragmentKey);
    if (fragment) ws.setFragment({ ...fragment, homeProfileId: home.id });
    return { fragmentKey, homeProfileId: home.id, merges, rebuilt: [] };
  }

  #newProfile(ws: IdentityWorkspace, identifier: string, claim: Claim, now: number): ProfileRecord {
    const profile: ProfileRecord = {
      id: newId('prf'),
      state: emptyJson,
      identifierCounts: countTypes([identifier]),
      maxClaim: claim,
      constrained: false,
      conflicted: false,
      mergedInto: null,
      createdAt: now,
      updatedAt: now,
    };
    ws.setProfile(profile);
    ws.setIdentifier({ key: identifier, profileId: profile.id, createdAt: now });
    return profile;
  }

  #refuse(
    ws: IdentityWorkspace,
    home: ProfileRecord,
    other: ProfileRecord,
    conflict: Omit<ConflictRecord, 'profileId' | 'otherProfileId'>,
    now: number,
  ): void {
    ws.addConflict({ ...conflict, profileId: home.id, otherProfileId: other.id });
    this.#update(ws, home, { conflicted: true }, now);
    this.#update(ws, other, { conflicted: true }, now);
  }

  #update(ws: IdentityWorkspace, profile: ProfileRecord, change: Partial<ProfileRecord>, now: number): ProfileRecord {
    const next = { ...profile, ...change, updatedAt: now };
    ws.setProfile(next);
    return next;
  }

  #wouldRefuse(owners: readonly ProfileRecord[], keys: readonly string[], unowned: readonly string[]): boolean {
    const counts = owners.reduce((sum, p) => addCounts(sum, p.identifierCounts), countTypes(unowned));
    return keys.length > 0 && brokenLimit(counts, this.#options.limitOf) !== undefined;
  }

  async #unowned(ws: IdentityWorkspace, keys: readonly string[]): Promise<string[]> {
    const unowned: string[] = [];
    for (const key of keys) if ((await ws.identifier(key)) === undefined) unowned.push(key);
    return unowned;
  }

  async #owners(ws: IdentityWorkspace, keys: readonly string[]): Promise<ProfileRecord[]> {
    const owners = new Map<string, ProfileRecord>();
    for (const key of keys) {
      const owner = await ws.profileOf(key);
      if (owner) owners.set(owner.id, owner);
    }
    return [...owners.values()];
  }

  /**
   * Keeps `detached` apart from `kept` from now on (a manual split) and
   * re-decides their component. Returns the profiles whose records changed.
   */
  async split(ws: IdentityWorkspace, kept: readonly string[], detached: readonly string[], requestedBy: string): Promise<string[]> {
    ws.addCannotLinks(detached.flatMap((a) => kept.map((b) => ({ a, b }))));
    if (detached.length > 1) {
      // A manual link holds the detached identifiers together; its empty claim sorts before every message.
      const identifiers = [...detached].sort(this.#options.compareKeys);
      const key = createHash('sha256').update(`manual\n${[...identifiers].sort().join('\n')}`).digest('base64url').slice(0, 22);
      ws.setFragment({ key, identifiers, claim: { timestamp: '', messageId: `split:${requestedBy}` }, homeProfileId: '', state: emptyJson });
    }
    const decided = await this.#decideComponent(ws, [...kept, ...detached], { kind: 'split', requestedBy });
    if (decided === undefined) throw new Error('the profile is part of an identity component too large to split exactly');
    return decided.profiles;
  }

  async #redecide(ws: IdentityWorkspace, seed: readonly string[], fragmentKey: string, message: MessageRef): Promise<Resolution> {
    const decided = await this.#decideComponent(ws, seed, { kind: 'recompute', messageId: message.messageId, sourceId: message.sourceId });
    if (decided === undefined) {
      this.#options.logger.warn({ fragmentKey }, 'identity component too large to re-decide exactly; deciding in arrival order');
      const fragment = await ws.fragment(fragmentKey);
      if (fragment === undefined) throw new Error(`fragment ${fragmentKey} vanished`);
      return this.#link(ws, fragment.identifiers, fragmentKey, fragment.claim, message);
    }
    const home = decided.homeOf(fragmentKey) ?? '';
    return { fragmentKey, homeProfileId: home, merges: [], rebuilt: decided.profiles };
  }

  /**
   * Re-decides the whole connected component around `seed` from its fragments
   * (partition.ts), then maps the resulting groups onto existing profiles so
   * that ids stay stable where people stay the same. Undefined when the
   * component is too large to load.
   */
  async #decideComponent(
    ws: IdentityWorkspace,
    seed: readonly string[],
    cause: HistoryCause,
  ): Promise<{ profiles: string[]; homeOf: (fragmentKey: string) => string | undefined } | undefined> {
    const component = await this.#component(ws, seed);
    if (component === undefined) return undefined;
    const now = this.#options.clock.now();
    const links = await ws.cannotLinks([...component.identifiers.keys()]);
    const forbidden = new Map<string, Set<string>>();
    for (const { a, b } of links) {
      forbidden.set(a, (forbidden.get(a) ?? new Set()).add(b));
      forbidden.set(b, (forbidden.get(b) ?? new Set()).add(a));
    }
    const decided = partition(component.fragments, this.#options.limitOf, forbidden);

    const profileOfGroup = await this.#assignProfiles(ws, decided.groups, component.identifiers, now, cause);
    const groupClaims = new Map<number, Claim>();
    for (const fragment of component.fragments) {
      const group = decided.homeOf.get(fragment.key) ?? 0;
      const stored = await ws.fragment(fragment.key);
      if (stored) ws.setFragment({ ...stored, homeProfileId: profileOfGroup[group] ?? stored.homeProfileId });
      const seen = groupClaims.get(group);
      groupClaims.set(group, seen === undefined ? fragment.claim : laterClaim(seen, fragment.claim));
    }
    const conflicted = new Set<number>();
    const conflicts: ConflictRecord[] = decided.conflicts.map((c) => {
      const home = decided.groupOf.get(c.anchor) ?? 0;
      const other = decided.groupOf.get(c.identifier) ?? 0;
      conflicted.add(home).add(other);
      return { ...c, profileId: profileOfGroup[home] ?? '', otherProfileId: profileOfGroup[other] ?? '' };
    });
    const touched = [...new Set([...component.profiles, ...profileOfGroup])];
    ws.replaceConflicts(touched, conflicts);
    for (const [index, group] of decided.groups.entries()) {
      const id = profileOfGroup[index] ?? '';
      const profile = await ws.profile(id);
      if (profile === undefined) continue;
      for (const key of group) {
        const record = await ws.identifier(key);
        if (record?.profileId !== id) ws.setIdentifier({ key, profileId: id, createdAt: record?.createdAt ?? now });
      }
      this.#update(
        ws,
        profile,
        {
          identifierCounts: countTypes(group),
          maxClaim: groupClaims.get(index) ?? profile.maxClaim,
          conflicted: conflicted.has(index),
          constrained: group.some((key) => forbidden.has(key)),
          mergedInto: null,
        },
        now,
      );
    }
    return {
      profiles: profileOfGroup,
      homeOf: (fragmentKey) => {
        const group = decided.homeOf.get(fragmentKey);
        return group === undefined ? undefined : profileOfGroup[group];
      },
    };
  }

  /** Every fragment and identifier connected to `seed`, or undefined when the component is too large. */
  async #component(
    ws: IdentityWorkspace,
    seed: readonly string[],
  ): Promise<{ fragments: PartitionFragment[]; identifiers: Map<string, string>; profiles: string[] } | undefined> {
    const identifiers = new Map<string, string>();
    const fragments = new Map<string, PartitionFragment>();
    let frontier = [...seed];
    while (frontier.length > 0) {
      for (const key of frontier) identifiers.set(key, (await ws.profileOf(key))?.id ?? '');
      const containing = await ws.fragmentsContaining(frontier);
      const next = new Set<string>();
      for (const fragmentKey of new Set([...containing.values()].flat())) {
        if (fragments.has(fragmentKey)) continue;
        const fragment = await ws.fragment(fragmentKey);
        if (fragment === undefined) continue;
        fragments.set(fragmentKey, { key: fragment.key, identifiers: fragment.identifiers, claim: fragment.claim });
        for (const key of fragment.identifiers) if (!identifiers.has(key)) next.add(key);
      }
      if (fragments.size > this.#maxComponent) return undefined;
      frontier = [...next];
    }
    const profiles = [...new Set(identifiers.values())].filter((id) => id !== '');
    return { fragments: [...fragments.values()], identifiers, profiles };
  }

  /**
   * Gives each group a profile id: existing profiles keep the group holding
   * most of their identifiers (older profiles choose first; on a tie, the
   * group holding their highest-priority identifier, so that a person keeps
   * their id when a contested email moves away); groups left over
   * get new profiles; profiles left over are merged into the group that took
   * most of their identifiers. Records the merges and splits this implies.
   */
  async #assignProfiles(
    ws: IdentityWorkspace,
    groups: readonly (readonly string[])[],
    currentProfileOf: ReadonlyMap<string, string>,
    now: number,
    cause: HistoryCause,
  ): Promise<string[]> {
    const overlap = new Map<string, Map<number, number>>();
    groups.forEach((group, index) => {
      for (const key of group) {
        const profileId = currentProfileOf.get(key) ?? '';
        if (profileId === '') continue;
        const byGroup = overlap.get(profileId) ?? new Map<number, number>();
        byGroup.set(index, (byGroup.get(index) ?? 0) + 1);
        overlap.set(profileId, byGroup);
      }
    });
    const bestKeyIn = (profileId: string, group: number): string =>
      (groups[group] ?? []).filter((key) => currentProfileOf.get(key) === profileId).sort(this.#options.compareKeys)[0] ?? '';
    /** The groups a profile overlaps, the one it should keep first. */
    const ranked = (profileId: string): number[] =>
      [...(overlap.get(profileId) ?? new Map<number, number>()).entries()]
        .sort((x, y) => y[1] - x[1] || this.#options.compareKeys(bestKeyIn(profileId, x[0]), bestKeyIn(profileId, y[0])) || x[0] - y[0])
        .map(([group]) => group);
    const existing = (await Promise.all([...overlap.keys()].map((id) => ws.liveProfile(id)))).sort(
      (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1),
    );
    const assigned: (string | undefined)[] = groups.map(() => undefined);
    const leftover: ProfileRecord[] = [];
    for (const profile of existing) {
      const free = ranked(profile.id).find((group) => assigned[group] === undefined);
      if (free === undefined) leftover.push(profile);
      else assigned[free] = profile.id;
    }
    const ids = groups.map((group, index) => {
      const id = assigned[index];
      if (id !== undefined) return id;
      const created = this.#newProfile(ws, group[0] ?? '', { timestamp: '', messageId: '' }, now);
      return created.id;
    });
    for (const profile of leftover) {
      const [bestGroup = 0] = ranked(profile.id);
      const survivorId = ids[bestGroup] ?? '';
      await ws.mergeProfile(profile, survivorId, now);
      ws.addHistory({ kind: 'merge', profileId: survivorId, otherProfileId: profile.id, identifiers: [...(groups[bestGroup] ?? [])], at: now, cause });
    }
    for (const [profileId, byGroup] of overlap) {
      const keptGroup = ids.indexOf(profileId);
      for (const [group] of byGroup) {
        if (group === keptGroup || keptGroup === -1) continue;
        const moved = (groups[group] ?? []).filter((key) => currentProfileOf.get(key) === profileId);
        ws.addHistory({ kind: 'split', profileId, otherProfileId: ids[group] ?? '', identifiers: moved, at: now, cause });
      }
    }
    return ids;
  }
}

/** The older profile survives a merge, so the id a CRM already holds keeps working as the main one. */
function older(a: ProfileRecord, b: ProfileRecord): [ProfileRecord, ProfileRecord] {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id) ? [a, b] : [b, a];
}
