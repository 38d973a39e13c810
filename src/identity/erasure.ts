import type { FragmentRecord } from '../store/index.js';
import type { IdentityWorkspace } from './workspace.js';

/** What erasing a person takes out of the identity graph. */
export interface ErasureScope {
  readonly profileId: string;
  /** Profiles merged into it: the same person. */
  readonly mergedIds: readonly string[];
  readonly identifiers: readonly string[];
  /**
   * Every fragment containing one of the identifiers. Most are homed in the
   * person's profile; one homed elsewhere (a link that was refused) still
   * carried the person's identifier, so it goes too, as later messages
   * carrying it are dropped.
   */
  readonly fragments: readonly FragmentRecord[];
  /** Other live profiles whose records change: they homed some of those fragments, or had a conflict or cannot-link with the person. */
  readonly affected: readonly string[];
}

/**
 * Works out what erasing the live profile `profileId` removes from the graph
 * and takes it out of the workspace: the fragments are forgotten, and the
 * profiles that shared something with the person get their conflict and
 * constraint flags recomputed without it. Their golden records are left for
 * the caller to rebuild from their remaining fragments.
 */
export async function detachForErasure(ws: IdentityWorkspace, profileId: string, now: number): Promise<ErasureScope> {
  const mergedIds = await ws.mergedIntoIds(profileId);
  const erasedProfiles = new Set([profileId, ...mergedIds]);
  const identifiers = await ws.identifiersOf(profileId);
  const erasedIdentifiers = new Set(identifiers);

  const containing = await ws.fragmentsContaining(identifiers);
  const fragments: FragmentRecord[] = [];
  for (const key of new Set([...containing.values()].flat())) {
    const fragment = await ws.fragment(key);
    if (fragment !== undefined) fragments.push(fragment);
  }
  const conflicts = (await Promise.all([...erasedProfiles].map((id) => ws.conflictsOf(id)))).flat();
  const links = await ws.cannotLinks(identifiers);
  const others = new Set<string>();
  const addOwner = async (profile: string | undefined): Promise<void> => {
    const live = profile === undefined ? undefined : (await ws.liveProfile(profile)).id;
    if (live !== undefined && !erasedProfiles.has(live)) others.add(live);
  };
  for (const fragment of fragments) await addOwner(fragment.homeProfileId);
  for (const c of conflicts) for (const id of [c.profileId, c.otherProfileId]) if (!erasedProfiles.has(id)) await addOwner(id);
  for (const { a, b } of links) {
    for (const key of [a, b]) if (!erasedIdentifiers.has(key)) await addOwner((await ws.identifier(key))?.profileId);
  }

  ws.forgetFragments(fragments.map((f) => f.key));
  const touchesErased = (ids: readonly string[]): boolean => ids.some((id) => erasedProfiles.has(id) || erasedIdentifiers.has(id));
  for (const id of others) {
    const profile = await ws.liveProfile(id);
    const ids = [id, ...(await ws.mergedIntoIds(id))];
    const remaining = (await Promise.all(ids.map((each) => ws.conflictsOf(each)))).flat();
    const held = await ws.identifiersOf(id);
    ws.setProfile({
      ...profile,
      conflicted: remaining.some((c) => !touchesErased([c.profileId, c.otherProfileId])),
      constrained: (await ws.cannotLinks(held)).some((link) => !touchesErased([link.a, link.b])),
      updatedAt: now,
    });
  }
  return { profileId, mergedIds, identifiers, fragments, affected: [...others] };
}
