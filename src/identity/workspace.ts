import type {
  CannotLink,
  ConflictRecord,
  FragmentRecord,
  HistoryEntry,
  IdentifierRecord,
  IdentityChanges,
  IdentityStore,
  ProfileRecord,
} from '../store/index.js';

/**
 * One batch's view of the identity store: reads go through a cache, writes
 * stay here until `changes()` hands them to `IdentityStore.commit` together
 * with the checkpoint. Only the unify stage writes, one batch at a time, so
 * what is cached stays true for the batch.
 */
export class IdentityWorkspace {
  readonly #store: IdentityStore;
  readonly #identifiers = new Map<string, IdentifierRecord | null>();
  readonly #fragments = new Map<string, FragmentRecord | null>();
  readonly #profiles = new Map<string, ProfileRecord | null>();
  /** Profiles as read from the store, before this batch changed them. */
  readonly #storedProfiles = new Map<string, ProfileRecord>();
  readonly #dirtyIdentifiers = new Set<string>();
  readonly #dirtyFragments = new Set<string>();
  readonly #dirtyProfiles = new Set<string>();
  /** Dirty identifiers by the profile they name, and dirty profiles by the one they are merged into. */
  readonly #dirtyIdentifiersByProfile = new DirtyGroups();
  readonly #dirtyProfilesBySurvivor = new DirtyGroups();
  readonly #history: HistoryEntry[] = [];
  readonly #conflictsReplaced = new Set<string>();
  readonly #conflictsAdded: ConflictRecord[] = [];
  readonly #cannotLinks: CannotLink[] = [];

  constructor(store: IdentityStore) {
    this.#store = store;
  }

  get store(): IdentityStore {
    return this.#store;
  }

  /** Loads the given identifiers and fragments in bulk, so the per-message work hits the cache. */
  async prefetch(identifierKeys: readonly string[], fragmentKeys: readonly string[]): Promise<void> {
    const missingIds = identifierKeys.filter((k) => !this.#identifiers.has(k));
    const missingFragments = fragmentKeys.filter((k) => !this.#fragments.has(k));
    const [ids, fragments] = await Promise.all([this.#store.identifiers(missingIds), this.#store.fragments(missingFragments)]);
    for (const key of missingIds) this.#identifiers.set(key, ids.get(key) ?? null);
    for (const key of missingFragments) this.#fragments.set(key, fragments.get(key) ?? null);
    const profileIds = new Set([...ids.values()].map((r) => r.profileId));
    for (const fragment of fragments.values()) profileIds.add(fragment.homeProfileId);
    await this.#loadProfiles([...profileIds]);
  }

  /** Loads the given profiles (and those they were merged into) in bulk. */
  prefetchProfiles(ids: readonly string[]): Promise<void> {
    return this.#loadProfiles(ids.filter((id) => !this.#profiles.has(id)));
  }

  async identifier(key: string): Promise<IdentifierRecord | undefined> {
    if (!this.#identifiers.has(key)) this.#identifiers.set(key, (await this.#store.identifiers([key])).get(key) ?? null);
    return this.#identifiers.get(key) ?? undefined;
  }

  async fragment(key: string): Promise<FragmentRecord | undefined> {
    if (!this.#fragments.has(key)) this.#fragments.set(key, (await this.#store.fragments([key])).get(key) ?? null);
    return this.#fragments.get(key) ?? undefined;
  }

  /** The profile as stored, possibly merged into another. */
  async profile(id: string): Promise<ProfileRecord | undefined> {
    if (!this.#profiles.has(id)) await this.#loadProfiles([id]);
    return this.#profiles.get(id) ?? undefined;
  }

  /** The profile as the store held it before this batch; undefined when the batch created it (or never read it). */
  storedProfile(id: string): ProfileRecord | undefined {
    return this.#storedProfiles.get(id);
  }

  /** The live profile an id stands for: itself, or the profile it was merged into. */
  async liveProfile(id: string): Promise<ProfileRecord> {
    const profile = await this.profile(id);
    if (profile === undefined) throw new Error(`identity graph inconsistency: profile ${id} is referenced but missing`);
    if (profile.mergedInto === null) return profile;
    return this.liveProfile(profile.mergedInto);
  }

  /** The live profile of an identifier, if it is linked. */
  async profileOf(identifierKey: string): Promise<ProfileRecord | undefined> {
    const record = await this.identifier(identifierKey);
    return record === undefined ? undefined : this.liveProfile(record.profileId);
  }

  setIdentifier(record: IdentifierRecord): void {
    this.#identifiers.set(record.key, record);
    this.#dirtyIdentifiers.add(record.key);
    this.#dirtyIdentifiersByProfile.set(record.key, record.profileId);
  }

  setFragment(record: FragmentRecord): void {
    this.#fragments.set(record.key, record);
    this.#dirtyFragments.add(record.key);
  }

  setProfile(record: ProfileRecord): void {
    this.#profiles.set(record.id, record);
    this.#dirtyProfiles.add(record.id);
    this.#dirtyProfilesBySurvivor.set(record.id, record.mergedInto);
  }

  /**
   * Treats these fragments as gone for the rest of the batch (they are being
   * erased, see IdentityChanges.erasure): `fragment` and `fragmentsOf` no
   * longer return them, and `changes()` does not write them back.
   */
  forgetFragments(keys: readonly string[]): void {
    for (const key of keys) {
      this.#fragments.set(key, null);
      this.#dirtyFragments.delete(key);
    }
  }

  addHistory(entry: HistoryEntry): void {
    this.#history.push(entry);
  }

  /** Drops every conflict touching `profileIds` (stored or added earlier in the batch), then records `conflicts`. */
  replaceConflicts(profileIds: readonly string[], conflicts: readonly ConflictRecord[]): void {
    const replaced = new Set(profileIds);
    for (const id of replaced) this.#conflictsReplaced.add(id);
    const kept = this.#conflictsAdded.filter((c) => !replaced.has(c.profileId) && !replaced.has(c.otherProfileId));
    this.#conflictsAdded.splice(0, this.#conflictsAdded.length, ...kept, ...conflicts);
  }

  addConflict(conflict: ConflictRecord): void {
    this.#conflictsAdded.push(conflict);
  }

  addCannotLinks(links: readonly CannotLink[]): void {
    this.#cannotLinks.push(...links);
  }

  /** Ids of the profiles merged into `survivorId`, stored or merged in this batch. */
  async mergedIntoIds(survivorId: string): Promise<string[]> {
    const ids = new Set<string>();
    for (const id of await this.#store.mergedInto(survivorId)) {
      if (!this.#dirtyProfiles.has(id) || this.#profiles.get(id)?.mergedInto === survivorId) ids.add(id);
    }
    for (const id of this.#dirtyProfilesBySurvivor.of([survivorId])) ids.add(id);
    return [...ids];
  }

  /**
   * Merges `merged` into `survivorId`; profiles merged into it before now point
   * at the survivor too, so a merged id is always one step from its survivor.
   */
  async mergeProfile(merged: ProfileRecord, survivorId: string, now: number): Promise<void> {
    for (const earlier of await this.mergedIntoIds(merged.id)) {
      const record = await this.profile(earlier);
      if (record) this.setProfile({ ...record, mergedInto: survivorId, updatedAt: now });
    }
    this.setProfile({ ...merged, mergedInto: survivorId, updatedAt: now });
  }

  /** Identifier keys of a live profile (and of those merged into it), as this batch sees them. */
  async identifiersOf(profileId: string): Promise<string[]> {
    const ids = [profileId, ...(await this.mergedIntoIds(profileId))];
    const stored = (await Promise.all(ids.map((id) => this.#store.identifiersOf(id)))).flat();
    for (const record of stored) if (!this.#identifiers.has(record.key)) this.#identifiers.set(record.key, record);
    const keys = new Set<string>();
    // A merged id is one step from its survivor (see mergeProfile), so only identifiers naming one of `ids` can be here.
    for (const key of [...stored.map((r) => r.key), ...this.#dirtyIdentifiersByProfile.of(ids)]) {
      const record = this.#identifiers.get(key);
      if (record && (await this.liveProfile(record.profileId)).id === profileId) keys.add(key);
    }
    return [...keys];
  }

  /** Fragments homed in a live profile (or in profiles merged into it), as this batch sees them. */
  async fragmentsOf(profileId: string): Promise<FragmentRecord[]> {
    const ids = [profileId, ...(await this.mergedIntoIds(profileId))];
    const stored = (await Promise.all(ids.map((id) => this.#store.fragmentsOf(id)))).flat();
    for (const record of stored) if (!this.#fragments.has(record.key)) this.#fragments.set(record.key, record);
    const result = new Map<string, FragmentRecord>();
    for (const key of [...stored.map((f) => f.key), ...this.#dirtyFragments]) {
      const record = this.#fragments.get(key);
      if (record && (await this.liveProfile(record.homeProfileId)).id === profileId) result.set(key, record);
    }
    return [...result.values()];
  }

  /** Fragments containing each identifier: stored ones plus those new in this batch. */
  async fragmentsContaining(identifierKeys: readonly string[]): Promise<Map<string, string[]>> {
    const stored = await this.#store.fragmentsContaining(identifierKeys);
    const wanted = new Set(identifierKeys);
    for (const key of this.#dirtyFragments) {
      for (const id of this.#fragments.get(key)?.identifiers ?? []) {
        if (!wanted.has(id)) continue;
        const list = stored.get(id) ?? [];
        if (!list.includes(key)) list.push(key);
        stored.set(id, list);
      }
    }
    return stored;
  }

  async cannotLinks(identifierKeys: readonly string[]): Promise<CannotLink[]> {
    const wanted = new Set(identifierKeys);
    const added = this.#cannotLinks.filter((l) => wanted.has(l.a) || wanted.has(l.b));
    return [...(await this.#store.cannotLinks(identifierKeys)), ...added];
  }

  /** Conflicts touching a profile, stored and new. */
  async conflictsOf(profileId: string): Promise<ConflictRecord[]> {
    const stored = this.#conflictsReplaced.has(profileId) ? [] : await this.#store.conflictsOf(profileId);
    return [...stored, ...this.#conflictsAdded.filter((c) => c.profileId === profileId || c.otherProfileId === profileId)];
  }

  changes(): IdentityChanges {
    const pick = <T>(keys: Set<string>, map: Map<string, T | null>): T[] =>
      [...keys].map((k) => map.get(k)).filter((r): r is T => r !== null && r !== undefined);
    return {
      identifiers: pick(this.#dirtyIdentifiers, this.#identifiers),
      fragments: pick(this.#dirtyFragments, this.#fragments),
      profiles: pick(this.#dirtyProfiles, this.#profiles),
      history: this.#history,
      conflicts: { replaceFor: [...this.#conflictsReplaced], add: this.#conflictsAdded },
      cannotLinks: this.#cannotLinks,
    };
  }

  async #loadProfiles(ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !this.#profiles.has(id));
    if (missing.length === 0) return;
    const loaded = await this.#store.profiles(missing);
    for (const id of missing) this.#profiles.set(id, loaded.get(id) ?? null);
    for (const [id, record] of loaded) this.#storedProfiles.set(id, record);
    const survivors = [...loaded.values()].map((p) => p.mergedInto).filter((id): id is string => id !== null);
    await this.#loadProfiles(survivors);
  }
}

/**
 * The keys of dirty records grouped by one of their fields (the profile an
 * identifier names, the profile a profile is merged into), so that finding one
 * profile's share of a batch costs that share, not a scan of the whole batch:
 * merges look it up for every message that merges. Keys come back in the order
 * they first became dirty, the order a scan of the dirty set gives.
 */
class DirtyGroups {
  readonly #members = new Map<string, Set<string>>();
  readonly #groupOf = new Map<string, string | null>();
  readonly #order = new Map<string, number>();

  /** `key` is dirty and now belongs to `group` (to none when null). */
  set(key: string, group: string | null): void {
    if (!this.#order.has(key)) this.#order.set(key, this.#order.size);
    const previous = this.#groupOf.get(key);
    if (previous === group) return;
    if (previous !== undefined && previous !== null) this.#members.get(previous)?.delete(key);
    if (group !== null) {
      const members = this.#members.get(group) ?? new Set<string>();
      this.#members.set(group, members.add(key));
    }
    this.#groupOf.set(key, group);
  }

  /** The keys belonging to any of `groups`, in the order they became dirty. */
  of(groups: readonly string[]): string[] {
    const keys = groups.flatMap((group) => [...(this.#members.get(group) ?? [])]);
    return keys.length < 2 ? keys : keys.sort((a, b) => (this.#order.get(a) ?? 0) - (this.#order.get(b) ?? 0));
  }
}
