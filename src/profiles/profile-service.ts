import type { ConsentUpdate, EventsPage, Profile, ProfileExport, StoredEvent } from '../contracts/index.js';
import { IdentityWorkspace, normalizeIdentifierKey, type IdentityResolver, type IdentityRules } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { TesseraError, invalid, notFound } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Mutex } from '../lib/mutex.js';
import type { EventStore, IdentityStore, ProfileRecord, StoredHistoryEntry, SuppressionStore } from '../store/index.js';
import { addApiContribution, apiConsentContribution } from './consent.js';
import { historyView, profileView, type DerivedTraits } from './profile-view.js';
import { traitLineage, type ProfileRules } from './state.js';
import { indexText, traitValueMatches, type TraitMatch } from './trait-index.js';
import { asState, changesOf, rebuildProfileState } from './unify-projection.js';

export interface ProfileServiceOptions {
  readonly store: IdentityStore;
  readonly events: EventStore;
  readonly resolver: IdentityResolver;
  readonly identityRules: IdentityRules;
  readonly profileRules: ProfileRules;
  readonly lock: Mutex;
  readonly clock: Clock;
  /** The global suppression list, shown on each profile; without it no profile shows as suppressed. */
  readonly suppressions?: Pick<SuppressionStore, 'find'>;
  /** Computed traits, shown with the golden ones. */
  readonly derivedTraits?: DerivedTraits;
  /**
   * Told which live profiles a change made here (consent, a split) touched,
   * once it is committed, so that what follows the profiles (segments) sees
   * it without waiting for the person's next message.
   */
  readonly onChanged?: (profileIds: readonly string[]) => Promise<void>;
}

/** Events per page when an export reads a whole timeline. */
const exportPageSize = 1000;

/**
 * The customer 360 use cases: read a profile however it is known, its
 * timeline and history; repair over-merges; record consent; export all of it.
 */
export class ProfileService {
  readonly #o: ProfileServiceOptions;

  constructor(options: ProfileServiceOptions) {
    this.#o = options;
  }

  /** A profile by id; a merged-away id answers with its survivor. */
  async get(id: string): Promise<Profile> {
    const ws = new IdentityWorkspace(this.#o.store);
    return this.#view(ws, await this.#live(ws, id));
  }

  /** The profile holding `type:value`; the value is normalized as the graph stores it (case, E.164...). */
  async findByIdentifier(key: string): Promise<Profile> {
    const normalized = this.#normalize(key);
    const ws = new IdentityWorkspace(this.#o.store);
    const profile = await ws.profileOf(normalized);
    if (profile === undefined) throw notFound('profile with identifier', normalized);
    return this.#view(ws, profile);
  }

  /** Profiles holding an identifier that starts with `prefix` (e.g. `email:jane`), for support agents. */
  async searchByIdentifierPrefix(prefix: string, limit: number): Promise<Profile[]> {
    const ws = new IdentityWorkspace(this.#o.store);
    const matches = await this.#o.store.searchIdentifiers(prefix.toLowerCase().startsWith('email:') ? prefix.toLowerCase() : prefix, limit * 4);
    const seen = new Map<string, ProfileRecord>();
    for (const match of matches) {
      const profile = await ws.liveProfile(match.profileId);
      if (!seen.has(profile.id)) seen.set(profile.id, profile);
      if (seen.size >= limit) break;
    }
    return Promise.all([...seen.values()].map((p) => this.#view(ws, p)));
  }

  /** Profiles whose golden `trait` equals `value` (strings case-insensitively) or, for `prefix`, is a string starting with it. */
  async searchByTrait(trait: string, value: string, match: TraitMatch, limit: number): Promise<Profile[]> {
    const ws = new IdentityWorkspace(this.#o.store);
    // Twice the limit: an entry the golden record no longer agrees with (rules changed since) is skipped.
    const ids = await this.#o.store.searchTraits({ trait, text: indexText(value), match, limit: limit * 2 });
    const found: Profile[] = [];
    for (const id of ids) {
      const profile = await ws.profile(id);
      if (profile === undefined || profile.mergedInto !== null) continue;
      const view = await this.#view(ws, profile);
      if (traitValueMatches(view.traits[trait]?.value, value, match)) found.push(view);
      if (found.length >= limit) break;
    }
    return found;
  }

  async history(id: string): Promise<StoredHistoryEntry[]> {
    const ws = new IdentityWorkspace(this.#o.store);
    const profile = await this.#live(ws, id);
    const ids = [profile.id, ...(await ws.mergedIntoIds(profile.id))];
    const entries = new Map<number, StoredHistoryEntry>();
    for (const each of ids) for (const entry of await this.#o.store.historyOf(each)) entries.set(entry.id, entry);
    return [...entries.values()].sort((a, b) => a.id - b.id);
  }

  /** The cross-channel timeline, newest first: the events of every fragment the profile holds. */
  async events(id: string, page: { limit?: number | undefined; cursor?: string | undefined }): Promise<EventsPage> {
    const ws = new IdentityWorkspace(this.#o.store);
    const profile = await this.#live(ws, id);
    const fragments = await ws.fragmentsOf(profile.id);
    return this.#o.events.list(
      { ...(page.limit !== undefined && { limit: page.limit }), ...(page.cursor !== undefined && { cursor: page.cursor }) },
      { fragmentKeys: fragments.map((f) => f.key) },
    );
  }

  /**
   * Detaches identifiers into a profile of their own and keeps them apart from
   * now on; both golden records are rebuilt from the fragments' states, which
   * come from the stored messages, so nothing is lost.
   */
  async split(id: string, identifierKeys: readonly string[], requestedBy: string): Promise<{ profile: Profile; detached: Profile }> {
    const detached = [...new Set(identifierKeys.map((k) => this.#normalize(k)))];
    const result = await this.#o.lock.run(async () => {
      const ws = new IdentityWorkspace(this.#o.store);
      const profile = await this.#live(ws, id);
      const held = await ws.identifiersOf(profile.id);
      const foreign = detached.filter((key) => !held.includes(key));
      if (foreign.length > 0) {
        throw invalid(foreign.map((key) => ({ field: 'identifiers', rule: 'held', message: `${key} is not an identifier of profile ${profile.id}` })));
      }
      const kept = held.filter((key) => !detached.includes(key));
      if (kept.length === 0) {
        throw invalid([{ field: 'identifiers', rule: 'keepOne', message: 'a split must leave at least one identifier on the profile' }]);
      }
      const changed = await this.#o.resolver.split(ws, kept, detached, requestedBy);
      for (const changedId of changed) await rebuildProfileState(ws, changedId);
      await this.#o.store.commit(changesOf(ws, this.#o.profileRules));
      const after = new IdentityWorkspace(this.#o.store);
      const [keptProfile, detachedProfile] = await Promise.all([after.profileOf(kept[0] ?? ''), after.profileOf(detached[0] ?? '')]);
      if (keptProfile === undefined || detachedProfile === undefined) throw new TesseraError('TESSERA_ERR_INTERNAL', 'split left an identifier unlinked');
      return { profile: await this.#view(after, keptProfile), detached: await this.#view(after, detachedProfile) };
    });
    await this.#o.onChanged?.([result.profile.id, result.detached.id]);
    return result;
  }

  /**
   * Records consent stated through the API, at the server's time, with
   * provenance `api` and the request's `source` label (else a generated id).
   * It is kept in the profile's API fragment, so it survives merges, splits
   * and re-decisions; a later statement, from a message or the API, wins.
   */
  async setConsent(id: string, update: ConsentUpdate): Promise<Profile> {
    const result = await this.#o.lock.run(async () => {
      const ws = new IdentityWorkspace(this.#o.store);
      const profile = await this.#live(ws, id);
      const now = this.#o.clock.now();
      const provenance = { sourceId: 'api', messageId: update.source ?? newId('csn') };
      const contribution = apiConsentContribution(update.consent, new Date(now).toISOString(), provenance);
      await addApiContribution(ws, profile.id, contribution, this.#o.identityRules, now);
      await this.#o.store.commit(changesOf(ws, this.#o.profileRules));
      const after = new IdentityWorkspace(this.#o.store);
      return this.#view(after, await after.liveProfile(profile.id));
    });
    await this.#o.onChanged?.([result.id]);
    return result;
  }

  /** Everything held about the person: the profile, every trait value with its lineage, history and every event. */
  async exportData(id: string): Promise<ProfileExport> {
    const ws = new IdentityWorkspace(this.#o.store);
    const profile = await this.#live(ws, id);
    const fragmentKeys = (await ws.fragmentsOf(profile.id)).map((f) => f.key);
    const events: StoredEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#o.events.list({ limit: exportPageSize, ...(cursor !== undefined && { cursor }) }, { fragmentKeys });
      events.push(...page.events);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return {
      exportedAt: new Date(this.#o.clock.now()).toISOString(),
      profile: await this.#view(ws, profile),
      traitLineage: traitLineage(asState(profile.state)),
      history: (await this.history(profile.id)).map(historyView),
      events,
    };
  }

  async #live(ws: IdentityWorkspace, id: string): Promise<ProfileRecord> {
    if ((await ws.profile(id)) === undefined) throw notFound('profile', id);
    return ws.liveProfile(id);
  }

  async #view(ws: IdentityWorkspace, profile: ProfileRecord): Promise<Profile> {
    const [identifiers, mergedIds, conflicts] = await Promise.all([
      ws.identifiersOf(profile.id),
      ws.mergedIntoIds(profile.id),
      this.#o.store.conflictsOf(profile.id),
    ]);
    const suppressions = (await this.#o.suppressions?.find(identifiers)) ?? [];
    return profileView(profile, identifiers, mergedIds, conflicts, suppressions, this.#o.profileRules, this.#o.derivedTraits, this.#o.clock.now());
  }

  #normalize(key: string): string {
    const normalized = normalizeIdentifierKey(key, this.#o.identityRules);
    if (!normalized.ok) throw invalid([{ field: 'identifier', rule: 'format', message: normalized.error }]);
    return normalized.value;
  }
}
