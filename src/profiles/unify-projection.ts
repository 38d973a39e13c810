import {
  extractIdentifiers,
  identifierKey,
  IdentityResolver,
  IdentityWorkspace,
  fragmentKeyOf,
  type ErasedIdentifiers,
  type IdentityRules,
  type Resolution,
} from '../identity/index.js';
import { internalContextOf } from '../contracts/tracking.js';
import type { Clock } from '../lib/clock.js';
import type { Mutex } from '../lib/mutex.js';
import type { Projection } from '../log/index.js';
import type { IdentityChanges, IdentityStore, LogRecord, ProfileRecord, StateJson } from '../store/index.js';
import { pruneAggregates } from './aggregates.js';
import { contributionOf, emptyState, isNeutral, mergeStates, type ProfileRules, type ProfileState } from './state.js';
import { traitIndexEntries, traitIndexKey } from './trait-index.js';

export interface UnifyOptions {
  readonly store: IdentityStore;
  readonly resolver: IdentityResolver;
  readonly identityRules: IdentityRules;
  readonly profileRules: ProfileRules;
  /** Shared with the API's profile mutations. */
  readonly lock: Mutex;
  /** Windowed aggregates forget what has left their window, as of now. */
  readonly clock: Clock;
  /** Messages of erased people are dropped; without it none are. */
  readonly erased?: Pick<ErasedIdentifiers, 'drops'>;
}

/** Stored state JSON as a ProfileState: `{}` is how a new record starts, and states stored before aggregates existed lack them. */
export const asState = (json: StateJson): ProfileState => {
  if (!('traits' in json)) return emptyState;
  const state = json as unknown as ProfileState;
  return state.aggregates === undefined ? { ...state, aggregates: {} } : state;
};
export const asJson = (state: ProfileState): StateJson => state as unknown as StateJson;
const noChanges: IdentityChanges = { identifiers: [], fragments: [], profiles: [], history: [], conflicts: { replaceFor: [], add: [] }, cannotLinks: [] };

/**
 * The unify stage: for each logged message, places its identifiers in the
 * identity graph and folds it into the golden record of the profile it belongs
 * to. A batch is one transaction with the stage's checkpoint, so a replay after
 * a crash neither loses nor double-counts a message.
 */
export class UnifyProjection implements Projection {
  readonly name = 'unify';
  readonly #options: UnifyOptions;

  constructor(options: UnifyOptions) {
    this.#options = options;
  }

  position(partition: number): Promise<number> {
    return this.#options.store.checkpoint(this.name, partition);
  }

  apply(partition: number, records: readonly LogRecord[]): Promise<void> {
    const last = records.at(-1);
    if (last === undefined) return Promise.resolve();
    return this.#options.lock.run(async () => {
      const { store, identityRules } = this.#options;
      const ws = new IdentityWorkspace(store);
      const work = records
        .map((record) => ({ record, identifiers: extractIdentifiers(record.message, identityRules) }))
        // A message carrying an erased identifier must not bring its person back.
        .filter(({ identifiers }) => this.#options.erased?.drops(this.name, identifiers.map(identifierKey)) !== true);
      await ws.prefetch(
        work.flatMap((w) => w.identifiers.map(identifierKey)),
        work.filter((w) => w.identifiers.length > 0).map((w) => fragmentKeyOf(w.identifiers)),
      );
      for (const { record, identifiers } of work) {
        // A message with no usable identifier belongs to nobody; the event store still keeps it.
        if (identifiers.length === 0) continue;
        const { message } = record;
        const match = internalContextOf(message)?.match;
        const resolution = await this.#options.resolver.resolve(ws, identifiers, match ? { ...message, match } : message);
        await this.#fold(ws, resolution, contributionOf(message, this.#options.profileRules));
      }
      await store.commit(changesOf(ws, this.#options.profileRules), { consumer: this.name, partition, offset: last.offset });
    });
  }

  /**
   * Re-indexes every live profile's traits when the index was built under
   * other survivorship rules (golden values depend on them) or never built
   * whole, as right after the upgrade that added it. One page per turn of the
   * lock, so unify batches go on meanwhile and index what they touch.
   * Returns how many profiles were indexed.
   */
  async refreshTraitIndex(pageSize = 500): Promise<number> {
    const { store, profileRules, lock } = this.#options;
    const key = traitIndexKey(profileRules);
    if ((await store.traitIndexRules()) === key) return 0;
    let indexed = 0;
    for (let after = ''; ; ) {
      const page = await lock.run(async () => {
        const profiles = await store.liveProfiles(after, pageSize);
        const traitIndex = profiles.map((p) => ({ profileId: p.id, entries: traitIndexEntries(asState(p.state), profileRules) }));
        await store.commit({ ...noChanges, traitIndex, ...(profiles.length < pageSize && { traitIndexRules: key }) });
        return profiles;
      });
      indexed += page.length;
      const last = page.at(-1);
      if (last === undefined || page.length < pageSize) return indexed;
      after = last.id;
    }
  }

  /** Adds a message to its fragment and to the golden record of the fragment's profile. */
  async #fold(ws: IdentityWorkspace, resolution: Resolution, contribution: ProfileState): Promise<void> {
    // Most of what Tessera says about people (Segment Entered and Exited) adds nothing to their records; rewriting
    // them would cost as much as a message that does (aggregates that windows have since emptied go on the next write).
    if (isNeutral(contribution) && resolution.merges.length === 0 && resolution.rebuilt.length === 0) return;
    const fragment = await ws.fragment(resolution.fragmentKey);
    if (fragment === undefined) throw new Error(`fragment ${resolution.fragmentKey} missing after resolution`);
    ws.setFragment({ ...fragment, state: asJson(this.#pruned(mergeStates(asState(fragment.state), contribution))) });

    if (resolution.rebuilt.length > 0) {
      for (const id of resolution.rebuilt) await rebuildProfileState(ws, id);
      return;
    }
    const home = await ws.profile(resolution.homeProfileId);
    if (home === undefined) throw new Error(`profile ${resolution.homeProfileId} missing after resolution`);
    let state = asState(home.state);
    for (const { mergedId } of resolution.merges) {
      const merged = await ws.profile(mergedId);
      if (merged) state = mergeStates(state, asState(merged.state));
    }
    ws.setProfile({ ...home, state: asJson(this.#pruned(mergeStates(state, contribution))) });
  }

  #pruned(state: ProfileState): ProfileState {
    const { profileRules, clock } = this.#options;
    const aggregates = pruneAggregates(state.aggregates, profileRules.aggregates, clock.now());
    return aggregates === state.aggregates ? state : { ...state, aggregates };
  }
}

/** A profile's golden record is the merge of its fragments' states. */
export async function rebuildProfileState(ws: IdentityWorkspace, profileId: string): Promise<void> {
  const profile = await ws.profile(profileId);
  if (profile === undefined) return;
  const fragments = await ws.fragmentsOf(profileId);
  const state = fragments.reduce((sum, f) => mergeStates(sum, asState(f.state)), emptyState);
  ws.setProfile({ ...profile, state: asJson(state) });
}

/**
 * What a workspace changed, with the trait index entries of the live profiles
 * whose traits it changed (merged ones leave the index in the store). Every
 * commit of profile records goes through here, so the index follows the
 * golden records.
 */
export function changesOf(ws: IdentityWorkspace, rules: ProfileRules): IdentityChanges {
  const changes = ws.changes();
  const traitIndex = changes.profiles.filter((p) => p.mergedInto === null && traitsChanged(ws, p)).map((p) => ({
    profileId: p.id,
    entries: traitIndexEntries(asState(p.state), rules),
  }));
  return { ...changes, traitIndex };
}

/**
 * Merging states keeps the traits object itself when nothing was added to it
 * (see mergeRecords), so an unchanged object means unchanged golden traits:
 * most messages (track, page) carry none, and their profiles need no index work.
 */
function traitsChanged(ws: IdentityWorkspace, profile: ProfileRecord): boolean {
  const stored = ws.storedProfile(profile.id);
  return stored === undefined || stored.mergedInto !== null || asState(stored.state).traits !== asState(profile.state).traits;
}
